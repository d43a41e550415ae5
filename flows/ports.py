"""The small interfaces the core needs from the outside world; storage implements them.

Repositories never commit; the unit of work owns the transaction.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType

from flows.conversation import Conversation


class Conversations(ABC):
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
    @abstractmethod
    def add(self, user_id: str, text: str, position: str, handled: bool = True) -> None:
        """Keep what the person wrote (encrypted at rest), noting whether it was handled."""

    @abstractmethod
    def recent(self, user_id: str, limit: int) -> list[str]:
        """The person's last messages, oldest first (for staff who take over the conversation)."""


class Outcomes(ABC):
    @abstractmethod
    def add(self, before: int, after: int) -> None:
        """Keep a session's distress ratings, with nothing that identifies the person."""


class UnitOfWork(ABC):
    conversations: Conversations
    messages: Messages
    outcomes: Outcomes

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
