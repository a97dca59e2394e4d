"""Places read as a reader reads them: a place inside a region or near a town, appositives,
datelines, regions at region precision, and common words that are no towns. Every sentence
here is of our own making."""

from __future__ import annotations

import datetime as dt

import pytest

from geo.draft import Article, draft_article
from geo.draft.places import PlaceMention, find_places, lower_case_words
from geo.draft.sentences import find_dateline, split_sentences
from geo.gazetteer import Gazetteer

DAY = dt.date(2024, 6, 12)


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer()


def best(sentence: str, gazetteer: Gazetteer) -> PlaceMention:
    return find_places(sentence, gazetteer)[0]


def region_of(name: str, gazetteer: Gazetteer) -> tuple[str, str]:
    """(country, admin1) of the region the gazetteer names so ("Luhansk region")."""
    [entry] = [m.entry for m in gazetteer.matches(name, fuzzy=False)][:1]
    return entry.country, entry.admin1


# --- a place inside a region, a country or near a town ------------------------------------


@pytest.mark.parametrize(
    ("sentence", "town", "region"),
    [
        ("Troops fired on a bus in the city of Zolote in the Luhansk region.", "Zolote",
         "Luhansk region"),
        ("Shelling hit Zolote, in Luhansk region, before dawn.", "Zolote", "Luhansk region"),
        ("A drone fell on the town of Chasiv Yar in Donetsk Oblast, the army said.",
         "Chasiv Yar", "Donetsk region"),
        ("Units dug in north of Kupiansk, in Kharkiv Oblast, a commander said.", "Kupiansk",
         "Kharkiv region"),
    ],
)  # fmt: skip
def test_a_place_inside_a_region_is_that_place_not_the_container(
    gazetteer: Gazetteer, sentence: str, town: str, region: str
) -> None:
    found = find_places(sentence, gazetteer)
    place = found[0]
    assert place.entry is not None and place.entry.kind == "city"
    assert place.precision in (1, 2)
    assert sentence[place.start : place.end] == town
    assert (place.entry.country, place.entry.admin1) == region_of(region, gazetteer)
    # The region is still found, as the container of the town: never the place itself.
    [container] = [m for m in found if m.entry is not None and m.entry.kind == "region"]
    assert container.reading == "container"


def test_the_region_picks_the_namesake_that_lies_in_it(gazetteer: Gazetteer) -> None:
    biggest = gazetteer.matches("Kamianka", fuzzy=False)[0].entry
    odesa = region_of("Odesa region", gazetteer)
    assert (biggest.country, biggest.admin1) != odesa  # the test means something
    place = best("Shelling hit Kamianka in the Odesa region overnight.", gazetteer)
    assert place.entry is not None and (place.entry.country, place.entry.admin1) == odesa
    assert place.words == "Kamianka in the Odesa region"
    assert place.precision == 1


def test_a_town_inside_a_country_wins_over_the_country(gazetteer: Gazetteer) -> None:
    # "in Kenya" is read, but the town the sentence names inside it is the place.
    place = best("Crowds gathered in Kenya's west, where police in Kisumu fired shots.", gazetteer)
    assert place.name == "Kisumu"
    place = best("Talks were held in Gomel, in Belarus, on Monday.", gazetteer)
    assert place.entry is not None and place.entry.country == "BY" and place.precision == 1
    place = best("Kharkiv in Ukraine's northeast has become a battleground.", gazetteer)
    assert (place.name, place.reading) == ("Kharkiv", "locative")


def test_a_place_word_with_no_such_place_in_the_region_gives_the_region_and_says_so(
    gazetteer: Gazetteer,
) -> None:
    # The gazetteer has a Zolote, but none in the Odesa region: the region, never a guess.
    place = best("Shelling hit the village of Zolote in the Odesa region.", gazetteer)
    assert place.entry is not None and place.entry.kind == "region" and place.precision == 3
    assert (place.entry.country, place.entry.admin1) == region_of("Odesa region", gazetteer)
    assert place.note is not None and "no Zolote in" in place.note


