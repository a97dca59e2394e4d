"""What a sentence reports, from its wording: the event type, the figures with who claims
them, and the actors named."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from geo.vocabulary import EventType

# Natural disasters: nobody attacked anyone. The vocabulary has no type of their own, so they
# are "other", with the words that say which disaster.
_DISASTER_WORDS = (
    r"(?:earth)?quakes?|aftershocks?|(?:flash )?floods?|flooding|floodwaters?|landslides?"
    r"|mudslides?|cyclones?|typhoons?|hurricanes?|tsunamis?|wildfires?|bushfires?"
    r"|forest fires?|(?<!\bby )storms?|tropical storms?|torrential rains?|heavy rains?"
    r"|volcan\w+|eruptions?|avalanches?|droughts?|heatwaves?"
)
# Most specific first: the first type whose words the sentence uses is its type.
_TYPE_WORDS: tuple[tuple[EventType, str], ...] = (
    (EventType.OTHER, _DISASTER_WORDS),
    (
        EventType.AIR_STRIKE,
        r"air ?strikes?|air-strikes?|drone strikes?|air raids?|bombing raids?"
        r"|aerial (?:bombardment|bombing|attacks?)|warplanes?|fighter jets?|glide bombs?"
        r"|barrel bombs?|drones? (?:struck|hit|attacked|slammed into|targeted)|drone attacks?"
        r"|(?:struck|hit|attacked|targeted) by (?:an? )?(?:\w+ )?drones?",
    ),
    (
        EventType.SHELLING,
        r"shell(?:ed|ing|s)?|bombard\w*|artillery|pound(?:ed|ing)|missiles? strikes?"
        r"|missiles? (?:struck|hit|slammed)|mortars?|mortar fire"
        r"|rockets? (?:hit|fire|attacks?)",
    ),
    # Before clashes: "police clashed with protesters" is a protest.
    (
        EventType.PROTEST,
        r"protest(?:s|ers|ors|ed|ing)?|demonstrators|demonstrations?|tear ?gas|riot police"
        r"|rioters|riots?",
    ),
    (
        EventType.TERRITORY_SEIZED,
        r"seized?|(?:re)?captured?|retook|took control|taken control|overran|fell to",
    ),
    (
        EventType.ARMED_CLASH,
        r"fighting|fought|clash\w*|battles?|skirmish\w*|firefights?|gunfights?|ambush\w*"
        r"|exchanged fire|exchange of fire|counter-?offensive"
        r"|attacked (?:an? |the )?(?:\w+ ){0,2}(?:posts?|bases?|positions?|checkpoints?|barracks"
        r"|patrols?)",
    ),
    (EventType.SANCTIONS, r"sanctions?"),
    (EventType.NEGOTIATIONS, r"talks|negotiat\w+|ceasefire|peace deal|meeting|consultations"),
    (
        EventType.MILITARY_AID,
        r"providing \w+ with|weapons supplies|supplying weapons|military aid"
        r"|air-defence missiles|anti-tank weapons|arms deliveries",
    ),
    (
        EventType.CASUALTY_REPORT,
        r"(?:killed|died|dead|deaths?|wounded|injured)\b[^.]*\bsince|death toll",
    ),
    (
        EventType.ATTACK_ON_CIVILIANS,
        r"(?:civilians?|people|children|residents|family|women|men|villagers|victims)\b[^.]*"
        r"\b(?:killed|died|dead|burned to death|wounded|injured)|killed|died|burned to death"
        r"|killing|wounding|wounded|injured|suffered (?:\w+ ){0,2}injur(?:y|ies)|shot dead"
        r"|massacre[ds]?|(?:fired|opened fire) on (?:\w+ ){0,2}(?:civilians|residents|villagers"
        r"|people|crowds?)",
    ),
    (
        EventType.MILITARY_MOVEMENT,
        r"(?<!humanitarian )(?<!aid )convoy|troops (?:moved|moving|advanced|advancing|massed)"
        r"|invasion|invading|launch pad|deployed|advance on",
    ),
    (EventType.DISPLACEMENT, r"fled|refugees?|displaced|evacuat\w+"),
    (EventType.DIPLOMACY, r"expelled|diplomats?|embassy|membership|accession|summoned"),
    (EventType.ECONOMIC, r"rouble|currency|interest rate|central bank|markets?|stock|inflation"),
    (
        EventType.HUMANITARIAN,
        # Aid, not a title ("the humanitarian affairs commissioner said").
        r"humanitarian (?:aid|assistance|crisis|situation|access|supplies|convoy|corridor|workers?)"
        r"|aid (?:convoy|deliveries|workers?)|corridors?",
    ),
    (EventType.PROTEST, r"rall(?:y|ies)"),
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


# "seeks to seize control of El-Obeid", "threatened to shell the city": what someone means to
# do has not happened.
_INTENT_BEFORE = re.compile(
    r"\b(?:seeks?|seeking|sought|tr(?:y|ies|ying|ied)|attempt(?:s|ing|ed)?|aims?|aiming"
    r"|plans?|planning|planned|threaten(?:s|ed|ing)?|vow(?:s|ed)?|wants?|bid|intends?"
    r"|preparing|prepares?|effort)\s+to\s+(?:\w+\s+)?$",
    re.IGNORECASE,
)


def find_type(text: str) -> TypeFinding:
    statement_first = _STATEMENT_FIRST.search(text)
    if statement_first is not None:
        return TypeFinding(EventType.STATEMENT, statement_first[0].strip(), STATEMENT_CONFIDENCE)
    for event_type, words in _TYPE_WORDS:
        for found in re.finditer(rf"\b(?:{words})\b", text, re.IGNORECASE):
            if not _INTENT_BEFORE.search(text[: found.start()]):
                return TypeFinding(event_type, found[0], TYPE_CONFIDENCE)
    statement = _STATEMENT.search(text)
    if statement is not None:
        return TypeFinding(EventType.STATEMENT, statement[0], STATEMENT_CONFIDENCE)
    return TypeFinding(EventType.OTHER, None, OTHER_CONFIDENCE)


def is_weak(finding: TypeFinding) -> bool:
    """A type that a neighbouring sentence's own wording may replace."""
    return finding.event_type == EventType.STATEMENT or (
        finding.event_type == EventType.OTHER and not is_disaster(finding)
    )


