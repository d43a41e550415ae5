"""One handler per state of the conversation, found by the state's name."""

from flows.states.base import StateHandler
from flows.states.breathing import Breathing
from flows.states.checkin import Checkin
from flows.states.closing import Closing
from flows.states.consent import Consent
from flows.states.coping import Coping
from flows.states.ended import Ended
from flows.states.followup import FollowUp
from flows.states.goals import Goals
from flows.states.grounding import Grounding
from flows.states.learn import Learn
from flows.states.menu import Menu
from flows.states.resources import Resources
from flows.states.safety_plan import SafetyPlan
from flows.states.screening import Screening
from flows.states.waiting import WaitingForStaff
from flows.states.with_staff import WithStaff

HANDLERS: dict[str, StateHandler] = {
    handler.name: handler
    for handler in (
        Consent(),
        Checkin(),
        Menu(),
        Grounding(),
        Breathing(),
        Coping(),
        Learn(),
        Resources(),
        Closing(),
        Ended(),
        Screening(),
        WaitingForStaff(),
        WithStaff(),
        SafetyPlan(),
        Goals(),
        FollowUp(),
    )
}

__all__ = ["HANDLERS", "StateHandler"]
