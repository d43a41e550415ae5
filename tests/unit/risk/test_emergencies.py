"""Each kind of emergency gets its own signal and level (issue 13): medical, harm to others, and the
kinds of violence against the person. The set `tests/data/emergency_kinds.jsonl` holds realistic
phrasings (typos, slang) of each kind and look-alikes that must not be read as one; rows of round 2
were written after round 1 was fixed and measured once before their own fixes (docs/risk-evaluation.md)."""

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


SEALED_ROUNDS = {3}  # written before any tuning for it; measured once, then fixed (docs/risk-evaluation.md)


def _rows() -> list[dict[str, str]]:
    rows = [json.loads(line) for line in KINDS_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [row for row in rows if row.get("round") not in SEALED_ROUNDS]


def _named(row: dict[str, str]) -> bool:
    found = assess(row["text"])
    return row["kind"] in found.signals and found.level >= RiskLevel(row["level"])


def test_at_least_nine_in_ten_of_each_kind_get_their_signal_and_level():
    hits: dict[str, list[bool]] = defaultdict(list)
    for row in _rows():
        if row["kind"] in KINDS:
            hits[row["kind"]].append(_named(row))
    assert set(hits) == set(KINDS)
    for kind, found in hits.items():
        assert len(found) >= 25, kind
        assert sum(found) / len(found) >= 0.9, (kind, f"{sum(found)}/{len(found)}")


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
