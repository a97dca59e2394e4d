"""The desk in Chromium, signed in for real: Streamlit's st.login against a local OIDC provider
(tests/oidc.py), roles from the provider's groups claim. A contributor drafts, a verifier
verifies, a publisher publishes on one replica, and only then does a reader of the other
replica see the event (PostgreSQL); a contributor's crafted button press publishes nothing;
two editors of one event are told about each other, and the second save is refused with
nothing typed lost."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from geo.desk.roles import Editor, Role
from geo.desk.store import DeskStore, open_database
from geo.desk.workflow import Move, Status
from geo.loader import load_events
from geo.serve import AppServer
from tests.browser.conftest import (
    APP_DIR,
    ARTIFACTS,
    FIRST_RENDER_TIMEOUT_MS,
    VIEWPORT,
    as_shown,
)
from tests.conftest import ROOT
from tests.oidc import MockProvider, auth_secrets, secrets_flags, sign_in

sys.path.insert(0, str(ROOT / "benchmarks"))
from stclient import StreamlitSession, run_sync

pytestmark = pytest.mark.browser

SHIPPED = APP_DIR / "data" / "events.yaml"
TITLE = "Desk test: shelling reported in Kharkiv"
QUOTE = "Shelling hit Kharkiv on Monday."


@pytest.fixture(scope="module")
def desk_app(
    tmp_path_factory: pytest.TempPathFactory, oidc_provider: MockProvider
) -> Iterator[tuple[AppServer, str]]:
    folder = tmp_path_factory.mktemp("desk-app")
    secrets = auth_secrets(folder / "secrets.toml", None, oidc_provider.issuer)
    url = f"sqlite:{folder / 'desk.sqlite'}"
    # As the app does on its first page open: a new desk starts from the events file.
    DeskStore(open_database(url)).seed_published(load_events(SHIPPED).events, SHIPPED.name)
    server = AppServer(
        SHIPPED,
        app_dir=APP_DIR,
        env={"EVENT_ATLAS_DESK": url, "EVENT_ATLAS_TILES": "offline"},
        flags=secrets_flags(secrets),
        log_path=folder / "streamlit.log",
        name="desk",
    )
    with server:
        server.wait_ready()
        yield server, url


@pytest.fixture
def desk_replicas(
    tmp_path: Path, oidc_provider: MockProvider, postgres_db: str
) -> Iterator[tuple[list[AppServer], str]]:
    """Two replicas sharing one PostgreSQL+PostGIS desk and one sign-in configuration."""
    secrets = auth_secrets(tmp_path / "secrets.toml", None, oidc_provider.issuer)
    DeskStore(open_database(postgres_db)).seed_published(load_events(SHIPPED).events, SHIPPED.name)
    servers = [
        AppServer(
            SHIPPED,
            app_dir=APP_DIR,
            env={"EVENT_ATLAS_DESK": postgres_db, "EVENT_ATLAS_TILES": "offline"},
            flags=secrets_flags(secrets),
            log_path=tmp_path / f"replica-{n}.log",
            name=f"replica-{n}",
        )
        for n in (1, 2)
    ]
    try:
        for server in servers:
            server.start()
        for server in servers:
            server.wait_ready()
        yield servers, postgres_db
    finally:
        for server in servers:
            server.stop()


def signed_in_desk(browser: Any, server: AppServer, email: str, groups: list[str]) -> Any:
    from playwright.sync_api import expect

    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    name = email.split("@")[0].title()
    sign_in(page, f"{server.base_url}/desk", email=email, name=name, groups=groups)
    page.goto(f"{server.base_url}/desk", timeout=FIRST_RENDER_TIMEOUT_MS)
    expect(page.get_by_text(as_shown(f"Signed in as {name} <{email}>"))).to_be_visible()
    return page


def open_event(page: Any, title: str) -> None:
    page.get_by_role("tab", name="Events").click()
    page.get_by_role("combobox", name="Open an event").click()
    page.get_by_role("option", name=re.compile(re.escape(title))).click()


def field(page: Any, label: str) -> Any:
    """The field of that label on the tab in view (every tab's form is on the page)."""
    return page.get_by_label(label, exact=True).filter(visible=True).first


def test_an_event_goes_from_draft_to_readers_through_three_roles(
    desk_replicas: tuple[list[AppServer], str], browser: Any
) -> None:
    """Editors work on replica 1; a reader of replica 2 sees the event once it is published."""
    from playwright.sync_api import expect

    (server, other_replica), url = desk_replicas
    shipped = len(load_events(SHIPPED).events)
    reader = browser.new_context(viewport=VIEWPORT).new_page()
    reader.goto(other_replica.url(), timeout=FIRST_RENDER_TIMEOUT_MS)
    expect(reader.get_by_text(f"{shipped:,} of {shipped:,} events shown")).to_be_visible(
        timeout=FIRST_RENDER_TIMEOUT_MS
    )

    alice = signed_in_desk(browser, server, "alice@example.org", ["contributor"])
    alice.get_by_role("tab", name="New event").click()
    field(alice, "Title").fill(TITLE)
    # A segmented date field (year, month, day): typed as a person types it.
    field(alice, "Date").locator('[role="spinbutton"]').first.click()
    alice.keyboard.type("20220228")
    field(alice, "Place (found in the offline gazetteer on save)").fill("Kharkiv")
    field(alice, "Source 1: publisher").fill("Wire")
    field(alice, "Source 1: date").fill("2022-02-28")
    alice.get_by_role("button", name="Save draft").click()
    # No quote: refused with the loader's message, and everything typed is still there.
    expect(
        alice.get_by_text("Not saved: fix the 1 field marked below (your text is kept).")
    ).to_be_visible()
    expect(alice.get_by_text(re.compile(r"Not saved: fix Source 1: exact quote"))).to_be_visible()
    expect(field(alice, "Title")).to_have_value(TITLE)
    expect(field(alice, "Source 1: publisher")).to_have_value("Wire")
    field(alice, "Source 1: exact quote").fill(QUOTE)
    alice.get_by_role("button", name="Save draft").click()
    expect(alice.get_by_text(re.compile(r"Saved '.*' as a draft"))).to_be_visible()

    store = DeskStore(open_database(url))
    drafted = next(e for e in store.events() if e.title == TITLE)
    assert drafted.status is Status.DRAFT and drafted.updated_by == "alice@example.org"
    # Geocoded offline on save: Kharkiv's coordinates, country and provenance.
    place = drafted.data["place"]
    assert abs(place["latitude"] - 49.98) < 0.1 and place["country"] == "UA"
    assert place["geocoded"]["provider"] == "gazetteer"

    open_event(alice, TITLE)
    expect(alice.get_by_role("button", name="Publish", exact=True)).to_have_count(
        0
    )  # not hers to do
    alice.get_by_role("button", name="Submit for review").click()
    expect(alice.get_by_text(f"{TITLE}: in review.")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    alice.screenshot(path=str(ARTIFACTS / "desk-contributor.png"), full_page=True)

    vera = signed_in_desk(browser, server, "vera@example.org", ["verifier"])
    open_event(vera, TITLE)
    expect(vera.get_by_role("button", name="Publish", exact=True)).to_have_count(0)
    vera.get_by_role("button", name="Mark verified").click()
    expect(vera.get_by_text(f"{TITLE}: verified.")).to_be_visible()

    # Readers still do not see it: verified is not published.
    reader.reload()
    expect(reader.get_by_text(f"{shipped:,} of {shipped:,} events shown")).to_be_visible(
        timeout=FIRST_RENDER_TIMEOUT_MS
    )

    pat = signed_in_desk(browser, server, "pat@example.org", ["publisher"])
    open_event(pat, TITLE)
    pat.get_by_role("button", name="Publish", exact=True).click()
    expect(pat.get_by_text(f"{TITLE}: published.")).to_be_visible()
    # The picker names the new status, and the next rerun keeps the event open.
    picker = pat.get_by_role("combobox", name="Open an event")
    expect(picker).to_have_value(f"{TITLE} · Published")
    field(pat, "Comment for the record (optional)").fill("checked twice")
    field(pat, "Comment for the record (optional)").press("Enter")
    # While that run draws, the page may show its last run's button beside the new one.
    expect(pat.get_by_role("button", name="Archive", exact=True).first).to_be_visible()
    expect(picker).to_have_value(f"{TITLE} · Published")

    # The reader's open page, on the other replica, updates by itself.
    expect(reader.get_by_text(f"{shipped + 1:,} of {shipped + 1:,} events shown")).to_be_visible(
        timeout=30_000
    )
    history = [(r.actor, r.action) for r in store.history(drafted.id)]
    assert history == [
        ("pat@example.org", "publish"),
        ("vera@example.org", "verify"),
        ("alice@example.org", "submit"),
        ("alice@example.org", "create"),
    ]
    # While a run redraws the event's panel, the old panel stays on the page until the run
    # ends, so for a moment there are two History tabs, and a click may land on the old one.
    # Click as a person would: again, once the page shows one.
    history_tab = pat.get_by_role("tab", name="History")
    publish_record = pat.get_by_text(as_shown("publish by Pat (pat@example.org)"))
    for _ in range(3):
        expect(history_tab).to_have_count(1)
        history_tab.first.click()
        try:
            expect(publish_record).to_be_visible(timeout=5_000)
            break
        except AssertionError:
            continue
    expect(publish_record).to_be_visible()
    pat.screenshot(path=str(ARTIFACTS / "desk-history.png"), full_page=True)


def test_two_editors_see_each_other_and_the_second_save_keeps_its_text(
    desk_app: tuple[AppServer, str], browser: Any
) -> None:
    from playwright.sync_api import expect

    server, url = desk_app
    store = DeskStore(open_database(url))
    target = store.published_events()[0]
    alice = signed_in_desk(browser, server, "alice@example.org", ["contributor"])
    open_event(alice, target.title)
    bob = signed_in_desk(browser, server, "bob@example.org", ["contributor"])
    open_event(bob, target.title)
    expect(bob.get_by_text(as_shown("Being edited by Alice (alice@example.org)"))).to_be_visible()

    field(alice, "Title").fill("Alice's corrected title")
    alice.get_by_role("button", name="Save as a new draft version").click()
    expect(alice.get_by_text(re.compile(r"Saved 'Alice's corrected title'"))).to_be_visible()

    field(bob, "Title").fill("Bob's title")
    field(bob, "Summary").fill("Bob typed a long summary he must not lose.")
    bob.get_by_role("button", name="Save as a new draft version").click()
    expect(bob.get_by_text(as_shown("Alice <alice@example.org> saved version"))).to_be_visible()
    expect(field(bob, "Title")).to_have_value("Bob's title")
    expect(field(bob, "Summary")).to_have_value("Bob typed a long summary he must not lose.")
    current = store.get(target.id)
    assert current is not None and current.title == "Alice's corrected title"
    # Readers keep the published version until it is published again.
    assert any(e.title == target.title for e in store.published_events())

    # Both changed the title: Bob keeps his, knowingly; his summary goes in with it.
    bob.get_by_text("Keep mine", exact=True).click()
    expect(bob.get_by_role("radio", name="Keep mine")).to_be_checked()
    bob.get_by_role("button", name="Save as a new draft version").click()
    expect(bob.get_by_text(re.compile(r"Saved 'Bob's title'"))).to_be_visible()
    again = store.get(target.id)
    assert again is not None and again.title == "Bob's title"
    assert again.data["summary"] == "Bob typed a long summary he must not lose."


def test_signed_out_visitors_get_no_form_and_editing_needs_a_role(
    desk_app: tuple[AppServer, str], browser: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    server, _ = desk_app
    visitor = browser.new_context(viewport=VIEWPORT).new_page()
    visitor.goto(f"{server.base_url}/desk", timeout=FIRST_RENDER_TIMEOUT_MS)
    expect(visitor.get_by_role("button", name="Sign in")).to_be_visible()
    expect(visitor.get_by_label("Title")).to_have_count(0)
    nobody = browser.new_context(viewport=VIEWPORT).new_page()
    sign_in(nobody, f"{server.base_url}/desk", email="eve@example.org", name="Eve", groups=[])
    nobody.goto(f"{server.base_url}/desk", timeout=FIRST_RENDER_TIMEOUT_MS)
    expect(nobody.get_by_text(re.compile("has no desk role yet"))).to_be_visible()
    expect(nobody.get_by_role("tab", name="New event")).to_have_count(0)


def test_an_account_whose_email_is_not_verified_is_not_let_in(
    desk_app: tuple[AppServer, str], browser: Any
) -> None:
    """An identity provider may hold accounts nobody verified (self sign-up): such an account
    claiming an admin's group or address signs in to nothing."""
    from playwright.sync_api import expect

    server, _ = desk_app
    page = browser.new_context(viewport=VIEWPORT).new_page()
    sign_in(
        page,
        f"{server.base_url}/desk",
        email="mallory@example.org",
        name="Mallory",
        groups=["admin"],
        claims={"email_verified": False},
    )
    page.goto(f"{server.base_url}/desk", timeout=FIRST_RENDER_TIMEOUT_MS)
    expect(
        page.get_by_text(re.compile("does not say this email address is verified"))
    ).to_be_visible()
    expect(page.get_by_role("tab", name="New event")).to_have_count(0)
    expect(page.get_by_role("tab", name="Members")).to_have_count(0)


def test_text_of_a_refused_save_survives_losing_the_sign_in(
    desk_app: tuple[AppServer, str], browser: Any
) -> None:
    from playwright.sync_api import expect

    server, _ = desk_app
    page = signed_in_desk(browser, server, "carla@example.org", ["contributor"])
    page.get_by_role("tab", name="New event").click()
    field(page, "Title").fill("Carla's half-finished event")
    field(page, "Summary").fill("Three paragraphs Carla typed before lunch.")
    page.get_by_role("button", name="Save draft").click()
    expect(
        page.get_by_text(re.compile(r"Not saved: fix the \d+ fields marked below"))
    ).to_be_visible()
    # The sign-in is lost (an expired cookie, a closed tab): a new session, signed in again.
    page.context.clear_cookies()
    page.goto(f"{server.base_url}/desk", timeout=FIRST_RENDER_TIMEOUT_MS)
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    sign_in(
        page,
        f"{server.base_url}/desk",
        email="carla@example.org",
        name="Carla",
        groups=["contributor"],
    )
    page.goto(f"{server.base_url}/desk", timeout=FIRST_RENDER_TIMEOUT_MS)
    page.get_by_role("tab", name="New event").click()
    expect(page.get_by_text(re.compile("that was never saved"))).to_be_visible()
    expect(field(page, "Title")).to_have_value("")
    page.get_by_role("button", name="Restore it").click()
    expect(field(page, "Title")).to_have_value("Carla's half-finished event")
    expect(field(page, "Summary")).to_have_value("Three paragraphs Carla typed before lunch.")


def test_a_click_on_the_small_map_moves_the_point(
    desk_app: tuple[AppServer, str], browser: Any
) -> None:
    from playwright.sync_api import expect

    server, url = desk_app
    store = DeskStore(open_database(url))
    template = store.published_events()[0]
    draft = template.model_copy(
        update={
            "id": "desk-map-click",
            "title": "Desk test: a point to move",
            "place": template.place.model_copy(
                update={"name": "Kharkiv", "latitude": 49.98, "longitude": 36.25}
            ),
            "geometry": None,
        }
    )
    store.create(Editor("seed@example.org", "Seed", frozenset({Role.ADMIN})), draft)
    page = signed_in_desk(browser, server, "dmitro@example.org", ["contributor"])
    open_event(page, "Desk test: a point to move")
    expect(field(page, "Latitude (blank: from the place name)")).to_have_value("49.98")
    frame = page.frame_locator('iframe[title="streamlit_folium.st_folium"]').first
    leaflet = frame.locator(".leaflet-container").first
    leaflet.wait_for(timeout=FIRST_RENDER_TIMEOUT_MS)
    box = leaflet.bounding_box()
    assert box is not None
    # Well to the right of and above the marker in the middle: east and north of it.
    leaflet.click(position={"x": box["width"] / 2 + 120, "y": box["height"] / 2 - 60})
    latitude = field(page, "Latitude (blank: from the place name)")
    expect(latitude).not_to_have_value("49.98")
    moved_lat = float(latitude.input_value())
    moved_lon = float(field(page, "Longitude (blank: from the place name)").input_value())
    assert moved_lat > 49.98 and moved_lon > 36.25
    page.get_by_role("button", name="Save as a new draft version").click()
    expect(page.get_by_text(re.compile(r"Saved 'Desk test: a point to move'"))).to_be_visible()
    saved = store.get("desk-map-click")
    assert saved is not None
    assert saved.data["place"]["latitude"] == pytest.approx(moved_lat, abs=1e-5)
    assert saved.data["place"]["longitude"] == pytest.approx(moved_lon, abs=1e-5)
    page.screenshot(path=str(ARTIFACTS / "desk-map-moved.png"))


def test_behind_a_sign_in_proxy_the_identity_headers_sign_editors_in(
    browser: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    url = f"sqlite:{tmp_path / 'desk.sqlite'}"
    mapping = (
        '{"X-Forwarded-Email": "email", "X-Forwarded-User": "name", "X-Forwarded-Groups": "groups"}'
    )
    server = AppServer(
        SHIPPED,
        app_dir=APP_DIR,
        env={"EVENT_ATLAS_DESK": url, "EVENT_ATLAS_SIGN_IN": "headers"},
        flags=["--server.trustedUserHeaders", mapping],
        log_path=tmp_path / "proxy.log",
        name="desk-proxy",
    )
    with server:
        server.wait_ready()
        # What the proxy adds to every request it lets through.
        signed = browser.new_context(
            viewport=VIEWPORT,
            extra_http_headers={
                "X-Forwarded-Email": "pat@example.org",
                "X-Forwarded-User": "Pat",
                "X-Forwarded-Groups": "verifier,publisher",
            },
        ).new_page()
        signed.goto(f"{server.base_url}/desk", timeout=FIRST_RENDER_TIMEOUT_MS)
        expect(
            signed.get_by_text(re.compile(r"Signed in as Pat .*publisher, verifier"))
        ).to_be_visible(timeout=FIRST_RENDER_TIMEOUT_MS)
        bare = browser.new_context(viewport=VIEWPORT).new_page()
        bare.goto(f"{server.base_url}/desk", timeout=FIRST_RENDER_TIMEOUT_MS)
        expect(
            bare.get_by_text(re.compile("sent none: open the desk through the proxy"))
        ).to_be_visible(timeout=FIRST_RENDER_TIMEOUT_MS)
        expect(bare.get_by_role("tab", name="New event")).to_have_count(0)


def _signed_in_session(page: Any, base_url: str) -> Any:
    """A protocol client carrying this browser's sign-in cookie, on the desk page."""
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    return StreamlitSession(base_url, cookies=cookies, page="desk", timeout_s=120)


def test_a_contributor_cannot_publish_even_with_a_crafted_request(
    desk_app: tuple[AppServer, str], browser: Any
) -> None:
    """The Publish button is drawn for publishers only; a contributor's client that sends the
    publisher's button press anyway publishes nothing."""
    server, url = desk_app
    store = DeskStore(open_database(url))
    ada = Editor("ada@example.org", "Ada", frozenset({Role.ADMIN}))
    waiting = store.published_events()[0].model_copy(
        update={"id": "desk-crafted-publish", "title": "Desk test: waiting for a publisher"}
    )
    version = store.create(ada, waiting).version
    version = store.move(ada, waiting.id, Move.SUBMIT, version).version
    vera = Editor("vera@example.org", "Vera", frozenset({Role.VERIFIER}))
    version = store.move(vera, waiting.id, Move.VERIFY, version).version

    alice_page = signed_in_desk(browser, server, "alice@example.org", ["contributor"])
    pat_page = signed_in_desk(browser, server, "pat@example.org", ["publisher"])

    # Made here: Playwright's sync API answers on this thread only.
    alice = _signed_in_session(alice_page, server.base_url)
    pat = _signed_in_session(pat_page, server.base_url)

    async def scenario() -> None:
        try:
            for session in (alice, pat):
                assert (await session.open()).ok
                picker = session.find_widget(key="desk_open_select", kind="selectbox")
                [option] = [o for o in picker.body.options if waiting.title in o]
                assert (await session.set_widget(picker, option)).ok
                assert any("Signed in as" in text for text in session.texts())
            publish = pat.find_widget(label="Publish", kind="button").widget_id
            with pytest.raises(LookupError):
                alice.find_widget(label="Publish", kind="button")  # not drawn for her

            # Alice's client sends the publisher's button press: nothing is published.
            assert (await alice.press(publish)).ok
            current = store.get(waiting.id)
            assert current is not None and current.status is Status.VERIFIED
            assert "publish" not in [r.action for r in store.history(waiting.id)]

            # The same press from the publisher's client publishes: the request was real.
            assert (await pat.press(publish)).ok
            current = store.get(waiting.id)
            assert current is not None and current.status is Status.PUBLISHED
            assert store.history(waiting.id)[0].actor == "pat@example.org"
        finally:
            await alice.close()
            await pat.close()

    run_sync(scenario())


def test_a_pasted_article_gives_drafts_and_an_accepted_one_enters_the_desk(
    desk_app: tuple[AppServer, str], browser: Any
) -> None:
    from playwright.sync_api import expect

    seed = ROOT.parent / "shared" / "seed-article.txt"
    if not seed.exists():
        pytest.skip(f"the seed article is not here ({seed}): the shared folder is absent")
    server, url = desk_app
    page = signed_in_desk(browser, server, "farah@example.org", ["contributor"])
    page.get_by_role("tab", name="From an article").click()
    # A date field of segments (year, month, day), typed into as a person would; it takes
    # the value when it loses the focus, to the article's text below.
    field(page, "Article date").get_by_role("spinbutton").first.click()
    page.keyboard.type("20220228")
    field(page, "Article text").fill(seed.read_text(encoding="utf-8"))
    field(page, "Publisher").fill("Reuters")
    page.get_by_role("button", name="Draft events").click()
    title = "Armed clash near Mariupol"
    # The innermost block holding the title and an Accept button is the draft's card.
    accept = page.get_by_role("button", name="Accept", exact=True)
    card = page.get_by_test_id("stVerticalBlock").filter(has_text=title).filter(has=accept).last
    expect(card).to_be_visible(timeout=FIRST_RENDER_TIMEOUT_MS)
    expect(
        card.get_by_text(re.compile("throughout Sunday night around the port city"))
    ).to_be_visible()
    drafts_map = page.frame_locator('iframe[title="streamlit_folium.st_folium"]').first
    expect(drafts_map.locator(".leaflet-interactive").first).to_be_attached(
        timeout=FIRST_RENDER_TIMEOUT_MS
    )
    expect(drafts_map.locator(".leaflet-tile-loaded").first).to_be_attached()
    drafts_map.locator(".leaflet-container").first.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "desk-article-drafts.png"))
    card.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "desk-article-card.png"))
    card.get_by_role("button", name="Accept", exact=True).click()
    expect(page.get_by_text(re.compile(f"{title}: a draft at the desk"))).to_be_visible()
    store = DeskStore(open_database(url))
    [saved] = [e for e in store.events([Status.DRAFT]) if e.title == title]
    assert saved.updated_by == "farah@example.org"
    assert saved.event.date.isoformat() == "2022-02-27"
    # Its card ("9. Armed clash near Mariupol") has left the list.
    expect(page.get_by_text(re.compile(rf"^\d+\. {title}$"))).to_have_count(0)
