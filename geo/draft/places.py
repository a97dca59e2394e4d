"""Where a sentence says a thing happened, found with the offline gazetteer.

Each capitalised name in a sentence is looked up (exact names and other names only: a typo
guess on running text misleads). The words around a name decide what it is:
- "in Brussels", "at the United Nations": the place it happened (precision by kind);
- "around the port city of Mariupol", "closer to the capital Kyiv", "in the area of Jenin",
  "the Jenin area": near a town (2);
- "in the occupied West Bank", "the Gaza Strip": the territory, a region of its country;
- "Kharkiv's mayor", "Ukraine's health ministry", "the Kharkiv attacks": the place of who
  acted or what happened;
- "providing Ukraine with": the recipient;
- "drones hit Zaporizhzhia", "artillery fire on Nikopol": the place that was hit;
- "the border with Belarus": a stretch of border nobody named, left unplaced;
- a country alone ("the United States and Russia") is an actor, not a place;
- "Kharkiv region", "in Donetsk oblast", "Khartoum state": the region (precision 3); "the
  Bakhmut district": near its town (2);
- "the capital, Nairobi", "Kherson, a port city in the south": the town an appositive names;
- "the city of Zolote in the Luhansk region", "Kharkiv, in Ukraine", "Darfur's El Fasher": the
  place inside the other, the one of its name that lies there; the container is not the place,
  nor is a country or region when the sentence names a town inside it;
- "KYIV (Reuters) —": a dateline places its sentence when the sentence names no other place.
A capitalised common word ("Police in Kenya", "Mobile phone networks") is a town only when a
place word says so ("in Mobile"); a word of a longer name ("the Hill Country") never is.
An organisation named as the actor ("The European Union placed ...", "The Kremlin
accused ...") is placed at its seat, at country precision, and says so.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Set
from dataclasses import dataclass, replace

from geo.draft.sentences import find_dateline
from geo.gazetteer import Entry, Gazetteer, Match, _subdivision_countries
from geo.geodesy import distance_km
from geo.model import country_name
from geo.text import fold

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
# Territories the gazetteer knows only by their country and first-level region code: "the
# occupied West Bank" names the Palestinian Territory (PS) and holds Jenin and Tubas.
TERRITORIES: dict[str, tuple[str, str]] = {
    "West Bank": ("PS", "WE"),
    "Gaza Strip": ("PS", "GZ"),
}
# Upper-case short names that are countries; any other such word is an acronym, not a town.
COUNTRY_ACRONYMS = {"US": "US", "USA": "US", "UK": "GB", "UAE": "AE", "DRC": "CD"}
# Words before a name that make it a person's ("President Volodymyr Zelenskiy").
PERSON_TITLES = {
    "President", "Prime", "Minister", "Mayor", "Governor", "General", "Chancellor", "King",
    "Queen", "Prince", "Pope", "Senator", "Secretary", "Chief", "Commander", "Ambassador",
    "Mr", "Mrs", "Ms", "Dr", "Sir", "Lord", "Lady", "Colonel", "Captain", "Premier",
    "Deputy", "Vice", "Lieutenant", "Major", "Brigadier", "Admiral", "Marshal", "Sergeant",
    "Judge", "Bishop", "Archbishop", "Sheikh", "Imam", "Rabbi", "Emir", "Sultan", "Speaker",
    "Spokesman", "Spokeswoman", "Gen", "Lt", "Col", "Sgt", "Capt", "Gov", "Sen", "Rep",
}  # fmt: skip
# Capitalised words that are also common English words, and names of towns the gazetteer has
# (often by another name: "Sale" is Salé, "Log" is Łódź). At a sentence's start or before a
# verb they are words ("Police in Kenya clashed", "Mobile phone networks"): a town only when a
# place word says so ("in Mobile", "the town of Bar"). The article's own lower-case words
# count too (find_places' common_words).
_COMMON_WORDS = """
    Advance Agency Air Airport Alliance Along Area Artillery Ask Bank Banks Bar Battle Bay
    Beach Bear Bend Best Blast Boom Border Brick Bridge Bright Castle Center Central Centre
    Church Clay College Commerce Concord Congress Convoy Cool Council Court Crystal Culture
    Dam Date Deal Delta Diamond Drone Eagle Energy Enterprise Farmers Farms Fox Freedom
    Friendly Front Garden Gas Give Globe Gold Grain Grand Green Grove Hard Holiday Hook Hope
    Hospital Hub Human Hurricane Independence Industry Island Justice Labor Lake Landing Law
    Legacy Liberal Liberty Line Log Long Lot Male Man Mango Marine Marines Market Marks Media
    Men Meta Metro Mine Mining Mission Mobile Most Much Nice Normal Oil Opportunity Orange Page
    Paradise Park Peace Police Port Post Premier Price Progress Providence Rain Reading Real Red
    Reform Reserve Retreat Road Root Sale Salt Same Say Sea Sector Security Send Settle Shell
    Side Sky Snow Split Spring Star Station Still Stone Street Success Surprise Temple
    Terminal Time Toll Tower Trail Union Unity University Van Vice Volcano Voters Wake War
    Welcome Worth Zone