def is_disaster(finding: TypeFinding) -> bool:
    """An earthquake, a flood, a storm: the words of a disaster gave the type."""
    return bool(
        finding.event_type == EventType.OTHER
        and finding.words
        and re.fullmatch(_DISASTER_WORDS, finding.words, re.IGNORECASE)
    )


# -- figures -----------------------------------------------------------------------------------
#
# A figure is a count of people killed or injured as a reporter writes it: "at least 11 people
# were killed", "killing three and wounding 12", "a 69-year-old woman was killed", "two children
# and a paramedic were killed", "the death toll rose to 40", "left 5 dead". The detained, the
# missing and the displaced are neither, and a number that is a year, an age, a time, a distance,
# a percentage or a unit's number is no count at all.

_UNIT_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_TEEN_WORDS = (
    "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
    "eighteen", "nineteen",
)  # fmt: skip
_TEN_WORDS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_WORD_VALUES: dict[str, int] = {
    **{word: index + 1 for index, word in enumerate(_UNIT_WORDS)},
    **{word: index + 10 for index, word in enumerate(_TEEN_WORDS)},
    **{word: (index + 2) * 10 for index, word in enumerate(_TEN_WORDS)},
}
_MULTIPLIERS = {"dozen": 12, "hundred": 100, "thousand": 1000}
# Plurals that give a lower bound only: "dozens" is two dozen or more.
_VAGUE = {
    "tens of thousands": 20_000, "thousands": 2_000, "hundreds": 200, "scores": 40, "dozens": 24,
}  # fmt: skip
_QUALIFIERS = {
    "at least": "at least",
    "more than": "more than",
    "over": "more than",
    "upwards of": "more than",
    "nearly": "about",
    "almost": "about",
    "about": "about",
    "around": "about",
    "roughly": "about",
    "approximately": "about",
    "an estimated": "about",
    "some": "about",
    "up to": "at most",
    "as many as": "at most",
    "at most": "at most",
    "fewer than": "fewer than",
    "less than": "fewer than",
}


def _alternatives(words: Iterable[str]) -> str:
    """A regex alternation, longest first so that "tens of thousands" wins over "thousands"."""
    return "|".join(sorted(words, key=len, reverse=True))


_SMALL = (
    rf"(?:(?:{_alternatives(_TEN_WORDS)})(?:[- ](?:{_alternatives(_UNIT_WORDS)}))?"
    rf"|{_alternatives(_TEEN_WORDS)}|{_alternatives(_UNIT_WORDS)})"
)
_WORD_NUMBER = (
    rf"(?:(?:an?|{_SMALL})\s+(?:{_alternatives(_MULTIPLIERS)})(?:\s+(?:and\s+)?{_SMALL})?"
    rf"|{_SMALL})"
)
# "1,200" and "11", never part of "9.5", "10:30", "27km" or "M23".
_DIGITS = r"(?<![\w.,])(?:\d{1,3}(?:,\d{3})+|\d+)(?!\w|[.,:]\d)"
_NUMBER = rf"(?:{_DIGITS}|\b(?:{_alternatives(_VAGUE)}|{_WORD_NUMBER})\b)"
_QUALIFIER = rf"\b(?:{_alternatives(_QUALIFIERS)})"

