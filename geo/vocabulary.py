"""The event-type vocabulary: what each type means, how it looks, and where it sits in ACLED.

ACLED's six event types and their sub-event types are the reference most conflict analysts
already use; a type maps onto them where one fits and says `None` where ACLED has no equivalent
(sanctions, for example, are not ACLED events).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class EventType(StrEnum):
    SHELLING = "shelling"
    AIR_STRIKE = "air_strike"
    ARMED_CLASH = "armed_clash"
    ATTACK_ON_CIVILIANS = "attack_on_civilians"
    TERRITORY_SEIZED = "territory_seized"
    MILITARY_MOVEMENT = "military_movement"
    NEGOTIATIONS = "negotiations"
    SANCTIONS = "sanctions"
    DIPLOMACY = "diplomacy"
    STATEMENT = "statement"
    CASUALTY_REPORT = "casualty_report"
    DISPLACEMENT = "displacement"
    HUMANITARIAN = "humanitarian"
    MILITARY_AID = "military_aid"
    ECONOMIC = "economic"
    PROTEST = "protest"
    OTHER = "other"


@dataclass(frozen=True)
class TypeStyle:
    label: str
    description: str
    colour: str
    symbol: str
    shape: str  # CSS shape of the marker, so types differ by more than colour
    acled_event_type: str | None
    acled_sub_event_type: str | None


VOCABULARY: dict[EventType, TypeStyle] = {
    EventType.SHELLING: TypeStyle(
        "Shelling / missile attack",
        "Artillery, rocket or missile fire on a place.",
        "#d62728",
        "✸",
        "circle",
        "Explosions/Remote violence",
        "Shelling/artillery/missile attack",
    ),
    EventType.AIR_STRIKE: TypeStyle(
        "Air or drone strike",
        "Bombing or strike from aircraft or drones.",
        "#e8590c",
        "✈",
        "circle",
        "Explosions/Remote violence",
        "Air/drone strike",
    ),
    EventType.ARMED_CLASH: TypeStyle(
        "Armed clash",
        "Fighting between armed forces.",
        "#8b0000",
        "⚔",
        "diamond",
        "Battles",
        "Armed clash",
    ),
    EventType.ATTACK_ON_CIVILIANS: TypeStyle(
        "Civilians harmed",
        "Civilians killed or injured in a specific incident.",
        "#a61e4d",
        "✚",
        "circle",
        "Violence against civilians",
        "Attack",
    ),
    EventType.TERRITORY_SEIZED: TypeStyle(
        "Territory seized",
        "Control of a place changes hands.",
        "#5f3dc4",
        "⚑",
        "diamond",
        "Strategic developments",
        "Non-violent transfer of territory",
    ),
    EventType.MILITARY_MOVEMENT: TypeStyle(
        "Military movement",
        "Troops, convoys or equipment on the move.",
        "#495057",
        "➜",
        "square",
        "Strategic developments",
        "Other",
    ),
    EventType.NEGOTIATIONS: TypeStyle(
        "Negotiations",
        "Talks between the parties to the conflict.",
        "#1971c2",
        "⚖",
        "square",
        "Strategic developments",
        "Agreement",
    ),
    EventType.SANCTIONS: TypeStyle(
        "Sanctions",
        "Economic or political sanctions imposed.",
        "#e67700",
        "⊘",
        "square",
        None,
        None,
    ),
    EventType.DIPLOMACY: TypeStyle(
        "Diplomacy",
        "Diplomatic acts: requests, expulsions, accession bids.",
        "#0c8599",
        "✉",
        "square",
        None,
        None,
    ),
    EventType.STATEMENT: TypeStyle(
        "Statement",
        "A public statement by an official or organisation.",
        "#868e96",
        "❝",
        "square",
        None,
        None,
    ),
    EventType.CASUALTY_REPORT: TypeStyle(
        "Casualty report",
        "A cumulative count of dead or injured, not one incident.",
        "#c2255c",
        "†",
        "triangle",
        None,
        None,
    ),
    EventType.DISPLACEMENT: TypeStyle(
        "Displacement",
        "People fleeing or displaced.",
        "#2f9e44",
        "⇢",
        "triangle",
        None,
        None,
    ),
    EventType.HUMANITARIAN: TypeStyle(
        "Humanitarian",
        "Aid, shelter, supplies of water, food or medicine.",
        "#37b24d",
        "♥",
        "triangle",
        None,
        None,
    ),
    EventType.MILITARY_AID: TypeStyle(
        "Military aid",
        "Weapons or equipment supplied to a party.",
        "#364fc7",
        "⚒",
        "square",
        "Strategic developments",
        "Other",
    ),
    EventType.ECONOMIC: TypeStyle(
        "Economic",
        "Markets, currency and central-bank moves.",
        "#b08900",
        "¤",
        "square",
        None,
        None,
    ),
    EventType.PROTEST: TypeStyle(
        "Protest",
        "Demonstrations and protests.",
        "#f08c00",
        "⚐",
        "circle",
        "Protests",
        "Peaceful protest",
    ),
    EventType.OTHER: TypeStyle(
        "Other",
        "A source's own label that no rule groups: the label is kept with the event.",
        "#868e96",
        "•",
        "circle",
        None,
        None,
    ),
}

# Radius of the uncertainty circle drawn around an event of each geo_precision (ACLED's scale):
# 1 = the exact town (no circle), 2 = near a town or part of a region, 3 = a region or country.
# 0 = unknown: drawn as uncertain as a region, never as exact.
UNCERTAINTY_RADIUS_M: dict[int, int] = {0: 120_000, 1: 0, 2: 25_000, 3: 120_000}

GEO_PRECISION_LABELS: dict[int, str] = {
    0: "0 · unknown",
    1: "1 · exact town",
    2: "2 · near a town / part of a region",
    3: "3 · region or country",
}


def style_of(event_type: EventType) -> TypeStyle:
    return VOCABULARY[event_type]
