"""Acting on everyday words in every state, before the state's own answers: a person asked for,
stop, help, the menu, the crisis lines, another language. The risk gate has already run."""

from __future__ import annotations

from flows.answers import match_option
from flows.commands import current_prompt, resume, run_command
from flows.crisis_lines import render_lines
from flows.escalation import request_person
from flows.events import Choice, Command, Text
from flows.reflection import names_situation
from flows.team import go_home
from flows.turn import Turn
from flows.understanding import intent_of, language_asked_for

# Intents that mean a command wherever they are typed, unless the step offers an option by those words.
COMMAND_INTENTS = {"emergency": "sos", "stop": "stop", "help": "help", "menu": "menu", "language": "language"}
# Lines asked for on someone else's behalf ("the crisis line numbers for my clients").
FOR_SOMEONE = "for_someone"


def take_over(turn: Turn, event: Text | Choice) -> bool:
    """Act on an everyday request the step did not ask about; False leaves the event to the step."""
    if isinstance(event, Choice):
        offered = {option.id for option in current_prompt(turn).options}
        if event.option == "person" and "person" not in offered:
            ask_for_person(turn)
            return True
        return False
    return _from_words(turn, event.text)


def _from_words(turn: Turn, text: str) -> bool:
    spoken = language_asked_for(text)
    if spoken:
        speak(turn, spoken)
        return True
    intent = intent_of(text)
    if intent == "person":
        ask_for_person(turn)
        return True
    if intent in COMMAND_INTENTS and match_option(text, current_prompt(turn).options, turn.content) is None:
        if intent == "emergency" and names_situation(text, turn.content, FOR_SOMEONE):
            lines_for_someone(turn)
        else:
            run_command(turn, Command(COMMAND_INTENTS[intent]))
        return True
    return False


def lines_for_someone(turn: Turn) -> None:
    """The lines to pass on, and back to where the person was: the risk gate has already read the
    message for the writer's own safety, so the safety questions are not put to them as well."""
    lines = render_lines(turn.conversation.country, turn.content)
    resume(turn, turn.text("commands.sos_for_someone", lines=lines))


def ask_for_person(turn: Turn) -> None:
    """As the "Talk to a person" button does: ask the team, or go back to the one already asked."""
    if turn.conversation.case_status and turn.conversation.past_consent:
        go_home(turn)
        return
    request_person(turn, "asked_for_person")
    resume(turn)


def speak(turn: Turn, language: str) -> None:
    turn.conversation.language = language
    turn.conversation.pending = "" if turn.conversation.pending == "language" else turn.conversation.pending
    resume(turn, turn.text("commands.language_set"))
