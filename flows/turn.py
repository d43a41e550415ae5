"""One turn of a conversation: the model being moved and the intents collected on the way."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from flows.content import Content, content_for
from flows.conversation import Conversation
from flows.intents import Intent, Option, Pacing, Reply
from flows.risk.levels import RiskAssessment


@dataclass
class Turn:
    """What a state handler works on: it may change the conversation and add intents, nothing else."""

    conversation: Conversation
    fire: Callable[[Turn, str], None]
    locale: str | None = None
    # Whether a message sent later (a check-in) can reach the person on their channel.
    reach_later: bool = True
    # The time the event happened: given by the caller, so that the core never reads a clock itself.
    now: dt.datetime = field(default_factory=lambda: dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    risk: RiskAssessment = field(default_factory=RiskAssessment)
    intents: list[Intent] = field(default_factory=list)
    # What the person typed this turn, and how many replies before it in a row fit no option.
    said: str = ""
    missed_before: int = 0

    @property
    def content(self) -> Content:
        return content_for(self.conversation.language)

    def text(self, key: str, **values: object) -> str:
        return self.content.text(key, **values)

    def option(self, option_id: str) -> Option:
        return Option(option_id, self.content.text(f"options.{option_id}"))

    def options(self, option_ids: Iterable[str]) -> tuple[Option, ...]:
        return tuple(self.option(option_id) for option_id in option_ids)

    def say(self, text: str, options: Iterable[str] = (), pacing: Pacing | None = None) -> None:
        self.send(Reply(text, self.options(options), pacing))

    def say_key(self, key: str, options: Iterable[str] = (), **values: object) -> None:
        self.say(self.text(key, **values), options)

    def send(self, reply: Reply, preface: str = "") -> None:
        """Add a reply, after `preface` if given; one that follows a bare statement joins it, so a
        phone gets fewer bubbles."""
        if preface:
            self.say(preface)
        previous = self.intents[-1] if self.intents else None
        if isinstance(previous, Reply) and not (previous.options or previous.pacing or previous.attachment):
            joined = f"{previous.text}\n\n{reply.text}"
            self.intents[-1] = Reply(joined, reply.options, reply.pacing, reply.attachment)
        else:
            self.intents.append(reply)

    def go(self, trigger: str) -> None:
        """Set off a transition of the shared machine; the new state's entry speaks next."""
        self.fire(self, trigger)

    @property
    def replies(self) -> list[Reply]:
        return [intent for intent in self.intents if isinstance(intent, Reply)]
