"""Two editors' versions of one event merged field by field (geo.desk.merge), and the form's
rule that a save only replaces the fields its editor changed (geo.desk.form.edited_data)."""

from __future__ import annotations

from typing import Any

import pytest

from geo.desk.form import edited_data, form_data, form_field, form_values
from geo.desk.merge import data_of, fields_of, merge3, path_label, shown

BASE: dict[str, Any] = {
    "id": "kharkiv-shelling",
    "title": "Shelling of Kharkiv",
    "event_type": "shelling",
    "date": "2022-02-28",
    "place": {
        "name": "Kharkiv",
        "country": "UA",
        "admin1": "Kharkiv Oblast",
        "latitude": 49.99,
        "longitude": 36.23,
        "geo_precision": 1,
    },
    "actors": ["Russian forces"],
    "fatalities": [{"value": 1, "claimed_by": "Governor", "note": "a child"}],
    "injured": [{"value": 2, "claimed_by": "Governor"}],
    "sources": [
        {"publisher": "Wire", "date": "2022-02-28", "quote": "Shelling hit Kharkiv."},
        {"publisher": "Paper", "date": "2022-02-28", "quote": "Homes were hit."},
    ],
    "summary": "Old summary.",
    "labels": {"event_type": "Explosions/Remote violence"},
}


def changed(**fields: Any) -> dict[str, Any]:
    return {**BASE, **fields}


def test_fields_round_trip() -> None:
    assert data_of(fields_of(BASE)) == BASE


def test_each_side_keeps_what_only_it_changed() -> None:
    theirs = changed(title="A better title", injured=[{"value": 3, "claimed_by": "Governor"}])
    yours = changed(summary="New summary.")
    merged = merge3(BASE, yours, theirs)
    assert merged.conflicts == []
    assert merged.data == changed(
        title="A better title",
        injured=[{"value": 3, "claimed_by": "Governor"}],
        summary="New summary.",
    )
    assert merged.taken_from_theirs == ["Title", "Injured, figure 1"]
    assert merged.kept_from_yours == ["Summary"]


def test_the_same_change_on_both_sides_is_no_conflict() -> None:
    both = changed(title="Same fix")
    merged = merge3(BASE, both, both)
    assert merged.conflicts == [] and merged.data["title"] == "Same fix"


def test_a_field_both_changed_differently_is_a_conflict_with_both_values() -> None:
    merged = merge3(BASE, changed(title="Mine"), changed(title="Theirs"))
    [conflict] = merged.conflicts
    assert (conflict.key, conflict.label) == ("title", "Title")
    assert (conflict.before, conflict.yours, conflict.theirs) == (
        "Shelling of Kharkiv",
        "Mine",
        "Theirs",
    )
    assert merged.data["title"] == "Mine"  # unsettled: your side, for the form
    assert (
        merge3(BASE, changed(title="Mine"), changed(title="Theirs"), {"title": "theirs"}).data[
            "title"
        ]
        == "Theirs"
    )


def test_list_items_merge_one_by_one() -> None:
    edited_second = [BASE["sources"][0], {**BASE["sources"][1], "quote": "Homes and a school."}]
    added_third = [*BASE["sources"], {"publisher": "Radio", "quote": "Sirens all night."}]
    merged = merge3(BASE, changed(sources=added_third), changed(sources=edited_second))
    assert merged.conflicts == []
    assert merged.data["sources"] == [*edited_second, added_third[2]]


def test_both_adding_an_item_keeps_both() -> None:
    mine = [*BASE["sources"], {"publisher": "Mine", "quote": "m"}]
    theirs = [*BASE["sources"], {"publisher": "Theirs", "quote": "t"}]
    merged = merge3(BASE, changed(sources=mine), changed(sources=theirs))
    assert merged.conflicts == []
    assert [s["publisher"] for s in merged.data["sources"]] == ["Wire", "Paper", "Theirs", "Mine"]


def test_one_figure_changed_by_both_is_named_as_the_form_names_it() -> None:
    mine = changed(injured=[{"value": 4, "claimed_by": "Governor"}])
    theirs = changed(injured=[{"value": 3, "claimed_by": "Governor"}])
    [conflict] = merge3(BASE, mine, theirs).conflicts
    assert conflict.label == "Injured, figure 1"
    assert shown(conflict.key, conflict.yours) == "Injured: 4, claimed by Governor"
    assert shown(conflict.key, conflict.theirs) == "Injured: 3, claimed by Governor"


def test_a_removed_item_that_the_other_side_edited_is_a_conflict() -> None:
    removed = changed(sources=[BASE["sources"][0]])
    edited = changed(sources=[BASE["sources"][0], {**BASE["sources"][1], "quote": "Edited."}])
    [conflict] = merge3(BASE, removed, edited).conflicts
    assert conflict.label == "Source 2"
    assert conflict.yours == [] and conflict.theirs == [edited["sources"][1]]


