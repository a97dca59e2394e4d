"""Drafting reads a place in the light of the whole article, and makes one draft of one event.

Every sentence here is written for its rule; none comes from a published article.
"""

from __future__ import annotations

import datetime as dt

import pytest

from geo.draft import Article, Draft, draft_article
from geo.draft.context import ArticleContext, dateline_place
from geo.draft.places import find_places
from geo.draft.sentences import split_sentences
from geo.gazetteer import Gazetteer
from geo.geodesy import distance_km
from geo.vocabulary import EventType

WEDNESDAY = dt.date(2022, 3, 2)  # "on Tuesday" is 1 March
TUESDAY = dt.date(2022, 3, 1)


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer()


def drafts_of(text: str, gazetteer: Gazetteer) -> list[Draft]:
    return draft_article(Article(text, WEDNESDAY, "Test Wire"), gazetteer)


def only(drafts: list[Draft], name: str) -> Draft:
    [draft] = [d for d in drafts if d.event.place.name == name]
    return draft


def km_from(draft: Draft, place: str, gazetteer: Gazetteer) -> float:
    point = draft.event.place.point
    assert point is not None
    town = gazetteer.matches(place, fuzzy=False)[0].entry
    return distance_km(point, (town.latitude, town.longitude))


# --- the article's context: which of the places of one name -------------------------------------

SADOVE = "In the south, shelling in the village of Sadove killed a man, officials said."


def test_a_village_is_the_one_of_its_name_near_the_article_s_other_places(
    gazetteer: Gazetteer,
) -> None:
    text = (
        "Shelling in Kherson overnight wounded two people, the regional governor said.\n\n" + SADOVE
    )
    drafts = drafts_of(text, gazetteer)
    sadove, kherson = only(drafts, "Sadove"), only(drafts, "Kherson")
    assert sadove.place is not None and kherson.place is not None
    assert sadove.place.entry is not None and kherson.place.entry is not None
    assert sadove.place.entry.admin1 == kherson.place.entry.admin1
    assert km_from(sadove, "Kherson", gazetteer) < 60
    assert any("of that name, the one in Kherson region" in note for note in sadove.notes)
    # Alone, the sentence says nothing of Kherson: the gazetteer's likeliest place is taken.
    [alone] = drafts_of(SADOVE, gazetteer)
    assert alone.event.place.point != sadove.event.place.point


def test_the_dateline_tells_where_the_article_is(gazetteer: Gazetteer) -> None:
    [draft] = drafts_of(f"KHERSON (Reuters) — {SADOVE}", gazetteer)
    assert draft.event.place.name == "Sadove"
    assert km_from(draft, "Kherson", gazetteer) < 60


@pytest.mark.parametrize(
    ("opening", "place", "country"),
    [
        ("KYIV (Reuters) — Fresh shelling killed three people.", "Kyiv", "UA"),
        ("KHARTOUM, Sudan (AP) — Fighting went on.", "Khartoum", "SD"),
        ("NAIROBI, June 25 (Reuters) - Police fired tear gas.", "Nairobi", "KE"),
        ("PORT SUDAN, Sudan — Aid arrived by sea.", "Port Sudan", "SD"),
        ("NATO — the alliance met in Brussels.", None, None),
        ("Fresh shelling killed three people.", None, None),
    ],
)
def test_datelines_are_read_in_their_usual_forms(
    gazetteer: Gazetteer, opening: str, place: str | None, country: str | None
) -> None:
    found = dateline_place(split_sentences(opening), gazetteer)
    if place is None:
        assert found is None
    else:
        assert found is not None and (found.entry.name, found.entry.country) == (place, country)


def test_a_region_named_in_the_sentence_takes_the_namesake_inside_it(
    gazetteer: Gazetteer,
) -> None:
    sentence = "Shelling hit the village of Sadove in Kherson Oblast."
    sentences = split_sentences(sentence)
    [first] = [find_places(s.text, gazetteer) for s in sentences]
    context = ArticleContext.read(sentences, [first], gazetteer)
    settled = context.settle(sentence, first)
    [town] = [m.entry for m in settled if m.entry and m.entry.kind == "city"]
    [region] = [m.entry for m in first if m.entry and m.entry.kind == "region"]
    assert town is not None and region is not None
    assert (town.country, town.admin1) == (region.country, region.admin1)


