"""The risk gate: every message is assessed before the state sees it, and risk can interrupt any flow.

What each level does: imminent gives the emergency number and crisis line in the very first reply,
asks for a person at top priority and stays with the person; high gives the lines and asks for a
person at once, then offers screening; moderate offers screening; concern for someone else gets
guidance for helping them. A conversation's level never goes down within a session.

A kind of crisis other than suicide (`flows.crisis_kinds`: a medical emergency, harm to others,
abuse, sexual violence, child abuse, a helper after a hard case, a practical need) gets its own
first words and its own lines before the crisis lines, and still a person from the team.

A high reading of the learned layer alone pages no one: the person is asked directly
(`flows.check`), and their answer, or the rules' evidence, raises the level.
"""

from __future__ import annotations

from typing import Literal

from flows import check, safe_to_talk
from flows.commands import resume
from flows.content import content_for
from flows.conversation import Conversation
from flows.crisis_kinds import (
    ABUSE,
    LINE_KINDS,
    THIRD_PARTY,
    YOUNG,
    about_suicide,
    crisis_kind,
    line_kinds,
    message_key,
    suicide_line_kinds,
)
from flows.crisis_lines import emergency_number, render_lines
from flows.escalation import request_person
from flows.events import Edited, Event, Text
from flows.intents import Reply
from flows.reflection import (
    PANIC,
    PRACTICAL,
    PROFESSIONAL,
    first_aid_step,
    names_situation,
    reflect,
    situation_of,
)
from flows.risk import RiskContext, RiskLevel, assess
from flows.states.consent import hinted_country
from flows.turn import Turn

RECENT_SIGNALS = "recent_signals"  # in the session's answers: signals of earlier messages, no text
RECENT_MESSAGES = 10  # how many earlier messages with signals inform the reading of the next


def intercept(turn: Turn, event: Event) -> bool:
    """Assess the message first; return True when risk took the turn over from the state."""
    if not isinstance(event, Text | Edited):
        return False
    conversation = turn.conversation
    turn.risk = assess(event.text, _context(conversation))
    _remember_signals(conversation, turn.risk.signals)
    return act_on(turn, event.text)


def act_on(turn: Turn, text: str) -> bool:
    """Act on the risk already read into `turn.risk` from `text`; True when it took the turn over."""
    conversation = turn.conversation
    conversation.risk_level = RiskLevel.highest(conversation.risk_level, turn.risk.acted_level)
    if conversation.pending == check.PENDING:
        if turn.risk.acted_level < RiskLevel.HIGH:
            return False  # the answer to the check question: it decides
        conversation.pending = ""  # the rules' evidence answers it already
    kind = crisis_kind(turn.risk, text, turn.content)
    if kind == PROFESSIONAL:
        return _for_a_professional(turn, text)
    if turn.risk.level < RiskLevel.MODERATE:
        return False
    if kind == THIRD_PARTY:
        return _for_someone_else(turn, text)
    if kind == PRACTICAL and _level_for(turn, kind, text) < RiskLevel.HIGH:
        return False  # the step hears it: it reflects the need and gives the community lines
    if kind is not None:
        return _for_the_kind(turn, kind, text)
    if turn.risk.to_confirm:
        return _to_confirm(turn, text)
    already = _acted_on(turn)
    if not conversation.past_consent:
        return _before_consent(turn)
    if turn.risk.level >= RiskLevel.IMMINENT:
        return _imminent(turn, text)
    if turn.risk.level >= RiskLevel.HIGH:
        return _high(turn, already, text)
    return _moderate(turn, already, text)


def _context(conversation: Conversation) -> RiskContext:
    """Where the message was said, with the signals (never the words) of the session's earlier messages."""
    earlier = conversation.answers.get(RECENT_SIGNALS, [])
    recent = frozenset(signal for signals in earlier for signal in signals)
    return RiskContext(conversation.state, conversation.step, recent)


