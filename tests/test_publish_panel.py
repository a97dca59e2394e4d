"""The published page's panel: its date range, search and list (geo.map.publish).

What the page does with them, in a browser: tests/browser/test_publish.py.
"""

from __future__ import annotations

import json
import re

from geo import ListCatalog, load_events, parse_events_text
from geo.map.publish import NARROW_MEDIA, build_site, panel_html, site_facts
from geo.urlstate import MAX_TEXT, ViewState
from tests.conftest import ROOT, events_yaml

BROWSER_EVENTS = ROOT / "tests" / "fixtures" / "browser_events.yaml"


def page_of(dataset_text: str) -> str:
    site = build_site(ListCatalog(parse_events_text(dataset_text)), ViewState())
    return site.files["index.html"].decode("utf-8")


# The page's data, as its script declares it.
DECLARED = {
    "KEY": r"var KEY = (\{.*?\}), MAX_TEXT",
    "FACTS": r"var FACTS = (\[.*?\]), FIRST",
    "FIRST": r"FIRST = (\"[^\"]*\"|null)",
    "LAST": r"LAST = (\"[^\"]*\"|null)",
}


def script_value(html: str, name: str) -> object:
    found = re.search(DECLARED[name], html)
    assert found is not None, name
    return json.loads(found.group(1))


def test_the_list_holds_every_event_on_the_map_by_date_then_title():
    dataset = load_events(BROWSER_EVENTS)
    facts = site_facts(dataset.events)
    assert len(facts) == len(dataset.events)
    keys = [(f["first"], f["title"]) for f in facts]
    assert keys == sorted(keys)
    refugees = next(f for f in facts if f["id"] == "refugees-half-million")
    # A range says its first and last day; the list shows it as the app does.
    assert (refugees["first"], refugees["last"]) == ("2022-02-24", "2022-02-28")
    assert refugees["when"] == "2022-02-24 – 2022-02-28"
    kharkiv = next(f for f in facts if f["id"] == "kharkiv-shelling")
    assert kharkiv["type"] == "Shelling / missile attack" and kharkiv["place"] == "Kharkiv"
    assert kharkiv["title"] == "Kharkiv residential districts shelled"


def test_the_search_reads_title_place_and_summary_folded_as_the_app_folds_them():
    kharkiv = next(
        f for f in site_facts(load_events(BROWSER_EVENTS).events) if f["id"] == "kharkiv-shelling"
    )
    text = kharkiv["text"]
    assert "kharkiv residential districts shelled" in text  # title
    assert "kharkivs mayor" in text  # summary, apostrophe and case folded
    assert "second largest city" in text
    assert text == text.casefold() and "'" not in text


def test_events_without_coordinates_are_not_listed():
    text = events_yaml("a", "b").replace(
        "      latitude: 50.45\n      longitude: 30.52\n      geo_precision: 1\n", "", 1
    )
    dataset = parse_events_text(text)
    drawn = [e.id for e in dataset.events if e.place.point is not None]
    assert [f["id"] for f in site_facts(dataset.events)] == drawn


def test_the_page_bounds_its_dates_by_the_first_and_last_day_on_the_map():
    html = build_site(ListCatalog(load_events(BROWSER_EVENTS)), ViewState()).files["index.html"]
    page = html.decode("utf-8")
    assert script_value(page, "FIRST") == "2022-02-24"
    assert script_value(page, "LAST") == "2022-02-28"
    # The hash speaks the page's own parameter names, as the app's links do.
    assert script_value(page, "KEY") == {
        "type": "type",
        "from": "from",
        "to": "to",
        "text": "q",
        "event": "event",
    }
    assert f"window.matchMedia({json.dumps(NARROW_MEDIA)})" in page
    assert f"@media {NARROW_MEDIA}{{" in page


def test_the_panel_comes_before_the_map_and_holds_the_filters():
    page = page_of(events_yaml("a"))
    assert page.index('<aside class="ea-site-panel"') < page.index('class="folium-map"')
    for name in ("from", "to"):
        assert f'<input type="date" name="{name}">' in page
    assert f'<input type="search" name="q" maxlength="{MAX_TEXT}"' in page
    assert "No events match" in page


def test_hostile_titles_and_text_are_text_in_the_panel_and_its_data():
    hostile = "</script><script>alert(1)</script> {{ 7*7 }} `${alert(2)}`"
    yaml_text = f"'{hostile}'"
    text = events_yaml("a", title="x").replace("title: x", f"title: {yaml_text}")
    page = page_of(f"title: {yaml_text}\n" + text)
    assert "<script>alert(1)" not in page and "{{ 7*7 }}" not in page and " 49 " not in page
    panel = re.search(r'<aside class="ea-site-panel".*?</aside>', page, re.DOTALL)
    assert panel is not None
    assert "&lt;/script&gt;&lt;script&gt;alert(1)" in panel.group(0)
    assert "&#123;&#123; 7*7 &#125;&#125;" in panel.group(0)  # not run as a template
    # The list's data reads back exactly what was written: text, set as text.
    facts = script_value(page, "FACTS")
    assert isinstance(facts, list) and facts[0]["title"] == hostile
    assert "{{ 7*7 }}" in facts[0]["text"]


def test_panel_html_escapes_its_title():
    html = panel_html('<b onmouseover="x">A & B</b>')
    assert "<b onmouseover" not in html
    assert "<h1>&lt;b onmouseover=&quot;x&quot;&gt;A &amp; B&lt;/b&gt;</h1>" in html
