"""The risk gate: every message is assessed before the state sees it, and risk can interrupt any flow."""

from __future__ import annotations

from flows.content import content_for
from flows.crisis_lines import render_lines
from flows.events import Event, Text
from flows.intents import Reply
from flows.escalation import request_person
from flows.risk import RiskContext, RiskLevel, assess
from flows.turn import Turn


def intercept(turn: Turn, event: Event) -> bool:
    """Assess the message first; return True when risk took the turn over from the state."""
    if not isinstance(event, Text):
        return False
    conversation = turn.conversation
    turn.risk = assess(event.text, RiskContext(conversation.state, conversation.step))
    conversation.risk_level = RiskLevel.highest(conversation.risk_level, turn.risk.level)
    if turn.risk.level < RiskLevel.HIGH:
        return False
    request_person(turn, "risk", "safety.high")
    return True


def fail_safe_reply(language: str = "en", country: str | None = None) -> Reply:
    """What a person gets when handling their message failed: never silence, always the lines."""
    content = content_for(language)
    return Reply(content.text("safety.fail_safe", lines=render_lines(country, content)))
