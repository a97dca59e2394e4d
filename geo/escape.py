"""The ONE place where user text is made safe for the map page.

Folium writes popup and tooltip strings into the page as raw HTML inside JavaScript template
literals (`...`). So a string must be neutral both as HTML (no tags, no attributes) and as a
template literal (no backtick to close it, no `${` to interpolate, no backslash to escape the
next character), and as a Jinja template: folium's Popup.render compiles its rendered output as
a new Jinja template, so a `{{ ... }}` in popup text would be evaluated on the server. HTML
entities do all three: neither the template literal nor Jinja sees a special character, and the
browser turns the entities back into the characters the user wrote when it renders the HTML.
"""

from __future__ import annotations

import html
import json
import re

from geo.model import URL_PATTERN

_TEMPLATE_ENTITIES = str.maketrans(
    {"\\": "&#92;", "`": "&#96;", "$": "&#36;", "{": "&#123;", "}": "&#125;"}
)
# Control characters other than tab/newline are dropped: some (e.g. U+2028) end a JS line.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")


def escape_text(value: object) -> str:
    """Make any value safe to show as text inside folium popups, tooltips and map HTML."""
    text = _CONTROL.sub("", str(value))
    return html.escape(text, quote=True).translate(_TEMPLATE_ENTITIES)


def safe_url(url: str | None) -> str | None:
    """An escaped http(s) URL, or None for anything else (javascript:, data:, relative ...)."""
    if url is None or not URL_PATTERN.match(url.strip()):
        return None
    return escape_text(url.strip())


def link(url: str | None, label: str) -> str:
    """An escaped anchor that opens in a new tab, or the escaped label alone for a bad URL."""
    href = safe_url(url)
    if href is None:
        return escape_text(label)
    return f'<a href="{href}" target="_blank" rel="noopener noreferrer">{escape_text(label)}</a>'


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")
# GitHub-flavoured Markdown links bare URLs, www. names and e-mail addresses by themselves,
# and Streamlit's renderer does so even where they are written as character references
# (checked in Chromium: "a&#64;b.c" became a mailto: link). An invisible WORD JOINER (U+2060)
# inside each pattern breaks it: the text reads and wraps the same, and no link is made.
_WORD_JOINER = "\u2060"
_AUTOLINK_BREAKERS = (
    (re.compile(r"(?<=\\:)//"), "/" + _WORD_JOINER + "/"),
    (re.compile(r"(?i)(?<=www)\\\."), _WORD_JOINER + r"\\."),
    (re.compile("@"), "@" + _WORD_JOINER),
)


def escape_markdown(value: object) -> str:
    """Text for st.markdown that renders exactly as typed: no links, images, HTML or styling."""
    text = _CONTROL.sub("", str(value)).replace("\n", " ")
    # '&' first, so that entities typed by the user show as typed instead of being decoded.
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text.replace("&", "&amp;"))
    for pattern, replacement in _AUTOLINK_BREAKERS:
        text = pattern.sub(replacement, text)
    return text


# In JSON inside a <script>, "</script>" or "<!--" would end or change the script, and two
# line separators end a JavaScript line: all become \u escapes, which JSON reads back as-is.
_SCRIPT_JSON_ESCAPES = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


# A JSON string, with its escapes.
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def _braces_escaped(found: re.Match[str]) -> str:
    return found.group(0).replace("{", "\\u007b").replace("}", "\\u007d")


def script_json(value: object) -> str:
    """A JSON value that can be pasted into a <script> as a JavaScript expression.

    Folium hands a macro's rendered script to Jinja once more, as a template: a `{{ … }}` in
    a string would run there. Braces inside strings are written as \\u escapes, which JSON
    reads back as braces; JSON's own braces never pair up as `{{`, `{%` or `{#`.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return _JSON_STRING.sub(_braces_escaped, text.translate(_SCRIPT_JSON_ESCAPES))
