"""How well drafts recover a hand-made events file from the same article.

A reference event is found when a draft quotes one of its sentences, is on the same dates, and
is at the same place: within 30 km, or, where both are placed at country level (precision 3),
in the same country (a country's point is a symbol, and two files may put it apart).
A reference event is located by the article unless its place says the article does not state
it ("Moscow (not stated in the article)"): a drafter cannot find what the text never says.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from geo.draft.article import Draft
from geo.geodesy import distance_km
from geo.model import Event

SAME_PLACE_KM = 30.0
NOT_STATED = "not stated in the article"


@dataclass(frozen=True)
class Match:
    reference: Event
    draft: Draft | None  # the best draft quoting one of its sentences; None: none does
    distance_km: float | None
    place_right: bool
    country_level: bool  # right only by the country rule, not within 30 km
    date_right: bool
    figures_expected: int
    figures_found: int
    type_right: bool = False

    @property
    def found(self) -> bool:
        return self.draft is not None and self.place_right and self.date_right

    @property
    def located(self) -> bool:
        return NOT_STATED not in self.reference.place.name


@dataclass(frozen=True)
class Evaluation:
    matches: tuple[Match, ...]
    drafts: tuple[Draft, ...]
    unmatched_drafts: tuple[Draft, ...]  # quote no sentence of any reference event
    misplaced_drafts: tuple[tuple[Draft, Event, float], ...]  # > 30 km from their counterpart
    verbatim_quotes: int
    quotes: int

    def located(self) -> list[Match]:
        return [m for m in self.matches if m.located]


def _shares_a_sentence(draft: Draft, reference: Event) -> bool:
    quotes = [source.quote for source in reference.sources if source.quote]
    return any(
        sentence.text in quote or quote in sentence.text
        for sentence in draft.sentences
        for quote in quotes
    )


def _place(draft: Draft, reference: Event) -> tuple[float | None, bool, bool]:
    """(distance, right, right only at country level)."""
    a, b = draft.event.place.point, reference.place.point
    if a is None or b is None:
        return None, False, False
    km = distance_km(a, b)
    if km <= SAME_PLACE_KM:
        return km, True, False
    country_level = (
        draft.event.place.geo_precision == 3
        and reference.place.geo_precision == 3
        and draft.event.place.country is not None
        and draft.event.place.country == reference.place.country
    )
    return km, country_level, country_level


def _same_dates(draft: Event, reference: Event) -> bool:
    return draft.date == reference.date and draft.date_end == reference.date_end


def _figures(draft: Event, reference: Event) -> tuple[int, int]:
    wanted = [(f.value, f.qualifier) for f in (*reference.fatalities, *reference.injured)]
    have = {(f.value, f.qualifier) for f in (*draft.fatalities, *draft.injured)}
    return len(wanted), sum(1 for figure in wanted if figure in have)


def _match(reference: Event, drafts: Sequence[Draft]) -> Match:
    best: Match | None = None
    expected = len(reference.fatalities) + len(reference.injured)
    for draft in drafts:
        if not _shares_a_sentence(draft, reference):
            continue
        km, right, country_level = _place(draft, reference)
        date_right = _same_dates(draft.event, reference)
        wanted, found = _figures(draft.event, reference)
        type_right = draft.event.event_type == reference.event_type
        candidate = Match(
            reference, draft, km, right, country_level, date_right, wanted, found, type_right
        )
        if best is None or match_rank(candidate) > match_rank(best):
            best = candidate
    return best or Match(reference, None, None, False, False, False, expected, 0)


def match_rank(match: Match) -> tuple[int, int, int, float]:
    return (
        int(match.found),
        int(match.place_right) + int(match.date_right),
        match.figures_found,
        -(match.distance_km if match.distance_km is not None else math.inf),
    )


def evaluate(drafts: Sequence[Draft], reference: Sequence[Event], article_text: str) -> Evaluation:
    matches = tuple(_match(event, drafts) for event in reference)
    unmatched = tuple(d for d in drafts if not any(_shares_a_sentence(d, e) for e in reference))
    misplaced: list[tuple[Draft, Event, float]] = []
    for draft in drafts:
        counterparts = [e for e in reference if _shares_a_sentence(draft, e)]
        placed = [(e, _place(draft, e)) for e in counterparts]
        scored = [(e, km) for e, (km, right, _) in placed if km is not None and not right]
        if scored and not any(right for _, (_, right, _) in placed):
            event, km = min(scored, key=lambda pair: pair[1])
            misplaced.append((draft, event, km))
    quotes = [quote for draft in drafts for quote in draft.quotes]
    return Evaluation(
        matches,
        tuple(drafts),
        unmatched,
        tuple(misplaced),
        sum(1 for quote in quotes if quote in article_text),
        len(quotes),
    )


def _share(part: int, whole: int) -> str:
    return f"{part} of {whole} ({100 * part / whole:.0f}%)" if whole else "0 of 0"


def summary_table(evaluation: Evaluation) -> str:
    """The headline figures as a Markdown table."""
    located = evaluation.located()
    everything = evaluation.matches
    strict = [m for m in located if m.found and not m.country_level]
    dated = [m for m in everything if m.draft is not None]
    found = sum(m.found for m in located)
    figures = sum(m.figures_found for m in everything)
    wanted = sum(m.figures_expected for m in everything)
    rows = [
        ("reference events (located by the article)", f"{len(everything)} ({len(located)})"),
        ("drafts", str(len(evaluation.drafts))),
        ("located events found (place and date right)", _share(found, len(located))),
        ("… of them within 30 km (the rest by the country rule)", str(len(strict))),
        ("all reference events found",
         _share(sum(m.found for m in everything), len(everything))),
        ("dates right, where a draft quotes the event",
         _share(sum(m.date_right for m in dated), len(dated))),
        ("types right, where a draft quotes the event",
         _share(sum(m.type_right for m in dated), len(dated))),
        ("figures found", _share(figures, wanted)),
        ("drafts with no counterpart", str(len(evaluation.unmatched_drafts))),
        ("drafts placed > 30 km from their counterpart", str(len(evaluation.misplaced_drafts))),
        ("quotes verbatim", _share(evaluation.verbatim_quotes, evaluation.quotes)),
    ]  # fmt: skip
    lines = ["| measure | result |", "| --- | --- |"]
    lines += [f"| {name} | {value} |" for name, value in rows]
    return "\n".join(lines)


def detail_table(evaluation: Evaluation) -> str:
    """One row per reference event: what the best draft got right."""
    lines = [
        "| reference event | draft | distance | place | date | figures |",
        "| --- | --- | ---: | --- | --- | --- |",
    ]
    for m in evaluation.matches:
        draft = m.draft.event.id if m.draft else "—"
        far = f"{m.distance_km:.0f} km" if m.distance_km is not None else "—"
        place = ("country" if m.country_level else "yes") if m.place_right else "no"
        if not m.located:
            place += " (not stated)"
        figures = f"{m.figures_found}/{m.figures_expected}" if m.figures_expected else "—"
        date = "yes" if m.date_right else ("no" if m.draft else "—")
        lines.append(f"| `{m.reference.id}` | `{draft}` | {far} | {place} | {date} | {figures} |")
    for misplaced, event, km in evaluation.misplaced_drafts:
        lines.append(
            f"| (misplaced) `{event.id}` | `{misplaced.event.id}` | {km:.0f} km | no | | |"
        )
    return "\n".join(lines)
