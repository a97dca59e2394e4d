"""What a sentence reports, from its wording: the event type, the figures with who claims
them, and the actors named."""

from __future__ import annotations

import re
from dataclasses import dataclass

from geo.vocabulary import EventType

# Most specific first: the first type whose words the sentence uses is its type.
_TYPE_WORDS: tuple[tuple[EventType, str], ...] = (
    (EventType.AIR_STRIKE, r"air ?strikes?|drone strikes?|air raids?|bombing raids?"),
    (
        EventType.SHELLING,
        r"shell(?:ed|ing|s)?|bombard\w*|artillery|pound(?:ed|ing)|missiles? strikes?"
        r"|missiles? (?:struck|hit|slammed)"
        r"|rockets? (?:hit|fire|attacks?)",
    ),
    (
        EventType.TERRITORY_SEIZED,
        r"seized?|(?:re)?captured?|retook|took control|taken control|overran|fell to",
    ),
    (EventType.ARMED_CLASH, r"fighting|fought|clash\w*|battles?|skirmish\w*|firefights?"),
    (EventType.SANCTIONS, r"sanctions?"),
    (EventType.NEGOTIATIONS, r"talks|negotiat\w+|ceasefire|peace deal|meeting|consultations"),
    (
        EventType.MILITARY_AID,
        r"providing \w+ with|weapons supplies|supplying weapons|military aid"
        r"|air-defence missiles|anti-tank weapons|arms deliveries",
    ),
    (
        EventType.CASUALTY_REPORT,
        r"(?:killed|died|dead|deaths?|wounded|injured)\b[^.]*\bsince",
    ),
    (
        EventType.ATTACK_ON_CIVILIANS,
        r"(?:civilians?|people|children|residents|family)\b[^.]*"
        r"\b(?:killed|died|dead|burned to death|wounded|injured)|killed|died|burned to death",
    ),
    (
        EventType.MILITARY_MOVEMENT,
        r"convoy|troops (?:moved|moving|advanced|advancing|massed)|invasion|invading"
        r"|launch pad|deployed|advance on",
    ),
    (EventType.DISPLACEMENT, r"fled|refugees?|displaced|evacuat\w+"),
    (EventType.DIPLOMACY, r"expelled|diplomats?|embassy|membership|accession|summoned"),
    (EventType.ECONOMIC, r"rouble|currency|interest rate|central bank|markets?|stock|inflation"),
    (EventType.HUMANITARIAN, r"humanitarian|aid convoy|corridor"),
    (EventType.PROTEST, r"protest\w*|rall(?:y|ies)|demonstrat\w+"),
)
# A claim or an accusation is a statement whatever it is about.
_STATEMENT_FIRST = re.compile(
    r"^\W*(?:The\s+)?[\w\s'’-]{0,40}?\b(?:accus\w+|calls|called|described|dismissed)\b"
)
_STATEMENT = re.compile(r"\b(?:said|says|told|tweeted|stated|called|calls|warned|speaking)\b")

TYPE_CONFIDENCE = 0.8
STATEMENT_CONFIDENCE = 0.5
OTHER_CONFIDENCE = 0.2


@dataclass(frozen=True)
class TypeFinding:
    event_type: EventType
    words: str | None  # the words that gave it
    confidence: float


def find_type(text: str) -> TypeFinding:
    statement_first = _STATEMENT_FIRST.search(text)
    if statement_first is not None:
        return TypeFinding(EventType.STATEMENT, statement_first[0].strip(), STATEMENT_CONFIDENCE)
    for event_type, words in _TYPE_WORDS:
        found = re.search(rf"\b(?:{words})\b", text, re.IGNORECASE)
        if found is not None:
            return TypeFinding(event_type, found[0], TYPE_CONFIDENCE)
    statement = _STATEMENT.search(text)
    if statement is not None:
        return TypeFinding(EventType.STATEMENT, statement[0], STATEMENT_CONFIDENCE)
    return TypeFinding(EventType.OTHER, None, OTHER_CONFIDENCE)


def is_weak(finding: TypeFinding) -> bool:
    """A type that a neighbouring sentence's own wording may replace."""
    return finding.event_type in (EventType.STATEMENT, EventType.OTHER)


# -- figures -----------------------------------------------------------------------------------

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "a hundred": 100,
    "dozens": 24, "hundreds": 200, "a dozen": 12,
}  # fmt: skip
_QUALIFIERS = {
    "at least": "at least",
    "more than": "more than",
    "over": "more than",
    "nearly": "about",
    "almost": "about",
    "about": "about",
    "around": "about",
    "some": "about",
    "up to": "at most",
    "at most": "at most",
    "fewer than": "fewer than",
    "less than": "fewer than",
}
_NUMBER = r"\d[\d,]*|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
_QUALIFIER = "|".join(sorted(_QUALIFIERS, key=len, reverse=True))
_PEOPLE = r"(?:people|civilians|children|residents|soldiers|troops|servicemen|persons|others)"
_FIGURE = re.compile(
    rf"\b(?:(?P<qualifier>{_QUALIFIER})\s+)?(?P<number>{_NUMBER})\s+"
    rf"(?:(?:\w+\s+){{0,2}}?)(?P<who>{_PEOPLE})\b"
    r"(?P<rest>[^.;]*?)\b(?P<verb>killed|died|dead|burned to death|wounded|injured|hurt)\b",
    re.IGNORECASE,
)
# "…, killing at least three people": the verb first.
_FIGURE_AFTER_VERB = re.compile(
    r"\b(?P<verb>killing|wounding|injuring|killed|wounded|injured)\s+"
    rf"(?:(?P<qualifier>{_QUALIFIER})\s+)?(?P<number>{_NUMBER})\s+(?:\w+\s+){{0,2}}?{_PEOPLE}\b",
    re.IGNORECASE,
)
_FAMILY = re.compile(
    rf"\ba family with (?P<number>{_NUMBER}) children\b[^.;]*?"
    r"\b(?P<verb>killed|died|burned to death)\b",
    re.IGNORECASE,
)
_INCLUDING = re.compile(rf"including (?P<number>{_NUMBER}) (?P<who>{_PEOPLE})", re.IGNORECASE)
_INJURED = {"wounded", "injured", "hurt"}