# Who is counted: people by age, role or trade, in the plural and the singular.
_WORKERS = r"(?:aid|health|rescue|humanitarian|construction|farm|factory|medical|media) "
_VICTIMS_PLURAL = (
    r"people|persons|civilians|residents|villagers|inhabitants|children|kids|boys|girls|babies"
    r"|infants|toddlers|teenagers|teens|youths|men|women|pensioners|elderly people|soldiers"
    r"|servicemen|servicewomen|troops|fighters|militants|rebels|protesters|protestors"
    r"|demonstrators|students|journalists|reporters|photographers|cameramen|paramedics|medics"
    rf"|doctors|nurses|{_WORKERS}workers|workers|rescuers|firefighters|volunteers|farmers"
    r"|herders|drivers|passengers|pilgrims|worshippers|migrants|refugees|patients|miners"
    r"|teachers|guards|police officers|policemen|officers|officials|others|relatives"
    r"|colleagues|family members|members|auxiliaries|associates|supporters|guests|fishermen"
    r"|traders|merchants|vendors|shoppers|mourners|worshipers|herdsmen|security personnel"
    r"|personnel|militiamen|gunmen|recruits|policemen|bystanders|prisoners|inmates|hostages"
    r"|Palestinians|Israelis|Ukrainians|Russians|Sudanese"
    r"|Syrians|Lebanese|Congolese|Kenyans|Afghans"
    # "four of them died": a part of victims counted before, with a place of its own.
    r"|of them"
)
_VICTIMS_SINGULAR = (
    r"person|civilian|resident|villager|child|kid|boy|girl|baby|infant|toddler|teenager|teen"
    r"|youth|man|woman|pensioner|soldier|serviceman|servicewoman|fighter|militant|rebel"
    r"|protester|protestor|demonstrator|student|journalist|reporter|photographer|cameraman"
    rf"|paramedic|medic|doctor|nurse|{_WORKERS}worker|worker|rescuer|firefighter|volunteer"
    r"|farmer|herder|driver|passenger|pilgrim|worshipper|migrant|refugee|patient|miner|teacher"
    r"|guard|police officer|policeman|officer|official|relative|family member|auxiliary"
    r"|associate|supporter|guest|fisherman|trader|merchant|vendor|shopper|mourner|worshiper"
    r"|herdsman|militiaman|gunman|recruit|bystander|prisoner|inmate|hostage"
)
_KIN = (
    r"son|daughter|wife|husband|mother|father|brother|sister|child|baby|grandson"
    r"|granddaughter|grandmother|grandfather|nephew|niece|cousin|uncle|aunt"
)
# Words between a count and its noun ("two young children", "a 69-year-old woman", "dozens of
# people"): never another count, nor a word that starts a new clause.
_STOP = r"(?:and|or|but|were|was|is|are|who|which|that|had|have|has|with|after|when|as)\b"
_BETWEEN = rf"(?:(?!{_STOP}|{_NUMBER}\s)[\w'’-]+\s+)"
_BETWEEN_ONE = rf"(?:(?!{_STOP}|of\b|{_NUMBER}\s)[\w'’-]+\s+)"
_GROUP = (
    rf"(?:{_NUMBER}\s+{_BETWEEN}{{0,3}}?(?:{_VICTIMS_PLURAL}|{_VICTIMS_SINGULAR})"
    rf"|\ban?\s+{_BETWEEN_ONE}{{0,3}}?(?:{_VICTIMS_SINGULAR})"
    rf"|\b(?:his|her|their)\s+(?:[\w-]+\s+)?(?:{_KIN}))\b"
)
# "two children and a paramedic", "a man, his wife and their son": the counts add up.
_LIST = rf"{_GROUP}(?:(?:\s*,\s*|\s*,?\s+and\s+){_GROUP})*"
# "a woman, 69, was killed", "two men in the village of Sadove were wounded".
_AFTER_WHO = (
    r"(?:,\s*(?:aged\s+)?\d{1,3},)?"
    r"(?:\s+(?:in|at|on|near|from|of|inside|outside|across|aged)\s+(?:[\w'’-]+\s+){0,4}?[\w'’-]+)?"
)
_AUXILIARY = r"(?:were|was|have been|has been|had been|are|is|had|have|has|got|being)"
_ADVERB = (
    r"(?:reportedly|also|all|both|later|allegedly|critically|seriously|severely|slightly"
    r"|lightly|fatally|badly|mortally)"
)
_KILLED = (
    r"killed|shot dead|shot and killed|stabbed to death|burn(?:ed|t) to death|beaten to death"
    r"|crushed to death|died|perished|dead|lost (?:his|her|their) lives?"
)
_HURT = (
    r"wounded|injured|hurt"
    r"|(?:suffered|sustained|received)(?:\s+[\w-]+){0,3}?\s+(?:injur(?:y|ies)|wounds?|burns|fractures)"
)
_VICTIMS_FIRST = re.compile(
    rf"(?:(?P<qualifier>{_QUALIFIER})\s+)?(?P<list>{_LIST}){_AFTER_WHO}"
    rf"\s+(?:(?P<auxiliary>{_AUXILIARY})\s+)?(?:{_ADVERB}\s+)?(?:among\s+(?:those|the)\s+)?"
    rf"(?P<verb>{_KILLED}|{_HURT})\b",
    re.IGNORECASE,
)
# A long subject: "352 civilians, including 14 children, had been killed".
_FIGURE = re.compile(
    rf"(?:(?P<qualifier>{_QUALIFIER})\s+)?(?P<number>{_NUMBER})\s+"
    rf"(?:(?:\w+\s+){{0,2}}?)(?:{_VICTIMS_PLURAL})\b"
    r"(?P<rest>[^.;]*?)\b(?P<verb>killed|died|dead|burned to death|wounded|injured|hurt)\b",
    re.IGNORECASE,
)
# A count with nothing after it: "killing three and wounding 12".
_ALONE = (
    r"(?=\s*(?:[,.;:)]|$)|\s+(?:and|in|on|at|near|when|while|after|as|during|across|including"
    r"|inside|outside|overnight|yesterday|today|so far)\b)"
)
# "…, killing at least three people": the verb first.
_VERB_FIRST = re.compile(
    r"\b(?P<verb>killing|killed|shot dead|shooting dead|wounding|wounded|injuring|injured)\s+"
    rf"(?:(?P<qualifier>{_QUALIFIER})\s+)?(?:(?P<list>{_LIST})|(?P<number>{_NUMBER}){_ALONE})",
    re.IGNORECASE,
)
_LEFT = re.compile(
    rf"\b(?:left|leaving|leaves)\s+(?:(?P<qualifier>{_QUALIFIER})\s+)?(?P<number>{_NUMBER})\s+"
    rf"(?:{_BETWEEN}{{0,2}}?(?:{_VICTIMS_PLURAL}|{_VICTIMS_SINGULAR})\s+)?"
    r"(?P<verb>dead|killed|injured|wounded|hurt)\b",
    re.IGNORECASE,
)
_TOLL = re.compile(
    r"\b(?P<toll>death toll|toll of (?:the )?dead|number of (?:the )?(?:dead|deaths|fatalities"
    r"|people killed|victims)|number of (?:the )?(?:injured|wounded|people injured"
    r"|people wounded)|(?<=the )toll)\b[^.;]{0,60}?"
    r"\b(?P<move>to|at|of|reached|hit|was|is|passed|exceeded|topped|surpassed)\s+"
    rf"(?:(?P<qualifier>{_QUALIFIER})\s+)?(?P<number>{_NUMBER})",
    re.IGNORECASE,
)
# "…, and 20 others injured", "with 12 dead", "and a further 15 were wounded", "Fifteen were
# killed".
_AND_MORE = re.compile(
    rf"(?:^\W*|\band\b|\bwith\b|,)\s*(?:(?:a further|another)\s+)?"
    rf"(?:(?P<qualifier>{_QUALIFIER})\s+)?(?P<number>{_NUMBER})\s+"
    r"(?:(?:others?|more|people|civilians|persons)\s+)?(?:(?:were|was|have been|had been|are)\s+)?"
    r"(?P<verb>killed|dead|injured|wounded|hurt)\b",
    re.IGNORECASE,
)
_FAMILY = re.compile(
    rf"\ba family with (?P<number>{_NUMBER}) children\b[^.;]*?"
    r"\b(?P<verb>killed|died|burned to death)\b",
    re.IGNORECASE,
)
_INCLUDING = re.compile(rf"including (?:{_NUMBER}) (?:{_VICTIMS_PLURAL})", re.IGNORECASE)
_INCLUDING_AFTER = re.compile(r"^,?\s+(?P<note>including\s+[^,.;]+)", re.IGNORECASE)
_INJURY = re.compile(r"wound|injur|hurt|suffer|sustain|receiv", re.IGNORECASE)

