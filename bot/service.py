"""The conversation service: load, advance, save, in one transaction per message.

Every channel calls `handle`; timers and staff actions call `advance` inside their own unit of work.
The state is saved after every event, and if anything fails the person still gets an answer with the
crisis lines and their message is kept.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from bot.desk import Desk
from bot.failpoints import failpoint
from bot.retry import retry_on_conflict
from bot.scheduling import NoScheduler, TimerScheduler
from flows.content import content_for
from flows.conversation import Conversation
from flows.engine import Engine, Outcome
from flows.events import KEPT_TEXT_LENGTH, Command, Event, Text, parse_text
from flows.intents import (
    CancelTimer,
    CancelWait,
    EraseUser,
    Escalate,
    Intent,
    Option,
    Pacing,
    Phase,
    RecordOutcome,
    RelayToStaff,
    Reply,
    ScheduleTimer,
    SetTimer,
    StaffTask,
)
from flows.ports import Clock, Spool, Spooled, StorageUnavailable, UnitOfWork
from flows.risk import RiskLevel, assess
from flows.safety import Kept, fail_safe_reply

log = logging.getLogger(__name__)
# A follow-up event (the case that an escalation opened) may itself produce intents; this bounds it.
MAX_FOLLOW_UPS = 3
# The channel name under which spooled messages are recorded as handled: once, however often replayed.
SPOOL_CHANNEL = "spool"


@dataclass(frozen=True)
class Received:
    """The channel's update that brought an event. It is recorded as handled in the transaction that
    handles it, and the replies are queued in that transaction too, held by this worker for `lease`
    while it sends them: a worker that dies after the commit has its replies sent by another."""

    channel: str
    update_id: int
    lease: dt.timedelta


@dataclass(frozen=True)
class Handled:
    """What one event produced: the conversation as saved and the intents to carry out; `held`, the
    outbox rows of its replies, to be marked delivered once the channel has sent them."""

    conversation: Conversation
    intents: list[Intent]
    held: list[int] = field(default_factory=list)

    @property
    def replies(self) -> list[Reply]:
        return [intent for intent in self.intents if isinstance(intent, Reply)]


def person_timer(user_id: str, name: str) -> str:
    return f"person:{user_id}:{name}"


def reply_payload(reply: Reply, conversation: Conversation) -> dict[str, Any]:
    """A reply as plain data, for the outbox and for channels that render it later."""
    payload: dict[str, Any] = {
        "text": reply.text,
        "options": [{"id": option.id, "label": option.label} for option in reply.options],
        "state": conversation.position,
    }
    if reply.pacing:
        payload["pacing"] = [{"label": p.label, "seconds": p.seconds} for p in reply.pacing.phases]
    if reply.attachment:
        payload["attachment"] = list(reply.attachment)
    return payload


def reply_from_payload(payload: dict[str, Any]) -> Reply:
    """A reply read back from the outbox, as `reply_payload` wrote it."""
    options = tuple(Option(str(o["id"]), str(o["label"])) for o in payload.get("options", []))
    phases = tuple(Phase(str(p["label"]), int(p["seconds"])) for p in payload.get("pacing", []))
    attachment = payload.get("attachment")
    return Reply(
        str(payload["text"]),
        options,
        Pacing(phases) if phases else None,
        (str(attachment[0]), str(attachment[1])) if attachment else None,
    )


class ConversationService:
    """Runs the core against storage for one person at a time, one transaction per event."""

    def __init__(
        self,
        engine: Engine,
        unit_of_work: Callable[[], UnitOfWork],
        clock: Clock,
        desk: Desk | None = None,
        scheduler: TimerScheduler | None = None,
        spool: Spool | None = None,
    ):
        self._engine = engine
        self._clock = clock
        self._unit_of_work = unit_of_work
        self.desk = desk
        self.scheduler = scheduler or NoScheduler()
        # Where messages wait while the database is unreachable (none: they are answered, not kept).
        self.spool = spool
        self._lines_for = LastKnownPlace()
        # A per-person rate limit for public channels; the local console, one trusted person, runs without.
        self.flood: FloodGuard | None = FloodGuard()
        # How each intent is carried out, by its type (replies go back to the channel; an erasure
        # is done when saving). Every one runs in the unit of work that advanced the conversation.
        self._carriers: dict[type[Any], Callable[[UnitOfWork, Conversation, Any], list[Event]]] = {
            Escalate: self._escalate,
            RelayToStaff: self._relay,
            CancelWait: self._stop_waiting,
            StaffTask: self._task,
            ScheduleTimer: self._schedule,
            SetTimer: self._set_timer,
            CancelTimer: self._cancel_timer,
            RecordOutcome: self._record_outcome,
        }

    def handle(
        self, user_id: str, event: Event, locale: str | None = None, update: Received | None = None
    ) -> Handled:
        """Advance the person's conversation by one event and save it; fail safe on any error.

        With `update`, the update is recorded as handled in the same transaction, so one delivered
        again (to this worker or another) is handled once, and one whose handling never committed is
        handled when it comes again (a repeat is answered with nothing); and the replies are queued
        there too, held for the caller to send (see `Received`)."""
        if isinstance(event, Text) and self.flood is not None and self.flood.over(user_id, self._clock()):
            return self._flooded(user_id, event, locale, update)
        self._replay_first(user_id)
        known = Conversation(user_id)

        def once() -> tuple[Outcome, list[int], list[tuple[str, dt.datetime | None]]]:
            nonlocal known
            with self._unit_of_work() as uow:
                known = uow.conversations.get(user_id) or Conversation(user_id)  # the person's lock
                if update is not None and not uow.channels.first_time(update.channel, update.update_id):
                    log.info("dropped a duplicate update")
                    return Outcome(known, []), [], []
                outcome = self.advance(uow, known, event, locale)
                held = self._hold_replies(uow, outcome, update.lease) if update is not None else []
                failpoint("message_handled")
                uow.commit()
            return outcome, held, uow.timers.changes

        try:
            outcome, held, timer_changes = retry_on_conflict(once)
            failpoint("message_committed")
            self.scheduler.apply(timer_changes)
            self._lines_for.remember(outcome.conversation)
            return Handled(outcome.conversation, outcome.intents, held)
        except Exception:
            log.exception("handling an event failed", extra={"event_kind": type(event).__name__})
            kept = self._keep_unhandled(known, event, locale)
            language, country = self._lines_for.recall(known)
            return Handled(known, [fail_safe_reply(language, country, kept)])

    def _hold_replies(self, uow: UnitOfWork, outcome: Outcome, lease: dt.timedelta) -> list[int]:
        if any(isinstance(intent, EraseUser) for intent in outcome.intents):
            return []  # nothing of theirs is kept once they are erased, not even the goodbye
        until = self._clock() + lease
        replies = (intent for intent in outcome.intents if isinstance(intent, Reply))
        user_id = outcome.conversation.user_id
        return [
            uow.outbox.add(user_id, "reply", reply_payload(reply, outcome.conversation), held_until=until)
            for reply in replies
        ]

    def replay_spool(self, user_id: str | None = None) -> int:
        """Handle what was spooled while the database was away, oldest first (one person's, or all);
        stops with StorageUnavailable while it is still away. Returns how many were handled."""
        if self.spool is None or self.spool.is_empty():
            return 0
        told: set[str] = set()
        for entry in self.spool.waiting(user_id):
            try:
                changes = retry_on_conflict(partial(self._replay_once, entry, entry.user_id not in told))
            except StorageUnavailable:
                raise
            except Exception:
                log.exception("replaying a spooled message failed; it is kept for staff")
                self._keep_text(entry.user_id, entry.text, "spool", handled=False)
                changes = []
            told.add(entry.user_id)
            self.scheduler.apply(changes)
            self.spool.remove(entry)
        return len(told)

    def _replay_first(self, user_id: str) -> None:
        """A person's spooled messages are handled before their next one, so order is kept."""
        if self.spool is None or self.spool.is_empty():
            return
        with contextlib.suppress(StorageUnavailable):  # still away: this message joins the spool
            self.replay_spool(user_id)

    def _replay_once(self, entry: Spooled, tell: bool) -> list[tuple[str, dt.datetime | None]]:
        """Handle one spooled message in one transaction, once however often replayed; its answers
        wait in the outbox, since the request that brought it is long gone."""
        with self._unit_of_work() as uow:
            if uow.channels.first_time(SPOOL_CHANNEL, entry.number):
                conversation = uow.conversations.get(entry.user_id) or Conversation(entry.user_id)
                if tell:
                    notice = Reply(content_for(conversation.language).text("safety.back_after_outage"))
                    uow.outbox.add(entry.user_id, "reply", reply_payload(notice, conversation))
                self._advance_and_queue(uow, conversation, parse_text(entry.text), entry.locale)
            uow.commit()
        return uow.timers.changes

    def _flooded(self, user_id: str, event: Text, locale: str | None, update: Received | None) -> Handled:
        """Past the rate limit: keep the message; any risk (screening too) still goes through (once,
        however often the update comes); otherwise one calm word."""
        flood = self.flood
        assert flood is not None
        if assess(event.text).level >= RiskLevel.MODERATE:
            flood.reset(user_id)
            return self.handle(user_id, event, locale, update)
        try:
            conversation = self.conversation(user_id)
        except StorageUnavailable:
            conversation = Conversation(user_id)
        self._keep_unhandled(conversation, event, None)
        if not flood.first_refusal(user_id):
            return Handled(conversation, [])
        text = content_for(conversation.language).text("safety.slow_down")
        return Handled(conversation, [Reply(text)])

    def deliver(self, uow: UnitOfWork, user_id: str, event: Event) -> None:
        """Advance someone else's conversation (a staff action, a timer) and queue what it says."""
        conversation = uow.conversations.get(user_id)
        if conversation is not None:
            self._advance_and_queue(uow, conversation, event)

    def _advance_and_queue(
        self, uow: UnitOfWork, conversation: Conversation, event: Event, locale: str | None = None
    ) -> None:
        outcome = self.advance(uow, conversation, event, locale)
        for reply in (intent for intent in outcome.intents if isinstance(intent, Reply)):
            uow.outbox.add(conversation.user_id, "reply", reply_payload(reply, outcome.conversation))

    def advance(
        self, uow: UnitOfWork, conversation: Conversation, event: Event, locale: str | None = None
    ) -> Outcome:
        """Run the engine, carry out its intents and save, all inside the caller's unit of work."""
        outcome = self._engine.handle(conversation, event, locale, self._clock())
        # Until the person agrees, only where they are in the consent step is kept: no words.
        # Kept before the intents run, so that a case opened now shows staff this very message.
        if isinstance(event, Text) and conversation.consented:
            uow.messages.add(conversation.user_id, event.text[:KEPT_TEXT_LENGTH], conversation.position)
        intents = list(outcome.intents)
        for _ in range(MAX_FOLLOW_UPS):
            follow_ups = self._carry_out(uow, outcome)
            if not follow_ups:
                break
            for follow_up in follow_ups:
                outcome = self._engine.handle(outcome.conversation, follow_up, now=self._clock())
                intents += outcome.intents
        outcome = Outcome(outcome.conversation, intents)
        self._save(uow, outcome)
        return outcome

    def conversation(self, user_id: str) -> Conversation:
        with self._unit_of_work() as uow:
            return uow.conversations.get(user_id) or Conversation(user_id)

    def _carry_out(self, uow: UnitOfWork, outcome: Outcome) -> list[Event]:
        """Do what the intents ask; return events the engine must hear about (a case opened)."""
        follow_ups: list[Event] = []
        for intent in outcome.intents:
            carry = self._carriers.get(type(intent))
            if carry is not None:
                follow_ups += carry(uow, outcome.conversation, intent)
        return follow_ups

    def _escalate(self, uow: UnitOfWork, conversation: Conversation, intent: Escalate) -> list[Event]:
        return self.desk.escalate(uow, conversation, intent) if self.desk is not None else []

    def _relay(self, uow: UnitOfWork, conversation: Conversation, intent: RelayToStaff) -> list[Event]:
        if self.desk is not None:
            self.desk.relay_from_person(uow, conversation, intent.text)
        return []

    def _stop_waiting(self, uow: UnitOfWork, conversation: Conversation, intent: CancelWait) -> list[Event]:
        if self.desk is not None:
            self.desk.person_stopped_waiting(uow, conversation)
        return []

    def _task(self, uow: UnitOfWork, conversation: Conversation, intent: StaffTask) -> list[Event]:
        if self.desk is not None:
            self.desk.task(uow, conversation, intent.reason)
        return []

    def _schedule(self, uow: UnitOfWork, conversation: Conversation, intent: ScheduleTimer) -> list[Event]:
        uow.timers.set(person_timer(conversation.user_id, intent.name), intent.at)
        return []

    def _set_timer(self, uow: UnitOfWork, conversation: Conversation, intent: SetTimer) -> list[Event]:
        due = self._clock() + dt.timedelta(seconds=intent.seconds)
        uow.timers.set(person_timer(conversation.user_id, intent.name), due)
        return []

    def _cancel_timer(self, uow: UnitOfWork, conversation: Conversation, intent: CancelTimer) -> list[Event]:
        uow.timers.cancel(person_timer(conversation.user_id, intent.name))
        return []

    def _record_outcome(
        self, uow: UnitOfWork, conversation: Conversation, intent: RecordOutcome
    ) -> list[Event]:
        uow.outcomes.add(intent.before, intent.after)
        return []

    def _save(self, uow: UnitOfWork, outcome: Outcome) -> None:
        if any(isinstance(intent, EraseUser) for intent in outcome.intents):
            self._erase(uow, outcome.conversation.user_id)
        else:
            uow.conversations.save(outcome.conversation)

    def _erase(self, uow: UnitOfWork, user_id: str) -> None:
        """Everything that holds the person's words goes, whoever it was for: their conversation,
        messages and timers, their own outbox, and the staff-bound pages, relays and handovers of
        their cases (a case stays as an anonymous stub)."""
        uow.conversations.erase(user_id)
        if self.desk is not None:
            self.desk.forget_person(uow, user_id)
        else:
            uow.cases.forget_person(user_id)
        uow.outbox.forget_recipient(user_id)
        uow.timers.cancel_prefix(person_timer(user_id, ""))

    def _keep_unhandled(self, conversation: Conversation, event: Event, locale: str | None) -> Kept:
        """Keep what a person sent when handling it failed: in the database for staff to see, or,
        with the database away, in the local spool to be handled when it returns."""
        text = _as_typed(event)
        if text is None:
            return "lost"  # a button press: nothing of theirs to keep, and the reply asks again
        if self._keep_text(conversation.user_id, text, conversation.position, handled=False):
            return "saved"
        if self.spool is not None and self.spool.keep(conversation.user_id, text, locale):
            return "spooled"
        return "lost"

    def _keep_text(self, user_id: str, text: str, position: str, handled: bool) -> bool:
        try:
            with self._unit_of_work() as uow:
                uow.messages.add(user_id, text[:KEPT_TEXT_LENGTH], position, handled=handled)
                uow.commit()
        except Exception:
            log.exception("keeping an unhandled message failed")
            return False
        return True


def _as_typed(event: Event) -> str | None:
    """The message as the person typed it (a command with its slash), for keeping; None for the rest."""
    if isinstance(event, Text):
        return event.text
    if isinstance(event, Command):
        return f"/{event.name} {event.argument}".strip()
    return None


class LastKnownPlace:
    """Each recent person's language and country, in memory only: with the database away, the
    fail-safe answer still carries the crisis lines of their own country, in their own language."""

    def __init__(self, most: int = 10_000):
        self._places: collections.OrderedDict[str, tuple[str, str | None]] = collections.OrderedDict()
        self._most = most
        self._lock = threading.Lock()

    def remember(self, conversation: Conversation) -> None:
        with self._lock:
            self._places[conversation.user_id] = (conversation.language, conversation.country)
            self._places.move_to_end(conversation.user_id)
            if len(self._places) > self._most:
                self._places.popitem(last=False)

    def recall(self, conversation: Conversation) -> tuple[str, str | None]:
        """What was last known of this person; what `conversation` says when nothing was."""
        with self._lock:
            return self._places.get(conversation.user_id, (conversation.language, conversation.country))


class FloodGuard:
    """At most `limit` messages per person in a sliding minute; remembers whom it has told to slow down.

    One guard is shared by every worker thread: each check-then-change is done under its lock, so
    two messages at once are both counted and a person is told to slow down once."""

    def __init__(self, limit: int = 20, window: dt.timedelta = dt.timedelta(minutes=1)):
        self._limit, self._window = limit, window
        self._seen: dict[str, collections.deque[dt.datetime]] = {}
        self._told: set[str] = set()
        self._lock = threading.Lock()

    def over(self, user_id: str, now: dt.datetime) -> bool:
        with self._lock:
            seen = self._seen.setdefault(user_id, collections.deque())
            while seen and now - seen[0] > self._window:
                seen.popleft()
            seen.append(now)
            if len(seen) <= self._limit:
                self._told.discard(user_id)
                return False
            return True

    def first_refusal(self, user_id: str) -> bool:
        with self._lock:
            first = user_id not in self._told
            self._told.add(user_id)
            return first

    def reset(self, user_id: str) -> None:
        with self._lock:
            self._seen.pop(user_id, None)


class DeskService:
    """What the services around the desk share: transactions, conversations, the desk and the clock."""

    def __init__(
        self,
        unit_of_work: Callable[[], UnitOfWork],
        conversations: ConversationService,
        desk: Desk,
        clock: Callable[[], dt.datetime],
    ):
        self._unit_of_work = unit_of_work
        self._conversations = conversations
        self._desk = desk
        self._clock = clock