@dataclass(frozen=True)
class FigureFinding:
    value: int
    qualifier: str
    injured: bool
    words: str  # verbatim
    note: str | None = None


def _value(words: str) -> int:
    lowered = words.lower()
    if lowered in _NUMBER_WORDS:
        return _NUMBER_WORDS[lowered]
    return int(lowered.replace(",", ""))


def find_figures(text: str) -> list[FigureFinding]:
    out: list[FigureFinding] = []
    for found in _FIGURE.finditer(text):
        if found["rest"].count(",") > 2:
            continue  # the verb belongs to another clause
        qualifier = _QUALIFIERS.get((found["qualifier"] or "").lower(), "exact")
        if found["number"].lower() in ("dozens", "hundreds"):
            # "dozens" is two dozen or more: at least 24, never an exact count.
            qualifier = "at least" if qualifier == "exact" else qualifier
        including = _INCLUDING.search(found["rest"])
        note = f"{including[0]}" if including else None
        out.append(
            FigureFinding(
                _value(found["number"]),
                qualifier,
                found["verb"].lower() in _INJURED,
                found[0],
                note,
            )
        )
    for found in _FIGURE_AFTER_VERB.finditer(text):
        if any(found[0] in f.words or f.words in found[0] for f in out):
            continue
        out.append(
            FigureFinding(
                _value(found["number"]),
                _QUALIFIERS.get((found["qualifier"] or "").lower(), "exact"),
                found["verb"].lower() in {"wounding", "injuring", "wounded", "injured"},
                found[0],
            )
        )
    for found in _FAMILY.finditer(text):
        # "a family with three children had burned to death": the children, not the family.
        out = [f for f in out if f.words not in found[0] and found[0] not in f.words]
        out.append(
            FigureFinding(
                _value(found["number"]),
                "at least",
                False,
                found[0],
                "counts the children only: the sentence does not say how many adults",
            )
        )
    return out


# -- who said it, who acted --------------------------------------------------------------------

_SAID = r"(?:said|says|told reporters|told|tweeted|reported|announced|claimed|stated)"
_SPEAKER_BEFORE = re.compile(
    r"^\W*(?:In [A-Z][\w ]*?,\s+)?"
    r"(?P<who>(?:[A-Z]|the\s|The\s)[^,;:\"“]{2,90}?(?:,\s+[A-Z][\w.\s-]+,)?)"
    rf"\s+{_SAID}\b"
)
_SPEAKER_AFTER = re.compile(
    rf",\s+{_SAID}\s+(?P<who>(?:the\s+)?[^,.;]{{3,90}}?(?:,\s+[A-Z][\w\s-]+)?)[.;]?$"
)
# "…, killing three people, regional governor Maksym Marchenko said."
_SPEAKER_LAST = re.compile(rf",\s+(?P<who>[A-Za-z][^,;\"“”]{{2,90}}?)\s+{_SAID}\.?$")
_ACCORDING_TO = re.compile(r"according to (?P<who>(?:the\s+)?[^,.;]{3,80})")
_PRONOUN = re.compile(rf",?\s*(?:he|she|they)\s+{_SAID}\b", re.IGNORECASE)


def find_speaker(text: str) -> str | None:
    """Who the sentence says said it, verbatim; None if it names nobody."""
    for pattern in (_ACCORDING_TO, _SPEAKER_AFTER, _SPEAKER_LAST, _SPEAKER_BEFORE):
        found = pattern.search(text)
        if found is not None:
            who = found["who"].strip().strip(",")
            if not re.match(r"(?i)^(?:he|she|they|it|officials)$", who):
                return re.sub(r"^the\s+", "", who)
    return None


def says_pronoun(text: str) -> bool:
    """ "..., he said.": the speaker is named in an earlier sentence."""
    return _PRONOUN.search(text) is not None


_ACTOR_NOUNS = (
    r"forces|troops|army|artillery|military|officials|delegation|soldiers|navy|air force|"
    r"government|side|oligarchs|diplomats"
)
_NATIONAL_ACTOR = re.compile(
    rf"\b(?P<who>(?:Russian|Ukrainian|Belarusian|American|US|British|European|Western|Chinese)"
    rf"\s+(?:{_ACTOR_NOUNS}))\b"
)
_PERSON = re.compile(
    r"\b(?:President|Prime Minister|Minister|Mayor|Governor|chief|head|adviser|ambassador|mayor|"
    r"spokesman|spokeswoman)\s*,?\s+(?P<who>[A-Z][a-z]+(?:\s+[A-Z][a-z]+){1,2})\b"
)


def find_actors(text: str) -> list[str]:
    """People and forces the sentence names, verbatim, each once."""
    found: list[str] = []
    for pattern in (_PERSON, _NATIONAL_ACTOR):
        for match in pattern.finditer(text):
            who = match["who"]
            if who not in found:
                found.append(who)
    return found
