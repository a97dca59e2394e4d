from __future__ import annotations

import datetime as dt

import pytest

from geo import DataFileError, load_events, parse_events_text
from geo.loader import MAX_DEPTH
from tests.conftest import MINIMAL_EVENT, events_yaml


def problems_of(text: str) -> list[str]:
    with pytest.raises(DataFileError) as info:
        parse_events_text(text, "events.yaml")
    return [str(p) for p in info.value.problems]


def test_valid_file_loads_every_field(write_events):
    path = write_events(events_yaml("a", "b"))
    dataset = load_events(path)
    assert [e.id for e in dataset.events] == ["a", "b"]
    assert dataset.events[0].date == dt.date(2022, 2, 28)
    assert dataset.events[0].place.latitude == pytest.approx(49.9935)


def test_bare_list_is_accepted_as_events():
    text = events_yaml("a").replace("events:\n", "")
    text = "\n".join(line[2:] for line in text.splitlines())
    assert [e.id for e in parse_events_text(text).events] == ["a"]


def test_aliases_and_anchors_are_refused():
    text = "x: &a [1, 2]\nevents: *a\n"
    (problem,) = problems_of(text)
    assert "events.yaml:1" in problem and "anchors" in problem


def test_billion_laughs_is_refused_before_expansion():
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        prev = chr(ord("a") + i - 1)
        cur = chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]")
    (problem,) = problems_of("\n".join(lines))
    assert "not allowed" in problem


def test_deep_nesting_is_refused_with_a_clear_error():
    text = "events: " + "[" * 5000 + "]" * 5000
    (problem,) = problems_of(text)
    assert f"deeper than {MAX_DEPTH}" in problem


def test_python_object_tags_are_refused():
    (problem,) = problems_of("events:\n  - !!python/object/apply:os.system ['true']\n")
    assert "events.yaml:2" in problem and "tag" in problem


def test_yaml_11_surprises_are_not_retyped():
    # NO would be False, 010 would be 8 and 12:30 would be 750 under YAML 1.1.
    text = events_yaml("a").replace("country: UA", "country: NO")
    text = text.replace("title: A title", "title: '12:30'")
    text = text.replace("quote: Kharkiv", "quote: 010 Kharkiv")
    event = parse_events_text(text).events[0]
    assert event.place.country == "NO"
    assert event.title == "12:30"
    assert event.sources[0].quote.startswith("010 ")
    unquoted = events_yaml("a").replace("title: A title", "title: 12:30")
    assert parse_events_text(unquoted).events[0].title == "12:30"
    leading_zero = events_yaml("a").replace("title: A title", "title: 010")
    assert parse_events_text(leading_zero).events[0].title == "010"


def test_unknown_key_names_line_field_and_suggests_the_right_name():
    text = events_yaml("a").replace("    title: A title\n", "    title: A title\n    sumary: x\n")
    (problem,) = problems_of(text)
    assert problem.startswith("events.yaml:4 [events[0] (id a).sumary]")
    assert "Did you mean 'summary'?" in problem


def test_duplicate_ids_are_rejected_naming_both_lines():
    (problem,) = problems_of(events_yaml("same", "same"))
    first_line = 2
    second_line = 2 + MINIMAL_EVENT.count("\n")
    assert f"events.yaml:{second_line} [events[1].id]" in problem
    assert f"on line {first_line}" in problem


def test_duplicate_keys_are_rejected():
    text = events_yaml("a").replace("    title: A title\n", "    title: A\n    title: B\n")
    (problem,) = problems_of(text)
    assert "given twice" in problem and "events.yaml:4" in problem


def test_several_errors_are_reported_at_once_each_with_line_and_field():
    text = events_yaml("ok", "bad")
    second = text.index("  - id: bad")
    broken = text[second:]
    broken = broken.replace("event_type: shelling", "event_type: shellin")
    broken = broken.replace("latitude: 49.9935", "latitude: 99")
    broken = broken.replace("date: 2022-02-28\n    place", "date: 2022-02-30\n    place")
    problems = problems_of(text[:second] + broken)
    assert len(problems) == 3
    joined = "\n".join(problems)
    assert "(id bad).event_type]: 'shellin' is not a known value" in joined
    assert "(id bad).place.latitude]" in joined and "less than or equal to 90" in joined
    assert "(id bad).date]" in joined and "YYYY-MM-DD" in joined
    assert all(p.startswith("events.yaml:") for p in problems)


def test_a_bad_file_never_half_loads():
    text = events_yaml("ok", "bad").replace("id: bad", "id: BAD ID")
    with pytest.raises(DataFileError):
        parse_events_text(text)


def test_non_http_links_are_refused():
    text = events_yaml("a").replace(
        "        date: 2022-02-28\n        quote",
        "        url: javascript:alert(1)\n        date: 2022-02-28\n        quote",
    )
    (problem,) = problems_of(text)
    assert "sources[0].url" in problem and "http" in problem


def test_range_needs_an_end_after_the_start():
    text = events_yaml("a").replace(
        "    date: 2022-02-28\n    place",
        "    date: 2022-02-28\n    time_precision: range\n    place",
    )
    assert "needs a date_end" in problems_of(text)[0]
    text2 = text.replace("time_precision: range", "time_precision: range\n    date_end: 2022-02-01")
    assert "before date" in problems_of(text2)[0]


def test_geometry_must_be_lon_lat_and_well_formed():
    geometry = "    geometry: {type: LineString, coordinates: [[30.2, 95.0], [30.3, 50.6]]}\n"
    text = events_yaml("a").replace("    sources:", geometry + "    sources:")
    problem = problems_of(text)[0]
    assert "[longitude, latitude]" in problem and "geometry" in problem


def test_unknown_country_code_is_refused():
    text = events_yaml("a").replace("country: UA", "country: QQ")
    assert "ISO 3166-1" in problems_of(text)[0]


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(DataFileError) as info:
        load_events(tmp_path / "nope.yaml")
    assert "nope.yaml" in str(info.value) and "not found" in str(info.value)


def test_size_cap(write_events):
    path = write_events(events_yaml("a") + "#" * 2000)
    with pytest.raises(DataFileError) as info:
        load_events(path, max_bytes=1000)
    assert "limit" in str(info.value)


def test_non_utf8_file_names_the_line(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(events_yaml("a").replace("A title", "Kharkiv caf\xe9").encode("latin-1"))
    with pytest.raises(DataFileError) as info:
        load_events(path)
    assert "latin1.yaml:3" in str(info.value) and "UTF-8" in str(info.value)


def test_empty_and_invalid_yaml(write_events):
    with pytest.raises(DataFileError) as empty:
        load_events(write_events(""))
    assert "empty" in str(empty.value)
    with pytest.raises(DataFileError) as broken:
        load_events(write_events("events: [\n"))
    assert "not valid YAML" in str(broken.value)
    with pytest.raises(DataFileError) as scalar:
        load_events(write_events("just text\n"))
    assert "mapping" in str(scalar.value)
