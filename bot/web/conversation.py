"""The web chat as a channel: a message in, the conversation service, the replies out.

Every reply reaches the page through the outbox, in one order with what staff and timers send,
each with the outbox row's id: the page shows a reply as soon as its POST answers, and the live
stream sends the same rows again to a page that missed that answer (a dropped connection, a
reload), so nothing is lost and the page drops the copies by id. A row is marked delivered only
when the page says it has it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.channels.console import clean_text
from bot.outbox import OutboxService
from bot.service import ConversationService, Handled, Received, reply_payload
from bot.web.people import CHANNEL
from flows.events import Choice, Event, parse_text
from flows.intents import EraseUser, Reply
from flows.ports import Delivery, UnitOfWork
from flows.risk import RiskLevel, assess

log = logging.getLogger(__name__)
# Longer than the engine keeps (KEPT_TEXT_LENGTH): the engine reads it whole and says what it kept.
# Past this a message is refused as too long, unless it carries any risk, which is always handled.
MAX_TEXT = 20_000
# How long the replies queued with a message are held for its own answer; the page's stream sends
# them as well whatever this is (no other sender takes a web person's rows).
REPLY_HOLD = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class Message:
    """What the page sent: typed text or a pressed option, and the page's own id for it (a page
    that sends again after a dropped connection sends the same id, and it is handled once)."""

    text: str = ""
    option: str = ""
    client_id: int | None = None

    def event(self) -> Event:
        return Choice(self.option) if self.option else parse_text(clean_text(self.text))


@dataclass(frozen=True)
class Sent:
    """The answer to one message: the rows for the page, and whether the conversation was erased."""

    messages: list[dict[str, Any]]
    erased: bool = False
    refused: str = ""  # a content key when the message was not handled (too long)


def carries_risk(text: str) -> bool:
    return bool(text) and assess(text).level >= RiskLevel.MODERATE


def as_row(delivery: Delivery) -> dict[str, Any]:
    return {"id": delivery.id, **delivery.payload}


class WebConversations:
    """The channel's side of the conversation service, for one person at a time."""

    def __init__(
        self,
        service: ConversationService,
        outbox: OutboxService,
        unit_of_work: Callable[[], UnitOfWork],
    ):
        self.service = service
        self._outbox = outbox
        self._unit_of_work = unit_of_work

    def send(self, user_id: str, message: Message, locale: str | None, seen: int) -> Sent:
        """Advance the person's conversation by one message and answer with what waits for them.

        A message with the page's id is recorded as handled, and its replies queued, in the very
        transaction that handles it: one sent again after a lost answer is handled once, and one
        whose handling never committed is handled when it comes again (a process that dies between
        a separate check and the handling would have lost it)."""
        if len(message.text) > MAX_TEXT and not carries_risk(message.text):
            return Sent([], refused="web.too_long")
        received = None if message.client_id is None else self._received(user_id, message.client_id)
        handled = self.service.handle(user_id, message.event(), locale, received)
        erased = any(isinstance(intent, EraseUser) for intent in handled.intents)
        if erased:  # nothing may be kept under the old id, not even the goodbye
            return Sent([_unqueued(handled, reply) for reply in handled.replies], erased=True)
        queued = bool(handled.held) if received is not None else self._queue(user_id, handled)
        if handled.replies and not queued:
            # Not in the outbox (the fail-safe answer while the database is away, a flood refusal):
            # the page gets them straight from this answer.
            return Sent([_unqueued(handled, reply) for reply in handled.replies])
        return Sent(self.waiting(user_id, seen))

    def waiting(self, user_id: str, seen: int) -> list[dict[str, Any]]:
        """What the outbox holds for the person past `seen`; rows up to `seen` the page already
        has, and are marked delivered now."""
        pending = self._outbox.pending_deliveries(user_id)
        mine = [delivery for delivery in pending if delivery.recipient == user_id]
        had = [delivery.id for delivery in mine if delivery.id <= seen]
        if had:
            self._outbox.mark_delivered(had)
        return [as_row(delivery) for delivery in mine if delivery.id > seen]

    def _received(self, user_id: str, client_id: int) -> Received:
        # Per person, so that one page cannot use up another's ids; 60 bits fit the column.
        digest = hashlib.sha256(f"{user_id}:{client_id}".encode()).hexdigest()
        return Received(CHANNEL, int(digest[:15], 16), REPLY_HOLD)

    def _queue(self, user_id: str, handled: Handled) -> bool:
        """The replies into the outbox, in order; False when the database cannot take them (the
        page then gets them straight from this answer: the fail-safe reply above all)."""
        try:
            with self._unit_of_work() as uow:
                for reply in handled.replies:
                    uow.outbox.add(user_id, "reply", reply_payload(reply, handled.conversation))
                uow.commit()
        except Exception:
            log.exception("queueing web replies failed; they are answered directly")
            return False
        return True


def _unqueued(handled: Handled, reply: Reply) -> dict[str, Any]:
    return {"id": None, **reply_payload(reply, handled.conversation)}
