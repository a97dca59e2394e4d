"""The desk's event form: every field of an event, in one Streamlit form.

Nothing typed is lost:
- every button of the form (save, add, remove or move a row) submits the form, so whatever
  was typed reaches the server with the press;
- the rows of sources, figures and actors have ids of their own, so a row keeps its values
  when another is added, removed or moved;
- the widgets keep their values through runs that do not draw them (an outage banner), and a
  refused save keeps them as typed and on the server ("Restore it").

A refused save says why beside each field concerned, and marks it. A place name that may mean
several places gets a pick list beside it. A save against a version someone changed meanwhile
is merged field by field (geo.desk.merge); the fields both changed are shown side by side, and
the editor keeps theirs or takes the other's, per field.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import streamlit as st

from geo import settings
from geo.desk.form import (
    EMPTY_CELL,
    FIGURE_KIND_LABELS,
    FIGURE_KINDS,
    QUALIFIERS,
    ROW_COLUMNS,
    TIME_PRECISIONS,
    PlaceChoiceNeeded,
    checked_event,
    edited_data,
    empty_row,
    form_data,
    form_field,
    form_values,
    geocoded_record,
    locate,
    new_event_id,
)
from geo.desk.merge import Conflict, shown
from geo.desk.roles import Editor, NotAllowedError
from geo.desk.store import DeskError, DeskEvent, DeskStore, DeskUnavailableError, EditConflictError
from geo.errors import DataFileError
from geo.escape import escape_markdown as md
from geo.gazetteer import Candidate, PlaceContext
from geo.map.base import point_map
from geo.vocabulary import GEO_PRECISION_LABELS, EventType, style_of
from geo.web import page
from geo.web.component import render_base_map, show_map

NEW = "new"
K_FLASH = "desk_flash"
K_OPEN = "desk_open_event"
K_TAB = "desk_tab"
K_TAB_NEXT = "desk_tab_next"  # a tab to show at the next run (set after the tabs are drawn)
SCALARS = (
    "id",
    "title",
    "event_type",
    "date",
    "time_precision",
    "date_end",
    "place_name",
    "country",
    "latitude",
    "longitude",
    "geo_precision",
    "summary",
    "tags",
)
EARLIEST = dt.date(1800, 1, 1)
LATEST = dt.date(2200, 12, 31)
KEEP: Literal["session"] = "session"  # widget values outlive runs that do not draw them
NOUNS = {"sources": "source", "figures": "figure", "actors": "actor"}
SIDE_LABELS = {"yours": "Keep mine", "theirs": "Take theirs"}
ERROR_RED = "#d6282b"  # the frame of a field a refused save named


def key(form: str, name: str) -> str:
    return f"df_{form}_{name}"


def cell_key(form: str, list_name: str, row_id: int, column: str) -> str:
    return key(form, f"{list_name}_{row_id}_{column}")


# --------------------------------------------------------------------------- state


def _rows(form: str, list_name: str) -> list[int]:
    return list(st.session_state.get(key(form, f"{list_name}_rows")) or [])


def _new_row_id(form: str) -> int:
    counter = key(form, "next_row")
    number = int(st.session_state.get(counter) or 0)
    st.session_state[counter] = number + 1
    return number


def _set_rows(form: str, list_name: str, rows: list[Mapping[str, Any]]) -> None:
    for row_id in _rows(form, list_name):
        _drop_cells(form, list_name, row_id)
    ids = []
    for row in rows:
        row_id = _new_row_id(form)
        for column in ROW_COLUMNS[list_name]:
            st.session_state[cell_key(form, list_name, row_id, column)] = row.get(
                column, EMPTY_CELL.get(column, "")
            )
        ids.append(row_id)
    st.session_state[key(form, f"{list_name}_rows")] = ids


def _drop_cells(form: str, list_name: str, row_id: int) -> None:
    for column in ROW_COLUMNS[list_name]:
        st.session_state.pop(cell_key(form, list_name, row_id, column), None)


def _fill(form: str, values: Mapping[str, Any]) -> None:
    """Put values into the form's widgets (before they are drawn, or in a callback)."""
    for name in SCALARS:
        if name in values:
            st.session_state[key(form, name)] = values[name]
    for list_name in ROW_COLUMNS:
        if list_name in values:
            _set_rows(form, list_name, list(values[list_name] or []))