def test_a_list_of_towns_is_no_place_inside_another(gazetteer: Gazetteer) -> None:
    found = find_places("Ministers met in Paris, Berlin and London on Friday.", gazetteer)
    assert found[0].name == "Paris"
    assert all(m.reading != "container" for m in found)


def test_an_owner_names_the_town_not_itself(gazetteer: Gazetteer) -> None:
    # The gazetteer does not know Darfur: a big town after it is still the town.
    place = best("Fighters attacked Darfur's El Fasher on Monday.", gazetteer)
    assert (place.name, place.precision, place.words) == ("El Fasher", 1, "Darfur's El Fasher")
    place = best("Drones struck Sudan's El Fasher on Monday.", gazetteer)
    assert (place.name, place.precision) == ("El Fasher", 1)


# --- appositives ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "name", "country"),
    [
        ("Riot police fired tear gas in the capital, Nairobi, on Tuesday.", "Nairobi", "KE"),
        ("Sirens sounded over Kherson, a port city in the south, on Sunday.", "Kherson", "UA"),
        ("Gunmen attacked a bakery in the capital Khartoum.", "Khartoum", "SD"),
        ("Drones hit the port city, Odesa, overnight.", "Odesa", "UA"),
        ("Gunmen roamed Kadugli, a town in the south, on Friday.", "Kadugli", "SD"),
        ("A shell fell on Omdurman, Khartoum's twin city, at noon.", "Omdurman", "SD"),
    ],
)
def test_an_appositive_says_the_name_is_a_town(
    gazetteer: Gazetteer, sentence: str, name: str, country: str
) -> None:
    place = best(sentence, gazetteer)
    assert (place.name, place.entry.country if place.entry else None) == (name, country)
    assert place.precision == 1 and place.reading in ("town", "locative")


def test_a_comma_after_a_place_word_is_no_appositive_before_a_noun(gazetteer: Gazetteer) -> None:
    # "in the city, Kharkiv officials said": Kharkiv qualifies "officials".
    found = find_places("Shelling went on in the city, Kharkiv officials said.", gazetteer)
    assert all(m.reading != "town" for m in found)
    assert find_places("Smith, a town councillor, said the count was fair.", gazetteer) == []


# --- regions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "written", "country"),
    [
        ("There was heavy fighting in Kharkiv region on Saturday.", "Kharkiv region", "UA"),
        ("Shelling continued in the Kharkiv region.", "Kharkiv region", "UA"),
        ("Troops advanced in Donetsk oblast, the army said.", "Donetsk oblast", "UA"),
        ("Shelling hit the Kherson province overnight.", "Kherson province", "UA"),
        ("Kharkiv Oblast came under fire again.", "Kharkiv Oblast", "UA"),
        ("Officials in Khartoum state said the clinic was shelled.", "Khartoum state", "SD"),
        ("Crowds gathered in Kisumu county on Tuesday.", "Kisumu county", "KE"),
        ("In Donetsk region, two people were killed.", "Donetsk region", "UA"),
        ("Shelling hit Russian-occupied Zaporizhzhia region.", "Zaporizhzhia region", "UA"),
    ],
)
def test_a_region_is_read_at_region_precision_not_as_its_town(
    gazetteer: Gazetteer, sentence: str, written: str, country: str
) -> None:
    place = best(sentence, gazetteer)
    assert place.entry is not None and place.entry.kind == "region"
    assert place.precision == 3 and place.entry.country == country
    assert sentence[place.start : place.end] == written


def test_regions_sharing_one_region_word_are_each_a_region(gazetteer: Gazetteer) -> None:
    found = find_places("Russian drones hit the Kharkiv and Sumy regions overnight.", gazetteer)
    kinds = {m.name: m.entry.kind for m in found if m.entry is not None}
    assert kinds == {"Kharkiv region": "region", "Sumy region": "region"}


def test_a_region_the_gazetteer_lacks_is_unplaced_in_its_country(gazetteer: Gazetteer) -> None:
    place = best("Clashes erupted in North Darfur state on Monday.", gazetteer)
    assert place.entry is None and place.country == "SD"
    assert place.note is not None and "does not know North Darfur state" in place.note
    # A town said to be in it is looked for in its country.
    place = best("Fighting flared around Babanusa in West Kordofan overnight.", gazetteer)
    assert place.entry is not None and place.entry.country == "SD" and place.precision == 2


