"""The menu of what can help now, always with the option of talking to a person."""

from __future__ import annotations

from flows.answers import Answer
from flows.definition import MENU_TRIGGERS
from flows.escalation import request_person
from flows.intents import Reply
from flows.states.base import AnswerTaker, StateHandler, Step, reply_for
from flows.team import go_home
from flows.turn import Turn

# Talking to a person is offered every time, never buried at the end.
MENU = Step(
    "menu.prompt",
    ("grounding", "breathing", "coping", "learn", "plan", "goal", "resources", "person", "done"),
)


class Menu(StateHandler):
    name = "menu"

    def prompt(self, turn: Turn) -> Reply:
        return reply_for(turn, MENU)

    def answers(self) -> dict[str, AnswerTaker]:
        return {"": self._choice}

    def _choice(self, turn: Turn, answer: Answer) -> None:
        if answer.option in MENU_TRIGGERS:
            turn.go(MENU_TRIGGERS[answer.option])
        elif answer.picked("person") and turn.conversation.case_status:
            go_home(turn)
        elif answer.picked("person"):
            request_person(turn, "asked_for_person")
            turn.send(self.prompt(turn))
        else:
            self.reprompt(turn)