def typed(form: str) -> dict[str, Any]:
    """What the form holds now: its fields, and its rows in the order shown."""
    values: dict[str, Any] = {name: st.session_state.get(key(form, name)) for name in SCALARS}
    for list_name, columns in ROW_COLUMNS.items():
        values[list_name] = [
            {c: st.session_state.get(cell_key(form, list_name, r, c)) for c in columns}
            for r in _rows(form, list_name)
        ]
    return values


def forget(form: str) -> None:
    """Empty the form: its next drawing fills it from the stored event."""
    for name in [k for k in st.session_state if str(k).startswith(key(form, ""))]:
        del st.session_state[name]


def _prime(form: str, current: DeskEvent | None) -> None:
    """Fill the form once from the stored event; later runs keep whatever was typed, also
    when someone else saves meanwhile (their version is merged in on save)."""
    if st.session_state.get(key(form, "primed")):
        return
    _fill(form, form_values(current.data if current else None))
    st.session_state[key(form, "version")] = current.version if current else 0
    st.session_state[key(form, "opened")] = dict(current.data) if current else None
    st.session_state[key(form, "primed")] = True


# --------------------------------------------------------------------------- the form


def event_form(store: DeskStore, editor: Editor, current: DeskEvent | None, app_dir: Path) -> None:
    form = current.id if current else NEW
    _prime(form, current)
    _offer_unsaved(store, editor, form)
    errors: dict[str, str] = dict(st.session_state.get(key(form, "errors")) or {})
    _mark(errors)
    with st.form(f"desk_form_{form}", clear_on_submit=False, enter_to_submit=False):
        _general_errors(form, errors)
        if current is not None:
            _newer_version_note(form, current)
        if current is None:
            _text(form, "id", "Id (optional: made from the date and title)", errors)
        _text(form, "title", "Title", errors, max_chars=300)
        left, middle, right = st.columns(3)
        with left:
            st.selectbox(
                "Type",
                options=[t.value for t in EventType],
                format_func=_type_label,
                key=key(form, "event_type"),
                persist_state=KEEP,
            )
        with middle:
            _date(form, "date", "Date", errors)
        with right:
            st.selectbox(
                "Date precision",
                options=TIME_PRECISIONS,
                key=key(form, "time_precision"),
                persist_state=KEEP,
            )
        _date(form, "date_end", "Last day (for a range)", errors)
        _place_fields(form, errors)
        _source_rows(form, errors)
        _figure_rows(form, errors)
        st.text_area("Summary", key=key(form, "summary"), max_chars=10_000, persist_state=KEEP)
        _error(errors, key(form, "summary"))
        _text(form, "tags", "Tags (comma-separated)", errors)
        _actor_rows(form, errors)
        st.text_input(
            "Comment for the record: what changed and why",
            key=key(form, "comment"),
            persist_state=KEEP,
        )
        _conflict_panel(form)
        _errors_by_the_button(form, errors)
        label = "Save draft" if current is None else "Save as a new draft version"
        submitted = st.form_submit_button(label, type="primary", key=key(form, "save"))
    if submitted:
        _save(store, editor, current, form)
    _place_map(form, app_dir)


def _kind_label(kind: str) -> str:
    return FIGURE_KIND_LABELS.get(kind, kind)


def _type_label(value: str) -> str:
    style = style_of(EventType(value))
    return f"{style.symbol} {style.label}"


def _text(form: str, name: str, label: str, errors: Mapping[str, str], **kwargs: Any) -> None:
    st.text_input(label, key=key(form, name), persist_state=KEEP, **kwargs)
    _error(errors, key(form, name))


def _date(form: str, name: str, label: str, errors: Mapping[str, str]) -> None:
    st.date_input(
        label,
        key=key(form, name),
        format="YYYY-MM-DD",
        min_value=EARLIEST,
        max_value=LATEST,
        persist_state=KEEP,
    )
    _error(errors, key(form, name))


