from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from geo.filters import EventFilter
from geo.urlstate import MapView, ViewState, parse_query, to_query
from geo.vocabulary import EventType


def test_round_trip_of_a_full_view():
    state = ViewState(
        EventFilter(
            types=frozenset({EventType.SHELLING, EventType.ARMED_CLASH}),
            date_from=dt.date(2022, 2, 24),
            date_to=dt.date(2022, 2, 28),
            countries=frozenset({"UA"}),
            text="Kharkiv, residential",
            precisions=frozenset({1, 2}),
        ),
        selected="kharkiv-residential-shelling",
        view=MapView(49.9935, 36.2304, 8),
        tiles="osm",
        layer="density",
    )
    query = to_query(state)
    parsed, ignored = parse_query({k: [v] if isinstance(v, str) else v for k, v in query.items()})
    assert ignored == []
    assert parsed == state


def test_defaults_make_an_empty_query():
    assert to_query(ViewState()) == {}
    assert parse_query({}) == (ViewState(), [])


def test_the_layer_is_markers_or_density():
    assert parse_query({"layer": ["density"]})[0].layer == "density"
    state, ignored = parse_query({"layer": ["heat<script>"]})
    assert state.layer == "markers" and ignored == ["layer"]
    assert "layer" not in to_query(ViewState(layer="markers"))


def test_each_bad_field_is_ignored_alone():
    params = {
        "type": ["shelling,<script>"],
        "from": ["2022-13-01"],
        "to": ["2022-02-28"],
        "country": ["UA,ukraine"],
        "q": ["x" * 500],
        "prec": ["1,9"],
        "event": ["<img src=x>"],
        "lat": ["NaN"],
        "lon": ["30"],
        "z": ["5"],
        "tiles": ["javascript:alert(1)"],
    }
    state, ignored = parse_query(params)
    assert state.event_filter.types == {EventType.SHELLING}
    assert state.event_filter.date_from is None
    assert state.event_filter.date_to == dt.date(2022, 2, 28)
    assert state.event_filter.countries == {"UA"}
    assert state.event_filter.text == ""
    assert state.event_filter.precisions == {1}
    assert state.selected is None and state.view is None and state.tiles == "offline"
    assert set(ignored) == {
        "type",
        "from",
        "country",
        "q",
        "prec",
        "event",
        "map view (lat/lon/z)",
        "tiles",
    }


def test_zoom_is_clamped_and_coordinates_range_checked():
    state, _ = parse_query({"lat": ["50.1"], "lon": ["30.5"], "z": ["40"]})
    assert state.view == MapView(50.1, 30.5, 18)
    state, ignored = parse_query({"lat": ["91"], "lon": ["30.5"], "z": ["5"]})
    assert state.view is None and ignored


def test_repeated_keys_are_all_read():
    state, ignored = parse_query({"type": ["shelling", "armed_clash"]})
    assert state.event_filter.types == {EventType.SHELLING, EventType.ARMED_CLASH}
    assert ignored == []


@given(
    st.dictionaries(
        st.sampled_from(
            [
                "type",
                "from",
                "to",
                "country",
                "q",
                "prec",
                "event",
                "lat",
                "lon",
                "z",
                "tiles",
                "zz",
            ]
        ),
        st.lists(st.text(max_size=300), max_size=4),
    )
)
def test_any_hostile_query_parses_without_raising_and_yields_only_clean_values(params):
    state, _ = parse_query(params)
    f = state.event_filter
    assert all(isinstance(t, EventType) for t in f.types)
    assert all(len(c) == 2 and c.isupper() for c in f.countries)
    assert f.precisions <= {0, 1, 2, 3}  # 0: the source did not say (README, URL parameters)
    assert len(f.text) <= 200
    assert state.selected is None or all(ch.isalnum() or ch in "-_" for ch in state.selected)
    assert state.tiles in {"offline", "osm"}
    if state.view is not None:
        assert -90 <= state.view.lat <= 90 and -180 <= state.view.lon <= 180
        assert 2 <= state.view.zoom <= 18
