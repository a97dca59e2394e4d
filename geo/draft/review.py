"""What an editor does with drafts before they enter the desk: merge several into one, and
give an accepted draft an id of its own at the desk."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any, TypeVar

from geo.desk.form import new_event_id
from geo.draft.article import DRAFT_TAG, Confidence
from geo.errors import DraftError
from geo.model import Event, Origin, Source

_T = TypeVar("_T")


def _most(field_name: str) -> int:
    """How many items (or characters) the schema allows in an event's field."""
    limits = [
        m.max_length for m in Event.model_fields[field_name].metadata if hasattr(m, "max_length")
    ]
    return int(limits[0])


# The schema's own limits (geo.model.Event): a merge never gives an event the loader refuses.
MAX_ACTORS = _most("actors")
MAX_FIGURES = _most("fatalities")
MAX_SOURCES = _most("sources")
MAX_TAGS = _most("tags")
MAX_SUMMARY = _most("summary")


def merge_drafts(events: Sequence[Event]) -> Event:
    """One event from drafts of the same story: the first's id, title, type and place; every
    source (in the article's order), figure, actor and tag once; dates widened to cover them
    all (a range when they differ)."""
    if len(events) < 2:
        raise DraftError(
            f"{len(events)} draft picked: pick two or more drafts of the same story to merge them"
        )
    first = events[0]
    start = min(e.date for e in events)
    end = max(e.last_date for e in events)
    update: dict[str, Any]
    if start == end:
        same = {e.time_precision for e in events} == {first.time_precision}
        update = {
            "date": start,
            "date_end": None,
            "time_precision": first.time_precision if same else "approximate",
        }
    else:
        update = {"date": start, "date_end": end, "time_precision": "range"}
    ordered = _in_text_order(events)
    update.update(
        actors=_once(a for e in events for a in e.actors)[:MAX_ACTORS],
        fatalities=_once(f for e in events for f in e.fatalities)[:MAX_FIGURES],
        injured=_once(f for e in events for f in e.injured)[:MAX_FIGURES],
        sources=_once((s for e in ordered for s in e.sources), key=_quoted)[:MAX_SOURCES],
        tags=_once(t for e in events for t in e.tags)[:MAX_TAGS],
        summary="\n\n".join(_once(e.summary for e in events if e.summary))[:MAX_SUMMARY],
        origin=_merged_origin(first, events),
    )
    data = first.model_dump()
    data.update(update)
    return Event.model_validate(data)


def lowest_confidence(confidences: Sequence[Confidence]) -> Confidence:
    """A merged draft is as sure as its least sure part, measure by measure."""
    if not confidences:
        raise DraftError("no confidence to combine: give one draft's or more")
    figures = [c.figures for c in confidences if c.figures is not None]
    return Confidence(
        place=min(c.place for c in confidences),
        date=min(c.date for c in confidences),
        type=min(c.type for c in confidences),
        figures=min(figures) if figures else None,
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


def _in_text_order(events: Sequence[Event]) -> list[Event]:
    """Drafts of one article by their first sentence (an article draft's origin row); any
    other mix of events in the order given."""
    rows = [e.origin.row if e.origin and e.origin.format == "article" else None for e in events]
    files = {e.origin.file for e in events if e.origin}
    if any(row is None for row in rows) or len(files) != 1:
        return list(events)
    order = sorted(range(len(events)), key=lambda i: (rows[i], i))
    return [events[i] for i in order]


def _quoted(source: Source) -> tuple[str | None, str | None]:
    """Two sources are one when they quote the same words from the same link."""
    return (source.quote, source.url)


def _merged_origin(first: Event, events: Sequence[Event]) -> Origin | None:
    """The first draft's origin, naming every sentence the merged draft quotes."""
    origin = first.origin
    if origin is None or origin.format != "article":
        return origin
    numbers: set[int] = set()
    for event in events:
        if event.origin is None or event.origin.format != "article":
            continue
        for part in event.origin.columns.get("sentences", "").split(","):
            if part.strip().isdigit():
                numbers.add(int(part))
    if not numbers:
        return origin
    columns = dict(origin.columns)
    columns["sentences"] = ",".join(str(n) for n in sorted(numbers))
    columns["merged from"] = ", ".join(_once(e.id for e in events))
    return origin.model_copy(update={"row": min(numbers), "columns": columns})


def _once(items: Iterable[_T], key: Callable[[_T], Hashable] | None = None) -> list[_T]:
    """Each item once (by `key`, or by equality), in the order first met."""
    out: list[_T] = []
    seen: list[Hashable] = []
    for item in items:
        mark = key(item) if key else item
        if mark not in seen:
            seen.append(mark)
            out.append(item)
    return out


__all__ = ["accepted_event", "lowest_confidence", "merge_drafts"]
