"""An article in, draft events out: one for each sentence (or run of adjacent sentences) that
reports something located, each quoting its sentences verbatim."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from geo.draft.context import ArticleContext
from geo.draft.dates import (
    SINCE_CONFIDENCE,
    Anchors,
    DateFinding,
    find_date,
    ongoing_since_anchor,
)
from geo.draft.places import PLACE_THRESHOLD, PlaceMention, find_places, lower_case_words
from geo.draft.sentences import Sentence, split_sentences
from geo.draft.wording import (
    FigureFinding,
    TypeFinding,
    count_before_place,
    find_actors,
    find_figures,
    find_speaker,
    find_type,
    is_disaster,
    is_weak,
    says_pronoun,
    speaker_of,
)
from geo.errors import DraftError
from geo.gazetteer import SAME_PLACE_KM, Entry, Gazetteer
from geo.geodesy import distance_km
from geo.io.cells import slugify
from geo.model import Event, Figure, Geocoded, Origin, Place, Source, country_name
from geo.text import fold
from geo.vocabulary import EventType, style_of

DRAFT_TAG = "draft"
FIGURES_NAMED_CONFIDENCE = 0.85  # a figure with its claimant in the sentence or the one before
FIGURES_UNNAMED_CONFIDENCE = 0.6  # a figure nobody in the text is said to claim
MAX_ARTICLE_CHARACTERS = 200_000


@dataclass(frozen=True)
class Article:
    text: str
    date: dt.date
    publisher: str
    url: str | None = None
    name: str = "article"  # where it came from (a file name), for the drafts' origin

    def __post_init__(self) -> None:
        if not self.text.strip():
            raise DraftError(f"{self.name}: the article is empty; paste or give its text")
        if len(self.text) > MAX_ARTICLE_CHARACTERS:
            raise DraftError(
                f"{self.name}: {len(self.text):,} characters is more than one article "
                f"({MAX_ARTICLE_CHARACTERS:,} at most); split it"
            )
        if not self.publisher.strip():
            raise DraftError(f"{self.name}: give the publisher (every source names one)")


@dataclass(frozen=True)
class Confidence:
    place: float
    date: float
    type: float
    figures: float | None  # None: the draft has no figures


@dataclass(frozen=True)
class Draft:
    event: Event
    sentences: tuple[Sentence, ...]
    place: PlaceMention | None
    date: DateFinding
    kind: TypeFinding
    figures: tuple[FigureFinding, ...]
    confidence: Confidence
    notes: tuple[str, ...]

    @property
    def quotes(self) -> list[str]:
        return [source.quote for source in self.event.sources if source.quote]


@dataclass
class _Group:
    """Adjacent sentences becoming one draft."""

    sentences: list[Sentence]
    place: PlaceMention
    date: DateFinding
    kind: TypeFinding
    figures: list[tuple[FigureFinding, str | None]] = field(default_factory=list)
    actors: list[str] = field(default_factory=list)


def draft_article(article: Article, gazetteer: Gazetteer) -> list[Draft]:
    """The article's draft events, in the order of their first sentence."""
    sentences = split_sentences(article.text)
    # A word the article also writes in lower case ("police") is a town only with a place word.
    common = lower_case_words(article.text)
    first_reading = [
        find_places(sentence.text, gazetteer, common_words=common) for sentence in sentences
    ]
    context = ArticleContext.read(sentences, first_reading, gazetteer)
    mentions = [
        context.settle(sentence.text, found)
        for sentence, found in zip(sentences, first_reading, strict=True)
    ]
    focus = _focus_country(mentions, gazetteer)
    anchors = Anchors()
    groups: list[_Group] = []
    speaker: str | None = None
    previous: Sentence | None = None
    for sentence, found in zip(sentences, mentions, strict=True):
        text = sentence.text
        named = find_speaker(text)
        claimant = named or (speaker if says_pronoun(text) else None)
        date = find_date(text, article.date, anchors)
        kind = find_type(text)
        figures = [(f, speaker_of(text, f) or claimant) for f in find_figures(text)]
        place = _best_place(found, focus)
        last = groups[-1] if groups else None
        if last is not None and date.said is None:
            date = _date_going_on(text, last.date) or date
        if place is not None:
            groups.append(_Group([sentence], place, date, kind, figures, find_actors(text)))
            groups.extend(_counted_elsewhere(groups[-1], found))
            groups.extend(_clause_groups(sentence, found, place, article.date, anchors))
        elif last and previous and _continues(last, previous, sentence, kind, figures):
            _join(last, sentence, date, kind, figures, find_actors(text))
        speaker = named or speaker
        previous = sentence
    return [_draft(article, group) for group in _one_per_event(groups)]


