"""Editing at the desk in Chromium, as a newsroom does it: editors signed in by a sign-in
proxy's headers on one SQLite desk.

- Nothing typed is lost: every field typed, rows of sources, figures and actors added, moved
  and removed, a refused save; every value checked after each step and in what is saved.
- Two editors on one event: what only one of them changed survives the other's save; a field
  both changed is shown side by side ("yours / theirs / before") and chosen per field.
- The two-person rule: the author of a change cannot verify it; an admin's override is recorded.
- Places as a newsroom types them: Odesa is Odesa, Ukraine; "Odesa, Texas" is in Texas; a name
  several villages share gets a pick list beside the field, which is marked.
- The events table opens an event on a click; the type picker speaks in labels.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from geo.desk.roles import Editor, Role
from geo.desk.store import DeskStore
from geo.desk.workflow import Move, Status
from geo.serve import AppServer
from tests.browser.conftest import (
    ARTIFACTS,
    FIRST_RENDER_TIMEOUT_MS,
    VIEWPORT,
    ScriptRuns,
    as_shown,
    seeded_desk,
)
from tests.oidc import APP_IDLE

pytestmark = pytest.mark.browser

ADA = Editor("ada@example.org", "Ada", frozenset({Role.ADMIN}))
VIC = Editor("vic@example.org", "Vic", frozenset({Role.VERIFIER, Role.PUBLISHER}))


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AppServer, DeskStore]]:
    with seeded_desk(tmp_path_factory.mktemp("desk-editing"), "desk-editing") as (server, store):
        yield server, store


def watched_page(context: Any) -> Any:
    """A new page whose script runs are counted from its websocket (`press`)."""
    page = context.new_page()
    _RUNS[id(page)] = ScriptRuns(page)
    return page


def editor_page(browser: Any, server: AppServer, email: str, groups: str) -> Any:
    """A browser signed in as `email` by the proxy's headers, on the desk."""
    from playwright.sync_api import expect

    name = email.split("@")[0].title()
    context = browser.new_context(
        viewport=VIEWPORT,
        extra_http_headers={
            "X-Forwarded-Email": email,
            "X-Forwarded-User": name,
            "X-Forwarded-Groups": groups,
        },
    )
    context.set_default_timeout(30_000)
    page = watched_page(context)
    page.goto(f"{server.base_url}/desk", timeout=FIRST_RENDER_TIMEOUT_MS)
    expect(page.get_by_text(as_shown(f"Signed in as {name} <{email}>"))).to_be_visible(
        timeout=FIRST_RENDER_TIMEOUT_MS
    )
    return page


def idle(page: Any) -> None:
    """Wait until the page's last run has finished."""
    page.locator(APP_IDLE).wait_for(timeout=FIRST_RENDER_TIMEOUT_MS)


def field(page: Any, label: str) -> Any:
    """The field of that label on the tab in view (every tab's form is on the page)."""
    return page.get_by_label(label, exact=True).filter(visible=True).first


def fill(page: Any, label: str, text: str) -> None:
    field(page, label).fill(text)


def choose(page: Any, label: str, option: str) -> None:
    """Open a select box and pick an option. Right after the date field was used, the first
    click on a select box only takes the focus: click again, as a person would."""
    listed = page.get_by_role("option", name=option, exact=True)
    for _ in range(3):
        field(page, label).click()
        try:
            listed.wait_for(timeout=2_000)
            break
        except Exception:
            continue
    listed.click()


def type_date(page: Any, label: str, digits: str) -> None:
    """A segmented date field (year, month, day), typed into as a person types."""
    field(page, label).locator('[role="spinbutton"]').first.click()
    page.keyboard.type(digits)
    # Its calendar stays open over the fields below: a click beside it closes it.
    page.get_by_role("heading", name="Desk").click()


# The script runs of each page made by `watched_page`, by id(page).
_RUNS: dict[int, ScriptRuns] = {}
# A run, once asked for, may take long on a loaded machine: it is waited for, never clicked again.
_RUN_MS = 180_000


def press(page: Any, name: str) -> None:
    """Click a button and wait until the run it started has ended."""
    _RUNS[id(page)].click_and_wait(page.get_by_role("button", name=name, exact=True), _RUN_MS)


def open_event(page: Any, title: str) -> None:
    page.get_by_role("tab", name="Events").click()
    page.get_by_role("combobox", name="Open an event").click()
    page.get_by_role("option", name=re.compile(re.escape(title))).click()
    idle(page)