"""
COMMON_WORDS = frozenset(_COMMON_WORDS.split())
# After "X's": who or what of the place acted or was hit.
_OF_PLACE = (
    r"mayor|governor|administration|officials?|ministry|government|authorities|police|"
    r"military|army|forces|parliament|president|ambassador|embassy|institutions|bank|"
    r"central bank|health ministry|defence ministry|foreign ministry|prosecutors?|council"
)
_POSSESSIVE_OF_PLACE = re.compile(
    rf"^['’]s\s+(?:[A-Za-z-]+\s+){{0,2}}?(?:{_OF_PLACE})\b", re.IGNORECASE
)
# "in the occupied West Bank", "in Israeli-occupied East Jerusalem": still where it happened.
_OCCUPIED = r"(?:(?:[A-Z][a-z]+-)?occupied\s+)?"
_LOCATIVE = re.compile(
    rf"\b(?:in|at|inside|across|throughout)\s+(?:the\s+)?{_OCCUPIED}$", re.IGNORECASE
)
_DIRECTION = (
    r"(?:north|south|east|west|north-?east|north-?west|south-?east|south-?west)(?:ern)?|central"
)
_LOCATIVE_DIRECTION = re.compile(
    rf"\b(?:in|across)\s+(?:the\s+)?(?P<direction>{_DIRECTION})\s+$", re.IGNORECASE
)
_NEAR = re.compile(
    r"\b(?:near|around|outside|close\s+to|closer\s+to|towards?|on\s+the\s+outskirts\s+of"
    r"|(?:area|vicinity|surroundings)\s+of"
    rf"|(?:{_DIRECTION})\s+of)\s+(?:the\s+)?(?:[a-z-]+\s+){{0,3}}?"
    r"(?:(?:city|town|village|capital|port)(?:\s+of)?\s+)?$",
    re.IGNORECASE,
)
# "the city of Mariupol", "the capital Kyiv", and with a comma, "in the capital, Nairobi".
_TOWN_WORD = re.compile(
    r"\b(?:city|town|village|capital|port)(?:(?P<of>\s+of)|(?P<comma>,))?\s+$", re.IGNORECASE
)
# "artillery fire on Nikopol", "the shelling of Tiahynka": the place that was hit.
_TARGET = re.compile(
    r"\b(?:attacks?|strikes?|fire|shelling|assaults?|offensive|raids?|bombardment|bombing"
    r"|barrage|siege)\s+(?:on|of|against)\s+(?:the\s+)?$",
    re.IGNORECASE,
)
# "Russian drones hit Zaporizhzhia", "as they tried to flee El Fasher": a verb whose object is
# the place hit, taken or left.
_TARGET_VERB = re.compile(
    r"\b(?:shell(?:s|ed|ing)?|str(?:uck|ikes?|iking)|hit(?:s|ting)?|bomb(?:s|ed|ing)?"
    r"|attack(?:s|ed|ing)?|pound(?:s|ed|ing)?|target(?:s|ed|ing)?|raid(?:s|ed|ing)?"
    r"|storm(?:s|ed|ing)?|besieg(?:e|es|ed|ing)|encircl(?:e|es|ed|ing)|surround(?:s|ed|ing)?"
    r"|captur(?:e|es|ed|ing)|seiz(?:e|es|ed|ing)|recaptur(?:e|es|ed|ing)|retook|retak(?:e|es|en)"
    r"|overr(?:an|un|uns)|enter(?:s|ed|ing)?|fle(?:e|es|d|eing)|evacuat(?:e|es|ed|ing)"
    r"|leav(?:e|es|ing)|left"
    r"|rock(?:s|ed|ing)?|shook)\s+$",
    re.IGNORECASE,
)
# "the Jenin area", "in the Goma area": around the town, not in it.
_AREA_AFTER = re.compile(r"^\s+area\b(?!\s+of\b)", re.IGNORECASE)
_LOCATIVE_TOWN = re.compile(
    r"\b(?:in|at|inside)\s+(?:the\s+)?(?:[\w-]+\s+){0,3}?"
    r"(?:city|town|village|capital|port)(?:\s+of|,)?\s+$",
    re.IGNORECASE,
)
_BORDER = re.compile(r"\bborder\s+with\s+(?:the\s+)?(?:[A-Za-z-]+\s+){0,3}?$", re.IGNORECASE)
_RECIPIENT = re.compile(
    r"\b(?:providing|supplying|sending|delivering|giving|arming)\s+$", re.IGNORECASE
)
_NEIGHBOUR = re.compile(r"^['’]s\s+(?:[a-z-]+\s+)?neighbou?r\b", re.IGNORECASE)
# "Kharkiv in Ukraine's northeast", "Gomel, in Belarus": a place said to be inside another.
_X_IN_PLACE = re.compile(r"^,?\s+in\s+", re.IGNORECASE)
_ATTRIBUTIVE = re.compile(r"^\s+(?!and\b|or\b|in\b|on\b|of\b|to\b|as\b|with\b)[a-z]")
# "US-led", "Russian-held": a description, not a place.
_DESCRIPTION = re.compile(
    r"^-(?:led|backed|based|born|held|occupied|controlled|run|allied|aligned|linked|made"
    r"|built|style|bound)\b"
)
# "Kherson, a port city in the south", "El Fasher, the capital of North Darfur state",
# "Omdurman, Khartoum's twin city across the Nile": an appositive that says it is a place.
_PLACE_NOUN = (
    r"(?:city|town|village|capital|port|settlement|hamlet|suburb|district|region|province"
    r"|state|oblast|enclave|outpost|hub|stronghold)"
)
_PLACE_APPOSITIVE = re.compile(
    rf"^,\s+(?:(?:a|an|the)\s+|[A-Z][\w-]*['’]s\s+)(?:[\w-]+\s+){{0,3}}?{_PLACE_NOUN}s?"
    r"(?=\s*[,.;:)]|\s*$|\s+(?:in|on|of|near|close|about|some|just|north|south|east|west"
    r"|that|which|where|whose|with|along|by|under|held|controlled|bordering|across|\d))"
)
# "the Baltic states", "the Gulf countries": a group of places, none of them named.
_GROUP = re.compile(r"^\s+(?:states|countries|nations|republics|regions|provinces)\b")
# A region named by its main town and a region word ("Kharkiv region", "Donetsk oblast",
# "Khartoum state"), or a district by its town ("the Bakhmut district").
_REGION_WORD = (
    r"regions?|oblasts?|provinces?|governorates?|states?|count(?:y|ies)|krais?|prefectures?"
    r"|districts?|raions?"
)
_NAMED_REGION = re.compile(rf"^(?P<base>.+?)\s+(?P<word>{_REGION_WORD})$", re.IGNORECASE)
_REGION_AFTER = re.compile(
    r"^\s+(?P<word>(?:region|oblast|province|governorate|state|krai|prefecture|district|raion)s?"
    r"|county|counties)\b(?![-’'])",
    re.IGNORECASE,
)
# "the Kharkiv and Donetsk regions": the first name shares the region word of the last.
_SHARED_REGION = re.compile(
    r"^(?:(?:\s*,\s*|\s+and\s+)[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*)+"
    r"\s+(?P<word>(?i:regions|oblasts|provinces|governorates|states|counties))\b"
)
# A state or county is looked for as the region of its town: only a sizeable town names one
# ("Khartoum state", "Kisumu county"), not a hamlet that shares a word ("the Gulf state").
STATE_TOWN_MIN_POPULATION = 100_000
# Capitalised words that end in the shapes of nationalities: "in Russian state media" is no
# place the gazetteer lacks.
_ADJECTIVE = re.compile(r"(?:an|ese|ish|ic|i)$")

# How sure each reading is that the name is where the event happened.
SCORES = {
    "locative": 0.9,
    "near": 0.85,
    "town": 0.85,
    "region": 0.85,  # a region word names it ("the Kherson province came under fire")
    "within": 0.85,  # said to be inside another place; find_places checks it is
    "target": 0.85,  # "artillery fire on Nikopol": the place that was hit
    "recipient": 0.8,
    "border": 0.8,
    "dateline": 0.75,  # where the report was filed: its sentence's place, if it names none
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
# By another of its names, it must be bigger still: "Hamas" is a name of Hamm, in Germany.
OTHER_NAME_BARE_MIN_POPULATION = 1_000_000
# Two spellings this alike (difflib's ratio) are one name ("Kamianka", "Kam'yanka").
SPELLED_ALIKE = 0.8

# Capitalised words, joined by "of", "de", "upon" ... only between two of them.
# "Deir el-Balah", "Ras al-Ain": an article joined to the next word belongs to the name.
# "Saut d'Eau": an elided article joined to the next word belongs to the name too.
_NAME = re.compile(
    r"\b[A-Z][\w’'.-]*"
    r"(?:\s+(?:(?:de|des|du|al|el|la|of)\s+)*(?:(?:al|el|an|ar|as|ash|ad|az|ed|ez)-|[dl]['’])?"
    r"[A-Z][\w’'.-]*)*"
)
# Words that make a longer name a landscape's ("the Hill Country", "the Rift Valley"): no word
# of it is a town on its own.
_FEATURE_WORDS = frozenset(
    {
        "Country", "Valley", "Valleys", "Hills", "Mountains", "Mountain", "Highlands",
        "Lowlands", "Plateau", "Plains", "Desert", "Forest", "Coast", "Basin", "Delta",
        "Corridor", "Belt", "Range", "Gorge", "Peninsula", "Lakes", "River", "Rivers",
    }
)  # fmt: skip


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
    # "in southeastern Ukraine": the part of the place the sentence names ("southeastern")
    direction: str | None = None

    @property
    def score(self) -> float:
        return SCORES[self.reading]


@dataclass(frozen=True)
class _Name:
    start: int
    end: int
    shared: str = ""  # a region word it shares with a later name ("Kharkiv and Donetsk regions")


def _names(sentence: str) -> list[_Name]:
    """Each run of capitalised words, with the region word after it if any ("Kharkiv region");
    possessives and hyphens end a run."""
    out: list[_Name] = []
    for found in _NAME.finditer(sentence):
        text = found[0]
        start = found.start()
        for part in re.split(r"(['’]s\b)", text):
            if part and not re.fullmatch(r"['’]s", part):
                stripped = part.strip().rstrip(".")  # the sentence's full stop
                offset = text.index(part)
                lead = len(part) - len(part.lstrip())
                if stripped:
                    first = start + offset + lead
                    out.append(_with_region_word(sentence, first, first + len(stripped)))
    return out


def _with_region_word(sentence: str, start: int, end: int) -> _Name:
    after = sentence[end:]
    word = _REGION_AFTER.match(after)
    # A plural closes a list ("the Kharkiv and Donetsk regions"); after one name it is a group
    # ("the Baltic states").
    listed = re.search(r"(?:\band|,)\s+$", sentence[:start]) is not None
    plural = word is not None and _singular(word["word"]) != word["word"].lower()
    if (
        word is not None
        and (listed or not plural)
        and _names_a_region(sentence[start:end], word["word"], after)
    ):
        return _Name(start, end + word.end())
    shared = _SHARED_REGION.match(after)
    if shared is not None:
        return _Name(start, end, _singular(shared["word"]))
    return _Name(start, end)


def _names_a_region(name: str, word: str, after: str) -> bool:
    """ "in Khartoum state, where" names a state; "in Russian state media" and "the Gulf state
    of Qatar" do not."""
    if _singular(word) not in ("state", "county"):
        return True
    rest = after[after.lower().index(word.lower()) + len(word) :]
    if re.match(r"^\s+of\b", rest):
        return False
    return not (_ADJECTIVE.search(name) and _ATTRIBUTIVE.match(rest))