def test_a_district_is_placed_near_its_town(gazetteer: Gazetteer) -> None:
    place = best("Fighting raged in the Bakhmut district overnight.", gazetteer)
    assert (place.name, place.precision, place.reading) == ("Bakhmut", 2, "near")
    assert place.words == "in the Bakhmut district"


@pytest.mark.parametrize(
    "sentence",
    [
        "The claim was carried in Russian state media.",
        "The Gulf state of Qatar mediated the talks.",
        "Troops moved in Ukrainian-held territory.",
        "Fighters loyal to the Islamic State attacked a convoy.",
    ],
)
def test_region_words_that_name_no_region(gazetteer: Gazetteer, sentence: str) -> None:
    found = find_places(sentence, gazetteer)
    assert all(m.entry is None or m.entry.kind == "country" for m in found), found
    assert all(m.reading != "unresolved" for m in found)


def test_a_group_of_states_is_no_town(gazetteer: Gazetteer) -> None:
    found = find_places("Leaders of the Baltic states met in Riga.", gazetteer)
    assert [m.name for m in found] == ["Riga"]


# --- common words -----------------------------------------------------------------------------


def test_police_in_a_country_without_a_police_is_not_a_town(gazetteer: Gazetteer) -> None:
    sentence = "Police in Kenya clashed with protesters in the capital, Nairobi, on Tuesday."
    found = find_places(sentence, gazetteer)
    assert found[0].name == "Nairobi" and found[0].precision == 1
    assert "Police" not in [m.name for m in found]
    [kenya] = [m for m in found if m.name == "Kenya"]
    assert kenya.reading == "container"  # Nairobi is in it


@pytest.mark.parametrize(
    "sentence",
    [
        "Mobile phone networks were cut on Monday.",
        "Bar owners closed early.",
        "Reading the statement, officials said the talks failed.",
        "Police in Poland said nothing more.",  # a place word is needed even where one exists
        "Split decisions are rare, the judge said.",
        "Security forces fired on the crowd.",
        "Premier Li said the plan would go ahead.",
        "Hamas said it fired rockets.",  # another name of Hamm, Germany: not without a cue
    ],
)
def test_a_common_word_is_no_town_without_a_place_word(gazetteer: Gazetteer, sentence: str) -> None:
    found = find_places(sentence, gazetteer)
    assert all(m.entry is None or m.entry.kind == "country" for m in found), found


def test_a_place_word_makes_a_common_word_a_town(gazetteer: Gazetteer) -> None:
    place = best("A storm hit the city of Mobile on Monday.", gazetteer)
    assert (place.name, place.entry.country if place.entry else None) == ("Mobile", "US")


def test_a_word_the_article_writes_in_lower_case_is_a_common_word(gazetteer: Gazetteer) -> None:
    # Not in the built-in list: the article's own lower-case use makes it one.
    sentence = "Phoenix said it would rebuild."
    assert best(sentence, gazetteer).name == "Phoenix"
    article = "Like a phoenix, the market rose. " + sentence
    assert find_places(sentence, gazetteer, common_words=lower_case_words(article)) == []
    place = find_places("Flooding hit Phoenix.", gazetteer, common_words={"phoenix"})
    assert place == []  # no place word, a common word
    place = find_places("Flooding hit the city of Phoenix.", gazetteer, common_words={"phoenix"})
    assert place[0].name == "Phoenix"


def test_a_big_city_that_is_no_common_word_still_acts(gazetteer: Gazetteer) -> None:
    assert (best("Moscow said the talks failed.", gazetteer).name) == "Moscow"