def values(page: Any, labels: dict[str, str]) -> dict[str, str]:
    return {label: field(page, label).input_value() for label in labels}


def assert_beside(widget: Any, message: Any) -> None:
    """The message starts just under the widget, at its left edge."""
    box, note = widget.bounding_box(), message.bounding_box()
    assert box is not None and note is not None
    gap = note["y"] - (box["y"] + box["height"])
    assert 0 <= gap < 60 and abs(note["x"] - box["x"]) < 60, (box, note)


def assert_marked(widget: Any) -> None:
    """A red frame around the field (on its box, which holds the input)."""
    frame = widget.locator("xpath=..")
    style = frame.evaluate("e => getComputedStyle(e).outline")
    assert "solid" in style and "rgb(214, 40, 43)" in style, style


def selected(page: Any, label: str) -> str:
    """The option a select box shows."""
    return str(field(page, label).input_value())


# --------------------------------------------------------------------------- nothing lost


def test_every_typed_value_survives_adding_moving_and_removing_rows_and_a_refused_save(
    desk: tuple[AppServer, DeskStore], browser: Any
) -> None:
    from playwright.sync_api import expect

    server, store = desk
    page = editor_page(browser, server, "nina@example.org", "contributor")
    page.get_by_role("tab", name="New event").click()
    # The type picker speaks in labels, not slugs.
    field(page, "Type").click()
    expect(page.get_by_role("option", name="✈ Air or drone strike")).to_be_visible()
    expect(page.get_by_role("option", name=re.compile("air_strike"))).to_have_count(0)
    page.get_by_role("option", name="✈ Air or drone strike").click()
    typed = {
        "Id (optional: made from the date and title)": "nina-odesa-strike",
        "Title": "Drone strike on Odesa port",
        "Place (found in the offline gazetteer on save)": "Odesa",
        "Source 1: publisher": "Wire A",
        "Source 1: link (optional)": "https://example.org/a",
        "Source 1: date": "2022-03-02",
        "Source 1: exact quote": "A drone hit the port of Odesa on Wednesday.",
        "Figure 1: number": "2",
        "Figure 1: claimed by": "Regional governor",
        "Figure 1: note (optional)": "port workers",
        "Summary": "Two port workers were killed, the governor said.",
        "Tags (comma-separated)": "port, drones",
        "Actor 1": "Russian forces",
        "Comment for the record: what changed and why": "first draft",
    }
    for label, text in typed.items():
        fill(page, label, text)
    type_date(page, "Date", "20220302")
    choose(page, "Date precision", "range")
    type_date(page, "Last day (for a range)", "20220303")
    fill(page, "Country (ISO code)", "UA")
    choose(page, "Location precision", "2 · near a town / part of a region")
    choose(page, "Figure 1: qualifier", "at least")

    press(page, "Add a source")
    second_source = {
        "Source 2: publisher": "Paper B",
        "Source 2: date": "2022-03-03",
        "Source 2: exact quote": "Two workers died at the port, officials said.",
    }
    for label, text in second_source.items():
        fill(page, label, text)
    press(page, "Add a figure")
    choose(page, "Figure 2", "Injured")
    fill(page, "Figure 2: number", "5")
    fill(page, "Figure 2: claimed by", "Port authority")
    press(page, "Add an actor")
    fill(page, "Actor 2", "Ukrainian Air Force, South command")
    # Every value is still there after each press, typed or chosen.
    expect(field(page, "Title")).to_have_value(typed["Title"])
    assert values(page, typed) == typed
    assert values(page, second_source) == second_source
    assert selected(page, "Type") == "✈ Air or drone strike"
    assert selected(page, "Date precision") == "range"
    assert selected(page, "Location precision") == "2 · near a town / part of a region"
    assert field(page, "Country (ISO code)").input_value() == "UA"
    expect(field(page, "Last day (for a range)")).to_contain_text("03")
    assert selected(page, "Figure 1: qualifier") == "at least"
    assert selected(page, "Figure 2") == "Injured"

    # Move the second source up: the rows swap whole.
    press(page, "Move source 2 up")
    assert field(page, "Source 1: publisher").input_value() == "Paper B"
    assert field(page, "Source 2: publisher").input_value() == "Wire A"
    assert field(page, "Source 2: exact quote").input_value() == typed["Source 1: exact quote"]
    # Remove the first figure: the injured one becomes figure 1, with its values.
    press(page, "Remove figure 1")
    assert selected(page, "Figure 1") == "Injured"
    assert field(page, "Figure 1: number").input_value() == "5"
    assert field(page, "Figure 1: claimed by").input_value() == "Port authority"
    expect(page.get_by_label("Figure 2: number", exact=True)).to_have_count(0)
    press(page, "Add a figure")
    fill(page, "Figure 2: number", "2")  # killed, but no claimant yet: refused below
    page.screenshot(path=str(ARTIFACTS / "desk-form-rows.png"), full_page=True)

    press(page, "Save draft")
    expect(page.get_by_text(re.compile(r"Not saved: fix the 1 field marked below"))).to_be_visible()
    by_the_button = page.get_by_text(re.compile(r"Not saved: fix Figure 2: claimed by \(marked"))
    expect(by_the_button).to_be_visible()
    # The message sits under the field it concerns, and the field is marked.
    message = page.get_by_text("Empty: fill it in")
    expect(message).to_be_visible()
    assert_beside(field(page, "Figure 2: claimed by"), message)
    assert_marked(field(page, "Figure 2: claimed by"))
    for label, text in {**typed, **second_source}.items():
        if label.startswith(("Source 1", "Source 2", "Figure")):
            continue  # moved or removed above
        assert field(page, label).input_value() == text, label
    assert field(page, "Source 1: publisher").input_value() == "Paper B"
    page.screenshot(path=str(ARTIFACTS / "desk-form-refused.png"), full_page=True)
    fill(page, "Figure 2: claimed by", "Regional governor")
    press(page, "Save draft")
    expect(page.get_by_text("Saved 'Drone strike on Odesa port' as a draft")).to_be_visible()

    saved = store.get("nina-odesa-strike")
    assert saved is not None and saved.updated_by == "nina@example.org"
    data = saved.data
    assert data["event_type"] == "air_strike" and data["date"] == "2022-03-02"
    assert (data["time_precision"], data["date_end"]) == ("range", "2022-03-03")
    assert [s["publisher"] for s in data["sources"]] == ["Paper B", "Wire A"]
    assert data["sources"][1] == {
        "publisher": "Wire A",
        "url": "https://example.org/a",
        "date": "2022-03-02",
        "quote": "A drone hit the port of Odesa on Wednesday.",
    }
    assert data["injured"] == [{"value": 5, "claimed_by": "Port authority"}]
    assert data["fatalities"] == [{"value": 2, "claimed_by": "Regional governor"}]
    assert data["actors"] == ["Russian forces", "Ukrainian Air Force, South command"]
    assert data["tags"] == ["port", "drones"]
    # "Odesa" alone, on a desk whose events are in Ukraine: Odesa, Ukraine.
    place = data["place"]
    assert place["country"] == "UA"
    assert abs(place["latitude"] - 46.48) < 0.05 and abs(place["longitude"] - 30.73) < 0.05
    assert place["geo_precision"] == 2  # as the editor chose, not the town's 1
    # After the save the new event is open in the Events tab.
    expect(page.get_by_role("tab", name="Events", selected=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Drone strike on Odesa port")).to_be_visible()


# --------------------------------------------------------------------------- two editors


def seeded_event(store: DeskStore, event_id: str, title: str) -> int:
    """A published event with an injured count of 2 (the other editor's figure to correct)."""
    template = store.published_events()[0]
    event = template.model_copy(
        update={
            "id": event_id,
            "title": title,
            "summary": "The first summary.",
            "injured": [template.fatalities[0].model_copy(update={"value": 2})],
            "fatalities": [],
            "geometry": None,
        }
    )
    version = store.create(ADA, event).version
    version = store.move(ADA, event_id, Move.SUBMIT, version).version
    version = store.move(VIC, event_id, Move.VERIFY, version).version
    return store.move(VIC, event_id, Move.PUBLISH, version).version


def alice_corrects_with_bob_on_it(
    desk: tuple[AppServer, DeskStore], browser: Any, event_id: str, title: str
) -> Any:
    """A published event open in two editors' pages; Alice corrects its title ("<title>,
    corrected") and its injured count (2 to 3) and saves; Bob's page still holds the version
    both opened: his page is returned."""
    from playwright.sync_api import expect

    server, store = desk
    seeded_event(store, event_id, title)
    alice = editor_page(browser, server, "alice@example.org", "contributor")
    bob = editor_page(browser, server, "bob@example.org", "contributor")
    open_event(alice, title)
    open_event(bob, title)
    fill(alice, "Title", f"{title}, corrected")
    fill(alice, "Figure 1: number", "3")
    press(alice, "Save as a new draft version")
    expect(alice.get_by_text(f"Saved '{title}, corrected'", exact=False)).to_be_visible()
    return bob


def test_two_editors_changes_merge_by_field_and_both_survive(
    desk: tuple[AppServer, DeskStore], browser: Any
) -> None:
    """Editor A corrects the title and the injured count; editor B, who opened the same
    version, rewrites the summary. B's save keeps A's corrections; the history shows both."""
    from playwright.sync_api import expect

    _, store = desk
    bob = alice_corrects_with_bob_on_it(
        desk, browser, "desk-merge-scenario", "Desk test: the merge scenario"
    )

    fill(bob, "Summary", "Bob's rewritten summary.")
    press(bob, "Save as a new draft version")
    expect(bob.get_by_text(re.compile(r"It was merged with version \d+ by Alice"))).to_be_visible()
    stored = store.get("desk-merge-scenario")
    assert stored is not None
    assert stored.title == "Desk test: the merge scenario, corrected"
    assert stored.data["injured"][0]["value"] == 3
    assert stored.data["summary"] == "Bob's rewritten summary."
    # Bob's form now shows the merged version: Alice's title, his summary.
    expect(field(bob, "Title")).to_have_value("Desk test: the merge scenario, corrected")
    expect(field(bob, "Figure 1: number")).to_have_value("3")
    expect(field(bob, "Summary")).to_have_value("Bob's rewritten summary.")

    history = store.history("desk-merge-scenario")
    assert [(r.actor, [c.field for c in r.changes]) for r in history[:2]] == [
        ("bob@example.org", ["summary"]),
        ("alice@example.org", ["title", "injured[0].value"]),
    ]
    # The History tab names the fields as the form does.
    bob.get_by_role("tab", name="History").click()
    expect(bob.get_by_text(as_shown("edit by Bob (bob@example.org)"))).to_be_visible()
    expect(bob.get_by_text(as_shown("edit by Alice (alice@example.org)"))).to_be_visible()
    bob.get_by_text(as_shown("edit by Alice (alice@example.org)")).click()
    table = bob.get_by_test_id("stDataFrame").filter(has_text="Injured, figure 1: number")
    expect(table.first).to_be_visible()
    bob.screenshot(path=str(ARTIFACTS / "desk-merge-history.png"), full_page=True)


def test_a_field_both_editors_changed_is_shown_side_by_side_and_chosen(
    desk: tuple[AppServer, DeskStore], browser: Any
) -> None:
    from playwright.sync_api import expect

    _, store = desk
    title = "Desk test: both change the title"
    bob = alice_corrects_with_bob_on_it(desk, browser, "desk-both-title", title)

    fill(bob, "Title", "Bob's title")
    fill(bob, "Summary", "Bob's summary.")
    press(bob, "Save as a new draft version")
    panel = bob.locator(".st-key-df_desk-both-title_conflict_title")
    expect(panel).to_be_visible()
    expect(
        bob.get_by_text(re.compile(r"Their changes to Injured, figure 1 are merged in"))
    ).to_be_visible()
    expect(panel.get_by_text("Title", exact=True)).to_be_visible()
    expect(panel.get_by_text("Bob's title", exact=True)).to_be_visible()  # yours
    expect(
        panel.get_by_text("Desk test: both change the title, corrected", exact=True)
    ).to_be_visible()  # theirs
    expect(panel.get_by_text(title, exact=True)).to_be_visible()  # before
    # Nothing typed is lost meanwhile, and nothing was saved.
    expect(field(bob, "Title")).to_have_value("Bob's title")
    expect(field(bob, "Summary")).to_have_value("Bob's summary.")
    bob.screenshot(path=str(ARTIFACTS / "desk-conflict.png"), full_page=True)
    current = store.get("desk-both-title")
    assert current is not None and current.title == f"{title}, corrected"
    # Saving again without a choice is refused, with everything kept.
    press(bob, "Save as a new draft version")
    expect(bob.get_by_text("Choose mine or theirs for Title.")).to_be_visible()
    expect(field(bob, "Summary")).to_have_value("Bob's summary.")
    panel.get_by_text("Take theirs").click()
    press(bob, "Save as a new draft version")
    expect(
        bob.get_by_text(re.compile(r"Saved 'Desk test: both change the title, corrected'"))
    ).to_be_visible()
    saved = store.get("desk-both-title")
    assert saved is not None
    assert saved.title == f"{title}, corrected"
    assert saved.data["summary"] == "Bob's summary."
    assert saved.data["injured"][0]["value"] == 3
    assert "chosen: Title theirs" in store.history("desk-both-title")[0].comment


# --------------------------------------------------------------------------- second pair of eyes


def test_the_author_of_a_change_cannot_verify_it_and_an_admin_override_is_recorded(
    desk: tuple[AppServer, DeskStore], browser: Any
) -> None:
    from playwright.sync_api import expect

    server, store = desk
    val = editor_page(browser, server, "val@example.org", "contributor,verifier")
    val.get_by_role("tab", name="New event").click()
    fill(val, "Title", "Desk test: Val's own event")
    type_date(val, "Date", "20220301")
    fill(val, "Place (found in the offline gazetteer on save)", "Kharkiv")
    fill(val, "Source 1: publisher", "Wire")
    fill(val, "Source 1: date", "2022-03-01")
    fill(val, "Source 1: exact quote", "Shelling hit Kharkiv.")
    press(val, "Save draft")
    expect(
        val.get_by_text(re.compile(r"Saved 'Desk test: Val's own event' as a draft"))
    ).to_be_visible()
    press(val, "Submit for review")
    verify = val.get_by_role("button", name="Mark verified")
    expect(verify).to_be_disabled()
    expect(
        val.get_by_text(
            "You made the last change to this version, so someone else must verify it "
            "(two-person rule)."
        )
    ).to_be_visible()
    val.screenshot(path=str(ARTIFACTS / "desk-two-person-rule.png"), full_page=True)
    [saved] = [e for e in store.events() if e.title == "Desk test: Val's own event"]
    assert saved.status is Status.IN_REVIEW

    # An admin who wrote an event may verify it only with a stated reason, on record.
    ada = editor_page(browser, server, "ada@example.org", "")
    open_event(ada, "Desk test: Val's own event")
    fill(ada, "Summary", "Ada's addition.")
    press(ada, "Save as a new draft version")
    press(ada, "Submit for review")
    expect(ada.get_by_role("button", name="Mark verified")).to_be_disabled()
    ada.get_by_text("Override the two-person rule (admins only, recorded in the history)").click()
    press(ada, "Mark verified anyway")
    expect(ada.get_by_text("Write the reason for the override first")).to_be_visible()
    fill(ada, "Reason for the override (required)", "night shift: no second verifier on duty")
    press(ada, "Mark verified anyway")
    expect(ada.get_by_text("Desk test: Val's own event: verified.")).to_be_visible()
    record = store.history(saved.id)[0]
    assert (record.action, record.actor) == ("verify", "ada@example.org")
    assert record.comment == (
        "two-person rule overridden by ada@example.org: night shift: no second verifier on duty"
    )


# --------------------------------------------------------------------------- places


def new_event_at(page: Any, title: str, place: str) -> None:
    page.get_by_role("tab", name="New event").click()
    fill(page, "Title", title)
    type_date(page, "Date", "20220301")
    fill(page, "Place (found in the offline gazetteer on save)", place)
    fill(page, "Source 1: publisher", "Wire")
    fill(page, "Source 1: date", "2022-03-01")
    fill(page, "Source 1: exact quote", "Something happened there.")
    press(page, "Save draft")


def saved_place(store: DeskStore, title: str) -> dict[str, Any]:
    [event] = [e for e in store.events() if e.title == title]
    return dict(event.data["place"])


def test_places_are_found_as_a_newsroom_types_them(
    desk: tuple[AppServer, DeskStore], browser: Any
) -> None:
    from playwright.sync_api import expect

    server, store = desk
    page = editor_page(browser, server, "omar@example.org", "contributor")
    new_event_at(page, "Desk test: in Odesa, Texas", "Odesa, Texas")
    expect(page.get_by_text(re.compile(r"Saved 'Desk test: in Odesa, Texas'"))).to_be_visible()
    texas = saved_place(store, "Desk test: in Odesa, Texas")
    assert texas["country"] == "US" and abs(texas["latitude"] - 31.85) < 0.1
    new_event_at(page, "Desk test: in Odesa, Ukraine", "Odesa, Ukraine")
    expect(page.get_by_text(re.compile(r"Saved 'Desk test: in Odesa, Ukraine'"))).to_be_visible()
    ukraine = saved_place(store, "Desk test: in Odesa, Ukraine")
    assert ukraine["country"] == "UA" and ukraine["geo_precision"] == 1
    assert abs(ukraine["latitude"] - 46.48) < 0.05 and abs(ukraine["longitude"] - 30.73) < 0.05

    # Several villages share the name: a pick list beside the field, which is marked.
    new_event_at(page, "Desk test: in Sadove", "Sadove")
    pick = field(page, "Which Sadove?")
    expect(pick).to_be_visible()
    message = page.get_by_text(re.compile(r"'Sadove' may be \d+ different places"))
    expect(message).to_be_visible()
    place_field = field(page, "Place (found in the offline gazetteer on save)")
    assert_beside(place_field, message)
    assert_marked(place_field)
    expect(page.get_by_text("country_codes")).to_have_count(0)  # no internal argument names
    # Where the editor pressed Save, the refusal names the field to fix.
    expect(page.get_by_text("Not saved: fix Place (marked above).")).to_be_visible()
    pick.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "desk-place-pick.png"))
    assert [e for e in store.events() if e.title == "Desk test: in Sadove"] == []
    choose(page, "Which Sadove?", "Sadove — Kherson region, Ukraine (population 683)")
    press(page, "Save draft")
    expect(page.get_by_text(re.compile(r"Saved 'Desk test: in Sadove'"))).to_be_visible()
    sadove = saved_place(store, "Desk test: in Sadove")
    assert sadove["name"] == "Sadove" and sadove["country"] == "UA"
    assert sadove["geocoded"]["matched_name"] == "Sadove"
    assert 46.0 < sadove["latitude"] < 47.5 and 32.0 < sadove["longitude"] < 35.5


