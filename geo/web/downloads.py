"""Downloads of any size: written in chunks to a file on disk, sent from that file by a route.

The page's CSV, GeoJSON and ACLED CSV and the desk's exports go through here.

Why this route (read in Streamlit 1.67's source):
- `st.download_button` turns whatever it is given (bytes, a file object, or what a deferred
  callable returns) into bytes (`convert_data_to_bytes_and_infer_mime`) and keeps them in its
  media file manager, in the server's memory, for as long as the button is shown. A download of
  a million events cost gigabytes of RSS, kept after the click.
- The static folder (`/app/static/`, `server.enableStaticServing`) streams files from disk, but
  refuses any file over 200 MB (`MAX_APP_STATIC_FILE_SIZE`, a constant, not an option), answers
  anyone who has the URL with `Access-Control-Allow-Origin: *`, and HAProxy caches what it
  serves there (`geo.serve`). Custom component folders are read whole into memory per request.
- `st.App(script, routes=...)` is Streamlit's supported way to serve more HTTP routes: Starlette
  routes in the same server, on the same port and origin, behind Streamlit's middleware (XSRF
  and CORS settings untouched). `streamlit run app.py` serves an `st.App` the script declares,
  so app.py declares one when it is imported as a module (by `streamlit run`, uvicorn) and is
  the page when Streamlit runs it as `__main__` (every session's run, AppTest too). Every way of
  starting the app (`scripts/app.sh`, the Docker image, `python -m geo serve`, the tests' servers)
  runs `streamlit run app.py`, so every one of them has the route. Behind HAProxy the affinity
  cookie brings the request to the replica that wrote the file.

How a download goes:
1. A click on "Download CSV" runs its fragment, which writes every event the filters keep with
   the command line's own writer (`geo.export.write_csv`, `write_geojson`,
   `geo.io.acled.write_acled_csv`), fetched from the engine in batches, into this process's
   spool folder, with a progress bar. Nothing is built before a click, at any size.
2. The page then shows a link, "Save <name>.csv" (with its size and event count), to
   `download/<token>`, relative to the page, with the file's name in its `download` attribute:
   the dataset's and the view's (geo.filenames.download_name, given by the page).
3. The route sends the file from disk in 1 MiB chunks; when the last one is sent, the file is
   deleted. Writing and sending add nothing to the server's memory with the file's size, and
   the engine reads the events a window of dates at a time (`EventStore.iter_events`, as
   `python -m geo export` does): 200,000 events added 42 to 57 MB at the peak
   (tests/browser/test_downloads.py).

Bounds:
- The token is 256 random bits, handed only to the session that built the file. The route
  answers it only while that session is connected and, when XSRF protection is on, only to the
  browser holding that session's XSRF cookie: a copied link is useless anywhere else.
- A file is deleted once downloaded, when another build replaces it (one per button and
  session), when its session has been gone for `SESSION_GRACE_S`, `KEEP_S` after it was built,
  and at start-up (spool folders of processes that no longer run) and shutdown.
- At most `MAX_BUILDS` builds run at once per process: another click is told to try again,
  so a click storm cannot take every core. A build is refused, or stopped and deleted, when the
  disk would keep less than `DISK_RESERVE_BYTES` free or the process's files would pass
  `MAX_KEPT_BYTES`.
- The route never compresses (Content-Length is exact, no CPU spent on gigabytes), never lets
  a browser or proxy cache the file, and sends it as an attachment (`nosniff`, a sandboxing CSP).
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hmac
import html
import os
import secrets
import shutil
import stat
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TextIO

import anyio
import streamlit as st
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from geo.export import write_csv, write_geojson
from geo.io.acled import write_acled_csv
from geo.model import Event

# The route, relative to the app's URL (and to server.baseUrlPath when one is set).
ROUTE = "download"
MAX_BUILDS = 2
KEEP_S = 30 * 60
SESSION_GRACE_S = 120
SWEEP_EVERY_S = 30
DISK_RESERVE_BYTES = 2 * 1024**3
MAX_KEPT_BYTES = 20 * 1024**3
# Progress is shown, and the disk checked, after every batch of this many events.
BATCH = 10_000
CHUNK = 1024 * 1024
XSRF_COOKIE = "_streamlit_xsrf"
SPOOL_PREFIX = "event-atlas-downloads"

Writer = Callable[[Iterable[Event], TextIO], int]


@dataclass(frozen=True)
class FileKind:
    """A file a button offers: its label, the name it is saved under, its type, its writer."""

    label: str
    file_name: str
    mime: str
    write: Writer


CSV = FileKind("Download CSV", "events.csv", "text/csv", write_csv)
GEOJSON = FileKind("Download GeoJSON", "events.geojson", "application/geo+json", write_geojson)
ACLED = FileKind("Download ACLED CSV", "events-acled.csv", "text/csv", write_acled_csv)
EVENT_FILES = (CSV, GEOJSON, ACLED)


class DownloadRefused(Exception):
    """A build that cannot run now (too many at once, too little disk); the reason is shown."""


@dataclass(frozen=True)
class Owner:
    """Who may fetch a file: the session that built it, from the browser it runs in (its XSRF
    token, when XSRF protection is on)."""

    session: str
    browser: bytes | None = None


@dataclass
class Prepared:
    token: str
    path: Path
    owner: Owner
    slot: str
    holds: object
    file_name: str
    mime: str
    size: int
    events: int
    built_at: float
    gone_since: float | None = field(default=None)

    @property
    def url(self) -> str:
        # Relative: the page's own folder, whatever base path or proxy prefix it is under.
        return f"{ROUTE}/{self.token}"


def _session_connected(session: str) -> bool:
    from streamlit.runtime import Runtime

    if not Runtime.exists():
        return True  # no server (a script run on its own): nothing to ask
    return bool(Runtime.instance().is_active_session(session))


def browser_token(cookie: str | None) -> bytes | None:
    """The token inside Streamlit's XSRF cookie (its value is masked anew on every page load)."""
    if not cookie:
        return None
    from streamlit.web.server.starlette.starlette_app_utils import decode_xsrf_token_string

    token, _ = decode_xsrf_token_string(cookie)
    return token or None


