"""An article's text cut into sentences, each with its exact position in the text.

A draft quotes its sentences verbatim, so a sentence is a slice of the input, never a
rewritten string: `text[sentence.start:sentence.end] == sentence.text` always holds.

A dateline ("KYIV (Reuters) —", "WASHINGTON, Jan. 5 (AP) -") stays part of the lead it opens,
even on a line of its own: the lead's quote keeps it, and places.py reads the place in it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# A sentence ends at . ! or ? (a closing quote may follow) before white space and a capital,
# a digit or an opening quote.
_END = re.compile(r"""[.!?]["'”’)]*(?=\s+["'“‘(]?[A-Z0-9])""")
# Dots that end no sentence: "Mr. Smith", "U.S. forces", "St. Petersburg", "ST. LOUIS".
_ABBREVIATION = re.compile(
    r"\b(?:Mr|Mrs|Ms|Dr|Gen|Lt|Col|Sgt|Capt|Prof|Sen|Rep|Gov|St|ST|Mt|No|vs|etc|approx"
    r"|(?:[A-Z]\.){1,3}[A-Z])$"
)
# A month shortened before its day ("Jan. 5") ends no sentence either.
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)"
_SHORT_MONTH = re.compile(rf"\b{_MONTH}$")

# A dateline: the place, in capitals ("KYIV", "EL FASHER", "KYIV/MOSCOW") or as a name
# ("Kyiv"), then the country or state, the day and the agency, each if given, then a dash.
DATELINE = re.compile(
    r"\s*(?P<place>[A-Z][A-Z’'.-]+(?:[ /][A-Z][A-Z’'.-]*)*"
    r"|[A-Z][a-z’'.-]+(?:[ -][A-Z][a-z’'.-]+)*)"
    r"(?:,\s+(?P<qualifier>[A-Z][A-Za-z’'.-]*"
    r"(?:\s+(?:(?:of|the|and|de|du|del|da|do)\s+)*[A-Z][A-Za-z’'.-]*)*))?"
    rf"(?:,\s+(?P<date>{_MONTH}[a-z]*\.?\s+\d{{1,2}}(?:,\s+\d{{4}})?))?"
    r"(?:\s+\((?P<agency>[A-Z][\w .&/’'-]{0,40})\))?"
    # A dash ends it; after an agency's name in brackets the dash may be left out
    # ("Khartoum, Sep 16 (IANS) At least 40 …").
    r"(?:\s*(?:—|–|--?)(?=\s|$)\s*|(?<=\))\s+(?=[A-Z\"“]))"
)


def find_dateline(text: str) -> re.Match[str] | None:
    """The dateline a sentence opens with, if any. A place written as a name ("Kyiv") is a
    dateline only with its country or agency ("Kyiv, Ukraine (AP) —"): a sentence may begin
    with a town and a dash."""
    found = DATELINE.match(text)
    if found is None:
        return None
    place = found["place"]
    if place.isupper():
        return found if sum(c.isalpha() for c in place) >= 3 else None
    return found if found["agency"] or found["qualifier"] else None


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int  # offset in the article's text
    end: int
    paragraph: int  # 0-based: sentences of one paragraph share it
    number: int  # 1-based position among the article's sentences


def _paragraphs(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each run of non-blank lines, trimmed."""
    for found in re.finditer(r"\S(?:.*\S)?(?:\n[ \t]*\S.*)*", text):
        yield found.start(), found.end()


def _is_heading(paragraph: str) -> bool:
    # A line without a sentence's closing punctuation is a heading or a caption
    # ("Video Extras", the headline), not a report.
    return "\n" not in paragraph and not re.search(r"""[.!?]["'”’)]*$""", paragraph)


def _is_dateline_alone(paragraph: str) -> bool:
    """ "KYIV (Reuters) —" on a line of its own, the lead below it."""
    found = find_dateline(paragraph)
    return found is not None and found.end() == len(paragraph)


def split_sentences(text: str) -> list[Sentence]:
    """The article's sentences in order, headings left out."""
    out: list[Sentence] = []
    dateline: int | None = None  # where a dateline alone on its lines began
    for index, (start, end) in enumerate(_paragraphs(text)):
        paragraph = text[start:end]
        if _is_dateline_alone(paragraph):
            dateline = start
            continue
        if _is_heading(paragraph):
            dateline = None
            continue
        cursor = 0
        for found in _END.finditer(paragraph):
            before = paragraph[cursor : found.start()]
            if paragraph[found.start()] == "." and _is_abbreviation(before, paragraph, found):
                continue
            if _inside_quotation(paragraph[cursor : found.end()]):
                continue  # "… drinking water. It's a crime," he said. is one sentence
            first = dateline if dateline is not None else start + cursor
            out.append(_sentence(text, first, start + found.end(), index, len(out)))
            dateline = None
            cursor = found.end()
            while cursor < len(paragraph) and paragraph[cursor].isspace():
                cursor += 1
        if cursor < len(paragraph):
            first = dateline if dateline is not None else start + cursor
            out.append(_sentence(text, first, end, index, len(out)))
            dateline = None
    return out


def _is_abbreviation(before: str, paragraph: str, end: re.Match[str]) -> bool:
    if _ABBREVIATION.search(before):
        return True
    # "WASHINGTON, Jan. 5 (Reuters) -": a month's short name before its day.
    return bool(_SHORT_MONTH.search(before)) and paragraph[end.end() :].lstrip()[:1].isdigit()


def _inside_quotation(text: str) -> bool:
    straight = text.count('"') % 2 == 1
    curly = text.count("“") > text.count("”")
    return straight or curly


def _sentence(text: str, start: int, end: int, paragraph: int, count: int) -> Sentence:
    return Sentence(text[start:end], start, end, paragraph, count + 1)
