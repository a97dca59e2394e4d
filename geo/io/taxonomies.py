"""Other sources' taxonomies mapped onto our types: ACLED (current and pre-2019), CAMEO, UCDP,
and the free-text kinds trackers write ("Missile Strike", "Civilian Infrastructure Damage March
2022", "Russian Military Presence").

Our type is a grouping for display and filtering; the source's own label is always kept beside it
(`Event.labels`), so nothing of the source's taxonomy is lost by the grouping. A label no rule
knows becomes `other`, never a rejected row.
"""

from __future__ import annotations

import re

from geo.vocabulary import VOCABULARY, EventType

T = EventType
OTHER = EventType.OTHER

# ACLED's 24 sub-event types (since 2019), by lower-cased name.
ACLED_SUB_EVENT: dict[str, EventType] = {
    "armed clash": T.ARMED_CLASH,
    "government regains territory": T.TERRITORY_SEIZED,
    "non-state actor overtakes territory": T.TERRITORY_SEIZED,
    "chemical weapon": T.SHELLING,
    "air/drone strike": T.AIR_STRIKE,
    "suicide bomb": T.ATTACK_ON_CIVILIANS,
    "shelling/artillery/missile attack": T.SHELLING,
    "remote explosive/landmine/ied": T.SHELLING,
    "grenade": T.SHELLING,
    "sexual violence": T.ATTACK_ON_CIVILIANS,
    "attack": T.ATTACK_ON_CIVILIANS,
    "abduction/forced disappearance": T.ATTACK_ON_CIVILIANS,
    "peaceful protest": T.PROTEST,
    "protest with intervention": T.PROTEST,
    "excessive force against protesters": T.PROTEST,
    "violent demonstration": T.PROTEST,
    "mob violence": T.PROTEST,
    "agreement": T.NEGOTIATIONS,
    "arrests": OTHER,
    "change to group/activity": OTHER,
    "disrupted weapons use": T.MILITARY_MOVEMENT,
    "headquarters or base established": T.MILITARY_MOVEMENT,
    "looting/property destruction": OTHER,
    "non-violent transfer of territory": T.TERRITORY_SEIZED,
    "other": OTHER,
}
# ACLED event types: the current six and the pre-2019 ones, by lower-cased name.
ACLED_EVENT: dict[str, EventType] = {
    "battles": T.ARMED_CLASH,
    "explosions/remote violence": T.SHELLING,
    "violence against civilians": T.ATTACK_ON_CIVILIANS,
    "protests": T.PROTEST,
    "riots": T.PROTEST,
    "strategic developments": OTHER,
    # Before 2019
    "riots/protests": T.PROTEST,
    "battle-no change of territory": T.ARMED_CLASH,
    "battle-government regains territory": T.TERRITORY_SEIZED,
    "battle-non-state actor overtakes territory": T.TERRITORY_SEIZED,
    "remote violence": T.SHELLING,
    "strategic development": OTHER,
    "non-violent transfer of territory": T.TERRITORY_SEIZED,
    "headquarters or base established": T.MILITARY_MOVEMENT,
    "non-violent activity by a conflict actor": OTHER,
}

# CAMEO root codes (GDELT's EventRootCode).
CAMEO_ROOT: dict[str, EventType] = {
    "01": T.STATEMENT,  # make public statement
    "02": T.STATEMENT,  # appeal
    "03": T.DIPLOMACY,  # express intent to cooperate
    "04": T.NEGOTIATIONS,  # consult
    "05": T.DIPLOMACY,  # engage in diplomatic cooperation
    "06": T.ECONOMIC,  # engage in material cooperation
    "07": T.HUMANITARIAN,  # provide aid
    "08": T.NEGOTIATIONS,  # yield
    "09": OTHER,  # investigate
    "10": T.STATEMENT,  # demand
    "11": T.STATEMENT,  # disapprove
    "12": T.STATEMENT,  # reject
    "13": T.STATEMENT,  # threaten
    "14": T.PROTEST,  # protest
    "15": T.MILITARY_MOVEMENT,  # exhibit force posture
    "16": T.SANCTIONS,  # reduce relations
    "17": OTHER,  # coerce
    "18": T.ATTACK_ON_CIVILIANS,  # assault
    "19": T.ARMED_CLASH,  # fight
    "20": T.ATTACK_ON_CIVILIANS,  # use unconventional mass violence
}

