"""What can happen to a conversation: the engine's only input."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flows.oncall.model import Reach

# What is kept of one message. The whole message is always read and assessed for risk first, however
# long; only the stored copy is trimmed past this, and the person is told (`common.long_message`).
KEPT_TEXT_LENGTH = 16_000


@dataclass(frozen=True)
class Text:
    """Something the person typed."""

    text: str


@dataclass(frozen=True)
class Edited:
    """A message the person changed after sending it: read for risk, not taken as a new answer."""

    text: str


@dataclass(frozen=True)
class Choice:
    """An option the person picked by button or by number, named by its option id."""

    option: str


@dataclass(frozen=True)
class Command:
    """A slash command such as /sos; `argument` is whatever followed it."""

    name: str
    argument: str = ""


@dataclass(frozen=True)
class TimerFired:
    """A timer that the engine asked for earlier has come due."""

    name: str


@dataclass(frozen=True)
class CaseOpened:
    """The team has the person's request: a case exists, and who could be told of it (`reach`).

    For a case already open, `reach` is None unless the new signals paged it afresh; `night_ends`
    (ISO) is when a case queued at night is paged.
    """

    case_id: int
    reach: Reach | None = Reach.FREE
    existing: bool = False
    update_seconds: float = 180.0
    night_ends: str = ""


@dataclass(frozen=True)
class StaffJoined:
    """A staff member claimed the case (or took it over from a colleague)."""

    name: str
    handover: bool = False


@dataclass(frozen=True)
class StaffMessage:
    """Something the staff member wrote to the person."""

    name: str
    text: str


@dataclass(frozen=True)
class StaffLeft:
    """The staff member released the case back to the queue, paged afresh to whoever `reach` says."""

    reach: Reach = Reach.FREE


@dataclass(frozen=True)
class CaseClosed:
    """Staff resolved or cancelled the case."""

    outcome: str


@dataclass(frozen=True)
class FollowUpRequested:
    """Staff who resolved the case asked for an outreach check-in with the person."""

    case_id: int


TeamEvent = CaseOpened | StaffJoined | StaffMessage | StaffLeft | CaseClosed | FollowUpRequested
Event = Text | Edited | Choice | Command | TimerFired | TeamEvent


def parse_text(raw: str) -> Event:
    """Turn a typed line into a Command when it starts with a slash, else into Text."""
    text = valid_text(raw).strip()
    if text.startswith("/") and len(text) > 1:
        head, _, argument = text[1:].partition(" ")
        name = head.split("@", 1)[0].lower()  # Telegram appends @botname in groups
        if name.isidentifier():
            return Command(name, argument.strip())
    return Text(text)


def valid_text(raw: str) -> str:
    """`raw` with lone surrogates (which JSON can carry but no text encoding can) made U+FFFD, so
    that the message can still be assessed, kept and answered."""
    return LONE_SURROGATE.sub("\ufffd", raw)


LONE_SURROGATE = re.compile("[\ud800-\udfff]")