class Spool:
    """This process's downloads: files in a folder of its own, each under an unguessable token.

    Thread-safe: sessions build on their script threads, the route reads on the event loop, a
    sweeper thread deletes what is no longer wanted.
    """

    def __init__(
        self,
        base: Path | None = None,
        *,
        max_builds: int = MAX_BUILDS,
        keep_s: float = KEEP_S,
        grace_s: float = SESSION_GRACE_S,
        reserve_bytes: int = DISK_RESERVE_BYTES,
        max_kept_bytes: int = MAX_KEPT_BYTES,
        connected: Callable[[str], bool] = _session_connected,
        sweep_every_s: float | None = SWEEP_EVERY_S,
    ) -> None:
        self.base = _private_folder(
            base or Path(tempfile.gettempdir()) / f"{SPOOL_PREFIX}-{os.getuid()}"
        )
        remove_stale_spools(self.base)
        # Made under a name the start-up clean-up skips, locked, then named: its lock is held
        # while this process lives, so another process's start-up leaves it alone.
        making = Path(tempfile.mkdtemp(prefix=_MAKING, dir=self.base))
        self._lock_file: IO[bytes] | None = (making / ".lock").open("wb")
        fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self.folder = self.base / f"{os.getpid()}-{making.name.removeprefix(_MAKING)}"
        making.rename(self.folder)
        self.keep_s, self.grace_s = keep_s, grace_s
        self.reserve_bytes, self.max_kept_bytes = reserve_bytes, max_kept_bytes
        self._connected = connected
        self._builds = threading.BoundedSemaphore(max_builds)
        self._lock = threading.Lock()
        self._files: dict[str, Prepared] = {}
        self._stop = threading.Event()
        if sweep_every_s:
            sweeper = threading.Thread(
                target=self._sweep_every, args=(sweep_every_s,), name="download-sweeper"
            )
            sweeper.daemon = True
            sweeper.start()

    # -- building ------------------------------------------------------------------------------
    def build(
        self,
        owner: Owner,
        slot: str,
        holds: object,
        kind: FileKind,
        events: Iterable[Event],
        progress: Callable[[int], None] | None = None,
    ) -> Prepared:
        """Write `events` with `kind`'s writer into a new file of `owner`'s; it replaces the
        owner's earlier file in `slot`. DownloadRefused when it cannot run now."""
        if not self._builds.acquire(blocking=False):
            raise DownloadRefused(
                "Other downloads are being prepared on this server: try again in a moment."
            )
        try:
            self.discard(owner, slot)
            self._check_room()
            path = self.folder / secrets.token_hex(16)
            part = path.with_suffix(".part")
            try:
                with part.open("w", encoding="utf-8", newline="", buffering=CHUNK) as out:
                    written = kind.write(self._watched(events, progress), out)
                part.rename(path)
            except BaseException:  # a refusal, a rerun that stops the script, a failure
                part.unlink(missing_ok=True)
                raise
        finally:
            self._builds.release()
        token = secrets.token_urlsafe(32)
        size = path.stat().st_size
        ready = Prepared(
            token, path, owner, slot, holds, kind.file_name, kind.mime, size, written, time.time()
        )
        with self._lock:
            self._files[token] = ready
        return ready

    def _watched(
        self, events: Iterable[Event], progress: Callable[[int], None] | None
    ) -> Iterator[Event]:
        for done, event in enumerate(events, 1):
            yield event
            if done % BATCH == 0:
                self._check_room()
                if progress is not None:
                    progress(done)

    def _check_room(self) -> None:
        if shutil.disk_usage(self.folder).free < self.reserve_bytes:
            raise DownloadRefused("The server's disk is nearly full: try again later.")
        if self._kept_bytes() >= self.max_kept_bytes:
            raise DownloadRefused(
                "The server holds too many prepared downloads: try again in a few minutes."
            )

    def _kept_bytes(self) -> int:
        total = 0
        for path in self.folder.iterdir():
            with contextlib.suppress(OSError):
                total += path.stat().st_size
        return total

    # -- what a session sees -------------------------------------------------------------------
    def ready(self, owner: Owner, slot: str, holds: object) -> Prepared | None:
        """The owner's file in `slot`, if it still holds `holds` (what the page shows now);
        a file of other filters is deleted."""
        with self._lock:
            found = next(
                (p for p in self._files.values() if p.owner == owner and p.slot == slot), None
            )
        if found is None:
            return None
        if found.holds != holds:
            self._delete(found.token)
            return None
        return found

    def discard(self, owner: Owner, slot: str) -> None:
        with self._lock:
            tokens = [t for t, p in self._files.items() if p.owner == owner and p.slot == slot]
        for token in tokens:
            self._delete(token)

    # -- what the route asks ---------------------------------------------------------------------
    def claim(self, token: str, browser: bytes | None) -> Prepared | None:
        """The file under `token`, if the browser asking is its owner's and its session runs."""
        with self._lock:
            found = self._files.get(token)
        if found is None or time.time() - found.built_at > self.keep_s:
            return None
        wanted = found.owner.browser
        if wanted is not None and (browser is None or not hmac.compare_digest(wanted, browser)):
            return None
        if not self._connected(found.owner.session):
            return None
        return found

    def finished(self, token: str) -> None:
        """The file was sent whole: it is deleted."""
        self._delete(token)

    # -- cleaning --------------------------------------------------------------------------------
    def _delete(self, token: str) -> None:
        with self._lock:
            found = self._files.pop(token, None)
        if found is not None:
            found.path.unlink(missing_ok=True)

    def sweep(self, now: float | None = None) -> None:
        """Delete files kept too long and those of sessions gone for longer than the grace."""
        now = time.time() if now is None else now
        with self._lock:
            files = list(self._files.values())
        for found in files:
            if now - found.built_at > self.keep_s:
                self._delete(found.token)
            elif self._connected(found.owner.session):
                found.gone_since = None
            elif found.gone_since is None:
                found.gone_since = now
            elif now - found.gone_since > self.grace_s:
                self._delete(found.token)

    def _sweep_every(self, seconds: float) -> None:
        while not self._stop.wait(seconds):
            with contextlib.suppress(Exception):  # a failed sweep waits for the next one
                self.sweep()

    def close(self) -> None:
        """Every file deleted, the folder too (at shutdown)."""
        self._stop.set()
        with self._lock:
            self._files.clear()
        shutil.rmtree(self.folder, ignore_errors=True)
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None