def _error(errors: Mapping[str, str], widget_key: str) -> None:
    """The message of a refused save, right under the field it concerns."""
    message = errors.get(widget_key)
    if message:
        st.error(md(message[:1].upper() + message[1:]), icon="⚠️")


def _mark(errors: Mapping[str, str]) -> None:
    """A red frame around every field a refused save named (Streamlit gives each keyed
    widget the class st-key-<key>; the keys are the form's own, never typed text)."""
    keys = [k for k in errors if k and all(c.isalnum() or c in "_-" for c in k)]
    if not keys:
        return
    targets = ", ".join(
        f".st-key-{k} :is(div:has(> input), div:has(> textarea), [role='group'])" for k in keys
    )
    st.html(f"<style>{targets} {{ outline: 2px solid {ERROR_RED}; outline-offset: 1px; }}</style>")


def _general_errors(form: str, errors: Mapping[str, str]) -> None:
    if not errors:
        return
    count = len([k for k in errors if k])
    if count:
        st.error(
            f"Not saved: fix the {count} field{'s' if count != 1 else ''} marked below "
            "(your text is kept)."
        )
    if errors.get(""):
        st.error(md(f"Not saved: {errors['']} Your text is kept."))


FIELD_LABELS = {
    "id": "Id",
    "title": "Title",
    "event_type": "Type",
    "date": "Date",
    "time_precision": "Date precision",
    "date_end": "Last day",
    "place_name": "Place",
    "country": "Country",
    "latitude": "Latitude",
    "longitude": "Longitude",
    "geo_precision": "Location precision",
    "summary": "Summary",
    "tags": "Tags",
    "sources": "Sources",
    "figures": "Figures",
    "actors": "Actors",
}
COLUMN_LABELS = {
    "publisher": "publisher",
    "url": "link",
    "date": "date",
    "quote": "exact quote",
    "kind": "kind",
    "value": "number",
    "qualifier": "qualifier",
    "claimed_by": "claimed by",
    "note": "note",
}


def field_label(form: str, widget_key: str) -> str:
    """The form's own name for a field or a row's cell ("Figure 2: claimed by")."""
    name = widget_key.removeprefix(key(form, ""))
    if name in FIELD_LABELS:
        return FIELD_LABELS[name]
    list_name, _, rest = name.partition("_")
    row, _, column = rest.partition("_")
    if list_name in ROW_COLUMNS and row.isdigit():
        rows = _rows(form, list_name)
        number = rows.index(int(row)) + 1 if int(row) in rows else 0
        noun = NOUNS[list_name].capitalize()
        if list_name == "actors":
            return f"{noun} {number}"
        return f"{noun} {number}: {COLUMN_LABELS.get(column, column)}"
    return name


def _errors_by_the_button(form: str, errors: Mapping[str, str]) -> None:
    """The same refusal next to the button that was pressed, naming the fields to fix."""
    named = [field_label(form, k) for k in errors if k]
    if not named:
        return
    st.error(md(f"Not saved: fix {', '.join(named)} (marked above). Everything you typed is kept."))


def _newer_version_note(form: str, current: DeskEvent) -> None:
    opened = int(st.session_state.get(key(form, "version")) or 0)
    if current.version == opened or st.session_state.get(key(form, "conflict")):
        return
    st.info(
        md(
            f"{current.updated_by} changed this event (now version {current.version}) after "
            f"you opened version {opened}. Saving merges your changes with theirs, field by "
            "field: what only they changed stays, and you choose for any field you both changed."
        )
    )


# --------------------------------------------------------------------------- the place


def _place_fields(form: str, errors: Mapping[str, str]) -> None:
    left, middle, right = st.columns([3, 1, 2])
    with left:
        st.text_input(
            "Place (found in the offline gazetteer on save)",
            key=key(form, "place_name"),
            persist_state=KEEP,
            placeholder="e.g. Odesa, or Odesa, Ukraine",
        )
        _error(errors, key(form, "place_name"))
        _place_pick(form)
    with middle:
        st.text_input(
            "Country (ISO code)", key=key(form, "country"), max_chars=2, persist_state=KEEP
        )
        _error(errors, key(form, "country"))
    with right:
        st.selectbox(
            "Location precision",
            options=[0, 1, 2, 3],
            format_func=lambda p: GEO_PRECISION_LABELS[p],
            key=key(form, "geo_precision"),
            persist_state=KEEP,
        )
    left, right = st.columns(2)
    with left:
        _text(form, "latitude", "Latitude (blank: from the place name)", errors)
    with right:
        _text(form, "longitude", "Longitude (blank: from the place name)", errors)


