"""Every labelled line must meet its bar: the project's corpus, its blind holdout and the shared dev set."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from flows.risk import assess
from flows.risk.evaluation import BARS, evaluate, format_report, meets_bar

_ROOT = Path(__file__).resolve().parents[3]
DATA = _ROOT / "tests" / "data"
CORPUS = DATA / "risk_corpus.jsonl"
# The team's shared development set is not in the repository: it lies beside the checkout
# (../shared/risk/dev.jsonl), or wherever PFA_RISK_DEV_SET points.
DEV = Path(os.environ.get("PFA_RISK_DEV_SET") or _ROOT.parent / "shared" / "risk" / "dev.jsonl")

# Blind holdouts: each written by a different tester from the label definitions alone, before
# reading any rule, then used to find the kinds of language missed. Counts per label (crisis,
# concern, safe) and what each set stressed:
HOLDOUTS = {
    # general: typos, slang, indirect farewells, means, third person, negation, figurative, Spanish
    "risk_holdout.jsonl": (120, 120, 120),
    # registers: teenagers, older adults, learners' English, euphemisms, emoji, Latin American Spanish
    "risk_holdout_2.jsonl": (100, 100, 100),
    # short chat messages in the dev set's style
    "risk_holdout_3.jsonl": (80, 80, 80),
    # intent with a time, plans, means of every kind, attempts just done, harm to others, violence now
    "risk_holdout_4.jsonl": (110, 80, 50),
    # the dev set's kinds: farewells, refusing to be talked out of it, notes, other languages
    "risk_holdout_5.jsonl": (70, 70, 70),
    # several people's versions of each dev kind: windows, tracks, a running engine, attacks now
    "risk_holdout_6.jsonl": (100, 50, 50),
    # letting go at a height, revenge with a weapon, a noose, abuse in euphemism, harming a baby
    "risk_holdout_7.jsonl": (60, 60, 60),
    # goodbyes, pills laid out, "fr" after intent, a plan after passive wording, funerals
    "risk_holdout_8.jsonl": (70, 40, 40),
    # pills in hand, "make sure of it", terse "ending it tonight", accidents wished for, a child's cuts
    "risk_holdout_9.jsonl": (60, 45, 45),
    # lethality and height questions, dated farewells, pets given away, water, exhaust, typos
    "risk_holdout_10.jsonl": (60, 30, 30),
    "risk_holdout_11.jsonl": (60, 30, 30),  # eleventh blind set: unspoken decisions, last arrangements
}

# Written the same way after the learned layer came (see flows/risk/model.py): each blind set was
# measured before it joined the training data; the others were written as training data from the
# start, each on one theme. The model is trained on all of them, so they show the rules and the
# model fit together; the honest figures are `pfa-bot risk-train --cross-validate`'s.
LEARNED_SETS = {
    "risk_holdout_12.jsonl": (57, 38, 39),  # dev style, slang and Spanish
    "risk_holdout_13.jsonl": (70, 37, 37),  # indirect: goodbyes, places, means gathered, look-alikes
    "risk_holdout_14.jsonl": (59, 45, 45),  # many countries' idiom, half plain, half indirect
    "risk_holdout_15.jsonl": (47, 27, 29),  # dev kinds in other people's words
    "risk_holdout_16.jsonl": (55, 35, 39),  # a week of a crisis service's messages
    "risk_holdout_17.jsonl": (60, 43, 42),  # dev kinds without the stock sentences
    "risk_holdout_18.jsonl": (59, 44, 45),  # a month of first messages, many lives
    "risk_holdout_19.jsonl": (57, 37, 35),  # sealed until the final model: the dev set's kinds
    "risk_holdout_20.jsonl": (59, 43, 44),  # sealed until the final model: first messages at night
    "risk_holdout_21.jsonl": (56, 38, 38),  # sealed until the last retraining: the dev set's kinds
    "risk_holdout_22.jsonl": (58, 42, 43),  # sealed until the last retraining: a winter's texts
    "risk_train_a.jsonl": (50, 40, 60),  # look-alikes: sport, cooking, endings, medicine, heights
    "risk_train_b.jsonl": (70, 30, 50),  # final arrangements, dangerous places, means prepared
    "risk_train_c.jsonl": (60, 45, 45),  # Nigerian, Indian, Irish, Australian English; Spanish
    "risk_train_d.jsonl": (60, 44, 44),  # teenagers online: slang, emoji, run-ons
    "risk_train_e.jsonl": (60, 45, 44),  # harm to others, violence and abuse now, emergencies
    "risk_train_f.jsonl": (38, 68, 37),  # the line between concern and the rest
    "risk_train_g.jsonl": (59, 38, 39),  # the dev set's kinds, new wording
    "risk_train_h.jsonl": (70, 34, 43),  # crisis said sideways, not to alarm anyone
    "risk_train_i.jsonl": (30, 29, 90),  # everyday distress, exercise answers, questions
    "risk_train_j.jsonl": (59, 45, 45),  # Spanish of Spain and Latin America, Spanglish
    "risk_train_k.jsonl": (60, 45, 45),  # men, veterans, farmers, nurses, carers, the widowed
    "risk_train_l.jsonl": (47, 53, 45),  # who and when: third person, past, hedging, questions
    "risk_train_m.jsonl": (25, 25, 150),  # upset but not at risk
    "risk_train_n.jsonl": (37, 40, 120),  # the same words, harmless and not
    "risk_train_o.jsonl": (108, 38, 39),  # the widest variety of crisis wording
    "risk_train_p.jsonl": (79, 56, 57),  # Spanish as chatted from Mexico to Madrid, Spanglish
    "risk_train_q.jsonl": (25, 25, 150),  # hard days told at night, no danger
    "risk_train_r.jsonl": (110, 42, 44),  # understated crisis: means tested, company asked for
    "risk_train_s.jsonl": (76, 55, 45),  # the dev set's kinds, third wording
    "risk_train_t.jsonl": (15, 15, 170),  # hospital corridors, funerals, break-ups: upset, safe
    "risk_train_u.jsonl": (15, 15, 170),  # school, friends, bodies, online: upset, safe
    "risk_train_v.jsonl": (15, 15, 170),  # parents, carers, workers, money, health: upset, safe
    "risk_train_w.jsonl": (90, 58, 43),  # first messages at night, crisis mostly understated
    "risk_train_x.jsonl": (47, 96, 40),  # the middle: passive wishes, burden, fear of oneself
}
# The fit on data the model has seen must stay close to complete: a drop means a rule or the
# model's reading broke something it used to get right.
LEARNED_FIT = {"crisis": 0.9, "concern": 0.9, "safe": 0.9}


def _rows(path: Path) -> list[tuple[str, str]]:
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [(row["text"], row["label"]) for row in map(json.loads, filter(str.strip, lines))]


CORPUS_ROWS = _rows(CORPUS)
DEV_ROWS = _rows(DEV)
HOLDOUT_ROWS = [(name, text, label) for name in HOLDOUTS for text, label in _rows(DATA / name)]
HOLDOUT_ROWS_TEXTS = [(text, label) for _, text, label in HOLDOUT_ROWS]


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


@pytest.mark.skipif(
    not DEV.exists(),
    reason=f"the shared risk development set is not beside this checkout ({DEV}); set PFA_RISK_DEV_SET",
)
@pytest.mark.parametrize(
    ("text", "label"), DEV_ROWS or [("", "safe")], ids=[t[:40] for t, _ in DEV_ROWS] or ["none"]
)
def test_dev_line_meets_its_bar(text, label):
    result = assess(text)
    assert meets_bar(label, result.level), (result.level, sorted(result.signals), result.evidence)


@pytest.mark.parametrize(("name", "counts"), [*HOLDOUTS.items(), *LEARNED_SETS.items()])
def test_each_holdout_has_its_counts_and_no_duplicates(name, counts):
    rows = _rows(DATA / name)
    labels = [label for _, label in rows]
    assert [labels.count(label) for label in ("crisis", "concern", "safe")] == list(counts)
    texts = [text.casefold() for text, _ in rows]
    assert len(texts) == len(set(texts))


@pytest.mark.parametrize(
    ("name", "text", "label"), HOLDOUT_ROWS, ids=[f"{n[:-6]}:{t[:32]}" for n, t, _ in HOLDOUT_ROWS]
)
def test_holdout_line_meets_its_bar(name, text, label):
    result = assess(text)
    assert meets_bar(label, result.level), (result.level, sorted(result.signals), result.evidence)


@pytest.mark.parametrize("name", LEARNED_SETS)
def test_rules_and_model_fit_each_learned_set(name):
    report = evaluate(_rows(DATA / name))
    for label, least in LEARNED_FIT.items():
        assert report.scores[label].recall >= least, format_report(report)


def test_no_line_of_a_learned_set_is_elsewhere():
    # Each was deduplicated when it came, so that no line counts twice in training or evaluation.
    elsewhere = {text.casefold() for text, _ in DEV_ROWS + CORPUS_ROWS + HOLDOUT_ROWS_TEXTS}
    for name in LEARNED_SETS:
        texts = {text.casefold() for text, _ in _rows(DATA / name)}
        assert not elsewhere & texts, name
        elsewhere |= texts
