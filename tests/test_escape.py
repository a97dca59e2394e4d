from __future__ import annotations

import html
import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from geo.escape import escape_markdown, escape_text, link, safe_url, script_json
from geo.map.assets import StaticURLs
from geo.map.layer import build_map
from geo.model import Event
from tests.conftest import events_yaml

PAYLOADS = [
    "<img src=x onerror=alert(1)>",
    "</script><script>alert(2)</script>",
    "`; alert(3); `",
    "${alert(4)}",
    "\\`${alert(5)}",
    "it`s",
    "\"'><svg onload=alert(6)>",
    "\u2028alert(7)",
    "{{ 7*7 }}{% if 1 %}{# x #}",
]
FORBIDDEN = set("<>`$\\\"'{}")
# Text that decodes back to the input: control characters are the only thing dropped.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")


@given(st.text())
def test_escaped_text_has_no_character_that_html_or_a_template_literal_acts_on(text):
    escaped = escape_text(text)
    assert not FORBIDDEN & set(escaped)
    assert "\u2028" not in escaped and "\u2029" not in escaped
    assert html.unescape(escaped) == CONTROL.sub("", text)


@given(st.sampled_from(PAYLOADS) | st.text(alphabet="<>`$\\{}'\"/ascriptimgonerr=()"))
@settings(max_examples=60, deadline=None)
def test_user_text_reaches_the_rendered_map_only_escaped(payload):
    from geo.loader import parse_events_text

    base: Event = parse_events_text(events_yaml("p")).events[0]
    marked = f"QZX{payload}XZQ"  # alphanumeric fences survive escaping unchanged
    event = base.model_copy(update={"title": marked, "summary": marked, "actors": [marked]})
    rendered = build_map([event], StaticURLs("/app/static")).get_root().render()
    # The event travels as JSON inside the map's script; script_json turns & < > into \u
    # escapes, which JSON reads back as the same characters.
    layer = re.search(r"window\.eaLayerData = (\{.*?\});\n", rendered)
    assert layer is not None
    outside = rendered.replace(layer.group(1), "")
    assert "QZX" not in outside, "user text appears only inside the layer's data"
    found = re.findall(r"QZX(.*?)XZQ", json.dumps(json.loads(layer.group(1)), ensure_ascii=False))
    # Title in tooltip + popup, summary and actors in popup: every copy is the escaped one.
    assert len(found) >= 4
    assert {json.loads(f'"{text}"') for text in found} == {escape_text(payload)}
    for needle in ("</script", "<img", "<svg", "`", "${", "\u2028"):
        assert needle not in layer.group(1)


def test_safe_url_allows_only_http_and_https():
    assert safe_url("https://example.org/a?b=1&c=2") == "https://example.org/a?b=1&amp;c=2"
    assert safe_url("http://example.org") == "http://example.org"
    for bad in [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "data:text/html,<script>",
        "//evil.example",
        "/relative",
        "vbscript:x",
        'https://x.org/"onmouseover=alert(1)',
        " java\tscript:alert(1)",
    ]:
        assert safe_url(bad) is None, bad


def test_link_falls_back_to_plain_text():
    assert link("javascript:alert(1)", "<b>x</b>") == "&lt;b&gt;x&lt;/b&gt;"
    assert 'rel="noopener noreferrer"' in link("https://example.org", "x")


@given(st.text())
def test_markdown_escape_leaves_no_link_or_image_syntax(text):
    escaped = escape_markdown(text)
    assert re.search(r"(?<!\\)[\[\]()<>!`]", escaped) is None
    # Nor anything GitHub-flavoured Markdown would turn into a link by itself: a word joiner
    # (U+2060) sits inside every "://", "www." and "@".
    assert "://" not in escaped
    assert not re.search(r"(?i)www\\?\.", escaped)
    assert not re.search("@(?!\u2060)", escaped)


def test_markdown_escape_keeps_typed_entities_and_breaks_autolinks():
    assert escape_markdown("&lt;b&gt;") == "&amp;lt;b&amp;gt;"
    assert escape_markdown("https://x.org") == "https\\:/\u2060/x\\.org"
    assert escape_markdown("www.x.org a@b.c") == "www\u2060\\.x\\.org a@\u2060b\\.c"


def test_markdown_escape_neutralises_images_and_links():
    expected = "\\!\\[x\\]\\(http\\:/\u2060/127\\.0\\.0\\.2/x\\.png\\)"
    assert escape_markdown("![x](http://127.0.0.2/x.png)") == expected


def test_script_json_never_holds_a_template_for_folium_to_run() -> None:
    """Folium renders a macro's script as a Jinja template once more: text from data must not
    be evaluated there (`{{ 7*7 }}` showing as 49, or worse)."""
    import jinja2

    value = {"title": "{{ 7*7 }} {% if 1 %}x{% endif %} {# c #}", "list": [{"n": {}}]}
    pasted = script_json(value)
    assert jinja2.Template(pasted).render() == pasted  # nothing left for Jinja to do
    assert json.loads(pasted) == value
