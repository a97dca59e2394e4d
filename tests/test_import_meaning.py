"""Imports true to the source: types by meaning, every link cited by its own site, named
categories as labels, no quote that is not the source's words.

The files are small ones written here in the shape of real exports: an OSINT tracker's GeoJSON
(free-text kinds, ACLED's names among them), the CIR Russia–Ukraine monitor's CSV (`event_group`
with months in the label), and a TimeMap/Bellingcat civilian-harm JSON (no kind at all, up to
twenty links per incident, `filters` of key and value).
"""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path

import pytest

from geo.cli import main
from geo.errors import SettingError
from geo.export import to_csv
from geo.io.importer import LABELS_COUNTED, import_file, table_shape
from geo.io.meaning import Meaning, links_in, load_types_file, publisher_of_link
from geo.map.popup import popup_html
from geo.model import Event
from geo.vocabulary import EventType

T = EventType

# (the tracker's kind, how many rows): the kinds the issue counted, in the same proportions.
TRACKER_KINDS = [
    ("Missile Strike", 11),
    ("Drone Strike", 10),
    ("Airstrike", 9),
    ("Artillery", 9),
    ("Explosions/Remote violence", 27),
    ("Battles", 6),
    ("Violence against civilians", 3),
    ("Unknown", 2),
]
CIR_GROUPS = [
    "Civilian Infrastructure Damage March 2022",
    "Bombing or Explosion Feb - June",
    "Russian Military Presence February 2022",
    "Civilian Casualty",
    "Military Losses",
    "Ukrainian Military Presence April 2022",
]


def tracker_geojson(path: Path) -> Path:
    features = []
    for kind, count in TRACKER_KINDS:
        for i in range(count):
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [36.2 + i * 0.01, 49.9]},
                    "properties": {
                        "date": f"2022-03-{1 + i % 28:02d}",
                        "type": kind,
                        "location": "Kharkiv",
                        "source": f"https://twitter.com/osint_watch/status/{len(features)}",
                    },
                }
            )
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def cir_csv(path: Path) -> Path:
    lines = ["id,date,latitude,longitude,location,event_group,description,url"]
    for i, group in enumerate(CIR_GROUPS * 3):
        links = f"https://t.me/s/kharkiv_news/{i}; https://www.bbc.co.uk/news/world-{i}"
        lines.append(
            f"CIR-{i},2022-03-{1 + i:02d},49.99,36.23,Kharkiv,{group},"
            f'"Footage shows damage, day {i}","{links}"'
        )
    path.write_text("\n".join(lines) + "\n")
    return path


def civharm_json(path: Path) -> Path:
    records = []
    for i in range(4):
        records.append(
            {
                "id": f"CIV{i:04d}",
                "date": "02/24/2022",
                "latitude": "49.85005",
                "longitude": "36.659031",
                "location": "Chuhuiv, south of Kharkiv",
                "description": f"Apartment block hit, incident {i}.",
                "sources": [
                    {
                        "id": f"src_{i}_{n}",
                        "path": link,
                        "description": "Apartment block hit by missile",
                    }
                    for n, link in enumerate(
                        [
                            f"https://twitter.com/Michael1Sheldon/status/14967{i}",
                            f"https://t.me/kharkiv_official/{i}",
                            f"https://www.reuters.com/world/europe/story-{i}",
                        ]
                    )
                ],
                "filters": [
                    {"key": "Weapon System", "value": "Missile"},
                    {"key": "Type of area affected", "value": "Residential"},
                    {"key": "Type of area affected", "value": "Commercial"},
                ],
            }
        )
    path.write_text(json.dumps(records))
    return path


def share_other(events: list[Event]) -> float:
    return sum(e.event_type is T.OTHER for e in events) / len(events)


# --- types -------------------------------------------------------------------------------------


