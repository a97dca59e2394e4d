"""The page a browser gets when it opens a page of the app by its path (`/desk`).

Streamlit's frontend finds its server by trying the page's own path first: opened at `/desk`,
it asks `/desk/_stcore/health` and `/desk/_stcore/host-config` (404s, logged in the console),
then the app's root, where it connects (streamlit/streamlit#7074, read in Streamlit 1.67's
frontend: the server's address is `window.__streamlit.BACKEND_BASE_URL` when the page sets it,
else the page's path and its parent). Answering those two paths would make `/desk` the server's
address, and every other request (the websocket, media, components) would miss.

So the page at a page path is Streamlit's own `index.html` with one line before its scripts
that names the app's root as the server's address. The root is taken in the browser, relative
to the page (`.` of `/desk` is `/`, of `/base/desk` is `/base/`), so it holds behind a proxy
and under `server.baseUrlPath`. User routes come before Streamlit's (`st.App`), which is how
Streamlit lets an app answer a path its static files would.
"""

from __future__ import annotations

import functools
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from geo.web.navigation import DESK_PATH

# The pages with a path of their own (geo.web.navigation's `url_path`); the map is the root.
PAGE_PATHS = (DESK_PATH,)
_BEFORE = '<script type="module"'
_SERVER_ADDRESS = (
    "<script>window.__streamlit = Object.assign("
    '{BACKEND_BASE_URL: new URL(".", window.location.href).href}, window.__streamlit)</script>\n'
)


@functools.cache
def shell() -> str:
    """Streamlit's index.html, naming the app's root as the server's address."""
    from streamlit import file_util

    page = (Path(file_util.get_static_dir()) / "index.html").read_text(encoding="utf-8")
    return page.replace(_BEFORE, _SERVER_ADDRESS + _BEFORE, 1)


async def serve_shell(_request: Request) -> HTMLResponse:
    return HTMLResponse(shell(), headers={"Cache-Control": "no-cache"})


def routes() -> list[Route]:
    from streamlit import config

    base = str(config.get_option("server.baseUrlPath") or "").strip("/")
    return [
        Route(
            "/" + "/".join(part for part in (base, path) if part),
            serve_shell,
            methods=["GET", "HEAD"],
        )
        for path in PAGE_PATHS
    ]
