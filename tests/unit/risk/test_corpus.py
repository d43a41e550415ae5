"""Every labelled line must meet its bar: the project's corpus, its blind holdout and the shared dev set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flows.risk import assess
from flows.risk.evaluation import BARS, meets_bar

_ROOT = Path(__file__).resolve().parents[3]
CORPUS = _ROOT / "tests" / "data" / "risk_corpus.jsonl"
# Written blind (before reading the lexicons) as a held-out check on the kinds of language.
HOLDOUT = _ROOT / "tests" / "data" / "risk_holdout.jsonl"
# A second blind holdout by another tester: slang, learners' English, euphemisms, emoji, Spanish.
HOLDOUT_2 = _ROOT / "tests" / "data" / "risk_holdout_2.jsonl"
# A third blind holdout (80 lines a label): short chat messages in the style of the dev set.
HOLDOUT_3 = _ROOT / "tests" / "data" / "risk_holdout_3.jsonl"
# A fourth blind holdout (110 crisis, 80 concern, 50 safe): intent with a time, plans, means of every
# kind, attempts just done, harm to others, violence happening now; slang and Spanish mixed in.
HOLDOUT_4 = _ROOT / "tests" / "data" / "risk_holdout_4.jsonl"
# A fifth blind holdout (70 lines a label) in the dev set's kinds: farewells ("my last day alive"),
# refusing to be talked out of it, a note left out, other languages, passive wonderings, recovery.
HOLDOUT_5 = _ROOT / "tests" / "data" / "risk_holdout_5.jsonl"
# A sixth blind holdout (100 crisis, 50 concern, 50 safe): several people's versions of each dev kind,
# windows and numbered floors, tracks, a garage with the engine on, attacks happening now, urges.
HOLDOUT_6 = _ROOT / "tests" / "data" / "risk_holdout_6.jsonl"
# A seventh blind holdout (60 lines a label): letting go at a height, revenge with a weapon, a noose set
# up, abuse in euphemism, thoughts of harming a baby, praying to be taken, hoping not to survive.
HOLDOUT_7 = _ROOT / "tests" / "data" / "risk_holdout_7.jsonl"
# /work/main/tests/unit/risk/test_corpus.py -> /work/shared/risk/dev.jsonl
DEV = Path(__file__).resolve().parents[4] / "shared" / "risk" / "dev.jsonl"


def _rows(path: Path) -> list[tuple[str, str]]:
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [(row["text"], row["label"]) for row in map(json.loads, filter(str.strip, lines))]


CORPUS_ROWS = _rows(CORPUS)
DEV_ROWS = _rows(DEV)
HOLDOUT_ROWS = _rows(HOLDOUT)
HOLDOUT_2_ROWS = _rows(HOLDOUT_2)
HOLDOUT_3_ROWS = _rows(HOLDOUT_3)
HOLDOUT_4_ROWS = _rows(HOLDOUT_4)
HOLDOUT_5_ROWS = _rows(HOLDOUT_5)
HOLDOUT_6_ROWS = _rows(HOLDOUT_6)
HOLDOUT_7_ROWS = _rows(HOLDOUT_7)


def test_the_corpus_is_big_and_balanced():
    labels = [label for _, label in CORPUS_ROWS]
    assert len(labels) >= 400
    assert set(labels) == set(BARS)
    for label, share in (("crisis", 0.35), ("concern", 0.30), ("safe", 0.35)):
        assert abs(labels.count(label) / len(labels) - share) < 0.06, label


def test_the_corpus_has_no_duplicates():
    texts = [text.casefold() for text, _ in CORPUS_ROWS]
    assert len(texts) == len(set(texts))


@pytest.mark.parametrize(("text", "label"), CORPUS_ROWS, ids=[t[:40] for t, _ in CORPUS_ROWS])
def test_corpus_line_meets_its_bar(text, label):
    result = assess(text)
    assert meets_bar(label, result.level), (result.level, sorted(result.signals), result.evidence)


@pytest.mark.skipif(not DEV.exists(), reason=f"development set not found at {DEV}")
@pytest.mark.parametrize(
    ("text", "label"), DEV_ROWS or [("", "safe")], ids=[t[:40] for t, _ in DEV_ROWS] or ["none"]
)
def test_dev_line_meets_its_bar(text, label):
    result = assess(text)
    assert meets_bar(label, result.level), (result.level, sorted(result.signals), result.evidence)


@pytest.mark.parametrize("rows", [HOLDOUT_ROWS, HOLDOUT_2_ROWS], ids=["holdout", "holdout_2"])
def test_the_holdout_is_big_and_balanced(rows):
    labels = [label for _, label in rows]
    assert len(labels) >= 300
    for label in BARS:
        assert labels.count(label) >= 100, label
    texts = [text.casefold() for text, _ in rows]
    assert len(texts) == len(set(texts))


@pytest.mark.parametrize(("text", "label"), HOLDOUT_ROWS, ids=[t[:40] for t, _ in HOLDOUT_ROWS])
def test_holdout_line_meets_its_bar(text, label):
    result = assess(text)
    assert meets_bar(label, result.level), (result.level, sorted(result.signals), result.evidence)


@pytest.mark.parametrize(("text", "label"), HOLDOUT_2_ROWS, ids=[t[:40] for t, _ in HOLDOUT_2_ROWS])
def test_holdout_2_line_meets_its_bar(text, label):
    result = assess(text)
    assert meets_bar(label, result.level), (result.level, sorted(result.signals), result.evidence)


def test_the_third_holdout_is_balanced():
    labels = [label for _, label in HOLDOUT_3_ROWS]
    assert len(labels) >= 240
    for label in BARS:
        assert labels.count(label) >= 80, label
    texts = [text.casefold() for text, _ in HOLDOUT_3_ROWS]
    assert len(texts) == len(set(texts))


@pytest.mark.parametrize(("text", "label"), HOLDOUT_3_ROWS, ids=[t[:40] for t, _ in HOLDOUT_3_ROWS])
def test_holdout_3_line_meets_its_bar(text, label):
    result = assess(text)
    assert meets_bar(label, result.level), (result.level, sorted(result.signals), result.evidence)


def test_the_fourth_holdout_is_balanced():
    labels = [label for _, label in HOLDOUT_4_ROWS]
    assert len(labels) == 240
    for label, count in (("crisis", 110), ("concern", 80), ("safe", 50)):
        assert labels.count(label) == count, label
    texts = [text.casefold() for text, _ in HOLDOUT_4_ROWS]
    assert len(texts) == len(set(texts))


@pytest.mark.parametrize(("text", "label"), HOLDOUT_4_ROWS, ids=[t[:40] for t, _ in HOLDOUT_4_ROWS])
def test_holdout_4_line_meets_its_bar(text, label):
    result = assess(text)
    assert meets_bar(label, result.level), (result.level, sorted(result.signals), result.evidence)


def test_the_fifth_holdout_is_balanced():
    labels = [label for _, label in HOLDOUT_5_ROWS]
    assert len(labels) == 210
    for label in BARS:
        assert labels.count(label) == 70, label
    texts = [text.casefold() for text, _ in HOLDOUT_5_ROWS]
    assert len(texts) == len(set(texts))


@pytest.mark.parametrize(("text", "label"), HOLDOUT_5_ROWS, ids=[t[:40] for t, _ in HOLDOUT_5_ROWS])
def test_holdout_5_line_meets_its_bar(text, label):
    result = assess(text)
    assert meets_bar(label, result.level), (result.level, sorted(result.signals), result.evidence)


def test_the_sixth_holdout_is_balanced():
    labels = [label for _, label in HOLDOUT_6_ROWS]
    assert len(labels) == 200
    for label, count in (("crisis", 100), ("concern", 50), ("safe", 50)):
        assert labels.count(label) == count, label
    texts = [text.casefold() for text, _ in HOLDOUT_6_ROWS]
    assert len(texts) == len(set(texts))


@pytest.mark.parametrize(("text", "label"), HOLDOUT_6_ROWS, ids=[t[:40] for t, _ in HOLDOUT_6_ROWS])
def test_holdout_6_line_meets_its_bar(text, label):
    result = assess(text)
    assert meets_bar(label, result.level), (result.level, sorted(result.signals), result.evidence)


def test_the_seventh_holdout_is_balanced():
    labels = [label for _, label in HOLDOUT_7_ROWS]
    assert len(labels) == 180
    for label in BARS:
        assert labels.count(label) == 60, label
    texts = [text.casefold() for text, _ in HOLDOUT_7_ROWS]
    assert len(texts) == len(set(texts))


@pytest.mark.parametrize(("text", "label"), HOLDOUT_7_ROWS, ids=[t[:40] for t, _ in HOLDOUT_7_ROWS])
def test_holdout_7_line_meets_its_bar(text, label):
    result = assess(text)
    assert meets_bar(label, result.level), (result.level, sorted(result.signals), result.evidence)


# An eighth blind holdout (70 crisis, 40 concern, 40 safe): goodbye messages, stockpiled pills laid out,
# "fr" and emoji after intent, a plan after passive wording, stabbing someone later, funerals, not existing.
HOLDOUT_8 = _ROOT / "tests" / "data" / "risk_holdout_8.jsonl"
HOLDOUT_8_ROWS = _rows(HOLDOUT_8)


def test_the_eighth_holdout_is_balanced():
    labels = [label for _, label in HOLDOUT_8_ROWS]
    assert len(labels) == 150
    for label, count in (("crisis", 70), ("concern", 40), ("safe", 40)):
        assert labels.count(label) == count, label
    texts = [text.casefold() for text, _ in HOLDOUT_8_ROWS]
    assert len(texts) == len(set(texts))


@pytest.mark.parametrize(("text", "label"), HOLDOUT_8_ROWS, ids=[t[:40] for t, _ in HOLDOUT_8_ROWS])
def test_holdout_8_line_meets_its_bar(text, label):
    result = assess(text)
    assert meets_bar(label, result.level), (result.level, sorted(result.signals), result.evidence)


# A ninth blind holdout (60 crisis, 45 concern, 45 safe): pills in hand, "make sure of it", terse
# "ending it tonight", wishing for an accident, no reason to keep living, a child's cuts seen by a
# parent, fear of one's own temper, "over life", Spanish.
HOLDOUT_9 = _ROOT / "tests" / "data" / "risk_holdout_9.jsonl"
HOLDOUT_9_ROWS = _rows(HOLDOUT_9)


def test_the_ninth_holdout_is_balanced():
    labels = [label for _, label in HOLDOUT_9_ROWS]
    assert len(labels) == 150
    for label, count in (("crisis", 60), ("concern", 45), ("safe", 45)):
        assert labels.count(label) == count, label
    texts = [text.casefold() for text, _ in HOLDOUT_9_ROWS]
    assert len(texts) == len(set(texts))


@pytest.mark.parametrize(("text", "label"), HOLDOUT_9_ROWS, ids=[t[:40] for t, _ in HOLDOUT_9_ROWS])
def test_holdout_9_line_meets_its_bar(text, label):
    result = assess(text)
    assert meets_bar(label, result.level), (result.level, sorted(result.signals), result.evidence)