# UCDP GED type_of_violence.
UCDP_VIOLENCE: dict[str, tuple[EventType, str]] = {
    "1": (T.ARMED_CLASH, "State-based conflict"),
    "2": (T.ARMED_CLASH, "Non-state conflict"),
    "3": (T.ATTACK_ON_CIVILIANS, "One-sided violence"),
}


def acled_type(event_type: str, sub_event_type: str) -> EventType | None:
    """Our type for an ACLED pair; the sub-event type decides when it is known."""
    sub = sub_event_type.strip().lower()
    if sub in ACLED_SUB_EVENT:
        return ACLED_SUB_EVENT[sub]
    return ACLED_EVENT.get(event_type.strip().lower())


def our_type(text: str) -> EventType | None:
    """Our type from its value or label, an ACLED event/sub-event name, or the words of a
    tracker's free-text kind (`kind_type`); None if none fits."""
    wanted = text.strip().lower()
    key = wanted.replace(" ", "_").replace("-", "_")
    for event_type in EventType:
        if key == event_type.value or wanted == VOCABULARY[event_type].label.lower():
            return event_type
    if not wanted:
        return None
    return acled_type(text, text) or kind_type(text)


# Words of free-text kinds, in order: the first rule whose words appear decides. The means
# come first ("Missile strike on civilian infrastructure" is a missile attack; the harm is in
# the figures), then harm to civilians, then fighting, movements and the rest.
_KIND_RULES: tuple[tuple[re.Pattern[str], EventType], ...] = tuple(
    (re.compile(r"\b(?:" + words + r")", re.IGNORECASE), event_type)
    for words, event_type in (
        # Natural and industrial events that share a conflict's words ("quarry blast").
        (r"quarry|earthquake|quake|mining|sonic boom|rock ?burst|landslide|volcan", OTHER),
        (
            r"air ?strikes?|air ?raids?|aerial|drones?\b|uavs?\b|shahed|aircraft|bomber|"
            r"air/drone|helicopter",
            T.AIR_STRIKE,
        ),
        (
            r"missiles?|rockets?|artillery|shell(?:s|ed|ing)?\b|mortars?|mlrs|grad\b|"
            r"bomb(?:s|ed|ing)?\b|explosions?|explosives?|blasts?|grenades?|(?:land)?mines?\b|"
            r"ieds?\b|cluster munitions?|remote violence|strikes?\b",
            T.SHELLING,
        ),
        (
            r"civilian|infrastructure|casualt|killed|injur|wounded|harm|damage|destr|"
            r"hospital|school|residential|massacre|execution|abduct|kidnap|torture|"
            r"sexual violence|atrocit",
            T.ATTACK_ON_CIVILIANS,
        ),
        (
            r"battles?|clash|fight|firefight|combat|skirmish|assault|offensive|ambush|"
            r"military loss|equipment loss|losses",
            T.ARMED_CLASH,
        ),
        (
            r"captur|seiz|occup|liberat|took control|taken control|regain|retak|withdraw",
            T.TERRITORY_SEIZED,
        ),
        (r"humanitarian|aid\b|evacuation corridor|relief", T.HUMANITARIAN),
        (r"refugee|displace|evacuat|fleeing", T.DISPLACEMENT),
        (
            r"military presence|troops?|convoys?|deploy|movement|build-?up|column|"
            r"military vehicles?|equipment|fortification|trench|positions?\b",
            T.MILITARY_MOVEMENT,
        ),
        (r"protest|demonstrat|rall(?:y|ies)|riots?", T.PROTEST),
        (r"sanction|embargo", T.SANCTIONS),
        (r"negotiat|talks|ceasefire|cease-fire|agreement|truce", T.NEGOTIATIONS),
        (r"weapons? deliver|military aid|arms (?:supply|deliver)", T.MILITARY_AID),
        (r"statement|announce|speech|address", T.STATEMENT),
        (r"diplomat|embassy|summit", T.DIPLOMACY),
    )
)


def kind_type(text: str) -> EventType | None:
    """Our type from the words of a free-text kind; None when its words say nothing we know."""
    for pattern, event_type in _KIND_RULES:
        if pattern.search(text):
            return event_type
    return None


def cameo_type(root_code: str) -> EventType:
    return CAMEO_ROOT.get(root_code.strip().zfill(2), OTHER)


def proposed_type(label: str) -> EventType:
    """The type the import gives a label unless the user says otherwise."""
    return our_type(label) or OTHER