# --- datelines --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "name", "country"),
    [
        ("KYIV (Reuters) - Fresh shelling killed at least three people overnight.", "Kyiv",
         "UA"),
        ("KHARTOUM, June 3 (AP) - Gunmen killed five people, witnesses said.", "Khartoum", "SD"),
        ("NAIROBI, Kenya — Riot police fired tear gas at protesters.", "Nairobi", "KE"),
        ("Kyiv, Ukraine (AP) — Missiles hit an apartment block.", "Kyiv", "UA"),
        ("ODESSA, Texas (AP) — A gunman opened fire at a store.", "Odessa", "US"),
        ("ST. PETERSBURG, Russia (Reuters) - A drone hit a refinery.", "Saint Petersburg", "RU"),
    ],
)  # fmt: skip
def test_a_dateline_places_a_lead_that_names_no_other_place(
    gazetteer: Gazetteer, sentence: str, name: str, country: str
) -> None:
    found = find_places(sentence, gazetteer)
    [place] = found  # the qualifier ("Kenya") and the agency are no places of their own
    assert place.reading == "dateline" and place.precision == 1
    assert (place.name, place.entry.country if place.entry else None) == (name, country)
    assert sentence[place.start : place.end] == place.words
    assert place.note is not None and "dateline" in place.note


def test_a_place_the_lead_names_wins_over_the_dateline(gazetteer: Gazetteer) -> None:
    found = find_places("KYIV (Reuters) - Heavy fighting raged in Kharkiv region.", gazetteer)
    assert found[0].name == "Kharkiv region" and found[-1].reading == "dateline"


def test_a_dateline_of_two_places_places_nothing(gazetteer: Gazetteer) -> None:
    assert find_places("KYIV/MOSCOW (Reuters) - Talks stalled again.", gazetteer) == []


def test_a_name_and_a_dash_is_a_dateline_only_in_capitals_or_with_more() -> None:
    assert find_dateline("NATO — the alliance — met.") is not None  # the shape, read as one
    assert find_dateline("Kyiv — the capital — was calm.") is None  # a name needs more
    assert find_dateline("UN - the body met.") is None  # two letters: an acronym


def test_the_dateline_stays_in_the_quote_even_on_a_line_of_its_own(gazetteer: Gazetteer) -> None:
    for text in (
        "KYIV (Reuters) - Fresh shelling killed at least three people overnight, officials "
        "said.\n\nRescuers searched the rubble.",
        "KYIV (Reuters) -\n\nFresh shelling killed at least three people overnight, officials "
        "said.\n\nRescuers searched the rubble.",
        "WASHINGTON, Jan. 5 (Reuters) - Fresh shelling killed at least three people in Kyiv "
        "overnight, officials said.",
    ):
        sentences = split_sentences(text)
        assert sentences[0].start == 0 and all(text[s.start : s.end] == s.text for s in sentences)
        [draft] = draft_article(Article(text, DAY, "Test Wire"), gazetteer)
        assert draft.event.place.name == "Kyiv" and draft.event.place.geo_precision == 1
        assert draft.quotes[0].startswith(text.split(" ", 1)[0])
        assert all(quote in text for quote in draft.quotes)


def test_only_the_lead_has_the_dateline(gazetteer: Gazetteer) -> None:
    text = (
        "KYIV (Reuters) - Fresh shelling killed at least three people overnight.\n\n"
        "Elsewhere, talks on grain exports stalled, diplomats said."
    )
    first, second = split_sentences(text)
    assert find_places(first.text, gazetteer)[0].reading == "dateline"
    assert find_places(second.text, gazetteer) == []


# --- the place that was hit, and names in two words ------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "name"),
    [
        ("Russian drones hit Zaporizhzhia overnight, officials said.", "Zaporizhzhia"),
        ("Rockets struck Mykolaiv before dawn.", "Mykolaiv"),
        ("In the Dnipropetrovsk region, artillery fire on Nikopol wounded four people.", "Nikopol"),
        ("The shelling of Tiahynka damaged a school.", "Tiahynka"),  # a village of no population
        ("Families were trying to leave El Fasher on foot.", "El Fasher"),
    ],
)
def test_the_place_that_was_hit_is_the_place(
    gazetteer: Gazetteer, sentence: str, name: str
) -> None:
    place = best(sentence, gazetteer)
    assert (sentence[place.start : place.end], place.reading, place.precision) == (
        name,
        "target",
        1,
    )