_MAKING = ".making-"


def _private_folder(path: Path) -> Path:
    """`path` as a folder only this user can enter; a private new one if `path` is taken (by
    another user, or as a link someone planted in a shared temp folder)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    found = path.lstat()
    if stat.S_ISDIR(found.st_mode) and found.st_uid == os.getuid():
        path.chmod(0o700)
        return path
    return Path(tempfile.mkdtemp(prefix=f"{SPOOL_PREFIX}-"))


def remove_stale_spools(base: Path) -> None:
    """Delete the spool folders of processes that no longer run: their lock is free."""
    for folder in base.iterdir():
        if folder.is_symlink() or not folder.is_dir():
            continue
        if folder.name.startswith(_MAKING):
            # Being made by a process that starts now, or left half made long ago.
            with contextlib.suppress(OSError):
                if time.time() - folder.stat().st_mtime > 60:
                    shutil.rmtree(folder, ignore_errors=True)
            continue
        try:
            with (folder / ".lock").open("rb") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            continue  # a live process holds it
        except OSError:
            pass  # no lock at all: not a folder any live process uses
        shutil.rmtree(folder, ignore_errors=True)


_SPOOL: Spool | None = None
_SPOOL_LOCK = threading.Lock()


def spool() -> Spool:
    """This process's spool, made (and older processes' spools removed) on first use."""
    global _SPOOL
    with _SPOOL_LOCK:
        if _SPOOL is None:
            _SPOOL = Spool()
            atexit.register(close_spool)
        return _SPOOL


def close_spool() -> None:
    global _SPOOL
    with _SPOOL_LOCK:
        if _SPOOL is not None:
            _SPOOL.close()
            _SPOOL = None


# -- the page's side ---------------------------------------------------------------------------
def _owner() -> Owner:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    session = ctx.session_id if ctx is not None else "no-session"
    return Owner(session, browser_token(st.context.cookies.get(XSRF_COOKIE)))


def offer(
    kind: FileKind,
    events: Callable[[], Iterable[Event]],
    *,
    slot: str,
    holds: object,
    total: Callable[[], int] | None = None,
    label: str | None = None,
) -> None:
    """A button that writes the file when clicked, then a link that saves it.

    `holds` says what the file holds (e.g. the filters): when it changes, the link goes and the
    file is deleted. Call it inside an `st.fragment`, so that a click reruns only the downloads.
    """
    owner = _owner()
    store = spool()
    button = label or kind.label
    if st.button(button, key=f"download:{slot}"):
        _build(store, owner, slot, holds, kind, events, total)
    ready = store.ready(owner, slot, holds)
    if ready is not None:
        st.html(save_link(ready))


def _build(
    store: Spool,
    owner: Owner,
    slot: str,
    holds: object,
    kind: FileKind,
    events: Callable[[], Iterable[Event]],
    total: Callable[[], int] | None,
) -> None:
    count = total() if total is not None else None
    bar = st.progress(0.0, text=f"Writing {kind.file_name}…")

    def show(done: int) -> None:
        share = min(done / count, 1.0) if count else 0.0
        of = f" of {count:,}" if count is not None else ""
        bar.progress(share, text=f"Writing {kind.file_name}: {done:,}{of} events")

    try:
        store.build(owner, slot, holds, kind, events(), show)
    except DownloadRefused as refused:
        st.warning(str(refused))
    finally:
        bar.empty()


def save_link(ready: Prepared) -> str:
    """The link that saves a written file, with its size and how many events it holds."""
    name = html.escape(ready.file_name)
    events = f"{ready.events:,} {'event' if ready.events == 1 else 'events'}"
    # A name says what the file holds, so it can be long: it wraps within its column (at its
    # hyphens first) rather than run under the next column or off a phone's screen.
    return (
        f'<a href="{html.escape(ready.url)}" download="{name}" '
        'style="display:inline-block;max-width:100%;padding:0.25rem 0.75rem;border:1px solid '
        "rgba(49,51,63,0.2);border-radius:0.5rem;text-decoration:none;font-size:0.875rem;"
        'overflow-wrap:anywhere">'
        f"⬇ Save {name}</a><br><small>{_size(ready.size)} · {events}</small>"
    )


def _size(size: int) -> str:
    if size >= 1_000_000:
        return f"{size / 1_000_000:,.1f} MB"
    return f"{size / 1_000:,.0f} kB" if size >= 1_000 else f"{size} bytes"


# -- the server's side -------------------------------------------------------------------------
def route_path() -> str:
    from streamlit import config

    base = str(config.get_option("server.baseUrlPath") or "").strip("/")
    return "/" + "/".join(part for part in (base, ROUTE) if part)


async def serve_download(request: Request) -> Response:
    """GET {base}/download/{token}: the file, from disk, then deleted."""
    refused = PlainTextResponse(
        "This download is no longer available: click its button on the page again.",
        status_code=404,
        headers={"Cache-Control": "no-store"},
    )
    token = str(request.path_params.get("token", ""))
    ready = spool().claim(token, browser_token(request.cookies.get(XSRF_COOKIE)))
    if ready is None:
        return refused
    try:
        stream = ready.path.open("rb")  # open now: a file deleted meanwhile is read to its end
    except OSError:
        return refused
    headers = {
        "Content-Length": str(os.fstat(stream.fileno()).st_size),
        "Content-Disposition": f'attachment; filename="{ready.file_name}"',
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Referrer-Policy": "no-referrer",
    }
    if request.method == "HEAD":
        stream.close()
        return Response(headers=headers, media_type=ready.mime)
    return StreamingResponse(_chunks(stream, ready.token), headers=headers, media_type=ready.mime)


async def _chunks(stream: IO[bytes], token: str) -> AsyncIterator[bytes]:
    try:
        while chunk := await anyio.to_thread.run_sync(stream.read, CHUNK):
            yield chunk
        spool().finished(token)  # sent whole (a broken transfer keeps it for another try)
    finally:
        stream.close()


class Uncompressed:
    """Downloads leave as they are: Streamlit's gzip middleware would drop Content-Length and
    spend the replica's CPU on gigabytes. Runs before it, hiding Accept-Encoding on the route."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.prefix = route_path() + "/"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and str(scope.get("path", "")).startswith(self.prefix):
            headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"accept-encoding"]
            scope = {**scope, "headers": headers}
        await self.app(scope, receive, send)


def routes() -> list[Route]:
    return [Route(route_path() + "/{token}", serve_download, methods=["GET"])]


def middleware() -> list[Middleware]:
    return [Middleware(Uncompressed)]


@contextlib.asynccontextmanager
async def lifespan(_app: Any) -> AsyncIterator[None]:
    """The spool from start-up (old processes' files removed) to shutdown (its own removed)."""
    spool()
    try:
        yield
    finally:
        close_spool()
