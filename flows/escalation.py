"""Asking for a human: the escalation intent and what the person is told at once."""

from __future__ import annotations

from flows.crisis_lines import CRISIS, render_lines
from flows.intents import Escalate
from flows.risk.levels import RiskLevel
from flows.turn import Turn


def request_person(
    turn: Turn,
    reason: str,
    message_key: str = "escalation.requested",
    kinds: tuple[str, ...] = (CRISIS,),
    **values: object,
) -> None:
    """Emit an escalation and tell the person honestly, with the crisis lines in the same reply.

    Whether anyone answers is not known here; the crisis lines go out at once so that the person
    is never left waiting on a hope alone. `kinds` puts the lines for a kind of crisis (domestic
    violence, poison control) before them.
    """
    conversation = turn.conversation
    level = RiskLevel.highest(conversation.risk_level, RiskLevel.MODERATE)
    evidence = tuple(f"{item.signal}: {item.matched}" for item in turn.risk.evidence)
    signals = tuple(sorted(turn.risk.signals))
    turn.intents.append(Escalate(level, signals, staff_summary(turn), reason, evidence))
    lines = render_lines(conversation.country, turn.content, kinds=kinds)
    turn.say(turn.text(message_key, lines=lines, **values))


def staff_summary(turn: Turn) -> str:
    """A short, text-free summary for staff: where the person is and how they rated their distress."""
    conversation = turn.conversation
    parts = [
        f"state={conversation.position}",
        f"risk={conversation.risk_level.value}",
        f"distress_before={_rating(conversation.distress_before)}",
        f"distress_after={_rating(conversation.distress_after)}",
        f"country={conversation.country or '?'}",
    ]
    screening = conversation.answers.get("screening")
    if screening:
        parts.append("screening=" + ",".join(f"{q}:{'yes' if a else 'no'}" for q, a in screening.items()))
    return " ".join(parts)


def _rating(value: int | None) -> str:
    return "?" if value is None else str(value)