def test_the_place_merges_as_the_form_shows_it() -> None:
    moved = changed(place={**BASE["place"], "latitude": 50.0, "longitude": 36.3})
    renamed_country = changed(place={**BASE["place"], "geo_precision": 2})
    merged = merge3(BASE, moved, renamed_country)
    assert merged.conflicts == []
    assert merged.data["place"] == {
        **BASE["place"],
        "latitude": 50.0,
        "longitude": 36.3,
        "geo_precision": 2,
    }
    assert merged.taken_from_theirs == ["Location precision"]
    assert merged.kept_from_yours == ["Latitude and longitude"]


@pytest.mark.parametrize(
    ("path", "label"),
    [
        ("injured[0].value", "Injured, figure 1: number"),
        ("fatalities[1].claimed_by", "Killed, figure 2: claimed by"),
        ("sources[1].quote", "Source 2: exact quote"),
        ("actors[0]", "Actor 1"),
        ("place.latitude", "Latitude"),
        ("place.geocoded.matched_name", "Place found by: matched name"),
        ("labels.event_type", "Source label: event_type"),
        ("summary", "Summary"),
        ("title", "Title"),
    ],
)
def test_history_fields_are_named_as_the_form_names_them(path: str, label: str) -> None:
    assert path_label(path) == label


# --------------------------------------------------------------------------- the form


def test_a_save_from_the_form_changes_only_what_the_editor_changed() -> None:
    """The form shows no region and writes an empty summary as ""; neither is a change."""
    values = form_values(BASE)
    values["title"] = "Corrected title"
    result = edited_data(BASE, form_data(values, keep=BASE))
    assert result == changed(title="Corrected title")


def test_an_untouched_form_changes_nothing() -> None:
    without_summary = {k: v for k, v in BASE.items() if k != "summary"}
    values = form_values(without_summary)
    assert edited_data(without_summary, form_data(values, keep=without_summary)) == (
        without_summary
    )


def test_figure_notes_and_actor_names_with_commas_survive_the_form() -> None:
    data = changed(actors=["Police Forces of Ukraine (2019-), Kharkiv"])
    values = form_values(data)
    assert values["actors"] == [{"name": "Police Forces of Ukraine (2019-), Kharkiv"}]
    assert values["figures"][0]["note"] == "a child"
    values["figures"][1]["value"] = 5
    result = edited_data(data, form_data(values, keep=data))
    assert result["actors"] == ["Police Forces of Ukraine (2019-), Kharkiv"]
    assert result["fatalities"] == [{"value": 1, "claimed_by": "Governor", "note": "a child"}]
    assert result["injured"] == [{"value": 5, "claimed_by": "Governor"}]


def test_a_renamed_place_drops_the_old_region() -> None:
    values = form_values(BASE)
    values.update(place_name="Kupiansk", latitude="49.71", longitude="37.61")
    result = edited_data(BASE, form_data(values, keep=BASE))
    assert result["place"]["name"] == "Kupiansk"
    assert "admin1" not in result["place"]
    assert (result["place"]["latitude"], result["place"]["longitude"]) == (49.71, 37.61)


def test_problems_point_at_the_form_row_they_concern() -> None:
    values = form_values(BASE)
    # Figures are one list in the form: the killed row first, then the injured one.
    assert form_field("injured[0].value", values).row == 1  # type: ignore[union-attr]
    assert form_field("fatalities[0].claimed_by", values).row == 0  # type: ignore[union-attr]
    values["sources"].insert(0, {"publisher": "", "url": "", "date": "", "quote": ""})
    found = form_field("sources[0].quote", values)
    assert found is not None and (found.name, found.row, found.column) == ("sources", 1, "quote")
    assert form_field("place.latitude", values).name == "latitude"  # type: ignore[union-attr]
    assert form_field("place", values).name == "place_name"  # type: ignore[union-attr]


def test_an_item_added_next_to_one_the_other_side_edited_keeps_both() -> None:
    # Figures are one list, killed before injured: a new killed figure sits just before the
    # injured one the other editor corrected.
    added = changed(fatalities=[*BASE["fatalities"], {"value": 4, "claimed_by": "Police"}])
    corrected = changed(injured=[{"value": 3, "claimed_by": "Governor"}])
    merged = merge3(BASE, added, corrected)
    assert merged.conflicts == []
    assert merged.data["fatalities"] == added["fatalities"]
    assert merged.data["injured"] == [{"value": 3, "claimed_by": "Governor"}]
