"""A person's conversation: everything needed to continue at exactly the same step."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

from flows.risk.levels import RiskLevel

FIRST_STATE = "consent"


@dataclass
class Conversation:
    """The model that the one shared state machine moves; plain data, saved after every message.

    `answers` holds what the person told us in this session (free text included, so storage
    encrypts it); the other fields are small and structured.
    """

    user_id: str
    state: str = FIRST_STATE
    step: str = ""
    language: str = "en"
    country: str | None = None
    consented: bool = False
    paused: bool = False
    pending: str = ""
    risk_level: RiskLevel = RiskLevel.NONE
    distress_before: int | None = None
    distress_after: int | None = None
    answers: dict[str, Any] = field(default_factory=dict)
    # What outlives a session: the safety plan, goals, check-ins and time zone (encrypted at rest).
    profile: dict[str, Any] = field(default_factory=dict)
    case_id: int | None = None
    case_status: str = ""  # "", "waiting" or "with_staff": where the person stands with the team
    staff_name: str = ""  # how the staff member who has the case is named to the person
    version: int = 0

    @property
    def past_consent(self) -> bool:
        """Agreed, and past the consent questions: the rest of the service is open."""
        return self.consented and self.state != FIRST_STATE

    @property
    def position(self) -> str:
        """The state with its sub-step, such as `grounding.see`: the name tools and tests rely on."""
        return f"{self.state}.{self.step}" if self.step else self.state

    def copy(self) -> Conversation:
        """A copy to change freely; answers and profile are plain JSON data, copied as such."""
        return replace(self, answers=_clone(self.answers), profile=_clone(self.profile))

    def start_session(self) -> None:
        """Begin a fresh check-in: ratings, answers and the session's risk level start over."""
        self.answers = {}
        self.distress_before = None
        self.distress_after = None
        self.risk_level = RiskLevel.NONE

    def record_activity(self, activity: str) -> None:
        done: list[str] = self.answers.setdefault("activities", [])
        if activity not in done:
            done.append(activity)


def _clone(data: dict[str, Any]) -> dict[str, Any]:
    # A JSON round trip: several times faster than deepcopy, and the data is JSON by contract.
    cloned: dict[str, Any] = json.loads(json.dumps(data))
    return cloned