def test_a_trackers_free_text_kinds_become_our_types_and_keep_their_label(tmp_path: Path) -> None:
    result = import_file(tracker_geojson(tmp_path / "tracker.geojson"))
    assert result.skipped == 0, result.problems
    kinds = Counter((e.labels["type"], e.event_type) for e in result.events)
    assert kinds[("Missile Strike", T.SHELLING)] == 11
    assert kinds[("Drone Strike", T.AIR_STRIKE)] == 10
    assert kinds[("Airstrike", T.AIR_STRIKE)] == 9
    assert kinds[("Artillery", T.SHELLING)] == 9
    assert kinds[("Explosions/Remote violence", T.SHELLING)] == 27
    assert kinds[("Battles", T.ARMED_CLASH)] == 6
    assert kinds[("Violence against civilians", T.ATTACK_ON_CIVILIANS)] == 3
    # Only a label that says nothing stays "other": 2 of 77.
    assert kinds[("Unknown", T.OTHER)] == 2
    assert share_other(result.events) <= 0.10
    # Its "source" property holds a link: cited by the link's site, never as a name.
    first = result.events[0].sources
    assert [(s.publisher, s.url) for s in first] == [
        ("X/Twitter: @osint_watch", "https://twitter.com/osint_watch/status/0")
    ]


def test_cir_groups_with_months_in_their_names_are_read_by_their_words(tmp_path: Path) -> None:
    result = import_file(cir_csv(tmp_path / "cir.csv"))
    assert result.skipped == 0, result.problems
    assert result.mapping["event_group"] == "event_type"
    by_group = {e.labels["event_group"]: e.event_type for e in result.events}
    assert by_group == {
        "Civilian Infrastructure Damage March 2022": T.ATTACK_ON_CIVILIANS,
        "Bombing or Explosion Feb - June": T.SHELLING,
        "Russian Military Presence February 2022": T.MILITARY_MOVEMENT,
        "Civilian Casualty": T.ATTACK_ON_CIVILIANS,
        "Military Losses": T.ARMED_CLASH,
        "Ukrainian Military Presence April 2022": T.MILITARY_MOVEMENT,
    }
    assert share_other(result.events) == 0


def test_the_users_types_come_before_the_rules_and_a_kindless_file_gets_one_type(
    tmp_path: Path,
) -> None:
    path = tracker_geojson(tmp_path / "tracker.geojson")
    meaning = Meaning({"artillery": T.ARMED_CLASH, "unknown": T.SHELLING})
    result = import_file(path, meaning=meaning)
    kinds = Counter((e.labels["type"], e.event_type) for e in result.events)
    assert kinds[("Artillery", T.ARMED_CLASH)] == 9
    assert kinds[("Unknown", T.SHELLING)] == 2
    assert kinds[("Missile Strike", T.SHELLING)] == 11  # the rest as the rules read them

    harm = civharm_json(tmp_path / "bellingcat_civharm_2023-06-01.json")
    plain = import_file(harm)
    assert {e.event_type for e in plain.events} == {T.OTHER}
    chosen = import_file(harm, meaning=Meaning(default_type=T.ATTACK_ON_CIVILIANS))
    assert {e.event_type for e in chosen.events} == {T.ATTACK_ON_CIVILIANS}
    assert chosen.events[0].title == "Civilians harmed: Chuhuiv, south of Kharkiv"


def test_types_file_and_type_on_the_command_line(tmp_path: Path) -> None:
    types = tmp_path / "types.yaml"
    types.write_text("Artillery: air_strike\nUnknown: Armed clash\n")
    assert load_types_file(types) == {"artillery": T.AIR_STRIKE, "unknown": T.ARMED_CLASH}
    out, err = io.StringIO(), io.StringIO()
    source = tracker_geojson(tmp_path / "tracker.geojson")
    target = tmp_path / "events.yaml"
    code = main(["import", str(source), "--out", str(target), "--types", str(types)], out, err)
    assert code == 0, err.getvalue()
    text = target.read_text()
    assert text.count("event_type: air_strike") == 10 + 9 + 9  # drone, airstrike, artillery
    assert text.count("event_type: armed_clash") == 6 + 2

    harm = civharm_json(tmp_path / "civharm.json")
    target2 = tmp_path / "harm.yaml"
    argv = ["import", str(harm), "--out", str(target2), "--type", "attack_on_civilians"]
    assert main([*argv, "--publisher", "Bellingcat"], out, err) == 0, err.getvalue()
    assert target2.read_text().count("event_type: attack_on_civilians") == 4


