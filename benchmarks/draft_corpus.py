"""Drafting on the development corpus: every test article in tests/draft_corpus/ drafted with
geo.draft.article.draft_article, and its drafts measured against the located events a reader
finds in it.

    .venv/bin/python benchmarks/draft_corpus.py            # the tables, then the totals as JSON
    .venv/bin/python benchmarks/draft_corpus.py --write    # also replace the section in RESULTS.md

An expected event is found when a draft quotes one of its sentences, is placed within 30 km of it
(or, where both are a whole country, in the same country: a country's point is a symbol) and has
dates within a day of the event's. Recall is events found over events; precision is placed drafts
that find an event over all placed drafts (drafts quoting only the sentences an article marks
neutral, such as a background total, are left out of both counts).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import subprocess
import sys
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from geo.draft.article import Article, Draft, draft_article
from geo.draft.evaluate import SAME_PLACE_KM
from geo.gazetteer import Gazetteer
from geo.geodesy import distance_km
from geo.model import country_name
from geo.text import fold
from geo.vocabulary import EventType

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "draft_corpus"
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
SECTION_TITLE = "## Drafting on the development corpus (benchmarks/draft_corpus.py)"
DATE_SLACK = dt.timedelta(days=1)
QUALIFIERS = ("exact", "at least", "at most", "about", "more than", "fewer than")


class CorpusError(ValueError):
    """A corpus file that does not follow the schema in tests/draft_corpus/README.md."""


# -- the corpus ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpectedFigure:
    value: int
    qualifier: str
    injured: bool

    def describe(self) -> str:
        number = str(self.value) if self.qualifier == "exact" else f"{self.qualifier} {self.value}"
        return f"{number} {'injured' if self.injured else 'killed'}"


@dataclass(frozen=True)
class ExpectedPlace:
    name: str
    latitude: float
    longitude: float
    precision: int
    country: str

    @property
    def point(self) -> tuple[float, float]:
        return (self.latitude, self.longitude)

    @property
    def is_country(self) -> bool:
        return self.precision == 3 and fold(self.name) == fold(country_name(self.country))


@dataclass(frozen=True)
class ExpectedEvent:
    id: str
    sentences: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]  # where each sentence is in the article's text
    place: ExpectedPlace
    date: dt.date
    date_end: dt.date | None
    event_type: EventType
    figures: tuple[ExpectedFigure, ...]
    patterns: tuple[str, ...]


@dataclass(frozen=True)
class Provenance:
    publisher: str
    url: str
    date: str
    region: str


@dataclass(frozen=True)
class CorpusArticle:
    id: str
    path: Path
    text: str
    date: dt.date
    publisher: str
    region: str
    kind: str
    countries: frozenset[str]
    provenance: tuple[Provenance, ...]
    events: tuple[ExpectedEvent, ...]
    neutral: tuple[tuple[int, int], ...]  # spans a draft may quote without being counted


def load_corpus(folder: Path = CORPUS) -> list[CorpusArticle]:
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise CorpusError(f"{folder}: no test articles (*.yaml)")
    return [load_article(path) for path in files]


def load_article(path: Path) -> CorpusArticle:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise CorpusError(f"{path.name}: not a mapping of fields")
    try:
        return _article(path, data)
    except (KeyError, TypeError, ValueError) as error:
        raise CorpusError(f"{path.name}: {error!r}") from error


def _article(path: Path, data: Mapping[str, Any]) -> CorpusArticle:
    text = str(data["text"])
    if data["id"] != path.stem:
        raise CorpusError(f"{path.name}: id {data['id']!r} is not the file's name")
    return CorpusArticle(
        id=str(data["id"]),
        path=path,
        text=text,
        date=_date(data["date"]),
        publisher=str(data["publisher"]),
        region=str(data["region"]),
        kind=str(data["kind"]),
        countries=frozenset(str(code) for code in data["countries"]),
        provenance=tuple(
            Provenance(str(p["publisher"]), str(p["url"]), str(p["date"]), str(p["region"]))
            for p in data["provenance"]
        ),
        events=tuple(_event(path, text, event) for event in data["events"]),
        neutral=tuple(_span(path, text, sentence) for sentence in data.get("neutral") or ()),
    )


def _event(path: Path, text: str, data: Mapping[str, Any]) -> ExpectedEvent:
    sentences = tuple(str(s) for s in data["sentences"])
    place = data["place"]
    return ExpectedEvent(
        id=str(data["id"]),
        sentences=sentences,
        spans=tuple(_span(path, text, sentence) for sentence in sentences),
        place=ExpectedPlace(
            str(place["name"]),
            float(place["latitude"]),
            float(place["longitude"]),
            int(place["precision"]),
            str(place["country"]),
        ),
        date=_date(data["date"]),
        date_end=_date(data["date_end"]) if data.get("date_end") else None,
        event_type=EventType(data["type"]),
        figures=(
            *(_figure(path, f, injured=False) for f in data.get("killed") or ()),
            *(_figure(path, f, injured=True) for f in data.get("injured") or ()),
        ),
        patterns=tuple(str(p) for p in data.get("patterns") or ()),
    )


def _figure(path: Path, data: Mapping[str, Any], *, injured: bool) -> ExpectedFigure:
    qualifier = str(data.get("qualifier", "exact"))
    if qualifier not in QUALIFIERS:
        raise CorpusError(f"{path.name}: qualifier {qualifier!r} is none of {QUALIFIERS}")
    return ExpectedFigure(int(data["value"]), qualifier, injured)


def _span(path: Path, text: str, sentence: str) -> tuple[int, int]:
    start = text.find(sentence)
    if start < 0:
        raise CorpusError(f"{path.name}: this sentence is not in the text: {sentence!r}")
    return (start, start + len(sentence))


def _date(value: object) -> dt.date:
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


# -- measuring one article ------------------------------------------------------------------------


@dataclass(frozen=True)
class EventResult:
    event: ExpectedEvent
    draft: Draft | None  # the best draft quoting one of its sentences; None: none does
    distance_km: float | None
    place_right: bool
    date_right: bool
    figures_found: int  # expected figures read by any draft quoting the event

    @property
    def found(self) -> bool:
        return self.draft is not None and self.place_right and self.date_right

    @property
    def type_right(self) -> bool:
        return self.draft is not None and self.draft.event.event_type == self.event.event_type


@dataclass(frozen=True)
class ArticleResult:
    article: CorpusArticle
    drafts: tuple[Draft, ...]
    events: tuple[EventResult, ...]
    placed: tuple[Draft, ...]  # drafts with a point, less those quoting only neutral sentences
    right: tuple[Draft, ...]  # placed drafts that find an expected event
    foreign: tuple[Draft, ...]  # placed in a country the article never names
    quotes: int
    verbatim: int
    split: tuple[ExpectedEvent, ...]  # found by two drafts or more: one event, several drafts

    @property
    def found(self) -> int:
        return sum(result.found for result in self.events)

    @property
    def figures(self) -> int:
        return sum(len(result.event.figures) for result in self.events)

    @property
    def figures_found(self) -> int:
        return sum(result.figures_found for result in self.events)


def measure_article(article: CorpusArticle, gazetteer: Gazetteer) -> ArticleResult:
    drafts = tuple(
        draft_article(
            Article(article.text, article.date, article.publisher, name=article.id), gazetteer
        )
    )
    events = tuple(_event_result(event, drafts) for event in article.events)
    placed = tuple(
        d for d in drafts if d.event.place.point is not None and not _only_neutral(d, article)
    )
    right = tuple(d for d in placed if any(_finds(d, event) for event in article.events))
    quotes = [quote for draft in drafts for quote in draft.quotes]
    return ArticleResult(
        article,
        drafts,
        events,
        placed,
        right,
        tuple(d for d in drafts if _foreign(d, article)),
        len(quotes),
        sum(1 for quote in quotes if quote in article.text),
        tuple(e for e in article.events if sum(_finds(d, e) for d in placed) > 1),
    )


def _overlaps(span: tuple[int, int], start: int, end: int) -> bool:
    return start < span[1] and span[0] < end


def _quotes(draft: Draft, spans: Iterable[tuple[int, int]]) -> bool:
    return any(_overlaps(span, s.start, s.end) for s in draft.sentences for span in spans)


def _only_neutral(draft: Draft, article: CorpusArticle) -> bool:
    """A draft of a background total or a lead summing several events: neither right nor wrong."""
    quoted_events = any(_quotes(draft, event.spans) for event in article.events)
    return not quoted_events and _quotes(draft, article.neutral)


def _place(draft: Draft, event: ExpectedEvent) -> tuple[float | None, bool]:
    point = draft.event.place.point
    if point is None:
        return None, False
    km = distance_km(point, event.place.point)
    both_countries = (
        event.place.is_country
        and draft.place is not None
        and draft.place.entry is not None
        and draft.place.entry.kind == "country"
    )
    same_country = both_countries and draft.event.place.country == event.place.country
    return km, km <= SAME_PLACE_KM or same_country


def _dates_right(draft: Draft, event: ExpectedEvent) -> bool:
    start, end = draft.event.date, draft.event.date_end or draft.event.date
    wanted_end = event.date_end or event.date
    return abs(start - event.date) <= DATE_SLACK and abs(end - wanted_end) <= DATE_SLACK


def _finds(draft: Draft, event: ExpectedEvent) -> bool:
    return _quotes(draft, event.spans) and _place(draft, event)[1] and _dates_right(draft, event)


def _figures_read(drafts: Sequence[Draft], event: ExpectedEvent) -> int:
    read = {
        (figure.value, figure.qualifier, injured)
        for draft in drafts
        for injured, figures in ((False, draft.event.fatalities), (True, draft.event.injured))
        for figure in figures
    }
    return sum(1 for f in event.figures if (f.value, f.qualifier, f.injured) in read)


def _event_result(event: ExpectedEvent, drafts: Sequence[Draft]) -> EventResult:
    quoting = [draft for draft in drafts if _quotes(draft, event.spans)]
    figures = _figures_read(quoting, event)
    best: EventResult | None = None
    for draft in quoting:
        km, place_right = _place(draft, event)
        candidate = EventResult(event, draft, km, place_right, _dates_right(draft, event), figures)
        if best is None or _rank(candidate) > _rank(best):
            best = candidate
    return best or EventResult(event, None, None, False, False, figures)


def _rank(result: EventResult) -> tuple[int, int, float]:
    return (
        int(result.found),
        int(result.place_right) + int(result.date_right),
        -(result.distance_km if result.distance_km is not None else math.inf),
    )


def _foreign(draft: Draft, article: CorpusArticle) -> bool:
    """Placed in a country the article never names, and its own sentences do not name either."""
    country = draft.event.place.country
    if draft.event.place.point is None or country is None or country in article.countries:
        return False
    said = fold(" ".join(sentence.text for sentence in draft.sentences))
    return fold(country_name(country)) not in said


# -- the whole corpus -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CorpusResult:
    articles: tuple[ArticleResult, ...]

    @property
    def events(self) -> list[EventResult]:
        return [result for article in self.articles for result in article.events]

    @property
    def found(self) -> int:
        return sum(article.found for article in self.articles)

    @property
    def placed(self) -> int:
        return sum(len(article.placed) for article in self.articles)

    @property
    def right(self) -> int:
        return sum(len(article.right) for article in self.articles)

    @property
    def recall(self) -> float:
        return self.found / len(self.events) if self.events else 0.0

    @property
    def precision(self) -> float:
        return self.right / self.placed if self.placed else 0.0

    @property
    def foreign(self) -> list[tuple[CorpusArticle, Draft]]:
        return [(a.article, d) for a in self.articles for d in a.foreign]

    def totals(self) -> dict[str, object]:
        quotes = sum(article.quotes for article in self.articles)
        verbatim = sum(article.verbatim for article in self.articles)
        return {
            "articles": len(self.articles),
            "events": len(self.events),
            "found": self.found,
            "recall": round(self.recall, 4),
            "placed_drafts": self.placed,
            "right_drafts": self.right,
            "precision": round(self.precision, 4),
            "figures": sum(article.figures for article in self.articles),
            "figures_found": sum(article.figures_found for article in self.articles),
            "foreign_drafts": len(self.foreign),
            "events_split": sum(len(article.split) for article in self.articles),
            "quotes": quotes,
            "quotes_verbatim": verbatim == quotes,
        }

    def per_pattern(self) -> dict[str, tuple[int, int]]:
        """(found, events) for each pattern the events test, most events first."""
        counts: dict[str, list[int]] = {}
        for result in self.events:
            for pattern in result.event.patterns:
                tally = counts.setdefault(pattern, [0, 0])
                tally[0] += int(result.found)
                tally[1] += 1
        ordered = sorted(counts.items(), key=lambda item: (-item[1][1], item[0]))
        return {pattern: (found, total) for pattern, (found, total) in ordered}


def measure_corpus(articles: Sequence[CorpusArticle], gazetteer: Gazetteer) -> CorpusResult:
    return CorpusResult(tuple(measure_article(article, gazetteer) for article in articles))


# -- the report -----------------------------------------------------------------------------------


def _share(part: int, whole: int) -> str:
    return f"{part} of {whole} ({100 * part / whole:.0f}%)" if whole else "—"


def article_table(result: CorpusResult) -> str:
    lines = [
        "| article | region | events found | placed drafts right | figures found "
        "| events split over drafts | placed in a country never named | quotes verbatim |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for a in result.articles:
        lines.append(
            f"| `{a.article.id}` | {a.article.region} | {a.found} of {len(a.events)} "
            f"| {len(a.right)} of {len(a.placed)} | {a.figures_found} of {a.figures} "
            f"| {len(a.split)} | {len(a.foreign)} | {a.verbatim} of {a.quotes} |"
        )
    figures = sum(a.figures for a in result.articles)
    figures_found = sum(a.figures_found for a in result.articles)
    quotes = sum(a.quotes for a in result.articles)
    verbatim = sum(a.verbatim for a in result.articles)
    lines.append(
        f"| **total** | {len(result.articles)} articles "
        f"| **{_share(result.found, len(result.events))}** "
        f"| **{_share(result.right, result.placed)}** "
        f"| {_share(figures_found, figures)} "
        f"| {sum(len(a.split) for a in result.articles)} | {len(result.foreign)} "
        f"| {verbatim} of {quotes} |"
    )
    return "\n".join(lines)


def pattern_table(result: CorpusResult) -> str:
    lines = ["| pattern | events found |", "| --- | ---: |"]
    lines += [
        f"| {pattern} | {_share(found, total)} |"
        for pattern, (found, total) in result.per_pattern().items()
    ]
    return "\n".join(lines)


def _why(result: EventResult) -> str:
    if result.draft is None:
        return "no draft quotes it"
    event = result.draft.event
    reasons = []
    if result.distance_km is None:
        reasons.append(f"left unplaced ({event.place.name})")
    elif not result.place_right:
        reasons.append(
            f"placed at {event.place.name} ({event.place.country}), {result.distance_km:.0f} km off"
        )
    if not result.date_right:
        dates = event.date.isoformat() + (f"..{event.date_end}" if event.date_end else "")
        reasons.append(f"dated {dates}")
    return f"`{event.id}`: " + "; ".join(reasons)


def misses(result: CorpusResult) -> list[str]:
    out = []
    for a in result.articles:
        for r in a.events:
            if not r.found:
                wanted = f"{r.event.place.name} {r.event.date}"
                out.append(f"- `{a.article.id}` / `{r.event.id}` ({wanted}): {_why(r)}")
    return out


def wrong_drafts(result: CorpusResult) -> list[str]:
    out = []
    for a in result.articles:
        for d in a.placed:
            if d not in a.right:
                place = d.event.place
                foreign = " — a country the article never names" if d in a.foreign else ""
                out.append(
                    f"- `{a.article.id}` / `{d.event.id}`: {place.name} ({place.country}), "
                    f"{d.event.date}{foreign}"
                )
    return out


def drafter_version() -> str:
    """The commit the drafter's code is at, and whether geo/draft has changes not committed."""
    git = ["git", "-C", str(ROOT)]
    try:
        commit = subprocess.run(
            [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        changed = subprocess.run(
            [*git, "status", "--porcelain", "geo/draft"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "the working tree"
    return f"commit {commit}" + (" with changes to geo/draft not yet committed" if changed else "")


def foreign_drafts(result: CorpusResult) -> list[str]:
    return [
        f"- `{article.id}` / `{draft.event.id}`: {draft.event.place.name} "
        f"({draft.event.place.country}), quoting “{draft.sentences[0].text}”"
        for article, draft in result.foreign
    ]


def section(result: CorpusResult, today: dt.date, version: str) -> str:
    totals = result.totals()
    intro = (
        f"Run on {today.isoformat()} on this machine (drafter at {version}): "
        f"`.venv/bin/python benchmarks/draft_corpus.py`"
        f" on the {len(result.articles)} test articles in `tests/draft_corpus/` (sentences of our "
        "own making that reproduce how real agency and newspaper reports write places, dates, "
        "figures and actors; each file links the reports it imitates). An event is found when a "
        "draft quotes one of its sentences, is placed within 30 km (or, both being a whole "
        "country, in the same country) and is dated within a day. Precision: placed drafts that "
        "find an event, over all placed drafts. Figures: killed and injured counts with their "
        "qualifier, read by any draft quoting the event."
    )
    parts = [
        SECTION_TITLE,
        "",
        textwrap.fill(intro, width=100, break_on_hyphens=False, break_long_words=False),
        "",
        article_table(result),
        "",
        "Recall per pattern (an event counts under each pattern it tests):",
        "",
        pattern_table(result),
        "",
        "Events missed:",
        "",
        *misses(result),
        "",
        "Placed drafts that find no event:",
        "",
        *(wrong_drafts(result) or ["- none"]),
        "",
        "Drafts placed in a country the article never names, nor their sentence:",
        "",
        *(foreign_drafts(result) or ["- none"]),
        "",
        f"Totals: `{json.dumps(totals)}`",
    ]
    return "\n".join(parts) + "\n"


def replace_section(path: Path, text: str) -> None:
    """Put the section in place of its previous run, keeping the rest of the file."""
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    if SECTION_TITLE in lines:
        start = lines.index(SECTION_TITLE)
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].startswith(("# ", "## "))),
            len(lines),
        )
        lines[start:end] = [*text.rstrip("\n").splitlines(), ""]
        new = "\n".join(lines).rstrip("\n") + "\n"
    else:
        old = "\n".join(lines)
        new = old.rstrip("\n") + ("\n\n" if old else "") + text.rstrip("\n") + "\n"
    path.write_text(new, encoding="utf-8")


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="the test articles' folder")
    parser.add_argument("--write", action="store_true", help=f"replace the section in {RESULTS}")
    args = parser.parse_args(argv)
    result = measure_corpus(load_corpus(args.corpus), Gazetteer())
    text = section(result, dt.date.today(), drafter_version())
    print(text)
    if args.write:
        replace_section(RESULTS, text)
        print(f"written to {RESULTS}", file=sys.stderr)
    print(json.dumps(result.totals()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
