"""The case lifecycle as a rulebook: one `transitions` machine says what every case may do next.

triggered -> claimed -> resolved, with release (back to the queue), transfer (to a colleague) and
cancel (staff only). Claiming atomically is storage's job; this says what is allowed at all.

The machine is shared by every thread and only ever read: its transitions are looked up, never
triggered, so its queue (the one mutable part of a machine) is never used and no lock is needed.
"""

from __future__ import annotations

from typing import Final

from transitions import Machine

from flows.oncall.model import CaseStatus

CASE_STATES: Final = [status.value for status in CaseStatus]
CASE_TRANSITIONS: Final[list[dict[str, str | list[str]]]] = [
    {"trigger": "claim", "source": "triggered", "dest": "claimed"},
    {"trigger": "release", "source": "claimed", "dest": "triggered"},
    {"trigger": "transfer", "source": "claimed", "dest": "claimed"},
    {"trigger": "resolve", "source": "claimed", "dest": "resolved"},
    {"trigger": "cancel", "source": ["triggered", "claimed"], "dest": "cancelled"},
]

_RULEBOOK: Final = Machine(
    model=None,
    states=CASE_STATES,
    transitions=CASE_TRANSITIONS,
    initial="triggered",
    auto_transitions=False,
)


def allowed(status: CaseStatus, action: str) -> bool:
    """Whether `action` (claim, release, transfer, resolve, cancel) may happen to a case in `status`."""
    return action in _RULEBOOK.get_triggers(status.value)


def after(status: CaseStatus, action: str) -> CaseStatus:
    """The status a case has after `action`; raises ValueError when the action is not allowed."""
    if not allowed(status, action):
        raise ValueError(f"cannot {action} a {status.value} case")
    (transition,) = _RULEBOOK.get_transitions(trigger=action, source=status.value)
    return CaseStatus(transition.dest)
