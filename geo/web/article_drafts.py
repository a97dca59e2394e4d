"""The desk's "From an article" tab: paste a news article, review the drafts it gives (on a
map and in a list), then accept, edit, merge or drop each. Accepted drafts are the desk's
drafts, attributed to the editor, in the normal draft → review → publish workflow.

What was typed (the article, its publisher, link and date) lives under the desk's form keys,
so a refused step or an outage never loses it. The drafts wait in the editor's session.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st

from geo import settings
from geo.desk.roles import Action, Editor, NotAllowedError
from geo.desk.store import DeskError, DeskStore, DeskUnavailableError
from geo.draft import Article, Confidence, Draft, draft_article
from geo.draft.review import accepted_event, lowest_confidence, merge_drafts
from geo.errors import DraftError, EventAtlasError
from geo.escape import escape_markdown as md
from geo.map.base import points_map
from geo.model import Event
from geo.vocabulary import GEO_PRECISION_LABELS, style_of
from geo.web import page
from geo.web.component import render_base_map, show_map
from geo.web.desk_form import K_FLASH, K_OPEN, K_TAB_NEXT

# What the editor typed; the widgets keep it through runs that do not draw them (an outage).
K_TEXT = "df_article_text"
K_PUBLISHER = "df_article_publisher"
K_URL = "df_article_url"
K_DATE = "df_article_date"
K_PENDING = "article_drafts"
EARLIEST_ARTICLE = dt.date(1900, 1, 1)
ARTICLE_NAME = "the pasted article"  # the drafts' origin, and how errors name the article
NEEDS_ROLE = "Drafting events from an article needs the contributor role."


@dataclass(frozen=True)
class Pending:
    """A draft waiting for the editor: the event, and what the drafter said of it."""

    event: Event
    confidence: Confidence
    notes: tuple[str, ...] = field(default_factory=tuple)
    # A merge keeps the first draft's id: a new serial gives its card new widgets, so the
    # browser does not show the merged draft with the old card's "Pick to merge" ticked.
    serial: int = 0

    @property
    def confidence_label(self) -> str:
        """As `place 0.85 · date 0.90 · type 0.80`, and the figures' when it has some."""
        c = self.confidence
        parts = [f"place {c.place:.2f}", f"date {c.date:.2f}", f"type {c.type:.2f}"]
        if c.figures is not None:
            parts.append(f"figures {c.figures:.2f}")
        return " · ".join(parts)


def pending_of(draft: Draft) -> Pending:
    return Pending(draft.event, draft.confidence, draft.notes)


def _pending() -> list[Pending]:
    value = st.session_state.get(K_PENDING)
    return list(value) if isinstance(value, list) else []


def _set_pending(items: list[Pending]) -> None:
    st.session_state[K_PENDING] = items


def _refused(editor: Editor) -> bool:
    """The role check every handler makes itself, whatever the page showed: a crafted call
    (or a page drawn before a role was taken away) is refused in words and changes nothing."""
    if editor.may(Action.EDIT):
        return False
    st.error(NEEDS_ROLE)
    return True


def article_tab(store: DeskStore, editor: Editor, app_dir: Path) -> None:
    if not editor.may(Action.EDIT):
        st.caption(NEEDS_ROLE)
        return
    st.caption(
        "Paste a news article: each sentence that reports something located becomes a draft "
        "with its place, date, figures and exact words. Nothing is saved until you accept it."
    )
    st.text_area("Article text", key=K_TEXT, height=220, persist_state="session")
    left, middle, right = st.columns([2, 3, 2])
    left.text_input("Publisher", key=K_PUBLISHER, persist_state="session")
    middle.text_input("Link (optional)", key=K_URL, persist_state="session")
    # No default: relative dates ("on Sunday") are read from it, so today's date would place
    # an older article's events wrongly; the editor types the article's own date.
    right.date_input(
        "Article date",
        value=None,
        key=K_DATE,
        min_value=EARLIEST_ARTICLE,
        max_value=dt.date.today(),
        format="YYYY-MM-DD",
        persist_state="session",
    )
    if st.button("Draft events", type="primary", key="article_draft_go"):
        make_drafts(editor)
    items = _pending()
    if items:
        _drafts_map(items, app_dir)
        _drafts_list(store, editor, items)


