"""An article's text cut into sentences, each with its exact position in the text.

A draft quotes its sentences verbatim, so a sentence is a slice of the input, never a
rewritten string: `text[sentence.start:sentence.end] == sentence.text` always holds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# A sentence ends at . ! or ? (a closing quote may follow) before white space and a capital,
# a digit or an opening quote.
_END = re.compile(r"""[.!?]["'”’)]*(?=\s+["'“‘(]?[A-Z0-9])""")
# Dots that end no sentence: "Mr. Smith", "U.S. forces", "St. Petersburg".
_ABBREVIATION = re.compile(
    r"\b(?:Mr|Mrs|Ms|Dr|Gen|Lt|Col|Sgt|Capt|Prof|Sen|Rep|Gov|St|Mt|No|vs|etc|approx"
    r"|(?:[A-Z]\.){1,3}[A-Z])$"
)


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


def split_sentences(text: str) -> list[Sentence]:
    """The article's sentences in order, headings left out."""
    out: list[Sentence] = []
    for index, (start, end) in enumerate(_paragraphs(text)):
        paragraph = text[start:end]
        if _is_heading(paragraph):
            continue
        cursor = 0
        for found in _END.finditer(paragraph):
            before = paragraph[cursor : found.start()]
            if paragraph[found.start()] == "." and _ABBREVIATION.search(before):
                continue
            if _inside_quotation(paragraph[cursor : found.end()]):
                continue  # "… drinking water. It's a crime," he said. is one sentence
            out.append(_sentence(text, start + cursor, start + found.end(), index, len(out)))
            cursor = found.end()
            while cursor < len(paragraph) and paragraph[cursor].isspace():
                cursor += 1
        if cursor < len(paragraph):
            out.append(_sentence(text, start + cursor, end, index, len(out)))
    return out


def _inside_quotation(text: str) -> bool:
    straight = text.count('"') % 2 == 1
    curly = text.count("“") > text.count("”")
    return straight or curly


def _sentence(text: str, start: int, end: int, paragraph: int, count: int) -> Sentence:
    return Sentence(text[start:end], start, end, paragraph, count + 1)
