"""No dead ends: what the bot says when a reply fits none of the choices offered.

Something the person disclosed ("my mum died on tuesday") is acknowledged, reflecting the feeling
or topic from vetted words only, never their own text (it might name a method). Only a short reply
that says nothing we can recognise hears "didn't catch that", and never twice in a row.
"""

from __future__ import annotations

from flows.answers import normalise
from flows.content import Content
from flows.intents import Reply
from flows.reflection import feelings_named, reflect, situation_of
from flows.risk.levels import RiskLevel
from flows.turn import Turn

# How many replies in a row fit no option: "didn't catch that" is said only for the first.
MISSED = "missed_in_a_row"
# A reply this long is something the person told us, not a mistyped option.
DISCLOSURE_WORDS = 4
MAX_FEELINGS = 3


def reprompt(turn: Turn, prompt: Reply) -> None:
    """Ask `prompt` again after a reply that fit none of its options, with the fitting preface."""
    turn.send(_with_person(turn, prompt), _preface(turn))


def _preface(turn: Turn) -> str:
    said = turn.said
    if said and is_disclosure(said, turn.content, turn.risk.level):
        return f"{reflection(said, turn.content)}\n\n{turn.text('heard.then')}"
    if not turn.conversation.consented:  # nothing is kept before consent, not even a count
        return turn.text("heard.again")
    missed = turn.missed_before + 1
    turn.conversation.answers[MISSED] = missed
    return turn.text("common.not_understood" if missed == 1 else "heard.again")


def _with_person(turn: Turn, prompt: Reply) -> Reply:
    """The same question, with a person always among the choices once words have not worked."""
    offered = {option.id for option in prompt.options}
    if not prompt.options or "person" in offered or turn.conversation.case_status:
        return prompt
    return Reply(prompt.text, (*prompt.options, turn.option("person")), prompt.pacing, prompt.attachment)


def is_disclosure(text: str, content: Content, risk: RiskLevel) -> bool:
    """Whether the person told us something about themselves rather than mistyping an option."""
    words = normalise(text).split()
    return (
        risk > RiskLevel.NONE
        or len(words) >= DISCLOSURE_WORDS
        or bool(_feelings(words, content))
        or situation_of(text, content) is not None
    )


def reflection(text: str, content: Content) -> str:
    """Thanks, with the situation, topic or feeling named in vetted words where the message gave one
    (the situations file first: one place where a clinician reviews what the bot reflects)."""
    situation = reflect(text, content)
    if situation is not None:
        return situation
    plain = normalise(text)
    for topic, triggers in content.table("heard.topic_words").items():
        if any(f" {normalise(str(trigger))} " in f" {plain} " for trigger in triggers):
            return content.text(f"heard.topics.{topic}")
    feelings = _feelings(plain.split(), content)
    if feelings:
        return content.text("heard.feelings", feelings=_join(feelings[:MAX_FEELINGS], content))
    return content.text("heard.listening")


def _feelings(words: list[str], content: Content) -> list[str]:
    return feelings_named(words, content)


def _join(words: list[str], content: Content) -> str:
    if len(words) < 2:
        return "".join(words)
    return f"{', '.join(words[:-1])} {content.text('common.and')} {words[-1]}"
