"""The conversation engine: a conversation and an event in, the new conversation and intents out.

A `transitions` machine built from the rulebook in `flows.definition` moves every conversation of a
thread; a conversation is plain data passed in, so handling a message builds no machine.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

from transitions import EventData, Machine, State

from flows.answers import Answer, match_option, normalise
from flows.commands import answer_pending, current_prompt, resume, run_command
from flows.content import available_languages
from flows.conversation import FIRST_STATE, Conversation
from flows.definition import STATES, TRANSITIONS
from flows.events import (
    KEPT_TEXT_LENGTH,
    CaseClosed,
    CaseOpened,
    Choice,
    Command,
    Edited,
    Event,
    FollowUpRequested,
    StaffJoined,
    StaffLeft,
    StaffMessage,
    Text,
    TimerFired,
    parse_text,
)
from flows.everyday import take_over
from flows.intents import Intent
from flows.language import adopt_language
from flows.listening import MISSED, is_disclosure, reflection
from flows.safety import intercept
from flows.states import HANDLERS
from flows.states.followup import check_in_due, check_in_missed
from flows.team import WAITING_UPDATE, on_team_event, waiting_update
from flows.turn import Turn
from flows.understanding import everyday_option, intent_of

# Typed words that mean a command wherever they are typed (a person in distress may not know slashes).
WORD_COMMANDS = {"help": "help", "sos": "sos", "menu": "menu"}
# What a rehearsal says (Engine.rehearse): words of no language in particular, through consent,
# the country, a check-in and a command, so every step a first conversation meets is built.
REHEARSAL = ("/start", "ok", "-", "a hard week", "7", "/help", "maybe")
_REHEARSED = threading.Event()
TEAM_EVENTS = (CaseOpened, StaffJoined, StaffMessage, StaffLeft, CaseClosed, FollowUpRequested)


@dataclass(frozen=True)
class Outcome:
    conversation: Conversation
    intents: list[Intent]


class Engine:
    """Moves conversations through the rulebook; pure, and safe to share between threads.

    Shared by every thread: this object and the rulebook it reads (`flows.definition`, never
    changed). Not shared: the `transitions` machine, whose queue of transitions is mutable state
    (a second thread triggering on the same machine has its transition run by the first, or left
    in the queue for good). Each thread builds its own machine from the same rulebook on its first
    transition and keeps it, so a worker thread builds one machine in its life, not one per message,
    and no thread ever waits for another (bench/bench_threads.py measured this against a lock).
    """

    def __init__(self, answer_only_channels: frozenset[str] = frozenset()) -> None:
        # Channels that can only answer while the person is there (a web page): nothing sent later
        # reaches them, so no check-in is offered there. Named by the user id's "<channel>:" prefix.
        self._answer_only = answer_only_channels
        self._machines = threading.local()
        self._machine()  # the building thread's own, now: a rulebook that cannot be built fails here

    def _machine(self) -> Machine:
        """This thread's machine, built on its first use."""
        machine: Machine | None = getattr(self._machines, "machine", None)
        if machine is None:
            machine = self._machines.machine = self._build_machine()
        return machine

    def _build_machine(self) -> Machine:
        states = [State(name, on_enter=[self._entered]) for name in STATES]
        return Machine(
            model=None,
            states=states,
            transitions=TRANSITIONS,
            initial=FIRST_STATE,
            auto_transitions=False,
            # A state's entry may set off the next transition: it runs once this one is done.
            queued=True,
            send_event=True,
        )

    def handle(
        self,
        conversation: Conversation,
        event: Event,
        locale: str | None = None,
        now: dt.datetime | None = None,
    ) -> Outcome:
        """Advance a copy of `conversation` by `event`; the original is left as it was."""
        turn = self.turn(conversation, locale, now)
        adopt_language(turn, event)  # picks the words of the replies only: risk is still assessed first
        if not intercept(turn, event):
            self._dispatch(turn, event)
        if isinstance(event, Text) and len(event.text) > KEPT_TEXT_LENGTH and conversation.consented:
            turn.say_key("common.long_message")
        return Outcome(turn.conversation, turn.intents)

    def rehearse(self) -> None:
        """Take a throwaway conversation through its first steps in every language, so that what the
        steps build on first use (content, word lists, patterns, the risk detector) is built before
        the process serves anyone: the first person after a start must not be the one who waits.
        What it builds is kept by the process, so a second engine has nothing left to rehearse."""
        if _REHEARSED.is_set():
            return
        for language in available_languages():
            conversation = Conversation("rehearsal", language=language)
            for text in REHEARSAL:
                conversation = self.handle(conversation, parse_text(text)).conversation
        _REHEARSED.set()

    def turn(
        self, conversation: Conversation, locale: str | None = None, now: dt.datetime | None = None
    ) -> Turn:
        """A turn on a copy of `conversation` that moves through this engine's rulebook."""
        turn = Turn(conversation.copy(), fire=self._fire, locale=locale)
        turn.reach_later = conversation.user_id.partition(":")[0] not in self._answer_only
        if now is not None:
            turn.now = now
        return turn

    def _dispatch(self, turn: Turn, event: Event) -> None:
        if isinstance(event, TEAM_EVENTS):
            on_team_event(turn, event)
        elif not (isinstance(event, TimerFired) and _global_timer(turn, event.name)):
            self._from_person(turn, event)

    def _from_person(self, turn: Turn, event: Event) -> None:
        conversation = turn.conversation
        if conversation.paused and isinstance(event, Text) and intent_of(event.text) == "stop":
            event = Command("stop")  # "stop" again while paused stays paused
        if conversation.paused and event != Command("stop"):
            conversation.paused = False
            turn.say_key("commands.welcome_back")
        if _first_contact(conversation) and not isinstance(event, Command):
            self._first_words(turn, event)
            return
        _settle_first_step(conversation)
        if isinstance(event, Edited):
            resume(turn, turn.text("common.edited"))
        elif isinstance(event, Command):
            conversation.answers.pop(MISSED, None)  # a command worked: the next miss is the first in a row
            run_command(turn, event)
        elif isinstance(event, TimerFired):
            HANDLERS[conversation.state].timer(turn, event.name)
        elif isinstance(event, Text | Choice):
            self._answer(turn, event)

    def _first_words(self, turn: Turn, event: Event) -> None:
        """A first message: a request in it is met at once; anything else is heard, then welcomed."""
        text = event.text if isinstance(event, Text) else ""
        if text and take_over(turn, Text(text)):
            _settle_first_step(turn.conversation)
            return
        if text and is_disclosure(text, turn.content, turn.risk.level):
            turn.say(reflection(text, turn.content))
        HANDLERS[FIRST_STATE].enter(turn)

    def _answer(self, turn: Turn, event: Text | Choice) -> None:
        relaying = _relaying(turn.conversation)
        turn.said = event.text if isinstance(event, Text) else ""
        turn.missed_before = int(turn.conversation.answers.pop(MISSED, 0))
        if isinstance(event, Text) and normalise(event.text) in WORD_COMMANDS and not relaying:
            run_command(turn, Command(WORD_COMMANDS[normalise(event.text)]))
            return
        if not relaying and take_over(turn, event):
            return
        answer = _resolve(turn, event)
        if isinstance(event, Choice) and answer.option is None:
            turn.send(current_prompt(turn), turn.text("common.stale_option"))
        elif turn.conversation.pending:
            answer_pending(turn, answer)
        else:
            HANDLERS[turn.conversation.state].answer(turn, answer)

    def _fire(self, turn: Turn, trigger: str) -> None:
        self._machine().events[trigger].trigger(turn.conversation, turn=turn)

    @staticmethod
    def _entered(event: EventData) -> None:
        turn: Turn = event.kwargs["turn"]
        HANDLERS[event.state.name].enter(turn)