# --------------------------------------------------------------------------- friction


def test_a_click_on_a_row_of_the_events_table_opens_that_event(
    desk: tuple[AppServer, DeskStore], browser: Any
) -> None:
    from playwright.sync_api import expect

    server, store = desk
    page = editor_page(browser, server, "rita@example.org", "verifier")
    table = page.get_by_test_id("stDataFrame").first
    expect(table).to_be_visible()
    listed = store.events([Status.DRAFT, Status.IN_REVIEW, Status.VERIFIED, Status.PUBLISHED])
    second = listed[1]
    # The grid is drawn on a canvas: click the title cell of its second row (the header and
    # each row are 35 px high).
    box = table.bounding_box()
    assert box is not None
    runs = _RUNS[id(page)]
    requested = runs.requested
    page.mouse.click(box["x"] + 120, box["y"] + 35 + 35 + 17)
    assert runs.wait_until(lambda: runs.requested > requested, 10_000), "the click ran nothing"
    runs.wait_finished(runs.finished_at_request + 1, _RUN_MS)
    expect(page.get_by_role("heading", name=second.title)).to_be_visible()
    expect(page.get_by_role("combobox", name="Open an event")).to_have_value(
        re.compile(re.escape(second.title))
    )
    page.screenshot(path=str(ARTIFACTS / "desk-table-click.png"))