def _place_pick(form: str) -> None:
    """The places a name may mean, to pick from (after a save that could not tell)."""
    pending = st.session_state.get(key(form, "place_choices"))
    if not isinstance(pending, dict):
        return
    choices: list[Candidate] = pending["choices"]
    st.selectbox(
        f"Which {pending['query']}?",
        options=list(range(len(choices))),
        format_func=lambda i: choices[i].label,
        index=None,
        placeholder="Pick the place you mean, then save",
        key=key(form, "place_pick"),
    )


def _place_context(store: DeskStore) -> PlaceContext:
    """The countries the desk's events are in: a name is first looked for there."""
    return PlaceContext.of(
        str((e.data.get("place") or {}).get("country") or "") for e in store.events()
    )


def _locate_place(
    form: str,
    data: dict[str, Any],
    values: Mapping[str, Any],
    opened: Mapping[str, Any] | None,
    store: DeskStore,
) -> None:
    """Coordinates for a place given by name only (or renamed without moving it): the place
    the editor picked from the list, else the gazetteer's, ranked by the desk's countries.
    A location precision the editor chose ("near a town") stands; else the place's own."""
    place = data["place"]
    shown_precision = form_values(opened)["geo_precision"]
    chosen = values.get("geo_precision")
    old = dict((opened or {}).get("place") or {})
    renamed = (
        bool(old)
        and place.get("name") != old.get("name")
        and (place.get("latitude"), place.get("longitude"))
        == (old.get("latitude"), old.get("longitude"))
    )
    if not place.get("name") or (place.get("latitude") is not None and not renamed):
        return
    found = _picked_place(form, place["name"])
    if found is None:
        found = locate(
            place["name"], place.get("country", ""), page.gazetteer(), _place_context(store)
        )
    place.update(
        latitude=round(found.latitude, 5),
        longitude=round(found.longitude, 5),
        country=place.get("country") or found.country,
        geo_precision=chosen if chosen != shown_precision else found.geo_precision,
        geocoded=geocoded_record(found, place["name"], dt.date.today()),
    )


def _picked_place(form: str, name: str) -> Candidate | None:
    pending = st.session_state.get(key(form, "place_choices"))
    pick = st.session_state.get(key(form, "place_pick"))
    if not isinstance(pending, dict) or pending["query"] != name.strip() or pick is None:
        return None
    choice: Candidate = pending["choices"][int(pick)]
    return choice


# --------------------------------------------------------------------------- rows


def _row_buttons(form: str, list_name: str, row_id: int, number: int) -> None:
    noun = NOUNS[list_name]
    with st.container(horizontal=True, gap="small"):
        if number > 1:
            st.form_submit_button(
                f"Move {noun} {number} up",
                key=cell_key(form, list_name, row_id, "up"),
                on_click=_move_row_up,
                args=(form, list_name, row_id),
            )
        st.form_submit_button(
            f"Remove {noun} {number}",
            key=cell_key(form, list_name, row_id, "remove"),
            on_click=_remove_row,
            args=(form, list_name, row_id),
        )


def _add_button(form: str, list_name: str) -> None:
    noun = NOUNS[list_name]
    article = "an" if noun[0] in "aeiou" else "a"
    st.form_submit_button(
        f"Add {article} {noun}",
        key=key(form, f"{list_name}_add"),
        on_click=_add_row,
        args=(form, list_name),
    )


def _add_row(form: str, list_name: str) -> None:
    row_id = _new_row_id(form)
    for column, value in empty_row(list_name).items():
        st.session_state[cell_key(form, list_name, row_id, column)] = value
    st.session_state[key(form, f"{list_name}_rows")] = [*_rows(form, list_name), row_id]


