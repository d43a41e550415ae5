"""The small interfaces the core needs from the outside world; storage implements them.

Repositories never commit; the unit of work owns the transaction.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from flows.conversation import Conversation
from flows.oncall.model import Case, CaseEvent, Override, Role, Shift, StaffMember

# The one source of the current time (UTC). Every service and repository is given the same one, so
# a test that moves its clock moves every timestamp the service writes.
Clock = Callable[[], dt.datetime]


class Conversations(ABC):
    """Saved conversations, one per person."""

    @abstractmethod
    def get(self, user_id: str) -> Conversation | None:
        """The saved conversation of this person, or None for someone new."""

    @abstractmethod
    def save(self, conversation: Conversation) -> None:
        """Insert or update the conversation as it now stands."""

    @abstractmethod
    def erase(self, user_id: str) -> None:
        """Delete the conversation and everything that hangs off it."""


class Messages(ABC):
    """What people wrote (encrypted at rest)."""

    @abstractmethod
    def add(self, user_id: str, text: str, position: str, handled: bool = True) -> None:
        """Keep what the person wrote (encrypted at rest), noting whether it was handled."""

    @abstractmethod
    def recent(self, user_id: str, limit: int) -> list[str]:
        """The person's last messages, oldest first (for staff who take over the conversation)."""

    @abstractmethod
    def since(self, user_id: str, moment: dt.datetime, limit: int) -> list[str]:
        """The person's last `limit` messages written after `moment`, oldest first."""


class Retention(ABC):
    @abstractmethod
    def purge_before(self, moment: dt.datetime) -> int:
        """Delete transcripts and idle conversations older than `moment`; case stubs stay."""


class Outcomes(ABC):
    """Before and after distress ratings, anonymous."""

    @abstractmethod
    def add(self, before: int, after: int) -> None:
        """Keep a session's distress ratings, with nothing that identifies the person."""


class StaffDirectory(ABC):
    """The staff register."""

    @abstractmethod
    def add(self, name: str, role: Role, telegram_id: int | None = None) -> StaffMember: ...

    @abstractmethod
    def get(self, staff_id: int) -> StaffMember | None: ...

    @abstractmethod
    def by_name(self, name: str) -> StaffMember | None:
        """Case-insensitive: staff type each other's names."""

    @abstractmethod
    def by_telegram_id(self, telegram_id: int) -> StaffMember | None: ...

    @abstractmethod
    def hold(self, staff_id: int) -> StaffMember | None:
        """The member as last committed, held until the unit of work ends, so that one member's
        actions and their removal happen one after the other, never interleaved."""

    @abstractmethod
    def all(self) -> list[StaffMember]: ...

    @abstractmethod
    def save(self, member: StaffMember) -> None:
        """Store availability, breaks and whether the member is active."""


class Rota(ABC):
    """Weekly shifts and one-off overrides."""

    @abstractmethod
    def shifts(self) -> list[Shift]: ...

    @abstractmethod
    def add_shift(self, shift: Shift) -> None: ...

    @abstractmethod
    def clear(self, staff_id: int | None = None) -> None:
        """Remove shifts and overrides (of one member, or of everyone)."""

    @abstractmethod
    def overrides(self, around: dt.datetime) -> list[Override]:
        """Overrides that have not ended by `around`."""

    @abstractmethod
    def add_override(self, override: Override) -> None: ...


class Cases(ABC):
    """Escalations and their timelines."""

    @abstractmethod
    def open_for(self, user_id: str) -> Case | None:
        """The person's open case, if any: there is at most one."""

    @abstractmethod
    def get(self, case_id: int) -> Case | None: ...

    @abstractmethod
    def add(self, case: Case) -> Case:
        """Insert a new case and return it with its id."""

    @abstractmethod
    def save(self, case: Case) -> None:
        """Store everything but the claim, which only `claim` may change."""

    @abstractmethod
    def claim(self, case_id: int, staff_id: int, now: dt.datetime, cap: int) -> bool:
        """Atomically give a waiting case to a staff member below `cap`; False if someone else won."""

    @abstractmethod
    def open_cases(self) -> list[Case]: ...

    @abstractmethod
    def caseloads(self) -> dict[int, int]:
        """Open cases held, by staff id, without reading the cases themselves."""

    @abstractmethod
    def record(self, event: CaseEvent) -> None: ...

    @abstractmethod
    def timeline(self, case_id: int) -> list[CaseEvent]: ...

    @abstractmethod
    def paged(self, case_id: int) -> set[int]:
        """Staff ids this case has been paged to so far."""

    @abstractmethod
    def claim_waits(self, since: dt.datetime) -> list[dt.timedelta]:
        """How long each case claimed since `since` waited for its claim."""

    @abstractmethod
    def forget_person(self, user_id: str) -> None:
        """Keep each case as an anonymous stub: no person, no text, and no message of the outbox
        (to anyone) that belongs to their cases."""


