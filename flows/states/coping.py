"""Coping strategies: the person picks one small thing and says when they will do it."""

from __future__ import annotations

from flows.answers import Answer
from flows.intents import Reply
from flows.risk.levels import RiskLevel
from flows.states.base import AnswerTaker, StateHandler, titled_options
from flows.turn import Turn

WHEN = ("now", "within_hour", "later_today", "tomorrow")
# The longest free-text "when" we repeat back; anything longer is summarised, not echoed.
MAX_ECHO = 40


class Coping(StateHandler):
    name = "coping"
    first_step = "choose"

    def prompt(self, turn: Turn) -> Reply:
        if turn.conversation.step == "when":
            return Reply(turn.text("coping.when"), turn.options(WHEN))
        return Reply(
            turn.text("coping.choose"),
            (*titled_options(turn, "coping.strategies"), turn.option("menu")),
        )

    def answers(self) -> dict[str, AnswerTaker]:
        return {"when": self._when, "": self._choose}

    def _choose(self, turn: Turn, answer: Answer) -> None:
        if answer.option in strategies(turn):
            turn.conversation.answers["coping"] = {"strategy": answer.option}
            self.ask(turn, "when", turn.text(f"coping.strategies.{answer.option}.card"))
        else:
            self.reprompt(turn)

    def _when(self, turn: Turn, answer: Answer) -> None:
        if not answer.text and not answer.option:
            self.reprompt(turn)
            return
        when = when_words(turn, answer)
        plan = turn.conversation.answers.setdefault("coping", {})
        plan["when"] = when
        strategy = str(plan.get("strategy", ""))
        turn.conversation.record_activity(f"coping.{strategy}")
        title = turn.text(f"coping.strategies.{strategy}.title")
        turn.say_key("coping.planned", strategy=title, when=when)
        turn.go("to_menu")


def when_words(turn: Turn, answer: Answer) -> str:
    """How to say back when: an option's label, or the person's words if short and risk-free."""
    if answer.option in WHEN:
        return turn.option(answer.option).label.lower()
    safe_to_echo = turn.risk.level == RiskLevel.NONE and len(answer.text) <= MAX_ECHO
    return answer.text if safe_to_echo else turn.text("coping.when_you_chose")


def strategies(turn: Turn) -> list[str]:
    return list(turn.content.table("coping.strategies"))