def drafts_map(page: Any) -> Any:
    """The map of the drafts on the "From an article" tab (the tab in view)."""
    frames = page.locator('iframe[title="streamlit_folium.st_folium"]').filter(visible=True)
    return frames.first.content_frame


def test_an_article_is_dated_by_the_editor_and_a_merge_stays_on_its_tab(
    desk: tuple[AppServer, DeskStore], browser: Any
) -> None:
    from playwright.sync_api import expect

    server, _ = desk
    page = editor_page(browser, server, "farah@example.org", "contributor")
    page.get_by_role("tab", name="From an article").click()
    date = field(page, "Article date")
    # No date until the editor gives the article's own: today would misdate its "on Sunday".
    expect(date).to_contain_text("yyyy")
    date.locator('[role="spinbutton"]').first.click()
    page.keyboard.type("20220228", delay=0)  # as fast as a keyboard can
    page.get_by_role("heading", name="Desk").click()
    expect(date).to_contain_text("2022")
    expect(date).to_contain_text("28")
    fill(
        page,
        "Article text",
        "Fighting occurred throughout Sunday night around the port city of Mariupol.\n\n"
        "In Mariupol, at least 11 people were killed, the mayor said.",
    )
    fill(page, "Publisher", "Test Wire")
    press(page, "Draft events")
    picks = page.get_by_role("checkbox", name="Pick to merge")
    expect(picks).to_have_count(2)
    # Dated from the article's date: "Sunday night" before Monday 28 February 2022.
    expect(page.get_by_text(re.compile("2022-02-27")).first).to_be_visible()
    # The map's pins carry the numbers of the cards (both drafts are in Mariupol: fanned out).
    pins = drafts_map(page).locator(".ea-numbered-pin")
    expect(pins).to_have_text(["1", "2"])
    expect(page.get_by_text(re.compile(r"^1\. ")).first).to_be_visible()
    expect(page.get_by_text(re.compile(r"^2\. ")).first).to_be_visible()
    first, second = (pins.nth(k).bounding_box() for k in range(2))
    assert first is not None and second is not None and first != second
    page.screenshot(path=str(ARTIFACTS / "desk-article-drafts.png"), full_page=True)
    for index in range(2):
        _RUNS[id(page)].click_and_wait(
            page.get_by_text("Pick to merge", exact=True).nth(index), _RUN_MS
        )
    press(page, "Merge the 2 picked drafts into one")
    expect(page.get_by_text(re.compile("2 drafts merged into one"))).to_be_visible()
    expect(page.get_by_role("tab", name="From an article", selected=True)).to_be_visible()
    expect(page.get_by_role("checkbox", name="Pick to merge")).to_have_count(1)
    expect(page.get_by_role("checkbox", name="Pick to merge")).not_to_be_checked()
    expect(drafts_map(page).locator(".ea-numbered-pin")).to_have_text(["1"])
    page.screenshot(path=str(ARTIFACTS / "desk-article-merged.png"))


