"""Check-in (look and listen): what is going on, and how distressed the person feels from 0 to 10."""

from __future__ import annotations

from flows.answers import Answer, normalise, parse_rating
from flows.content import Content
from flows.crisis_kinds import say_practical_lines
from flows.intents import Reply
from flows.reflection import feelings_named, reflect
from flows.risk.levels import RiskLevel
from flows.states.base import RATING_OR_UNSURE, AnswerTaker, StateHandler, Step, reply_for
from flows.turn import Turn

# A distress rating this high is a risk signal of its own: the screening questions follow.
SCREENING_RATING = 8
STORY = Step("checkin.story", ("rather_not_say",))
RATING = Step("checkin.rating", RATING_OR_UNSURE)


class Checkin(StateHandler):
    name = "checkin"
    first_step = "story"

    def enter(self, turn: Turn) -> None:
        turn.conversation.start_session()
        super().enter(turn)

    def prompt(self, turn: Turn) -> Reply:
        return reply_for(turn, RATING if turn.conversation.step == "rating" else STORY)

    def answers(self) -> dict[str, AnswerTaker]:
        return {"rating": self._rating, "": self._story}

    def _story(self, turn: Turn, answer: Answer) -> None:
        if answer.picked("rather_not_say") or not answer.text:
            turn.say_key("checkin.story_skipped")
        else:
            turn.conversation.answers["story"] = answer.text
            turn.say(acknowledge(answer.text, turn.content, turn.risk.level))
            say_practical_lines(turn, answer.text)
        self.ask(turn, "rating")

    def _rating(self, turn: Turn, answer: Answer) -> None:
        if answer.picked("not_sure"):  # hard to put a number on: go on without one
            turn.say_key("checkin.rating_unsure")
            turn.go("to_menu")
            return
        rating = parse_rating(answer.option or answer.text, turn.content)
        if rating is None:
            self.reprompt(turn)
            return
        turn.conversation.distress_before = rating
        turn.conversation.profile["last_rating"] = rating
        turn.say_key(f"checkin.rated_{rating_band(rating)}", rating=rating)
        turn.go("screen" if rating >= SCREENING_RATING else "to_menu")


def rating_band(rating: int) -> str:
    return "high" if rating >= SCREENING_RATING else "middle" if rating >= 4 else "low"


def acknowledge(story: str, content: Content, risk: RiskLevel) -> str:
    """Reflect what the person said: the situation they name in our own vetted words, or else
    their feeling and topic words, from vetted lists only.

    The raw text is never echoed: a person in crisis may name a method, and safe messaging means
    it must never be repeated back to them.
    """
    reflection = reflect(story, content)
    said = normalise(story).split()
    words = set(said)
    feelings = feelings_named(said, content)
    topics = [word for word in content.words("checkin.topic_words") if word in words]
    if feelings and reflection:
        named = content.text("checkin.heard_feelings_only", feelings=join_words(feelings[:3], content))
        return f"{named} {reflection}"
    if reflection:
        return f"{content.text('checkin.thanks')} {reflection}"
    if feelings:
        return content.text("checkin.heard_feelings", feelings=join_words(feelings[:3], content))
    if topics and risk < RiskLevel.MODERATE:
        return content.text("checkin.heard_topic", topic=topics[0])
    return content.text("checkin.heard")


def join_words(words: list[str], content: Content) -> str:
    if len(words) < 2:
        return "".join(words)
    return f"{', '.join(words[:-1])} {content.text('common.and')} {words[-1]}"
