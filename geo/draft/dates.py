"""When a sentence says a thing happened, resolved against the article's date.

Relative words ("last Thursday", "throughout Sunday night", "since Thursday") are parsed by
`dateparser` from the article's date. An article's own anchors ("the invasion he unleashed
... last Thursday") are remembered, so that a later "since the beginning of the invasion"
resolves to the same day.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from geo.model import TimePrecision

_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?"
)
_PART = r"(?:\s+(?:night|morning|afternoon|evening))?"
# A day, as news writes it: a weekday (with "last" or a part of the day), a calendar date,
# or a word relative to the article's day.
_DAY = (
    rf"(?:(?:last\s+|this\s+)?{_WEEKDAY}{_PART}"
    rf"|\d{{1,2}}\s+{_MONTH}(?:\s+\d{{4}})?"
    rf"|{_MONTH}\s+\d{{1,2}}(?:,?\s+\d{{4}})?"
    r"|yesterday|today|overnight|last\s+night|this\s+morning|tonight)"
)
_EVENTS = r"(?:invasion|war|offensive|attack|assault|operation|conflict|fighting)"
_SINCE_ANCHOR = re.compile(
    rf"\bsince\s+(?:the\s+(?:beginning|start|outbreak)\s+of\s+)?the\s+(?P<anchor>{_EVENTS})"
    r"(?:\s+(?:began|started))?\b",
    re.IGNORECASE,
)
_SINCE_DAY = re.compile(rf"\bsince\s+(?P<day>{_DAY})\b", re.IGNORECASE)
_SAID_ON = re.compile(
    rf"\b(?:said|says|reported|announced|told\s+\w+)\s+(?:on\s+)?(?P<day>{_DAY})\b", re.IGNORECASE
)
_ON_DAY = re.compile(
    rf"\b(?P<lead>(?:throughout|on|during|early\s+on|late\s+on|by)\s+)?(?P<day>{_DAY})\b",
    re.IGNORECASE,
)
# "OUAGADOUGOU, May 6 (Reuters) -", "May 6 (Reuters) -": the day the story was filed.
_DATELINE = re.compile(
    rf"^\s*(?:[A-Z][\w .'’/()-]*,\s+){{0,3}}(?P<day>{_MONTH}\s+\d{{1,2}}|\d{{1,2}}\s+{_MONTH})"
    r"(?:,?\s+\d{4})?\s*(?:\([^)]*\)\s*)?[-–—:]"
)
_ANCHOR = re.compile(rf"\b(?P<anchor>{_EVENTS})\b", re.IGNORECASE)

EXPLICIT_CONFIDENCE = 0.9
SINCE_CONFIDENCE = 0.75
REPORTED_CONFIDENCE = 0.6
ARTICLE_DATE_CONFIDENCE = 0.4


@dataclass(frozen=True)
class DateFinding:
    date: dt.date
    date_end: dt.date | None
    precision: TimePrecision
    said: str | None  # the sentence's words for it, verbatim; None: the article's date
    confidence: float
    note: str | None = None


@dataclass
class Anchors:
    """Days the article has named its events by ("the invasion" -> 24 February)."""

    days: dict[str, dt.date] = field(default_factory=dict)
    # The last day a sentence named: "two days earlier" counts back from it.
    last_day: dt.date | None = None

    def learn(self, sentence: str, day: dt.date) -> None:
        self.last_day = day
        for found in _ANCHOR.finditer(sentence):
            self.days.setdefault(found["anchor"].lower(), day)


def parse_day(words: str, article_date: dt.date) -> dt.date | None:
    """A day from news words, relative to the article's date; None if dateparser cannot."""
    import dateparser  # imported here: it takes half a second, and only drafting needs it

    cleaned = re.sub(r"\s+(?:night|morning|afternoon|evening)$", "", words.strip(), flags=re.I)
    cleaned = re.sub(r"^(?:this)\s+", "", cleaned, flags=re.I)
    lowered = cleaned.lower()
    if lowered in ("today", "tonight", "overnight"):
        return article_date if lowered != "overnight" else article_date - dt.timedelta(days=1)
    if lowered == "last night":
        return article_date - dt.timedelta(days=1)
    if re.fullmatch(_WEEKDAY, cleaned, re.IGNORECASE):
        weekday = _weekday_number(cleaned)
        if weekday == article_date.weekday():
            return article_date  # "on Monday" in Monday's paper is that day
    base = dt.datetime.combine(article_date, dt.time(12))
    parsed = dateparser.parse(
        cleaned,
        languages=["en"],
        settings={"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past", "STRICT_PARSING": False},
    )
    return parsed.date() if parsed is not None else None


def _weekday_number(name: str) -> int:
    names = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    return names.index(name.lower())


