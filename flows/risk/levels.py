"""Risk levels and the result of one assessment."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class RiskLevel(Enum):
    """How urgently a person needs a human, ordered none < low < moderate < high < imminent."""

    NONE = "none"
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"
    IMMINENT = "imminent"

    @property
    def rank(self) -> int:
        return _RANK[self]

    # Every comparison written out, each one dictionary lookup: levels are compared hundreds of
    # times an assessment, and total_ordering's derived methods and a list lookup were 7% of it.
    def __lt__(self, other: object) -> bool:
        if not isinstance(other, RiskLevel):
            return NotImplemented
        return _RANK[self] < _RANK[other]

    def __le__(self, other: object) -> bool:
        if not isinstance(other, RiskLevel):
            return NotImplemented
        return _RANK[self] <= _RANK[other]

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, RiskLevel):
            return NotImplemented
        return _RANK[self] > _RANK[other]

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, RiskLevel):
            return NotImplemented
        return _RANK[self] >= _RANK[other]

    @classmethod
    def highest(cls, *levels: RiskLevel) -> RiskLevel:
        return max(levels, default=cls.NONE)


_ORDER = list(RiskLevel)
_RANK = {level: rank for rank, level in enumerate(_ORDER)}


@dataclass(frozen=True)
class Evidence:
    """What fired and on which words: for staff, never shown to the person."""

    signal: str
    rule: str
    matched: str


@dataclass(frozen=True)
class RiskContext:
    """Where in the conversation the text was said, so that short answers mean what they mean there.

    `recent` holds the signals of the person's recent messages (never their words): "ok took them"
    after "I've got my dad's old pills here" is an overdose, "tonight" after a plan is imminent.
    """

    state: str = ""
    step: str = ""
    recent: frozenset[str] = frozenset()


@dataclass(frozen=True)
class RiskAssessment:
    """The level, the signals that fired, and the evidence for staff."""

    level: RiskLevel = RiskLevel.NONE
    signals: frozenset[str] = field(default_factory=frozenset)
    evidence: tuple[Evidence, ...] = ()
    # The level the rules' explicit evidence reached on its own; the learned layer may read more.
    # Derived from the findings, so two assessments with the same level and evidence are equal.
    ruled: RiskLevel | None = field(default=None, compare=False)

    @property
    def needs_screening(self) -> bool:
        return self.level >= RiskLevel.MODERATE

    @property
    def to_confirm(self) -> bool:
        """High only in the learned layer's reading: ask the person before anyone is paged.

        The model reads the style of words, not who or when, and on everyday text it is wrong far
        more often than right; a page and a level that never goes down rest on the rules' evidence
        or on the person's own answer.
        """
        return self.level >= RiskLevel.HIGH and self.ruled is not None and self.ruled < RiskLevel.HIGH

    @property
    def acted_level(self) -> RiskLevel:
        """The level acted on at once: a reading still to confirm counts as moderate until answered."""
        if not self.to_confirm:
            return self.level
        return RiskLevel.highest(self.ruled or RiskLevel.NONE, RiskLevel.MODERATE)
