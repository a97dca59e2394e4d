"""The desk's "From an article" tab, in-process (AppTest) on a real SQLite desk store. The tab
is handed the signed-in editor the desk page found; sign-in itself is tested in Chromium
(tests/browser/test_desk.py)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from geo.desk.roles import Action, Editor, NotAllowedError, Role
from geo.desk.store import DeskStore, open_database
from geo.desk.workflow import Status
from tests.conftest import ROOT

SEED = ROOT.parent / "shared" / "seed-article.txt"
MARIUPOL = "Fighting occurred throughout Sunday night around the port city of Mariupol."
TOLL = "In Mariupol, at least 11 people were killed, the mayor said."
BRUSSELS = "In Brussels, ministers said sanctions would follow."


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


def _desk_tabs() -> None:
    """The desk's tabs as desk_page draws them for a signed-in editor with these roles."""
    import os
    from pathlib import Path

    from geo.desk.roles import Editor, Role
    from geo.desk.store import DeskStore, open_database
    from geo.web.desk import _tabs

    roles = frozenset(Role(r) for r in os.environ["TEST_ROLES"].split(","))
    editor = Editor("alice@example.org", "Alice", roles)
    store = DeskStore(open_database(os.environ["EVENT_ATLAS_DESK"]))
    _tabs(store, editor, Path(os.environ["TEST_APP_DIR"]))


def _crafted_calls() -> None:
    """A verifier's session holding drafts (as a contributor's would) that calls every handler
    of the tab directly, past the page that never showed them the tab."""
    import datetime as dt
    import os

    import streamlit as st

    from geo.desk.roles import Editor, Role
    from geo.desk.store import DeskStore, open_database
    from geo.draft import Article, draft_article
    from geo.web import article_drafts as ad
    from geo.web import page

    vera = Editor("vera@example.org", "Vera", frozenset({Role.VERIFIER}))
    store = DeskStore(open_database(os.environ["EVENT_ATLAS_DESK"]))
    text = (
        "Fighting occurred throughout Sunday night around the port city of Mariupol.\n\n"
        "In Brussels, ministers said sanctions would follow."
    )
    if ad.K_PENDING not in st.session_state:
        article = Article(text, dt.date(2022, 2, 28), "Test Wire")
        drafts = draft_article(article, page.gazetteer())
        st.session_state[ad.K_PENDING] = [ad.pending_of(d) for d in drafts]
    st.session_state[ad.K_TEXT] = text
    st.session_state[ad.K_PUBLISHER] = "Test Wire"
    ids = [p.event.id for p in st.session_state[ad.K_PENDING]]
    ad.make_drafts(vera)
    ad.accept_draft(store, vera, ids[0], open_after=False)
    ad.accept_draft(store, vera, ids[0], open_after=True)
    ad.merge_picked(vera, ids)
    ad.drop_draft(vera, ids[0])


@pytest.fixture
def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[DeskStore]:
    url = f"sqlite:{tmp_path / 'desk.sqlite'}"
    monkeypatch.setenv("EVENT_ATLAS_DESK", url)
    monkeypatch.setenv("TEST_APP_DIR", str(ROOT))
    monkeypatch.setenv("TEST_ROLES", "contributor")
    st.cache_data.clear()
    st.cache_resource.clear()
    yield DeskStore(open_database(url))
    st.cache_data.clear()
    st.cache_resource.clear()


def seed_text() -> str:
    if not SEED.exists():
        pytest.skip(f"the seed article is not here ({SEED}): the shared folder is absent")
    return SEED.read_text(encoding="utf-8")