def _focus_country(
    mentions: Sequence[Sequence[PlaceMention]], gazetteer: Gazetteer
) -> Entry | None:
    """The country the article places most of its events in ("Russia's neighbour" is it)."""
    counts = Counter(
        best.entry.country
        for found in mentions
        if (best := _best_place(found, None)) is not None and best.entry is not None
    )
    if not counts:
        return None
    code = counts.most_common(1)[0][0]
    countries = [
        m.entry for m in gazetteer.matches(country_name(code), fuzzy=False)
        if m.entry.kind == "country" and m.entry.country == code
    ]  # fmt: skip
    return countries[0] if countries else None


def _clause_groups(
    sentence: Sentence,
    mentions: Sequence[PlaceMention],
    place: PlaceMention,
    article_date: dt.date,
    anchors: Anchors,
) -> list[_Group]:
    """ "…ally Belarus, which has been used as a launch pad for invading Russian troops": a
    relative clause after a place name reports a second event, there."""
    out: list[_Group] = []
    for mention in mentions:
        entry = mention.named
        if entry is None or mention.end <= 0:
            continue
        found = _RELATIVE_CLAUSE.match(sentence.text[mention.end :])
        if found is None:
            continue
        clause = found["clause"]
        kind = find_type(clause)
        date = ongoing_since_anchor(clause, article_date, anchors)
        if is_weak(kind) or (
            entry == place.entry and kind.event_type == find_type(sentence.text).event_type
        ):
            continue
        if date is None:
            date = find_date(clause, article_date, anchors)
        there = PlaceMention(
            entry.name,
            entry.name,
            entry,
            "locative",
            3 if entry.kind != "city" else 1,
            mention.start,
            0.8,
            f"from the clause '{found[0].strip(', ')}'",
            entry.country,
            entry,
            mention.end,
        )
        out.append(_Group([sentence], there, date, kind, [], find_actors(clause)))
    return out


def _counted_elsewhere(group: _Group, mentions: Sequence[PlaceMention]) -> list[_Group]:
    """ "shelling killed three people in Pokrovsk and two in Kurakhove": each later town with a
    count of its own is a draft of its own, of the same kind, day and fate."""
    if len(group.figures) != 1:
        return []  # which count goes where is clear only after one count
    fate, claimant = group.figures[0]
    text = group.sentences[0].text
    out: list[_Group] = []
    for mention in mentions:
        if mention.entry is None or mention.start <= group.place.start:
            continue
        if _same_town(mention, group.place) or mention.score < PLACE_THRESHOLD:
            continue
        figure = count_before_place(text, mention.start, fate)
        if figure is not None:
            out.append(
                _Group(
                    list(group.sentences),
                    mention,
                    group.date,
                    group.kind,
                    [(figure, claimant)],
                    list(group.actors),
                )
            )
    return out


_RELATIVE_CLAUSE = re.compile(r"^,\s+(?P<clause>(?:which|where)\b[^;]*?)(?:[.;]|$)")


