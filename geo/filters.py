"""Filtering events: one immutable description of what the user asked to see."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from geo.model import Event
from geo.search import Term, matches, search_terms
from geo.text import fold
from geo.vocabulary import EventType


@dataclass(frozen=True)
class EventFilter:
    """Empty sets mean "no restriction"."""

    types: frozenset[EventType] = field(default_factory=frozenset)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    countries: frozenset[str] = field(default_factory=frozenset)
    text: str = ""
    precisions: frozenset[int] = field(default_factory=frozenset)
    # The source's own labels (Event.labels values): an event with any of them matches.
    labels: frozenset[str] = field(default_factory=frozenset)

    def matches(self, event: Event) -> bool:
        return (
            (not self.types or event.event_type in self.types)
            and (self.date_from is None or event.last_date >= self.date_from)
            and (self.date_to is None or event.date <= self.date_to)
            and (not self.countries or event.place.country in self.countries)
            and (not self.precisions or event.place.geo_precision in self.precisions)
            and (not self.labels or not self.labels.isdisjoint(event.labels.values()))
            and (not self.text.strip() or matches(searchable_text(event), self.search_terms))
        )

    @property
    def search_terms(self) -> tuple[Term, ...]:
        """The text as search terms: places by any name, word forms, short terms as words."""
        return search_terms(self.text)


def searchable_text(event: Event) -> str:
    """Title, summary, place and the source's own labels, folded. A search for another name of
    the place finds it too: the query is read with every name of the place (geo.search)."""
    parts = [event.title, event.summary, event.place.name, event.place.admin1 or ""]
    parts += event.labels.values()
    return fold(" ".join(parts))


def apply_filter(events: Iterable[Event], event_filter: EventFilter) -> list[Event]:
    """The events the filter keeps."""
    return [event for event in events if event_filter.matches(event)]


def count_by_type(events: Iterable[Event]) -> dict[EventType, int]:
    counts = Counter(event.event_type for event in events)
    return {event_type: counts[event_type] for event_type in EventType if counts[event_type]}


# The label picker offers the most frequent labels: a GDELT file has hundreds of CAMEO codes.
LABELS_OFFERED = 200


def label_counts(events: Iterable[Event]) -> dict[str, int]:
    """The source labels and how many events carry each, the most frequent first."""
    counts = Counter(value for event in events for value in set(event.labels.values()))
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:LABELS_OFFERED])


def date_bounds(events: Sequence[Event]) -> tuple[dt.date, dt.date] | None:
    if not events:
        return None
    return min(e.date for e in events), max(e.last_date for e in events)


def countries_of(events: Iterable[Event]) -> list[str]:
    return sorted({event.place.country for event in events if event.place.country})