def _remember_signals(conversation: Conversation, signals: frozenset[str]) -> None:
    """Keep the signals of the last few messages that had any, for reading the next ones."""
    if signals:
        earlier = conversation.answers.get(RECENT_SIGNALS, [])
        conversation.answers[RECENT_SIGNALS] = [*earlier, sorted(signals)][-RECENT_MESSAGES:]


def _acted_on(turn: Turn) -> RiskLevel:
    """The highest level already acted on this session; records the new one."""
    answers = turn.conversation.answers
    already = RiskLevel(answers.get("acted_on", RiskLevel.NONE.value))
    answers["acted_on"] = RiskLevel.highest(already, turn.risk.level).value
    return already


def _kind_acted_on(turn: Turn, kind: str, level: RiskLevel) -> RiskLevel:
    """The highest level already acted on this session for this kind of crisis; records the new one.

    Kept apart from the suicide pathway's record: a threat from a partner answered earlier must not
    stop thoughts of suicide said later from getting the safety questions.
    """
    if about_suicide(turn.risk):
        return _acted_on(turn)
    acted = turn.conversation.answers.setdefault("acted_on_kinds", {})
    already = RiskLevel(acted.get(kind, RiskLevel.NONE.value))
    acted[kind] = RiskLevel.highest(already, level).value
    return already


def _to_confirm(turn: Turn, text: str) -> bool:
    """Only the learned layer reads a crisis: ask the person directly instead of paging.

    Before consent the lines go out as for any signal; while a case is open (waiting or with staff)
    the team reads every word; in the screening its questions already ask; after a "no" this
    session the model alone asks no more. Panic ("my heart is pounding, I think I'm dying") reads
    like a crisis to the model: the step names it as panic and offers breathing instead.
    """
    conversation = turn.conversation
    if not conversation.past_consent:
        return _before_consent(turn)
    asked_elsewhere = conversation.state == "screening" or bool(conversation.case_status)
    if asked_elsewhere or check.declined_before(turn) or situation_of(text, turn.content) == PANIC:
        return False
    check.ask(turn)
    return True


def _imminent(turn: Turn, text: str) -> bool:
    emergency = emergency_number(turn.conversation.country)
    kinds = suicide_line_kinds(text, turn.content)
    if turn.conversation.state == "with_staff":
        request_person(turn, "risk", "safety.urgent_with_staff", kinds, emergency=emergency)
        return False  # the staff member must read this message too
    request_person(turn, "risk", "safety.imminent", kinds, emergency=emergency)
    _screen(turn)
    return True


def _high(turn: Turn, already: RiskLevel, text: str) -> bool:
    key = "safety.high_with_staff" if turn.conversation.state == "with_staff" else "safety.high"
    reflection = reflect(text, turn.content)
    if reflection and key == "safety.high":
        turn.say(reflection)  # what they are going through, said back before the safety words
    kinds = suicide_line_kinds(text, turn.content)
    request_person(turn, "risk", key, kinds, emergency=emergency_number(turn.conversation.country))
    if turn.conversation.state in ("screening", "with_staff"):
        return False  # the screening question still takes this answer; staff still read it
    if already < RiskLevel.HIGH:
        _screen(turn)
    else:
        _resume(turn)
    return True


def _moderate(turn: Turn, already: RiskLevel, text: str) -> bool:
    if already >= RiskLevel.MODERATE or turn.conversation.state in ("screening", "with_staff"):
        return False
    reflection = reflect(text, turn.content)
    turn.say(f"{turn.text('checkin.thanks')} {reflection}" if reflection else turn.text("safety.moderate"))
    _screen(turn)
    return True


def _for_someone_else(turn: Turn, text: str) -> bool:
    """A worried friend: what to do now and when to call; someone in danger now pages the team."""
    if turn.risk.level >= RiskLevel.IMMINENT:
        return _for_the_kind(turn, THIRD_PARTY, text)
    country = turn.conversation.country
    lines = render_lines(country, turn.content, for_others=True)
    turn.say_key("safety.kinds.third_party.high", emergency=emergency_number(country), lines=lines)
    _resume(turn)
    return True


