"""Drafting reads places, dates, figures and kinds as reporters write them in stories it was not
written for: territories, capitals without a name, last week, figures about others.

Every sentence here is written for its rule; none comes from a published article.
"""

from __future__ import annotations

import datetime as dt

import pytest

from geo.draft import Article, Draft, draft_article
from geo.draft.wording import find_figures
from geo.gazetteer import Gazetteer
from geo.geodesy import distance_km
from geo.vocabulary import EventType

FRIDAY = dt.date(2025, 3, 7)  # "on Tuesday" is 4 March


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer()


def drafts_of(text: str, gazetteer: Gazetteer, day: dt.date = FRIDAY) -> list[Draft]:
    return draft_article(Article(text, day, "Test Wire"), gazetteer)


def quoting(drafts: list[Draft], words: str) -> Draft:
    [draft] = [d for d in drafts if any(words in quote for quote in d.quotes)]
    return draft


def km_to(draft: Draft, latitude: float, longitude: float) -> float:
    point = draft.event.place.point
    assert point is not None, draft.event.place
    return distance_km(point, (latitude, longitude))


def killed(draft: Draft) -> list[int]:
    return [f.value for f in draft.figures if not f.injured]


def injured(draft: Draft) -> list[int]:
    return [f.value for f in draft.figures if f.injured]


# --- the Palestinian territories are named -------------------------------------------------------

TUBAS = (32.32, 35.37)
JENIN = (32.46, 35.30)


def test_a_west_bank_town_is_kept_when_the_article_names_israel(gazetteer: Gazetteer) -> None:
    text = (
        "Soldiers shot dead two men in a raid on Tubas in the occupied West Bank on Tuesday, "
        "the Palestinian health ministry said. Israel's army said its troops were fired on."
    )
    raid = quoting(drafts_of(text, gazetteer), "a raid on Tubas")
    assert km_to(raid, *TUBAS) < 5
    assert raid.event.date == dt.date(2025, 3, 4)
    assert killed(raid) == [2]


@pytest.mark.parametrize(
    "named",
    [
        "Gaza officials reported more deaths.",
        "The Gaza Strip was quiet.",
        "The Palestinian Red Crescent sent ambulances.",
        "Palestinians marched in protest.",
    ],
)
def test_gaza_and_palestinian_name_the_territory(named: str, gazetteer: Gazetteer) -> None:
    text = f"{named} Israel's police said gunmen were killed in the town of Tubas on Tuesday."
    killing = quoting(drafts_of(text, gazetteer), "the town of Tubas")
    assert km_to(killing, *TUBAS) < 5


def test_the_west_bank_is_a_region_of_the_territory(gazetteer: Gazetteer) -> None:
    text = "Settlers set fire to cars in a village in the occupied West Bank on Monday."
    [draft] = drafts_of(text, gazetteer)
    assert draft.event.place.name == "West Bank"
    assert draft.event.place.country == "PS"
    assert draft.event.place.geo_precision == 3


def test_palestinian_is_never_palestine_texas(gazetteer: Gazetteer) -> None:
    text = "Palestinian medics said a drone struck a car near the village of Tubas on Sunday."
    [draft] = drafts_of(text, gazetteer)
    assert draft.event.place.country == "PS"


# --- a capital without its name ------------------------------------------------------------------

MOGADISHU = (2.04, 45.34)


def test_the_adjective_capital_is_that_country_s_capital(gazetteer: Gazetteer) -> None:
    text = "A bomber killed nine people at a cafe in the Somali capital on Tuesday, police said."
    [draft] = drafts_of(text, gazetteer)
    assert km_to(draft, *MOGADISHU) < 10
    assert killed(draft) == [9]


def test_the_capital_is_the_capital_of_the_one_country_named(gazetteer: Gazetteer) -> None:
    text = (
        "Police fired on marchers in Nampula, Mozambique on Monday, killing two. "
        "In the capital, soldiers wounded three protesters on Tuesday."
    )
    drafts = drafts_of(text, gazetteer)
    capital = quoting(drafts, "In the capital")
    assert km_to(capital, -25.97, 32.58) < 10  # Maputo
    assert injured(capital) == [3]
    assert injured(quoting(drafts, "in Nampula")) == []


def test_a_capital_the_sentence_names_is_read_from_its_name(gazetteer: Gazetteer) -> None:
    text = "Shells fell on the Ukrainian capital, Kyiv, on Tuesday."
    [draft] = drafts_of(text, gazetteer)
    assert km_to(draft, 50.45, 30.52) < 10


# --- an area, and a country that acts ------------------------------------------------------------


@pytest.mark.parametrize("where", ["in the area of Jenin", "in the Jenin area"])
def test_the_area_of_a_town_is_near_it(where: str, gazetteer: Gazetteer) -> None:
    text = (
        "Gaza officials said the toll was rising. "
        f"Israel's military said its aircraft struck gunmen {where} on Sunday, killing two."
    )
    strike = quoting(drafts_of(text, gazetteer), "aircraft struck")
    assert km_to(strike, *JENIN) < 5
    assert strike.event.place.geo_precision == 2
    assert strike.event.date == dt.date(2025, 3, 2)


