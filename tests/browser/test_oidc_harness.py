"""The sign-in harness (tests/oidc.py) end to end: `st.login` against the local OIDC provider.

A throwaway Streamlit script in tmp_path, served by geo.serve.AppServer with its secrets given
by `--secrets.files` (nothing in the repo, nor ~/.streamlit, is read), driven by headless
chromium. Every wait is Playwright's own or a poll with a deadline; no test sleeps.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - depends on the environment
    if os.environ.get("CI"):
        raise  # CI must run the browser tests
    pytest.skip("the playwright package is not installed", allow_module_level=True)

from geo.serve import AppServer
from tests.oidc import USER_COOKIE, MockProvider, auth_secrets, secrets_flags, sign_in, sign_out

from .conftest import ARTIFACTS, DEFAULT_TIMEOUT_MS, VIEWPORT

pytestmark = pytest.mark.browser

SIGN_IN_APP = """\
import json

import streamlit as st

if not st.user.is_logged_in:
    st.write("Nobody is signed in.")
    st.button("Sign in", on_click=st.login)
else:
    st.write(f"email: {st.user.email}")
    st.write(f"name: {st.user.name}")
    st.write(f"groups: {json.dumps(st.user.get('groups'))}")
    st.write("keys: " + ", ".join(sorted(st.user.to_dict())))
    st.button("Sign out", on_click=st.logout)
"""


@pytest.fixture(scope="module")
def signin_app(
    tmp_path_factory: pytest.TempPathFactory, oidc_provider: MockProvider
) -> Iterator[AppServer]:
    """The throwaway sign-in app, its `[auth]` secrets pointing at the session's provider."""
    folder = tmp_path_factory.mktemp("signin-app")
    script = folder / "signin_app.py"
    script.write_text(SIGN_IN_APP, encoding="utf-8")
    secrets_path = auth_secrets(folder / "secrets.toml", None, oidc_provider.issuer)
    server = AppServer(
        script=script,
        app_dir=folder,
        flags=secrets_flags(secrets_path),
        log_path=folder / "streamlit.log",
        name="signin-app",
    )
    with server:
        try:
            yield server
        finally:
            print(f"signin app log ({server.log_path}):\n{server.log_text(4000)}")


def _context(browser: Any) -> Any:
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    return context


def test_sign_in_shows_claims_then_sign_out(browser: Any, signin_app: AppServer) -> None:
    context = _context(browser)
    try:
        page = context.new_page()
        took = sign_in(
            page,
            signin_app.base_url,
            email="alice@example.org",
            name="Alice Example",
            groups=["publisher"],
        )
        print(f"sign-in took {took:.2f} s")
        expect(page.get_by_text("email: alice@example.org")).to_be_visible()
        expect(page.get_by_text("name: Alice Example")).to_be_visible()
        expect(page.get_by_text('groups: ["publisher"]')).to_be_visible()
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        # st.user: the ID token's claims, plus Streamlit's is_logged_in and provider.
        keys = page.get_by_text("keys: ")
        expect(keys).to_be_visible()
        print(keys.inner_text())
        shown = set(keys.inner_text().removeprefix("keys: ").split(", "))
        assert {"is_logged_in", "provider", "sub", "email", "name", "groups"} <= shown
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / "oidc-signed-in.png"
        page.screenshot(path=str(shot), full_page=True)
        print(f"screenshot: {shot}")

        took = sign_out(page, signin_app.base_url)
        print(f"sign-out took {took:.2f} s")
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
        expect(page.get_by_text("Nobody is signed in.")).to_be_visible()
        expect(page.get_by_text("alice@example.org")).to_have_count(0)
        assert not [c for c in context.cookies(signin_app.base_url) if c["name"] == USER_COOKIE]
    finally:
        context.close()


def test_two_contexts_see_their_own_user(browser: Any, signin_app: AppServer) -> None:
    people = [
        ("alice@example.org", "Alice Example", ["publisher"]),
        ("bob@example.org", "Bob Example", ["reader", "editor"]),
    ]
    contexts = [_context(browser) for _ in people]
    try:
        pages = [context.new_page() for context in contexts]
        for page, (email, name, groups) in zip(pages, people, strict=True):
            took = sign_in(page, signin_app.base_url, email=email, name=name, groups=groups)
            print(f"sign-in of {email} took {took:.2f} s")
        for page, (email, name, _groups) in zip(pages, people, strict=True):
            page.reload()  # a fresh session from the cookie: still the same person
            expect(page.get_by_text(f"name: {name}")).to_be_visible()
            expect(page.get_by_text(f"email: {email}")).to_be_visible()
        expect(pages[0].get_by_text("Bob Example")).to_have_count(0)
        expect(pages[1].get_by_text("Alice Example")).to_have_count(0)
        expect(pages[1].get_by_text('groups: ["reader", "editor"]')).to_be_visible()
    finally:
        for context in contexts:
            context.close()
