"""What an editor does with drafts before they enter the desk: merge several into one, and
give an accepted draft an id of its own at the desk."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from geo.desk.form import new_event_id
from geo.draft.article import DRAFT_TAG
from geo.errors import DraftError
from geo.model import Event, Figure, Source


def merge_drafts(events: Sequence[Event]) -> Event:
    """One event from drafts of the same story: the first's id, title, type and place; every
    source, figure and actor once, in order; dates widened to cover them all."""
    if len(events) < 2:
        raise DraftError("pick two or more drafts to merge them into one")
    first = events[0]
    start = min(e.date for e in events)
    end = max(e.last_date for e in events)
    precise = all(e.time_precision == "day" for e in events)
    if start == end:
        timing: dict[str, object] = {
            "date": start,
            "date_end": None,
            "time_precision": "day" if precise else "approximate",
        }
    else:
        timing = {"date": start, "date_end": end, "time_precision": "range"}
    return first.model_copy(
        update={
            **timing,
            "actors": _once(a for e in events for a in e.actors),
            "fatalities": _once_figures(f for e in events for f in e.fatalities),
            "injured": _once_figures(f for e in events for f in e.injured),
            "sources": _once_sources(s for e in events for s in e.sources),
            "tags": _once(t for e in events for t in e.tags),
            "summary": "\n\n".join(_once(e.summary for e in events if e.summary)),
        }
    )


def accepted_event(event: Event, taken: Iterable[str]) -> Event:
    """The draft as the desk keeps it: an id no desk event has, and no `draft` tag (the
    desk's own status says draft from now on)."""
    return event.model_copy(
        update={
            "id": new_event_id(event.title, event.date, taken),
            "tags": [t for t in event.tags if t != DRAFT_TAG],
        }
    )


def _once(items: Iterable[str]) -> list[str]:
    out: list[str] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def _once_figures(figures: Iterable[Figure]) -> list[Figure]:
    out: list[Figure] = []
    for figure in figures:
        if figure not in out:
            out.append(figure)
    return out[:20]


def _once_sources(sources: Iterable[Source]) -> list[Source]:
    out: list[Source] = []
    for source in sources:
        if all((s.quote, s.url) != (source.quote, source.url) for s in out):
            out.append(source)
    return out[:50]


__all__ = ["accepted_event", "merge_drafts"]
