"""Structured screening after the C-SSRS screener: six direct questions, skip logic and triage.

Asked after any text signal at moderate or above, a distress rating of 8 or more, or /sos.
Triage follows the screener: a wish to be dead or thoughts of suicide alone are low; thinking about
how is moderate; intent, a plan, or anything done in the past three months is high; something
done longer ago is moderate.
"""

from __future__ import annotations

import re

from flows.answers import Answer, normalise
from flows.crisis_lines import emergency_number, render_lines
from flows.escalation import request_person
from flows.intents import Reply
from flows.risk.levels import RiskLevel
from flows.states.base import AnswerTaker, StateHandler, Step, reply_for
from flows.team import go_home
from flows.turn import Turn

YES_NO = ("yes", "no", "not_sure")
QUESTIONS = ("wish_dead", "thoughts", "how", "intent", "plan", "behaviour", "recent")
OFFER = Step("screening.offer", ("screen_yes", "screen_no"))
_APOSTROPHES = re.compile("['\u2019]")
SAFE_NOW = Step("screening.safe_now", ("safe_now", "not_safe", "calm_down"))


class Screening(StateHandler):
    name = "screening"
    first_step = "offer"

    def enter(self, turn: Turn) -> None:
        """Start with the offer, or, when someone may be in danger now, with whether they are safe."""
        imminent = turn.conversation.risk_level >= RiskLevel.IMMINENT
        self.ask(turn, "safe_now" if imminent else "offer")

    def prompt(self, turn: Turn) -> Reply:
        step = turn.conversation.step
        if step == "offer":
            return reply_for(turn, OFFER)
        if step == "safe_now":
            return reply_for(turn, SAFE_NOW)
        return reply_for(turn, Step(f"screening.questions.{step}", YES_NO))

    def answers(self) -> dict[str, AnswerTaker]:
        return {"offer": self._offer, "safe_now": self._safe_now, "": self._question}

    def _offer(self, turn: Turn, answer: Answer) -> None:
        if answer.picked("screen_yes"):
            turn.conversation.answers["screening"] = {}
            self.ask(turn, "wish_dead", turn.text("screening.thank_you_for_trusting"))
        elif answer.picked("screen_no"):
            declined(turn)
        else:
            self.reprompt(turn)

    def _safe_now(self, turn: Turn, answer: Answer) -> None:
        if answer.picked("not_safe"):
            turn.say_key("screening.not_safe", emergency=emergency(turn))
            self.ask(turn, "safe_now")
        elif answer.picked("calm_down"):
            turn.go("ground")
        elif answer.picked("safe_now"):
            self.ask(turn, "offer", turn.text("screening.glad_safe"))
        elif called_for_help(turn, answer.text):
            self.ask(turn, "safe_now", turn.text("screening.called"))
        else:
            self.reprompt(turn)

    def _question(self, turn: Turn, answer: Answer) -> None:
        step = turn.conversation.step
        said_yes = yes_from(turn, answer)
        if said_yes is None:
            self.reprompt(turn)
            return
        answers = turn.conversation.answers.setdefault("screening", {})
        answers[step] = said_yes
        following = next_question(step, said_yes)
        if following:
            self.ask(turn, following)
        else:
            conclude(turn, triage(answers))


def called_for_help(turn: Turn, text: str) -> bool:
    """Whether the person says help is on its way ("I called 999", "the ambulance is coming")."""
    said = f" {normalise(_APOSTROPHES.sub('', text))} "  # "I've" as "ive", as the phrases are written
    return any(f" {normalise(words)} " in said for words in turn.content.words("screening.called_words"))


def next_question(step: str, said_yes: bool) -> str | None:
    """The screener's skip logic: no thoughts of suicide skips to the question about behaviour."""
    if step == "thoughts" and not said_yes:
        return "behaviour"
    if step == "behaviour" and not said_yes:
        return None
    position = QUESTIONS.index(step)
    return QUESTIONS[position + 1] if position + 1 < len(QUESTIONS) else None


def triage(answers: dict[str, bool]) -> RiskLevel:
    """The screener's risk level from its answers (`not sure` was recorded as yes)."""
    if answers.get("intent") or answers.get("plan") or (answers.get("behaviour") and answers.get("recent")):
        return RiskLevel.HIGH
    if answers.get("how") or answers.get("behaviour"):
        return RiskLevel.MODERATE
    if answers.get("wish_dead") or answers.get("thoughts"):
        return RiskLevel.LOW
    return RiskLevel.NONE


def yes_from(turn: Turn, answer: Answer) -> bool | None:
    """Yes, no, or None when the answer says neither; `not sure` counts as yes, to stay safe."""
    if answer.option in ("yes", "not_sure"):
        return True
    if answer.option == "no":
        return False
    # Free text that reads as risk is a yes: "I've been thinking about it every day".
    return True if turn.risk.level >= RiskLevel.MODERATE else None


def conclude(turn: Turn, level: RiskLevel) -> None:
    """Act on the screener's result, then go back to the menu."""
    conversation = turn.conversation
    conversation.risk_level = RiskLevel.highest(conversation.risk_level, level)
    conversation.answers.setdefault("screening_result", level.value)
    if conversation.risk_level >= RiskLevel.HIGH:
        request_person(turn, "screening", "screening.result_high")
    elif conversation.risk_level >= RiskLevel.MODERATE:
        turn.say_key("screening.result_moderate", lines=lines(turn))
    else:
        turn.say_key("screening.result_low", lines=lines(turn))
    go_home(turn)


def declined(turn: Turn) -> None:
    """The person may decline; after a high signal the team is still asked to step in."""
    if turn.conversation.risk_level >= RiskLevel.HIGH:
        request_person(turn, "declined_screening", "screening.declined_high")
    else:
        turn.say_key("screening.declined", lines=lines(turn))
    go_home(turn)


def lines(turn: Turn) -> str:
    return render_lines(turn.conversation.country, turn.content)


def emergency(turn: Turn) -> str:
    return emergency_number(turn.conversation.country)