def _singular(word: str) -> str:
    word = word.lower()
    return "county" if word == "counties" else word.removesuffix("s")


def lower_case_words(text: str) -> frozenset[str]:
    """The words a text writes in lower case ("police", "mobile"): a capitalised one of them
    is a common word, not a town, unless a place word says so."""
    return frozenset(re.findall(r"\b[a-z][a-z’'-]*\b", text))


def find_places(
    sentence: str, gazetteer: Gazetteer, *, common_words: Set[str] = frozenset()
) -> list[PlaceMention]:
    """Every name in the sentence the gazetteer knows, with how it is read; best first.

    common_words: the article's lower-case words (lower_case_words): a name that is one of
    them needs a place word to be a town. The sentence's own count without it."""
    lead = find_dateline(sentence)
    common = lower_case_words(sentence) | common_words
    mentions: list[PlaceMention] = []
    for name in _names(sentence):
        if lead is None or name.start >= lead.end():  # the dateline is read on its own
            mentions.extend(_mentions_in(sentence, name, gazetteer, common))
    dateline = _dateline(sentence, lead, gazetteer) if lead is not None else None
    mentions = [_near_the_next(sentence, m, mentions, gazetteer) for m in mentions]
    mentions = _countries_of_their_towns(sentence, mentions, dateline, gazetteer)
    mentions = _containers_give_way(_inside_others(sentence, mentions, gazetteer))
    if dateline is not None:
        mentions.append(_near_the_dateline(dateline, mentions))
    return sorted(mentions, key=mention_rank)


