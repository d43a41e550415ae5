"""Conversation tests that read like transcripts: what the person says, what the bot answers.

chat = Transcript()
chat.person("/start").bot_in("consent.welcome")
chat.person("I agree").bot_in("consent.country")
"""

from __future__ import annotations

import datetime as dt

from flows.answers import Answer
from flows.conversation import Conversation
from flows.engine import Engine
from flows.events import Choice, Event, parse_text
from flows.intents import Intent, Reply
from flows.risk.levels import RiskAssessment, RiskLevel
from flows.safety import act_on
from flows.states import HANDLERS

ENGINE = Engine()


class Transcript:
    def __init__(self, locale: str | None = None, user_id: str = "test:person"):
        self.conversation = Conversation(user_id)
        self.locale = locale
        self.now = dt.datetime(2026, 11, 27, 14, 0, tzinfo=dt.UTC)  # a Friday afternoon
        self.intents: list[Intent] = []
        self.engine = ENGINE

    def person(self, text: str) -> Transcript:
        """The person types `text` (a command when it starts with a slash)."""
        return self.event(parse_text(text))

    def press(self, option_id: str) -> Transcript:
        """The person presses the button of an option."""
        return self.event(Choice(option_id))

    def event(self, event: Event) -> Transcript:
        outcome = self.engine.handle(self.conversation, event, self.locale, self.now)
        self.conversation = outcome.conversation
        self.intents = outcome.intents
        return self

    def person_read_as(self, text: str, level: RiskLevel, *signals: str) -> Transcript:
        """The person types `text`, read by the risk layer as `level` with `signals`: for kinds of
        crisis whose detector rules are not in this branch yet. Everything after the reading is the
        engine's own."""
        turn = ENGINE.turn(self.conversation, self.locale, self.now)
        turn.risk = RiskAssessment(level, frozenset(signals))
        if not act_on(turn, text):
            HANDLERS[turn.conversation.state].answer(turn, Answer(text))
        self.conversation = turn.conversation
        self.intents = turn.intents
        return self

    def bot_in(self, position: str) -> Transcript:
        assert self.conversation.position == position, (
            f"{self.conversation.position} != {position}\n{self.said}"
        )
        return self

    def bot_says(self, *fragments: str) -> Transcript:
        for fragment in fragments:
            assert fragment.lower() in self.said.lower(), f"{fragment!r} not in:\n{self.said}"
        return self

    def bot_never_says(self, *fragments: str) -> Transcript:
        for fragment in fragments:
            assert fragment.lower() not in self.said.lower(), f"{fragment!r} was said:\n{self.said}"
        return self

    def bot_offers(self, *labels: str) -> Transcript:
        for label in labels:
            assert label in self.options, f"{label!r} not offered: {self.options}"
        return self

    @property
    def replies(self) -> list[Reply]:
        return [intent for intent in self.intents if isinstance(intent, Reply)]

    @property
    def said(self) -> str:
        return "\n".join(reply.text for reply in self.replies)

    @property
    def options(self) -> list[str]:
        return [option.label for reply in self.replies for option in reply.options]

    def of_kind(self, kind: type) -> list[Intent]:
        return [intent for intent in self.intents if isinstance(intent, kind)]


def consented(country: str = "United Kingdom", locale: str | None = None) -> Transcript:
    """A person who has agreed and named their country, now asked what is going on."""
    chat = Transcript(locale)
    chat.person("/start").person("I agree, let's start").person(country)
    return chat.bot_in("checkin.story")


def at_menu(distress: str = "6") -> Transcript:
    chat = consented()
    chat.person("I'm stressed about work").person(distress)
    return chat.bot_in("menu")
