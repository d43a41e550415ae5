"""Risk across the conversation (issue 13, item 4): a message is read with the signals, never the
words, of the person's earlier ones."""

from __future__ import annotations

import pytest

from flows.intents import Escalate
from flows.risk import RiskContext, RiskLevel, assess
from flows.safety import RECENT_SIGNALS
from tests.transcript import at_menu

IMMINENT = RiskLevel.IMMINENT


def _after(*earlier: str) -> RiskContext:
    """The context after the person said `earlier`, as the safety gate keeps it."""
    recent: frozenset[str] = frozenset()
    for text in earlier:
        recent |= assess(text, RiskContext(recent=recent)).signals
    return RiskContext(recent=recent)


@pytest.mark.parametrize(
    ("earlier", "now", "signals"),
    [
        ("I've got my dad's old pills here", "ok took them", {"attempt_in_progress", "medical_emergency"}),
        ("got my mums sleeping tablets", "i did it", {"attempt_in_progress"}),
        ("i have worked out how i would do it", "tonight", {"plan"}),
        ("i have a plan to end it", "doing it tonight", {"plan"}),
        ("I've got my dad's old pills here", "i just want to die", {"active_ideation"}),
    ],
)
def test_a_message_after_means_or_a_plan_is_an_emergency(earlier, now, signals):
    found = assess(now, _after(earlier))
    assert found.level == IMMINENT
    assert signals <= found.signals


@pytest.mark.parametrize(
    ("earlier", "now"),
    [
        ("i had a headache", "ok took them"),
        ("hi", "ok took them"),
        ("my revision plan is finally done", "tonight"),
        ("i have a plan to end it", "i am going out tonight with friends"),
        ("I've got my dad's old pills here", "took them back to the pharmacy"),
        ("i picked up my mums pills from the pharmacy", "ok took them"),
    ],
)
def test_the_same_words_after_nothing_of_the_kind_are_no_emergency(earlier, now):
    assert assess(now, _after(earlier)).level < IMMINENT


def test_without_a_context_short_answers_are_read_alone():
    assert assess("ok took them").level < RiskLevel.MODERATE
    assert assess("tonight").level < RiskLevel.MODERATE


def test_the_safety_gate_keeps_signals_not_words_and_an_overdose_across_two_messages_is_imminent():
    chat = at_menu().person("I've got my dad's old pills here")
    (kept,) = chat.conversation.answers[RECENT_SIGNALS]
    assert "means" in kept
    assert kept == sorted(assess("I've got my dad's old pills here").signals)  # signal names only
    chat.person("ok took them")
    levels = [intent.level for intent in chat.intents if isinstance(intent, Escalate)]
    assert levels == [IMMINENT]
    assert "999" in chat.replies[0].text