def make_drafts(editor: Editor) -> None:
    """Draft the typed article; a problem is said in words and changes nothing (the typed
    text stays in its fields, the drafts already listed stay listed)."""
    if _refused(editor):
        return
    url = str(st.session_state.get(K_URL) or "").strip() or None
    published = st.session_state.get(K_DATE)
    if not isinstance(published, dt.date):
        st.error(
            "Nothing drafted: give the article's date first (the date it was published): "
            "'on Sunday' or 'last Thursday' are read from it."
        )
        return
    try:
        article = Article(
            str(st.session_state.get(K_TEXT) or ""),
            published,
            str(st.session_state.get(K_PUBLISHER) or ""),
            url,
            ARTICLE_NAME,
        )
        drafts = draft_article(article, page.gazetteer())
    except EventAtlasError as error:
        st.error(md(f"Nothing drafted: {str(error).removeprefix(ARTICLE_NAME + ': ')}"))
        return
    except ValueError as error:  # a link the schema refuses (only http and https)
        st.error(md(f"The link is refused: {_first_line(error)}. Leave it empty or fix it."))
        return
    for item in _pending():  # a new article's drafts start unpicked
        st.session_state.pop(_pick_key(item), None)
    _set_pending([pending_of(d) for d in drafts])
    if not drafts:
        st.warning(
            "No draft: no sentence of the article reports something at a place the offline "
            "gazetteer knows. Add the events by hand on the New event tab."
        )


def _first_line(error: Exception) -> str:
    lines = [line for line in str(error).splitlines() if line.strip()]
    return lines[-1].strip() if lines else str(error)


def _drafts_map(items: list[Pending], app_dir: Path) -> None:
    """The drafts on a map, each pin showing the number of its card below."""
    placed = [
        (n, p.event.place.latitude, p.event.place.longitude, f"{n}. {p.event.title}")
        for n, p in enumerate(items, start=1)
        if p.event.place.latitude is not None and p.event.place.longitude is not None
    ]
    points = [(lat, lon, label) for _, lat, lon, label in placed]
    unplaced = len(items) - len(points)
    st.caption(
        f"{len(items)} draft{'s' if len(items) != 1 else ''}"
        + (
            f"; {unplaced} unplaced (not on the map: place them after accepting)"
            if unplaced
            else ""
        )
    )
    if not points:
        return
    urls = page.static_urls(app_dir, settings.static_url())
    numbers = [n for n, *_ in placed]
    render = render_base_map(points_map(points, urls, zoom=7, numbers=numbers))
    show_map(render, key="article_map", layer="", returned_objects=[], on_change=_noop, height=320)


def _noop() -> None:
    return None


def _drafts_list(store: DeskStore, editor: Editor, items: list[Pending]) -> None:
    for number, item in enumerate(items, start=1):
        _draft_card(store, editor, number, item)
    picked = [p.event.id for p in items if st.session_state.get(_pick_key(p))]
    if st.button(
        f"Merge the {len(picked)} picked drafts into one" if picked else "Merge picked drafts",
        key="article_merge",
        disabled=len(picked) < 2,
        help="Tick 'Pick to merge' on two or more drafts of the same story.",
    ):
        merge_picked(editor, picked)


def _pick_key(item: Pending) -> str:
    return f"article_pick_{item.event.id}_{item.serial}"


