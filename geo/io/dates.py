"""Date columns: one format decided from the whole column, never guessed row by row.

Real exports write dates many ways: ISO, `13/03/2023 00:00:00` or `9-May-20` after a spreadsheet
saved an ACLED file, `MM/DD/YYYY` in trackers, `YYYYMMDD` in GDELT, epoch milliseconds in USGS
feeds. A row-by-row guess would read `03/04/2022` as March in one row and April in the next, so
the format is chosen once per column: the one that reads the most values, with day-first and
month-first told apart by the values that settle it (a first part over 12 is a day).

`parse_date` reads one date in our own formats (the dates in our own CSV's `sources` column).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from geo.errors import SettingError

Parser = Callable[[str], dt.date | None]

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AaPp][Mm])?(?:Z|[+-]\d{2}:?\d{2})?)?"
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})" + _TIME + "$")
_NUMERIC = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})" + _TIME + "$")
_YMD_SLASH = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})" + _TIME + "$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DAY_MONTH_NAME = re.compile(r"^(\d{1,2})[ -]([A-Za-z]{3,9})\.?[ -](\d{2}|\d{4})" + _TIME + "$")
_MONTH_NAME_DAY = re.compile(r"^([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})" + _TIME + "$")
_EPOCH = re.compile(r"^-?\d{9,13}(?:\.\d+)?$")


def _year(text: str) -> int:
    """A 2-digit year as a spreadsheet reads it: 00-68 is 20xx, 69-99 is 19xx."""
    value = int(text)
    if len(text) == 2:
        return 2000 + value if value < 69 else 1900 + value
    return value


def _date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _iso(text: str) -> dt.date | None:
    match = _ISO.match(text)
    return _date(int(match[1]), int(match[2]), int(match[3])) if match else None


def _ymd_slash(text: str) -> dt.date | None:
    match = _YMD_SLASH.match(text)
    return _date(int(match[1]), int(match[2]), int(match[3])) if match else None


def _dmy(text: str) -> dt.date | None:
    match = _NUMERIC.match(text)
    return _date(_year(match[3]), int(match[2]), int(match[1])) if match else None


def _mdy(text: str) -> dt.date | None:
    match = _NUMERIC.match(text)
    return _date(_year(match[3]), int(match[1]), int(match[2])) if match else None


def _compact(text: str) -> dt.date | None:
    match = _COMPACT.match(text)
    return _date(int(match[1]), int(match[2]), int(match[3])) if match else None


def _day_month_name(text: str) -> dt.date | None:
    match = _DAY_MONTH_NAME.match(text)
    if not match or match[2].lower() not in _MONTHS:
        return None
    return _date(_year(match[3]), _MONTHS[match[2].lower()], int(match[1]))


def _month_name_day(text: str) -> dt.date | None:
    match = _MONTH_NAME_DAY.match(text)
    if not match or match[1].lower() not in _MONTHS:
        return None
    return _date(int(match[3]), _MONTHS[match[1].lower()], int(match[2]))


def _epoch(scale: float) -> Parser:
    def parse(text: str) -> dt.date | None:
        if not _EPOCH.match(text):
            return None
        try:
            moment = dt.datetime.fromtimestamp(float(text) / scale, tz=dt.UTC)
        except (OverflowError, OSError, ValueError):
            return None
        return moment.date()

    return parse


def _digits(text: str) -> int:
    return len(text.lstrip("-").split(".")[0])


@dataclass(frozen=True)
class DateFormat:
    """One way of writing dates: its name (for --date-format), what it looks like, its parser."""

    name: str
    looks_like: str
    parse: Parser


FORMATS: dict[str, DateFormat] = {
    f.name: f
    for f in (
        DateFormat("iso", "YYYY-MM-DD", _iso),
        DateFormat("ymd", "YYYY/MM/DD", _ymd_slash),
        DateFormat("dmy", "DD/MM/YYYY (day first)", _dmy),
        DateFormat("mdy", "MM/DD/YYYY (month first)", _mdy),
        DateFormat("yyyymmdd", "YYYYMMDD", _compact),
        DateFormat("d-mon-y", "D-Mon-YY or D Month YYYY", _day_month_name),
        DateFormat("mon-d-y", "Month D, YYYY", _month_name_day),
        DateFormat("epoch_s", "seconds since 1970", _epoch(1)),
        DateFormat("epoch_ms", "milliseconds since 1970", _epoch(1000)),
    )
}
# Tried in this order; on a tie the earlier wins (ISO before anything looser).
_ORDER = ("iso", "yyyymmdd", "ymd", "dmy", "mdy", "d-mon-y", "mon-d-y", "epoch_ms", "epoch_s")


# Formats no other can be mistaken for: a value in one of them means one date whatever the
# column's format. Day-first and month-first numbers are never among them.
_UNAMBIGUOUS = ("iso", "d-mon-y", "mon-d-y")


@dataclass(frozen=True)
class DateChoice:
    """The format chosen for a column, and why (shown to the user).

    A value off the column's format is still read when it can only mean one date ("24 February
    2022" in an ISO column), unless the user named the format: then the format is the rule.
    """

    format: DateFormat
    reason: str
    strict: bool = False

    def parse(self, text: str) -> dt.date | None:
        value = text.strip()
        parsed = self.format.parse(value)
        if parsed is not None or self.strict:
            return parsed
        for name in _UNAMBIGUOUS:
            parsed = FORMATS[name].parse(value)
            if parsed is not None:
                return parsed
        return None


def strptime_format(pattern: str) -> DateFormat:
    """A user's strptime pattern (`--date-format %d.%m.%Y`) as a DateFormat."""

    def parse(text: str) -> dt.date | None:
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            return None

    return DateFormat(pattern, pattern, parse)


