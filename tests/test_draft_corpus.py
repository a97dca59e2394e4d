"""The development corpus (tests/draft_corpus/): test articles of our own making that reproduce
how real reports write places, dates and figures. Each file is checked against its own text and
the gazetteer, then every article is drafted and the drafts measured (benchmarks/draft_corpus.py).

The floors are what the drafter measured when the corpus was written, rounded down to 5 %: raise
them as the drafter improves, never lower them."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import pytest

from geo.gazetteer import Gazetteer
from geo.geodesy import distance_km
from geo.vocabulary import EventType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import draft_corpus  # noqa: E402
from draft_corpus import CorpusArticle, CorpusResult  # noqa: E402

RECALL_FLOOR = 0.85  # located events found, over all expected located events
PRECISION_FLOOR = 0.80  # placed drafts that find an expected event, over all placed drafts
MIN_ARTICLES = 30


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer()


@pytest.fixture(scope="module")
def corpus() -> list[CorpusArticle]:
    return draft_corpus.load_corpus()


@pytest.fixture(scope="module")
def measured(corpus: list[CorpusArticle], gazetteer: Gazetteer) -> CorpusResult:
    return draft_corpus.measure_corpus(corpus, gazetteer)


# --- the files --------------------------------------------------------------------------------


def test_the_corpus_is_large_and_wide_enough(corpus: list[CorpusArticle]) -> None:
    assert len(corpus) >= MIN_ARTICLES
    regions = {article.region.split(" (")[0] for article in corpus}
    for wanted in ("Ukraine", "Sudan", "Gaza", "Myanmar", "Sahel", "DR Congo"):
        assert wanted in regions
    kinds = {article.kind for article in corpus}
    assert kinds == {"agency copy", "newspaper"}
    links = {p.url for article in corpus for p in article.provenance}
    assert len(links) >= MIN_ARTICLES, "each pattern comes from real reports: link them"


def test_every_article_has_a_date_countries_provenance_and_events(
    corpus: list[CorpusArticle],
) -> None:
    for article in corpus:
        assert article.events, article.id
        assert article.provenance, article.id
        assert all(p.url.startswith(("http://", "https://")) for p in article.provenance)
        assert "\n\n" in article.text, f"{article.id}: paragraphs are separated by a blank line"
        for event in article.events:
            assert event.place.country in article.countries, f"{article.id}/{event.id}"
            assert event.date <= (event.date_end or event.date) <= article.date, event.id
            assert event.date >= article.date - dt.timedelta(days=62), event.id
            assert event.event_type in EventType
            assert event.place.precision in (1, 2, 3), event.id


def test_every_expected_sentence_is_a_verbatim_slice_of_its_article(
    corpus: list[CorpusArticle],
) -> None:
    for article in corpus:
        spans = [span for event in article.events for span in event.spans] + list(article.neutral)
        for start, end in spans:
            sentence = article.text[start:end]
            assert sentence.strip() == sentence and sentence, (article.id, sentence)


def test_every_expected_place_is_in_the_gazetteer_where_the_file_says(
    corpus: list[CorpusArticle], gazetteer: Gazetteer
) -> None:
    for article in corpus:
        for event in article.events:
            place = event.place
            entries = [m.entry for m in gazetteer.matches(place.name, fuzzy=False)]
            near = [
                e
                for e in entries
                if e.country == place.country
                and distance_km((e.latitude, e.longitude), place.point) <= 30
            ]
            assert near, f"{article.id}/{event.id}: no {place.name} within 30 km of {place.point}"
            if place.precision == 3:
                assert any(e.kind in ("region", "country") for e in near), event.id
            else:
                assert any(e.kind == "city" for e in near), event.id


# --- the measure --------------------------------------------------------------------------------


def test_a_draft_is_found_within_30_km_and_a_day(
    tmp_path: Path, gazetteer: Gazetteer, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "one.yaml").write_text(
        """
id: one
region: Ukraine
kind: agency copy
date: 2024-06-12
publisher: Test Wire
countries: [UA]
provenance: [{publisher: P, date: '2024', region: Ukraine, url: 'https://example.org/a'}]
text: |
  Shelling killed at least three people in Kharkiv on Tuesday, the governor said.

  The talks went on.
events:
  - id: kharkiv
    sentences: ["Shelling killed at least three people in Kharkiv on Tuesday, the governor said."]
    place: {name: Kharkiv, latitude: 49.98, longitude: 36.25, precision: 1, country: UA}
    date: 2024-06-10
    type: shelling
    killed: [{value: 3, qualifier: at least}]
    patterns: [place word]
""",
        encoding="utf-8",
    )
    result = draft_corpus.measure_corpus(draft_corpus.load_corpus(tmp_path), gazetteer)
    (event,) = result.events
    assert event.found and event.figures_found == 1  # Tuesday is a day from the 10th
    assert result.recall == 1.0 and result.precision == 1.0
    assert result.per_pattern() == {"place word": (1, 1)}
    # The command's last line gives the totals as JSON, for whoever reads them.
    assert draft_corpus.main(["--corpus", str(tmp_path)]) == 0
    totals = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (totals["recall"], totals["precision"], totals["foreign_drafts"]) == (1.0, 1.0, 0)


def test_a_sentence_missing_from_its_article_is_refused(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(
        "id: bad\nregion: x\nkind: newspaper\ndate: 2024-01-01\npublisher: P\ncountries: [UA]\n"
        "provenance: []\ntext: 'Shelling hit Kyiv.'\nevents:\n  - id: e\n"
        "    sentences: ['Shelling hit Kharkiv.']\n"
        "    place: {name: Kyiv, latitude: 50.45, longitude: 30.52, precision: 1, country: UA}\n"
        "    date: 2024-01-01\n    type: shelling\n",
        encoding="utf-8",
    )
    with pytest.raises(draft_corpus.CorpusError, match="not in the text"):
        draft_corpus.load_corpus(tmp_path)


def test_the_results_section_replaces_its_previous_run_only(tmp_path: Path) -> None:
    results = tmp_path / "RESULTS.md"
    title = draft_corpus.SECTION_TITLE
    results.write_text(
        f"# Results\n\n## Before\n\nkept\n\n{title}\n\nold\n\n## After\n\nkept too\n"
    )
    draft_corpus.replace_section(results, f"{title}\n\nnew\n")
    text = results.read_text()
    assert "old" not in text and "new" in text
    assert text.index("## Before") < text.index(title) < text.index("## After")
    assert "kept too" in text


# --- the drafter on the corpus ------------------------------------------------------------------


def test_every_quote_of_every_draft_is_verbatim(measured: CorpusResult) -> None:
    for article in measured.articles:
        for draft in article.drafts:
            for quote in draft.quotes:
                assert quote in article.article.text, (article.article.id, draft.event.id)


def test_no_draft_lands_in_a_country_its_article_never_names(measured: CorpusResult) -> None:
    landed = [
        f"{article.id}: {draft.event.id} at {draft.event.place.name} ({draft.event.place.country})"
        for article, draft in measured.foreign
    ]
    assert landed == []


def test_recall_and_precision_of_located_events_hold_their_floors(
    measured: CorpusResult,
) -> None:
    totals = measured.totals()
    assert measured.recall >= RECALL_FLOOR, totals
    assert measured.precision >= PRECISION_FLOOR, totals
