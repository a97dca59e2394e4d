"""The page at a page's own path (`/desk`) names the app's root as the server's address, so the
browser asks the root for Streamlit's health and host config, never `/desk/_stcore/...`."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.testclient import TestClient

from geo.web import page_shell


def test_the_desk_path_gets_streamlits_page_naming_the_root_first() -> None:
    client = TestClient(Starlette(routes=page_shell.routes()))
    answer = client.get("/desk")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["cache-control"] == "no-cache"
    page = answer.text
    address = page.index('BACKEND_BASE_URL: new URL(".", window.location.href).href')
    assert address < page.index('<script type="module"')  # set before Streamlit's code reads it
    assert '<div id="root"></div>' in page


def test_the_route_follows_the_base_url_path(monkeypatch) -> None:
    from streamlit import config

    monkeypatch.setattr(
        config, "get_option", lambda name: "/atlas/" if name == "server.baseUrlPath" else None
    )
    assert [route.path for route in page_shell.routes()] == ["/atlas/desk"]
