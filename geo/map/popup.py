"""The HTML shown for one event (popup) and its tooltip. Every user string goes through escape."""

from __future__ import annotations

import re

from geo.escape import escape_text, link
from geo.model import ID_TEXT, Event, Figure, country_name
from geo.vocabulary import GEO_PRECISION_LABELS, style_of

EVENT_ID_LABEL = "Event ID:"
_EVENT_ID_IN_TEXT = re.compile(re.escape(EVENT_ID_LABEL) + rf"\s*({ID_TEXT})")


def _figures(label: str, figures: list[Figure]) -> str:
    if not figures:
        return ""
    items = "".join(f"<li>{escape_text(f.describe())}</li>" for f in figures)
    return f'<div class="ea-figures"><b>{label}</b><ul>{items}</ul></div>'


def place_label(event: Event) -> str:
    parts = [event.place.name]
    if event.place.admin1:
        parts.append(event.place.admin1)
    if event.place.country:
        parts.append(country_name(event.place.country))
    return ", ".join(parts)


def precision_label(event: Event) -> str:
    if event.place.geo_precision is None:
        return "not geocoded yet"
    return GEO_PRECISION_LABELS[event.place.geo_precision]


# The plain names of the fields a source's labels come from, per format of the file it was
# imported from (geo.model.Origin.format): the reader sees "ACLED event type", not "event_type".
# Keys are compared without case or separators, so "EventCode" and "eventcode" are one field.
SOURCE_FIELD_NAMES: dict[str, dict[str, str]] = {
    "acled": {
        "event_type": "ACLED event type",
        "sub_event_type": "ACLED sub-event type",
        "disorder_type": "ACLED disorder type",
    },
    "gdelt": {
        "eventcode": "CAMEO event code",
        "eventrootcode": "CAMEO root code",
        "cameocodedescription": "CAMEO event",
    },
    "ucdp": {
        "type_of_violence": "UCDP type of violence",
        "conflict_name": "UCDP conflict",
        "dyad_name": "UCDP dyad",
    },
}
# Fields whose plain name is not their name with spaces, whatever file they came from.
COMMON_FIELD_NAMES: dict[str, str] = {"sub_event_type": "Sub-event type"}

_CAMEL_HUMP = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_FIELD_SEPARATORS = re.compile(r"[\s_\-.]+")


def field_key(name: str) -> str:
    """A field's name as a lookup key: "Sub-Event Type", "sub_event_type" and "subEventType"
    are one field (sub_event_type)."""
    words = _FIELD_SEPARATORS.split(_CAMEL_HUMP.sub(" ", name.strip()))
    return "_".join(w.lower() for w in words if w)


def _known_name(key: str, names: dict[str, str]) -> str | None:
    # Without separators: GDELT's "EventCode" is our "eventcode", ACLED's "event_type" stays one.
    squashed = key.replace("_", "")
    return next(
        (plain for field, plain in names.items() if field.replace("_", "") == squashed), None
    )


def plain_field_name(name: str, source_format: str | None = None) -> str:
    """The name a reader knows a label's field by: the source's own term where we know the
    source ("ACLED event type"), else the field's words ("Weapon System" -> "Weapon system")."""
    key = field_key(name)
    known = _known_name(key, SOURCE_FIELD_NAMES.get(source_format or "", {}))
    known = known or _known_name(key, COMMON_FIELD_NAMES)
    if known:
        return known
    words = key.replace("_", " ")
    return words[:1].upper() + words[1:] if words else name


def _same_text(text: str) -> str:
    """Text compared for repeats: the same words with any spacing are the same text."""
    return " ".join(text.split())


def summary_shown(event: Event) -> bool:
    """Whether the summary says something no quote or label already says (an ACLED row's notes
    can be both its summary and a quote): the quote is the source's words, so it stays."""
    if not event.summary:
        return False
    said = {_same_text(s.quote) for s in event.sources if s.quote}
    said |= {_same_text(value) for value in event.labels.values()}
    return _same_text(event.summary) not in said


def _labels_html(event: Event) -> str:
    """The source's own labels, each under its field's plain name (our type only groups them)."""
    if not event.labels:
        return ""
    source_format = event.origin.format if event.origin is not None else None
    lines = "".join(
        f'<div class="ea-label"><span class="ea-label-name">'
        f"{escape_text(plain_field_name(name, source_format))}:</span> {escape_text(value)}</div>"
        for name, value in event.labels.items()
    )
    return f'<div class="ea-labels">{lines}</div>'