def test_on_a_phone_rows_are_added_and_removed_and_nothing_typed_is_lost(
    desk: tuple[AppServer, DeskStore], browser: Any
) -> None:
    from playwright.sync_api import expect

    server, store = desk
    phone = {"width": 390, "height": 844}
    context = browser.new_context(
        viewport=phone,
        is_mobile=True,
        has_touch=True,
        extra_http_headers={
            "X-Forwarded-Email": "phil@example.org",
            "X-Forwarded-User": "Phil",
            "X-Forwarded-Groups": "contributor",
        },
    )
    context.set_default_timeout(30_000)
    page = watched_page(context)
    page.goto(f"{server.base_url}/desk", timeout=FIRST_RENDER_TIMEOUT_MS)
    page.get_by_role("tab", name="New event").click()
    fill(page, "Title", "Desk test: typed on a phone")
    type_date(page, "Date", "20220301")
    fill(page, "Place (found in the offline gazetteer on save)", "Mykolaiv")
    fill(page, "Source 1: publisher", "Wire")
    fill(page, "Source 1: date", "2022-03-01")
    fill(page, "Source 1: exact quote", "Shelling hit Mykolaiv.")
    press(page, "Add a source")
    fill(page, "Source 2: publisher", "Half-typed source")
    press(page, "Remove source 2")
    expect(page.get_by_label("Source 2: publisher", exact=True)).to_have_count(0)
    expect(field(page, "Title")).to_have_value("Desk test: typed on a phone")
    expect(field(page, "Source 1: exact quote")).to_have_value("Shelling hit Mykolaiv.")
    page.screenshot(path=str(ARTIFACTS / "desk-phone-390.png"))
    press(page, "Save draft")
    expect(page.get_by_text(re.compile(r"Saved 'Desk test: typed on a phone'"))).to_be_visible()
    [saved] = [e for e in store.events() if e.title == "Desk test: typed on a phone"]
    assert [s["publisher"] for s in saved.data["sources"]] == ["Wire"]
    # Mykolaiv, Ukraine (not the village in Lviv oblast), on a desk covering Ukraine.
    assert abs(saved.data["place"]["latitude"] - 46.97) < 0.05