# --- last week, last month -----------------------------------------------------------------------


def test_last_week_is_the_monday_to_sunday_before(gazetteer: Gazetteer) -> None:
    text = "An air strike on the town of Segou last week killed eight people, residents said."
    [draft] = drafts_of(text, gazetteer)
    assert (draft.event.date, draft.event.date_end) == (dt.date(2025, 2, 24), dt.date(2025, 3, 2))


def test_last_month_is_the_calendar_month_before(gazetteer: Gazetteer) -> None:
    text = "Last month, troops killed nine fighters in raids on Tubas, Palestinian medics said."
    [draft] = drafts_of(text, gazetteer)
    assert (draft.event.date, draft.event.date_end) == (dt.date(2025, 2, 1), dt.date(2025, 2, 28))


def test_last_month_in_january_is_december(gazetteer: Gazetteer) -> None:
    text = "Gunmen killed five traders in the town of Segou last month, officials said."
    [draft] = drafts_of(text, gazetteer, dt.date(2025, 1, 10))
    assert (draft.event.date, draft.event.date_end) == (dt.date(2024, 12, 1), dt.date(2024, 12, 31))


# --- figures: who is counted, and what is not this event's toll ----------------------------------


def figures(sentence: str) -> list[tuple[int, str, str]]:
    return [
        (f.value, f.qualifier, "injured" if f.injured else "killed") for f in find_figures(sentence)
    ]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Gunmen ambushed a convoy, killing five army auxiliaries.", [(5, "exact", "killed")]),
        ("Three of his associates were shot dead on Friday.", [(3, "exact", "killed")]),
        ("A drone hit a wedding party and killed eight guests.", [(8, "exact", "killed")]),
        ("Pirates killed four fishermen and two traders.", [(6, "exact", "killed")]),
        ("Eleven mourners were wounded at the funeral.", [(11, "exact", "injured")]),
        ("Two security personnel were killed at the gate.", [(2, "exact", "killed")]),
        ("Seven militiamen died in the fighting.", [(7, "exact", "killed")]),
        ("A shopper was hurt when the roof fell.", [(1, "exact", "injured")]),
    ],
)  # fmt: skip
def test_more_kinds_of_victims_are_counted(sentence: str, expected: list[object]) -> None:
    assert figures(sentence) == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Two girls and a teacher were among 14 others hurt, the mayor said.",
         [(14, "exact", "injured")]),
        ("Three women were among the dead.", [(3, "at least", "killed")]),
        ("Ten people, among them two nurses, were killed.", [(10, "exact", "killed")]),
    ],
)  # fmt: skip
def test_those_among_the_victims_are_a_part_not_a_second_toll(
    sentence: str, expected: list[object]
) -> None:
    assert figures(sentence) == expected


def test_a_part_of_the_dead_joins_the_lead_s_toll(gazetteer: Gazetteer) -> None:
    text = (
        "Gunmen killed 17 villagers in the town of Bokkos on Sunday night, police said. "
        "Three children were among the dead, police said."
    )
    [draft] = drafts_of(text, gazetteer)
    assert killed(draft) == [17]


@pytest.mark.parametrize(
    "sentence",
    [
        "Scores of neighbours gathered at a clinic where the wounded were treated.",
        "Dozens of relatives waited outside the hospital when the injured arrived.",
        "We lost dozens of fighters in the village and several are wounded.",
    ],
)
def test_a_crowd_near_the_casualties_is_not_a_casualty_figure(sentence: str) -> None:
    assert figures(sentence) == []


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("The militia, which has killed hundreds of civilians since 2018, raided the camp, "
         "killing 31.", [(31, "exact", "killed")]),
        ("The group has been blamed for killing thousands of villagers.", []),
        ("The rebels have killed more than 300 people over the past three years.", []),
        # A toll of the place, not a group's record, is still counted.
        ("Hundreds of civilians have been killed in the region since 2021.",
         [(200, "at least", "killed")]),
        ("The attack has killed 12 people since Monday.", [(12, "exact", "killed")]),
    ],
)  # fmt: skip
def test_a_group_s_record_is_not_the_event_s_toll(sentence: str, expected: list[object]) -> None:
    assert figures(sentence) == expected


# --- disasters -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "Floods killed 15 people in the town of Herat on Saturday.",
        "An earthquake killed 15 people in the town of Herat on Saturday.",
        "A landslide buried homes in the town of Herat on Saturday, killing 15.",
        "A flash flood swept through the town of Herat on Saturday, killing 15 people.",
        "A cyclone struck the town of Herat on Saturday, killing 15.",
    ],
)
def test_a_disaster_is_no_attack(sentence: str, gazetteer: Gazetteer) -> None:
    [draft] = drafts_of(sentence, gazetteer)
    assert draft.event.event_type == EventType.OTHER
    assert killed(draft) == [15]


