"""Closing: distress rated again, a short summary of what the person did, and the crisis lines."""

from __future__ import annotations

from flows.answers import Answer, parse_rating
from flows.crisis_lines import render_lines
from flows.intents import RecordOutcome, Reply
from flows.states.base import RATING_OR_UNSURE, AnswerTaker, StateHandler, Step, reply_for
from flows.turn import Turn

RATING = Step("closing.rating", RATING_OR_UNSURE)


class Closing(StateHandler):
    name = "closing"
    first_step = "rating"

    def prompt(self, turn: Turn) -> Reply:
        return reply_for(turn, RATING)

    def answers(self) -> dict[str, AnswerTaker]:
        return {"": self._rating}

    def _rating(self, turn: Turn, answer: Answer) -> None:
        if answer.picked("not_sure"):  # no number, no comparison: the summary all the same
            turn.say(summary(turn))
            turn.go("finish")
            return
        rating = parse_rating(answer.option or answer.text, turn.content)
        if rating is None:
            self.reprompt(turn)
            return
        conversation = turn.conversation
        conversation.distress_after = rating
        conversation.profile["last_rating"] = rating
        if conversation.distress_before is not None:
            turn.intents.append(RecordOutcome(conversation.distress_before, rating))
        turn.say(summary(turn))
        turn.go("finish")


def summary(turn: Turn) -> str:
    """What the person did this session, how their rating moved, an invitation back, the lines."""
    parts = [turn.text("closing.summary_intro")]
    parts += [f"• {activity_line(turn, activity)}" for activity in activities(turn)]
    parts.append(rating_change(turn))
    parts.append(turn.text("closing.invitation"))
    parts.append(render_lines(turn.conversation.country, turn.content))
    return "\n".join(part for part in parts if part)


def activities(turn: Turn) -> list[str]:
    return list(turn.conversation.answers.get("activities", []))


def activity_line(turn: Turn, activity: str) -> str:
    kind, _, detail = activity.partition(".")
    if kind == "coping":
        plan = turn.conversation.answers.get("coping", {})
        title = turn.text(f"coping.strategies.{detail}.title")
        return turn.text("closing.did_coping", strategy=title, when=plan.get("when", ""))
    if kind == "learn":
        return turn.text("closing.did_learn", topic=turn.text(f"learn.topics.{detail}.title"))
    return turn.text(f"closing.did_{activity.replace('.', '_')}")


def rating_change(turn: Turn) -> str:
    before, after = turn.conversation.distress_before, turn.conversation.distress_after
    if before is None or after is None:
        return ""
    direction = "down" if after < before else "up" if after > before else "same"
    return turn.text(f"closing.rating_{direction}", before=before, after=after)
