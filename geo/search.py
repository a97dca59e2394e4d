"""Text search as readers type it: one reading of a query, for events in memory and in the
engine alike.

A query is cut into terms, and an event matches when its text (title, summary, place, the
source's labels: geo.filters.searchable_text) matches every term:
- **Places by any name.** A term that names a place matches every other name of that place,
  in any script the gazetteer knows: "Kiev", "Kyiv", "Київ" and "Киев" find the same events,
  "Маріуполь" finds Mariupol. The whole query is tried as a place first ("Kryvyi Rih"), then
  each word.
- **Word forms.** A plural also finds its singular ("refugees" finds "refugee"): the stem is
  looked for, and it is found inside the longer forms too.
- **Short terms are whole words.** A term of up to three letters ("UN", "EU", "RSF") matches
  a whole word only, not the letters inside "until" or "fund"; so do a place's short other
  names ("Kiv" among Kyiv's, "Bru" among Brussels').
Everything is compared folded (geo.text.fold: no case, accents, apostrophes or hyphens).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from geo.text import fold

# Terms of up to this many characters match whole words only.
SHORT_TERM = 3
# Other names shorter than this are left out of a place's names (codes, abbreviations that
# would match inside other words).
SHORTEST_NAME = 3
# At most this many names stand for one place (Kyiv has some 150 in GeoNames).
MOST_NAMES = 64
# Words shorter than this are never looked up as places ("Rome" is four letters).
SHORTEST_PLACE_WORD = 4

PlaceNames = Callable[[str], Sequence[str]]


@dataclass(frozen=True)
class Term:
    """One part of a query: any of `alternatives` (folded) may match, a short one only as a
    whole word."""

    alternatives: tuple[str, ...]

    def found_in(self, haystack: str) -> bool:
        return any(
            _whole_word(word).search(haystack) if is_short(word) else word in haystack
            for word in self.alternatives
        )


def is_short(word: str) -> bool:
    return len(word) <= SHORT_TERM


@lru_cache(maxsize=4096)
def _whole_word(word: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(word)}(?!\w)")


def _stems(word: str) -> tuple[str, ...]:
    """The word, and the stem of a plural (found inside the other forms too)."""
    if len(word) > 4 and word.endswith("ies"):
        return (word, word[:-3] + "y")
    if len(word) > 4 and word.endswith(("ses", "xes", "ches", "shes")):
        return (word, word[:-2])
    if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
        return (word, word[:-1])
    return (word,)


def _place_term(text: str, names: PlaceNames | None) -> Term | None:
    if names is None or len(text) < SHORTEST_PLACE_WORD:
        return None
    found = [fold(n) for n in names(text)]
    kept = [n for n in dict.fromkeys([text, *found]) if len(n) >= SHORTEST_NAME]
    return Term(tuple(kept[:MOST_NAMES])) if len(kept) > 1 else None


def terms_of(query: str, names: PlaceNames | None = None) -> tuple[Term, ...]:
    """The terms of a query. `names` gives every name of the place a text names (none when it
    names no place): the gazetteer's, or None to search the words as they are."""
    text = fold(query)
    if not text:
        return ()
    whole = _place_term(text, names) if " " in text else None
    if whole is not None:
        return (whole,)
    terms = []
    for word in text.split():
        place = _place_term(word, names)
        if place is not None:
            terms.append(place)
        else:
            terms.append(Term(_stems(word)))
    return tuple(terms)


def gazetteer_names(text: str) -> Sequence[str]:
    """Every name of the place `text` names, from the offline gazetteer (loaded once per
    process; nothing when its index cannot be had: the words are then searched as they are)."""
    from geo.errors import GazetteerIndexError
    from geo.gazetteer import shared_gazetteer

    try:
        return shared_gazetteer().alternate_names(text)
    except GazetteerIndexError:
        return ()


@lru_cache(maxsize=1024)
def search_terms(query: str) -> tuple[Term, ...]:
    """The terms of a reader's query, places read by the gazetteer (remembered per query)."""
    return terms_of(query, gazetteer_names)


def matches(haystack: str, terms: Sequence[Term]) -> bool:
    """Whether folded text matches every term."""
    return all(term.found_in(haystack) for term in terms)


def sql_clauses(terms: Sequence[Term], column: str = "search") -> tuple[list[str], list[Any]]:
    """The same terms as SQL conditions (DuckDB) on a column of folded text."""
    clauses: list[str] = []
    params: list[Any] = []
    for term in terms:
        ors = []
        for word in term.alternatives:
            if is_short(word):
                # RE2: a letter or digit of any script on neither side.
                ors.append(f"regexp_matches({column}, ?)")
                params.append(rf"(^|[^\p{{L}}\p{{N}}]){re.escape(word)}([^\p{{L}}\p{{N}}]|$)")
            else:
                ors.append(f"contains({column}, ?)")
                params.append(word)
        clauses.append("(" + " OR ".join(ors) + ")")
    return clauses, params