def _remove_row(form: str, list_name: str, row_id: int) -> None:
    _drop_cells(form, list_name, row_id)
    st.session_state[key(form, f"{list_name}_rows")] = [
        r for r in _rows(form, list_name) if r != row_id
    ]
    _drop_row_errors(form, list_name, row_id)


def _move_row_up(form: str, list_name: str, row_id: int) -> None:
    rows = _rows(form, list_name)
    at = rows.index(row_id) if row_id in rows else 0
    if at > 0:
        rows[at - 1], rows[at] = rows[at], rows[at - 1]
    st.session_state[key(form, f"{list_name}_rows")] = rows


def _drop_row_errors(form: str, list_name: str, row_id: int) -> None:
    errors = dict(st.session_state.get(key(form, "errors")) or {})
    prefix = key(form, f"{list_name}_{row_id}_")
    st.session_state[key(form, "errors")] = {
        k: v for k, v in errors.items() if not k.startswith(prefix)
    }


def _cells(form: str, list_name: str, row_id: int) -> dict[str, str]:
    return {c: cell_key(form, list_name, row_id, c) for c in ROW_COLUMNS[list_name]}


def _source_rows(form: str, errors: Mapping[str, str]) -> None:
    st.caption("Sources: each with the exact quote the event rests on")
    _error(errors, key(form, "sources"))
    for number, row_id in enumerate(_rows(form, "sources"), start=1):
        cell = _cells(form, "sources", row_id)
        with st.container(border=True):
            left, middle, right = st.columns([2, 3, 1])
            with left:
                st.text_input(
                    f"Source {number}: publisher", key=cell["publisher"], persist_state=KEEP
                )
                _error(errors, cell["publisher"])
            with middle:
                st.text_input(
                    f"Source {number}: link (optional)", key=cell["url"], persist_state=KEEP
                )
                _error(errors, cell["url"])
            with right:
                st.text_input(
                    f"Source {number}: date",
                    key=cell["date"],
                    placeholder="YYYY-MM-DD",
                    persist_state=KEEP,
                )
                _error(errors, cell["date"])
            st.text_area(
                f"Source {number}: exact quote", key=cell["quote"], height=80, persist_state=KEEP
            )
            _error(errors, cell["quote"])
            _row_buttons(form, "sources", row_id, number)
    _add_button(form, "sources")


def _figure_rows(form: str, errors: Mapping[str, str]) -> None:
    st.caption("Figures: deaths or injuries, each with who claims it")
    for number, row_id in enumerate(_rows(form, "figures"), start=1):
        cell = _cells(form, "figures", row_id)
        with st.container(border=True):
            kind, value, qualifier, claimed = st.columns(4)
            with kind:
                st.selectbox(
                    f"Figure {number}",
                    list(FIGURE_KINDS),
                    format_func=_kind_label,
                    key=cell["kind"],
                    persist_state=KEEP,
                )
            with value:
                st.number_input(
                    f"Figure {number}: number",
                    min_value=0,
                    max_value=100_000_000,
                    step=1,
                    key=cell["value"],
                    persist_state=KEEP,
                )
                _error(errors, cell["value"])
            with qualifier:
                st.selectbox(
                    f"Figure {number}: qualifier",
                    list(QUALIFIERS),
                    key=cell["qualifier"],
                    persist_state=KEEP,
                )
            with claimed:
                st.text_input(
                    f"Figure {number}: claimed by", key=cell["claimed_by"], persist_state=KEEP
                )
                _error(errors, cell["claimed_by"])
            st.text_input(f"Figure {number}: note (optional)", key=cell["note"], persist_state=KEEP)
            _error(errors, cell["note"])
            _row_buttons(form, "figures", row_id, number)
    _add_button(form, "figures")


def _actor_rows(form: str, errors: Mapping[str, str]) -> None:
    st.caption("Actors: who acted or was acted on, one per row")
    for number, row_id in enumerate(_rows(form, "actors"), start=1):
        name = cell_key(form, "actors", row_id, "name")
        left, right = st.columns([3, 2], vertical_alignment="bottom")
        with left:
            st.text_input(f"Actor {number}", key=name, persist_state=KEEP)
            _error(errors, name)
        with right:
            _row_buttons(form, "actors", row_id, number)
    _add_button(form, "actors")


