"""With staff: what the person writes goes to the staff member who has their case."""

from __future__ import annotations

from flows.answers import Answer
from flows.intents import RelayToStaff, Reply
from flows.states.base import StateHandler
from flows.turn import Turn


class WithStaff(StateHandler):
    name = "with_staff"

    def enter(self, turn: Turn) -> None:
        # The joining message already said who is here; an extra question would talk over them.
        turn.conversation.step = ""

    def prompt(self, turn: Turn) -> Reply:
        return Reply(turn.text("team.with_staff", name=turn.conversation.staff_name))

    def answer(self, turn: Turn, answer: Answer) -> None:
        text = answer.text or (answer.option or "")
        if text.strip():
            turn.intents.append(RelayToStaff(text))
        else:  # nothing to pass on (a blank line): say again who is here, so no message goes unanswered
            turn.intents.append(self.prompt(turn))
