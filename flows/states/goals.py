"""Goal setting and action planning: immediate needs, one small goal for the next 24 hours, its first step."""

from __future__ import annotations

from flows.answers import Answer
from flows.crisis_lines import CRISIS, emergency_number, render_lines
from flows.intents import Option, Reply
from flows.risk import RiskLevel, assess
from flows.states.base import AnswerTaker, StateHandler
from flows.team import go_home
from flows.turn import Turn

NEEDS = ("need_safety", "need_medical", "need_shelter", "need_food", "need_company", "need_practical")
URGENT_NEEDS = {"need_safety": "goals.urgent_safety", "need_medical": "goals.urgent_medical"}
# Practical needs get the country's lines for them (seed section 5, mobilising resources): the
# community lines for a bed, food or money; the crisis lines and the team for company.
RESOURCE_NEEDS = {
    "need_shelter": ("goals.shelter", ("community", CRISIS)),
    "need_food": ("goals.food", ("community", CRISIS)),
    "need_practical": ("goals.practical", ("community", CRISIS)),
    "need_company": ("goals.company", (CRISIS,)),
}
WHEN = ("now", "within_hour", "later_today", "tomorrow")
MAX_ECHO = 80


class Goals(StateHandler):
    name = "goals"
    first_step = "needs"

    def enter(self, turn: Turn) -> None:
        turn.conversation.answers["needs"] = []
        self.ask(turn, "needs", turn.text("goals.intro"))

    def prompt(self, turn: Turn) -> Reply:
        step = turn.conversation.step
        if step == "needs":
            return Reply(turn.text("goals.needs"), self._need_options(turn))
        if step == "when":
            return Reply(turn.text("goals.when"), turn.options(WHEN))
        if step == "offer_checkin":
            return Reply(turn.text("goals.offer_checkin"), turn.options(("checkin_yes", "checkin_no")))
        return Reply(turn.text(f"goals.{step}"), turn.options(("menu",)))

    def answers(self) -> dict[str, AnswerTaker]:
        return {
            "needs": self._need,
            "goal": self._words,
            "first_step": self._words,
            "when": self._when,
            "": self._offer,
        }

    def _need_options(self, turn: Turn) -> tuple[Option, ...]:
        chosen = turn.conversation.answers.get("needs", [])
        return (*turn.options(need for need in NEEDS if need not in chosen), turn.option("needs_done"))

    def _need(self, turn: Turn, answer: Answer) -> None:
        if answer.picked("needs_done"):
            self.ask(turn, "goal")
        elif answer.option in NEEDS:
            turn.conversation.answers.setdefault("needs", []).append(answer.option)
            self.ask(turn, "needs", _need_noted(turn, answer.option))
        else:
            self.reprompt(turn)

    def _words(self, turn: Turn, answer: Answer) -> None:
        step = turn.conversation.step
        if not answer.text:
            self.reprompt(turn)
            return
        turn.conversation.answers[step] = answer.text
        self.ask(turn, "first_step" if step == "goal" else "when")

    def _when(self, turn: Turn, answer: Answer) -> None:
        if not (answer.option or answer.text):
            self.reprompt(turn)
            return
        when = turn.option(answer.option).label.lower() if answer.option in WHEN else answer.text
        answers = turn.conversation.answers
        goal = {"goal": answers.get("goal", ""), "first_step": answers.get("first_step", ""), "when": when}
        turn.conversation.profile["goal"] = goal
        turn.conversation.record_activity("goals")
        if turn.reach_later:
            self.ask(turn, "offer_checkin", reflect(turn, goal))
        else:  # no check-in can reach them: say so rather than offer one
            turn.say(reflect(turn, goal))
            turn.say_key("followup.cannot_reach")
            go_home(turn)

    def _offer(self, turn: Turn, answer: Answer) -> None:
        if answer.picked("checkin_yes"):
            turn.conversation.answers["checkin_about"] = "goal"
            turn.go("follow_up")
        elif answer.picked("checkin_no"):
            turn.say_key("goals.no_checkin")
            go_home(turn)
        else:
            self.reprompt(turn)


def _need_noted(turn: Turn, need: str) -> str:
    """What is said to a need: what to do now where it is urgent, the lines where some can help."""
    country = turn.conversation.country
    if need in URGENT_NEEDS:
        return turn.text(URGENT_NEEDS[need], emergency=emergency_number(country))
    if need in RESOURCE_NEEDS:
        key, kinds = RESOURCE_NEEDS[need]
        return turn.text(key, lines=render_lines(country, turn.content, kinds=kinds))
    return turn.text("goals.noted")


def reflect(turn: Turn, goal: dict[str, str]) -> str:
    """Say the plan back, in the person's words when they are short and carry no risk."""
    return turn.text(
        "goals.reflect",
        goal=echo(turn, goal["goal"], "goals.your_goal"),
        first_step=echo(turn, goal["first_step"], "goals.your_first_step"),
        when=echo(turn, goal["when"], "coping.when_you_chose"),
    )


def echo(turn: Turn, words: str, fallback_key: str) -> str:
    """The person's words if short and free of any risk signal; otherwise a neutral stand-in."""
    safe = 0 < len(words) <= MAX_ECHO and assess(words).level == RiskLevel.NONE
    return words if safe else turn.text(fallback_key)
