"""The person's side of a case: what they hear when the team is alerted, joins, writes or leaves."""

from __future__ import annotations

from flows.checkins import STAFF_OUTREACH_DELAY, check_in_time, describe, new_check_in, zones_for
from flows.crisis_lines import emergency_number, render_lines
from flows.events import CaseClosed, CaseOpened, StaffJoined, StaffLeft, StaffMessage, TeamEvent
from flows.intents import CancelTimer, ScheduleTimer, SetTimer, StaffTask
from flows.oncall.model import Reach
from flows.turn import Turn

WAITING_UPDATE = "waiting_update"
WAITING_REACH = "waiting_reach"  # who was told of the request, as the person was told it
WAITING, WITH_STAFF = "waiting", "with_staff"


def home(turn: Turn) -> str:
    """The trigger back to where the person belongs: with their staff member, waiting, or the menu."""
    status = turn.conversation.case_status
    return "join" if status == WITH_STAFF else "wait" if status == WAITING else "to_menu"


def go_home(turn: Turn) -> None:
    turn.go(home(turn))


def move(turn: Turn, trigger: str) -> None:
    """Move to a team state, but never out of the consent questions: there the words are enough."""
    if turn.conversation.past_consent:
        turn.go(trigger)


def on_team_event(turn: Turn, event: TeamEvent) -> None:
    """Apply one team event to the conversation, wherever the person is."""
    if isinstance(event, CaseOpened):
        _opened(turn, event)
    elif isinstance(event, StaffJoined):
        _joined(turn, event)
    elif isinstance(event, StaffMessage):
        turn.say(turn.text("team.from_staff", name=event.name, text=event.text))
    elif isinstance(event, StaffLeft):
        _left(turn, event)
    elif isinstance(event, CaseClosed):
        _closed(turn, event)
    else:
        staff_follow_up(turn, event.case_id)


def waiting_update(turn: Turn) -> None:
    """Every few minutes while nobody has joined yet: an honest word and the emergency number."""
    if turn.conversation.case_status != WAITING:
        return
    seconds = float(turn.conversation.answers.get("waiting_update_seconds", 180))
    # "Still looking" is true only while someone is being paged; a request waiting out the night, or
    # one nobody could be told of, is said to be waiting in the queue.
    paging = turn.conversation.answers.get(WAITING_REACH) in (Reach.FREE.value, Reach.BUSY.value, None)
    key = "team.still_waiting" if paging else "team.still_in_queue"
    turn.say_key(key, emergency=emergency_number(turn.conversation.country))
    turn.intents.append(SetTimer(WAITING_UPDATE, seconds))


# What the person hears about who knows of their request: only what is true, always with the lines.
REACH_KEYS = {
    Reach.FREE: "team.alerted",
    Reach.BUSY: "team.nobody_available",
    Reach.NOBODY: "team.nobody_reachable",
    Reach.NIGHT: "team.night_queue",
}


def _opened(turn: Turn, event: CaseOpened) -> None:
    conversation = turn.conversation
    if event.existing and conversation.case_status:
        if event.reach is not None:  # new signals paged the case afresh: say who knows now
            _say_reach(turn, event)
        return
    conversation.case_id = event.case_id
    conversation.case_status = WAITING
    conversation.answers["waiting_update_seconds"] = event.update_seconds
    _say_reach(turn, event)
    turn.intents.append(SetTimer(WAITING_UPDATE, event.update_seconds))
    if conversation.state not in ("screening", "waiting_for_staff"):
        move(turn, "wait")


def _say_reach(turn: Turn, event: CaseOpened) -> None:
    if event.reach is not None:
        turn.conversation.answers[WAITING_REACH] = event.reach.value
    key = "team.still_queued" if event.reach is None else REACH_KEYS[event.reach]
    country = turn.conversation.country
    until = describe(event.night_ends, _zone(turn), turn.content) if event.night_ends else ""
    turn.say_key(key, emergency=emergency_number(country), lines=_lines(turn), until=until)


def _zone(turn: Turn) -> str:
    return str(turn.conversation.profile.get("timezone") or zones_for(turn.conversation.country)[0])


def _joined(turn: Turn, event: StaffJoined) -> None:
    conversation = turn.conversation
    conversation.case_status = WITH_STAFF
    conversation.staff_name = event.name
    conversation.pending = ""  # a side-question left open would catch words meant for the staff member
    turn.intents.append(CancelTimer(WAITING_UPDATE))
    turn.say_key("team.handed_over" if event.handover else "team.joined", name=event.name)
    if conversation.state != "with_staff":
        move(turn, "join")


def _left(turn: Turn, event: StaffLeft) -> None:
    conversation = turn.conversation
    conversation.case_status = WAITING
    conversation.staff_name = ""
    key = "team.released" if event.reach is Reach.FREE else "team.released_queue"
    conversation.answers[WAITING_REACH] = event.reach.value
    turn.say_key(key, emergency=emergency_number(conversation.country), lines=_lines(turn))
    turn.intents.append(
        SetTimer(WAITING_UPDATE, float(conversation.answers.get("waiting_update_seconds", 180)))
    )
    if conversation.state == "with_staff":
        move(turn, "wait")


def _closed(turn: Turn, event: CaseClosed) -> None:
    conversation = turn.conversation
    conversation.case_id, conversation.case_status, conversation.staff_name = None, "", ""
    turn.intents.append(CancelTimer(WAITING_UPDATE))
    turn.say_key("team.closed", lines=_lines(turn))
    if conversation.state in ("with_staff", "waiting_for_staff"):
        move(turn, "to_menu")


def _lines(turn: Turn) -> str:
    return render_lines(turn.conversation.country, turn.content)


def staff_follow_up(turn: Turn, case_id: int) -> None:
    """Staff resolving a case asked for an outreach check-in: schedule it and tell the person.

    Only for someone who agreed to the service: a check-in keeps data and messages them later.
    """
    if not turn.conversation.past_consent:
        return
    if not turn.reach_later:  # nothing sent later reaches them: the team must know, not wait for a reply
        reason = f"case {case_id}: no follow-up possible, the person's channel cannot reach them later"
        turn.intents.append(StaffTask(case_id, reason))
        return
    profile = turn.conversation.profile
    zone = profile.setdefault("timezone", zones_for(turn.conversation.country)[0])
    at = check_in_time(STAFF_OUTREACH_DELAY, turn.now, zone, night_ok=False)
    name = new_check_in(profile, at, "team", case_id)
    turn.intents.append(ScheduleTimer(name, at))
    turn.say_key("followup.from_team", when=describe(at.isoformat(), zone, turn.content))
