"""Scratch folders for datasets the page puts into the engine (an upload or an events file of
more than 1,000 events becomes a Parquet file there), and their removal.

A folder is named after the process that made it (`event-atlas-store-<pid>-…` in the temp
folder). It is removed when its dataset is released (the upload's browser session ended, the
cached file version was evicted), when the process exits normally, and, for a process that
died without exiting (a crash, SIGKILL), by the next process's `sweep` at start-up.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
import threading
import time
from pathlib import Path

PREFIX = "event-atlas-store-"
_OWNED = re.compile(re.escape(PREFIX) + r"(\d+)-")
# Before folders were named after their process they were `event-atlas-XXXXXXXX` (mkdtemp's
# eight characters) holding one `events.parquet`: those untouched this long are removed too.
_LEGACY = re.compile(r"event-atlas-[a-z0-9_]{8}")
LEGACY_AGE_S = 3600.0

_mine: set[Path] = set()
_lock = threading.Lock()


def new_folder() -> Path:
    """A new scratch folder of this process, removed at the latest when it exits."""
    folder = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))
    with _lock:
        _mine.add(folder)
    return folder


def remove(folder: Path) -> None:
    """Removes a scratch folder (its files first); nothing else is ever removed."""
    if not folder.name.startswith(PREFIX):
        raise ValueError(f"{folder} is not a scratch folder")
    shutil.rmtree(folder, ignore_errors=True)
    with _lock:
        _mine.discard(folder)


@atexit.register
def _remove_mine() -> None:
    with _lock:
        folders = list(_mine)
    for folder in folders:
        remove(folder)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


def sweep(root: Path | None = None, now: float | None = None) -> list[Path]:
    """Removes the scratch folders of processes that are gone; returns what it removed.

    A live process's folders stay (another replica on this machine may be using them)."""
    root = Path(tempfile.gettempdir()) if root is None else root
    now = time.time() if now is None else now
    removed = []
    for path in root.glob("event-atlas-*"):
        owned = _OWNED.match(path.name)
        if owned is not None:
            stale = int(owned[1]) != os.getpid() and not _alive(int(owned[1]))
        else:
            stale = _stale_legacy(path, now)
        if stale and path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _stale_legacy(path: Path, now: float) -> bool:
    if not _LEGACY.fullmatch(path.name) or not path.is_dir():
        return False
    try:
        names = {child.name for child in path.iterdir()}
        age = now - path.stat().st_mtime
    except OSError:
        return False
    return (
        bool(names) and names <= {"events.parquet", ".events.parquet.tmp"} and (age > LEGACY_AGE_S)
    )
