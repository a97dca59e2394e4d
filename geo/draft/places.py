"""Where a sentence says a thing happened, found with the offline gazetteer.

Each capitalised name in a sentence is looked up (exact names and other names only: a typo
guess on running text misleads). The words around a name decide what it is:
- "in Brussels", "at the United Nations": the place it happened (precision by kind);
- "around the port city of Mariupol", "closer to the capital Kyiv": near a town (2);
- "Kharkiv's mayor", "Ukraine's health ministry", "the Kharkiv attacks": the place of who
  acted or what happened;
- "providing Ukraine with": the recipient;
- "the border with Belarus": a stretch of border nobody named, left unplaced;
- a country alone ("the United States and Russia") is an actor, not a place.
An organisation named as the actor ("The European Union placed ...", "The Kremlin
accused ...") is placed at its seat, at country precision, and says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from geo.gazetteer import Entry, Gazetteer
from geo.geodesy import distance_km

# Names that stand for a seat: the organisation acts, its seat is where.
SEATS: dict[str, tuple[str, str]] = {
    "European Union": ("Brussels", "BE"),
    "EU": ("Brussels", "BE"),
    "European Commission": ("Brussels", "BE"),
    "NATO": ("Brussels", "BE"),
    "United Nations": ("New York City", "US"),
    "UN": ("New York City", "US"),
    "UN Security Council": ("New York City", "US"),
    "Kremlin": ("Moscow", "RU"),
    "White House": ("Washington", "US"),
    "Pentagon": ("Washington", "US"),
}
# Upper-case short names that are countries; any other such word is an acronym, not a town.
COUNTRY_ACRONYMS = {"US": "US", "USA": "US", "UK": "GB", "UAE": "AE", "DRC": "CD"}
# Words before a name that make it a person's ("President Volodymyr Zelenskiy").
PERSON_TITLES = {
    "President", "Prime", "Minister", "Mayor", "Governor", "General", "Chancellor", "King",
    "Queen", "Prince", "Pope", "Senator", "Secretary", "Chief", "Commander", "Ambassador",
    "Mr", "Mrs", "Ms", "Dr", "Sir", "Lord", "Lady", "Colonel", "Captain",
}  # fmt: skip
# After "X's": who or what of the place acted or was hit.
_OF_PLACE = (
    r"mayor|governor|administration|officials?|ministry|government|authorities|police|"
    r"military|army|forces|parliament|president|ambassador|embassy|institutions|bank|"
    r"central bank|health ministry|defence ministry|foreign ministry|prosecutors?|council"
)
_POSSESSIVE_OF_PLACE = re.compile(
    rf"^['’]s\s+(?:[A-Za-z-]+\s+){{0,2}}?(?:{_OF_PLACE})\b", re.IGNORECASE
)
_LOCATIVE = re.compile(r"\b(?:in|at|inside|across|throughout)\s+(?:the\s+)?$", re.IGNORECASE)
_DIRECTION = (
    r"(?:north|south|east|west|north-?east|north-?west|south-?east|south-?west)(?:ern)?|central"
)
_LOCATIVE_DIRECTION = re.compile(
    rf"\b(?:in|across)\s+(?:the\s+)?(?P<direction>{_DIRECTION})\s+$", re.IGNORECASE
)
_NEAR = re.compile(
    r"\b(?:near|around|outside|close\s+to|closer\s+to|towards?|on\s+the\s+outskirts\s+of"
    rf"|(?:{_DIRECTION})\s+of)\s+(?:the\s+)?(?:[a-z-]+\s+){{0,3}}?"
    r"(?:(?:city|town|village|capital|port)(?:\s+of)?\s+)?$",
    re.IGNORECASE,
)
_TOWN_WORD = re.compile(r"\b(?:city|town|village|capital|port)(?:\s+of)?\s+$", re.IGNORECASE)
_BORDER = re.compile(r"\bborder\s+with\s+(?:the\s+)?(?:[A-Za-z-]+\s+){0,3}?$", re.IGNORECASE)
_RECIPIENT = re.compile(
    r"\b(?:providing|supplying|sending|delivering|giving|arming)\s+$", re.IGNORECASE
)
_NEIGHBOUR = re.compile(r"^['’]s\s+(?:[a-z-]+\s+)?neighbou?r\b", re.IGNORECASE)
_X_IN_PLACE = re.compile(r"^\s+in\s+", re.IGNORECASE)
_ATTRIBUTIVE = re.compile(r"^\s+(?!and\b|or\b|in\b|on\b|of\b|to\b|as\b|with\b)[a-z]")

# How sure each reading is that the name is where the event happened.
SCORES = {
    "locative": 0.9,
    "near": 0.85,
    "town": 0.85,
    "recipient": 0.8,
    "border": 0.8,
    "place of": 0.75,
    "attributive": 0.7,
    "subject": 0.6,
    "unresolved": 0.55,
    "seat": 0.55,
    "bare": 0.45,
    "neighbour": 0.5,
    "container": 0.3,
    "actor": 0.2,
}
PLACE_THRESHOLD = 0.5  # below this, a name is not where the sentence's event happened
# A town named without any word that places it must be big to be read as a town at all:
# small places share their names with people and words ("Stoltenberg", "Western").
BARE_TOWN_MIN_POPULATION = 100_000
CUED_TOWN_MIN_POPULATION = 1_000

# Capitalised words, joined by "of", "de", "upon" ... only between two of them.
_NAME = re.compile(r"\b[A-Z][\w’'.-]*(?:\s+(?:(?:de|al|el|la|of)\s+)*[A-Z][\w’'.-]*)*")


@dataclass(frozen=True)
class PlaceMention:
    words: str  # the sentence's words, verbatim ("the port city of Mariupol")
    name: str  # the place's name as the gazetteer has it
    entry: Entry | None  # None: named but not placed (a border, an unknown name)
    reading: str  # a key of SCORES
    precision: int
    start: int  # offset of the name in the sentence
    confidence: float  # the gazetteer's and the reading's
    note: str | None = None
    country: str | None = None  # known even when unplaced (the border with Belarus: BY)
    named: Entry | None = None  # what the name itself is, placed or not ("Belarus")
    end: int = 0  # offset just after the name in the sentence

    @property
    def score(self) -> float:
        return SCORES[self.reading]


def _names(sentence: str) -> list[tuple[int, int]]:
    """(start, end) of each run of capitalised words; possessives and hyphens end a run."""
    out: list[tuple[int, int]] = []
    for found in _NAME.finditer(sentence):
        text = found[0]
        start = found.start()
        for part in re.split(r"(['’]s\b)", text):
            if part and not re.fullmatch(r"['’]s", part):
                stripped = part.strip().rstrip(".")  # the sentence's full stop
                offset = text.index(part)
                lead = len(part) - len(part.lstrip())
                if stripped:
                    out.append((start + offset + lead, start + offset + lead + len(stripped)))
    return out


def find_places(sentence: str, gazetteer: Gazetteer) -> list[PlaceMention]:
    """Every name in the sentence the gazetteer knows, with how it is read; best first."""
    mentions: list[PlaceMention] = []
    for start, end in _names(sentence):
        mentions.extend(_mentions_in(sentence, start, end, gazetteer))
    mentions = [_near_the_next(sentence, m, mentions, gazetteer) for m in mentions]
    return sorted(mentions, key=lambda m: (-m.score, _specific(m), m.start))


# A place said to be near another one is looked for there: of the many villages called
# Kamianka, "the village of Kamianka near Izium" is the one within this distance of Izium.
NEAR_ANOTHER_KM = 50.0
_NEAR_ANOTHER = re.compile(r"^\s+(?:near|outside|close\s+to)\s+", re.IGNORECASE)


def _near_the_next(
    sentence: str, mention: PlaceMention, mentions: list[PlaceMention], gazetteer: Gazetteer
) -> PlaceMention:
    cue = _NEAR_ANOTHER.match(sentence[mention.end :]) if mention.end else None
    if cue is None or mention.entry is None or mention.entry.kind != "city":
        return mention
    anchor_at = mention.end + cue.end()
    anchors = [m for m in mentions if m.start == anchor_at and m.entry is not None]
    if not anchors:
        return mention
    anchor = anchors[0].entry
    assert anchor is not None
    name = sentence[mention.start : mention.end]
    nearby = [
        (km, match.entry)
        for match in gazetteer.matches(name, fuzzy=False)
        if (km := _km(match.entry, anchor)) <= NEAR_ANOTHER_KM
    ]
    if nearby:
        entry = min(nearby, key=lambda pair: pair[0])[1]
        return replace(mention, name=entry.name, entry=entry, named=entry)
    words = sentence[mention.start : anchor_at + len(anchor.name)]
    return replace(
        mention,
        words=words,
        name=anchor.name,
        entry=anchor,
        reading="near",
        precision=2,
        country=anchor.country,
        note=f"'{words}': no {name} within {NEAR_ANOTHER_KM:.0f} km of {anchor.name} in the "
        f"gazetteer, so it is placed near {anchor.name}",
    )


def _km(a: Entry, b: Entry) -> float:
    return distance_km((a.latitude, a.longitude), (b.latitude, b.longitude))


def _specific(mention: PlaceMention) -> int:
    kind = mention.entry.kind if mention.entry else "country"
    return {"city": 0, "region": 1, "country": 2}.get(kind, 3)


_NOT_PLACES = re.compile(
    r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April"
    r"|May|June|July|August|September|October|November|December|The|A|An|In|At|On|But|And)$"
)
# Readings that say nothing of place: a part of a longer name read so is a person's or a
# thing's name ("Vladimir Medinsky"), never a town.
_UNCUED = {"bare", "subject", "actor", "container", "attributive"}


def _mentions_in(sentence: str, start: int, end: int, gazetteer: Gazetteer) -> list[PlaceMention]:
    words = sentence[start:end].split()
    if words and words[0].rstrip(".") in PERSON_TITLES:
        return []
    found: list[PlaceMention] = []
    taken = [False] * len(words)
    # Longest first, so that "New York" wins over "York" and "United Nations" over "United".
    for size in range(len(words), 0, -1):
        for first in range(len(words) - size + 1):
            if any(taken[first : first + size]):
                continue
            part = " ".join(words[first : first + size])
            if _NOT_PLACES.match(part):
                continue
            offset = start + _offset(sentence[start:end], words, first)
            mention = _read(sentence, offset, offset + len(part), part, gazetteer)
            if mention is not None and size < len(words) and mention.reading in _UNCUED:
                continue
            if mention is not None:
                found.append(mention)
                taken[first : first + size] = [True] * size
    if not found:
        unresolved = _unresolved(sentence, start, end)
        if unresolved is not None:
            found.append(unresolved)
    return found


def _unresolved(sentence: str, start: int, end: int) -> PlaceMention | None:
    """ "in Xyzzyville": a name the sentence places the event at, which the gazetteer lacks."""
    name = sentence[start:end]
    if _NOT_PLACES.match(name) or name in SEATS or (name.isupper() and len(name) <= 4):
        return None
    before = sentence[:start]
    cue = _NEAR.search(before) or _TOWN_WORD.search(before)
    cue = cue or re.search(r"\b(?:in|near|outside)\s+$", before)
    if cue is None or re.search(r"\b(?:in|at)\s+the\s+$", before):
        return None  # "in the Kremlin's view", "the Kharkiv attacks": not a place said
    words = sentence[cue.start() : end]
    return PlaceMention(
        words,
        name,
        None,
        "unresolved",
        3,
        start,
        0.0,
        f"'{words}': the gazetteer does not know {name}; place it by hand",
    )


def _offset(run: str, words: list[str], index: int) -> int:
    position = 0
    for word in words[:index]:
        position = run.index(word, position) + len(word)
    return run.index(words[index], position)


def _read(
    sentence: str, start: int, end: int, name: str, gazetteer: Gazetteer
) -> PlaceMention | None:
    before, after = sentence[:start], sentence[end:]
    if re.search(r"-(?:led|backed|based|born)\b", after[:8]):
        return None  # "US-led", "Western-backed": a description, not a place
    if name in SEATS:
        return _seat(sentence, start, end, name, gazetteer)
    if name.isupper() and len(name) <= 4:
        if name not in COUNTRY_ACRONYMS:
            return None
        matches = gazetteer.matches(COUNTRY_ACRONYMS[name], fuzzy=False)
        matches = [m for m in matches if m.entry.kind == "country"]
    else:
        matches = gazetteer.matches(name, fuzzy=False)
    if not matches:
        return None
    match = matches[0]
    entry = match.entry
    neighbour = _NEIGHBOUR.match(after)
    if neighbour is not None and entry.kind == "country":
        words = sentence[start : end + neighbour.end()]
        return PlaceMention(
            words, f"{entry.name}'s neighbour", None, "neighbour", 3, start, 0.0,
            f"'{words}': which country is not said", None, entry, end,
        )  # fmt: skip
    reading, direction = _reading(before, after, entry, start == _first_word(sentence))
    if reading is None:
        return None
    if entry.kind == "city":
        cued = reading not in ("bare", "subject", "actor", "container")
        floor = CUED_TOWN_MIN_POPULATION if cued else BARE_TOWN_MIN_POPULATION
        if entry.population < floor:
            return None
    precision = 3 if entry.kind != "city" else (2 if reading == "near" else 1)
    words = _words_of(sentence, start, end, reading)
    note = None
    if direction:
        note = (
            f"the {direction.lower()} part of {entry.name}: placed at {entry.name}'s own "
            "point; move it when the text says where"
        )
    if reading == "border":
        return PlaceMention(
            words,
            f"Border with {entry.name}",
            None,
            reading,
            3,
            start,
            0.0,
            f"'{words}': the sentence does not say which stretch of the border; place it by hand",
            entry.country or None,
            entry,
            end,
        )
    return PlaceMention(
        words,
        entry.name,
        entry,
        reading,
        precision,
        start,
        match.confidence,
        note,
        entry.country,
        entry,
        end,
    )


def _first_word(sentence: str) -> int:
    found = re.match(r"\s*(?:The\s+)?", sentence)
    return found.end() if found else 0


def _reading(before: str, after: str, entry: Entry, first: bool) -> tuple[str | None, str | None]:
    direction = _LOCATIVE_DIRECTION.search(before)
    if direction is not None:
        return "locative", direction["direction"]
    if _BORDER.search(before):
        return "border", None
    if _NEAR.search(before):
        return "near", None
    if _TOWN_WORD.search(before):
        return "town", None
    if _LOCATIVE.search(before):
        return "locative", None
    if entry.kind == "country" and _RECIPIENT.search(before):
        return "recipient", None
    if _POSSESSIVE_OF_PLACE.match(after):
        return "place of", None
    if re.match(r"^['’]s\b", after):
        return "container", None  # "Ukraine's second largest city", "Russia's neighbour"
    if entry.kind != "country" and _X_IN_PLACE.match(after):
        return "locative", None  # "Kharkiv in Ukraine's northeast"
    if entry.kind != "country" and re.search(r"\bthe\s+$", before) and _ATTRIBUTIVE.match(after):
        return "attributive", None  # "the Kharkiv attacks"
    if entry.kind == "country":
        return "actor", None
    return ("subject" if first else "bare"), None


def _words_of(sentence: str, start: int, end: int, reading: str) -> str:
    """The phrase that places the name, verbatim: "around the port city of Mariupol"."""
    before = sentence[:start]
    pattern = {
        "near": _NEAR,
        "town": _TOWN_WORD,
        "locative": _LOCATIVE_DIRECTION if _LOCATIVE_DIRECTION.search(before) else _LOCATIVE,
        "border": _BORDER,
    }.get(reading)
    if pattern is not None:
        found = pattern.search(before)
        if found is not None:
            return sentence[found.start() : end]
    return sentence[start:end]


def _seat(
    sentence: str, start: int, end: int, name: str, gazetteer: Gazetteer
) -> PlaceMention | None:
    before = sentence[:start]
    at = re.search(r"\bat\s+(?:the\s+)?$", before, re.IGNORECASE)
    subject = start == _first_word(sentence)
    if not (at or subject):
        return None  # "EU membership", "UN refugee agency": named, not acting there
    if re.match(
        r"^\s+(?:[\w-]+\s+){0,3}?(?:chief|head|spokes\w+|officials?|envoy|agency)\b", sentence[end:]
    ):
        return None  # "NATO chief Jens Stoltenberg said": a person speaks, not the seat
    seat, country = SEATS[name]
    matches = [m for m in gazetteer.matches(seat, fuzzy=False) if m.entry.country == country]
    if not matches:
        return None
    return PlaceMention(
        sentence[at.start() if at else start : end],
        matches[0].entry.name,
        matches[0].entry,
        "seat",
        3,
        start,
        matches[0].confidence * 0.8,
        f"{name} is placed at its seat, {matches[0].entry.name}",
    )