class Timers(ABC):
    # What this unit of work set (a due time) or cancelled (None): the scheduler follows after commit.
    changes: list[tuple[str, dt.datetime | None]]

    @abstractmethod
    def set(self, key: str, due: dt.datetime) -> None:
        """Create or move the timer `key`; a fired timer set again is pending again."""

    @abstractmethod
    def cancel(self, key: str) -> None: ...

    @abstractmethod
    def pending(self) -> list[tuple[str, dt.datetime]]: ...

    @abstractmethod
    def due(self, now: dt.datetime) -> list[str]:
        """Keys of the timers due at `now` and not yet fired, the longest overdue first."""

    @abstractmethod
    def take(self, key: str, now: dt.datetime) -> bool:
        """Mark a due timer fired; True for exactly one caller, however many fire it."""

    @abstractmethod
    def cancel_prefix(self, prefix: str) -> None: ...


@dataclass(frozen=True)
class Delivery:
    id: int
    recipient: str
    kind: str
    payload: dict[str, Any]
    case_id: int | None = None


class Outbox(ABC):
    """Messages for someone other than the sender of the current update."""

    @abstractmethod
    def add(
        self,
        recipient: str,
        kind: str,
        payload: dict[str, Any],
        case_id: int | None = None,
        held_until: dt.datetime | None = None,
    ) -> int:
        """Queue a message; return its id. `held_until`: the caller sends it at once itself and holds
        it till then, as if claimed; unconfirmed by then (the caller died), any worker sends it."""

    @abstractmethod
    def pending(self, recipients: list[str], limit: int = 100) -> list[Delivery]: ...

    @abstractmethod
    def pending_matching(self, prefix: str, limit: int = 100) -> list[Delivery]:
        """Undelivered messages for every recipient whose address starts with `prefix`."""

    @abstractmethod
    def claim_matching(
        self, prefix: str, now: dt.datetime, until: dt.datetime, limit: int = 100
    ) -> list[Delivery]:
        """Like `pending_matching`, but only rows no one holds, each now held until `until`: of
        several workers, one sends a row, and another takes it over if that one never confirms."""

    @abstractmethod
    def delivered(self, delivery_id: int, now: dt.datetime) -> None: ...

    @abstractmethod
    def forget_recipient(self, recipient: str) -> None: ...


class ChannelRecords(ABC):
    """What a chat channel remembers: updates it handled, and where it posted each page."""

    @abstractmethod
    def first_time(self, channel: str, update_id: int) -> bool:
        """Record an update id; False when it was handled before (a delivery twice)."""

    @abstractmethod
    def add_page(self, case_id: int, chat_id: int, message_id: int) -> None: ...

    @abstractmethod
    def pages(self, case_id: int) -> list[tuple[int, int]]: ...


class WriteConflict(Exception):
    """Another writer changed what this unit of work read, or held what it needed, first.

    Nothing of the unit of work was kept; running the whole of it again, from a fresh read, is safe.
    """


class StorageUnavailable(Exception):
    """The database cannot be reached (down, restarting, the network cut): nothing was written."""


@dataclass(frozen=True)
class Spooled:
    """A message accepted while the database was unreachable, waiting on local disk to be handled."""

    number: int  # the order it arrived in, and its id: it is handled once, however often replayed
    user_id: str
    text: str
    locale: str | None = None


class Spool(ABC):
    """A local, durable queue for what people send while the database is away, replayed in order."""

    @abstractmethod
    def keep(self, user_id: str, text: str, locale: str | None) -> bool:
        """Write the message durably; False when even that failed."""

    @abstractmethod
    def waiting(self, user_id: str | None = None) -> list[Spooled]:
        """What waits (for one person, or everyone), oldest first."""

    @abstractmethod
    def remove(self, entry: Spooled) -> None:
        """Forget an entry once it has been handled."""

    @abstractmethod
    def is_empty(self) -> bool:
        """Cheap enough to ask before every message."""


class UnitOfWork(ABC):
    """One transaction over every repository; rolled back unless committed.

    A collision with another writer (a row changed since it was read, a unique row inserted by
    someone else first, a lock or serialisation failure) leaves it as `WriteConflict`; a database
    that cannot be reached, as `StorageUnavailable`.
    """

    conversations: Conversations
    messages: Messages
    outcomes: Outcomes
    staff: StaffDirectory
    rota: Rota
    cases: Cases
    timers: Timers
    outbox: Outbox
    channels: ChannelRecords
    retention: Retention

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.rollback()

    @abstractmethod
    def commit(self) -> None: ...

    @abstractmethod
    def rollback(self) -> None: ...
