"""Follow-up: check-ins only with consent, at times the person chooses, in their time zone, never at
night unless they say so; and the check-in itself, which asks how they are against last time."""

from __future__ import annotations

from flows.answers import Answer, parse_rating
from flows.checkins import (
    WHEN,
    check_in_time,
    describe,
    is_quiet,
    local_now,
    new_check_in,
    take_check_in,
    zones_for,
)
from flows.escalation import request_person
from flows.intents import CancelTimer, Option, Reply, ScheduleTimer, SetTimer, StaffTask
from flows.states.base import RATING_OPTIONS, AnswerTaker, StateHandler, Step, reply_for
from flows.team import go_home
from flows.turn import Turn

CHOOSE = Step("followup.when", (*WHEN, "no_thanks"))
# How long a staff-requested check-in may go unanswered before it becomes a task for the team.
MISSED_AFTER_SECONDS = 12 * 3600
NIGHT = Step("followup.night", ("night_ok", "morning"))
RATING = Step("followup.rating", RATING_OPTIONS)
AFTER = ("menu", "show_plan", "person")


class FollowUp(StateHandler):
    name = "followup"
    first_step = "when"

    def enter(self, turn: Turn) -> None:
        if turn.conversation.answers.get("checkin_due"):
            self.ask(turn, "rating")
        elif not turn.reach_later:
            turn.say_key("followup.cannot_reach")
            go_home(turn)
        else:
            self.ask(turn, "when")

    def prompt(self, turn: Turn) -> Reply:
        step = turn.conversation.step
        if step == "zone":
            zones = zones_for(turn.conversation.country)
            return Reply(
                turn.text("followup.zone"), tuple(Option(zone, zone.replace("_", " ")) for zone in zones)
            )
        if step == "night":
            return reply_for(turn, NIGHT)
        if step == "rating":
            return reply_for(turn, RATING, last=turn.conversation.profile.get("last_rating", "?"))
        if step == "after":
            return Reply(turn.text("followup.after"), turn.options(AFTER))
        return reply_for(turn, CHOOSE)

    def answers(self) -> dict[str, AnswerTaker]:
        return {
            "rating": self._rated,
            "after": self._after,
            "when": self._when,
            "zone": self._zone,
            "night": self._night,
        }

    def _when(self, turn: Turn, answer: Answer) -> None:
        if answer.picked("no_thanks"):
            turn.say_key("followup.none")
            go_home(turn)
        elif answer.option in WHEN:
            turn.conversation.answers["checkin_when"] = answer.option
            self._next_question(turn)
        else:
            self.reprompt(turn)

    def _zone(self, turn: Turn, answer: Answer) -> None:
        if answer.option in zones_for(turn.conversation.country):
            turn.conversation.profile["timezone"] = answer.option
            self._next_question(turn)
        else:
            self.reprompt(turn)

    def _night(self, turn: Turn, answer: Answer) -> None:
        if answer.option in NIGHT.options:
            self._schedule(turn, night_ok=answer.option == "night_ok")
        else:
            self.reprompt(turn)

    def _next_question(self, turn: Turn) -> None:
        """Ask for the time zone if we cannot tell it, and about night if the time falls at night."""
        profile = turn.conversation.profile
        zones = zones_for(turn.conversation.country)
        if "timezone" not in profile and len(zones) > 1:
            self.ask(turn, "zone")
            return
        profile.setdefault("timezone", zones[0])
        choice = WHEN[turn.conversation.answers["checkin_when"]]
        if choice[1] is None and is_quiet(local_now(turn.now, profile["timezone"]).time()):
            self.ask(turn, "night")
        else:
            self._schedule(turn, night_ok=False)

    def _schedule(self, turn: Turn, night_ok: bool) -> None:
        profile = turn.conversation.profile
        zone = profile.setdefault("timezone", zones_for(turn.conversation.country)[0])
        choice = WHEN[turn.conversation.answers.get("checkin_when", "tomorrow_evening")]
        at = check_in_time(choice, turn.now, zone, night_ok)
        about = str(turn.conversation.answers.get("checkin_about", "you"))
        name = new_check_in(profile, at, about)
        turn.intents.append(ScheduleTimer(name, at))
        turn.say_key("followup.scheduled", when=describe(at.isoformat(), zone, turn.content))
        go_home(turn)

    def _rated(self, turn: Turn, answer: Answer) -> None:
        rating = parse_rating(answer.option or answer.text, turn.content)
        if rating is None:
            self.reprompt(turn)
            return
        profile = turn.conversation.profile
        last = profile.get("last_rating")
        profile["last_rating"] = rating
        number = turn.conversation.answers.pop("checkin_due", None)
        turn.intents.append(CancelTimer(f"checkin_missed:{number}"))
        shown_last = last if last is not None else "?"
        self.ask(turn, "after", turn.text(comparison(rating, last), rating=rating, last=shown_last))

    def _after(self, turn: Turn, answer: Answer) -> None:
        if answer.picked("show_plan"):
            turn.go("make_plan")
        elif answer.picked("person"):
            request_person(turn, "asked_for_person")
            go_home(turn)
        else:
            self.reprompt(turn)


def comparison(rating: int, last: int | None) -> str:
    """Lower is calmer: how today's rating compares with the last one."""
    if last is None or rating == last:
        return "followup.same"
    return "followup.better" if rating < last else "followup.worse"


def check_in_due(turn: Turn, number: int) -> None:
    """A check-in came due: ask how the person is, unless it was cancelled in the meantime."""
    entry = take_check_in(turn.conversation.profile, number)
    if entry is None or not turn.conversation.past_consent:
        return
    turn.conversation.answers["checkin_due"] = number
    if entry.get("case"):
        turn.intents.append(SetTimer(f"checkin_missed:{number}", MISSED_AFTER_SECONDS))
        turn.conversation.answers["checkin_case"] = entry["case"]
    turn.say_key("followup.hello")
    turn.go("follow_up")


def check_in_missed(turn: Turn, number: int) -> None:
    """Nobody answered a check-in the team asked for: it becomes a task in the staff queue."""
    answers = turn.conversation.answers
    if answers.get("checkin_due") == number and answers.get("checkin_case"):
        case = int(answers["checkin_case"])
        turn.intents.append(StaffTask(case, f"no reply to the follow-up of case {case}"))