def test_a_town_far_from_everything_else_the_article_names_says_so(gazetteer: Gazetteer) -> None:
    text = (
        "Shelling in Kherson on Tuesday wounded two people, the governor said.\n\n"
        "Shelling was also reported in Beryslav on Tuesday.\n\n"
        "Fighting was reported in the town of Zolote.\n\n"
        "EU ministers met in Brussels on Tuesday."
    )
    drafts = drafts_of(text, gazetteer)
    far = only(drafts, "Zolote")
    assert far.confidence.place < 0.3
    assert any("the nearest other place the article names" in note for note in far.notes)
    # The towns around Kherson, and a capital everyone places, are not flagged.
    for name in ("Kherson", "Beryslav", "Brussels"):
        near = only(drafts, name)
        assert near.confidence.place >= 0.85
        assert not any("nearest other place" in note for note in near.notes)


def test_a_well_known_city_is_not_traded_for_a_village_near_the_story(
    gazetteer: Gazetteer,
) -> None:
    text = (
        "Fighting went on around Mariupol in Donetsk Oblast on Tuesday.\n\n"
        "Russia's ambassador, speaking in New York, denied it on Tuesday."
    )
    # The gazetteer has a village called New York near Mariupol; the reader means the city.
    new_york = only(drafts_of(text, gazetteer), "New York City")
    assert new_york.event.place.country == "US"


def test_a_district_named_like_a_far_town_is_flagged(gazetteer: Gazetteer) -> None:
    text = (
        "Shelling in Kherson on Tuesday wounded two people.\n\n"
        "A man was wounded in the Dniprovskyi district on Tuesday."
    )
    drafts = drafts_of(text, gazetteer)
    [district] = [d for d in drafts if "Dniprovskyi" in d.event.place.name]
    assert district.confidence.place < 0.3
    assert any("449 km from Kherson" in note for note in district.notes)
    # Kherson is not said to be far from a district that may be its own.
    assert only(drafts, "Kherson").confidence.place >= 0.85


def test_no_draft_lands_in_a_country_the_article_never_names(gazetteer: Gazetteer) -> None:
    text = (
        "Police in Kenya clashed with protesters in the capital, Nairobi, on Tuesday.\n\n"
        "Protesters marched in Nairobi on Tuesday."
    )
    drafts = drafts_of(text, gazetteer)
    assert drafts
    assert {d.event.place.country for d in drafts} == {"KE"}


def test_a_sentence_that_names_the_country_may_place_a_draft_there(gazetteer: Gazetteer) -> None:
    text = (
        "Protesters marched in Nairobi, Kenya, on Tuesday.\n\n"
        "Dock workers went on strike in the town of Police, Poland."
    )
    strike = only(drafts_of(text, gazetteer), "Police")
    assert strike.event.place.country == "PL"


def test_a_country_name_two_countries_share_names_both(gazetteer: Gazetteer) -> None:
    text = (
        "Rebels killed 16 villagers in eastern Congo on Tuesday.\n\n"
        "In the town of Mangina, residents fled into the forest on Tuesday."
    )
    # Whichever Congo the gazetteer reads, a town of the other one is not refused.
    assert only(drafts_of(text, gazetteer), "Mangina").event.place.country == "CD"


def test_a_country_named_by_its_adjective_is_named(gazetteer: Gazetteer) -> None:
    kenyan = (
        "Officials in Tanzania urged calm on Tuesday.\n\n"
        "Kenyan police fired tear gas at protesters in the town of Nanyuki on Tuesday."
    )
    assert only(drafts_of(kenyan, gazetteer), "Nanyuki").event.place.country == "KE"
    # Without the adjective the article names only Tanzania: Nanyuki is not taken.
    local = kenyan.replace("Kenyan police", "Local police")
    assert not [d for d in drafts_of(local, gazetteer) if d.event.place.name == "Nanyuki"]


def test_an_article_that_names_no_country_refuses_no_town(gazetteer: Gazetteer) -> None:
    [draft] = drafts_of("Shelling was reported in the town of Zolote on Tuesday.", gazetteer)
    assert draft.event.place.name == "Zolote"
    assert draft.confidence.place >= 0.8  # nothing else named: nothing to be far from


# --- one event, one draft -------------------------------------------------------------------


def assert_verbatim(draft: Draft, text: str) -> None:
    for quote in draft.quotes:
        assert quote in text


