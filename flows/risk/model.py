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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np

CLASSES = ("safe", "concern", "crisis")
MODEL_FILE = "risk_model.json"
_WORD = re.compile(r"\w+")
_CHAR_SIZES = range(2, 6)
_TOKENS_REMEMBERED = 50_000


def features(normalised: str) -> list[str]:
    """Word unigrams and bigrams, and character 2-5-grams within each padded word."""
    found = word_features(normalised)
    for token in normalised.split():
        found += char_grams(token)
    return found


def word_features(normalised: str) -> list[str]:
    words = _WORD.findall(normalised)
    return [f"w {w}" for w in words] + [f"w {a} {b}" for a, b in itertools.pairwise(words)]


def char_grams(token: str) -> tuple[str, ...]:
    padded = f" {token} "
    return tuple(f"c{padded[i : i + size]}" for size in _CHAR_SIZES for i in range(len(padded) - size + 1))


@dataclass(frozen=True)
class Thresholds:
    """Probabilities at which the model's reading counts: crisis alone, and concern or crisis."""

    crisis: float
    concern: float


class TextModel:
    """A multinomial logistic regression over sublinear, l2-normalised tf-idf features."""

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
        self._known_tokens: dict[str, list[int]] = {}

    def probabilities(self, normalised: str) -> dict[str, float]:
        columns = self._columns(word_features(normalised))
        for token in normalised.split():
            columns += self._token_columns(token)
        if not columns:
            return self._softmax(self.intercepts)
        found, counts = np.unique(np.array(columns), return_counts=True)
        values = (1.0 + np.log(counts)) * self.idf[found]
        norm = float(np.sqrt(values @ values))
        return self._softmax(values @ self.coefficients[found] / norm + self.intercepts)

    def _columns(self, found: Iterable[str]) -> list[int]:
        return [c for f in found if (c := self.columns.get(f)) is not None]

    def _token_columns(self, token: str) -> list[int]:
        # People reuse a small vocabulary: a word's character n-grams are looked up once, not per message.
        known = self._known_tokens.get(token)
        if known is None:
            if len(self._known_tokens) >= _TOKENS_REMEMBERED:
                self._known_tokens.clear()
            known = self._known_tokens[token] = self._columns(char_grams(token))
        return known

    @staticmethod
    def _softmax(scores: np.ndarray) -> dict[str, float]:
        exps = np.exp(scores - scores.max())
        return dict(zip(CLASSES, (exps / exps.sum()).tolist(), strict=True))


def model_from_dict(data: Mapping[str, Any]) -> TextModel:
    """Build a model from its JSON form (see `bot/risk_training.py` for the writer)."""
    return TextModel(data)


def load_packaged_model() -> TextModel | None:
    """The model shipped beside the lexicons, or None when none has been trained yet."""
    file = resources.files("flows.risk").joinpath(MODEL_FILE)
    if not file.is_file():
        return None
    return model_from_dict(json.loads(file.read_text(encoding="utf-8")))