def test_a_target_named_by_another_place_s_other_name_is_no_place(gazetteer: Gazetteer) -> None:
    # "Hamas" is one of Hamm's other names; "Kam'yanka" is only another spelling of Kamianka.
    assert find_places("Jets carried out strikes on Hamas overnight.", gazetteer) == []
    assert best("Drones struck Kamianka overnight.", gazetteer).reading == "target"


def test_in_the_town_of_is_as_sure_as_in(gazetteer: Gazetteer) -> None:
    found = find_places("Two died in the town of Kurakhove and one in Pokrovsk.", gazetteer)
    assert [m.reading for m in found[:2]] == ["locative", "locative"]
    assert found[0].name == "Kurakhove" and found[0].words == "in the town of Kurakhove"


def test_a_name_with_a_joined_article_is_one_name(gazetteer: Gazetteer) -> None:
    place = best("A strike killed four people in Deir el-Balah on Monday.", gazetteer)
    assert place.entry is not None and place.entry.country == "PS"
    assert place.words == "in Deir el-Balah"


def test_a_province_smaller_than_the_gazetteer_s_region_is_around_its_town(
    gazetteer: Gazetteer,
) -> None:
    # The gazetteer's region there is named after Agadir: Taroudant province is a part of it.
    place = best("Dozens more died in Taroudant province, the ministry said.", gazetteer)
    assert (place.name, place.precision, place.reading) == ("Taroudant", 2, "near")
    assert place.note is not None and "around Taroudant" in place.note


def test_the_region_a_capital_is_of_is_its_container(gazetteer: Gazetteer) -> None:
    found = find_places("Fighting reached Kadugli, the capital of South Kordofan state.", gazetteer)
    assert found[0].name == "Kadugli"
    assert [m.reading for m in found[1:]] == ["container"]
    assert [
        m.reading for m in find_places("Kyiv, the capital of Ukraine, was calm.", gazetteer)
    ] == [
        "town",
        "container",
    ]


def test_a_short_country_name_is_the_country_its_towns_are_in(gazetteer: Gazetteer) -> None:
    found = find_places("Gunmen killed 12 people near Bunia, in north-eastern Congo.", gazetteer)
    assert found[0].name == "Bunia"
    [congo] = [m for m in found if m.entry is not None and m.entry.kind == "country"]
    assert congo.entry is not None and congo.entry.country == "CD"
    assert congo.reading == "container"
    # The dateline's town settles it as well, and a qualifier the gazetteer cannot read is
    # left aside rather than losing the dateline.
    found = find_places(
        "BENI, Democratic Republic of Congo (Reuters) - Rebels raided a village in eastern Congo.",
        gazetteer,
    )
    assert [(m.reading, m.country) for m in found] == [("locative", "CD"), ("dateline", "CD")]
    # "Niger" is not a word of "Nigeria": no such reading.
    found = find_places("Troops clashed in Niger near Niamey.", gazetteer)
    assert {m.country for m in found} == {"NE"}


def test_an_organisation_that_reports_on_the_story_is_no_seat(gazetteer: Gazetteer) -> None:
    reports = find_places("The United Nations says thousands are trapped in the city.", gazetteer)
    assert [m.reading for m in reports if m.reading == "seat"] == []
    acts = find_places("The European Union placed new sanctions on the bank.", gazetteer)
    assert [m.name for m in acts if m.reading == "seat"] == ["Brussels"]


def test_a_dateline_with_its_agency_needs_no_dash(gazetteer: Gazetteer) -> None:
    sentence = (
        "Khartoum, Sep 16 (IANS) At least 40 civilians were killed in an attack on a village "
        "in central Sudan, according to a local committee."
    )
    found = find_places(sentence, gazetteer)
    # The lead's own place wins; the dateline's town does not make Sudan a mere container.
    assert (found[0].reading, found[0].name) == ("locative", "Sudan")
    assert [m.reading for m in found if m.name == "Khartoum"] == ["dateline"]