# --------------------------------------------------------------------------- saving


def _save(store: DeskStore, editor: Editor, current: DeskEvent | None, form: str) -> None:
    st.session_state.pop(key(form, "errors"), None)
    values = typed(form)
    opened = st.session_state.get(key(form, "opened"))
    comment = str(st.session_state.get(key(form, "comment")) or "")
    unsettled = _unsettled(form)
    if unsettled:
        _refuse(form, {"": "Choose mine or theirs for " + ", ".join(unsettled) + "."})
        return
    try:
        data = form_data(values, keep=opened)
        _locate_place(form, data, values, opened, store)
        if current is not None:
            data = edited_data(opened, data)
        elif not data["id"]:
            taken = [e.id for e in store.events()]
            data["id"] = new_event_id(data["title"], values.get("date"), taken)
        event = checked_event(data)
        if current is None:
            saved = store.create(editor, event, comment)
        else:
            version = int(st.session_state.get(key(form, "version")) or 0)
            saved = store.save(editor, event, version, comment, choices=_choices(form))
    except PlaceChoiceNeeded as need:
        store.keep_unsaved(editor, form, values)
        st.session_state[key(form, "place_choices")] = {
            "query": need.query,
            "choices": need.choices,
        }
        st.session_state.pop(key(form, "place_pick"), None)
        _refuse(form, {key(form, "place_name"): need.problems[0].message})
        return
    except DataFileError as error:
        store.keep_unsaved(editor, form, values)
        _refuse(form, _field_errors(form, values, error))
        return
    except EditConflictError as conflict:
        store.keep_unsaved(editor, form, values)
        st.session_state[key(form, "conflict")] = {
            "by": conflict.by,
            "at": conflict.at,
            "version": conflict.current.version,
            "conflicts": conflict.conflicts,
            "theirs": conflict.merged.taken_from_theirs if conflict.merged else [],
        }
        st.rerun()
    except (NotAllowedError, DeskError) as error:
        if isinstance(error, DeskUnavailableError):
            raise
        _refuse(form, {"": str(error)})
        return
    store.forget_unsaved(editor.email, form)
    forget(form)  # drawn again from what was saved (a merge holds the other's changes too)
    if current is None:
        st.session_state[K_OPEN] = saved.id
        st.session_state[K_TAB_NEXT] = "Events"
        st.session_state[K_FLASH] = f"Saved '{saved.title}' as a draft ({saved.id})."
    else:
        merged = _merge_note(store, saved)
        st.session_state[K_FLASH] = (
            f"Saved '{saved.title}': version {saved.version}, a draft.{merged}"
        )
    st.rerun()


def _merge_note(store: DeskStore, saved: DeskEvent) -> str:
    history = store.history(saved.id)
    comment = history[0].comment if history else ""
    at = comment.find("merged with version")
    return f" It was {comment[at:].rstrip(')')}." if at >= 0 else ""


def _refuse(form: str, errors: dict[str, str]) -> None:
    st.session_state[key(form, "errors")] = errors
    st.rerun()


def _field_errors(form: str, values: Mapping[str, Any], error: DataFileError) -> dict[str, str]:
    """Each problem under its field (a row's cell, or the field itself); the rest on top."""
    out: dict[str, str] = {}
    for problem in error.problems:
        found = form_field(problem.field, values)
        message = problem.message
        if found is None:
            widget = ""
            message = f"{problem.field}: {message}" if problem.field else message
        elif found.name in ROW_COLUMNS:
            rows = _rows(form, found.name)
            if found.row is None or found.row >= len(rows):
                widget = key(form, found.name)
            else:
                widget = cell_key(form, found.name, rows[found.row], found.column or "")
        else:
            widget = key(form, found.name)
        out[widget] = f"{out[widget]} {message}" if widget in out else message
    return out


# --------------------------------------------------------------------------- conflicts


def _conflicts(form: str) -> list[Conflict]:
    pending = st.session_state.get(key(form, "conflict"))
    return list(pending["conflicts"]) if isinstance(pending, dict) else []


def _choice_key(form: str, conflict: Conflict) -> str:
    return key(form, f"choose_{conflict.key}")