def find_date(sentence: str, article_date: dt.date, anchors: Anchors) -> DateFinding:
    """The date a sentence gives its event, or the article's date (approximate) if none."""
    reported = _said_on(sentence, article_date)
    end = reported[1] if reported else article_date
    since = _since(sentence, article_date, anchors)
    if since is not None:
        start, words, confidence, note = since
        if start <= end:
            said = f"{words} ({reported[0]})" if reported else words
            return DateFinding(start, end, "range", said, confidence, note)
    anchor = _SINCE_ANCHOR.search(sentence) if since is None else None
    if anchor is not None:
        return _article_date(
            article_date,
            f"'{anchor[0]}': the article never says when the {anchor['anchor'].lower()} began",
        )
    dateline = _DATELINE.match(sentence)
    for found in _ON_DAY.finditer(sentence):
        if reported and found.start("day") == reported[2]:
            continue  # the day it was said, not the day it happened
        if dateline and found.start("day") < dateline.end():
            continue  # the day it was filed: the sentence may name the day it happened
        day = parse_day(found["day"], article_date)
        if day is not None and day <= article_date:
            anchors.learn(sentence, day)
            return DateFinding(day, None, "day", found[0].strip(), EXPLICIT_CONFIDENCE)
    month = _month_said(sentence, article_date) or _last_period(sentence, article_date)
    if month is not None:
        return month
    days_ago = _DAYS_AGO.search(sentence)
    if days_ago is not None:
        day = article_date - dt.timedelta(days=_days(days_ago["count"]))
        return DateFinding(day, None, "day", days_ago[0], EXPLICIT_CONFIDENCE)
    earlier = _earlier(sentence, article_date, anchors) or _same_day(sentence, anchors)
    if earlier is not None:
        return earlier
    if reported:
        return DateFinding(reported[1], None, "approximate", reported[0], REPORTED_CONFIDENCE)
    filed = parse_day(dateline["day"], article_date) if dateline else None
    if dateline and filed is not None and filed <= article_date:
        return DateFinding(
            filed, None, "approximate", dateline["day"], REPORTED_CONFIDENCE, "the dateline's day"
        )
    return _article_date(article_date, "no date in the sentence: the article's date")


# "in December 2023", "last December", "in March": the whole month, as a range.
_MONTH_SAID = re.compile(
    r"\b(?i:in|during|since|last|early|late|throughout)\s+(?i:early\s+|late\s+|mid-)?"
    # The month as a name, capitalised: "in may" is no month.
    r"(?P<month>January|February|March|April|May|June|July|August|September|October|November"
    r"|December)(?:\s+(?P<year>(?:19|20)\d{2}))?\b(?!\s+\d)"
)
_MONTHS = [
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
]  # fmt: skip
_SMALL_NUMBERS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_DAYS_AGO = re.compile(r"\b(?P<count>a|one|two|three|four|five|six|\d)\s+days?\s+ago\b", re.I)


# "two days earlier", "a day before", "the previous day": counted back from the last day the
# article named ("On Thursday, … Two days earlier, …" is Tuesday), or from its own date.
_DAYS_EARLIER = re.compile(
    r"\b(?:(?P<count>a|one|two|three|four|five|six|\d)\s+days?\s+(?:earlier|before)"
    r"|the\s+(?:previous|preceding)\s+day|the\s+day\s+before)\b"
    # "the day before the vote" counts from the vote, which the article may not date.
    r"(?!\s+(?:the|a|an|his|her|its|their|that|this)\b)",
    re.IGNORECASE,
)


def _days(count: str) -> int:
    return _SMALL_NUMBERS.get(count.lower()) or int(count)


def _earlier(sentence: str, article_date: dt.date, anchors: Anchors) -> DateFinding | None:
    found = _DAYS_EARLIER.search(sentence)
    if found is None:
        return None
    back = _days(found["count"]) if found["count"] else 1
    base = anchors.last_day or article_date
    said_of = "the day the article named before" if anchors.last_day else "the article's date"
    day = base - dt.timedelta(days=back)
    anchors.last_day = day  # "the day before that" goes on from here
    note = f"'{found[0]}': counted back from {base:%-d %B %Y}, {said_of}"
    return DateFinding(day, None, "day", found[0], SINCE_CONFIDENCE, note)


# "the same day", "later that day": the last day the article named.
_SAME_DAY = re.compile(
    r"\b(?:(?:on|later\s+on|later|earlier|earlier\s+on)\s+)?(?:the\s+same|that)\s+"
    r"(?:day|night|morning|afternoon|evening)\b",
    re.IGNORECASE,
)