def drafted(text: str) -> AppTest:
    at = AppTest.from_function(_tab, default_timeout=60).run()
    at.date_input(key="df_article_date").set_value(dt.date(2022, 2, 28))
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
    counted = [c for c in texts(at.caption) if re.match(r"\d+ drafts", c)]
    assert counted and counted[0].startswith(f"{len(shown)} drafts"), counted
    quotes = [t[2:] for t in texts(at.markdown) if t.startswith("> ")]
    assert any("throughout Sunday night around the port city of Mariupol" in q for q in quotes)
    assert all(quote in text for quote in quotes)  # verbatim
    captions = texts(at.caption)
    assert sum("Confidence: place" in c for c in captions) == len(shown)
    assert any("1 · exact town" in c for c in captions)  # the place with its precision
    assert any(c.startswith("Note: ") for c in captions)
    assert any("killed: " in t for t in texts(at.markdown))  # figures with their claimants
    assert desk.events() == []  # nothing saved before an accept


def test_accept_makes_a_desk_draft_by_the_editor(desk: DeskStore) -> None:
    at = drafted(f"{MARIUPOL}\n\n{BRUSSELS}")
    accept = [b for b in at.button if b.key and b.key.startswith("article_accept_")]
    assert len(accept) == 2
    accept[0].click().run()
    assert not at.exception
    [saved] = desk.events()
    assert saved.status is Status.DRAFT and saved.updated_by == "alice@example.org"
    assert [s.quote for s in saved.event.sources] == [MARIUPOL]
    assert saved.event.sources[0].publisher == "Test Wire"
    assert not saved.id.startswith("draft-")  # an id of its own at the desk
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
    at = drafted(BRUSSELS)
    [edit] = [b for b in at.button if b.key and b.key.startswith("article_edit_")]
    edit.click().run()
    [saved] = desk.events()
    assert at.session_state["desk_open_event"] == saved.id
    assert at.session_state["desk_tab_next"] == "Events"  # the desk shows it there next
    assert "open here to edit" in at.session_state["desk_flash"]
    assert titles(at) == []


def test_merge_two_drafts_into_one_then_drop_and_accept(desk: DeskStore) -> None:
    at = drafted(f"{MARIUPOL}\n\n{TOLL}\n\n{BRUSSELS}")
    assert len(titles(at)) == 3
    assert at.button(key="article_merge").disabled  # nothing picked yet
    picks = [c for c in at.checkbox if c.key and c.key.startswith("article_pick_")]
    picks[0].check()
    picks[1].check()
    at.run()
    at.button(key="article_merge").click().run()
    assert not at.exception
    assert len(titles(at)) == 2
    assert "2 drafts merged into one" in at.session_state["desk_flash"]
    quotes = [t[2:] for t in texts(at.markdown) if t.startswith("> ")]
    assert quotes == [MARIUPOL, TOLL, BRUSSELS]  # both sentences, in one draft
    assert any(c.startswith("Note: merged from 2 drafts") for c in texts(at.caption))
    assert not any(c.value for c in at.checkbox)  # the merged draft starts unpicked
    drop = [b for b in at.button if b.key and b.key.startswith("article_drop_")]
    drop[-1].click().run()
    assert len(titles(at)) == 1
    assert "dropped" in at.session_state["desk_flash"]
    assert not any(BRUSSELS in t for t in texts(at.markdown))
    assert desk.events() == []  # neither a merge nor a drop saves anything
    [accept] = [b for b in at.button if b.key and b.key.startswith("article_accept_")]
    accept.click().run()
    [saved] = desk.events()
    assert [s.quote for s in saved.event.sources] == [MARIUPOL, TOLL]
    assert [f.value for f in saved.event.fatalities] == [11]
    assert saved.event.time_precision == "range" and saved.updated_by == "alice@example.org"
    assert titles(at) == []


def test_an_empty_article_is_refused_and_typed_text_stays(desk: DeskStore) -> None:
    at = drafted("   ")
    assert texts(at.error) == ["Nothing drafted: the article is empty; paste or give its text"]
    assert titles(at) == []
    assert at.text_input(key="df_article_publisher").value == "Test Wire"
    assert at.text_input(key="df_article_url").value == "https://example.org/story"
    assert desk.events() == []