def test_a_wrong_type_is_refused_before_reading_naming_the_entry(tmp_path: Path) -> None:
    types = tmp_path / "types.yaml"
    types.write_text("Missile Strike: missiles\n")
    with pytest.raises(SettingError, match=r"'Missile Strike': 'missiles' is not one of our types"):
        load_types_file(types)
    out, err = io.StringIO(), io.StringIO()
    source = tracker_geojson(tmp_path / "tracker.geojson")
    argv = ["import", str(source), "--out", str(tmp_path / "e.yaml"), "--type", "bombing"]
    assert main(argv, out, err) != 0
    assert "--type 'bombing' is not one of our types" in err.getvalue()
    assert not (tmp_path / "e.yaml").exists()


# --- sources -----------------------------------------------------------------------------------


def test_every_link_is_kept_in_order_and_cited_by_its_own_site(tmp_path: Path) -> None:
    path = civharm_json(tmp_path / "bellingcat_civharm_2023-06-01.json")
    result = import_file(path, meaning=Meaning(publisher="Bellingcat"))
    assert result.skipped == 0, result.problems
    first = result.events[0]
    assert [(s.publisher, s.url) for s in first.sources] == [
        ("X/Twitter: @Michael1Sheldon", "https://twitter.com/Michael1Sheldon/status/149670"),
        ("Telegram: kharkiv_official", "https://t.me/kharkiv_official/0"),
        ("reuters.com", "https://www.reuters.com/world/europe/story-0"),
    ]
    # The dataset's description is its summary, never a quote of a link.
    assert first.summary == "Apartment block hit, incident 0."
    assert all(s.quote is None for s in first.sources)
    publishers = {s.publisher for e in result.events for s in e.sources}
    assert not any("civharm" in p or ".json" in p for p in publishers)
    assert "blockquote" not in popup_html(first)


def test_a_cell_of_several_links_cites_each_and_a_row_without_links_cites_the_dataset(
    tmp_path: Path,
) -> None:
    result = import_file(cir_csv(tmp_path / "cir_monitor.csv"))
    assert [s.publisher for s in result.events[0].sources] == [
        "Telegram: kharkiv_news",
        "bbc.co.uk",
    ]
    bare = tmp_path / "bare.csv"
    bare.write_text("date,latitude,longitude,description\n2022-03-01,49.99,36.23,Shelling\n")
    unnamed = import_file(bare).events[0].sources
    assert [(s.publisher, s.url, s.quote) for s in unnamed] == [("publisher not given", None, None)]
    named = import_file(bare, meaning=Meaning(publisher="CIR")).events[0].sources
    assert named[0].publisher == "CIR"


def test_sources_without_quotes_come_back_from_our_csv(tmp_path: Path) -> None:
    events = import_file(civharm_json(tmp_path / "harm.json")).events
    path = tmp_path / "export.csv"
    path.write_text(to_csv(events))
    again = import_file(path)
    assert again.skipped == 0, again.problems
    assert [e.sources for e in again.events] == [e.sources for e in events]
    assert [e.labels for e in again.events] == [e.labels for e in events]