def _global_timer(turn: Turn, name: str) -> bool:
    """Timers that mean the same in every state (waiting updates, check-ins); False for the rest."""
    if name == WAITING_UPDATE:
        waiting_update(turn)
    elif name.startswith(("checkin:", "checkin_missed:")):
        kind, _, number = name.partition(":")
        (check_in_due if kind == "checkin" else check_in_missed)(turn, int(number))
    else:
        return False
    return True


def _resolve(turn: Turn, event: Text | Choice) -> Answer:
    """Which offered option the event picks: a button names it, typed text may match one."""
    offered = current_prompt(turn).options
    if isinstance(event, Choice):
        known = any(option.id == event.option for option in offered)
        return Answer("", event.option if known else None)
    named = match_option(event.text, offered, turn.content)
    return Answer(event.text, named or everyday_option(intent_of(event.text), offered))


def _relaying(conversation: Conversation) -> bool:
    """Words go to the staff member as they are: with staff, or in crisis with staff before consent."""
    with_staff = conversation.case_status == "with_staff" and conversation.state == FIRST_STATE
    return conversation.state == "with_staff" or with_staff


def _first_contact(conversation: Conversation) -> bool:
    return conversation.state == FIRST_STATE and not conversation.step


def _settle_first_step(conversation: Conversation) -> None:
    if _first_contact(conversation):
        conversation.step = HANDLERS[FIRST_STATE].first_step
