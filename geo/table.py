"""The events table shown beside the map (plain values only: st.dataframe shows text as text)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from geo.model import Event, country_name
from geo.vocabulary import style_of

TABLE_COLUMNS = ("Date", "Type", "Title", "Place", "Country", "Precision", "Killed")


def _killed(event: Event) -> str:
    if not event.fatalities:
        return ""
    best = max(event.fatalities, key=lambda f: f.value)
    return str(best.value) if best.qualifier == "exact" else f"{best.qualifier} {best.value}"


def _precision(value: int | None) -> str:
    return "—" if value is None else ("unknown" if value == 0 else str(value))


def events_table(events: Sequence[Event]) -> pd.DataFrame:
    rows = [
        {
            "Date": event.date_label(),
            "Type": f"{style_of(event.event_type).symbol} {style_of(event.event_type).label}",
            "Title": event.title,
            "Place": event.place.name,
            "Country": country_name(event.place.country) if event.place.country else "—",
            "Precision": _precision(event.place.geo_precision),
            "Killed": _killed(event),
        }
        for event in events
    ]
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS), index=[e.id for e in events])


# The phone's list: one column whose cells stack what a reader looks for first.
STACKED_COLUMN = "Event"


def stacked_events(table: pd.DataFrame) -> pd.DataFrame:
    """The events table as one column for a narrow screen, the rows and their order unchanged:
    each cell reads "date · type · place: title", which the grid wraps over the lines of a tall
    row (it shows a cell's line breaks as spaces, so the order and the marks do the stacking).
    """
    cells = [
        f"{date} · {kind} · {place}: {title}"
        for date, kind, place, title in zip(
            table["Date"], table["Type"], table["Place"], table["Title"], strict=True
        )
    ]
    return pd.DataFrame({STACKED_COLUMN: cells}, index=table.index)
