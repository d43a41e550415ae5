""" "Is it safe to talk?": asked as a real choice after abuse at home is disclosed.

A helper on a domestic abuse line asks this before anything else, and acts on the answer: someone
who cannot talk gets the shortest way to help (the emergency number, silent ways to reach it, the
line for abuse at home, how to clear this chat) and is told they need not answer; someone who can
talk goes on where they were. The question is a side-question (`conversation.pending`), so the
step underneath stays as it was. Answers are read from buttons or free text ("he's here", "not
now", "yeah"); when the words say both, not safe wins.
"""

from __future__ import annotations

import re
from enum import Enum
from functools import lru_cache

from flows.answers import Answer, normalise
from flows.content import content_for
from flows.crisis_lines import emergency_number, render_lines
from flows.intents import Reply
from flows.states import HANDLERS
from flows.turn import Turn

PENDING = "safe_to_talk"
OPTIONS = ("can_talk", "cannot_talk", "talk_later")
_APOSTROPHES = re.compile("['\u2019]")


class Reading(Enum):
    CANNOT = "cannot"
    LATER = "later"
    CAN = "can"
    UNCLEAR = "unclear"


OPTION_READINGS = {"can_talk": Reading.CAN, "cannot_talk": Reading.CANNOT, "talk_later": Reading.LATER}


def ask(turn: Turn) -> None:
    turn.conversation.pending = PENDING
    turn.send(prompt(turn))


def prompt(turn: Turn) -> Reply:
    return Reply(turn.text("safe_to_talk.question"), turn.options(OPTIONS))


def answer(turn: Turn, given: Answer) -> None:
    """Act on the answer; words that answer neither way are the person talking: the step hears them."""
    reading = read_answer(given, turn.content.language)
    turn.conversation.pending = ""
    if reading is Reading.UNCLEAR:
        HANDLERS[turn.conversation.state].answer(turn, Answer(given.text))
        return
    turn.conversation.answers[PENDING] = reading.value
    if reading is Reading.CAN:
        turn.send(HANDLERS[turn.conversation.state].prompt(turn), turn.text("safe_to_talk.can"))
        return
    # Not safe, or not now: short, and nothing more asked of them.
    key = "safe_to_talk.cannot" if reading is Reading.CANNOT else "safe_to_talk.later"
    country = turn.conversation.country
    turn.say_key(
        key,
        emergency=emergency_number(country),
        silent=turn.content.get(f"safety.silent.{(country or '').upper()}") or "",
        lines=render_lines(country, turn.content, kinds=("dv",)),
        clear_chat=turn.text("safety.clear_chat"),
    )


def read_answer(given: Answer, language: str) -> Reading:
    if given.option in OPTION_READINGS:
        return OPTION_READINGS[given.option]
    said = normalise(_APOSTROPHES.sub("", given.text))  # "he's" as "hes", as the phrases are written
    found = {(match.lastgroup or "").rpartition("_")[0] for match in _phrases(language).finditer(said)}
    for reading in (Reading.CANNOT, Reading.LATER, Reading.CAN):  # not safe wins over anything else
        if reading.value in found:
            return reading
    return Reading.UNCLEAR


@lru_cache(maxsize=8)
def _phrases(language: str) -> re.Pattern[str]:
    """The language's phrases for each answer, longest first, so "not safe" is not read as "safe"."""
    content = content_for(language)
    phrases = [
        (normalise(_APOSTROPHES.sub("", str(word))), reading.value)
        for reading in (Reading.CANNOT, Reading.LATER, Reading.CAN)
        for word in content.words(f"safe_to_talk.{reading.value}_words")
    ]
    # One alternation of every phrase, longest first, each group named by its answer and a number.
    ordered = sorted((pair for pair in phrases if pair[0]), key=lambda pair: len(pair[0]), reverse=True)
    alternatives = (rf"(?P<{kind}_{i}>\b{re.escape(phrase)}\b)" for i, (phrase, kind) in enumerate(ordered))
    return re.compile("|".join(alternatives))