def _best_place(mentions: Sequence[PlaceMention], focus: Entry | None) -> PlaceMention | None:
    for mention in mentions:
        if mention.score < PLACE_THRESHOLD:
            continue
        if mention.reading == "neighbour":
            return _neighbour(mention, focus)
        return mention
    return None


def _neighbour(mention: PlaceMention, focus: Entry | None) -> PlaceMention:
    """ "Russia's neighbour": the country the article is about, if that is not Russia."""
    named = mention.named
    if focus is None or named is None or focus.country == named.country:
        return mention  # left unplaced, with its note
    return replace(
        mention,
        name=focus.name,
        entry=focus,
        country=focus.country,
        confidence=0.5,
        note=f"'{mention.words}' read as {focus.name}, where the article places most events",
    )


def _continues(
    last: _Group,
    previous: Sentence,
    sentence: Sentence,
    kind: TypeFinding,
    figures: Sequence[tuple[FigureFinding, str | None]],
) -> bool:
    """Whether a sentence with no place of its own goes on with the draft before it."""
    if last.sentences[-1] is not previous:
        return False  # only the sentence right after a draft's last one
    if sentence.paragraph == previous.paragraph:
        return True
    if says_pronoun(sentence.text) or sentence.text.lstrip().startswith(('"', "“")):
        return True
    reports = not is_weak(kind) or bool(figures)
    return reports and _kinds_agree(last.kind, kind)


# Kinds of event that kill and wound: a sentence that only counts the dead or the wounded
# ("A 69-year-old woman was killed") tells of the one before it, not of a new attack.
_VIOLENT = frozenset(
    {
        EventType.SHELLING,
        EventType.AIR_STRIKE,
        EventType.ARMED_CLASH,
        EventType.ATTACK_ON_CIVILIANS,
        EventType.CASUALTY_REPORT,
        EventType.PROTEST,
    }
)
_CASUALTY_WORDS = re.compile(r"\b(?:kill|died|dead|death|wound|injur|casualt)", re.IGNORECASE)


def _casualties_only(kind: TypeFinding) -> bool:
    """A kind read from words that count victims, not from words that say what hit them."""
    return kind.event_type in (EventType.ATTACK_ON_CIVILIANS, EventType.CASUALTY_REPORT) and bool(
        kind.words and _CASUALTY_WORDS.search(kind.words)
    )


def _same_kind(first: TypeFinding, then: TypeFinding) -> bool:
    """Two drafts of one town and day are one event when of one kind, or when one is a
    statement about the other. Victims counted in a sentence that names the town on its own
    ("Kharkiv's mayor said four people died …") stay an event of their own."""
    return first.event_type == then.event_type or is_weak(first) or is_weak(then)


def _kind_says_more(new: TypeFinding, old: TypeFinding) -> bool:
    """A draft takes the kind that says what happened: a shelling over the victims it made,
    anything over a statement."""
    if is_weak(old):
        return not is_weak(new)
    return _casualties_only(old) and not _casualties_only(new) and new.event_type in _VIOLENT


def _kinds_agree(first: TypeFinding, then: TypeFinding) -> bool:
    """A sentence with no place of its own goes on with the one before it when it tells the
    same kind, a statement, or the victims of the violence before it."""
    if _same_kind(first, then):
        return True
    return (_casualties_only(then) and _kills(first)) or (_casualties_only(first) and _kills(then))


def _kills(kind: TypeFinding) -> bool:
    """Violence, or a disaster: what leaves the dead and wounded a later sentence counts."""
    return kind.event_type in _VIOLENT or is_disaster(kind)


def _join(
    group: _Group,
    sentence: Sentence,
    date: DateFinding,
    kind: TypeFinding,
    figures: list[tuple[FigureFinding, str | None]],
    actors: list[str],
) -> None:
    group.sentences.append(sentence)
    if _date_says_more(date, group.date):
        group.date = date
    if _kind_says_more(kind, group.kind):
        group.kind = kind
    group.figures.extend(figures)
    group.actors.extend(a for a in actors if a not in group.actors)