def test_only_an_imported_event_may_cite_a_source_without_its_words() -> None:
    data = {
        "id": "hand-made",
        "title": "Hand-made event",
        "event_type": "shelling",
        "date": "2022-03-01",
        "place": {"name": "Kharkiv", "latitude": 49.99, "longitude": 36.23, "geo_precision": 1},
        "sources": [{"publisher": "Wire", "date": "2022-03-01"}],
    }
    with pytest.raises(ValueError, match=r"source 1 \(Wire\) has no quote"):
        Event.model_validate(data)
    imported = {**data, "origin": {"format": "csv", "file": "x.csv", "row": 2}}
    assert Event.model_validate(imported).sources[0].quote is None


@pytest.mark.parametrize(
    ("url", "publisher"),
    [
        (
            "https://twitter.com/Michael1Sheldon/status/1496717647089651716",
            "X/Twitter: @Michael1Sheldon",
        ),
        ("https://x.com/DefenceU/status/1", "X/Twitter: @DefenceU"),
        ("https://mobile.twitter.com/i/web/status/1", "X/Twitter"),
        ("https://t.me/s/truexanewsua/123", "Telegram: truexanewsua"),
        ("https://t.me/kharkiv_official/7", "Telegram: kharkiv_official"),
        ("https://www.youtube.com/watch?v=abc", "YouTube"),
        ("https://www.bbc.co.uk/news/world-europe-1", "bbc.co.uk"),
        ("https://edition.cnn.com/2022/03/01/x", "edition.cnn.com"),
    ],
)
def test_the_publisher_of_a_link_is_its_site(url: str, publisher: str) -> None:
    assert publisher_of_link(url) == publisher


def test_links_are_found_in_a_cell_whatever_separates_them() -> None:
    cell = "https://a.org/1; https://b.org/2, https://a.org/1\nhttps://c.org/3)."
    assert links_in(cell) == ["https://a.org/1", "https://b.org/2", "https://c.org/3"]


# --- labels ------------------------------------------------------------------------------------


def test_named_categories_become_named_labels_not_tags(tmp_path: Path) -> None:
    result = import_file(civharm_json(tmp_path / "harm.json"))
    first = result.events[0]
    assert first.labels == {
        "Weapon System": "Missile",
        "Type of area affected": "Residential; Commercial",
    }
    assert first.tags == []


def test_the_type_step_is_offered_for_geojson_with_each_labels_rows(tmp_path: Path) -> None:
    shape = table_shape(tracker_geojson(tmp_path / "tracker.geojson"))
    assert shape is not None and shape.format == "geojson"
    assert shape.guessed["type"] == "event_type"
    assert shape.values["type"]["Explosions/Remote violence"] == 27
    assert shape.values["type"]["Missile Strike"] == 11
    csv_shape = table_shape(cir_csv(tmp_path / "cir.csv"))
    assert csv_shape is not None and csv_shape.values["event_group"]["Civilian Casualty"] == 3


def test_a_column_of_many_values_is_not_counted_as_labels(tmp_path: Path) -> None:
    path = tmp_path / "many.csv"
    rows = [f"2022-03-01,49.99,36.23,Shelling,report number {i}" for i in range(LABELS_COUNTED + 1)]
    path.write_text("date,latitude,longitude,type,description\n" + "\n".join(rows) + "\n")
    shape = table_shape(path)
    assert shape is not None
    assert shape.values["type"] == {"Shelling": LABELS_COUNTED + 1}
    assert "description" not in shape.values


EXTERNAL = Path(__file__).resolve().parents[2] / "shared" / "external"


def test_ucdp_s_links_are_kept_and_only_its_headlines_are_quoted() -> None:
    path = EXTERNAL / "ucdp_ged221_ukraine.csv"
    if not path.exists():
        pytest.skip(f"{path} is absent: the real UCDP export is read from ../shared/external")
    events = import_file(path).events
    linked = [s for e in events for s in e.sources if s.url]
    assert linked and all((s.url or "").startswith(("http://", "https://")) for s in linked)
    assert any((s.url or "").startswith("https://www.unian.info/") for s in linked)
    quotes = [s.quote for e in events for s in e.sources if s.quote]
    assert not any(q.startswith("(no ") for q in quotes)
