"""Each kind of emergency gets its own signal and level (issue 13): medical, harm to others, and the
kinds of violence against the person. The set `tests/data/emergency_kinds.jsonl` holds realistic
phrasings (typos, slang) of each kind and look-alikes that must not be read as one; rows of rounds 2
and 3 were written after the round before was fixed and measured once before their own fixes
(docs/risk-evaluation.md)."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

from flows.risk import RiskLevel, assess
from flows.risk.detector import judge_with

KINDS_SET = Path(__file__).resolve().parents[3] / "tests" / "data" / "emergency_kinds.jsonl"
KINDS = ("medical_emergency", "harm_to_others", "domestic_violence", "sexual_violence", "child_abuse")
IMMINENT, HIGH, MODERATE = RiskLevel.IMMINENT, RiskLevel.HIGH, RiskLevel.MODERATE
RULES_ALONE = judge_with(None)


def _rows() -> list[dict[str, str]]:
    return [json.loads(line) for line in KINDS_SET.read_text(encoding="utf-8").splitlines() if line.strip()]


def _named(row: dict[str, str]) -> bool:
    found = assess(row["text"])
    return row["kind"] in found.signals and found.level >= RiskLevel(row["level"])


def test_at_least_nine_in_ten_of_each_kind_get_their_signal_and_level_in_every_round():
    hits: dict[tuple[str, int], list[bool]] = defaultdict(list)
    for row in _rows():
        if row["kind"] in KINDS:
            hits[(row["kind"], int(row.get("round", 1)))].append(_named(row))
    assert {kind for kind, _ in hits} == set(KINDS)
    assert {batch for _, batch in hits} == {1, 2, 3}
    for (kind, batch), found in hits.items():
        assert len(found) >= 10, (kind, batch)
        assert sum(found) / len(found) >= 0.9, (kind, batch, f"{sum(found)}/{len(found)}")


def test_look_alikes_are_no_emergency():
    """The rules' reading: the learned layer's false alarms are calibrated on their own."""
    looks = [row["text"] for row in _rows() if row["kind"] == "none"]
    assert [text for text in looks if RULES_ALONE(text).level >= HIGH] == []
    assert [text for text in looks if assess(text).signals & set(KINDS)] == []


@pytest.mark.parametrize(
    "text",
    [
        "took them all, like 30, feel weird",
        "my friend took a load of pills and won't wake up",
        "he drank bleach like 10 mins ago what do i do",
        "i cut too deep and it wont stop bleeding",
    ],
)
def test_an_overdose_poison_or_bleeding_is_a_medical_emergency_whoever_it_is(text):
    found = assess(text)
    assert "medical_emergency" in found.signals
    assert found.level == IMMINENT


def test_a_past_overdose_is_no_medical_emergency_now():
    assert "medical_emergency" not in assess("i took an overdose when i was 15").signals


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("got a knife, going over there now", IMMINENT),
        ("im going to stab him when he gets home tonight", IMMINENT),
        ("i'm going to make them all pay, i have the gun ready", IMMINENT),
        ("i want to kill my stepdad", HIGH),
        ("the voices are telling me to hurt my mum", HIGH),
        ("i have urges to hurt my baby", HIGH),
    ],
)
def test_harm_to_others_is_high_and_imminent_with_means_or_a_time(text, level):
    found = assess(text)
    assert "harm_to_others" in found.signals
    assert found.level == level


def test_voices_telling_the_person_to_harm_themself_are_not_harm_to_others():
    assert "harm_to_others" not in assess("the voices keep telling me to kill myself").signals


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("my husband choked me last night and said hed kill me if i left", "domestic_violence"),
        ("he said if i leave he will kill me and the kids", "domestic_violence"),
        ("i was raped last night at a party", "sexual_violence"),
        ("my boyfriend forces me to have sex when i say no", "sexual_violence"),
        ("im 14 and my stepdad hits me every day", "child_abuse"),
        ("my parents hit my little brother really hard, hes only 5", "child_abuse"),
    ],
)
def test_violence_against_the_person_is_high_with_its_kind_named(text, kind):
    found = assess(text)
    assert kind in found.signals
    assert found.level >= HIGH


@pytest.mark.parametrize(
    "text",
    [
        "i was raped when i was 15 and i still think about it",
        "my dad used to hit me when i was a kid",
    ],
)
def test_violence_long_past_is_history_to_screen_not_an_emergency(text):
    found = assess(text)
    assert MODERATE <= found.level < HIGH
    assert not found.signals & {"sexual_violence", "child_abuse", "domestic_violence"}


@pytest.mark.parametrize(
    "text",
    [
        "just checked the scores and the sale already started",
        "that seat is already taken haha",
        "I can't wake up any earlier than 7, my body refuses",
        "my grandad had a heart attack years ago, he's doing great now",
        "had a stroke trying to read this thread",
        "the ending was fitting",
        "if he doesn't respond to your texts he isn't worth it",
        "taking my knife to school for cooking class tomorrow",
        "i killed them both in my second playthrough",
        "hope it ends soon, this queue is endless",
        "shhh patience, a future video",
        "Shhhh it's ok",
    ],
)
def test_everyday_words_the_rules_once_read_as_an_emergency_are_not(text):
    """Look-alikes found among real Reddit comments (GoEmotions training split, docs/risk-evaluation.md)."""
    assert RULES_ALONE(text).level < HIGH


@pytest.mark.parametrize(
    "text",
    [
        "my dad just had a heart attack",
        "my son is fitting and it won't stop",
        "i've already started, there's blood everywhere",
        "I won't wake up tomorrow and that's the point",
        "he's not breathing and i cant wake him up",
        "i cannot wake up my mum, she took pills",
    ],
)
def test_the_emergencies_beside_those_look_alikes_still_are(text):
    assert RULES_ALONE(text).level >= HIGH


@pytest.mark.parametrize(
    "text",
    [
        "we got raped in that match lol",
        "the guy gets violent because of his fragile sexuality",
        "i am 15 minutes late and my dad will kill me lol",
        "my mum hit me with a pillow haha",
        "my nose wont stop bleeding",
    ],
)
def test_look_alikes_of_each_kind_are_not_that_kind(text):
    assert not assess(text).signals & {"sexual_violence", "child_abuse", "medical_emergency"}
    assert RULES_ALONE(text).level < HIGH  # the learned layer's reading is calibrated elsewhere


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("mi novio me pega", "domestic_violence"),
        ("me violaron anoche", "sexual_violence"),
        ("tengo 12 años y mi papá me pega", "child_abuse"),
        ("mi amigo tomó muchas pastillas y no despierta", "medical_emergency"),
        ("tomé 30 pastillas y me siento rara", "medical_emergency"),
    ],
)
def test_the_kinds_are_named_in_spanish_too(text, kind):
    found = assess(text)
    assert kind in found.signals
    assert found.level >= HIGH


@pytest.mark.parametrize(
    "text",
    [
        "took everything out of the cupboard to clean it",
        "i took 2 boxes of paracetamol to my nan's, she ran out",
        "he passed out on the sofa after taking his sleeping pills, hes snoring",
        "cant get my son to respond to my texts",
        "my mum is on the floor doing yoga and isnt breathing properly lol",
        "its spurting everywhere, the tap broke",
        "im going to end it with him tonight",
        "we're going to end them in the next round",
        "when he gets back from work im gonna kill him, he ate my leftovers",
        "if my teacher asks one more question im bringing my dog in",
        "if he says one more thing im bringing my nerf gun in tomorrow",
        "i want to make him pay for the dinner, i know where he works",
        "i keep thinking about running a marathon",
        "if i cant have you no one can, she sang",
        "i got a black eye from my brother's elbow playing rugby",
        "my sisters husband beats her at chess every time",
        "hiding in the bathroom from the party guests lol",
        "my mum makes me keep secrets about the surprise party",
        "i said no and he didnt stop texting",
        "my boyfriend makes me sleep with the light on",
        "he took pics of me when i was asleep snoring, so embarrassing",
        "he took pics of me when i was passed out and is sharing them",
        "my date wouldnt let me leave until i finished my dessert",
        "im 14 and my mum comes into my room at night to check on me",
        "the kid next door always has bruises from climbing trees",
        "my parents starve me of attention",
        "im 13 and my friend asked me not to tell my parents about her crush",
        "my teacher touched me deeply with her speech",
        "my mate OD'd on chips last night lol",
    ],
)
def test_look_alikes_of_the_indirect_forms_are_no_emergency_of_that_kind(text):
    """Everyday sentences beside the indirect wording each kind's rules read (round 3's fixes)."""
    found = assess(text)
    assert "medical_emergency" not in found.signals
    assert RULES_ALONE(text).level < HIGH or "sexual_violence" in found.signals, RULES_ALONE(text)


def test_sexual_assault_in_the_last_days_is_not_history():
    """Care after an assault (emergency contraception, HIV prevention, an examination) is for days."""
    assert "sexual_violence" in assess("i was sa'd last week and i cant sleep").signals
    assert "sexual_violence" not in assess("i was raped two years ago and i still think about it").signals