def _for_a_professional(turn: Turn, text: str) -> bool:
    """A helper after a hard case: supervision, debrief and lines for workers, said once a session."""
    said = turn.conversation.answers.setdefault("kinds_said", [])
    if PROFESSIONAL in said or turn.conversation.state == "with_staff":
        return False
    said.append(PROFESSIONAL)
    lines = render_lines(turn.conversation.country, turn.content, kinds=LINE_KINDS[PROFESSIONAL])
    turn.say(
        turn.text(message_key(turn.content, PROFESSIONAL, RiskLevel.HIGH), lines=lines, **_values(turn, text))
    )
    _resume(turn)
    return True


def _for_the_kind(turn: Turn, kind: str, text: str) -> bool:
    """What a trained helper says first for this kind of crisis, with its lines and a person (at the
    level acted on: a high the learned layer alone reads counts as moderate)."""
    conversation = turn.conversation
    level = _level_for(turn, kind, text)
    already = _kind_acted_on(turn, kind, level)
    if not conversation.past_consent:
        conversation.country = conversation.country or hinted_country(turn)
    values = _values(turn, text)
    kinds = line_kinds(kind, text, turn.content)
    if conversation.state == "with_staff":
        if level >= RiskLevel.HIGH:
            request_person(turn, "risk", "safety.kinds_with_staff", kinds, **values)
        return False  # the staff member must read this message too
    key = message_key(turn.content, kind, level)
    if level >= RiskLevel.HIGH:
        request_person(turn, "risk", key, kinds, **values)
        if conversation.state == "screening":
            return False  # the screening question still takes this answer
    elif already >= RiskLevel.MODERATE or conversation.state == "screening":
        return False
    else:
        lines = render_lines(conversation.country, turn.content, kinds=kinds)
        turn.say(turn.text(key, lines=lines, **values))
    _after_the_kind(turn, kind, already)
    return True


def _level_for(turn: Turn, kind: str, text: str) -> RiskLevel:
    """The level to act on for this kind: a child or young person with nowhere safe to sleep is a
    child-protection concern, for a person from the team at once, whatever the detector read."""
    level = turn.risk.acted_level
    if kind == PRACTICAL and names_situation(text, turn.content, YOUNG):
        return RiskLevel.highest(level, RiskLevel.HIGH)
    return level


def _after_the_kind(turn: Turn, kind: str, already: RiskLevel) -> None:
    """Thoughts of suicide said with it still get the safety questions, once; abuse at home is asked
    whether it is safe to talk; else back to the step."""
    if turn.conversation.past_consent and about_suicide(turn.risk) and already < RiskLevel.HIGH:
        _screen(turn)
    elif kind == ABUSE:
        safe_to_talk.ask(turn)
    else:
        _resume(turn)


def _values(turn: Turn, text: str) -> dict[str, object]:
    """Everything a kind's message may name: never the person's words, only vetted ones."""
    content = turn.content
    country = turn.conversation.country
    return {
        "emergency": emergency_number(country),
        "first_aid": first_aid_step(text, content),
        "silent": content.get(f"safety.silent.{(country or '').upper()}") or "",
        "clear_chat": content.text("safety.clear_chat"),
        "reflection": reflect(text, content) or "",
    }


def _before_consent(turn: Turn) -> bool:
    """Before consent we keep nothing, but the person still gets the lines and, at high risk, a person.

    The channel's locale picks the country's lines: a crisis cannot wait for the country question.
    """
    conversation = turn.conversation
    conversation.country = conversation.country or hinted_country(turn)
    if conversation.step in ("", "welcome", "brief"):
        conversation.step = "brief"  # the lines came first: consent is asked once more, in brief
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
