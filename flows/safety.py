"""The risk gate: every message is assessed before the state sees it, and risk can interrupt any flow.

What each level does: imminent gives the emergency number and crisis line in the very first reply,
asks for a person at top priority and stays with the person; high gives the lines and asks for a
person at once, then offers screening; moderate offers screening; concern for someone else gets
guidance for helping them. A conversation's level never goes down within a session.

A high reading of the learned layer alone pages no one: the person is asked directly
(`flows.check`), and their answer, or the rules' evidence, raises the level.
"""

from __future__ import annotations

from typing import Literal

from flows import check
from flows.commands import resume
from flows.content import content_for
from flows.crisis_lines import emergency_number, render_lines
from flows.escalation import request_person
from flows.events import Edited, Event, Text
from flows.intents import Reply
from flows.risk import RiskContext, RiskLevel, assess
from flows.states.consent import hinted_country
from flows.turn import Turn

THIRD_PARTY = "third_party_concern"


def intercept(turn: Turn, event: Event) -> bool:
    """Assess the message first; return True when risk took the turn over from the state."""
    if not isinstance(event, Text | Edited):
        return False
    conversation = turn.conversation
    turn.risk = assess(event.text, RiskContext(conversation.state, conversation.step))
    conversation.risk_level = RiskLevel.highest(conversation.risk_level, turn.risk.acted_level)
    if conversation.pending == check.PENDING:
        if turn.risk.acted_level < RiskLevel.HIGH:
            return False  # the answer to the check question: it decides
        conversation.pending = ""  # the rules' evidence answers it already
    if turn.risk.level < RiskLevel.MODERATE:
        return False
    if turn.risk.signals == {THIRD_PARTY}:
        return _for_someone_else(turn)
    if turn.risk.to_confirm:
        return _to_confirm(turn)
    already = _acted_on(turn)
    if not conversation.past_consent:
        return _before_consent(turn)
    if turn.risk.level >= RiskLevel.IMMINENT:
        return _imminent(turn)
    if turn.risk.level >= RiskLevel.HIGH:
        return _high(turn, already)
    return _moderate(turn, already)


def _acted_on(turn: Turn) -> RiskLevel:
    """The highest level already acted on this session; records the new one."""
    answers = turn.conversation.answers
    already = RiskLevel(answers.get("acted_on", RiskLevel.NONE.value))
    answers["acted_on"] = RiskLevel.highest(already, turn.risk.level).value
    return already


def _to_confirm(turn: Turn) -> bool:
    """Only the learned layer reads a crisis: ask the person directly instead of paging.

    Before consent the lines go out as for any signal; while a case is open (waiting or with staff)
    the team reads every word; in the screening its questions already ask; after a "no" this
    session the model alone asks no more.
    """
    conversation = turn.conversation
    if not conversation.past_consent:
        return _before_consent(turn)
    asked_elsewhere = conversation.state == "screening" or bool(conversation.case_status)
    if asked_elsewhere or check.declined_before(turn):
        return False
    check.ask(turn)
    return True


def _imminent(turn: Turn) -> bool:
    emergency = emergency_number(turn.conversation.country)
    if turn.conversation.state == "with_staff":
        request_person(turn, "risk", "safety.urgent_with_staff", emergency=emergency)
        return False  # the staff member must read this message too
    request_person(turn, "risk", "safety.imminent", emergency=emergency)
    _screen(turn)
    return True


def _high(turn: Turn, already: RiskLevel) -> bool:
    key = "safety.high_with_staff" if turn.conversation.state == "with_staff" else "safety.high"
    request_person(turn, "risk", key, emergency=emergency_number(turn.conversation.country))
    if turn.conversation.state in ("screening", "with_staff"):
        return False  # the screening question still takes this answer; staff still read it
    if already < RiskLevel.HIGH:
        _screen(turn)
    else:
        _resume(turn)
    return True


def _moderate(turn: Turn, already: RiskLevel) -> bool:
    if already >= RiskLevel.MODERATE or turn.conversation.state in ("screening", "with_staff"):
        return False
    turn.say_key("safety.moderate")
    _screen(turn)
    return True


def _for_someone_else(turn: Turn) -> bool:
    country = turn.conversation.country
    lines = render_lines(country, turn.content, for_others=True)
    turn.say_key("safety.third_party", emergency=emergency_number(country), lines=lines)
    _resume(turn)
    return True


def _before_consent(turn: Turn) -> bool:
    """Before consent we keep nothing, but the person still gets the lines and, at high risk, a person.

    The channel's locale picks the country's lines: a crisis cannot wait for the country question.
    """
    conversation = turn.conversation
    conversation.country = conversation.country or hinted_country(turn)
    emergency = emergency_number(conversation.country)
    if turn.risk.acted_level >= RiskLevel.IMMINENT:
        request_person(turn, "risk", "safety.imminent", emergency=emergency)
    elif turn.risk.acted_level >= RiskLevel.HIGH:
        request_person(turn, "risk", "safety.high", emergency=emergency)
    else:
        turn.say(turn.text("commands.sos", lines=render_lines(turn.conversation.country, turn.content)))
    _resume(turn)
    return True


def _screen(turn: Turn) -> None:
    turn.go("screen")


def _resume(turn: Turn) -> None:
    resume(turn)


# Where a message whose handling failed was kept: with the other messages, in the local spool
# (the database away; it is handled when it returns), or nowhere (the person is asked to resend).
Kept = Literal["saved", "spooled", "lost"]
FAIL_SAFE_KEYS: dict[str, str] = {
    "saved": "safety.fail_safe",
    "spooled": "safety.fail_safe_spooled",
    "lost": "safety.fail_safe_lost",
}


def fail_safe_reply(language: str = "en", country: str | None = None, kept: Kept = "saved") -> Reply:
    """What a person gets when handling their message failed: never silence, always the lines, and
    only the truth about what became of their message."""
    content = content_for(language)
    return Reply(content.text(FAIL_SAFE_KEYS[kept], lines=render_lines(country, content)))
