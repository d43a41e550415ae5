"""Ended: the session is over; whatever the person says next starts a fresh check-in."""

from __future__ import annotations

from flows.answers import Answer
from flows.intents import Reply
from flows.states.base import StateHandler
from flows.turn import Turn


class Ended(StateHandler):
    name = "ended"

    def prompt(self, turn: Turn) -> Reply:
        return Reply(turn.text("ended.prompt"), turn.options(("start_again",)))

    def answer(self, turn: Turn, answer: Answer) -> None:
        if not turn.conversation.consented:
            turn.go("reset")
            return
        turn.say_key("ended.welcome_back")
        turn.go("check_in")