# A number that counts no one.
_MONTH = (
    r"January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec"
)
_NOT_A_COUNT_BEFORE = re.compile(
    r"(?:\b(?:brigade|battalion|regiment|division|corps|unit|squadron|platoon|company|no\.?"
    r"|number|route|road|highway|street|building|block|bus|flight|gate|ward|article|resolution"
    r"|chapter|section|level|floor|aged|age|no|not|including|among them|of whom|among whom)\s+"
    rf"|[A-Za-z]-|\b(?:{_MONTH})\.?\s+)$",
    re.IGNORECASE,
)
_NOT_A_COUNT_AFTER = re.compile(
    r"^(?:-(?:year|month|week|day|hour|minute|strong|km|kilomet|mile|metre|meter)"
    r"|\s*(?:%|per ?cent\b|percent\b)"
    r"|\s*(?:km|kms|kilomet(?:re|er)s?|miles?|met(?:re|er)s?|m|cm|mm|kg|tonnes?|tons?|hours?"
    r"|hrs|minutes?|mins|seconds?|days?|weeks?|months?|years?|decades?|am|pm|a\.m|p\.m|gmt"
    rf"|utc|o'clock|{_MONTH})\b)",
    re.IGNORECASE,
)
# Killed or injured, not said which; killed or missing: the count is neither.
_EITHER_AFTER = re.compile(
    r"^\s+(?:or|and/or|and)\s+(?:were\s+|went\s+|are\s+)?(?:injured|wounded|hurt|killed|dead"
    r"|missing|detained|arrested|captured|abducted)\b",
    re.IGNORECASE,
)
_EITHER_BEFORE = re.compile(
    r"\b(?:killed|dead|injured|wounded|missing|detained|arrested|captured|abducted)"
    r"\s+(?:or|and/or|and)\s+$",
    re.IGNORECASE,
)
# Fates that are not figures: a subject they belong to is not counted as killed or injured.
_NOT_A_CASUALTY = re.compile(
    r"\b(?:detained|arrested|missing|abducted|kidnapped|captured|displaced|evacuated|rescued"
    r"|freed|released|trapped|held|taken|homeless|fled|unaccounted|hospitali[sz]ed)\b",
    re.IGNORECASE,
)
# "Two soldiers killed three civilians": the verb's object, not its subject, was killed.
_OBJECT = re.compile(
    rf"^\s+(?:(?:{_QUALIFIER})\s+)?(?:{_LIST}|{_NUMBER}|(?:him|her|them|us)\b)", re.IGNORECASE
)


@dataclass(frozen=True)
class FigureFinding:
    value: int
    qualifier: str
    injured: bool
    words: str  # verbatim
    note: str | None = None


@dataclass(frozen=True)
class _Found:
    figure: FigureFinding
    start: int  # where its count is in the sentence
    end: int


def _count(words: str) -> tuple[int, str | None]:
    """The number a count gives, and the qualifier its wording implies ("dozens": at least)."""
    lowered = re.sub(r"\s+", " ", words.lower()).strip()
    if lowered in _VAGUE:
        return _VAGUE[lowered], "at least"
    if lowered[0].isdigit():
        return int(lowered.replace(",", "")), None
    if lowered in ("a", "an"):
        return 1, None
    total, current = 0, 0
    for word in re.split(r"[\s-]+", lowered):
        if word in ("a", "an"):
            current = 1
        elif word in _WORD_VALUES:
            current += _WORD_VALUES[word]
        elif word == "thousand":
            total, current = total + max(current, 1) * 1000, 0
        elif word in _MULTIPLIERS:
            current = max(current, 1) * _MULTIPLIERS[word]
    # "a dozen" is a round number, not a count.
    return total + current, ("about" if "dozen" in lowered else None)


def _qualifier(written: str | None, implied: str | None) -> str:
    if written:
        return _QUALIFIERS[re.sub(r"\s+", " ", written.lower())]
    return implied or "exact"


def _is_a_count(text: str, start: int, end: int) -> bool:
    """Whether the number at text[start:end] counts people: not "in 2022", "12 km", "Brigade
    93", "aged 64", "12 May" or a breakdown of a count already made ("including 14 children")."""
    number = text[start:end]
    if re.fullmatch(r"(?:19|20)\d\d", number):
        return False  # a year: counts of a thousand or more are written "2,000"
    before = re.sub(rf"(?:{_QUALIFIER})\s+$", "", text[max(0, start - 40) : start], flags=re.I)
    return not (_NOT_A_COUNT_BEFORE.search(before) or _NOT_A_COUNT_AFTER.match(text[end:]))