def test_sentences_about_one_besieged_city_are_one_draft(gazetteer: Gazetteer) -> None:
    text = (
        "Russian forces shelled residential districts in Mariupol on Tuesday, the city council "
        "said.\n\n"
        "Mariupol's mayor said on Tuesday that the city was cut off.\n\n"
        "In Mariupol, residents sheltered in basements on Tuesday, the mayor said."
    )
    [draft] = drafts_of(text, gazetteer)
    assert draft.event.event_type == EventType.SHELLING  # the statements join the shelling
    assert draft.event.place.name == "Mariupol" and draft.event.date == TUESDAY
    assert [s.number for s in draft.sentences] == [1, 2, 3]
    assert draft.quotes == text.split("\n\n")  # one quote per paragraph, each verbatim


def test_sentences_of_one_event_in_one_paragraph_are_one_quote(gazetteer: Gazetteer) -> None:
    text = (
        "Russian forces shelled residential districts in Mariupol on Tuesday. "
        "Mariupol's mayor said on Tuesday that the city was cut off."
    )
    [draft] = drafts_of(text, gazetteer)
    assert draft.quotes == [text]


@pytest.mark.parametrize(
    "text",
    [
        # Two days.
        "Russian forces shelled homes in Kharkiv on Monday.\n\n"
        "Russian forces shelled homes in Kharkiv again on Tuesday.",
        # Two towns.
        "Russian forces shelled homes in Kharkiv on Tuesday.\n\n"
        "Russian forces shelled homes in Mariupol on Tuesday.",
        # Two kinds of event in one town on one day.
        "Russian forces shelled homes in Kharkiv on Tuesday.\n\n"
        "Protesters rallied in Kharkiv on Tuesday against the war.",
        # A country is too big for two statements there to be one event.
        "Ukraine's president said on Tuesday that the army would hold.\n\n"
        "Ukraine's defence ministry said on Tuesday that reserves were ready.",
        # Two neighbouring towns, 3 km apart.
        "An air strike hit a home in Beit Lahiya on Tuesday.\n\n"
        "In Jabalia, troops blew up buildings on Tuesday, residents said.",
        # An organisation's seat is not a scene.
        "The European Union placed sanctions on Tuesday.\n\n"
        "In Brussels, ministers placed sanctions on banks on Tuesday.",
    ],
    ids=["days", "places", "kinds", "country", "neighbours", "seat"],
)
def test_different_events_stay_apart(gazetteer: Gazetteer, text: str) -> None:
    drafts = drafts_of(text, gazetteer)
    assert len(drafts) == 2
    for draft in drafts:
        assert_verbatim(draft, text)


def test_an_event_taken_up_again_further_down_joins_its_draft(gazetteer: Gazetteer) -> None:
    text = (
        "Russian forces shelled homes in Kharkiv on Tuesday. Ministers met in Brussels on "
        "Tuesday. Kharkiv's mayor said on Tuesday that the shelling had stopped."
    )
    drafts = drafts_of(text, gazetteer)
    kharkiv = only(drafts, "Kharkiv")
    assert [s.number for s in kharkiv.sentences] == [1, 3]
    # Two quotes: the Brussels sentence between them is not quoted.
    assert kharkiv.quotes == [kharkiv.sentences[0].text, kharkiv.sentences[1].text]
    assert only(drafts, "Brussels").sentences[0].number == 2


def test_a_figure_said_again_counts_once(gazetteer: Gazetteer) -> None:
    text = (
        "Shelling killed at least three people in Kharkiv on Tuesday, officials said.\n\n"
        "In Kharkiv, shelling on Tuesday killed at least three people, the mayor said."
    )
    [draft] = drafts_of(text, gazetteer)
    assert [(f.value, f.qualifier) for f in draft.event.fatalities] == [(3, "at least")]
    assert len(draft.quotes) == 2


LEAD_AND_VICTIMS = (
    "KYIV (Reuters) - Fresh shelling killed at least three people in the city of Kherson on "
    "Tuesday, regional officials said.\n\n"
    "A 69-year-old woman was killed in her home, and a 64-year-old man suffered a penetrating "
    "injury, the officials said."
)


def test_victims_named_after_a_lead_are_part_of_its_total(gazetteer: Gazetteer) -> None:
    [draft] = drafts_of(LEAD_AND_VICTIMS, gazetteer)
    event = draft.event
    # The victims' paragraph goes on with the shelling; the woman is one of the three.
    assert event.event_type is EventType.SHELLING and event.place.name == "Kherson"
    assert [(f.value, f.qualifier) for f in event.fatalities] == [(3, "at least")]
    assert [f.value for f in event.injured] == [1]
    assert any("part of the total of 3 killed" in note for note in draft.notes)
    # The dateline's Kyiv is where the story was filed: Kherson is not "far" from it.
    assert not any("km from Kyiv" in note for note in draft.notes)
    assert len(event.sources) == 2 and all(s.quote in LEAD_AND_VICTIMS for s in event.sources)