def _same_day(sentence: str, anchors: Anchors) -> DateFinding | None:
    found = _SAME_DAY.search(sentence)
    if found is None or anchors.last_day is None:
        return None
    note = f"'{found[0]}': {anchors.last_day:%-d %B %Y}, the day the article named before"
    return DateFinding(anchors.last_day, None, "day", found[0], SINCE_CONFIDENCE, note)


def _month_said(sentence: str, article_date: dt.date) -> DateFinding | None:
    """A month the sentence names: its days, up to the article's date; a month without a year
    is the latest of that name up to the article's date."""
    found = _MONTH_SAID.search(sentence)
    if found is None:
        return None
    number = _MONTHS.index(found["month"].lower()) + 1
    year = int(found["year"]) if found["year"] else article_date.year
    if not found["year"] and dt.date(year, number, 1) > article_date:
        year -= 1
    first = dt.date(year, number, 1)
    if first > article_date:
        return None
    following = dt.date(year + number // 12, number % 12 + 1, 1)
    last = min(following - dt.timedelta(days=1), article_date)
    if last == first:
        return DateFinding(first, None, "day", found[0], SINCE_CONFIDENCE)
    return DateFinding(first, last, "range", found[0], SINCE_CONFIDENCE, "a month, as a range")


# "last week", "last month": the calendar week (Monday to Sunday) or month before the
# article's, as a range; never the article's own day.
_LAST_PERIOD = re.compile(r"\b(?:last|the\s+previous|the\s+past)\s+(?P<period>week|month)\b", re.I)


def _last_period(sentence: str, article_date: dt.date) -> DateFinding | None:
    found = _LAST_PERIOD.search(sentence)
    if found is None:
        return None
    if found["period"].lower() == "week":
        monday = article_date - dt.timedelta(days=article_date.weekday())
        first, last = monday - dt.timedelta(days=7), monday - dt.timedelta(days=1)
        note = "the week before the article's, Monday to Sunday, as a range"
    else:
        last = article_date.replace(day=1) - dt.timedelta(days=1)
        first = last.replace(day=1)
        note = "the month before the article's, as a range"
    return DateFinding(first, last, "range", found[0], SINCE_CONFIDENCE, note)


def _article_date(article_date: dt.date, note: str) -> DateFinding:
    """The article's own date, as approximate: the sentence gives none that can be used."""
    return DateFinding(article_date, None, "approximate", None, ARTICLE_DATE_CONFIDENCE, note)


def _said_on(sentence: str, article_date: dt.date) -> tuple[str, dt.date, int] | None:
    found = _SAID_ON.search(sentence)
    if found is None:
        return None
    day = parse_day(found["day"], article_date)
    if day is None or day > article_date:
        return None
    return found[0], day, found.start("day")


def _since(
    sentence: str, article_date: dt.date, anchors: Anchors
) -> tuple[dt.date, str, float, str | None] | None:
    found_day = _SINCE_DAY.search(sentence)
    if found_day is not None:
        day = parse_day(found_day["day"], article_date)
        if day is not None and day <= article_date:
            return day, found_day[0], SINCE_CONFIDENCE, None
    found_anchor = _SINCE_ANCHOR.search(sentence)
    if found_anchor is not None:
        day = anchors.days.get(found_anchor["anchor"].lower())
        if day is not None:
            note = (
                f"the {found_anchor['anchor'].lower()} began {day:%-d %B %Y}, as the article says"
            )
            return day, found_anchor[0], SINCE_CONFIDENCE, note
    return None


_PRESENT_PERFECT = re.compile(r"\b(?:has|have)\s+(?:been\s+)?(?:\w+ed|\w+en|fled|begun|gone)\b")
_ANCHOR_FORMS = re.compile(
    r"\b(?P<form>invasion|invading|invaded|war|offensive|assault|attacks?|attacking)\b",
    re.IGNORECASE,
)


def _anchor_of(form: str) -> str:
    lowered = form.lower()
    if lowered.startswith("invad"):
        return "invasion"
    if lowered.startswith("attack"):
        return "attack"
    return lowered


def ongoing_since_anchor(
    clause: str, article_date: dt.date, anchors: Anchors
) -> DateFinding | None:
    """ "which has been used as a launch pad for invading Russian troops": true since the
    invasion the article dated, up to the article's date."""
    perfect = _PRESENT_PERFECT.search(clause)
    if perfect is None:
        return None
    for found in _ANCHOR_FORMS.finditer(clause):
        anchor = _anchor_of(found["form"])
        day = anchors.days.get(anchor)
        if day is not None and day <= article_date:
            return DateFinding(
                day,
                article_date,
                "range",
                perfect[0],
                REPORTED_CONFIDENCE - 0.1,
                f"'{perfect[0]}': from the {anchor} ({day:%-d %B %Y}, as the article dates it) "
                "to the article's date",
            )
    return None