def _near_the_dateline(dateline: PlaceMention, mentions: list[PlaceMention]) -> PlaceMention:
    """ "KERRVILLE, Texas (AP) — Floods in the Hill Country …": when the sentence places its
    event only at names the gazetteer lacks, in the dateline's country or none, the event is
    near the dateline's town, as a reader takes it."""
    town = dateline.entry
    if town is None or town.kind != "city":
        return dateline
    placing = [m for m in mentions if m.score >= PLACE_THRESHOLD]
    if not placing or any(
        m.entry is not None or m.country not in (None, town.country) for m in placing
    ):
        return dateline
    unknown = ", ".join(f"'{m.name}'" for m in placing)
    return replace(
        dateline,
        reading="near",
        precision=2,
        confidence=min(dateline.confidence, SCORES["dateline"]),
        note=f"the gazetteer does not know {unknown}: placed near {town.name}, the dateline's "
        "town, where the report was filed; move it when the text says where",
    )


def mention_rank(mention: PlaceMention) -> tuple[bool, float, int, int]:
    # A dateline comes after every place its sentence names: it is the place only without one.
    return (mention.reading == "dateline", -mention.score, _specific(mention), mention.start)


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


# -- a place inside another -------------------------------------------------------------------

# "Zolote in the Luhansk region", "Kupiansk, in Kharkiv Oblast", "Babanusa in West Kordofan".
_IN_ANOTHER = re.compile(rf"^,?\s+in\s+(?:the\s+)?{_OCCUPIED}(?:(?:{_DIRECTION})\s+)?")
# "Zolote, Luhansk region", "Gomel, Belarus": a name and the region or country it is in.
_LISTED_WITH = re.compile(r"^,\s+(?:the\s+)?")
# "Darfur's El Fasher", "Sudan's El Fasher".
_OWNER = re.compile(r"\b[A-Z][\w-]*(?:\s+[A-Z][\w-]*)*['’]s\s+$")


def _inside_others(
    sentence: str, mentions: list[PlaceMention], gazetteer: Gazetteer
) -> list[PlaceMention]:
    """Each place said to be inside another is the one of its name that lies there, and the
    other is only its container."""
    containers: set[int] = set()
    out: list[PlaceMention] = []
    for mention in mentions:
        placed, container = _inside_another(sentence, mention, mentions, gazetteer)
        if container is not None:
            containers.add(container.start)
        if placed is not None:
            out.append(placed)
    return [
        replace(m, reading="container") if m.start in containers and m.reading != "seat" else m
        for m in out
    ]


def _inside_another(
    sentence: str, mention: PlaceMention, mentions: list[PlaceMention], gazetteer: Gazetteer
) -> tuple[PlaceMention | None, PlaceMention | None]:
    """The mention as its container says (None: not a place after all), and the container."""
    entry = mention.entry
    if entry is None or entry.kind == "country" or mention.reading == "seat":
        return mention, None
    how, container, owner = _container_of(sentence, mention, mentions)
    if container is None or (container.entry is None and container.country is None):
        return _unchecked(mention, owner), None
    inside = _namesake_inside(sentence, mention, container, gazetteer)
    if inside is not None:
        reading = "locative" if mention.reading == "within" else mention.reading
        if how == "owner":
            words = sentence[container.start : mention.end]
        else:
            words = sentence[_words_start(mention) : container.end]
        return replace(
            mention,
            words=words,
            name=inside.name,
            entry=inside,
            named=inside,
            country=inside.country,
            reading=reading,
            precision=_precision(inside, reading),
        ), container
    if mention.reading == "within":
        return None, None  # "Police in Kenya": no Police there, so no town at all
    if how != "in":
        return mention, None
    return _in_the_container(sentence, mention, container), container


def _container_of(
    sentence: str, mention: PlaceMention, mentions: list[PlaceMention]
) -> tuple[str, PlaceMention | None, str | None]:
    """How the sentence puts the mention inside another ("in", "listed" or "owner"), that
    other's mention, and an owner's words ("Darfur's ") when the gazetteer lacks the owner."""
    after = sentence[mention.end :]
    found = _IN_ANOTHER.match(after)
    if found is not None:
        return "in", _mention_at(mentions, mention.end + found.end()), None
    found = _LISTED_WITH.match(after)
    if found is not None:
        listed = _mention_at(mentions, mention.end + found.end())
        if _is_area(listed):
            return "listed", listed, None
    owner = _OWNER.search(sentence[: mention.start]) if mention.reading == "within" else None
    if owner is None:
        return "", None, None
    # The owner's name ends where its "'s" begins.
    name_end = owner.start() + len(owner[0].rstrip()) - 2
    return "owner", _mention_ending(mentions, name_end), owner[0]


def _unchecked(mention: PlaceMention, owned: str | None) -> PlaceMention | None:
    """A place said to be in something the gazetteer does not know ("Kherson in the south",
    "Darfur's El Fasher"): an unknown owner vouches only for a big town."""
    if mention.reading != "within":
        return mention
    words = f"{owned}{mention.words}" if owned else mention.words
    entry = mention.entry
    if owned and entry is not None and entry.population < BARE_TOWN_MIN_POPULATION:
        return None
    return replace(mention, reading="locative", words=words)