def named_format(name: str) -> DateFormat:
    """--date-format's value: a name from FORMATS or a strptime pattern; else refused."""
    if name in FORMATS:
        return FORMATS[name]
    if "%" in name:
        return strptime_format(name)
    raise SettingError(
        f"--date-format {name!r} is not a format: use one of {', '.join(FORMATS)}, "
        "or a strptime pattern such as %d.%m.%Y"
    )


def _epoch_fits(name: str, values: Sequence[str]) -> bool:
    """Epoch seconds have 9-10 digits today, milliseconds 12-13: never mix them up."""
    wanted = (9, 10) if name == "epoch_s" else (12, 13)
    return all(_digits(v) in wanted for v in values if _EPOCH.match(v))


def choose_date_format(values: Sequence[str], override: str | None = None) -> DateChoice | None:
    """The format of a date column, from all its non-empty values; None if none reads any."""
    filled = [v.strip() for v in values if v and v.strip()]
    if override:
        return DateChoice(named_format(override), "given with --date-format", strict=True)
    if not filled:
        return None
    counts = {
        name: sum(1 for v in filled if FORMATS[name].parse(v) is not None)
        for name in _ORDER
        if not name.startswith("epoch") or _epoch_fits(name, filled)
    }
    best = max(counts, key=lambda n: (counts[n], -_ORDER.index(n)))
    if counts[best] == 0:
        return None
    if best in ("dmy", "mdy"):
        return _day_or_month_first(filled, counts)
    share = counts[best] / len(filled)
    return DateChoice(FORMATS[best], f"{counts[best]:,} of {len(filled):,} values ({share:.0%})")


def _day_or_month_first(filled: Sequence[str], counts: dict[str, int]) -> DateChoice:
    parts = [m for m in (_NUMERIC.match(v) for v in filled) if m]
    day_first = sum(1 for m in parts if int(m[1]) > 12)
    month_first = sum(1 for m in parts if int(m[2]) > 12)
    if day_first and not month_first:
        return DateChoice(FORMATS["dmy"], f"{day_first:,} values have a first part over 12")
    if month_first and not day_first:
        return DateChoice(FORMATS["mdy"], f"{month_first:,} values have a second part over 12")
    if day_first or month_first:
        name = "dmy" if counts["dmy"] >= counts["mdy"] else "mdy"
        return DateChoice(
            FORMATS[name],
            f"the values disagree ({day_first:,} read only day first, {month_first:,} only "
            "month first); pass --date-format to be sure",
        )
    return DateChoice(
        FORMATS["dmy"],
        "no value settles day or month first; read as day first: pass --date-format mdy "
        "if the month comes first",
    )


def parse_date(text: str) -> dt.date | None:
    """One date in our own formats: YYYY-MM-DD (with a time or not) or "24 February 2022"."""
    text = text.strip()
    for name in ("iso", "d-mon-y"):
        parsed = named_format(name).parse(text)
        if parsed is not None:
            return parsed
    return None
