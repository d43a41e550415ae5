"""First-person forms a clinician-validated suicide-risk lexicon lists (issue 13, item 5), and the
everyday sayings that share their words."""

from __future__ import annotations

import pytest

from flows.risk import RiskLevel
from flows.risk.detector import judge_with

RULES_ALONE = judge_with(None)


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
    ],
)
def test_everyday_sayings_with_the_same_words_are_not(text):
    assert RULES_ALONE(text).level < RiskLevel.MODERATE
