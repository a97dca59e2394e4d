"""The desk as readers and signed-out visitors meet it (in-process AppTest). Signed-in editing
is tested in Chromium against a real OIDC provider: tests/browser/test_desk.py."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from geo.desk.form import FORM_FILE, checked_event, form_data, form_values, locate, new_event_id
from geo.desk.roles import Editor, Role, roles_from_groups
from geo.desk.store import DeskStore, open_database
from geo.desk.workflow import Move
from geo.errors import DataFileError
from geo.gazetteer import Gazetteer
from tests.conftest import ROOT, SHIPPED_EVENTS

APP = str(ROOT / "app.py")
ALICE = Editor("alice@example.org", "Alice", frozenset({Role.CONTRIBUTOR}))
VERA = Editor("vera@example.org", "Vera", frozenset({Role.VERIFIER}))
PAT = Editor("pat@example.org", "Pat", frozenset({Role.PUBLISHER}))


@pytest.fixture
def desk_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:{tmp_path / 'desk.sqlite'}"
    monkeypatch.setenv("EVENT_ATLAS_DESK", url)
    monkeypatch.delenv("EVENT_ATLAS_EVENTS", raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield url
    st.cache_data.clear()
    st.cache_resource.clear()


def shown(at: AppTest) -> tuple[int, int]:
    text = next(m.value for m in at.markdown if "events shown" in m.value)
    found = re.search(r"([\d,]+) of ([\d,]+) events shown", text)
    assert found is not None
    return int(found[1].replace(",", "")), int(found[2].replace(",", ""))


def test_a_new_desk_starts_from_the_events_file_published_and_readers_see_it(
    desk_url: str,
) -> None:
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, at.exception
    from geo.loader import load_events

    shipped = len(load_events(SHIPPED_EVENTS).events)
    assert shown(at) == (shipped, shipped)
    store = DeskStore(open_database(desk_url))
    assert len(store.published_events()) == shipped
    first = store.history(store.published_events()[0].id)[0]
    assert first.action == "seed" and "events.yaml" in first.comment


def test_readers_see_a_publish_and_never_a_draft(desk_url: str) -> None:
    at = AppTest.from_file(APP, default_timeout=60).run()
    before = shown(at)[1]
    store = DeskStore(open_database(desk_url))
    template = store.published_events()[0].model_dump(mode="json", exclude_none=True)
    template.update(id="desk-new-event", title="A new event from the desk")
    draft = store.create(ALICE, checked_event(template))
    st.cache_data.clear()  # the publication mark is polled every 1.5 s; do not wait for it
    at.run()
    assert shown(at)[1] == before
    submitted = store.move(ALICE, draft.id, Move.SUBMIT, draft.version)
    verified = store.move(VERA, draft.id, Move.VERIFY, submitted.version)
    store.move(PAT, draft.id, Move.PUBLISH, verified.version)
    st.cache_data.clear()
    at.run()
    assert not at.exception, at.exception
    assert shown(at)[1] == before + 1


def _desk_only() -> None:
    from pathlib import Path

    from geo.web.desk import desk_page

    desk_page(Path(__file__).resolve().parent)


def test_a_desk_first_opened_by_an_editor_starts_from_the_events_file_too(
    desk_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whichever page opens a new desk first: an editor's first draft must not keep the file's
    events from ever being published (they were seeded only by the map page before)."""
    monkeypatch.setenv("EVENT_ATLAS_EVENTS", str(SHIPPED_EVENTS))
    at = AppTest.from_function(_desk_only, default_timeout=60).run()
    assert not at.exception, at.exception
    from geo.loader import load_events

    store = DeskStore(open_database(desk_url))
    assert len(store.published_events()) == len(load_events(SHIPPED_EVENTS).events)


def test_signed_out_the_desk_offers_sign_in_or_says_it_is_not_configured(desk_url: str) -> None:
    at = AppTest.from_function(_desk_only, default_timeout=60).run()
    assert not at.exception, at.exception
    assert any("Readers need no account" in i.value for i in at.info)
    assert any("Sign-in is not configured" in w.value for w in at.warning)
    assert not at.text_input  # no form for anyone signed out


def test_a_desk_page_without_a_desk_says_how_to_configure_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("EVENT_ATLAS_DESK", raising=False)
    at = AppTest.from_function(_desk_only, default_timeout=60).run()
    assert not at.exception, at.exception
    assert any("EVENT_ATLAS_DESK" in i.value for i in at.info)