# --------------------------------------------------------------------------- text stays text

PAYLOAD = (
    "![beacon](http://127.0.0.2/beacon.png) [click to verify](http://127.0.0.2/verify) "
    "$\\frac{1}{2}$ :red[red] <img src='http://127.0.0.2/html.png'> <b>bold</b> "
    "ops@evil-example.org http://127.0.0.2/bare www.evil-example.org"
)
OUTSIDE = ("127.0.0.2", "evil-example")


def test_text_from_editors_and_files_is_shown_as_text_on_every_desk_surface(
    desk: tuple[AppServer, DeskStore], browser: Any
) -> None:
    """Markdown images and links, LaTeX, colour directives, HTML, bare URLs and e-mails in
    every field: on the event's panel, its history, a conflict, the members table and the
    drafts of an article, nothing is fetched and nothing becomes a link."""
    from playwright.sync_api import expect

    server, store = desk
    template = store.published_events()[0]
    hostile = template.model_copy(
        update={
            "id": "desk-hostile-text",
            "title": f"Hostile {PAYLOAD}",
            "summary": PAYLOAD,
            "actors": [PAYLOAD[:200]],
            "tags": ["![t](http://127.0.0.2/tag.png)"],
            "place": template.place.model_copy(update={"name": PAYLOAD[:200]}),
            "sources": [
                template.sources[0].model_copy(
                    update={"publisher": PAYLOAD[:200], "quote": PAYLOAD, "url": None}
                )
            ],
            "geometry": None,
        }
    )
    store.create(ADA, hostile)
    store.set_member(ADA, "mallory@example.org", frozenset({Role.CONTRIBUTOR}), PAYLOAD[:100])

    outside: list[str] = []

    def watch(page: Any) -> Any:
        def block(route: Any) -> None:
            if route.request.url.startswith(server.base_url):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        page.context.route("**/*", block)
        return page

    ada = watch(editor_page(browser, server, "ada@example.org", ""))
    bob = watch(editor_page(browser, server, "bob@example.org", "contributor"))
    open_event(ada, "Hostile")
    open_event(bob, "Hostile")
    # Ada edits (the history gets the text as before and after), Bob's save then conflicts.
    fill(ada, "Title", f"Edited {PAYLOAD}")
    fill(ada, "Summary", f"Edited {PAYLOAD}")
    press(ada, "Save as a new draft version")
    fill(bob, "Title", f"Bob's {PAYLOAD}")
    press(bob, "Save as a new draft version")
    expect(bob.locator(".st-key-df_desk-hostile-text_conflict_title")).to_be_visible()
    ada.get_by_role("tab", name="History").click()
    for header in ada.get_by_text(re.compile(r"^(edit|create) by ")).all():
        header.click()
    expect(ada.get_by_test_id("stDataFrame").filter(has_text="Title").first).to_be_visible()
    # The heading shows the title as typed, word for word.
    heading = ada.get_by_role("heading", name=re.compile("^Edited")).first
    expect(heading).to_be_visible()
    assert "![beacon](http://127.0.0.2/beacon.png)" in heading.inner_text().replace("\u2060", "")
    ada.screenshot(path=str(ARTIFACTS / "desk-hostile-history.png"), full_page=True)
    ada.get_by_role("tab", name="Members").click()
    # An article whose sentence carries the same text becomes a draft card.
    bob.get_by_role("tab", name="From an article").click()
    bob.get_by_label("Article date", exact=True).locator('[role="spinbutton"]').first.click()
    bob.keyboard.type("20220228")
    fill(
        bob,
        "Article text",
        f"In Kharkiv, shelling hit the market ({PAYLOAD}) and killed 3 people, the mayor said.",
    )
    fill(bob, "Publisher", PAYLOAD[:100])
    press(bob, "Draft events")
    expect(bob.get_by_text("Pick to merge", exact=True).first).to_be_visible()

    for page in (ada, bob):
        for tag, attribute in (("a", "href"), ("img", "src"), ("iframe", "src")):
            for element in page.locator(tag).all():
                target = str(element.get_attribute(attribute) or "")
                if target.startswith("#"):
                    continue  # a heading's own anchor on this page
                assert not any(host in target for host in OUTSIDE), (tag, target)
                assert not target.startswith("mailto:"), target
        assert page.locator(".katex").count() == 0  # no LaTeX rendered
        assert page.locator("main b, main strong").filter(has_text="bold").count() == 0
    ada.screenshot(path=str(ARTIFACTS / "desk-hostile-text.png"), full_page=True)
    bob.screenshot(path=str(ARTIFACTS / "desk-hostile-drafts.png"), full_page=True)
    assert outside == [], f"the desk's pages asked for: {outside}"
