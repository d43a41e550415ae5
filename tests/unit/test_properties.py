"""Property-based tests of the engine: whatever a person sends, in whatever order, it never raises,
always answers, and never lowers the risk level within a session."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.content import content_for
from flows.conversation import Conversation
from flows.engine import Engine
from flows.events import (
    CaseClosed,
    CaseOpened,
    Choice,
    Command,
    Edited,
    Event,
    FollowUpRequested,
    StaffJoined,
    StaffLeft,
    StaffMessage,
    Text,
    TimerFired,
    parse_text,
)
from flows.intents import EraseUser, Intent, RelayToStaff, Reply
from flows.oncall.model import Reach

ENGINE = Engine()
NOW = dt.datetime(2026, 11, 27, 14, 0, tzinfo=dt.UTC)
OPTION_IDS = [
    *sorted(content_for("en").table("options")),
    "GB",
    "US",
    "IN",
    "INTL",
    "panic",
    "reach_out",
    "bogus",
]
COMMANDS = [
    "/start",
    "/help",
    "/sos",
    "/menu",
    "/stop",
    "/forget",
    "/language",
    "/country",
    "/plan",
    "/checkins",
    "/x",
]
PHRASES = [
    "I agree, let's start",
    "United Kingdom",
    "yes",
    "no",
    "7",
    "10",
    "menu",
    "Next",
    "grounding",
    "I'm ready",
    "I want to die",
    "I took all my pills",
    "my friend wants to die",
    "I feel hopeless",
    "this exam is killing me",
    "Yes, erase everything",
    "Talk to a person",
    "My safety plan",
    "A small goal for today",
    "That's all",
]
EVENTS = st.one_of(
    st.text(max_size=60).map(Text),
    st.sampled_from(PHRASES).map(Text),
    st.sampled_from(COMMANDS).map(parse_text),
    st.sampled_from(OPTION_IDS).map(Choice),
    st.sampled_from(["waiting_update", "checkin:1", "checkin_missed:1", "unknown"]).map(TimerFired),
    st.sampled_from(PHRASES).map(Edited),
    st.sampled_from(
        [
            *(CaseOpened(1, reach) for reach in Reach),
            CaseOpened(1, Reach.NIGHT, night_ends="2026-11-28T07:00:00+00:00"),
            CaseOpened(1, None, existing=True),
            StaffLeft(Reach.NOBODY),
            StaffJoined("Sam"),
            StaffMessage("Sam", "I'm here"),
            StaffLeft(),
            CaseClosed("de-escalated"),
            FollowUpRequested(1),
        ]
    ),
)
PERSON_EVENTS = (Choice, Edited)


def answered(intents: list[Intent]) -> bool:
    """A reply to the person, or their words passed on to the staff member who is with them."""
    return any((isinstance(i, Reply) and i.text) or isinstance(i, RelayToStaff) for i in intents)


def new_session(before: Conversation, after: Conversation, erased: bool) -> bool:
    """Risk starts over only with a fresh check-in (or after everything was erased)."""
    fresh_check_in = after.state == "checkin" and not after.answers and before.state != "checkin"
    return (
        erased or fresh_check_in or (after.state == "checkin" and after.step == "story" and not after.answers)
    )


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(EVENTS, min_size=1, max_size=40))
def test_any_sequence_never_raises_always_answers_and_never_lowers_risk(events: list[Event]) -> None:
    conversation = Conversation("hypothesis:person")
    for event in events:
        outcome = ENGINE.handle(conversation, event, now=NOW)
        erased = any(isinstance(intent, EraseUser) for intent in outcome.intents)
        if isinstance(event, (*PERSON_EVENTS, Text, Command)):
            assert answered(outcome.intents), event
        if not new_session(conversation, outcome.conversation, erased):
            assert outcome.conversation.risk_level >= conversation.risk_level, event
        conversation = outcome.conversation