def _is_either(text: str, verb_start: int, verb_end: int) -> bool:
    """ "killed or injured", "dead or missing": a count of neither kind alone."""
    return bool(_EITHER_AFTER.match(text[verb_end:]) or _EITHER_BEFORE.search(text[:verb_start]))


def _group_counts(text: str, start: int, end: int) -> list[tuple[int, str | None]]:
    """The counts of a list of victims, each checked to count people."""
    counts: list[tuple[int, str | None]] = []
    for group in re.finditer(_GROUP, text[start:end], re.IGNORECASE):
        first = re.match(rf"{_NUMBER}|an?\b|his|her|their", group[0], re.IGNORECASE)
        at = start + group.start()
        if first is None or not _is_a_count(text, at, at + len(first[0])):
            continue
        written = first[0]
        counts.append((1, None) if written.lower() in ("his", "her", "their") else _count(written))
    return counts


def _list_finding(
    text: str, found: re.Match[str], start: int, end: int, injured: bool
) -> FigureFinding | None:
    """ "two children and a paramedic": one figure, their sum, noting who is counted."""
    counts = _group_counts(text, start, end)
    if not counts:
        return None
    implied = [q for _, q in counts if q]
    # "dozens of civilians and a medic": a lower bound still.
    qualifier = _qualifier(
        found["qualifier"], "at least" if "at least" in implied else next(iter(implied), None)
    )
    note = text[start:end] if len(counts) > 1 else None
    value = sum(value for value, _ in counts)
    return FigureFinding(value, qualifier, injured, found[0], note)


def _victims_first(text: str) -> list[_Found]:
    out: list[_Found] = []
    for found in _VICTIMS_FIRST.finditer(text):
        if _is_either(text, found.start("verb"), found.end("verb")):
            continue
        if found["auxiliary"] is None and _is_active(text, found):
            continue
        if _ANOTHER_SUBJECT.search(text[found.end("list") : found.start("verb")]):
            continue  # "dozens of men in Noaka and several are wounded": the several are
        figure = _list_finding(
            text, found, found.start("list"), found.end("list"), bool(_INJURY.match(found["verb"]))
        )
        if figure is not None and _AMONG_THE.search(found[0]):
            figure = _part_of_the_toll(figure)
        if figure is not None:
            out.append(_Found(figure, found.start("list"), found.end("list")))
    return out


_ANOTHER_SUBJECT = re.compile(
    r"\b(?:where|when|while)\b|\b(?:and|but)\s+[\w-]+\s+(?:are|were|was|is|have|has|had)\b",
    re.IGNORECASE,
)
_AMONG_THE = re.compile(r"\bamong\s+(?:those|the)\s+\w+$", re.IGNORECASE)


def _part_of_the_toll(figure: FigureFinding) -> FigureFinding:
    """ "Two women were among the dead": a part of a toll, so at least that many; a larger
    toll of the same draft holds them."""
    qualifier = "at least" if figure.qualifier == "exact" else figure.qualifier
    note = "a part of the toll: the sentence says who was among the victims, not how many"
    return replace(figure, qualifier=qualifier, note=note)


def _is_active(text: str, found: re.Match[str]) -> bool:
    """ "two soldiers killed three civilians": the subject did it, and was not hurt."""
    verb = found["verb"].lower()
    return verb in ("killed", "wounded", "injured", "hurt") and bool(
        _OBJECT.match(text[found.end("verb") :])
    )


# Between a count and a casualty word, words that give the word to someone else: "the wounded"
# (a noun), a clause of its own ("where", "when", "and several are"), or a larger count the
# counted are part of ("were among 20 others hurt").
_NOT_THEIR_VERB = re.compile(
    r"(?:\b(?:the|those)\s+$"
    r"|\b(?:where|when|while|whereas|after|before|because|until)\b"
    r"|\bamong\b(?!\s+(?:them|whom|those|others)\b)"
    # "and several are wounded": a subject of its own; "and two medics were" shares the verb.
    r"|\b(?:and|but)\s+[\w-]+\s+(?:are|were|was|is|have|has|had)\b)",
    re.IGNORECASE,
)


def _long_subject(text: str) -> list[_Found]:
    out: list[_Found] = []
    for found in _FIGURE.finditer(text):
        rest = found["rest"]
        if rest.count(",") > 2 or _NOT_A_CASUALTY.search(rest):
            continue  # the verb belongs to another clause, or to a fate that is no figure
        if _NOT_THEIR_VERB.search(rest):
            continue  # "Dozens of relatives waited where the wounded were brought"
        if not _is_a_count(text, found.start("number"), found.end("number")):
            continue
        if _is_either(text, found.start("verb"), found.end("verb")):
            continue
        if not re.search(rf"\b{_AUXILIARY}\b", rest, re.I) and _is_active(text, found):
            continue
        value, implied = _count(found["number"])
        including = _INCLUDING.search(rest)
        figure = FigureFinding(
            value,
            _qualifier(found["qualifier"], implied),
            found["verb"].lower() in ("wounded", "injured", "hurt"),
            found[0],
            including[0] if including else None,
        )
        out.append(_Found(figure, found.start("number"), found.end("number")))
    return out


def _verb_first(text: str) -> list[_Found]:
    out: list[_Found] = []
    for found in _VERB_FIRST.finditer(text):
        injured = bool(_INJURY.match(found["verb"]))
        if found["list"] is not None:
            start, end = found.start("list"), found.end("list")
            figure = _list_finding(text, found, start, end, injured)
        else:
            start, end = found.start("number"), found.end("number")
            figure = _single(text, found, injured) if _is_a_count(text, start, end) else None
        if figure is None:
            continue
        including = _INCLUDING_AFTER.match(text[found.end() :])
        if including and figure.note is None:
            figure = replace(figure, note=including["note"].strip())
        out.append(_Found(figure, start, end))
    return out


