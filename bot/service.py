"""The conversation service: load, advance, save, in one transaction per message.

Every channel calls `handle`; so do timers. The state is saved after every message, and if
anything fails the person still gets an answer with the crisis lines and their message is kept.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from flows.conversation import Conversation
from flows.engine import Engine, Outcome
from flows.events import Event, Text
from flows.intents import EraseUser, Intent, RecordOutcome, Reply
from flows.ports import UnitOfWork
from flows.safety import fail_safe_reply

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Handled:
    """What one event produced: the conversation as saved and the intents to carry out."""

    conversation: Conversation
    intents: list[Intent]

    @property
    def replies(self) -> list[Reply]:
        return [intent for intent in self.intents if isinstance(intent, Reply)]


class ConversationService:
    def __init__(self, engine: Engine, unit_of_work: Callable[[], UnitOfWork]):
        self._engine = engine
        self._unit_of_work = unit_of_work

    def handle(self, user_id: str, event: Event, locale: str | None = None) -> Handled:
        """Advance the person's conversation by one event and save it; fail safe on any error."""
        known = Conversation(user_id)
        try:
            with self._unit_of_work() as uow:
                known = uow.conversations.get(user_id) or known
                outcome = self._engine.handle(known, event, locale)
                _persist(uow, known, outcome, event)
                uow.commit()
            return Handled(outcome.conversation, outcome.intents)
        except Exception:
            log.exception("handling an event failed", extra={"event_kind": type(event).__name__})
            self._keep_unhandled(known, event)
            return Handled(known, [fail_safe_reply(known.language, known.country)])

    def conversation(self, user_id: str) -> Conversation:
        with self._unit_of_work() as uow:
            return uow.conversations.get(user_id) or Conversation(user_id)

    def _keep_unhandled(self, conversation: Conversation, event: Event) -> None:
        """Save the text of a message whose handling failed, so that staff can still see it."""
        if not isinstance(event, Text):
            return
        try:
            with self._unit_of_work() as uow:
                uow.messages.add(conversation.user_id, event.text, conversation.position, handled=False)
                uow.commit()
        except Exception:
            log.exception("keeping an unhandled message failed")


def _persist(uow: UnitOfWork, before: Conversation, outcome: Outcome, event: Event) -> None:
    conversation = outcome.conversation
    if any(isinstance(intent, EraseUser) for intent in outcome.intents):
        uow.conversations.erase(conversation.user_id)
        return
    for intent in outcome.intents:
        if isinstance(intent, RecordOutcome):
            uow.outcomes.add(intent.before, intent.after)
    uow.conversations.save(conversation)
    # Until the person agrees, only where they are in the consent step is kept: no words.
    if isinstance(event, Text) and before.consented:
        uow.messages.add(conversation.user_id, event.text, before.position)
