"""Codebook sub-types: their event types, and which one a sentence reports.

A sentence holds triggers (data/triggers.json) for one or more sub-types; the most
specific wins (`PRIORITY`), refined by what else the sentence says: civilians as the
only victims, force used against protesters, a signature, the words a sub-type
requires. A sentence without a trigger that states people killed is violence too.
"""

from __future__ import annotations

from dataclasses import dataclass

from hoggar.extraction.lexicon import Hit, trigger_data, word_set, words_data
from hoggar.extraction.sentences import Sentence

_EVENT_TYPE = {
    "armed_clash": "battle",
    "ambush": "battle",
    "attack_on_post": "battle",
    "ied": "explosion_remote_violence",
    "suicide_attack": "explosion_remote_violence",
    "rocket_mortar": "explosion_remote_violence",
    "air_drone_strike": "explosion_remote_violence",
    "attack_on_civilians": "violence_against_civilians",
    "kidnapping": "violence_against_civilians",
    "kidnapping_foreign_national": "violence_against_civilians",
    "grenade": "explosion_remote_violence",
    "government_regains_territory": "battle",
    "non_state_actor_overtakes_territory": "battle",
    "peaceful_protest": "protest",
    "protest_with_intervention": "protest",
    "excessive_force_against_protesters": "protest",
    "violent_demonstration": "riot",
    "mob_violence": "riot",
}
VIOLENT = frozenset({"battle", "explosion_remote_violence", "violence_against_civilians"})
MEETINGS = frozenset({"meeting", "agreement", "headquarters_or_base_established"})
# Sub-types where forces are talked about, not acting.
NOT_ACTING = frozenset({"threat_statement", "change_to_group_activity", "recruitment"})
# Which sub-type a sentence is when it holds several triggers: the most specific first.
PRIORITY = (
    "suicide_attack",
    "government_regains_territory",
    "non_state_actor_overtakes_territory",
    "disrupted_weapons_use",
    "ambush",
    "grenade",
    "ied",
    "air_drone_strike",
    "rocket_mortar",
    "hostage_release",
    "kidnapping_foreign_national",
    "kidnapping",
    "attack_on_post",
    "drug_seizure",
    "arms_seizure",
    "fuel_smuggling",
    "human_trafficking_interception",
    "agreement",
    "meeting",
    "headquarters_or_base_established",
    "attack_on_civilians",
    "armed_clash",
    "mob_violence",
    "violent_demonstration",
    "peaceful_protest",
    "border_incursion",
    "change_to_group_activity",
    "recruitment",
    "arrest",
    "threat_statement",
)
_SEIZURES = frozenset({"drug_seizure", "arms_seizure", "fuel_smuggling"})
# Refinements that need their base: a foreign victim needs a kidnapping, a "launch"
# needs a headquarters or staff (the words of triggers.json "requires").
_REQUIRES = tuple(trigger_data()["requires"])
_SIGNING = tuple(sorted(word_set(words_data()["signing_prefixes"])))


def event_type_of(sub_type: str) -> str:
    return _EVENT_TYPE.get(sub_type, "strategic_development")


@dataclass(frozen=True, slots=True)
class Classified:
    """The sub-type a sentence reports and the triggers that say so."""

    sub: str
    hits: list[Hit[str]]


def classify(s: Sentence) -> Classified | None:
    found = {h.value for h in s.triggers}
    for needy in _REQUIRES:
        if needy in found and needy not in s.context:
            found.discard(needy)
    if "headquarters_or_base_established" in found and not s.hq:
        found.discard("headquarters_or_base_established")
    if not found:
        return _by_casualties(s)
    chosen = _choose(s, found)
    hits = [h for h in s.triggers if h.value == chosen]
    if not hits:  # a refinement: point at the trigger it refines
        hits = [h for h in s.triggers if event_type_of(h.value) == event_type_of(chosen)]
    return Classified(chosen, hits or s.triggers[:1])


def _by_casualties(s: Sentence) -> Classified | None:
    """Casualties are violence even without a verb for it ("douze civils tués")."""
    if not any(c.role == "killed" and c.value > 0 for c in s.counts):
        return None
    sub = "attack_on_civilians" if s.civilian and not s.forces else "armed_clash"
    killed = [c for c in s.counts if c.role == "killed"][:1]
    return Classified(
        sub, [Hit(sub, c.token, c.token + 1, c.span[0], c.span[1], "") for c in killed]
    )


def _choose(s: Sentence, found: set[str]) -> str:
    chosen = next((sub for sub in PRIORITY if sub in found), sorted(found)[0])
    # Violence on civilians when the victims are civilians and no force is named.
    if chosen == "armed_clash" and s.civilian and not s.forces:
        chosen = "attack_on_civilians"
    if chosen == "peaceful_protest":
        if s.protest_force or any(c.role == "killed" for c in s.counts):
            chosen = "excessive_force_against_protesters"
        elif s.protest_intervention:
            chosen = "protest_with_intervention"
    if chosen == "agreement" and "meeting" in found:
        signed = any(h.value == "agreement" and h.phrase.startswith(_SIGNING) for h in s.triggers)
        if not signed:
            chosen = "meeting"
    if chosen in MEETINGS and s.dates and {"meeting", "headquarters_or_base_established"} <= found:
        # Two kinds of meeting event in one sentence: the one nearest its date.
        chosen = min(
            (h for h in s.triggers if h.value in found & MEETINGS - {"agreement"}),
            key=lambda h: min(abs(h.first - d.first) for d in s.dates),
        ).value
    if chosen == "arrest" and found & _SEIZURES:
        chosen = next(x for x in PRIORITY if x in found)
    return chosen