def test_counts_in_one_sentence_and_claimants_who_differ_are_all_kept(
    gazetteer: Gazetteer,
) -> None:
    text = (
        "Shelling killed at least three people in the city of Kherson on Tuesday, the governor "
        "said. Four people died near a bus stop and a family of five burned in their car, "
        "the governor said. The city council said seven people were killed."
    )
    [draft] = drafts_of(text, gazetteer)
    values = sorted(f.value for f in draft.event.fatalities)
    assert 4 in values and 7 in values, values


# --- a second town with a count of its own --------------------------------------------------


def test_a_second_town_with_its_own_count_is_a_draft_of_its_own(gazetteer: Gazetteer) -> None:
    text = (
        "Russian shelling killed three people in Pokrovsk and two in Kurakhove on Tuesday, "
        "the governor of the Donetsk region said."
    )
    drafts = drafts_of(text, gazetteer)
    pokrovsk, kurakhove = only(drafts, "Pokrovsk"), only(drafts, "Kurakhove")
    assert [(f.value, f.claimed_by) for f in pokrovsk.event.fatalities] == [
        (3, "governor of the Donetsk region")
    ]
    assert [(f.value, f.claimed_by) for f in kurakhove.event.fatalities] == [
        (2, "governor of the Donetsk region")
    ]
    assert kurakhove.event.date == pokrovsk.event.date == TUESDAY
    assert kurakhove.event.event_type == pokrovsk.event.event_type == EventType.SHELLING
    assert kurakhove.quotes == pokrovsk.quotes == [text]  # each quotes the whole sentence
    assert km_from(kurakhove, "Kurakhove", gazetteer) < 5


def test_the_second_count_keeps_the_fate_of_the_first(gazetteer: Gazetteer) -> None:
    text = "A drone attack wounded five people in Kherson and two more in Beryslav on Tuesday."
    beryslav = only(drafts_of(text, gazetteer), "Beryslav")
    assert [f.value for f in beryslav.event.injured] == [2]
    assert beryslav.event.fatalities == []


@pytest.mark.parametrize(
    "text",
    [
        # The second town is where the victims were taken, not a count of its own.
        "Shelling killed three people in Pokrovsk; the wounded were taken to Kramatorsk.",
        # Two counts in the first clause: which goes where is not clear.
        "Shelling killed three and wounded four in Pokrovsk and Kramatorsk on Tuesday.",
    ],
)
def test_no_second_draft_without_a_count_before_the_town(text: str, gazetteer: Gazetteer) -> None:
    assert [d for d in drafts_of(text, gazetteer) if d.event.place.name == "Kramatorsk"] == []


# --- days and counts carried from one sentence to the next --------------------------------------


def test_a_joined_sentence_s_day_beats_the_day_it_was_said(gazetteer: Gazetteer) -> None:
    text = (
        "Russian shelling killed three people in Kherson, officials said on Tuesday.\n\n"
        "The shells hit a market late on Sunday, killing two more people, they said."
    )
    [kherson] = drafts_of(text, gazetteer)
    assert kherson.event.date == dt.date(2022, 2, 27)
    # "two more" are beyond the three, not among them.
    assert [f.value for f in kherson.event.fatalities] == [3, 2]


def test_a_sentence_that_adds_to_the_event_before_takes_its_day(gazetteer: Gazetteer) -> None:
    text = (
        "Gunmen killed nine soldiers in an ambush in the Kharkiv region on Sunday, the army "
        "said.\n\nEleven more were wounded near the town of Izium, it said."
    )
    izium = only(drafts_of(text, gazetteer), "Near Izyum")
    assert izium.event.date == dt.date(2022, 2, 27)
    assert "goes on with the event before" in " ".join(izium.notes)


def test_a_month_in_a_later_sentence_does_not_date_the_event(gazetteer: Gazetteer) -> None:
    text = (
        "Clashes in the city of Kherson have killed 37 people, a monitor said on Tuesday.\n\n"
        "The clashes are the first since fighting killed dozens there in January."
    )
    kherson = only(drafts_of(text, gazetteer), "Kherson")
    assert kherson.event.date == TUESDAY