def test_the_toll_of_a_disaster_stays_with_it(gazetteer: Gazetteer) -> None:
    text = (
        "A strong earthquake shook the city of Herat on Saturday. "
        "At least 15 people were killed and 40 injured, officials said."
    )
    [draft] = drafts_of(text, gazetteer)
    assert draft.event.event_type == EventType.OTHER
    assert (killed(draft), injured(draft)) == ([15], [40])


# --- a word of a longer name, and names with an apostrophe ---------------------------------------


@pytest.mark.parametrize("landscape", ["the Hill Country", "the Rift Valley", "the Swamp Delta"])
def test_a_word_of_a_landscape_s_name_is_no_town(landscape: str, gazetteer: Gazetteer) -> None:
    text = f"Flash floods in {landscape} killed at least 20 people overnight, officials said."
    for draft in drafts_of(text, gazetteer):
        assert draft.event.place.point is None, draft.event.place


def test_the_dateline_places_a_lead_whose_place_is_a_landscape(gazetteer: Gazetteer) -> None:
    text = (
        "KERRVILLE, Texas (AP) — Flash floods in the Hill Country killed at least 20 people "
        "overnight, officials said."
    )
    [draft] = drafts_of(text, gazetteer)
    assert km_to(draft, 30.05, -99.14) < 10  # Kerrville
    assert draft.event.event_type == EventType.OTHER


@pytest.mark.parametrize("name", ["Saut d'Eau", "Saut-d'Eau", "Anse d’Hainault"])
def test_a_name_with_an_apostrophe_is_read_whole(name: str) -> None:
    from geo.draft.places import _names

    sentence = f"Gangs burned homes in the town of {name} on Friday."
    assert name in [sentence[n.start : n.end] for n in _names(sentence)]


def test_a_lead_placed_only_at_unknown_names_is_near_the_dateline(gazetteer: Gazetteer) -> None:
    text = (
        "KERRVILLE, Texas, March 6, 2025 (AP) – Flash floods in Texas Hill Country killed about "
        "20 people, officials said."
    )
    [draft] = drafts_of(text, gazetteer)
    assert km_to(draft, 30.05, -99.14) < 10  # Kerrville
    assert draft.event.place.geo_precision == 2
    assert draft.event.date == dt.date(2025, 3, 6)


def test_the_dateline_does_not_place_an_unknown_name_in_another_country(
    gazetteer: Gazetteer,
) -> None:
    text = "CAIRO (Reuters) - Gunmen killed five people in Xyzzy village in North Darfur state."
    [draft] = drafts_of(text, gazetteer)
    assert draft.event.place.point is None


def test_the_capital_is_that_of_the_country_named_most(gazetteer: Gazetteer) -> None:
    text = (
        "Police shot two marchers in Nampula, Mozambique on Monday. "
        "Some protesters fled across the border into South Africa, Mozambique's police said. "
        "In the capital, soldiers wounded three protesters on Monday."
    )
    capital = quoting(drafts_of(text, gazetteer), "In the capital")
    assert km_to(capital, -25.97, 32.58) < 10  # Maputo, not Pretoria


def test_a_count_of_another_attack_in_passing_is_not_this_one_s(gazetteer: Gazetteer) -> None:
    sentence = (
        "At least 20 soldiers were killed on Monday in an ambush in the north, the army said, "
        "with sources saying another separate attack had left dozens dead."
    )
    assert figures(sentence) == [(20, "at least", "killed")]
    assert figures("Another attack on Monday killed 12 people.") == [(12, "exact", "killed")]


def test_a_capital_also_named_in_a_joint_dateline_is_still_the_place(
    gazetteer: Gazetteer,
) -> None:
    text = (
        "Washington/Mogadishu — A bomb killed at least nine people on Tuesday in the Somali "
        "capital, witnesses said."
    )
    [draft] = drafts_of(text, gazetteer)
    assert km_to(draft, *MOGADISHU) < 10
    assert killed(draft) == [9]


def test_the_same_day_is_the_day_named_before(gazetteer: Gazetteer) -> None:
    text = (
        "Police fired on marchers in Nampula, Mozambique on Monday, killing two. "
        "In the capital, soldiers wounded three protesters the same day."
    )
    capital = quoting(drafts_of(text, gazetteer), "In the capital")
    assert capital.event.date == dt.date(2025, 3, 3)


def test_a_village_in_a_town_s_district_is_near_that_town(gazetteer: Gazetteer) -> None:
    text = (
        "Two men were killed on Sunday when a drone struck a car near the village of Siir in "
        "the Jenin district of the West Bank, Palestinian medics said."
    )
    [draft] = drafts_of(text, gazetteer)
    assert km_to(draft, *JENIN) < 30  # not Sa'ir near Hebron, 89 km away
