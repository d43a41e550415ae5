"""Building a safety plan with the person, step by step, each step taking several short answers."""

from __future__ import annotations

from flows.answers import Answer
from flows.intents import Reply
from flows.plan import STEPS, add_items, prefill_professionals, render_plan, render_step
from flows.states.base import AnswerTaker, StateHandler
from flows.team import go_home
from flows.turn import Turn

IN_STEP = ("next_step", "examples", "skip_step", "plan_done")


class SafetyPlan(StateHandler):
    name = "safety_plan"
    first_step = STEPS[0]

    def enter(self, turn: Turn) -> None:
        """Start at the step chosen for editing, or at the beginning with a word about the plan."""
        step = turn.conversation.answers.pop("plan_step", None)
        if step in STEPS:
            self._at(turn, step)
        else:
            self._at(turn, STEPS[0], turn.text("plan.intro"))

    def prompt(self, turn: Turn) -> Reply:
        step = turn.conversation.step
        number = STEPS.index(step) + 1 if step in STEPS else 1
        parts = [
            turn.text("plan.step_of", number=number, total=len(STEPS)),
            turn.text(f"plan.steps.{step}.ask"),
        ]
        parts.append(render_step(turn.conversation.profile, step, turn.content))
        return Reply("\n\n".join(part for part in parts if part), turn.options(IN_STEP))

    def answers(self) -> dict[str, AnswerTaker]:
        return {"": self._item}  # every step of the plan takes the same kinds of answer

    def _item(self, turn: Turn, answer: Answer) -> None:
        step = turn.conversation.step
        if answer.picked("next_step", "skip_step"):
            self._advance(turn, step)
        elif answer.picked("examples"):
            self.ask(turn, step, turn.text(f"plan.steps.{step}.examples"))
        elif answer.picked("plan_done"):
            self._finish(turn)
        elif answer.text:
            added = add_items(turn.conversation.profile, step, answer.text)
            self.ask(turn, step, turn.text("plan.added" if added else "plan.full"))
        else:
            self.reprompt(turn)

    def _at(self, turn: Turn, step: str, preface: str = "") -> None:
        if step == "professionals":
            prefill_professionals(turn.conversation.profile, turn.conversation.country)
        self.ask(turn, step, preface)

    def _advance(self, turn: Turn, step: str) -> None:
        position = STEPS.index(step) if step in STEPS else len(STEPS) - 1
        if position + 1 < len(STEPS):
            self._at(turn, STEPS[position + 1])
        else:
            self._finish(turn)

    def _finish(self, turn: Turn) -> None:
        turn.conversation.record_activity("safety_plan")
        plan = render_plan(turn.conversation.profile, turn.content)
        turn.say(f"{turn.text('plan.saved')}\n\n{plan}")
        go_home(turn)