def _in_the_container(
    sentence: str, mention: PlaceMention, container: PlaceMention
) -> PlaceMention:
    """ "The village of Foo in the Odesa region" with no Foo there: the region, said so."""
    name = sentence[mention.start : mention.end]
    words = sentence[_words_start(mention) : container.end]
    where = container.entry
    if where is None:
        return replace(
            mention,
            words=words,
            name=container.name,
            entry=None,
            reading="unresolved",
            precision=3,
            confidence=0.0,
            country=container.country,
            note=f"'{words}': the gazetteer knows no {name} in {container.name}; place it by hand",
        )
    near = where.kind == "city"
    return replace(
        mention,
        words=words,
        name=where.name,
        entry=where,
        reading="near" if near else "locative",
        precision=2 if near else 3,
        country=where.country,
        note=f"'{words}': no {name} in {where.name} in the gazetteer, so it is placed "
        f"{'near' if near else 'in'} {where.name}",
    )


def _namesake_inside(
    sentence: str, mention: PlaceMention, container: PlaceMention, gazetteer: Gazetteer
) -> Entry | None:
    """Of the places called as the mention is, the one inside the container."""
    name = sentence[mention.start : mention.end]
    where = container.entry
    if where is None:  # a region known only by its country ("North Darfur state")
        matches = gazetteer.matches(name, country_codes=container.country, fuzzy=False)
        return matches[0].entry if matches else None
    if mention.entry is not None and _holds(where, mention.entry):
        return mention.entry
    if "," in where.name:
        return None
    choices = gazetteer.resolve(f"{name}, {where.name}").choices
    known = gazetteer.matches(name, fuzzy=False)
    for choice in choices:
        for match in known:
            place = match.entry
            same = (place.name, place.latitude, place.longitude, place.kind)
            found = not choice.fuzzy and same == (
                choice.name, choice.latitude, choice.longitude, choice.kind
            )  # fmt: skip
            # "Siir in the Jenin district": around Jenin, not anywhere in Jenin's region.
            if found and (where.kind != "city" or _km(where, place) <= NEAR_ANOTHER_KM):
                return place
    return None


def _holds(container: Entry, entry: Entry) -> bool:
    """Whether a country, a region or a town's surroundings hold the entry."""
    if container.kind == "country":
        return entry.kind != "country" and entry.country == container.country
    if container.kind == "region":
        return entry.kind == "city" and (entry.country, entry.admin1) == (
            container.country,
            container.admin1,
        )
    return entry.kind == "city" and _km(container, entry) <= NEAR_ANOTHER_KM


def _is_area(mention: PlaceMention | None) -> bool:
    if mention is None:
        return False
    if mention.entry is None:
        return mention.country is not None and mention.reading == "unresolved"
    return mention.entry.kind != "city"


def _mention_at(mentions: list[PlaceMention], start: int) -> PlaceMention | None:
    return next((m for m in mentions if m.start == start), None)


def _mention_ending(mentions: list[PlaceMention], end: int) -> PlaceMention | None:
    return next((m for m in mentions if m.end == end), None)


def _words_start(mention: PlaceMention) -> int:
    """Where the mention's words begin in the sentence (they end with its name)."""
    return max(0, mention.end - len(mention.words)) if mention.end else mention.start


def _countries_of_their_towns(
    sentence: str,
    mentions: list[PlaceMention],
    dateline: PlaceMention | None,
    gazetteer: Gazetteer,
) -> list[PlaceMention]:
    """ "near Bunia, in north-eastern Congo": a short name several countries share (Congo,
    Sudan, Guinea, Korea) is the one the sentence's towns, or its dateline, are in."""
    towns = [
        m.entry
        for m in [*mentions, *([dateline] if dateline else [])]
        if m.entry is not None and m.entry.kind == "city" and m.score >= PLACE_THRESHOLD
    ]
    return [_country_of_its_towns(sentence, m, towns, gazetteer) for m in mentions]


def _country_of_its_towns(
    sentence: str, mention: PlaceMention, towns: list[Entry], gazetteer: Gazetteer
) -> PlaceMention:
    entry = mention.entry
    if entry is None or entry.kind != "country" or any(t.country == entry.country for t in towns):
        return mention
    written = re.escape(fold(sentence[mention.start : mention.end]))
    for town in towns:
        full_name = fold(country_name(town.country))
        if not re.search(rf"\b{written}\b", full_name):
            continue
        countries = [
            m.entry
            for m in gazetteer.matches(country_name(town.country), fuzzy=False)
            if m.entry.kind == "country" and m.entry.country == town.country
        ]
        if countries:
            country = countries[0]
            note = f"'{mention.words}' read as {country.name}, where {town.name} is"
            if mention.direction:
                note = f"{_direction_note(mention.direction, country)}; {note}"
            return replace(
                mention,
                name=country.name,
                entry=country,
                named=country,
                country=country.country,
                note=note,
            )
    return mention


def _containers_give_way(mentions: list[PlaceMention]) -> list[PlaceMention]:
    """ "Police in Kenya clashed with protesters in the capital, Nairobi": a country or region
    the sentence places something in gives way to a town it names inside it."""
    placed = [
        m
        for m in mentions
        # A dateline is where the story was filed from, not a town the sentence places in
        # its country: "KHARTOUM (IANS) … a village in central Sudan" is central Sudan.
        if m.entry is not None
        and m.score >= PLACE_THRESHOLD
        and m.reading not in ("seat", "dateline")
    ]

    def holds_another(mention: PlaceMention) -> bool:
        where = mention.entry
        return (
            where is not None
            and where.kind != "city"
            and any(
                other.entry is not None and other.entry != where and _holds(where, other.entry)
                for other in placed
            )
        )

    return [
        replace(m, reading="container") if any(m is p for p in placed) and holds_another(m) else m
        for m in mentions
    ]


# -- the dateline -----------------------------------------------------------------------------