def _sources_html(event: Event) -> str:
    """Each source's citation, with its quote unless an earlier source already gave those words."""
    quoted: set[str] = set()
    parts = []
    for s in event.sources:
        quote = ""
        if s.quote and _same_text(s.quote) not in quoted:
            quoted.add(_same_text(s.quote))
            quote = f"<blockquote>“{escape_text(s.quote)}”</blockquote>"
        parts.append(
            f'<div class="ea-source">{quote}'
            f'<div class="ea-cite">— {link(s.url, s.publisher)}, {escape_text(s.date.isoformat())}'
            "</div></div>"
        )
    return "".join(parts)


def popup_html(event: Event) -> str:
    style = style_of(event.event_type)
    sources = _sources_html(event)
    actors = (
        f'<div class="ea-actors"><b>Actors:</b> {escape_text(", ".join(event.actors))}</div>'
        if event.actors
        else ""
    )
    summary = (
        f'<p class="ea-summary">{escape_text(event.summary)}</p>' if summary_shown(event) else ""
    )
    tags = (
        f'<div class="ea-tags">Tags: {escape_text(", ".join(event.tags))}</div>'
        if event.tags
        else ""
    )
    labels = _labels_html(event)
    return (
        '<div class="ea-popup">'
        f'<div class="ea-popup-type" style="color:{style.colour}">'
        f"{escape_text(style.symbol)} {escape_text(style.label)}</div>"
        f"{labels}"
        f'<h3 class="ea-popup-title">{escape_text(event.title)}</h3>'
        f'<div class="ea-meta">{escape_text(event.date_label())} · '
        f"{escape_text(place_label(event))}"
        f"<br>Location precision: {escape_text(precision_label(event))}"
        "</div>"
        f"{_figures('Killed', event.fatalities)}{_figures('Injured', event.injured)}"
        f"{actors}{summary}{sources}{tags}"
        f'<div class="ea-id">{EVENT_ID_LABEL} {escape_text(event.id)}</div>'
        "</div>"
    )


# The detail panel reuses the popup's HTML; st.html shows it without Markdown, so bare URLs
# in user text stay text (Markdown would turn them into links).
PANEL_CSS = """<style>
.ea-panel .ea-popup{font-size:0.95rem;line-height:1.45}
.ea-panel .ea-popup-type{font-weight:700;text-transform:uppercase;font-size:.75rem;
  letter-spacing:.04em}
.ea-panel .ea-popup-title{font-size:1.3rem;font-weight:700;margin:.2rem 0 .3rem;padding:0}
.ea-panel .ea-meta{opacity:.75;font-size:.85rem;margin-bottom:.5rem}
.ea-panel .ea-figures ul{margin:.1rem 0 .4rem 1.2rem;padding:0}
.ea-panel blockquote{margin:.5rem 0 .2rem;padding:.3rem .6rem;border-left:3px solid #adb5bd;
  font-style:italic}
.ea-panel .ea-cite,.ea-panel .ea-id,.ea-panel .ea-tags,.ea-panel .ea-labels{
  font-size:.8rem;opacity:.75}
</style>"""


def panel_html(event: Event) -> str:
    return f'{PANEL_CSS}<div class="ea-panel">{popup_html(event)}</div>'


def title_html(title: str) -> str:
    return f'<h1 class="ea-page-title" style="margin:0;padding:.5rem 0">{escape_text(title)}</h1>'


def tooltip_text(event: Event) -> str:
    return escape_text(event.title)


def stub_popup_html(event_id: str) -> str:
    """What a large map embeds per event instead of its popup: the id the page asks for."""
    return (
        '<div class="ea-popup ea-popup-stub">Loading the event…'
        f'<div class="ea-id">{EVENT_ID_LABEL} {escape_text(event_id)}</div></div>'
    )


POPUP_TEXT_READ = 2_000


def event_id_in_popup_text(text: object) -> str | None:
    """The event id in popup text the map sent back (full popup or stub), unchecked.

    The id line is the popup's last line, so the last match wins over any look-alike text a
    title or quote may contain.
    """
    if not isinstance(text, str):
        return None
    # The id line is the last: a client's long text costs no more than a popup's end.
    matches = _EVENT_ID_IN_TEXT.findall(text[-POPUP_TEXT_READ:])
    return str(matches[-1]) if matches else None


def event_id_from_popup_text(text: object, known_ids: set[str]) -> str | None:
    """The id of the event whose popup text the map sent back, if it is one we know."""
    candidate = event_id_in_popup_text(text)
    return candidate if candidate in known_ids else None