def _choices(form: str) -> dict[str, Any]:
    return {
        c.key: st.session_state[_choice_key(form, c)]
        for c in _conflicts(form)
        if st.session_state.get(_choice_key(form, c)) in SIDE_LABELS
    }


def _unsettled(form: str) -> list[str]:
    return [c.label for c in _conflicts(form) if c.key not in _choices(form)]


def _conflict_panel(form: str) -> None:
    """The fields both editors changed, side by side: yours, theirs, before."""
    pending = st.session_state.get(key(form, "conflict"))
    if not isinstance(pending, dict):
        return
    opened = st.session_state.get(key(form, "version"))
    theirs = ", ".join(pending["theirs"])
    kept = f" Their changes to {theirs} are merged in already." if theirs else ""
    st.warning(
        md(
            f"{pending['by']} saved version {pending['version']} at {pending['at']:%H:%M:%S} "
            f"UTC while you were editing.{kept} You both changed the fields below: for each, "
            "keep yours or take theirs (to change yours, edit the field above and keep "
            "mine), then save."
        )
    )
    for conflict in pending["conflicts"]:
        with st.container(border=True, key=key(form, f"conflict_{_css(conflict.key)}")):
            st.markdown(f"**{md(conflict.label)}**")
            yours, theirs_column, before = st.columns(3)
            yours.caption("Yours")
            yours.text(shown(conflict.key, conflict.yours))
            theirs_column.caption(f"Theirs (version {pending['version']})")
            theirs_column.text(shown(conflict.key, conflict.theirs))
            before.caption(f"Before (version {opened}, when you opened it)")
            before.text(shown(conflict.key, conflict.before))
            st.radio(
                f"{conflict.label}: which to save",
                options=list(SIDE_LABELS),
                format_func=SIDE_LABELS.get,
                index=None,
                horizontal=True,
                key=_choice_key(form, conflict),
            )


def _css(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text)


# --------------------------------------------------------------------------- unsaved text


def _offer_unsaved(store: DeskStore, editor: Editor, form: str) -> None:
    """Text a refused save kept on the server (this session or an earlier one, before a reload
    or an expired sign-in), offered back until a save succeeds."""
    kept = store.unsaved(editor.email, form)
    if kept is None or kept[0] == _json_safe(typed(form)):
        return
    text, at = kept
    left, right = st.columns([3, 1])
    left.warning(f"You have text typed here at {at:%Y-%m-%d %H:%M} UTC that was never saved.")
    right.button("Restore it", key=key(form, "restore"), on_click=_restore, args=(form, text))


def _json_safe(values: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(json.dumps(values, default=str)))


def _restore(form: str, kept: dict[str, Any]) -> None:
    values = dict(kept)
    for name in ("date", "date_end"):
        if isinstance(values.get(name), str):
            values[name] = dt.date.fromisoformat(values[name]) if values[name] else None
    if isinstance(values.get("actors"), str):  # kept by an older form: one text field
        values["actors"] = [{"name": a.strip()} for a in values["actors"].split(",") if a.strip()]
    _fill(form, values)


# --------------------------------------------------------------------------- the small map


def _place_map(form: str, app_dir: Path) -> None:
    """The point on a small offline map: a click moves it (saved with the next save)."""
    try:
        lat = float(st.session_state.get(key(form, "latitude")) or "")
        lon = float(st.session_state.get(key(form, "longitude")) or "")
    except ValueError:
        return
    st.caption(f"The place at {lat:.5f}, {lon:.5f}. Click the map to move the point, then save.")
    urls = page.static_urls(app_dir, settings.static_url())
    render = render_base_map(point_map(lat, lon, urls))
    map_key = key(form, "map")

    def moved() -> None:
        value = st.session_state.get(map_key) or {}
        click = value.get("last_clicked") if isinstance(value, Mapping) else None
        if click:
            st.session_state[key(form, "latitude")] = f"{float(click['lat']):.5f}"
            st.session_state[key(form, "longitude")] = f"{float(click['lng']):.5f}"

    show_map(
        render,
        key=map_key,
        layer="",
        returned_objects=["last_clicked"],
        on_change=moved,
        height=260,
    )