def _draft_card(store: DeskStore, editor: Editor, number: int, item: Pending) -> None:
    event = item.event
    with st.container(border=True):
        st.markdown(f"**{number}\\. {md(event.title)}**")
        place = event.place
        where = (
            f"{place.name} ({GEO_PRECISION_LABELS.get(place.geo_precision or 0, '')})"
            if place.point is not None
            else f"{place.name}: not placed"
        )
        st.caption(
            md(f"{style_of(event.event_type).label} · {event.date_label()} · {where}")
            + "  \n"
            + md(f"Confidence: {item.confidence_label}")
        )
        if event.actors:
            st.markdown(md(f"Actors: {', '.join(event.actors)}"))
        figures = [("killed", f) for f in event.fatalities] + [
            ("injured", f) for f in event.injured
        ]
        for kind, figure in figures:
            st.markdown("- " + md(f"{kind}: {figure.describe()}"))
        for source in event.sources:
            st.markdown("> " + md(source.quote))
        for note in item.notes:
            st.caption(md(f"Note: {note}"))
        pick, accept, edit, drop = st.columns([2, 1, 1, 1])
        pick.checkbox("Pick to merge", key=_pick_key(item))
        if accept.button("Accept", key=f"article_accept_{event.id}"):
            accept_draft(store, editor, event.id, open_after=False)
        if edit.button("Accept and edit", key=f"article_edit_{event.id}"):
            accept_draft(store, editor, event.id, open_after=True)
        if drop.button("Drop", key=f"article_drop_{event.id}"):
            drop_draft(editor, event.id)


def accept_draft(store: DeskStore, editor: Editor, draft_id: str, *, open_after: bool) -> None:
    """The draft becomes a desk draft by `editor`, through the store's create (which checks
    the role again and records the creation in the event's history)."""
    if _refused(editor):
        return
    item = _listed(draft_id)
    if item is None:
        return
    taken = [e.id for e in store.events()]
    event = accepted_event(item.event, taken)
    try:
        created = store.create(editor, event, comment="drafted from an article")
    except NotAllowedError as error:
        st.error(md(error))
        return
    except DeskError as error:
        if isinstance(error, DeskUnavailableError):
            raise
        st.error(md(error))
        return
    _unlist(item)
    if open_after:
        st.session_state[K_OPEN] = created.id
        st.session_state[K_TAB_NEXT] = "Events"
        st.session_state[K_FLASH] = f"{created.title}: a draft at the desk, open here to edit."
    else:
        st.session_state[K_FLASH] = f"{created.title}: a draft at the desk, attributed to you."
    st.rerun()


def drop_draft(editor: Editor, draft_id: str) -> None:
    """The draft leaves the list; nothing at the desk changes."""
    if _refused(editor):
        return
    item = _listed(draft_id)
    if item is None:
        return
    _unlist(item)
    st.session_state[K_FLASH] = f"{item.event.title}: dropped (nothing was saved)."
    st.rerun()


def _listed(draft_id: str) -> Pending | None:
    """The waiting draft of that id; None (and a word why) when it has left the list."""
    found = [p for p in _pending() if p.event.id == draft_id]
    if not found:
        st.warning("That draft is no longer in the list.")
        return None
    return found[0]


def _unlist(item: Pending) -> None:
    st.session_state.pop(_pick_key(item), None)
    _set_pending([p for p in _pending() if p.event.id != item.event.id])


def merge_picked(editor: Editor, draft_ids: list[str]) -> None:
    """The picked drafts become one, in the first one's place in the list."""
    if _refused(editor):
        return
    items = _pending()
    wanted = set(draft_ids)
    chosen = [p for p in items if p.event.id in wanted]
    try:
        merged = merge_drafts([p.event for p in chosen])
        confidence = lowest_confidence([p.confidence for p in chosen])
    except DraftError as error:
        st.error(md(error))
        return
    notes = _once(
        [f"merged from {len(chosen)} drafts: {', '.join(p.event.id for p in chosen)}"]
        + [n for p in chosen for n in p.notes]
    )
    position = items.index(chosen[0])
    kept = [p for p in items if p.event.id not in wanted]
    serial = max(p.serial for p in items) + 1
    kept.insert(min(position, len(kept)), Pending(merged, confidence, tuple(notes), serial))
    for item in chosen:
        st.session_state.pop(_pick_key(item), None)
    _set_pending(kept)
    st.session_state[K_FLASH] = (
        f"{merged.title}: {len(chosen)} drafts merged into one (nothing saved yet: accept it)."
    )
    st.rerun()


def _once(items: list[str]) -> list[str]:
    return [item for index, item in enumerate(items) if item not in items[:index]]
