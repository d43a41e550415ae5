"""Measuring the detector against labelled messages: recall per label and false alarms on safe lines.

Labels say what the bot must do with a message read on its own: `crisis` must reach high, `concern`
must reach moderate, `safe` must stay at low or below. Pure functions: the caller reads the file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from flows.risk.detector import assess
from flows.risk.levels import RiskAssessment, RiskLevel

# The bar each label must meet, as (lowest acceptable level, highest acceptable level).
BARS: Mapping[str, tuple[RiskLevel, RiskLevel]] = {
    "crisis": (RiskLevel.HIGH, RiskLevel.IMMINENT),
    "concern": (RiskLevel.MODERATE, RiskLevel.IMMINENT),
    "safe": (RiskLevel.NONE, RiskLevel.LOW),
}


@dataclass(frozen=True)
class Miss:
    """One line the detector judged wrongly."""

    text: str
    label: str
    level: RiskLevel
    signals: tuple[str, ...]


@dataclass(frozen=True)
class LabelScore:
    """How many lines of one label met their bar."""

    label: str
    total: int = 0
    met: int = 0

    @property
    def recall(self) -> float:
        """Share of the label's lines that met the bar (1.0 when there are none)."""
        return self.met / self.total if self.total else 1.0


@dataclass(frozen=True)
class EvaluationReport:
    """Per-label recall, false alarms on safe lines and every misjudged line."""

    scores: Mapping[str, LabelScore]
    false_alarms: int = 0
    misses: tuple[Miss, ...] = field(default_factory=tuple)

    @property
    def total(self) -> int:
        """Number of lines evaluated."""
        return sum(score.total for score in self.scores.values())

    @property
    def false_alarm_rate(self) -> float:
        """Share of safe lines that reached moderate or above (0.0 when there are none)."""
        safe = self.scores.get("safe")
        return self.false_alarms / safe.total if safe and safe.total else 0.0


def meets_bar(label: str, level: RiskLevel) -> bool:
    """True when `level` is what a message labelled `label` must get; unknown labels raise KeyError."""
    low, high = BARS[label]
    return low <= level <= high


def evaluate(
    rows: Iterable[tuple[str, str]], judge: Callable[[str], RiskAssessment] = assess
) -> EvaluationReport:
    """Assess every (text, label) row and score the results against the label's bar."""
    counts: dict[str, list[int]] = {}
    misses: list[Miss] = []
    false_alarms = 0
    for text, label in rows:
        result = judge(text)
        met = meets_bar(label, result.level)
        tally = counts.setdefault(label, [0, 0])
        tally[0] += 1
        tally[1] += met
        if not met:
            misses.append(Miss(text, label, result.level, tuple(sorted(result.signals))))
        false_alarms += label == "safe" and result.level >= RiskLevel.MODERATE
    scores = {label: LabelScore(label, total, met) for label, (total, met) in counts.items()}
    return EvaluationReport(scores, false_alarms, tuple(misses))


def format_report(report: EvaluationReport) -> str:
    """A plain-text summary: one line per label, the false-alarm rate, then the misjudged lines."""
    lines = [f"{report.total} lines"]
    for label in sorted(report.scores, key=_label_order):
        score = report.scores[label]
        lines.append(f"{label:>8}: {score.met}/{score.total} met the bar ({score.recall:.1%})")
    safe_total = report.scores["safe"].total if "safe" in report.scores else 0
    lines.append(
        f"false alarms: {report.false_alarms}/{safe_total} safe lines at moderate or above "
        f"({report.false_alarm_rate:.1%})"
    )
    if report.misses:
        lines.append("misjudged:")
        lines.extend(_format_miss(miss) for miss in report.misses)
    return "\n".join(lines)


def _format_miss(miss: Miss) -> str:
    signals = ", ".join(miss.signals) or "-"
    return f"  [{miss.label} -> {miss.level.value}] {miss.text!r} ({signals})"


def _label_order(label: str) -> tuple[int, str]:
    order = list(BARS)
    return (order.index(label) if label in order else len(order), label)


@dataclass(frozen=True)
class Flagged:
    """One unlabelled line read at moderate or above."""

    text: str
    level: RiskLevel
    signals: tuple[str, ...]
    asked_first: bool  # only the learned layer read it high: the person is asked before any page


@dataclass(frozen=True)
class Survey:
    """How unlabelled traffic is read: lines at each level, and the flagged lines, highest first."""

    total: int
    levels: Mapping[RiskLevel, int]
    asked_first: int
    flagged: tuple[Flagged, ...]

    def count(self, at_least: RiskLevel) -> int:
        """Lines read at `at_least` or above."""
        return sum(n for level, n in self.levels.items() if level >= at_least)

    def share(self, at_least: RiskLevel) -> float:
        """Share of lines read at `at_least` or above (0.0 when there are none)."""
        return self.count(at_least) / self.total if self.total else 0.0

    @property
    def pages(self) -> int:
        """Lines that would page staff at once: high or above on the rules' evidence."""
        return self.count(RiskLevel.HIGH) - self.asked_first


def survey(texts: Iterable[str], judge: Callable[[str], RiskAssessment] = assess, top: int = 20) -> Survey:
    """Assess unlabelled lines (an organisation's own traffic): what would be flagged, and how often."""
    levels = dict.fromkeys(RiskLevel, 0)
    flagged: list[Flagged] = []
    for text in texts:
        result = judge(text)
        levels[result.level] += 1
        if result.level >= RiskLevel.MODERATE:
            flagged.append(Flagged(text, result.level, tuple(sorted(result.signals)), result.to_confirm))
    ranked = sorted(flagged, key=lambda line: (-line.level.rank, line.asked_first))
    asked = sum(line.asked_first for line in flagged)
    return Survey(sum(levels.values()), levels, asked, tuple(ranked[:top]))


def format_survey(found: Survey) -> str:
    """A plain-text summary: the share at each level, what would page or be asked, the top lines."""
    lines = [f"{found.total} lines"]
    for level in RiskLevel:
        count = found.levels.get(level, 0)
        share = count / found.total if found.total else 0.0
        lines.append(f"{level.value:>9}: {count} ({share:.2%})")
    high, moderate = found.share(RiskLevel.HIGH), found.share(RiskLevel.MODERATE)
    lines.append(f"high or above: {high:.2%}; moderate or above: {moderate:.2%}")
    pages = found.pages / found.total if found.total else 0.0
    lines.append(
        f"would page at once: {found.pages} ({pages:.2%}); "
        f"asked first, paged only if the person says yes: {found.asked_first}"
    )
    if found.flagged:
        lines.append(f"top {len(found.flagged)} flagged lines:")
        lines.extend(_format_flagged(line) for line in found.flagged)
    return "\n".join(lines)


def _format_flagged(line: Flagged) -> str:
    asked = ", asked first" if line.asked_first else ""
    return f"  [{line.level.value}{asked}] {line.text!r} ({', '.join(line.signals) or '-'})"