def _one_per_event(groups: Sequence[_Group]) -> list[_Group]:
    """Sentences that go on with an earlier event, in the next paragraph or further down, join
    its draft: the same town, the same day, the same kind of event."""
    kept: list[_Group] = []
    for group in groups:
        same = _same_event(kept, group)
        if same is None:
            kept.append(group)
        else:
            _absorb(same, group)
    return kept


def _same_event(earlier: Sequence[_Group], group: _Group) -> _Group | None:
    """The latest draft the group goes on with. A statement joins any kind (a mayor speaks of
    the shelling), but a shelling and a protest in one town are two events. A country or a
    region is too big to tell one event there from another."""
    if not _is_scene(group.place):
        return None
    for other in reversed(earlier):
        if (
            _is_scene(other.place)
            and _same_town(other.place, group.place)
            and (other.date.date, other.date.date_end) == (group.date.date, group.date.date_end)
            and _same_kind(other.kind, group.kind)
        ):
            return other
    return None


def _is_scene(mention: PlaceMention) -> bool:
    """A town where things happen, not a country, a region or an organisation's seat."""
    return mention.entry is not None and mention.entry.kind == "city" and mention.reading != "seat"


def _same_town(a: PlaceMention, b: PlaceMention) -> bool:
    """One town, or one listed twice by the gazetteer; not two neighbours (Jabalia is not
    Beit Lahiya, 3 km off)."""
    if a.entry is None or b.entry is None:
        return False
    here, there = a.entry, b.entry
    if here == there:
        return True
    km = distance_km((here.latitude, here.longitude), (there.latitude, there.longitude))
    return fold(here.name) == fold(there.name) and km <= SAME_PLACE_KM


def _absorb(group: _Group, other: _Group) -> None:
    """One draft of two: every sentence once, in the article's order."""
    numbers = {sentence.number for sentence in group.sentences}
    new = [sentence for sentence in other.sentences if sentence.number not in numbers]
    group.sentences = sorted([*group.sentences, *new], key=lambda sentence: sentence.number)
    if _date_says_more(other.date, group.date):
        group.date = other.date
    if _kind_says_more(other.kind, group.kind):
        group.kind = other.kind
    if _place_weight(other.place) > _place_weight(group.place):
        group.place = other.place  # "Kharkiv's mayor said", then "shelling in Kharkiv"
    _add_figures(group, other.figures)
    group.actors.extend(a for a in other.actors if a not in group.actors)


def _date_going_on(text: str, before: DateFinding) -> DateFinding | None:
    """ "Eleven more were wounded near Téra": a sentence with no day of its own that adds to
    the event before takes that event's day."""
    found = _IN_ADDITION.search(text)
    if found is None or before.said is None or before.precision == "approximate":
        return None
    return replace(
        before,
        confidence=min(before.confidence, SINCE_CONFIDENCE),
        note=f"'{found[0]}': goes on with the event before, dated '{before.said}'",
    )


def _date_says_more(new: DateFinding, old: DateFinding) -> bool:
    """A day the sentences name beats none, and beats the day it was only said ("officials said
    on Tuesday", then "the water tore through late on Sunday")."""
    if new.said is None:
        return False
    # Only a day: a month or a range in a later sentence is background ("fighting killed
    # dozens in April and May"), not the day of this event.
    return old.said is None or (old.precision == "approximate" and new.precision == "day")


def _place_weight(mention: PlaceMention) -> float:
    return mention.confidence * mention.score


def _add_figures(group: _Group, figures: Sequence[tuple[FigureFinding, str | None]]) -> None:
    """A figure said again ("at least three killed" in the lead and further down) counts once."""
    said = {_figure_key(figure) for figure, _ in group.figures}
    group.figures.extend(pair for pair in figures if _figure_key(pair[0]) not in said)