def test_without_a_desk_the_map_shows_the_events_file_and_there_is_no_desk_page(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("EVENT_ATLAS_DESK", raising=False)
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert shown(at)[0] > 0


def test_the_form_turns_typed_values_into_an_event_and_back() -> None:
    data = {
        "id": "kharkiv-shelling",
        "title": "Shelling of Kharkiv",
        "event_type": "shelling",
        "date": "2022-02-28",
        "place": {
            "name": "Kharkiv",
            "country": "UA",
            "latitude": 49.99,
            "longitude": 36.23,
            "geo_precision": 1,
        },
        "fatalities": [{"value": 7, "qualifier": "at least", "claimed_by": "governor"}],
        "sources": [{"publisher": "Wire", "date": "2022-02-28", "quote": "Seven died."}],
        "labels": {"sub_event_type": "Shelling/artillery/missile attack"},
        "tags": ["kharkiv"],
    }
    values = form_values(data)
    back = form_data(values, keep=data)
    event = checked_event(back)
    assert event.fatalities[0].qualifier == "at least"
    assert event.labels == data["labels"]  # fields the form does not show are kept
    assert event.place.latitude == 49.99
    values["latitude"] = "north"
    with pytest.raises(DataFileError) as refused:
        form_data(values, keep=data)
    assert refused.value.problems[0].field == "place.latitude"
    assert refused.value.problems[0].file == FORM_FILE


def test_a_source_without_its_quote_is_refused_with_the_loader_message() -> None:
    values = form_values(None)
    values.update(
        title="Strike",
        event_type="air_strike",
        date=dt.date(2022, 2, 28),
        place_name="Kyiv",
        latitude="50.45",
        longitude="30.52",
        sources=[{"publisher": "Wire", "url": "", "date": "2022-02-28", "quote": ""}],
        id="strike",
    )
    with pytest.raises(DataFileError) as refused:
        checked_event(form_data(values))
    assert [(p.field, p.message) for p in refused.value.problems] == [
        ("sources[0].quote", "empty: fill it in")
    ]


def test_the_place_name_is_found_in_the_offline_gazetteer() -> None:
    located = locate("Kharkiv", "UA", Gazetteer())
    assert abs(located.latitude - 49.98) < 0.1 and abs(located.longitude - 36.25) < 0.1
    assert located.country == "UA"
    with pytest.raises(DataFileError, match="not in the offline gazetteer"):
        locate("Qqqxyzzy Town", "", Gazetteer())


def test_new_ids_are_readable_and_unique() -> None:
    date = dt.date(2022, 2, 28)
    assert new_event_id("Shelling of Kharkiv!", date, []) == "2022-02-28-shelling-of-kharkiv"
    assert new_event_id("Shelling of Kharkiv", date, ["2022-02-28-shelling-of-kharkiv"]) == (
        "2022-02-28-shelling-of-kharkiv-2"
    )


def test_roles_come_from_group_names_with_an_optional_prefix() -> None:
    assert roles_from_groups(["publisher", "staff"]) == {Role.PUBLISHER}
    assert roles_from_groups(["atlas-Verifier", "verifier"], prefix="atlas-") == {Role.VERIFIER}
    assert roles_from_groups(["admins"]) == frozenset()
    # With a prefix, only the desk's own groups count: a provider's plain "admin" gives nothing.
    assert roles_from_groups(["admin", "publisher"], prefix="atlas-") == frozenset()
    assert roles_from_groups(["ATLAS-admin"], prefix="atlas-") == {Role.ADMIN}


def test_the_events_table_says_in_words_what_readers_see() -> None:
    """Not a boolean column (drawn as checkboxes that look editable)."""
    import datetime as dt

    from geo.desk.store import DeskEvent
    from geo.desk.workflow import Status
    from geo.web.desk import _readers_see

    def event(data: dict[str, str], published: dict[str, str] | None) -> DeskEvent:
        at = dt.datetime(2022, 2, 28, tzinfo=dt.UTC)
        return DeskEvent("e", 2, Status.DRAFT, data, "a@example.org", at, published, None)

    assert _readers_see(event({"title": "A"}, None)) == "nothing yet"
    assert _readers_see(event({"title": "A"}, {"title": "A"})) == "this version"
    assert _readers_see(event({"title": "B"}, {"title": "A"})) == "an older version"


def test_an_imported_event_s_source_without_a_quote_saves_but_a_typed_one_needs_its_words():
    from geo.desk.form import checked_event, form_data, form_values

    data = {
        "id": "UKR1001",
        "title": "Shelling: Kharkiv",
        "event_type": "shelling",
        "date": "2022-02-28",
        "place": {
            "name": "Kharkiv",
            "country": "UA",
            "latitude": 49.99,
            "longitude": 36.23,
            "geo_precision": 1,
        },
        "sources": [{"publisher": "Ukrinform", "date": "2022-02-28"}],
        "origin": {"format": "acled", "file": "acled.csv", "row": 2},
    }
    event = checked_event(form_data(form_values(data), keep=data))
    assert event.sources[0].quote is None and event.id == "UKR1001"
    typed = {key: value for key, value in data.items() if key != "origin"}
    with pytest.raises(DataFileError) as refused:
        checked_event(form_data(form_values(typed), keep=typed))
    assert refused.value.problems[0].field == "sources[0].quote"
