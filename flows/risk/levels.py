"""Risk levels and the result of one assessment."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from functools import total_ordering


@total_ordering
class RiskLevel(Enum):
    """How urgently a person needs a human, ordered none < low < moderate < high < imminent."""

    NONE = "none"
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"
    IMMINENT = "imminent"

    @property
    def rank(self) -> int:
        return _ORDER.index(self)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, RiskLevel):
            return NotImplemented
        return self.rank < other.rank

    @classmethod
    def highest(cls, *levels: RiskLevel) -> RiskLevel:
        return max(levels, default=cls.NONE)


_ORDER = list(RiskLevel)


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

    @property
    def needs_screening(self) -> bool:
        return self.level >= RiskLevel.MODERATE