def _figure_key(figure: FigureFinding) -> tuple[int, str, bool]:
    return figure.value, figure.qualifier, figure.injured


# -- one group, one event ----------------------------------------------------------------------


def _totals_taken_once(
    figures: Sequence[tuple[FigureFinding, str | None]], sentences: Sequence[Sentence]
) -> tuple[list[tuple[FigureFinding, str | None]], list[str]]:
    """A count a later sentence gives of victims already in an earlier, larger total of the
    same claimant is part of that total: a lead's "killed at least three people", then "a
    69-year-old woman was killed", is one toll of three, not two claims. Counts in one
    sentence ("four people died … and a family of five burned") are distinct victims, and
    claimants who disagree keep a figure each."""
    same = _one_name_per_claimant([who for _, who in figures])
    at = {id(figure): _sentence_of(figure, sentences) for figure, _ in figures}
    kept: list[tuple[FigureFinding, str | None]] = []
    notes: list[str] = []
    for figure, who in figures:
        total = next(
            (
                f
                for f, w in figures
                if f.injured == figure.injured
                and same[w] == same[who]
                and f.value > figure.value
                and at[id(f)] < at[id(figure)]
            ),
            None,
        )
        if total is None or _IN_ADDITION.search(figure.words):
            kept.append((figure, who))
            continue
        kind = "injured" if figure.injured else "killed"
        notes.append(f"'{figure.words}' is read as part of the total of {total.value} {kind}")
    return kept, notes


# "two more", "another three", "a further 17": victims beyond the count before, never part of it.
_IN_ADDITION = re.compile(r"\b(?:more|another|a further|additional)\b", re.IGNORECASE)


def _sentence_of(figure: FigureFinding, sentences: Sequence[Sentence]) -> int:
    """The first of the draft's sentences that holds the figure's words."""
    return next((k for k, s in enumerate(sentences) if figure.words in s.text), len(sentences))


def _one_name_per_claimant(claimants: Sequence[str | None]) -> dict[str | None, str | None]:
    """ "the officials" are the "regional officials" named before: a claimant written shorter
    further down is the one whose name ends the same way."""
    same: dict[str | None, str | None] = {}
    for who in claimants:
        if who in same:
            continue
        short = _bare(who)
        earlier = [k for k in same if short and _bare(k).endswith(short)]
        same[who] = same[earlier[0]] if earlier else who
    return same


def _bare(claimant: str | None) -> str:
    return re.sub(r"^(?:the|a|an)\s+", "", (claimant or "").strip().lower())


def _draft(article: Article, group: _Group) -> Draft:
    notes = [n for n in (group.place.note, group.date.note) if n]
    group.figures, folded = _totals_taken_once(group.figures, group.sentences)
    notes.extend(folded)
    figures = tuple(figure for figure, _ in group.figures)
    claimants = [who for _, who in group.figures]
    confidence = Confidence(
        place=round(group.place.confidence * group.place.score, 2),
        date=group.date.confidence,
        type=group.kind.confidence,
        figures=None
        if not figures
        else (FIGURES_NAMED_CONFIDENCE if all(claimants) else FIGURES_UNNAMED_CONFIDENCE),
    )
    if figures and not all(claimants):
        notes.append("a figure names nobody who claims it: the publisher is given as claimant")
    event = Event(
        id=_draft_id(group),
        title=_title(group),
        event_type=group.kind.event_type,
        date=group.date.date,
        time_precision=group.date.precision,
        date_end=group.date.date_end,
        place=_place(group.place, article),
        actors=group.actors[:50],
        fatalities=[_figure(f, who, article) for f, who in group.figures if not f.injured][:20],
        injured=[_figure(f, who, article) for f, who in group.figures if f.injured][:20],
        sources=_sources(group.sentences, article),
        tags=[DRAFT_TAG],
        origin=Origin(
            format="article",
            file=(article.url or article.name)[:300],
            row=group.sentences[0].number,
            columns=_columns(group, confidence, notes),
        ),
    )
    return Draft(
        event,
        tuple(group.sentences),
        group.place if group.place.entry is not None else None,
        group.date,
        group.kind,
        figures,
        confidence,
        tuple(notes),
    )


