"""Commands that work in every state, and the short side-questions some of them open.

A side-question (confirm /forget, pick a language, change country) is kept in
`conversation.pending` so that the state and step underneath stay exactly where they were.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from flows import check, safe_to_talk
from flows.answers import Answer
from flows.checkins import describe, scheduled, take_check_in
from flows.content import available_languages, content_for
from flows.conversation import Conversation
from flows.crisis_lines import emergency_number, render_lines
from flows.events import Command
from flows.intents import CancelTimer, EraseUser, Option, Reply
from flows.listening import reprompt
from flows.plan import STEPS, has_plan, render_plan
from flows.states import HANDLERS
from flows.states.consent import country_question, picked_country
from flows.turn import Turn

FORGET_OPTIONS = ("forget_yes", "forget_no")
# What a side-question's option sets off.
OptionTaker = Callable[[Turn], None]


@dataclass(frozen=True)
class SideQuestion:
    """A short question over the current step: its prompt, what each of its options does, and what
    any other answer does (asked again, unless the question reads free text or built its options)."""

    prompt: Callable[[Turn], Reply]
    options: Mapping[str, OptionTaker] = field(default_factory=dict)
    otherwise: Callable[[Turn, Answer], None] | None = None


def run_command(turn: Turn, command: Command) -> None:
    """Carry out a slash command; an unknown one is explained, never a dead end."""
    COMMANDS.get(command.name, unknown)(turn)


def current_prompt(turn: Turn) -> Reply:
    """The question the person was last asked, or, during a side-question, that question."""
    if turn.conversation.pending:
        return SIDE_QUESTIONS[turn.conversation.pending].prompt(turn)
    return HANDLERS[turn.conversation.state].prompt(turn)


def resume(turn: Turn, preface: str = "") -> None:
    turn.send(current_prompt(turn), preface)


def start(turn: Turn) -> None:
    conversation = turn.conversation
    if conversation.state == "ended":
        turn.go("check_in" if conversation.consented else "reset")
    else:
        resume(turn, turn.text("commands.start_again") if conversation.consented else "")


def show_help(turn: Turn) -> None:
    number = emergency_number(turn.conversation.country)
    resume(turn, turn.text("commands.help", emergency=number))


def sos(turn: Turn) -> None:
    """Crisis lines at once; after consent, the offer of the safety questions follows."""
    conversation = turn.conversation
    if conversation.pending == check.PENDING:
        conversation.pending = ""  # the screening asks the same more fully
    turn.say(turn.text("commands.sos", lines=render_lines(conversation.country, turn.content)))
    if conversation.past_consent and conversation.state != "screening":
        turn.go("screen")
    else:
        resume(turn)


def menu(turn: Turn) -> None:
    conversation = turn.conversation
    if conversation.past_consent:
        conversation.pending = ""
        turn.go("to_menu")
    else:
        resume(turn, turn.text("commands.menu_after_consent"))


def stop(turn: Turn) -> None:
    """Pause, and cancel every check-in: stopping means no messages until the person comes back."""
    turn.conversation.paused = True
    cancelled = cancel_check_ins(turn)
    turn.say_key("commands.stop", emergency=emergency_number(turn.conversation.country))
    if cancelled:
        turn.say_key("checkins.all_cancelled")


def cancel_check_ins(turn: Turn) -> int:
    entries = list(scheduled(turn.conversation.profile))
    for entry in entries:
        take_check_in(turn.conversation.profile, entry["id"])
        turn.intents.append(CancelTimer(f"checkin:{entry['id']}"))
    return len(entries)


def side_question(pending: str, after_consent: bool = True) -> Callable[[Turn], None]:
    """A command that asks a short side-question over the current step (the plan, /forget, ...)."""

    def ask(turn: Turn) -> None:
        if after_consent and not turn.conversation.past_consent:
            resume(turn, turn.text("commands.menu_after_consent"))
            return
        turn.conversation.pending = pending
        resume(turn)

    return ask


def language(turn: Turn) -> None:
    if len(available_languages()) < 2:
        resume(turn, turn.text("commands.one_language"))
        return
    turn.conversation.pending = "language"
    resume(turn)


def unknown(turn: Turn) -> None:
    resume(turn, turn.text("commands.unknown"))


def answer_pending(turn: Turn, answer: Answer) -> None:
    """Settle the open side-question, then return to the question underneath it."""
    question = SIDE_QUESTIONS[turn.conversation.pending]
    taker = question.options.get(answer.option or "")
    if taker is not None:
        taker(turn)
    elif question.otherwise is not None:
        question.otherwise(turn, answer)
    else:
        reprompt(turn, current_prompt(turn))


def _keep(turn: Turn) -> None:
    turn.conversation.pending = ""
    resume(turn, turn.text("forget.kept"))


def _erase(turn: Turn) -> None:
    """Erase everything and start again from the welcome, as a stranger would."""
    turn.intents.append(EraseUser())
    fresh = Conversation(turn.conversation.user_id, language=turn.conversation.language)
    fresh.step = "welcome"
    turn.conversation = fresh
    turn.say_key("forget.done")
    resume(turn)


def _language_answer(turn: Turn, answer: Answer) -> None:
    code = (answer.option or "").removeprefix("language_")
    if code not in available_languages():
        reprompt(turn, current_prompt(turn))
        return
    turn.conversation.language = code
    turn.conversation.pending = ""
    resume(turn, turn.text("commands.language_set"))


def _country_answer(turn: Turn, answer: Answer) -> None:
    chosen = picked_country(turn, answer)
    if chosen is None:
        reprompt(turn, current_prompt(turn))
        return
    turn.conversation.country = chosen
    turn.conversation.pending = ""
    resume(turn, render_lines(chosen, turn.content))


def _plan_prompt(turn: Turn) -> Reply:
    profile = turn.conversation.profile
    if not has_plan(profile):
        return Reply(turn.text("plan.none"), turn.options(("make_plan", "carry_on")))
    return Reply(render_plan(profile, turn.content), turn.options(("edit_plan", "export_plan", "carry_on")))


def _make_plan(turn: Turn) -> None:
    turn.conversation.pending = ""
    turn.go("make_plan")


def _edit_plan(turn: Turn) -> None:
    turn.conversation.pending = "plan_step"
    resume(turn)


def _export_plan(turn: Turn) -> None:
    turn.conversation.pending = ""
    text = render_plan(turn.conversation.profile, turn.content)
    turn.send(Reply(turn.text("plan.export", plan=text), attachment=("my-safety-plan.txt", text)))
    resume(turn)


def _carry_on(turn: Turn, answer: Answer | None = None) -> None:
    """Close the side-question and go back to the step underneath, as it was."""
    turn.conversation.pending = ""
    resume(turn)


def _plan_step_prompt(turn: Turn) -> Reply:
    steps = tuple(Option(step, turn.text(f"plan.steps.{step}.title")) for step in STEPS)
    return Reply(turn.text("plan.which_step"), (*steps, turn.option("carry_on")))


def _plan_step_answer(turn: Turn, answer: Answer) -> None:
    turn.conversation.pending = ""
    if answer.option in STEPS:
        turn.conversation.answers["plan_step"] = answer.option
        turn.go("make_plan")
    else:
        resume(turn)


def _checkins_prompt(turn: Turn) -> Reply:
    profile = turn.conversation.profile
    entries = scheduled(profile)
    if not entries:
        return Reply(turn.text("checkins.none"), turn.options(("carry_on",)))
    zone = str(profile.get("timezone", "UTC"))
    options = [
        Option(
            f"cancel_{e['id']}",
            turn.text("checkins.cancel", when=describe(e["at"], zone, turn.content)),
        )
        for e in entries
    ]
    listing = "\n".join(f"• {describe(e['at'], zone, turn.content)}" for e in entries)
    return Reply(turn.text("checkins.list", checkins=listing), (*options, turn.option("carry_on")))


def _checkins_answer(turn: Turn, answer: Answer) -> None:
    turn.conversation.pending = ""
    chosen = (answer.option or "").removeprefix("cancel_")
    if chosen.isdigit() and take_check_in(turn.conversation.profile, int(chosen)):
        turn.intents.append(CancelTimer(f"checkin:{chosen}"))
        resume(turn, turn.text("checkins.cancelled"))
    else:
        resume(turn)


def _forget_prompt(turn: Turn) -> Reply:
    return Reply(turn.text("forget.confirm"), turn.options(FORGET_OPTIONS))


def _language_prompt(turn: Turn) -> Reply:
    options = [
        Option(f"language_{code}", content_for(code).text("language.name")) for code in available_languages()
    ]
    return Reply(turn.text("commands.pick_language"), tuple(options))


COMMANDS: dict[str, Callable[[Turn], None]] = {
    "start": start,
    "help": show_help,
    "sos": sos,
    "menu": menu,
    "stop": stop,
    "forget": side_question("forget", after_consent=False),
    "language": language,
    "country": side_question("country"),
    "plan": side_question("plan"),
    "checkins": side_question("checkins"),
}
# Every side-question, by the name kept in `conversation.pending`.
SIDE_QUESTIONS: dict[str, SideQuestion] = {
    "forget": SideQuestion(_forget_prompt, {"forget_yes": _erase, "forget_no": _keep}),
    "language": SideQuestion(_language_prompt, otherwise=_language_answer),
    "country": SideQuestion(country_question, otherwise=_country_answer),
    "plan": SideQuestion(
        _plan_prompt,
        {"make_plan": _make_plan, "edit_plan": _edit_plan, "export_plan": _export_plan},
        otherwise=_carry_on,
    ),
    "plan_step": SideQuestion(_plan_step_prompt, otherwise=_plan_step_answer),
    "checkins": SideQuestion(_checkins_prompt, otherwise=_checkins_answer),
    check.PENDING: SideQuestion(check.prompt, otherwise=check.answer),
    safe_to_talk.PENDING: SideQuestion(safe_to_talk.prompt, otherwise=safe_to_talk.answer),
}
