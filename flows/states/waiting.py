"""Waiting for staff: honest about the wait, with something to do meanwhile and a way to stop waiting."""

from __future__ import annotations

from flows.answers import Answer
from flows.crisis_kinds import say_practical_lines
from flows.intents import CancelTimer, CancelWait, Reply
from flows.reflection import reflect
from flows.states.base import StateHandler, Step, reply_for
from flows.team import WAITING_UPDATE
from flows.turn import Turn

WAITING = Step("waiting.prompt", ("grounding", "breathing", "resources", "cancel_wait"))
WHILE_WAITING = {"grounding": "ground", "breathing": "breathe", "resources": "find_help"}


class WaitingForStaff(StateHandler):
    name = "waiting_for_staff"

    def prompt(self, turn: Turn) -> Reply:
        return reply_for(turn, WAITING)

    def answer(self, turn: Turn, answer: Answer) -> None:
        if answer.option in WHILE_WAITING:
            turn.go(WHILE_WAITING[answer.option])
        elif answer.picked("cancel_wait"):
            stop_waiting(turn)
        elif answer.text:
            # Whatever they write now is kept for the person who joins: say so, not "didn't catch that",
            # after saying back, in our words, the situation they named.
            reflection = reflect(answer.text, turn.content)
            noted = turn.text("waiting.noted")
            turn.say(f"{reflection}\n\n{noted}" if reflection else noted)
            say_practical_lines(turn, answer.text)
            self.ask(turn, "")
        else:
            self.reprompt(turn)


def stop_waiting(turn: Turn) -> None:
    conversation = turn.conversation
    conversation.case_status = ""
    turn.intents += [CancelWait(), CancelTimer(WAITING_UPDATE)]
    turn.say_key("waiting.cancelled")
    turn.go("to_menu")
