"""Paced breathing: box breathing or 4-7-8, one round at a time, at the person's own pace."""

from __future__ import annotations

from flows.answers import Answer
from flows.intents import Pacing, Phase, Reply
from flows.states.base import AnswerTaker, StateHandler, Step, reply_for
from flows.states.feedback import FEELING_NOW, after_exercise
from flows.turn import Turn

# Phase content keys and their seconds. Box breathing evens out all four sides; 4-7-8 lengthens
# the out-breath, which is what slows the heart.
RHYTHMS = {
    "box": (("in", 4), ("hold", 4), ("out", 4), ("hold", 4)),
    "478": (("in", 4), ("hold", 7), ("out", 8)),
}
SUGGESTED_ROUNDS = 4
CHOOSE = Step("breathing.choose", ("box", "478", "menu"))
IN_ROUND = ("another", "finished", "menu")


class Breathing(StateHandler):
    name = "breathing"
    first_step = "choose"

    def prompt(self, turn: Turn) -> Reply:
        step = turn.conversation.step
        if step == "choose":
            return reply_for(turn, CHOOSE)
        if step == "after":
            return reply_for(turn, FEELING_NOW)
        if step == "ready":
            return reply_for(turn, Step(f"breathing.ready_{technique(turn)}", ("ready", "menu")))
        # Asked again (a resume, /help, an answer that did not fit), a round is offered, not replayed:
        # the person already breathed through it.
        rounds = turn.conversation.answers["breathing"]["rounds"]
        return Reply(turn.text("breathing.round_again", round=rounds), turn.options(IN_ROUND))

    def answers(self) -> dict[str, AnswerTaker]:
        return {"choose": self._choose, "after": self._after, "ready": self._ready, "round": self._round_over}

    def _after(self, turn: Turn, answer: Answer) -> None:
        after_exercise(turn, answer, self)

    def _ready(self, turn: Turn, answer: Answer) -> None:
        if answer.picked("ready"):
            self._breathe(turn)
        else:
            self.reprompt(turn)

    def _round_over(self, turn: Turn, answer: Answer) -> None:
        if answer.picked("ready", "another"):
            self._breathe(turn)
        elif answer.picked("finished"):
            turn.conversation.record_activity(f"breathing.{technique(turn)}")
            self.ask(turn, "after", turn.text("breathing.well_done"))
        else:
            self.reprompt(turn)

    def _choose(self, turn: Turn, answer: Answer) -> None:
        if answer.option in RHYTHMS:
            turn.conversation.answers["breathing"] = {"technique": answer.option, "rounds": 0}
            self.ask(turn, "ready")
        else:
            self.reprompt(turn)

    def _breathe(self, turn: Turn) -> None:
        turn.conversation.answers["breathing"]["rounds"] += 1
        turn.conversation.step = "round"
        turn.send(self._round(turn))

    def _round(self, turn: Turn) -> Reply:
        rounds = turn.conversation.answers["breathing"]["rounds"]
        key = "breathing.round_enough" if rounds >= SUGGESTED_ROUNDS else "breathing.round"
        text = turn.text(key, round=rounds, suggested=SUGGESTED_ROUNDS)
        return Reply(text, turn.options(IN_ROUND), pacing(turn))


def technique(turn: Turn) -> str:
    return str(turn.conversation.answers.get("breathing", {}).get("technique", "box"))


def pacing(turn: Turn) -> Pacing:
    phases = (
        Phase(turn.text(f"breathing.phase_{name}"), seconds) for name, seconds in RHYTHMS[technique(turn)]
    )
    return Pacing(tuple(phases))
