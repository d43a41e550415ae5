"""How an exercise felt: asked at the end of each one, answered kindly, then back to the menu."""

from __future__ import annotations

from flows.answers import Answer
from flows.states.base import StateHandler, Step
from flows.team import go_home
from flows.turn import Turn

FEELING_NOW = Step("feedback.feeling_now", ("better", "same", "worse"))


def after_exercise(turn: Turn, answer: Answer, handler: StateHandler) -> None:
    """Acknowledge how the exercise felt and return to the menu; a reply that fits no option asks again."""
    if answer.option not in FEELING_NOW.options:
        handler.reprompt(turn)
        return
    turn.say_key(f"feedback.felt_{answer.option}")
    go_home(turn)