def _dateline(sentence: str, lead: re.Match[str], gazetteer: Gazetteer) -> PlaceMention | None:
    """ "KYIV (Reuters) —", "NAIROBI, Kenya —": where the report was filed, read as "in Kyiv"."""
    place = lead["place"]
    if "/" in place or place in SEATS or place in COUNTRY_ACRONYMS:
        return None  # "KYIV/MOSCOW": filed from two places, neither the event's
    qualifier = lead["qualifier"]
    entry = _dateline_entry(place, qualifier, gazetteer)
    start, end = lead.start("place"), lead.end("place")
    if entry is None:
        countries = _countries_named(qualifier, gazetteer) if qualifier else []
        if not countries:
            return None
        return PlaceMention(
            place, place.title(), None, "dateline", 1, start, 0.0,
            f"'{place}': the dateline's town is not in the gazetteer; place it by hand",
            countries[0], None, end,
        )  # fmt: skip
    note = (
        f"'{place}' is the dateline, where the report was filed: the sentence names no other place"
    )
    return PlaceMention(
        place,
        entry.name,
        entry,
        "dateline",
        1 if entry.kind == "city" else 3,
        start,
        1.0 if fold(entry.name) == fold(place) else 0.95,
        note,
        entry.country,
        entry,
        end,
    )


def _dateline_entry(place: str, qualifier: str | None, gazetteer: Gazetteer) -> Entry | None:
    matches = [
        m
        for m in gazetteer.matches(place, fuzzy=False)
        if m.entry.kind != "city" or m.entry.population >= CUED_TOWN_MIN_POPULATION
    ]
    if not matches:
        return None
    if not qualifier or not gazetteer.matches(qualifier, fuzzy=False):
        return matches[0].entry  # "Democratic Republic of Congo": a qualifier it cannot read
    inside = [
        m.entry
        for m in matches
        if any(
            (c.name, c.latitude, c.longitude) == (m.entry.name, m.entry.latitude, m.entry.longitude)
            for c in gazetteer.resolve(f"{place}, {qualifier}").choices
        )
    ]
    return inside[0] if inside else None


def _countries_named(name: str, gazetteer: Gazetteer) -> list[str]:
    return [
        m.entry.country for m in gazetteer.matches(name, fuzzy=False) if m.entry.kind == "country"
    ]


def _km(a: Entry, b: Entry) -> float:
    return distance_km((a.latitude, a.longitude), (b.latitude, b.longitude))


def _specific(mention: PlaceMention) -> int:
    kind = mention.entry.kind if mention.entry else "country"
    return {"city": 0, "region": 1, "country": 2}.get(kind, 3)


def _precision(entry: Entry, reading: str) -> int:
    return 3 if entry.kind != "city" else (2 if reading == "near" else 1)


_NOT_PLACES = re.compile(
    r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April"
    r"|May|June|July|August|September|October|November|December|The|A|An|In|At|On|But|And"
    r"|North|South|East|West|Northern|Southern|Eastern|Western|Upper|Lower)$"
)
# Readings that say nothing of place: a part of a longer name read so is a person's or a
# thing's name ("Vladimir Medinsky"), never a town; nor is a common word ("Police in Kenya",
# "Mobile phone networks").
_UNCUED = {"bare", "subject", "actor", "container", "attributive", "within"}


def _mentions_in(
    sentence: str, name: _Name, gazetteer: Gazetteer, common: Set[str]
) -> list[PlaceMention]:
    start, end = name.start, name.end
    words = sentence[start:end].split()
    if words and words[0].rstrip(".") in PERSON_TITLES:
        return []
    if name.shared:  # "the Kharkiv and Donetsk regions": Kharkiv's region
        text = sentence[start:end]
        mention = _read(sentence, start, end, text, gazetteer, common, f"{text} {name.shared}")
        if mention is not None:
            return [mention]
    if _NAMED_REGION.match(sentence[start:end]):
        return _region_named(sentence, start, end, words, gazetteer, common)
    found: list[PlaceMention] = []
    taken = [False] * len(words)
    # Longest first, so that "New York" wins over "York" and "United Nations" over "United".
    for size in range(len(words), 0, -1):
        for first in range(len(words) - size + 1):
            if any(taken[first : first + size]):
                continue
            part = " ".join(words[first : first + size])
            if _NOT_PLACES.match(part) or part.islower():
                continue
            if size < len(words) and _word_of_a_longer_name(part, words, common):
                continue
            offset = start + _offset(sentence[start:end], words, first)
            mention = _read(sentence, offset, offset + len(part), part, gazetteer, common)
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


def _word_of_a_longer_name(part: str, words: list[str], common: Set[str]) -> bool:
    """ "Hill" in "the Hill Country", "Rift" in "the Rift Valley": a common word, or any word of
    a landscape's name, is not a town of its own."""
    if part in COMMON_WORDS or part.lower() in common:
        return True
    return " " not in part and any(word in _FEATURE_WORDS for word in words if word != part)


def _region_named(
    sentence: str,
    start: int,
    end: int,
    words: list[str],
    gazetteer: Gazetteer,
    common: Set[str],
) -> list[PlaceMention]:
    """ "Kharkiv region", "Russian-occupied Zaporizhzhia region": a region is one name, looked
    up whole; the words before it may describe it."""
    for first in range(len(words) - 1):
        offset = start + _offset(sentence[start:end], words, first)
        mention = _read(sentence, offset, end, sentence[offset:end], gazetteer, common)
        if mention is not None:
            return [mention]
    unresolved = _unresolved(sentence, start, end)
    return [unresolved] if unresolved is not None else []


