"""The desk's "From an article" tab, in-process (AppTest) on a real SQLite desk store. The tab
is handed the signed-in editor the desk page found; sign-in itself is tested in Chromium
(tests/browser/test_desk.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from geo.desk.roles import Action, Editor, NotAllowedError, Role
from geo.desk.store import DeskStore, open_database
from geo.desk.workflow import Status
from tests.conftest import ROOT

SEED = ROOT.parent / "shared" / "seed-article.txt"


def _tab() -> None:
    import os
    from pathlib import Path

    from geo.desk.roles import Editor, Role
    from geo.desk.store import DeskStore, open_database
    from geo.web.article_drafts import article_tab

    roles = frozenset(Role(r) for r in os.environ["TEST_ROLES"].split(","))
    editor = Editor("alice@example.org", "Alice", roles)
    store = DeskStore(open_database(os.environ["EVENT_ATLAS_DESK"]))
    article_tab(store, editor, Path(os.environ["TEST_APP_DIR"]))


@pytest.fixture
def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> DeskStore:
    url = f"sqlite:{tmp_path / 'desk.sqlite'}"
    monkeypatch.setenv("EVENT_ATLAS_DESK", url)
    monkeypatch.setenv("TEST_APP_DIR", str(ROOT))
    monkeypatch.setenv("TEST_ROLES", "contributor")
    st.cache_data.clear()
    st.cache_resource.clear()
    return DeskStore(open_database(url))


def seed_text() -> str:
    if not SEED.exists():
        pytest.skip(f"the seed article is not here ({SEED}): the shared folder is absent")
    return SEED.read_text(encoding="utf-8")


def drafted(text: str) -> AppTest:
    at = AppTest.from_function(_tab, default_timeout=60).run()
    at.text_area(key="df_article_text").set_value(text)
    at.text_input(key="df_article_publisher").set_value("Test Wire")
    at.text_input(key="df_article_url").set_value("https://example.org/story")
    at.button(key="article_draft_go").click().run()
    assert not at.exception, at.exception
    return at


def plain(value: object) -> str:
    """Markdown as the reader sees it: the page escapes what it shows."""
    return re.sub(r"\\(.)", r"\1", str(value))


def texts(elements: object) -> list[str]:
    return [plain(e.value) for e in elements]  # type: ignore[attr-defined]


def titles(at: AppTest) -> list[str]:
    return [t for t in texts(at.markdown) if t.startswith("**")]


def test_a_pasted_article_gives_drafts_with_their_quotes(desk: DeskStore) -> None:
    text = seed_text()
    at = drafted(text)
    shown = titles(at)
    assert len(shown) >= 15, shown
    quotes = [t[2:] for t in texts(at.markdown) if t.startswith("> ")]
    assert any("throughout Sunday night around the port city of Mariupol" in q for q in quotes)
    assert all(quote in text for quote in quotes)
    assert any("Confidence: place" in c for c in texts(at.caption))
    assert desk.events() == []  # nothing saved before an accept


def test_accept_makes_a_desk_draft_by_the_editor(desk: DeskStore) -> None:
    at = drafted(
        "Fighting occurred throughout Sunday night around the port city of Mariupol.\n\n"
        "In Brussels, ministers said sanctions would follow."
    )
    accept = [b for b in at.button if b.key and b.key.startswith("article_accept_")]
    assert len(accept) == 2
    accept[0].click().run()
    assert not at.exception
    [saved] = desk.events()
    assert saved.status is Status.DRAFT and saved.updated_by == "alice@example.org"
    assert saved.event.sources[0].quote == (
        "Fighting occurred throughout Sunday night around the port city of Mariupol."
    )
    assert "draft" not in saved.event.tags
    assert len(titles(at)) == 1  # the accepted draft left the list
    # The desk page shows this line above its tabs on the next run.
    assert "a draft at the desk, attributed to you" in at.session_state["desk_flash"]
    [created] = desk.history(saved.id)
    assert (created.actor, created.action, created.comment) == (
        "alice@example.org",
        "create",
        "drafted from an article",
    )


def test_accept_and_edit_opens_the_new_desk_draft(desk: DeskStore) -> None:
    at = drafted("In Brussels, ministers said sanctions would follow.")
    [edit] = [b for b in at.button if b.key and b.key.startswith("article_edit_")]
    edit.click().run()
    [saved] = desk.events()
    assert at.session_state["desk_open_event"] == saved.id
    assert "open in the Events tab" in at.session_state["desk_flash"]


def test_merge_two_drafts_into_one_then_drop(desk: DeskStore) -> None:
    at = drafted(
        "Fighting occurred throughout Sunday night around the port city of Mariupol.\n\n"
        "In Mariupol, at least 11 people were killed, the mayor said.\n\n"
        "In Brussels, ministers said sanctions would follow."
    )
    picks = [c for c in at.checkbox if c.key and c.key.startswith("article_pick_")]
    picks[0].check()
    picks[1].check()
    at.run()
    at.button(key="article_merge").click().run()
    assert not at.exception
    assert len(titles(at)) == 2
    quotes = [t for t in texts(at.markdown) if t.startswith("> ")]
    assert sum("Mariupol" in q for q in quotes) == 2  # both sentences, one draft
    drop = [b for b in at.button if b.key and b.key.startswith("article_drop_")]
    drop[-1].click().run()
    assert len(titles(at)) == 1
    assert desk.events() == []


def test_an_empty_article_is_refused_and_typed_text_stays(desk: DeskStore) -> None:
    at = drafted("   ")
    assert any("the article is empty" in e for e in texts(at.error))
    assert titles(at) == []
    assert at.text_input(key="df_article_publisher").value == "Test Wire"


def test_a_bad_link_is_refused_in_words(desk: DeskStore) -> None:
    at = AppTest.from_function(_tab, default_timeout=60).run()
    at.text_area(key="df_article_text").set_value("In Brussels, ministers met.")
    at.text_input(key="df_article_publisher").set_value("Test Wire")
    at.text_input(key="df_article_url").set_value("javascript:alert(1)")
    at.button(key="article_draft_go").click().run()
    assert any("The link is refused" in e for e in texts(at.error))


def test_a_role_that_may_not_draft_gets_no_tab_and_the_store_refuses(
    desk: DeskStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_ROLES", "verifier")
    at = AppTest.from_function(_tab, default_timeout=60).run()
    assert not at.text_area and not at.button
    assert any("needs the contributor role" in c for c in texts(at.caption))
    # A crafted call past the page: the store checks the role itself.
    from geo.draft.review import accepted_event
    from geo.loader import load_events

    verifier = Editor("vera@example.org", "Vera", frozenset({Role.VERIFIER}))
    assert not verifier.may(Action.EDIT)
    event = accepted_event(load_events(ROOT / "data" / "events.yaml").events[0], [])
    with pytest.raises(NotAllowedError):
        desk.create(verifier, event)
    assert desk.events() == []
