"""The learned layer: shipped current, read the way scikit-learn fitted it, and only ever raising."""

from __future__ import annotations

import math

import pytest

from bot.risk_training import (
    _as_json,
    digest,
    fit,
    read_lines,
    training_files,
)
from flows.risk import RiskLevel, assess
from flows.risk.detector import judge_with, normalise
from flows.risk.model import CLASSES, TextModel, load_packaged_model
from tests.unit.risk.test_corpus import CORPUS_ROWS

MODEL = load_packaged_model()
SAMPLES = [
    "i gave my dog to my sister and wrote everyone a letter, it's time",
    "this exam is killing me",
    "Ya tengo la cuerda lista en mi cuarto",
    "the bus was late again and I'm so annoyed",
    "",
]


def test_a_model_is_packaged_and_trained_on_the_current_data():
    assert MODEL is not None
    assert MODEL.trained_on == digest(read_lines(training_files())), "run `pfa-bot risk-train`"


def test_inference_reads_the_model_as_scikit_learn_fitted_it():
    rows = read_lines(training_files())[::7]
    vectoriser, fitted = fit(rows)
    model = TextModel(_as_json(vectoriser, fitted, MODEL.thresholds, digest(rows)))
    for text in SAMPLES:
        expected = fitted.predict_proba(vectoriser.transform([normalise(text)]))[0]
        ours = model.probabilities(normalise(text))
        for index, name in enumerate(CLASSES):
            assert math.isclose(ours[name], expected[index], abs_tol=1e-4), (text, name)


@pytest.mark.parametrize(("text", "label"), CORPUS_ROWS[::5])
def test_the_model_never_lowers_what_the_rules_found(text, label):
    assert judge_with(MODEL)(text).level >= judge_with(None)(text).level


@pytest.mark.parametrize(
    "text",
    [
        "gave my cat to the neighbours and paid off every bill, nothing left to sort now",
        "parked at the top of the multi storey and i'm not driving back down",
        "wrote a letter for each of the kids and left my bank passwords in the drawer, they will be fine",
    ],
)
def test_it_catches_arrangements_that_no_rule_names(text):
    assert judge_with(None)(text).level < RiskLevel.HIGH, "a rule names this now: pick another line"
    result = assess(text)
    assert result.level >= RiskLevel.HIGH
    assert "crisis_language" in result.signals


@pytest.mark.parametrize(
    "text",
    ["I'm not sure", "no me quiero morir", "I've never wanted to kill myself, I'm just burnt out"],
)
def test_denials_and_short_answers_are_left_to_the_rules(text):
    assert assess(text).level <= RiskLevel.LOW


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("I wanted to kill myself when I was 15", RiskLevel.MODERATE),
        ("my brother wants to kill himself", RiskLevel.MODERATE),
    ],
)
def test_the_rules_reading_of_who_and_when_stands(text, level):
    assert assess(text).level == level


def test_its_evidence_says_it_was_the_model_and_how_sure():
    text = "gave my cat to the neighbours and paid off every bill, nothing left to sort now"
    evidence = [e for e in assess(text).evidence if e.signal == "crisis_language"]
    assert evidence and evidence[0].rule == "model.crisis" and evidence[0].matched.startswith("p=")
