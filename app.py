"""Event Atlas: the page. It only wires widgets to `geo`; all decisions live in the library.

Readers get the map; when a desk is configured (EVENT_ATLAS_DESK), editors also get the Desk.

Streamlit runs this file as `__main__` for every page run (AppTest too): that is the page.
`streamlit run app.py` first imports it as a module, finds the `st.App` below and serves it:
the same page, plus the route that sends downloads from disk (geo.web.downloads says why) and
the page shell that tells the browser where the server is (geo.web.page_shell says why).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from geo.web.navigation import pages

APP_DIR = Path(__file__).resolve().parent

if __name__ == "__main__":
    st.set_page_config(page_title="Event Atlas", page_icon="🗺️", layout="wide")
    listed = pages(APP_DIR)
    st.navigation(listed, position="sidebar" if len(listed) > 1 else "hidden").run()
else:
    from geo.web import downloads, page_shell

    app = st.App(
        __file__,
        routes=downloads.routes() + page_shell.routes(),
        middleware=downloads.middleware(),
        lifespan=downloads.lifespan,
    )
