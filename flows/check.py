"""The direct question asked when only the learned layer reads a crisis in what someone wrote.

A trained helper who half-hears something worrying does not call an ambulance: they ask, kindly
and plainly, whether the person is thinking of ending their life. The model reads the style of
words, not their meaning, so its reading alone never pages anyone; the person's answer, or explicit
evidence from the rules, does. The question is a side-question (`conversation.pending`), so a "no"
carries on exactly where the person was.

Answers are read in any phrasing: "yeah kind of", "no I'm ok", "idk". An answer that says neither
is asked once more, kindly; after that, or when the person is unsure, the structured screening
questions take over. No answer is a dead end.
"""

from __future__ import annotations

import re
from enum import Enum
from functools import lru_cache

from flows.answers import Answer, normalise
from flows.content import content_for
from flows.crisis_lines import emergency_number
from flows.escalation import request_person
from flows.intents import Reply
from flows.risk.levels import RiskLevel
from flows.states import HANDLERS
from flows.turn import Turn

PENDING = "risk_check"
OPTIONS = ("yes", "no", "not_sure")
# What `answers["risk_check"]` holds: the question is open, asked twice, or answered "no".
ASKED, ASKED_AGAIN, SAID_NO = "asked", "asked_again", "no"
_APOSTROPHES = re.compile("['\u2019]")


class Reading(Enum):
    """What an answer to the check question says."""

    YES = "yes"
    NO = "no"
    UNSURE = "unsure"
    UNCLEAR = "unclear"


def ask(turn: Turn) -> None:
    """Put the question over the current step, after a word that says why it is asked."""
    turn.conversation.pending = PENDING
    turn.conversation.answers["risk_check"] = ASKED
    turn.send(prompt(turn))


def declined_before(turn: Turn) -> bool:
    """The person already answered "no" in this session: the model's reading alone asks no more."""
    return turn.conversation.answers.get("risk_check") == SAID_NO


def prompt(turn: Turn) -> Reply:
    again = turn.conversation.answers.get("risk_check") == ASKED_AGAIN
    return Reply(turn.text("check.again" if again else "check.question"), turn.options(OPTIONS))


def answer(turn: Turn, given: Answer) -> None:
    """Act on the answer: yes asks for a person, no carries on, unsure or unclear twice screens."""
    reading = read_answer(given, turn.content.language, turn.risk.ruled)
    if reading is Reading.UNCLEAR and turn.conversation.answers.get("risk_check") == ASKED:
        turn.conversation.answers["risk_check"] = ASKED_AGAIN
        turn.send(prompt(turn))
        return
    turn.conversation.pending = ""
    if reading is Reading.YES:
        _confirmed(turn)
    elif reading is Reading.NO:
        turn.conversation.answers["risk_check"] = SAID_NO
        turn.send(HANDLERS[turn.conversation.state].prompt(turn), turn.text("check.no"))
    else:
        turn.conversation.answers["risk_check"] = reading.value
        turn.say_key("check.unsure")
        turn.go("screen")


def read_answer(given: Answer, language: str, ruled: RiskLevel | None = None) -> Reading:
    """Yes, no, unsure or unclear, from a button or free text; the rules' evidence of risk is a yes."""
    if given.option in OPTIONS:
        return {"yes": Reading.YES, "no": Reading.NO}.get(given.option, Reading.UNSURE)
    if ruled is not None and ruled >= RiskLevel.MODERATE:
        return Reading.YES  # "no... but I do wish I could disappear" says more than its first word
    said = normalise(_APOSTROPHES.sub("", given.text))  # "I'm" as "im", as the phrases are written
    found = {match.lastgroup for match in _phrases(language).finditer(said)}
    if found == {"yes"}:
        return Reading.YES
    if found == {"no"}:
        return Reading.NO
    return Reading.UNSURE if found else Reading.UNCLEAR


@lru_cache(maxsize=8)
def _phrases(language: str) -> re.Pattern[str]:
    """One pattern of the language's yes, no and unsure phrases; longer phrases win ("not really")."""
    content = content_for(language)
    groups = []
    for kind in ("unsure", "no", "yes"):
        words = sorted({normalise(w) for w in content.words(f"check.{kind}_words")}, key=len, reverse=True)
        groups.append(rf"(?P<{kind}>\b(?:{'|'.join(re.escape(w) for w in words if w)})\b)")
    return re.compile("|".join(groups))


def _confirmed(turn: Turn) -> None:
    """The person says yes: the level is high now, a person is asked for, the lines go out at once."""
    conversation = turn.conversation
    conversation.risk_level = RiskLevel.highest(conversation.risk_level, RiskLevel.HIGH)
    conversation.answers["risk_check"] = Reading.YES.value
    conversation.answers["acted_on"] = RiskLevel.HIGH.value
    request_person(turn, "risk_check", "check.yes", emergency=emergency_number(conversation.country))
    if conversation.state not in ("screening", "with_staff"):
        turn.go("screen")
