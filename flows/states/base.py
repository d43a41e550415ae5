"""What every state handler offers the engine."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

from flows.answers import Answer
from flows.intents import Option, Reply
from flows.listening import reprompt
from flows.turn import Turn

RATING_OPTIONS = tuple(str(number) for number in range(11))
# A rating a person may also answer with "I'm not sure" (or "idk"): it is not a failed answer.
RATING_OR_UNSURE = (*RATING_OPTIONS, "not_sure")
# What takes the answer to one step.
AnswerTaker = Callable[[Turn, Answer], None]


@dataclass(frozen=True)
class Step:
    """A question: the content key of its text and the ids of the options offered with it."""

    key: str
    options: tuple[str, ...] = ()


class StateHandler(ABC):
    """Speaks for one state: what to say on entry, how to re-ask, what an answer does."""

    name: str
    first_step: str = ""

    def enter(self, turn: Turn) -> None:
        """Start the state at its first step and ask its question."""
        turn.conversation.step = self.first_step
        turn.send(self.prompt(turn))

    @abstractmethod
    def prompt(self, turn: Turn) -> Reply:
        """The question of the current step, asked again as it was."""

    def answers(self) -> dict[str, AnswerTaker]:
        """The answer each step accepts, by step name, "" standing for every other step: declared by
        the state, so no state tests `step` by hand. Everyday words were understood before these run."""
        return {}

    def answer(self, turn: Turn, answer: Answer) -> None:
        """Act on the person's answer to the current step: "Back to the menu" anywhere it is offered,
        else the step's declared taker; a reply no step takes is heard and asked again."""
        if answer.picked("menu"):
            turn.go("to_menu")
            return
        takers = self.answers()
        taker = takers.get(turn.conversation.step) or takers.get("")
        if taker is None:
            self.reprompt(turn)
        else:
            taker(turn, answer)

    def timer(self, turn: Turn, name: str) -> None:  # noqa: B027 - a hook most states leave empty
        """A timer of this state came due; most states set none."""

    def ask(self, turn: Turn, step: str, preface: str = "") -> None:
        """Move to `step` and ask its question, after `preface` in the same message."""
        turn.conversation.step = step
        turn.send(self.prompt(turn), preface)

    def reprompt(self, turn: Turn) -> None:
        """Answer a reply that doesn't fit by hearing it, then the same question: no dead end."""
        reprompt(turn, self.prompt(turn))


def reply_for(turn: Turn, step: Step, **values: object) -> Reply:
    return Reply(turn.text(step.key, **values), turn.options(step.options))


def titled_options(turn: Turn, key: str) -> tuple[Option, ...]:
    """One option per entry of a content table whose entries carry a `title` (cards, strategies)."""
    return tuple(Option(id_, str(entry["title"])) for id_, entry in turn.content.table(key).items())
