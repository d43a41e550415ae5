"""Grounding: 5-4-3-2-1 with the senses, or a shorter body-based exercise, one step at a time."""

from __future__ import annotations

from flows.answers import Answer
from flows.intents import Reply
from flows.states.base import AnswerTaker, StateHandler, Step, reply_for
from flows.states.feedback import FEELING_NOW, after_exercise
from flows.turn import Turn

# Each exercise is a sequence of steps; each step waits for the person's answer.
SEQUENCES = {
    "senses": ("see", "touch", "hear", "smell", "taste"),
    "body": ("feet", "hands", "breath"),
}
CHOOSE = Step("grounding.choose", ("senses", "body", "menu"))
IN_STEP = ("next", "menu")


class Grounding(StateHandler):
    name = "grounding"
    first_step = "choose"

    def prompt(self, turn: Turn) -> Reply:
        step = turn.conversation.step
        if step == "choose":
            return reply_for(turn, CHOOSE)
        if step == "after":
            return reply_for(turn, FEELING_NOW)
        return reply_for(turn, Step(f"grounding.steps.{step}", IN_STEP))

    def answers(self) -> dict[str, AnswerTaker]:
        return {"choose": self._choose, "after": self._after, "": self._advance}

    def _after(self, turn: Turn, answer: Answer) -> None:
        after_exercise(turn, answer, self)

    def _choose(self, turn: Turn, answer: Answer) -> None:
        if answer.option in SEQUENCES:
            turn.conversation.answers["grounding"] = answer.option
            self.ask(turn, SEQUENCES[answer.option][0], turn.text(f"grounding.intro_{answer.option}"))
        else:
            self.reprompt(turn)

    def _advance(self, turn: Turn, answer: Answer) -> None:
        """Any answer to a step moves on: there is no wrong way to notice the room around you."""
        step = turn.conversation.step
        exercise = turn.conversation.answers.get("grounding", "senses")
        sequence = SEQUENCES.get(exercise, SEQUENCES["senses"])
        position = sequence.index(step) if step in sequence else len(sequence) - 1
        if position + 1 < len(sequence):
            self.ask(turn, sequence[position + 1], turn.text("grounding.noted"))
            return
        turn.conversation.record_activity(f"grounding.{exercise}")
        self.ask(turn, "after", turn.text(f"grounding.done_{exercise}"))