def test_without_the_article_date_nothing_is_drafted(desk: DeskStore) -> None:
    """Relative dates are read from it: it has no default (today would misdate an older
    article's events), and a missing one is asked for."""
    at = AppTest.from_function(_tab, default_timeout=60).run()
    assert at.date_input(key="df_article_date").value is None
    at.text_area(key="df_article_text").set_value(BRUSSELS)
    at.text_input(key="df_article_publisher").set_value("Test Wire")
    at.button(key="article_draft_go").click().run()
    assert any("give the article's date first" in e for e in texts(at.error))
    assert at.text_area(key="df_article_text").value == BRUSSELS
    assert titles(at) == [] and desk.events() == []


def test_a_missing_publisher_is_refused_and_the_article_stays(desk: DeskStore) -> None:
    at = AppTest.from_function(_tab, default_timeout=60).run()
    at.date_input(key="df_article_date").set_value(dt.date(2022, 2, 28))
    at.text_area(key="df_article_text").set_value(BRUSSELS)
    at.button(key="article_draft_go").click().run()
    assert any("give the publisher" in e for e in texts(at.error))
    assert at.text_area(key="df_article_text").value == BRUSSELS
    assert titles(at) == [] and desk.events() == []


def test_a_bad_link_is_refused_in_words(desk: DeskStore) -> None:
    at = AppTest.from_function(_tab, default_timeout=60).run()
    at.date_input(key="df_article_date").set_value(dt.date(2022, 2, 28))
    at.text_area(key="df_article_text").set_value("In Brussels, ministers met.")
    at.text_input(key="df_article_publisher").set_value("Test Wire")
    at.text_input(key="df_article_url").set_value("javascript:alert(1)")
    at.button(key="article_draft_go").click().run()
    assert any("The link is refused" in e for e in texts(at.error))
    assert titles(at) == []


def tab_labels(at: AppTest) -> list[str]:
    return [t.label for t in at.tabs]


def seeded(desk: DeskStore) -> None:
    """As the app starts a new desk: the events file published (the Import and export tab
    merges the published set into it)."""
    from geo.loader import load_events

    desk.seed_published(load_events(ROOT / "data" / "events.yaml").events, "events.yaml")


def test_the_tab_is_there_for_a_contributor(desk: DeskStore) -> None:
    seeded(desk)
    at = AppTest.from_function(_desk_tabs, default_timeout=60).run()
    assert not at.exception, at.exception
    assert "From an article" in tab_labels(at)
    assert at.button(key="article_draft_go")


def test_a_role_that_may_not_draft_gets_no_tab_and_crafted_calls_are_refused(
    desk: DeskStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeded(desk)
    before = {e.id: e.version for e in desk.events()}
    monkeypatch.setenv("TEST_ROLES", "verifier,publisher")
    at = AppTest.from_function(_desk_tabs, default_timeout=60).run()
    assert not at.exception, at.exception
    labels = tab_labels(at)
    assert "Events" in labels and "From an article" not in labels
    assert not [b for b in at.button if b.key and b.key.startswith("article_")]
    # The tab itself, drawn anyway, offers nothing.
    at = AppTest.from_function(_tab, default_timeout=60).run()
    assert not at.text_area and not at.button
    assert any("needs the contributor role" in c for c in texts(at.caption))
    # Every handler, called past the page, refuses in words and changes nothing.
    at = AppTest.from_function(_crafted_calls, default_timeout=60).run()
    assert not at.exception, at.exception
    assert texts(at.error) == ["Drafting events from an article needs the contributor role."] * 5
    assert len(at.session_state["article_drafts"]) == 2  # neither merged nor dropped
    assert "desk_flash" not in at.session_state and "desk_open_event" not in at.session_state
    assert {e.id: e.version for e in desk.events()} == before
    # And the store checks the role again on its own.
    from geo.draft.review import accepted_event

    verifier = Editor("vera@example.org", "Vera", frozenset({Role.VERIFIER}))
    assert not verifier.may(Action.EDIT)
    event = accepted_event(at.session_state["article_drafts"][0].event, [])
    with pytest.raises(NotAllowedError):
        desk.create(verifier, event)
    assert {e.id: e.version for e in desk.events()} == before
