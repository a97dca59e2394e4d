"""Search as readers type it (geo.search): places by any name, word forms, short terms as whole
words; the same answers in memory and in the engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.catalog import ListCatalog
from geo.filters import EventFilter, searchable_text
from geo.loader import load_events
from geo.search import Term, matches, terms_of
from geo.store import EventStore
from geo.text import fold
from tests.conftest import SHIPPED_EVENTS

KYIV = {"kyiv-convoy-maxar", "zelenskiy-eu-membership-request"}
KHARKIV = {
    "kharkiv-residential-shelling",
    "kharkiv-water-collection-deaths",
    "kharkiv-family-burned-in-car",
}
# Whole-word "UN": the UN ambassador, the UN human rights chief, the UN refugee agency.
UN = {"russia-un-ambassador-new-york", "bachelet-civilian-toll", "refugees-half-million"}


@pytest.fixture(scope="module")
def catalogs(tmp_path_factory: pytest.TempPathFactory) -> tuple[ListCatalog, EventStore]:
    dataset = load_events(SHIPPED_EVENTS)
    path = tmp_path_factory.mktemp("search") / "shipped.parquet"
    return ListCatalog(dataset), EventStore.write(dataset.events, path)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        *[(name, KYIV) for name in ("Kiev", "Kyiv", "Київ", "Киев", "kyiv")],
        *[(name, KHARKIV) for name in ("Kharkov", "Харків", "Харьков", "KHARKIV")],
        ("Маріуполь", {"mariupol-sunday-night-fighting"}),
        ("Mariupol", {"mariupol-sunday-night-fighting"}),
        ("refugees", {"refugees-half-million"}),
        ("refugee", {"refugees-half-million"}),
        ("UN", UN),
        ("un", UN),
    ],
)
def test_a_query_finds_the_same_events_in_memory_and_in_the_engine(
    catalogs: tuple[ListCatalog, EventStore], query: str, expected: set[str]
) -> None:
    memory, engine = catalogs
    event_filter = EventFilter(text=query)
    assert {e.id for e in memory.events(event_filter, limit=None)} == expected
    assert {e.id for e in engine.events(event_filter, limit=None)} == expected


def test_a_short_term_is_a_whole_word_not_letters_inside_words() -> None:
    events = load_events(SHIPPED_EVENTS).events
    inside = [e.id for e in events if "un" in searchable_text(e)]
    assert len(inside) > len(UN)  # "until", "fund", "union" … contain the letters
    (term,) = terms_of("UN")
    assert term == Term(("un",))
    assert not matches("the fund was unused until june", (term,))
    assert matches("the un refugee agency", (term,))


def test_a_places_short_other_names_are_whole_words_too() -> None:
    """Kyiv's other names include "Kiv": Kharkiv's text must not match it."""
    names = {"kiev": ["Kyiv", "Kiv", "Київ"]}
    terms = terms_of("Kiev", lambda text: names.get(text, []))
    assert terms == (Term(("kiev", "kyiv", "kiv", fold("Київ"))),)
    assert not matches("artillery hit kharkiv", terms)
    assert matches("a convoy north west of kyiv", terms)
    assert matches(fold("У Київ прибули"), terms)


def test_the_whole_query_is_a_place_before_its_words() -> None:
    names = {"kryvyi rih": ["Krivoy Rog", "Кривий Ріг"]}
    terms = terms_of("Kryvyi Rih", lambda text: names.get(text, []))
    assert terms == (Term(("kryvyi rih", "krivoy rog", fold("Кривий Ріг"))),)


def test_words_that_are_no_place_keep_their_forms() -> None:
    assert terms_of("casualties reported") == (
        Term(("casualties", "casualty")),
        Term(("reported",)),
    )
    assert terms_of("losses") == (Term(("losses", "loss")),)
    assert terms_of("") == ()


def test_the_engines_clauses_say_what_the_terms_say(tmp_path: Path) -> None:
    """Whole words of any script in SQL as in Python: "ЄС" (the EU in Ukrainian)."""
    from geo.search import sql_clauses

    clauses, params = sql_clauses((Term(("єс",)),))
    assert clauses == ["(regexp_matches(search, ?))"]
    import duckdb

    con = duckdb.connect()
    for text, found in (("санкції єс проти росії", True), ("пресс-служба", False)):
        sql = f"SELECT {clauses[0].replace('search', '?', 1)}"
        assert con.execute(sql, [text, *params]).fetchone() == (found,)
        assert matches(text, (Term(("єс",)),)) is found
