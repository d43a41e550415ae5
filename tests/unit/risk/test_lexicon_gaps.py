"""First-person forms a clinician-validated suicide-risk lexicon lists (issue 13, item 5), and the
everyday sayings that share their words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flows.risk import RiskLevel
from flows.risk.detector import judge_with

RULES_ALONE = judge_with(None)
FORMS = Path(__file__).resolve().parents[3] / "tests" / "data" / "clinician_lexicon_first_person.json"


def _forms() -> list[str]:
    data = json.loads(FORMS.read_text(encoding="utf-8"))
    return [frame.format(term) for term in data["terms"] for frame in data["frames"]]


def test_at_least_95_percent_of_the_lexicons_first_person_forms_are_moderate_or_above():
    """Each self-injury, active and passive term of the lexicon in six first-person frames; what is
    left out on purpose is frustration and accident ("I might hit my head", "I could sleep forever")."""
    forms = _forms()
    missed = [text for text in forms if RULES_ALONE(text).level < RiskLevel.MODERATE]
    assert len(forms) >= 300
    assert 1 - len(missed) / len(forms) >= 0.95, missed


@pytest.mark.parametrize(
    "text",
    [
        "I want to choke myself",
        "i'm going to smother myself",
        "I want to wound myself",
        "i have urges to injure myself",
        "i want to mutilate myself",
        "I need to slash myself",
        "i want to scald myself",
        "i have urges to bite myself",
        "I want to bruise myself",
        "i want to self injure",
        "i want to make myself bleed",
        "I could disappear",
        "i could just vanish",
        "i want to not be alive",
        "i hope i die in my sleep",
        "i want to bleed out",
        "i want to shoot my brains out",
        "I want to stop living",
        "I have urges to cease to exist",
        "I keep wanting to wound myself",
        "I might self injure",
        "I might overdose",
        "I have urges to bang my head",
        "I want to pull the trigger.",
    ],
)
def test_first_person_forms_of_the_lexicon_are_moderate_or_above(text):
    assert RULES_ALONE(text).level >= RiskLevel.MODERATE


@pytest.mark.parametrize(
    "text",
    [
        "I could slap myself for forgetting",
        "i wanted to slap myself lol",
        "i injured myself at the gym",
        "I could disappear for a week on holiday",
        "I could just disappear into my book",
        "i choked myself on a grape",
        "i want to delete myself from facebook",
        "I want to stop living in the past",
        "I want to stop living with my parents",
        "I want to pull the trigger on the new car",
        "I'm ready to pull the trigger on this deal",
        "I might hit my head on that beam",
        "I might overdose on caffeine lol",
        "I could just fade away into the background",
    ],
)
def test_everyday_sayings_with_the_same_words_are_not(text):
    assert RULES_ALONE(text).level < RiskLevel.MODERATE
