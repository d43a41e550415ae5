"""Crisis lines and resources for the person's country, and a way to change the country."""

from __future__ import annotations

from flows.answers import Answer
from flows.crisis_lines import render_lines, render_support_lines
from flows.intents import Reply
from flows.states.base import AnswerTaker, StateHandler
from flows.states.consent import country_question, picked_country
from flows.turn import Turn

MAIN = ("change_country", "menu", "done")
# Support for particular situations, shown under the crisis lines (seed section 5: mobilising
# resources): abuse at home, sexual violence, children and young people, poisoning, a bed or food.
SUPPORT_KINDS = ("dv", "sexual_violence", "children", "poison", "community")


class Resources(StateHandler):
    name = "resources"
    first_step = "lines"

    def enter(self, turn: Turn) -> None:
        turn.conversation.record_activity("resources")
        super().enter(turn)

    def prompt(self, turn: Turn) -> Reply:
        if turn.conversation.step == "country":
            return country_question(turn)
        country = turn.conversation.country
        text = turn.text("resources.lines", lines=render_lines(country, turn.content))
        support = render_support_lines(country, turn.content, SUPPORT_KINDS)
        if support:
            text = f"{text}\n\n{turn.text('resources.support', lines=support)}"
        return Reply(text, turn.options(MAIN))

    def answers(self) -> dict[str, AnswerTaker]:
        return {"country": self._country, "": self._lines}

    def _lines(self, turn: Turn, answer: Answer) -> None:
        if answer.picked("change_country"):
            self.ask(turn, "country")
        elif answer.picked("done"):
            turn.go("close")
        else:
            self.reprompt(turn)

    def _country(self, turn: Turn, answer: Answer) -> None:
        chosen = picked_country(turn, answer)
        if chosen is None:
            self.reprompt(turn)
            return
        turn.conversation.country = chosen
        self.ask(turn, "lines")