def _unresolved(sentence: str, start: int, end: int) -> PlaceMention | None:
    """ "in Xyzzyville": a name the sentence places the event at, which the gazetteer lacks."""
    name = sentence[start:end]
    if _NOT_PLACES.match(name) or name in SEATS or (name.isupper() and len(name) <= 4):
        return None
    before, after = sentence[:start], sentence[end:]
    region = _NAMED_REGION.match(name) is not None
    if re.search(r"-[a-z]+$", name) or _DESCRIPTION.match(after):
        return None  # "in Ukrainian-held territory"
    if _ADJECTIVE.search(name.split()[0]) and (
        _ATTRIBUTIVE.match(after) or re.search(r"\s(?i:state|county)$", name)
    ):
        return None  # "in Russian state media", "the Islamic State"
    town = _TOWN_WORD.search(before)
    cue = _NEAR.search(before) or town
    cue = cue or re.search(r"\b(?:in|near|outside)\s+(?:the\s+)?$", before)
    if cue is None or (re.search(r"\b(?:in|at)\s+the\s+$", before) and not region):
        return None  # "in the Kremlin's view", "the Kharkiv attacks": not a place said
    words = sentence[cue.start() : end]
    country = _subdivision_country(name)
    where = f" ({country})" if country else ""
    # "El Fasher, the capital of North Darfur state": the region holds the place, is not it.
    holds = region and town is not None and cue is town and town["of"] is not None
    return PlaceMention(
        words,
        name,
        None,
        "container" if holds else "unresolved",
        3,
        start,
        0.0,
        f"'{words}': the gazetteer does not know {name}{where}; place it by hand",
        country,
        None,
        end,
    )


def _subdivision_country(name: str) -> str | None:
    """The country of a region the gazetteer has no entry for ("North Darfur state": SD), from
    the names of countries' subdivisions."""
    base = _NAMED_REGION.match(name)
    plain = base["base"] if base else name
    for variant in (name, plain, f"{plain} state", f"{plain} province", f"{plain} region"):
        countries = _subdivision_countries().get(fold(variant), ())
        if len(countries) == 1:
            return countries[0]
    return None


def _offset(run: str, words: list[str], index: int) -> int:
    position = 0
    for word in words[:index]:
        position = run.index(word, position) + len(word)
    return run.index(words[index], position)


@dataclass(frozen=True)
class _Lookup:
    """What to ask the gazetteer for a name, and what a region word in it says it is."""

    query: str
    # "region", "province", "state" (a state, county or prefecture) or "district"
    kind: str | None = None
    town: str = ""  # the town a region or district is named by ("Taroudant")

    @classmethod
    def of(cls, name: str) -> _Lookup:
        found = _NAMED_REGION.match(name)
        if found is None:
            return cls(name)
        word, base = _singular(found["word"]), found["base"]
        if word in ("district", "raion"):
            return cls(base, "district", base)
        if word in ("state", "county", "prefecture"):
            return cls(f"{base} region", "state", base)
        if word == "province":
            return cls(f"{base} province", "province", base)
        return cls(f"{base} {word}", "region", base)


def _matches(name: str, lookup: _Lookup, gazetteer: Gazetteer) -> tuple[list[Match], _Lookup]:
    """The places a name may be, as its region word says."""
    if name in TERRITORIES:
        territory = _territory(name, gazetteer)
        return ([territory] if territory else []), lookup
    if name.isupper() and len(name) <= 4:
        if name not in COUNTRY_ACRONYMS:
            return [], lookup
        matches = gazetteer.matches(COUNTRY_ACRONYMS[name], fuzzy=False)
        return [m for m in matches if m.entry.kind == "country"], lookup
    matches = gazetteer.matches(lookup.query, fuzzy=False)
    if lookup.kind is None:
        return matches, lookup
    countries = [m for m in gazetteer.matches(name, fuzzy=False) if m.entry.kind == "country"]
    if countries:  # "the United States", not a region of a town called United
        return countries, _Lookup(name)
    if lookup.kind == "district":
        return [m for m in matches if m.entry.kind == "city"], lookup
    regions = [m for m in matches if m.entry.kind == "region"]
    if lookup.kind == "state":
        # A hamlet that shares a word ("the Gulf state") names no state.
        regions = [m for m in regions if m.likelihood >= STATE_TOWN_MIN_POPULATION]
    if lookup.kind in ("state", "province"):
        town = _smaller_unit_town(regions, lookup.town, gazetteer)
        if town is not None:  # "Taroudant province": a province inside Agadir's region
            return [town], replace(lookup, query=lookup.town, kind="district")
    return regions, lookup


def _territory(name: str, gazetteer: Gazetteer) -> Match | None:
    """ "the West Bank": the gazetteer's region of its code, under the name readers know."""
    country, admin1 = TERRITORIES[name]
    found = gazetteer.index.region(country, admin1)
    if found is None:
        return None
    return Match(replace(found[1], name=name), name, 1.0, False)


def _smaller_unit_town(regions: list[Match], base: str, gazetteer: Gazetteer) -> Match | None:
    """The town a province, state or county is named by, when the gazetteer's region there is
    named by another, bigger town: the province is then a part of that region, around its
    town ("Taroudant province" in the Souss-Massa region), not all of it."""
    if not regions:
        return None
    region = regions[0].entry
    towns = [
        m
        for m in gazetteer.matches(base, fuzzy=False)
        if m.entry.kind == "city"
        and (m.entry.country, m.entry.admin1) == (region.country, region.admin1)
    ]
    if not towns or fold(region.name) == fold(f"{towns[0].entry.name} region"):
        return None
    return towns[0]


def _read(
    sentence: str,
    start: int,
    end: int,
    name: str,
    gazetteer: Gazetteer,
    common: Set[str],
    lookup: str | None = None,
) -> PlaceMention | None:
    before, after = sentence[:start], sentence[end:]
    if _DESCRIPTION.match(after) or _GROUP.match(after):
        return None  # "US-led", "Western-backed", "the Baltic states": a description
    if name in SEATS:
        return _seat(sentence, start, end, name, gazetteer)
    matches, asked = _matches(name, _Lookup.of(lookup or name), gazetteer)
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
    first = start == _first_word(sentence)
    reading, direction = reading_at(before, after, entry, first, asked.kind is not None)
    if reading is None:
        return None
    if asked.kind == "district":
        reading = "near"  # "the Bakhmut district": around its town
        locative = _LOCATIVE.search(before)
        words = sentence[locative.start() if locative else start : end]
    else:
        words = _words_of(sentence, start, end, reading)
    if entry.kind == "city" and not _may_be_town(name, asked.query, entry, reading, common, before):
        return None
    note = None
    if direction:
        note = _direction_note(direction, entry)
    elif asked.kind == "district":
        note = f"'{words}': the area around {entry.name}, placed near {entry.name}"
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
        _precision(entry, reading),
        start,
        match.confidence,
        note,
        entry.country,
        entry,
        end,
        direction.lower() if direction else None,
    )


