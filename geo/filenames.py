"""Names for downloaded files: the dataset and the view they hold, short and safe to save.

`russian-invasion-of-ukraine-2022-02-24-to-28-shelling.csv` says what a file holds when it
turns up in a downloads folder next to others from the same page: the dataset's name, the
dates it covers and the filters that made it. Only lowercase ASCII letters, digits and hyphens
are used, so that the name is valid on every system and needs no quoting in an HTTP header.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable

from geo.filters import EventFilter
from geo.vocabulary import EventType

# The name before its tag and extension stays within this many characters: long enough for a
# dataset, dates and a few filters, well within every file system's limit.
MAX_STEM = 100
# The dataset's part of the name, and any one filter value's.
MAX_DATASET = 40
MAX_VALUE = 24
# Up to this many types, countries or labels are named; more are counted ("3-types").
NAMED_VALUES = 2
FALLBACK = "events"
# Names Windows refuses for a file whatever its extension.
_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"} | {f"com{n}" for n in range(10)} | {f"lpt{n}" for n in range(10)}
)
_APOSTROPHES = re.compile(r"['’ʼ`´]")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
# Where a title's subtitle or aside begins: "Russian invasion of Ukraine: events reported…".
_SUBTITLE = re.compile(r"\s*(?::|\s[-–—|]\s|\(|\[)")


def slug(text: str, limit: int | None = None) -> str:
    """Lowercase ASCII words joined by hyphens; cut at a word's end within `limit`."""
    decomposed = unicodedata.normalize("NFKD", _APOSTROPHES.sub("", text).casefold())
    ascii_only = decomposed.encode("ascii", "ignore").decode("ascii")
    words = _NOT_SLUG.sub("-", ascii_only).strip("-")
    return words if limit is None else _cut(words, limit)


def _cut(words: str, limit: int) -> str:
    """At most `limit` characters, ending at a hyphen when one is near; never a trailing one."""
    if len(words) <= limit:
        return words
    cut = words[:limit]
    end = cut.rfind("-")
    if words[limit] != "-" and end > limit // 2:
        cut = cut[:end]
    return cut.strip("-")


def dataset_slug(name: str) -> str:
    """A dataset's title or file stem as a short name: a long title loses its subtitle
    ("Russian invasion of Ukraine: events reported…") or what follows its first comma."""
    whole = slug(name)
    if len(whole) > MAX_DATASET:
        for head in (_SUBTITLE.split(name, maxsplit=1)[0], name.split(",", 1)[0]):
            if slug(head) and len(slug(head)) < len(whole):
                whole = slug(head)
                if len(whole) <= MAX_DATASET:
                    break
    return _cut(whole, MAX_DATASET) or FALLBACK


def date_range(start: dt.date | None, end: dt.date | None) -> str:
    """`2022-02-24-to-28`: the end says only what differs from the start (day, month, year)."""
    if start is None and end is None:
        return ""
    if start is None:
        return f"to-{end:%Y-%m-%d}"
    if end is None:
        return f"from-{start:%Y-%m-%d}"
    if start == end:
        return f"{start:%Y-%m-%d}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start:%Y-%m-%d}-to-{end:%d}"
    if start.year == end.year:
        return f"{start:%Y-%m-%d}-to-{end:%m-%d}"
    return f"{start:%Y-%m-%d}-to-{end:%Y-%m-%d}"


def _values(values: Iterable[str], noun: str) -> str:
    """A few values by name; more by how many there are ("4-countries")."""
    named = [part for part in (slug(value, MAX_VALUE) for value in values) if part]
    if len(named) > NAMED_VALUES:
        return f"{len(named)}-{noun}"
    return "-".join(named)


def filter_parts(event_filter: EventFilter) -> list[str]:
    """The filters as name parts, in a fixed order whatever order they were chosen in."""
    f = event_filter
    order = list(EventType)
    parts = [
        _values((t.value for t in sorted(f.types, key=order.index)), "types"),
        _values(sorted(f.countries), "countries"),
        _values(sorted(f.labels), "labels"),
        "precision-" + "-".join(str(p) for p in sorted(f.precisions)) if f.precisions else "",
        slug(f.text, MAX_VALUE),
    ]
    return [part for part in parts if part]


def download_name(
    dataset: str,
    event_filter: EventFilter,
    extension: str,
    *,
    bounds: tuple[dt.date, dt.date] | None = None,
    tag: str = "",
) -> str:
    """The file name of a download of `dataset` (its title or file stem) as `event_filter`
    shows it: dataset, dates, types, countries, labels, precision, search text, then `tag`
    ("acled", "site") and the extension. The dates are the filter's, or the dataset's
    `bounds` where the filter leaves them open. The stem is at most MAX_STEM characters.
    """
    start = event_filter.date_from or (bounds[0] if bounds else None)
    end = event_filter.date_to or (bounds[1] if bounds else None)
    parts = [dataset_slug(dataset), date_range(start, end), *filter_parts(event_filter)]
    stem = _cut("-".join(part for part in parts if part), MAX_STEM)
    if stem in _RESERVED:
        stem = f"{stem}-{FALLBACK}"
    tail = f"-{slug(tag)}" if slug(tag) else ""
    suffix = slug(extension).replace("-", "") or "txt"
    return f"{stem}{tail}.{suffix}"
