"""The learned layer: a linear text model trained on the project's labelled risk lines.

Phrase rules are exact and explainable but only catch the wording someone wrote a rule for; people
in crisis often write around the words ("gave the cat away and wrote everyone letters, it's time").
This model reads word and character n-grams of the normalised text, so it generalises to unseen
wording of the kinds it was trained on. It can only raise a level: the rules' readings stay the
evidence staff see, and the model adds its probability beside them.

Inference is a few numpy operations over a packaged JSON file (no I/O after import). Training lives
in the shell (`bot/risk_training.py`, `pfa-bot risk-train`) and uses the same `features` function,
so the two can never disagree on what a feature is.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np

CLASSES = ("safe", "concern", "crisis")
MODEL_FILE = "risk_model.json"
# Raise when `features` changes: the packaged model then no longer matches and must be retrained.
FEATURES_VERSION = 2
_WORD = re.compile(r"\w+")
_CHAR_SIZES = range(2, 6)
_PAIR_SIZES = range(3, 7)
_REMEMBERED = 100_000


def features(normalised: str) -> list[str]:
    """Word 1-3-grams, character 2-5-grams within each word, 3-6-grams across each pair of words."""
    tokens = normalised.split()
    found = word_features(normalised)
    for token in tokens:
        found += char_grams(token)
    for pair in itertools.pairwise(tokens):
        found += pair_grams(*pair)
    return found


def word_features(normalised: str) -> list[str]:
    words = _WORD.findall(normalised)
    found = [f"w {w}" for w in words]
    found += [f"w {a} {b}" for a, b in itertools.pairwise(words)]
    found += [f"w {a} {b} {c}" for a, b, c in zip(words, words[1:], words[2:], strict=False)]
    return found


def char_grams(token: str) -> tuple[str, ...]:
    padded = f" {token} "
    return tuple(f"c{padded[i : i + n]}" for n in _CHAR_SIZES for i in range(len(padded) - n + 1))


def pair_grams(first: str, second: str) -> tuple[str, ...]:
    """Grams that cross the space between two words, so "end it" and "ending it all" share some."""
    joined = f" {first} {second} "
    space = len(first) + 1
    return tuple(
        f"x{joined[i : i + n]}"
        for n in _PAIR_SIZES
        for i in range(max(0, space - n + 2), min(space, len(joined) - n + 1))
    )


@dataclass(frozen=True)
class Thresholds:
    """Probabilities at which the model's reading counts: crisis alone, and concern or crisis."""

    crisis: float
    concern: float


class TextModel:
    """A multinomial logistic regression over l2-normalised tf-idf features (tf: present or not),
    built from its JSON form (`bot/risk_training.py` writes it)."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        weights: Mapping[str, list[float]] = data["weights"]
        self.columns = {feature: column for column, feature in enumerate(weights)}
        table = np.array(list(weights.values()), dtype=np.float64).reshape(len(weights), len(CLASSES) + 1)
        self.idf = table[:, 0]
        self.coefficients = table[:, 1:]
        self.intercepts = np.array(data["intercepts"], dtype=np.float64)
        self.thresholds = Thresholds(
            float(data["thresholds"]["crisis"]), float(data["thresholds"]["concern"])
        )
        self.trained_on = str(data["trained_on"])
        self._known: dict[str, list[int]] = {}

    def probabilities(self, normalised: str) -> dict[str, float]:
        tokens = normalised.split()
        columns = self._columns(word_features(normalised))
        for token in tokens:
            columns += self._cached(token, char_grams, token)
        for first, second in itertools.pairwise(tokens):
            columns += self._cached(f"{first} {second}", pair_grams, first, second)
        if not columns:
            return self._softmax(self.intercepts)
        found = np.fromiter(set(columns), dtype=np.intp)
        values = self.idf[found]
        return self._softmax(values @ self.coefficients[found] / np.sqrt(values @ values) + self.intercepts)

    def _columns(self, found: Iterable[str]) -> list[int]:
        return [c for f in found if (c := self.columns.get(f)) is not None]

    def _cached(self, key: str, grams: Callable[..., tuple[str, ...]], *words: str) -> list[int]:
        # People reuse a small vocabulary: a word's (or a pair's) n-grams are looked up once.
        known = self._known.get(key)
        if known is None:
            if len(self._known) >= _REMEMBERED:
                self._known.clear()
            known = self._known[key] = self._columns(grams(*words))
        return known

    @staticmethod
    def _softmax(scores: np.ndarray) -> dict[str, float]:
        exps = np.exp(scores - scores.max())
        return dict(zip(CLASSES, (exps / exps.sum()).tolist(), strict=True))


def load_packaged_model() -> TextModel | None:
    """The model shipped beside the lexicons, or None when none has been trained yet."""
    file = resources.files("flows.risk").joinpath(MODEL_FILE)
    if not file.is_file():
        return None
    return TextModel(json.loads(file.read_text(encoding="utf-8")))
