"""Welcome and consent: what the bot is, what it keeps, and where the person is."""

from __future__ import annotations

from flows.answers import Answer
from flows.crisis_lines import FALLBACK, country_codes, country_name, find_country
from flows.intents import EraseUser, Option, RelayToStaff, Reply
from flows.states.base import AnswerTaker, StateHandler, Step, reply_for
from flows.turn import Turn

WELCOME = Step("consent.welcome", ("agree", "decline"))
BRIEF = Step("consent.brief", ("agree", "decline"))
CONFIRM = Step("consent.country_confirm", ("yes", "choose_country"))


class Consent(StateHandler):
    name = "consent"
    first_step = "welcome"

    def prompt(self, turn: Turn) -> Reply:
        step = turn.conversation.step
        if step == "country":
            return country_question(turn)
        if step == "country_confirm":
            return reply_for(turn, CONFIRM, country=country_name(hinted_country(turn), turn.content))
        return reply_for(turn, BRIEF if step == "brief" else WELCOME)

    def answer(self, turn: Turn, answer: Answer) -> None:
        if turn.conversation.case_status == "with_staff" and answer.option is None and answer.text:
            # Someone in crisis may never have agreed to anything: a staff member with them still hears them.
            turn.intents.append(RelayToStaff(answer.text))
        else:
            super().answer(turn, answer)

    def answers(self) -> dict[str, AnswerTaker]:
        return {"country": self._country, "country_confirm": self._confirm, "": self._welcome}

    def _welcome(self, turn: Turn, answer: Answer) -> None:
        if answer.picked("agree") and turn.conversation.step == "brief" and turn.conversation.country:
            turn.conversation.consented = True  # after a crisis opening: the lines' country is known, go on
            settle_country(turn, turn.conversation.country)
        elif answer.picked("agree"):
            turn.conversation.consented = True
            hint = hinted_country(turn)
            self.ask(turn, "country_confirm" if hint else "country")
        elif answer.picked("decline"):
            turn.intents.append(EraseUser())
            turn.say_key("consent.declined")
            turn.go("decline")
        else:
            self.reprompt(turn)

    def _confirm(self, turn: Turn, answer: Answer) -> None:
        if answer.picked("yes") and hinted_country(turn):
            settle_country(turn, hinted_country(turn))
        elif answer.picked("choose_country", "no"):
            self.ask(turn, "country")
        else:
            self._country(turn, answer)

    def _country(self, turn: Turn, answer: Answer) -> None:
        chosen = picked_country(turn, answer)
        if chosen is None:
            self.reprompt(turn)
        else:
            settle_country(turn, chosen)


def settle_country(turn: Turn, code: str | None) -> None:
    turn.conversation.country = code
    turn.say_key("consent.country_set", country=country_name(code, turn.content))
    turn.go("agree")


def country_question(turn: Turn) -> Reply:
    options = tuple(Option(code, country_name(code, turn.content)) for code in country_codes())
    other = turn.option("other_country")
    return Reply(turn.text("consent.country"), (*options, other))


def picked_country(turn: Turn, answer: Answer) -> str | None:
    """The country code chosen by button, by name or by alias; the fallback for `somewhere else`."""
    if answer.option == "other_country":
        return FALLBACK
    if answer.option in country_codes():
        return answer.option
    return find_country(answer.text, turn.content)


def hinted_country(turn: Turn) -> str | None:
    """The country the channel's locale suggests (`en-GB` -> GB), if we have lines for it."""
    region = (turn.locale or "").replace("_", "-").partition("-")[2].upper()
    return region if region in country_codes() else None
