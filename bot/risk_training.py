"""Training the risk detector's learned layer from labelled JSONL lines (`pfa-bot risk-train`).

scikit-learn fits the model (it is a development dependency, not needed at run time); the features
come from `flows.risk.model.features` on the detector's own normalised text, and the result is
written as the JSON that `flows.risk.model` reads.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from flows.risk.detector import judge_with, normalise
from flows.risk.evaluation import EvaluationReport, evaluate
from flows.risk.model import CLASSES, FEATURES_VERSION, MODEL_FILE, TextModel, Thresholds, features

PACKAGED_MODEL = Path(__file__).resolve().parents[1] / "flows" / "risk" / MODEL_FILE
TRAINING_DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
# Regularisation, thresholds and the weight of real text chosen by leaving the blind sets 12-22 out
# one at a time and by false alarms on a part of the GoEmotions training comments kept out of
# training (docs/risk-evaluation.md, "Real text"). The looser fit keeps every labelled line's bar.
STRENGTH = 32.0
DEFAULT_THRESHOLDS = Thresholds(crisis=0.3, concern=0.7)
CURATED = "risk_corpus.jsonl"
CURATED_WEIGHT = 3.0
# Real everyday text nobody here wrote (GoEmotions comments the detector flagged, labelled by hand):
# it teaches the model what ordinary people's words look like, against the style of our own lines.
REAL = "risk_real_"
REAL_WEIGHT = 2.0
# The fit runs until the gradient is this flat, so that a small change in the lines gives a small
# change in the model (at scikit-learn's default, 1e-4, L-BFGS stopped after about 70 iterations and
# five new lines moved dozens of labelled lines across their bar).
TOLERANCE = 1e-6
_DIGITS = 6
# Differences this small between two fits of the same lines are floating point noise, not learning.
NOISE = 10.0 ** -(_DIGITS - 2)


class TrainerMissing(RuntimeError):
    """scikit-learn is not installed here; the message says how to install it."""


def training_files(folder: Path = TRAINING_DATA) -> list[Path]:
    """The project's labelled risk lines: its corpus, every blind holdout and the training sets."""
    return sorted(folder.glob("risk_*.jsonl"))


def read_lines(paths: Iterable[Path]) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                rows.append((str(row["text"]), str(row["label"])))
    return rows


def digest(rows: Sequence[tuple[str, str]]) -> str:
    """A fingerprint of what the model learns from: the lines as the detector normalises them, and
    the version of the features; independent of the lines' order and files."""
    joined = "\n".join(sorted(f"{label}\t{normalise(text)}" for text, label in rows))
    return hashlib.sha256(f"{FEATURES_VERSION}\n{joined}".encode()).hexdigest()


def train(paths: Sequence[Path], thresholds: Thresholds = DEFAULT_THRESHOLDS) -> dict[str, Any]:
    """Fit the model on the files' lines and return its JSON form."""
    rows = read_lines(paths)
    vectoriser, fitted = fit(rows, weights_of(paths))
    return _as_json(vectoriser, fitted, thresholds, digest(rows))


def weights_of(paths: Sequence[Path]) -> list[float]:
    """One weight a line: the corpus's trap sentences were written against near misses, so count more."""
    return [_weight(path) for path in paths for _ in read_lines([path])]


def _weight(path: Path) -> float:
    if path.name == CURATED:
        return CURATED_WEIGHT
    return REAL_WEIGHT if path.name.startswith(REAL) else 1.0


def fit(rows: Sequence[tuple[str, str]], weights: Sequence[float] | None = None) -> tuple[Any, Any]:
    """The fitted scikit-learn vectoriser and classifier (imported here: a development dependency)."""
    try:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
    except ImportError:
        raise TrainerMissing(
            "risk-train needs scikit-learn, a development dependency: pip install -e '.[dev]'"
        ) from None

    vectoriser = TfidfVectorizer(analyzer=features, binary=True, min_df=2)
    matrix = vectoriser.fit_transform([normalise(text) for text, _ in rows])
    targets = [CLASSES.index(label) for _, label in rows]
    classifier = LogisticRegression(C=STRENGTH, max_iter=5000, tol=TOLERANCE)
    fitted = classifier.fit(matrix, targets, sample_weight=weights)
    return vectoriser, fitted


def _as_json(vectoriser: Any, fitted: Any, thresholds: Thresholds, trained_on: str) -> dict[str, Any]:
    weights = {
        feature: [round(float(vectoriser.idf_[column]), _DIGITS)]
        + [round(float(fitted.coef_[k][column]), _DIGITS) for k in range(len(CLASSES))]
        for feature, column in sorted(vectoriser.vocabulary_.items())
    }
    return {
        "classes": list(CLASSES),
        "thresholds": {"crisis": thresholds.crisis, "concern": thresholds.concern},
        "intercepts": [round(float(b), _DIGITS) for b in fitted.intercept_],
        "trained_on": trained_on,
        "weights": weights,
    }


def write_model(model: dict[str, Any], path: Path = PACKAGED_MODEL) -> bool:
    """Write the model, unless the file already holds it; return whether the file changed.

    Fitting the same lines again differs in the last digits (floating point sums in another
    order), so a model trained on the same data within that noise leaves the file as it is.
    """
    if path.exists() and _same_within_noise(json.loads(path.read_text(encoding="utf-8")), model):
        return False
    path.write_text(json.dumps(model, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    return True


def _same_within_noise(old: Any, new: Any) -> bool:
    if isinstance(old, dict) and isinstance(new, dict):
        return old.keys() == new.keys() and all(_same_within_noise(old[k], new[k]) for k in old)
    if isinstance(old, list) and isinstance(new, list):
        return len(old) == len(new) and all(map(_same_within_noise, old, new))
    if isinstance(old, float | int) and isinstance(new, float | int) and not isinstance(old, bool):
        return abs(old - new) <= NOISE
    return bool(old == new)


def cross_validate(paths: Sequence[Path]) -> list[tuple[str, EvaluationReport, EvaluationReport]]:
    """Leave each file out in turn: the rules alone, then the rules with a model trained without it.

    The honest figure for unseen messages, as far as the files were written independently. The
    rules were tuned on the earlier holdouts, so on those the first report flatters them.
    """
    results = []
    for left_out in paths:
        rows = read_lines([left_out])
        model = TextModel(train([p for p in paths if p != left_out]))
        rules = evaluate(rows, judge_with(None))
        results.append((left_out.name, rules, evaluate(rows, judge_with(model))))
    return results
