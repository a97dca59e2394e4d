"""Drafting events from an article: each rule on sentences written for it, then the seed
article against the hand-made dataset."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
import yaml

from geo.cli import main
from geo.draft import Article, draft_article
from geo.draft.dates import Anchors, find_date
from geo.draft.evaluate import evaluate, summary_table
from geo.draft.places import find_places
from geo.draft.sentences import split_sentences
from geo.draft.wording import find_actors, find_figures, find_speaker, find_type
from geo.errors import DraftError
from geo.gazetteer import Gazetteer
from geo.loader import load_events
from geo.vocabulary import EventType

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "seed-article.txt"
MONDAY = dt.date(2022, 2, 28)


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer()


def seed_text() -> str:
    if not SEED.exists():
        pytest.skip(f"the seed article is not here ({SEED}): the shared folder is absent")
    return SEED.read_text(encoding="utf-8")


def drafts_of(text: str, gazetteer: Gazetteer) -> list:  # type: ignore[type-arg]
    return draft_article(Article(text, MONDAY, "Test Wire"), gazetteer)


# --- sentences --------------------------------------------------------------------------------


def test_sentences_are_slices_of_the_text_and_headings_are_left_out() -> None:
    text = (
        "Video Extras\n\nA Headline Without A Full Stop\n\n"
        'Mr. Smith met U.S. officials. "It is bad. Very bad," he said.\n\nThen 3 died.'
    )
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "Mr. Smith met U.S. officials.",
        '"It is bad. Very bad," he said.',
        "Then 3 died.",
    ]
    assert all(text[s.start : s.end] == s.text for s in sentences)
    assert sentences[0].paragraph == sentences[1].paragraph != sentences[2].paragraph


# --- dates --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "date", "end", "precision"),
    [
        ("The invasion he unleashed last Thursday went on.", "2022-02-24", None, "day"),
        ("Fighting occurred throughout Sunday night near the town.", "2022-02-27", None, "day"),
        ("Troops arrived on Sunday.", "2022-02-27", None, "day"),
        ("On Monday the talks began.", "2022-02-28", None, "day"),  # the article's own day
        ("Rockets fell on 26 February.", "2022-02-26", None, "day"),
        ("102 civilians had been killed since Thursday.", "2022-02-24", "2022-02-28", "range"),
        ("Talks went on.", "2022-02-28", None, "approximate"),
    ],
)  # fmt: skip
def test_dates_resolve_against_the_article_date(
    sentence: str, date: str, end: str | None, precision: str
) -> None:
    found = find_date(sentence, MONDAY, Anchors())
    assert found.date.isoformat() == date
    assert (found.date_end.isoformat() if found.date_end else None) == end
    assert found.precision == precision


def test_since_the_invasion_takes_the_day_an_earlier_sentence_gave_it() -> None:
    anchors = Anchors()
    find_date("The invasion he unleashed last Thursday.", MONDAY, anchors)
    found = find_date(
        "The ministry said on Sunday 352 civilians had been killed since the beginning of the "
        "invasion.",
        MONDAY,
        anchors,
    )
    assert (found.date, found.date_end, found.precision) == (
        dt.date(2022, 2, 24),
        dt.date(2022, 2, 27),  # up to the day it was said, not the article's day
        "range",
    )


def test_since_an_unknown_start_is_the_article_date_with_a_note() -> None:
    found = find_date("Hundreds have died since the war began.", MONDAY, Anchors())
    assert found.precision == "approximate" and found.date == MONDAY
    assert found.note is not None and "never says when the war began" in found.note
    assert found.confidence < 0.5


# --- places ---------------------------------------------------------------------------------


def best(sentence: str, gazetteer: Gazetteer) -> tuple[str, str | None, int, str]:
    mention = find_places(sentence, gazetteer)[0]
    country = mention.entry.country if mention.entry else mention.country
    return mention.name, country, mention.precision, mention.reading


@pytest.mark.parametrize(
    ("sentence", "name", "country", "precision"),
    [
        ("Fighting occurred around the port city of Mariupol.", "Mariupol", "UA", 2),
        ("A convoy moved near Kyiv.", "Kyiv", "UA", 2),
        ("In Brussels, ministers met.", "Brussels", "BE", 1),
        ("Forces seized two cities in southeastern Ukraine.", "Ukraine", "UA", 3),
        ("Kharkiv's mayor said four people had died.", "Kharkiv", "UA", 1),
        ("The European Union placed new sanctions.", "Brussels", "BE", 3),
        ("Twelve diplomats were expelled at the United Nations.", "New York City", "US", 3),
        ("Partners were providing Ukraine with missiles.", "Ukraine", "UA", 3),
    ],
)
def test_places_are_found_with_an_honest_precision(
    gazetteer: Gazetteer, sentence: str, name: str, country: str, precision: int
) -> None:
    assert best(sentence, gazetteer)[:3] == (name, country, precision)


def test_a_border_nobody_located_is_left_unplaced_with_a_note(gazetteer: Gazetteer) -> None:
    mention = find_places("Talks were held on the border with Belarus.", gazetteer)[0]
    assert mention.entry is None and mention.country == "BY"
    assert mention.note is not None and "which stretch of the border" in mention.note


def test_an_unknown_place_is_left_unplaced_never_guessed(gazetteer: Gazetteer) -> None:
    [draft] = drafts_of("Shelling was reported in Xyzzyville on Tuesday.", gazetteer)
    assert draft.event.place.point is None
    assert draft.event.place.name == "Xyzzyville"
    assert any("does not know Xyzzyville" in note for note in draft.notes)


def test_a_relative_clause_after_a_place_is_a_second_event_there(gazetteer: Gazetteer) -> None:
    text = (
        "The invasion he unleashed last Thursday went on.\n\n"
        "Talks were held in Gomel, in Belarus, which has been used as a launch pad for "
        "invading Russian troops."
    )
    drafts = drafts_of(text, gazetteer)
    launch_pad = [d for d in drafts if d.event.event_type == EventType.MILITARY_MOVEMENT]
    assert [d.event.place.name for d in launch_pad] == ["Belarus"]
    [draft] = launch_pad
    assert (draft.event.date, draft.event.date_end) == (dt.date(2022, 2, 24), MONDAY)
    assert draft.quotes == [text.split("\n\n")[1]]
    assert any("from the invasion" in note for note in draft.notes)


def test_a_neighbour_is_the_country_the_article_is_about(gazetteer: Gazetteer) -> None:
    text = (
        "Shelling hit Kharkiv, in Ukraine.\n\nFighting went on in Ukraine.\n\n"
        "He launched the invasion on Russia's neighbour last Thursday."
    )
    invasion = drafts_of(text, gazetteer)[-1]
    assert (invasion.event.place.name, invasion.event.place.country) == ("Ukraine", "UA")
    assert invasion.event.date == dt.date(2022, 2, 24)
    assert invasion.confidence.place < 0.5
    assert any("read as Ukraine" in note for note in invasion.notes)
    # With nothing else to go by, the neighbour stays unplaced.
    [alone] = drafts_of("He launched the invasion on Russia's neighbour last Thursday.", gazetteer)
    assert alone.event.place.point is None


@pytest.mark.parametrize(
    "sentence",
    [
        "President Volodymyr Zelenskiy signed a letter requesting EU membership.",
        "Russian delegation head Vladimir Medinsky told reporters the talks would go on.",
        "Partners in the US-led alliance met.",
        "Relations between the United States and Russia are at their worst.",
        "NATO chief Jens Stoltenberg said so.",
    ],
)
def test_people_acronyms_and_countries_as_actors_are_not_places(
    gazetteer: Gazetteer, sentence: str
) -> None:
    assert drafts_of(sentence, gazetteer) == []


# --- what happened, who says so ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "event_type"),
    [
        ("Russian artillery have bombarded residential districts.", EventType.SHELLING),
        ("Fighting occurred throughout Sunday night.", EventType.ARMED_CLASH),
        ("Russian forces seized two small cities.", EventType.TERRITORY_SEIZED),
        ("A convoy was moving closer to the capital.", EventType.MILITARY_MOVEMENT),
        ("Talks between the two sides were held.", EventType.NEGOTIATIONS),
        ("The EU placed new sanctions on oligarchs.", EventType.SANCTIONS),
        ("The United States expelled 12 diplomats.", EventType.DIPLOMACY),
        ("More than half a million people have fled.", EventType.DISPLACEMENT),
        ("The rouble plunged 32 per cent.", EventType.ECONOMIC),
        ("The Kremlin accused the EU over weapons supplies.", EventType.STATEMENT),
        ("At least 102 civilians had been killed since Thursday.", EventType.CASUALTY_REPORT),
        ("Nothing of note.", EventType.OTHER),
    ],
)  # fmt: skip
def test_the_type_comes_from_the_wording(sentence: str, event_type: EventType) -> None:
    assert find_type(sentence).event_type == event_type


def test_dozens_is_at_least_24_never_an_exact_count() -> None:
    [figure] = find_figures("Dozens of civilians were killed.")
    assert (figure.value, figure.qualifier) == (24, "at least")


def test_figures_keep_their_qualifier_and_note() -> None:
    found = find_figures(
        "At least 11 people were killed, four people had died, a family with three children had "
        "burned to death and more than 20 civilians were wounded."
    )
    assert [(f.value, f.qualifier, f.injured) for f in found] == [
        (11, "at least", False),
        (4, "exact", False),
        (20, "more than", True),
        (3, "at least", False),  # the children: the adults are not counted
    ]
    [toll] = find_figures("352 civilians, including 14 children, had been killed.")
    assert (toll.value, toll.note) == (352, "including 14 children")


def test_a_place_near_another_is_looked_for_there(gazetteer: Gazetteer) -> None:
    # No Kamianka of the gazetteer lies within 50 km of Izium: the draft is near Izium.
    [far] = drafts_of("Forces recaptured the village of Kamianka near Izium.", gazetteer)
    assert far.event.place.name.startswith("Near Iz") and far.event.place.geo_precision == 2
    assert any("within 50 km" in note for note in far.notes)
    # Of the places called Kamianka, the one within 50 km of Odesa is taken, not the biggest.
    biggest = gazetteer.matches("Kamianka", fuzzy=False)[0].entry
    [near] = drafts_of("Shelling hit Kamianka near Odesa.", gazetteer)
    assert near.event.place.point is not None
    assert near.event.place.point != (biggest.latitude, biggest.longitude)


def test_a_figure_after_its_verb_and_a_speaker_at_the_end(gazetteer: Gazetteer) -> None:
    [draft] = drafts_of(
        "Russian missiles struck the port of Odesa on Saturday, killing at least three people, "
        "regional governor Maksym Marchenko said.",
        gazetteer,
    )
    assert draft.event.event_type == EventType.SHELLING
    [figure] = draft.event.fatalities
    assert (figure.value, figure.qualifier) == (3, "at least")
    assert figure.claimed_by == "regional governor Maksym Marchenko"
    assert draft.event.date == dt.date(2022, 2, 26)


def test_he_said_takes_the_claimant_from_the_sentence_before(gazetteer: Gazetteer) -> None:
    text = (
        "Kharkiv has become a battleground.\n\n"
        "Regional administration chief Oleg Synegubov said artillery had pounded the districts. "
        "At least 11 people were killed, he said."
    )
    [draft] = drafts_of(text, gazetteer)
    [figure] = draft.event.fatalities
    assert (figure.value, figure.qualifier) == (11, "at least")
    assert figure.claimed_by == "Regional administration chief Oleg Synegubov"
    assert draft.event.event_type == EventType.SHELLING
    assert len(draft.sentences) == 3  # the sentences with no place go on with Kharkiv's


def test_speakers_and_actors_are_named_verbatim() -> None:
    assert find_speaker("Forces seized two cities, according to the Interfax news agency.") == (
        "Interfax news agency"
    )
    assert find_speaker("Fighting went on, said the head of the regional administration.") == (
        "head of the regional administration"
    )
    assert find_actors("UN human rights chief Michelle Bachelet said Russian forces fired.") == [
        "Michelle Bachelet",
        "Russian forces",
    ]


def test_drafts_have_confidences_and_a_valid_events_file(gazetteer: Gazetteer) -> None:
    drafts = drafts_of("Fighting occurred throughout Sunday night around Mariupol.", gazetteer)
    [draft] = drafts
    assert draft.confidence.date > draft.confidence.type * 0 + 0.8  # an explicit day
    assert 0 < draft.confidence.place <= 1 and draft.confidence.figures is None
    columns = draft.event.origin.columns if draft.event.origin else {}
    assert columns["date words"] == "throughout Sunday night"
    assert draft.event.tags == ["draft"]


def test_an_empty_article_is_refused_with_the_remedy() -> None:
    with pytest.raises(DraftError, match="the article is empty"):
        Article("  \n", MONDAY, "Test Wire")


# --- the seed article ---------------------------------------------------------------------------


def test_every_quote_of_the_seed_drafts_is_a_slice_of_the_article(gazetteer: Gazetteer) -> None:
    text = seed_text()
    drafts = drafts_of(text, gazetteer)
    assert drafts
    for draft in drafts:
        for quote in draft.quotes:
            assert quote in text, (draft.event.id, quote)


def test_the_seed_drafts_find_the_hand_made_events(gazetteer: Gazetteer) -> None:
    text = seed_text()
    reference = load_events(ROOT / "data" / "events.yaml").events
    evaluation = evaluate(drafts_of(text, gazetteer), reference, text)
    located = evaluation.located()
    found = sum(m.found for m in located)
    # What the README reports (15 of 18, the target is 80%): finding fewer fails here.
    assert found >= 15, [m.reference.id for m in located if not m.found]
    assert found / len(located) >= 0.8
    assert evaluation.verbatim_quotes == evaluation.quotes
    assert not evaluation.unmatched_drafts


def test_the_readme_table_is_the_one_the_evaluation_prints(gazetteer: Gazetteer) -> None:
    text = seed_text()
    reference = load_events(ROOT / "data" / "events.yaml").events
    table = summary_table(evaluate(drafts_of(text, gazetteer), reference, text))
    assert table in (ROOT / "README.md").read_text(encoding="utf-8")


# --- the command ---------------------------------------------------------------------------


def test_the_draft_command_writes_a_valid_events_file(tmp_path: Path) -> None:
    article = tmp_path / "article.txt"
    article.write_text(
        "Fighting occurred throughout Sunday night around the port city of Mariupol.\n\n"
        "In Brussels, ministers said sanctions would follow.\n",
        encoding="utf-8",
    )
    target = tmp_path / "drafts.yaml"
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["draft", str(article), "--date", "2022-02-28", "--publisher", "Test Wire",
         "--url", "https://example.org/story", "--out", str(target)],
        out, err,
    )  # fmt: skip
    assert code == 0, err.getvalue()
    events = load_events(target).events
    assert [e.place.name for e in events] == ["Around Mariupol", "Brussels"]
    assert all(e.sources[0].url == "https://example.org/story" for e in events)
    assert "wrote 2 drafts" in out.getvalue()
    assert yaml.safe_load(target.read_text())["events"][0]["origin"]["format"] == "article"


def test_the_draft_command_refuses_bad_input_and_writes_nothing(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    target = tmp_path / "drafts.yaml"
    err = io.StringIO()
    args = ["draft", str(empty), "--date", "2022-02-28", "--publisher", "W", "--out", str(target)]
    assert main(args, io.StringIO(), err) == 1
    assert "the article is empty" in err.getvalue()
    nothing = tmp_path / "nothing.txt"
    nothing.write_text("It rained all day and nobody said where.", encoding="utf-8")
    args[1] = str(nothing)
    assert main(args, io.StringIO(), err) == 1
    assert "nothing written" in err.getvalue()
    assert not target.exists()
    # An existing file is never overwritten without --force (the curated events file, say).
    kept = tmp_path / "events.yaml"
    kept.write_text("# curated by hand\n", encoding="utf-8")
    article = tmp_path / "article.txt"
    article.write_text("In Brussels, ministers met.", encoding="utf-8")
    args = ["draft", str(article), "--date", "2022-02-28", "--publisher", "W", "--out", str(kept)]
    assert main(args, io.StringIO(), err) == 1
    assert "exists: choose another --out, or add --force" in err.getvalue()
    assert kept.read_text(encoding="utf-8") == "# curated by hand\n"
    assert main([*args, "--force"], io.StringIO(), io.StringIO()) == 0
    assert load_events(kept).events[0].place.name == "Brussels"
    with pytest.raises(SystemExit):
        main(["draft", str(nothing), "--date", "28/02/2022", "--publisher", "W", "--out", "x.yaml"])