def _single(
    text: str, found: re.Match[str], injured: bool, implied: str | None = None
) -> FigureFinding:
    value, from_words = _count(found["number"])
    return FigureFinding(
        value, _qualifier(found["qualifier"], implied or from_words), injured, found[0]
    )


def _simple(pattern: re.Pattern[str], text: str) -> list[_Found]:
    """ "left 5 dead", "and 20 others injured": one count, one verb."""
    out: list[_Found] = []
    for found in pattern.finditer(text):
        start, end = found.start("number"), found.end("number")
        if not _is_a_count(text, start, end) or _is_either(text, *found.span("verb")):
            continue
        injured = found["verb"].lower() in ("injured", "wounded", "hurt")
        out.append(_Found(_single(text, found, injured), start, end))
    return out


def _tolls(text: str) -> list[_Found]:
    """ "the death toll rose to 40", "the number of injured reached 60"."""
    out: list[_Found] = []
    for found in _TOLL.finditer(text):
        start, end = found.start("number"), found.end("number")
        if not _is_a_count(text, start, end):
            continue
        injured = bool(re.search(r"injured|wounded", found["toll"], re.IGNORECASE))
        passed = found["move"].lower() in ("passed", "exceeded", "topped", "surpassed")
        figure = _single(text, found, injured, "more than" if passed else None)
        out.append(_Found(figure, start, end))
    return out


def _families(text: str, out: list[_Found]) -> list[_Found]:
    """ "a family with three children had burned to death": the children, not the family."""
    for found in _FAMILY.finditer(text):
        start, end = found.start("number"), found.end("number")
        out = [f for f in out if f.end <= found.start() or f.start >= found.end()]
        figure = FigureFinding(
            _count(found["number"])[0],
            "at least",
            False,
            found[0],
            "counts the children only: the sentence does not say how many adults",
        )
        out.append(_Found(figure, start, end))
    return out


# "Among the 46 fatalities were five women": who the victims were, not another count.
_AMONG = re.compile(
    r"\bamong (?:the |them |those )?(?:[\d,]+ |\w+ )?(?:fatalities|dead|victims|killed"
    r"|casualties|wounded|injured|deaths)\b[^.;,]{0,60}",
    re.IGNORECASE,
)
# "the wounded numbered 37", "the dead numbered at least 12".
_NUMBERED = re.compile(
    r"\bthe (?P<verb>wounded|injured|dead|killed)\s+(?:numbered|totalled|totaled|stood at)\s+"
    rf"(?:(?P<qualifier>{_QUALIFIER})\s+)?(?P<number>{_NUMBER})",
    re.IGNORECASE,
)
# "the body of a man was found", "the bodies of 12 people were recovered": the dead.
_BODIES = re.compile(
    r"\b(?:the )?bod(?:y|ies) of (?:(?P<one>an? (?:\w+ ){0,2}?(?:man|woman|boy|girl|child|person"
    rf"|civilian|soldier|guard))|(?:(?P<qualifier>{_QUALIFIER})\s+)?(?P<number>{_NUMBER})\s+)"
    r"[^.;]{0,40}?\b(?:was|were) (?:found|recovered|pulled)",
    re.IGNORECASE,
)


def _bodies(text: str) -> list[_Found]:
    """ "the body of a man was found": one dead; "bodies of 12 people were recovered": 12."""
    out: list[_Found] = []
    for found in _BODIES.finditer(text):
        if found["one"]:
            figure = FigureFinding(1, "exact", False, found[0])
            out.append(_Found(figure, found.start("one"), found.end("one")))
        elif _is_a_count(text, found.start("number"), found.end("number")):
            figure = _single(text, found, False)
            out.append(_Found(figure, found.start("number"), found.end("number")))
    return out


# A group's record, not one event's toll: "responsible for killing hundreds of civilians",
# "has killed hundreds in the province since 2019".
_RECORD_BEFORE = re.compile(
    r"\b(?:responsible|blamed|notorious|known|condemned|sanctioned)\s+for\s+$"
    r"|\b(?:accused|suspected|guilty)\s+of\s+$",
    re.IGNORECASE,
)
# "has killed", "have reportedly killed": what a group has done; "have been killed since 2021"
# is a toll of the place, a casualty report of its own.
_PERFECT = re.compile(r"\b(?:has|have)\s+(?:(?!been\b)\w+\s+)?$", re.IGNORECASE)
_OVER_YEARS = re.compile(
    r"^[^.;]*?\b(?:since\s+(?:(?:19|20)\d\d|its\s+|the\s+(?:group|movement|insurgency|conflict"
    r"|war|uprising)|(?:the\s+)?(?:early|mid|late)\b)|over\s+the\s+(?:past|last)\s+(?:\w+\s+)?"
    r"(?:years|decades?)|over\s+the\s+years|in\s+recent\s+years)",
    re.IGNORECASE,
)


def _is_a_record(text: str, figure: FigureFinding) -> bool:
    at = text.find(figure.words)
    if at < 0:
        return False
    before, rest = text[:at], text[at:]
    if _RECORD_BEFORE.search(before):
        return True
    return bool(_PERFECT.search(before) and _OVER_YEARS.search(rest))


def find_figures(text: str) -> list[FigureFinding]:
    """The killed and the injured the sentence counts, each count once."""
    out: list[_Found] = []
    among = [found.span() for found in _AMONG.finditer(text)]
    searches = (
        _victims_first(text),
        _long_subject(text),
        _verb_first(text),
        _simple(_LEFT, text),
        _tolls(text),
        _simple(_NUMBERED, text),
        _bodies(text),
        _simple(_AND_MORE, text),
    )
    for found in (f for search in searches for f in search):
        if any(start <= found.start < end for start, end in among):
            continue  # a breakdown of victims already counted
        if _is_a_record(text, found.figure):
            continue  # "the group has killed hundreds since 2019": not this event's toll
        if not any(found.start < kept.end and kept.start < found.end for kept in out):
            out.append(found)
    return [found.figure for found in _families(text, _not_of_another_event(text, out))]


