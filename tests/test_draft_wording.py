"""Figures, actors and types as reporters write them: each pattern on sentences written for it
(none copied from an article)."""

from __future__ import annotations

import pytest

from geo.draft.wording import (
    FigureFinding,
    find_actors,
    find_figures,
    find_speaker,
    find_type,
    speaker_of,
)
from geo.vocabulary import EventType

Figure = tuple[int, str, str]  # value, qualifier, "killed" or "injured"


def figures(sentence: str) -> list[Figure]:
    return [_brief(found) for found in find_figures(sentence)]


def _brief(found: FigureFinding) -> Figure:
    return found.value, found.qualifier, "injured" if found.injured else "killed"


# --- counts in words and digits, with their qualifier ------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Three people were killed on Tuesday.", [(3, "exact", "killed")]),
        ("Twenty-one civilians were wounded in the night.", [(21, "exact", "injured")]),
        ("Two hundred and fifty people were killed.", [(250, "exact", "killed")]),
        ("11 people were killed near the station.", [(11, "exact", "killed")]),
        ("Some 1,200 people have died since the floods.", [(1200, "about", "killed")]),
        # A round number or a plural gives no exact count.
        ("A dozen soldiers died.", [(12, "about", "killed")]),
        # A part of victims counted before, told where they died.
        ("Four of them died in the town and three in the next.", [(4, "exact", "killed")]),
        ("Two of them were wounded by shrapnel.", [(2, "exact", "injured")]),
        ("Dozens of people were injured.", [(24, "at least", "injured")]),
        ("Hundreds of villagers were killed.", [(200, "at least", "killed")]),
        ("More than a dozen people were hurt.", [(12, "more than", "injured")]),
        ("At least 19 people were killed.", [(19, "at least", "killed")]),
        ("Over 100 people were injured at the rally.", [(100, "more than", "injured")]),
        ("Up to 40 civilians were killed.", [(40, "at most", "killed")]),
        ("Nearly 300 people have died.", [(300, "about", "killed")]),
        ("Fifteen were killed in the blast.", [(15, "exact", "killed")]),
    ],
)  # fmt: skip
def test_counts_in_words_and_digits_keep_their_qualifier(
    sentence: str, expected: list[Figure]
) -> None:
    assert figures(sentence) == expected


# --- killed and injured, in one sentence, in either order ---------------------------------------


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("The strike hit a market, killing three and wounding 12.",
         [(3, "exact", "killed"), (12, "exact", "injured")]),
        ("Three people were killed and 20 others injured.",
         [(3, "exact", "killed"), (20, "exact", "injured")]),
        ("At least 19 people were killed and more than 300 injured.",
         [(19, "at least", "killed"), (300, "more than", "injured")]),
        ("At least 25 people were killed and dozens wounded.",
         [(25, "at least", "killed"), (24, "at least", "injured")]),
        ("Two people were killed, and a further 15 were wounded.",
         [(2, "exact", "killed"), (15, "exact", "injured")]),
        ("One person was killed and three were injured.",
         [(1, "exact", "killed"), (3, "exact", "injured")]),
        ("The blast left at least five people dead and 12 injured.",
         [(5, "at least", "killed"), (12, "exact", "injured")]),
        ("The attack left 5 dead.", [(5, "exact", "killed")]),
        ("The death toll rose to 40.", [(40, "exact", "killed")]),
        ("The death toll from the strike on the market rose by five to at least 52.",
         [(52, "at least", "killed")]),
        ("The number of injured reached 60.", [(60, "exact", "injured")]),
        ("Gunmen killed at least 30 people in the village.", [(30, "at least", "killed")]),
        ("Police shot dead two protesters.", [(2, "exact", "killed")]),
        # The subject of an active verb did the killing: only its object is counted.
        ("Two soldiers killed three civilians.", [(3, "exact", "killed")]),
    ],
)  # fmt: skip
def test_killed_and_injured_are_told_apart(sentence: str, expected: list[Figure]) -> None:
    assert figures(sentence) == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Five people were detained and two were killed.", [(2, "exact", "killed")]),
        ("Twelve protesters were arrested after clashes that killed two people.",
         [(2, "exact", "killed")]),
        ("Three people were killed and 20 others are missing.", [(3, "exact", "killed")]),
        ("Seven people died in the floods and 12 are missing.", [(7, "exact", "killed")]),
        ("Around 2,000 people were evacuated.", []),
        ("Two people were hospitalised.", []),
        ("Tens of thousands of people have fled.", []),
        # Not said which: neither a death nor an injury.
        ("Twelve people were killed or injured.", []),
        ("No one was killed.", []),
    ],
)  # fmt: skip
def test_the_missing_and_the_detained_are_neither(sentence: str, expected: list[Figure]) -> None:
    assert figures(sentence) == expected