def _may_be_town(
    name: str, query: str, entry: Entry, reading: str, common: Set[str], before: str
) -> bool:
    """Whether a name read so can be the town: small towns and common words ("Police",
    "Mobile") need a place word, and so does a town named by another of its names."""
    common_word = name in COMMON_WORDS or name.lower() in common
    if reading in (*_UNCUED, "target") and " " not in name and common_word:
        return False  # "Police in Kenya", "fire on Police" (whoever they were)
    other_name = not _spelled_alike(entry.name, query)
    if reading == "target" and other_name and entry.population < OTHER_NAME_BARE_MIN_POPULATION:
        return False  # "strikes on Hamas": Hamas is another name of Hamm, not the target
    if not other_name and (reading == "town" or _TARGET.search(before)):
        return True  # "the village of Tiahynka", "the shelling of Tiahynka", however small
    cued = reading not in ("bare", "subject", "actor", "container")
    if entry.population < (CUED_TOWN_MIN_POPULATION if cued else BARE_TOWN_MIN_POPULATION):
        return False
    uncued = reading in ("bare", "subject", "attributive")
    return not (uncued and other_name and entry.population < OTHER_NAME_BARE_MIN_POPULATION)


def _direction_note(direction: str, entry: Entry) -> str:
    return (
        f"the {direction.lower()} part of {entry.name}: placed at {entry.name}'s own point; "
        "move it when the text says where"
    )


def _spelled_alike(name: str, other: str) -> bool:
    """ "Kamianka" and "Kam'yanka", "Kharkov" and "Kharkiv": one name spelled two ways, not
    another name ("Hamas" for Hamm, "Pokrovsk" for Engels)."""
    a, b = fold(name), fold(other)
    return a == b or difflib.SequenceMatcher(None, a, b).ratio() >= SPELLED_ALIKE


_SUBJECT = re.compile(r"\s*(?:The\s+)?")


def _first_word(sentence: str) -> int:
    """Where the sentence's subject begins: after "The", and after a dateline."""
    lead = find_dateline(sentence)
    found = _SUBJECT.match(sentence, lead.end() if lead else 0)
    return found.end() if found else 0


def reading_at(
    before: str, after: str, entry: Entry, first: bool, region_word: bool
) -> tuple[str | None, str | None]:
    """How the words around a place name read it (a key of SCORES: "in Kharkiv", "near …",
    "the border with …"), and the part of the place a direction names ("southern")."""
    direction = _LOCATIVE_DIRECTION.search(before)
    if direction is not None:
        return "locative", direction["direction"]
    if _BORDER.search(before):
        return "border", None
    if _NEAR.search(before):
        return "near", None
    if entry.kind == "city" and _AREA_AFTER.match(after):
        return "near", None  # "the Jenin area": around the town
    town = _TOWN_WORD.search(before)
    if town is not None and town["of"] and entry.kind != "city":
        return "container", None  # "the capital of Ukraine": the capital is the place
    if town is not None and not (town["comma"] and _ATTRIBUTIVE.match(after)):
        # "in the town of Pokrovsk" is as sure as "in Pokrovsk"; "the town of" alone, less.
        return ("locative" if _LOCATIVE_TOWN.search(before) else "town"), None
    if _LOCATIVE.search(before):
        return "locative", None
    if entry.kind != "country" and (_TARGET.search(before) or _TARGET_VERB.search(before)):
        return "target", None
    if _PLACE_APPOSITIVE.match(after):
        return "town", None  # "Kherson, a port city in the south"
    if entry.kind == "country" and _RECIPIENT.search(before):
        return "recipient", None
    if _POSSESSIVE_OF_PLACE.match(after):
        return "place of", None
    if re.match(r"^['’]s\b", after):
        return "container", None  # "Ukraine's second largest city", "Russia's neighbour"
    if entry.kind != "country" and _X_IN_PLACE.match(after):
        return "within", None  # "Kharkiv in Ukraine's northeast": checked by find_places
    if entry.kind == "city" and _OWNER.search(before):
        return "within", None  # "Darfur's El Fasher"
    if region_word and entry.kind != "city":
        return "region", None  # "the Kherson province came under fire"
    if entry.kind != "country" and re.search(r"\bthe\s+$", before) and _ATTRIBUTIVE.match(after):
        return "attributive", None  # "the Kharkiv attacks"
    if entry.kind == "country":
        return "actor", None
    return ("subject" if first else "bare"), None


def _words_of(sentence: str, start: int, end: int, reading: str) -> str:
    """The phrase that places the name, verbatim: "around the port city of Mariupol"."""
    before = sentence[:start]
    locative = next(
        (p for p in (_LOCATIVE_DIRECTION, _LOCATIVE, _LOCATIVE_TOWN) if p.search(before)),
        _LOCATIVE,
    )
    pattern = {
        "near": _NEAR,
        "town": _TOWN_WORD,
        "locative": locative,
        "border": _BORDER,
    }.get(reading)
    if pattern is not None:
        found = pattern.search(before)
        if found is not None:
            return sentence[found.start() : end]
    return sentence[start:end]


_REPORTS_ON = re.compile(
    r"^\s+(?:says|said|say|warns?|warned|estimates?|estimated|reports?|reported|believes?"
    r"|fears?|feared|counts?|counted)\b",
    re.IGNORECASE,
)


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
    if _REPORTS_ON.match(sentence[end:]):
        # "The United Nations says thousands are trapped in the city": the organisation is
        # the source of a claim about the story's place, which is not its seat.
        return None
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