# "…, with sources saying another attack had left dozens dead": after the event's own count, a
# count of another event the sentence mentions in passing.
_ANOTHER_EVENT = re.compile(
    r"\b(?:another|a separate|a second|an earlier|a previous)\s+(?:[\w-]+\s+){0,2}?"
    r"(?:attacks?|assaults?|raids?|strikes?|ambush(?:es)?|bombings?|incidents?)\b",
    re.IGNORECASE,
)


def _not_of_another_event(text: str, found: list[_Found]) -> list[_Found]:
    other = _ANOTHER_EVENT.search(text)
    if other is None or not any(f.start < other.start() for f in found):
        return found
    return [f for f in found if f.start < other.start()]


# "three people in Pokrovsk and two in Kurakhove": a second count, of the same fate, in the place
# named right after it.
_COUNT_BEFORE_PLACE = re.compile(
    rf"(?:,\s*|\s+)(?:and|while|with)\s+(?:another\s+)?(?P<count>{_NUMBER})\s+"
    r"(?:(?:more|others?|people|civilians|residents|soldiers)\s+)?(?:(?:were|was)\s+\w+\s+)?"
    r"in\s+(?:the\s+(?:city|town|village|district|region)\s+of\s+)?$",
    re.IGNORECASE,
)


def count_before_place(text: str, place_start: int, fate: FigureFinding) -> FigureFinding | None:
    """The count just before a place the sentence names after another ("… and two in
    Kurakhove"), of the fate `fate` counts (killed or injured); None if there is none."""
    found = _COUNT_BEFORE_PLACE.search(text[max(0, place_start - 80) : place_start])
    if found is None:
        return None
    value, implied = _count(found["count"])
    if value <= 0:
        return None
    return FigureFinding(
        value,
        _qualifier(None, implied),
        fate.injured,
        found["count"],
        f"'{found[0].strip()}': counted as {'injured' if fate.injured else 'killed'}, "
        "as the count before it",
    )


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
_ACCORDING_TO = re.compile(r"\b[Aa]ccording to (?P<who>(?:the\s+)?[^,.;]{3,80})")
_PRONOUN = re.compile(rf",?\s*(?:he|she|they)\s+{_SAID}\b", re.IGNORECASE)


# "…, the health ministry said while …": a claim in the middle of a sentence that goes on.
_SPEAKER_MID = re.compile(
    r",\s+(?P<who>(?!(?:which|who|that|as|and|but|while|when|where|it|he|she|they|after"
    r"|before|since|because|until|although|though|if|so|then|even|once)\b)"
    rf"[A-Za-z][^,;\"“”]{{2,90}}?)\s+{_SAID}\b"
)
_SPEAKERS = (_ACCORDING_TO, _SPEAKER_AFTER, _SPEAKER_LAST, _SPEAKER_BEFORE)


def _named(found: re.Match[str]) -> str | None:
    who = re.sub(r"\s+(?:also|later|earlier|separately)$", "", found["who"].strip().strip(","))
    if re.match(r"(?i)^(?:he|she|they|it|officials)$", who):
        return None
    return re.sub(r"^the\s+", "", who, flags=re.IGNORECASE)


def find_speaker(text: str) -> str | None:
    """Who the sentence says said it, verbatim; None if it names nobody."""
    for pattern in _SPEAKERS:
        found = pattern.search(text)
        if found is not None and (who := _named(found)) is not None:
            return who
    return None


def speaker_of(text: str, figure: FigureFinding) -> str | None:
    """Who claims this figure, when the sentence names two ("six were killed, the health
    ministry said, while an officer was killed, according to the police"): the first claim
    after the figure, else the last one before it; None if the sentence names nobody."""
    at = text.find(figure.words)
    if at < 0:
        return find_speaker(text)
    claims = sorted(
        (found.start(), who)
        for pattern in (*_SPEAKERS, _SPEAKER_MID)
        for found in pattern.finditer(text)
        if (who := _named(found)) is not None
    )
    after = [who for start, who in claims if start >= at + len(figure.words)]
    before = [who for start, who in claims if start < at]
    return after[0] if after else (before[-1] if before else None)


def says_pronoun(text: str) -> bool:
    """ "..., he said.": the speaker is named in an earlier sentence."""
    return _PRONOUN.search(text) is not None