# --- victims described by age or role ----------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("A 69-year-old woman was killed in the shelling.", [(1, "exact", "killed")]),
        ("A 64-year-old man suffered a penetrating injury.", [(1, "exact", "injured")]),
        ("A journalist was wounded.", [(1, "exact", "injured")]),
        ("Two children and a paramedic were killed.", [(3, "exact", "killed")]),
        ("Five Ukrainian soldiers and a civilian died in the attack.", [(6, "exact", "killed")]),
        ("A 30-year-old man and his 5-year-old daughter were killed.", [(2, "exact", "killed")]),
        ("A man, 70, was killed.", [(1, "exact", "killed")]),
        ("Two men in the village of Sadove were wounded.", [(2, "exact", "injured")]),
        ("A 13-year-old boy was among the dead.", [(1, "at least", "killed")]),
        ("The brigade said two of its soldiers were killed.", [(2, "exact", "killed")]),
        ("Shelling on the village killed a man on Sunday.", [(1, "exact", "killed")]),
        ("The strike killed a 70-year-old man.", [(1, "exact", "killed")]),
        ("Police used tear gas, and a protester was shot dead.", [(1, "exact", "killed")]),
        ("Russian forces killed a man and wounded his wife.",
         [(1, "exact", "killed"), (1, "exact", "injured")]),
    ],
)  # fmt: skip
def test_victims_described_by_age_or_role_are_counted(
    sentence: str, expected: list[Figure]
) -> None:
    assert figures(sentence) == expected


def test_victims_of_several_kinds_add_up_and_say_who() -> None:
    [found] = find_figures("Two children and a paramedic were killed.")
    assert found.note == "Two children and a paramedic"
    assert found.words == "Two children and a paramedic were killed"


def test_a_breakdown_is_a_note_not_a_second_figure() -> None:
    [found] = find_figures(
        "Israeli strikes killed at least 40 Palestinians, including 12 children, on Sunday."
    )
    assert (found.value, found.qualifier, found.note) == (40, "at least", "including 12 children")
    [found] = find_figures("At least 12 people, including three children, were killed.")
    assert (found.value, found.note) == (12, "including three children")


def test_the_lead_gives_the_total() -> None:
    lead = (
        "KYIV (Reuters) - Fresh shelling killed at least three people and wounded 12 others in "
        "the south on Tuesday, regional officials said."
    )
    assert figures(lead) == [(3, "at least", "killed"), (12, "exact", "injured")]
    assert find_type(lead).event_type == EventType.SHELLING
    assert find_speaker(lead) == "regional officials"


# --- numbers that count no one -----------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "The 64-year-old was taken to hospital.",
        "In 2022 civilians were killed in the city.",
        "He was killed in 2014.",
        "Brigade 93 soldiers were killed.",
        "The rouble fell 32 per cent.",
        "The convoy stretched over 27km towards the capital.",
        "The drone fell 12 km from the front.",
        "The siren sounded at 10:30 on 12 May.",
    ],
)
def test_years_ages_times_units_and_distances_are_not_figures(sentence: str) -> None:
    assert figures(sentence) == []


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("The drone struck 12 km from the front, and three people were wounded.",
         [(3, "exact", "injured")]),
        ("Four people were killed at 10:30 on 12 May.", [(4, "exact", "killed")]),
        ("Fighting over two days killed 14 soldiers.", [(14, "exact", "killed")]),
        ("In 2023, 40 people were killed.", [(40, "exact", "killed")]),
    ],
)  # fmt: skip
def test_the_count_is_found_beside_numbers_that_are_not(
    sentence: str, expected: list[Figure]
) -> None:
    assert figures(sentence) == expected


# --- actors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "actors"),
    [
        ("Russian forces shelled the town.", ["Russian forces"]),
        ("Russian troops advanced on the bridge.", ["Russian troops"]),
        ("Russian occupiers fired on civilians in the city of Zolote.", ["Russian occupiers"]),
        ("Ukrainian forces repelled the attack.", ["Ukrainian forces"]),
        ("The RSF stormed the camp.", ["RSF"]),
        ("Fighters of the Rapid Support Forces looted the market.", ["Rapid Support Forces"]),
        ("The Sudanese army said it retook the bridge.", ["Sudanese army"]),
        ("The SAF shelled RSF positions.", ["SAF", "RSF"]),
        ("The army and the RSF have fought since April.", ["army", "RSF"]),
        ("Police in Kenya clashed with protesters in the capital.", ["Police", "protesters"]),
        ("Kenyan police shot dead at least 19 protesters.", ["Kenyan police", "protesters"]),
        ("Israeli forces raided the camp, Hamas said.", ["Israeli forces", "Hamas"]),
        ("M23 rebels seized the town.", ["M23 rebels"]),
        ("The junta said jihadists attacked an army post.", ["junta", "jihadists"]),
        ("Security forces fired tear gas at demonstrators.", ["Security forces", "demonstrators"]),
        ("Pro-Russian separatists shelled the village.", ["Pro-Russian separatists"]),
        ("Ukraine's military said it shot down 20 drones.", ["Ukraine's military"]),
        ("Wagner fighters and Malian troops raided the village.",
         ["Wagner fighters", "Malian troops"]),
        ("Iran-backed militias attacked the base.", ["Iran-backed militias"]),
    ],
)  # fmt: skip
def test_forces_armed_groups_police_and_crowds_are_actors(sentence: str, actors: list[str]) -> None:
    found = find_actors(sentence)
    assert found == actors
    assert all(actor in sentence for actor in found)  # as written


