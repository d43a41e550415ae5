"""Understanding reactions: short cards that say a reaction is common, each with one tip."""

from __future__ import annotations

from flows.answers import Answer
from flows.intents import Reply
from flows.states.base import AnswerTaker, StateHandler, titled_options
from flows.turn import Turn

AFTER_CARD = ("another_topic", "menu")


class Learn(StateHandler):
    name = "learn"
    first_step = "choose"

    def prompt(self, turn: Turn) -> Reply:
        if turn.conversation.step == "card":
            return Reply(turn.text("learn.after_card"), turn.options(AFTER_CARD))
        return Reply(turn.text("learn.choose"), (*titled_options(turn, "learn.topics"), turn.option("menu")))

    def answers(self) -> dict[str, AnswerTaker]:
        return {"": self._topic}

    def _topic(self, turn: Turn, answer: Answer) -> None:
        if answer.option in topics(turn):
            self._show(turn, answer.option)
        elif answer.picked("another_topic"):
            self.ask(turn, "choose")
        else:
            self.reprompt(turn)

    def _show(self, turn: Turn, topic: str) -> None:
        turn.conversation.record_activity(f"learn.{topic}")
        card = turn.text(f"learn.topics.{topic}.card")
        tip = turn.text("learn.tip", tip=turn.text(f"learn.topics.{topic}.tip"))
        self.ask(turn, "card", f"{card}\n\n{tip}")


def topics(turn: Turn) -> list[str]:
    return list(turn.content.table("learn.topics"))