# Who acted or was hit, as reporters name them: "Russian forces", "the RSF", "M23 rebels",
# "police", "protesters". A small, general vocabulary: forces and armed groups, police, and
# groups of civilians that act together.
_DEMONYMS = (
    r"Russian|Ukrainian|Belarusian|American|US|U\.S\.|British|European|Western|Chinese|Israeli"
    r"|Palestinian|Sudanese|Kenyan|Congolese|Rwandan|Ugandan|Burundian|Malian|Burkinabe"
    r"|Nigerien|Nigerian|Chadian|Cameroonian|Ethiopian|Eritrean|Somali|Syrian|Iraqi|Iranian"
    r"|Lebanese|Yemeni|Saudi|Emirati|Egyptian|Libyan|Turkish|Kurdish|Afghan|Pakistani|Indian"
    r"|Myanmar|Burmese|Thai|Filipino|Colombian|Mexican|Venezuelan|Haitian|Georgian|Armenian"
    r"|Azerbaijani|French|German|Polish|Mozambican|Nicaraguan|Bangladeshi"
)
_ACTOR_NOUNS = (
    r"forces|troops|army|artillery|military|officials|delegation|soldiers|servicemen|navy"
    r"|air force|air defences?|government|side|oligarchs|diplomats|occupiers|invaders|militias?"
    r"|militiamen|militants|rebels|fighters|separatists|paramilitaries|insurgents|jihadists"
    r"|gunmen|police|policemen|police officers|border guards|peacekeepers|marines|junta"
    r"|regime|authorities"
)
_FORCE_KIND = (
    r"armed|security|special|government|occupation|occupying|regular|federal|national|border"
    r"|riot|military|paramilitary"
)
# "Russian forces", "Sudanese Armed Forces", "pro-Russian separatists", "Iran-backed rebels".
_NATIONAL_ACTOR = re.compile(
    rf"\b(?P<who>(?:{_DEMONYMS}|(?i:pro|anti)-[A-Z][a-z]+|[A-Z][a-z]+-(?:backed|led|allied))"
    rf"\s+(?i:(?:{_FORCE_KIND})\s+)?(?i:{_ACTOR_NOUNS}))\b"
)
# "Ukraine's military", "Kenya's police".
_POSSESSIVE_ACTOR = re.compile(
    r"\b(?P<who>[A-Z][a-z]+['’]s\s+(?:armed forces|army|military|air force|navy|police"
    r"|border guards|security forces|forces|troops))\b"
)
# Armed groups by name, as written, with the noun that may follow ("M23 rebels", "RSF fighters").
_ARMED_GROUPS = (
    r"Rapid Support Forces|RSF|Sudanese Armed Forces|SAF|Hamas|Hezbollah|Hizbollah|Houthis?"
    r"|Islamic Jihad|Islamic State|ISIS|ISIL|Daesh|[Aa]l[- ]Shabaab|Boko Haram|ISWAP|JNIM"
    r"|Taliban|Tatmadaw|Arakan Army|People['’]s Defen[cs]e Forces?|Israel Defen[cs]e Forces"
    r"|IDF|M23|AFC/M23|FARDC|ADF|Allied Democratic Forces|Wagner Group|Africa Corps"
    r"|[Aa]l[- ]Qaeda|CODECO|Fano|TPLF|Janjaweed|SDF|YPG|PKK"
)
_GROUP_MEMBERS = (
    r"forces|fighters|rebels|militants|militia|militiamen|paramilitaries|mercenaries|troops"
    r"|gunmen|soldiers|members|jihadists|insurgents"
)
_NAMED_GROUP = re.compile(
    rf"\b(?P<who>(?:{_ARMED_GROUPS})(?!-run)(?:\s+(?i:{_GROUP_MEMBERS}))?"
    rf"|Wagner\s+(?i:{_GROUP_MEMBERS}))(?![\w-])"
)
# Groups named by what they are: "police", "protesters", "security forces", "the junta".
_GENERIC_ACTOR = re.compile(
    r"\b(?P<who>(?:(?i:pro|anti)-government\s+)?(?:[Ss]ecurity forces|[Gg]overnment"
    r" (?:forces|troops|soldiers)|[Rr]ebel (?:forces|fighters)|[Aa]rmed (?:men|groups?)"
    r"|[Rr]iot police|[Pp]olice(?!\s+(?:stations?|posts?|headquarters|chief|commissioner"
    r"|spokes\w+|buildings?|cars?|vehicles?|vans?))|[Pp]rotest[eo]rs|[Dd]emonstrators"
    r"|[Rr]ioters|[Jj]ihadists|[Ii]slamists|[Mm]ilitants|[Rr]ebels|[Gg]unmen|[Ii]nsurgents"
    r"|[Ss]eparatists|[Pp]aramilitaries|[Mm]ilitiamen|[Mm]ilitias?|[Ss]ettlers|[Ss]trikers))\b"
)
# "the junta", "the army said": the article says whose; "the military convoy" is no actor.
_THE_ACTOR = re.compile(
    r"\b[Tt]he\s+(?P<who>(?:military\s+)?junta|army|military(?:\s+(?:government|regime|rulers))?)"
    r"\b(?!\s+(?:convoy|vehicles?|operations?|bases?|aircraft|equipment|hardware|spending"
    r"|budget|intelligence|personnel|leaders?|chiefs?|campaign|offensive|academy|hospital"
    r"|court|said to))"
)
_PERSON = re.compile(
    r"\b(?:President|Prime Minister|Minister|Mayor|Governor|chief|head|adviser|ambassador|mayor|"
    r"spokesman|spokeswoman)\s*,?\s+(?P<who>[A-Z][a-z]+(?:\s+[A-Z][a-z]+){1,2})\b"
)
_GROUP_PATTERNS = (_NAMED_GROUP, _NATIONAL_ACTOR, _POSSESSIVE_ACTOR, _GENERIC_ACTOR, _THE_ACTOR)


def _groups(text: str) -> list[str]:
    """The forces and groups named, in the order of the text; where two readings overlap
    ("Sudanese army" and "army"), the longer one."""
    spans = sorted(
        {found.span("who") for pattern in _GROUP_PATTERNS for found in pattern.finditer(text)},
        key=lambda span: (span[0], -span[1]),
    )
    kept: list[tuple[int, int]] = []
    for start, end in spans:
        if not any(start < other_end and other_start < end for other_start, other_end in kept):
            kept.append((start, end))
    return [text[start:end] for start, end in kept]


def find_actors(text: str) -> list[str]:
    """People, then forces and groups, the sentence names, verbatim, each once."""
    found: list[str] = []
    people = [match["who"] for match in _PERSON.finditer(text)]
    for who in (*people, *_groups(text)):
        if who.lower() not in (other.lower() for other in found):
            found.append(who)
    return found
