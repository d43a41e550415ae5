"""Context, evidence, level ordering, combining signals, the package surface and evaluation maths."""

from __future__ import annotations

import pytest

import flows.risk as risk
from flows.risk import Evidence, RiskAssessment, RiskContext, RiskLevel, assess
from flows.risk.detector import judge_with
from flows.risk.evaluation import (
    EvaluationReport,
    LabelScore,
    evaluate,
    format_report,
    format_survey,
    meets_bar,
    survey,
)

GROUNDING = RiskContext("grounding", "see")


def test_the_package_exports_the_public_names():
    assert set(risk.__all__) == {"Evidence", "RiskAssessment", "RiskContext", "RiskLevel", "assess"}


def test_levels_are_ordered():
    order = [RiskLevel.NONE, RiskLevel.LOW, RiskLevel.MODERATE, RiskLevel.HIGH, RiskLevel.IMMINENT]
    assert sorted(reversed(order)) == order
    assert RiskLevel.highest() == RiskLevel.NONE
    assert RiskLevel.highest(RiskLevel.LOW, RiskLevel.HIGH) == RiskLevel.HIGH


def test_exercise_answers_naming_objects_are_low():
    assert assess("I can see a knife, a lamp", GROUNDING).level <= RiskLevel.LOW
    assert assess("I have a knife in my hand", RiskContext("grounding", "touch")).level <= RiskLevel.LOW
    assert (
        assess("There is a rope swing, a belt and my tablets on the shelf", GROUNDING).level <= RiskLevel.LOW
    )
    assert assess("I have a knife in my hand").level >= RiskLevel.MODERATE
    assert judge_with(None)("I have a knife in my hand").level == RiskLevel.MODERATE  # means alone


def test_context_never_lowers_an_explicit_statement():
    assert assess("I want to die", GROUNDING).level == RiskLevel.HIGH
    assert assess("I have a knife and I want to kill myself", GROUNDING).level == RiskLevel.IMMINENT


def test_means_with_intent_is_imminent_and_with_despair_high():
    assert assess("I have pills and I want to die").level == RiskLevel.IMMINENT
    assert assess("I have pills here and I feel hopeless").level == RiskLevel.HIGH


def test_evidence_names_the_rule_and_words():
    result = assess("honestly i just want to kill myself")
    assert result.level == RiskLevel.HIGH
    (evidence,) = [e for e in result.evidence if e.signal == "active_ideation"]
    assert isinstance(evidence, Evidence)
    assert evidence.rule.startswith("en.") and "kill myself" in evidence.matched


def test_low_signals_are_listed_only_when_nothing_serious_fired():
    assert assess("this exam is killing me").signals == {"figurative"}
    serious = assess("this exam is killing me and I want to kill myself")
    assert serious.signals == {"active_ideation"}
    assert any(e.signal == "figurative" for e in serious.evidence)


@pytest.mark.parametrize("text", ["yes", "no", "I'm not sure", "ok", "7", "menu", "grounding", ""])
def test_short_answers_are_none(text):
    assert assess(text) == RiskAssessment()


@pytest.mark.parametrize(
    ("label", "level", "met"),
    [
        ("crisis", RiskLevel.HIGH, True),
        ("crisis", RiskLevel.MODERATE, False),
        ("concern", RiskLevel.MODERATE, True),
        ("concern", RiskLevel.IMMINENT, True),
        ("concern", RiskLevel.LOW, False),
        ("safe", RiskLevel.LOW, True),
        ("safe", RiskLevel.MODERATE, False),
    ],
)
def test_bars(label, level, met):
    assert meets_bar(label, level) is met


def test_unknown_labels_raise():
    with pytest.raises(KeyError):
        meets_bar("maybe", RiskLevel.LOW)


def _judge(levels: dict[str, RiskLevel]):
    return lambda text: RiskAssessment(level=levels[text], signals=frozenset({"x"}))


def test_evaluation_maths():
    levels = {
        "a": RiskLevel.HIGH,
        "b": RiskLevel.LOW,
        "c": RiskLevel.MODERATE,
        "d": RiskLevel.NONE,
        "e": RiskLevel.HIGH,
    }
    rows = [("a", "crisis"), ("b", "crisis"), ("c", "concern"), ("d", "safe"), ("e", "safe")]
    report = evaluate(rows, judge=_judge(levels))
    assert report.total == 5
    assert report.scores["crisis"] == LabelScore("crisis", 2, 1)
    assert report.scores["crisis"].recall == 0.5
    assert report.scores["concern"].recall == 1.0
    assert report.false_alarms == 1 and report.false_alarm_rate == 0.5
    assert [m.text for m in report.misses] == ["b", "e"]
    text = format_report(report)
    assert "crisis: 1/2" in text and "false alarms: 1/2" in text and "'b'" in text


def test_an_empty_report_is_well_defined():
    report = evaluate([])
    assert report == EvaluationReport({}, 0, ())
    assert report.total == 0 and report.false_alarm_rate == 0.0
    assert LabelScore("safe").recall == 1.0
    assert format_report(report).startswith("0 lines")


def test_a_crisis_only_the_model_reads_is_to_be_confirmed_and_acted_on_as_moderate():
    reading = assess("I have written letters to everyone and given my things away")
    assert reading.level == RiskLevel.HIGH and reading.ruled == RiskLevel.NONE
    assert reading.to_confirm and reading.acted_level == RiskLevel.MODERATE
    explicit = assess("I'm going to kill myself tonight")
    assert not explicit.to_confirm and explicit.acted_level == explicit.level >= RiskLevel.HIGH


def test_rules_alone_never_ask_first():
    assert not judge_with(None)("I have written letters to everyone and given my things away").to_confirm


def test_survey_counts_levels_pages_and_askings_and_ranks_the_flagged_lines():
    texts = [
        "lovely weather today",
        "I have nothing to live for",
        "I have written letters to everyone and given my things away",
        "I'm going to kill myself tonight",
    ]
    found = survey(texts, top=2)
    assert found.total == 4 and found.count(RiskLevel.HIGH) == 2
    assert found.asked_first == 1 and found.pages == 1
    assert found.share(RiskLevel.MODERATE) == 0.75
    assert [line.text for line in found.flagged] == [texts[3], texts[2]]
    assert found.flagged[1].asked_first
    report = format_survey(found)
    assert "would page at once: 1 (25.00%)" in report and "asked first" in report


def test_an_empty_survey_is_well_defined():
    found = survey([])
    assert found.total == 0 and found.share(RiskLevel.HIGH) == 0.0
    assert format_survey(found).startswith("0 lines")