@pytest.mark.parametrize(
    "sentence",
    [
        "A police station was burned.",
        "Images appeared to show the military convoy.",
        "The Hamas-run health ministry gave no figure.",
        "Three people were killed.",
    ],
)
def test_words_that_name_no_actor_give_none(sentence: str) -> None:
    assert find_actors(sentence) == []


def test_people_come_first_then_forces_each_once() -> None:
    assert find_actors(
        "Governor Oleh Tkach said Russian forces and the army fought, as Russian forces withdrew."
    ) == ["Oleh Tkach", "Russian forces", "army"]


# --- types ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "event_type"),
    [
        ("Police in Kenya clashed with protesters in the capital.", EventType.PROTEST),
        ("Thousands of people protested against the tax bill.", EventType.PROTEST),
        ("Security forces fired tear gas at demonstrators.", EventType.PROTEST),
        ("A Russian drone struck a bus in the city.", EventType.AIR_STRIKE),
        ("A car was hit by a Russian drone.", EventType.AIR_STRIKE),
        ("Warplanes bombed the market.", EventType.AIR_STRIKE),
        ("Shelling in the village killed a man.", EventType.SHELLING),
        ("Mortar fire hit the camp.", EventType.SHELLING),
        ("A 64-year-old man suffered a penetrating injury.", EventType.ATTACK_ON_CIVILIANS),
        ("A journalist was wounded.", EventType.ATTACK_ON_CIVILIANS),
        ("Russian occupiers fired on civilians in the town.", EventType.ATTACK_ON_CIVILIANS),
        ("Gunmen attacked the village, killing 12.", EventType.ATTACK_ON_CIVILIANS),
        ("Jihadists attacked an army post near the border.", EventType.ARMED_CLASH),
        ("Fighters ambushed a patrol.", EventType.ARMED_CLASH),
        ("The death toll rose to 40.", EventType.CASUALTY_REPORT),
        ("M23 rebels seized the town.", EventType.TERRITORY_SEIZED),
    ],
)  # fmt: skip
def test_types_from_the_wording_of_wider_reporting(sentence: str, event_type: EventType) -> None:
    assert find_type(sentence).event_type == event_type


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # Who the victims were is a breakdown, not another count (nor the injured).
        ("Among the 46 fatalities were five women, and the wounded numbered 37.", [(37, True)]),
        ("Among the dead were two children.", []),
        # A body found is one dead; bodies recovered are counted.
        ("At the site of the impact, the body of a man was found.", [(1, False)]),
        ("The bodies of 12 people were recovered from the rubble.", [(12, False)]),
    ],
)
def test_breakdowns_tallies_and_bodies(sentence: str, expected: list[tuple[int, bool]]) -> None:
    assert [(f.value, f.injured) for f in find_figures(sentence)] == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "The militia reportedly seeks to seize control of the state capital.",
        "Officials said the army was preparing to retake the town.",
        "Rebels threatened to capture the airport.",
    ],
)
def test_what_someone_means_to_do_has_not_happened(sentence: str) -> None:
    assert find_type(sentence).event_type is not EventType.TERRITORY_SEIZED


def test_a_deed_after_an_intent_still_counts() -> None:
    found = find_type("Rebels who had vowed to fight on seized the airport on Sunday.")
    assert found.event_type is EventType.TERRITORY_SEIZED


def test_a_title_with_humanitarian_in_it_is_no_aid() -> None:
    title = find_type(
        "The humanitarian affairs commissioner told reporters the strike hit a school."
    )
    assert title.event_type is not EventType.HUMANITARIAN
    aid = find_type("A humanitarian convoy reached the besieged town.")
    assert aid.event_type is EventType.HUMANITARIAN


@pytest.mark.parametrize(
    ("sentence", "claims"),
    [
        # Two claimants in one sentence: each figure is the one's whose claim follows it.
        (
            "Six villagers were killed by troops on Sunday, the regional health office said "
            "while a soldier was also killed, according to the army.",
            [(6, "regional health office"), (1, "army")],
        ),
        # A claim in the middle of the sentence, before more of it.
        (
            "Shelling killed three people in the town, regional governor Ivan Petrenko said on "
            "Telegram, as rescuers searched the rubble.",
            [(3, "regional governor Ivan Petrenko")],
        ),
        # A sentence that opens with its speaker: "after X announced" is no second claimant.
        (
            "The health ministry said troops killed two people on Sunday, after the army "
            "announced a raid on the camp.",
            [(2, "health ministry")],
        ),
        ("According to the mayor, five people died in the fire.", [(5, "mayor")]),
    ],
)
def test_each_figure_is_claimed_by_whoever_the_sentence_says_claims_it(
    sentence: str, claims: list[tuple[int, str]]
) -> None:
    assert [(f.value, speaker_of(sentence, f)) for f in find_figures(sentence)] == claims
