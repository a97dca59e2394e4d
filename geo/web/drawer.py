"""On a phone the sidebar is a drawer over the map: after a filter choice it closes, so that the
reader sees what the choice did.

Streamlit has no call that closes its sidebar, so a choice's run sends a small script that
clicks the drawer's own collapse button, in the page itself (st.html with JavaScript). The
browser decides, not the server, which cannot know the screen's width: the script acts only
where the sidebar overlays the page (Streamlit's mobile layout, under 768 px) and only when
the drawer is open. On wider screens the sidebar sits beside the map and stays as it is.

A choice is a change of a sidebar filter between two runs of the whole page. Dates moved by
the timeline's playback are not the reader's choice (the drawer must stay open while it
plays), and a date range half chosen (its first day only) waits for its second day.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st

from geo.web import page
from geo.web.timeline import K_PLAYING

# Per session: the sidebar's choices at the last run, and how many choices have closed it.
K_CHOICES, K_CLOSES = "_drawer_choices", "_drawer_closes"
# The sidebar's filters, as session-state keys; the dates are handled on their own.
CHOICE_KEYS = (
    page.K_TYPES,
    page.K_COUNTRIES,
    page.K_TEXT,
    page.K_LABELS,
    page.K_PREC,
    page.K_TILES,
    page.K_LAYER,
)
# Streamlit's mobile breakpoint: below it the sidebar is a drawer over the page.
DRAWER_BELOW_PX = 768
CLOSE_SCRIPT = """<script>
(function () {
  /* choice __COUNT__ */
  if (window.innerWidth >= __BELOW__) return;
  var sidebar = document.querySelector('[data-testid="stSidebar"]');
  if (!sidebar || sidebar.getAttribute("data-collapsed") !== "false") return;
  var button = sidebar.querySelector('[data-testid="stSidebarCollapseButton"] button');
  /* A picker's open list and a phone's keyboard go with the drawer. */
  if (document.activeElement && sidebar.contains(document.activeElement)) {
    document.activeElement.blur();
  }
  if (button) button.click();
})();
</script>"""


def choices(playing: bool) -> tuple[Any, ...] | None:
    """The sidebar's choices now, comparable between runs; None while a date range is half
    chosen. Dates moved by playback count as the last chosen ones."""
    state = st.session_state
    values = tuple(_comparable(state.get(key)) for key in CHOICE_KEYS)
    dates = state.get(page.K_DATES)
    if isinstance(dates, Sequence) and len(dates) == 1:
        return None
    last = state.get(K_CHOICES)
    if playing and isinstance(last, tuple):
        return (*values, last[-1])
    return (*values, _comparable(dates))


def _comparable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list | tuple) else value


def close_after_choice() -> None:
    """Close the phone's drawer when the reader has just chosen a filter in it."""
    now = choices(bool(st.session_state.get(K_PLAYING)))
    if now is None:
        return
    last = st.session_state.get(K_CHOICES)
    st.session_state[K_CHOICES] = now
    if last is None or last == now:
        return
    closes = int(st.session_state.get(K_CLOSES, 0)) + 1
    st.session_state[K_CLOSES] = closes
    # A new count makes new content: Streamlit runs an st.html script when its content changes.
    script = CLOSE_SCRIPT.replace("__COUNT__", str(closes)).replace(
        "__BELOW__", str(DRAWER_BELOW_PX)
    )
    st.sidebar.html(script, unsafe_allow_javascript=True)