def _place(mention: PlaceMention, article: Article) -> Place:
    name = _place_name(mention)
    if mention.entry is None:
        return Place(name=name[:200], country=mention.country)
    entry = mention.entry
    return Place(
        name=name[:200],
        country=entry.country or None,
        latitude=entry.latitude,
        longitude=entry.longitude,
        geo_precision=mention.precision,
        geocoded=Geocoded(
            provider="gazetteer",
            query=mention.words[:2000],
            matched_name=entry.name,
            geonames_id=entry.geonames_id,
            confidence=mention.confidence,
            date=article.date,
        ),
    )


_NEAR_CUE = re.compile(
    r"(?:around|near|outside|close to|closer to|towards?|on the outskirts of"
    r"|(?:north|south|east|west)\S* of)\b",
    re.IGNORECASE,
)


def _place_name(mention: PlaceMention) -> str:
    """ "Around Mariupol", "Southeastern Ukraine", "Brussels (seat of the European Union)"."""
    if mention.reading == "seat":
        organisation = re.sub(r"^(?:at\s+)?(?:the\s+)?", "", mention.words, flags=re.I)
        return f"{mention.name} (seat of the {organisation})"
    if mention.entry is None:
        return mention.name
    if mention.reading == "near":
        cue = _NEAR_CUE.match(mention.words)
        return f"{cue[0].capitalize() if cue else 'Near'} {mention.name}"
    if mention.direction:
        return f"{mention.direction.capitalize()} {mention.name}"
    return mention.name


def _figure(figure: FigureFinding, claimant: str | None, article: Article) -> Figure:
    return Figure(
        value=figure.value,
        qualifier=figure.qualifier,
        claimed_by=(claimant or article.publisher)[:2000],
        note=figure.note,
    )


def _sources(sentences: Sequence[Sentence], article: Article) -> list[Source]:
    """One source per run of adjacent sentences of one paragraph: its quote is a slice of the
    text."""
    runs: list[list[Sentence]] = []
    for sentence in sentences:
        last = runs[-1][-1] if runs else None
        # Only adjacent sentences share a quote: one that went to another draft stays out.
        if last and last.paragraph == sentence.paragraph and last.number + 1 == sentence.number:
            runs[-1].append(sentence)
        else:
            runs.append([sentence])
    return [
        Source(
            publisher=article.publisher,
            url=article.url,
            date=article.date,
            quote=article.text[run[0].start : run[-1].end],
        )
        for run in runs
    ]


def _title(group: _Group) -> str:
    label = style_of(group.kind.event_type).label
    mention = group.place
    if mention.entry is None:
        return f"{label}: {mention.name}"[:300]
    where = {1: "in", 2: "near", 3: "in"}[mention.precision]
    return f"{label} {where} {mention.name}"[:300]


def _draft_id(group: _Group) -> str:
    words = f"s{group.sentences[0].number}-{group.kind.event_type.value}-{group.place.name}"
    return slugify("draft-" + fold(words).replace("_", "-"))


def _columns(group: _Group, confidence: Confidence, notes: Sequence[str]) -> dict[str, str]:
    columns = {
        "sentences": ",".join(str(s.number) for s in group.sentences),
        "place words": group.place.words,
        "place confidence": f"{confidence.place:.2f}",
        "date words": group.date.said or "(none: the article's date)",
        "date confidence": f"{confidence.date:.2f}",
        "type words": group.kind.words or "(none)",
        "type confidence": f"{confidence.type:.2f}",
    }
    if confidence.figures is not None:
        columns["figures confidence"] = f"{confidence.figures:.2f}"
    if notes:
        columns["notes"] = "; ".join(notes)
    return columns
