"""Safety planning, goals and follow-up check-ins, as a person meets them."""

from __future__ import annotations

import datetime as dt

from flows.engine import Engine
from flows.events import FollowUpRequested, TimerFired
from flows.intents import CancelTimer, Reply, ScheduleTimer, SetTimer, StaffTask
from flows.plan import STEPS
from tests.transcript import Transcript, at_menu


def scheduled(chat: Transcript) -> list[ScheduleTimer]:
    return [intent for intent in chat.intents if isinstance(intent, ScheduleTimer)]


def test_a_plan_is_built_step_by_step_with_several_answers_and_examples():
    chat = at_menu().person("My safety plan").bot_in("safety_plan.warning_signs")
    chat.bot_says("Step 1 of 7", "crisis might be starting").bot_offers(
        "Next step", "Show me examples", "Skip this one"
    )
    chat.person("not sleeping, staying in bed").bot_says("Added", "not sleeping", "staying in bed")
    chat.person("arguments with mum").bot_in("safety_plan.warning_signs").bot_says("arguments with mum")
    chat.person("Show me examples").bot_says("For example")
    chat.person("Next step").bot_in("safety_plan.coping_alone").person("a hot shower").person("Next step")
    chat.bot_in("safety_plan.distractions").person("Skip this one").bot_in("safety_plan.people_to_ask")
    chat.person("my sister Ana (phone)").person("Next step").bot_in("safety_plan.professionals")
    chat.bot_says("Samaritans", "Emergency: 999")
    chat.person("Next step").bot_in("safety_plan.safer_surroundings").person("Next step")
    chat.person("my dog, my little brother").person("Next step").bot_in("menu")
    chat.bot_says(
        "Your safety plan is saved", "My warning signs", "not sleeping", "my dog", "(not filled in yet)"
    )
    assert chat.conversation.profile["plan"]["warning_signs"] == [
        "not sleeping",
        "staying in bed",
        "arguments with mum",
    ]


def test_plan_shows_the_saved_plan_in_any_state_and_keeps_the_place():
    chat = at_menu().person("My safety plan").person("pacing at night").person("That's enough for now")
    chat.person("grounding").person("senses").bot_in("grounding.see")
    chat.person("/plan").bot_says("My safety plan", "pacing at night").bot_offers(
        "Change a step", "Send it to me to keep"
    )
    chat.bot_in("grounding.see")
    chat.person("Send it to me to keep").bot_in("grounding.see")
    (export,) = [reply for reply in chat.replies if reply.attachment]
    assert export.attachment[0] == "my-safety-plan.txt" and "pacing at night" in export.attachment[1]


def test_a_step_can_be_revisited_and_edited():
    chat = at_menu().person("My safety plan").person("shouting").person("That's enough for now")
    chat.person("/plan").person("Change a step").bot_offers("My reasons for living")
    chat.person("My reasons for living").bot_in("safety_plan.reasons").person("my nephew")
    assert chat.conversation.profile["plan"]["reasons"] == ["my nephew"]


def test_plan_offers_to_make_one_when_there_is_none():
    chat = at_menu().person("/plan").bot_says("don't have a safety plan").bot_offers("Make a safety plan")
    chat.person("Make a safety plan").bot_in("safety_plan.warning_signs")


def test_a_plan_never_reads_back_a_method():
    chat = at_menu().person("My safety plan").person("I would hang myself")
    assert "hang" not in chat.said.lower() or chat.conversation.state != "safety_plan"


def test_goals_check_needs_then_one_small_goal_its_first_step_and_when():
    chat = at_menu().person("A small goal for today").bot_in("goals.needs").bot_offers("Food", "That's all")
    chat.person("Food").bot_says("help with food and money").bot_in("goals.needs")
    assert "Food" not in chat.options
    chat.person("Being safe right now").bot_says("call 999")
    chat.person("That's all").bot_in("goals.goal")
    chat.person("have a shower").bot_in("goals.first_step").person("find a towel").bot_in("goals.when")
    chat.person("Later today").bot_in("goals.offer_checkin")
    chat.bot_says("Goal: have a shower", "First step: find a towel", "When: later today")
    chat.person("No thanks").bot_in("menu")
    assert chat.conversation.profile["goal"]["goal"] == "have a shower"


def test_a_check_in_is_scheduled_only_with_consent_in_the_persons_time_zone():
    chat = at_menu().person("A small goal for today").person("That's all").person("sleep").person("bed")
    chat.person("Right now").person("Yes, check in with me").bot_in("followup.when")
    chat.person("Tomorrow evening").bot_in("menu").bot_says("Saturday 19:00")
    (timer,) = scheduled(chat)
    assert timer.at == dt.datetime(2026, 11, 28, 19, 0, tzinfo=dt.UTC)  # London is on UTC in November


def test_a_check_in_never_lands_at_night_unless_the_person_says_so():
    chat = at_menu().person("A small goal for today").person("That's all").person("eat").person("toast")
    chat.now = dt.datetime(2026, 11, 27, 23, 30, tzinfo=dt.UTC)
    chat.person("Right now").person("Yes, check in with me").person("In three days").bot_in("followup.night")
    chat.person("Wait until morning")
    (timer,) = scheduled(chat)
    assert timer.at == dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)


def test_a_country_with_several_time_zones_asks_which():
    chat = Transcript().person("/start").person("I agree, let's start").person("Canada")
    chat.person("stressed").person("5").person("goal").person("That's all").person("call back").person("dial")
    chat.person("Tomorrow").person("Yes, check in with me").person("Tomorrow morning").bot_in("followup.zone")
    chat.person("America/Vancouver")
    (timer,) = scheduled(chat)
    assert timer.at == dt.datetime(2026, 11, 28, 17, 0, tzinfo=dt.UTC)  # 09:00 in Vancouver


def test_a_fired_check_in_asks_how_the_person_is_against_last_time():
    chat = at_menu("6").person("A small goal for today").person("That's all").person("walk").person("shoes")
    chat.person("Later today").person("Yes, check in with me").person("Tomorrow evening")
    chat.event(TimerFired("checkin:1")).bot_in("followup.rating").bot_says(
        "checking in", "Last time you said 6"
    )
    chat.person("3").bot_says("lower than last time (6)").bot_offers("My safety plan", "Talk to a person")


def test_checkins_lists_and_cancels_and_stop_cancels_all():
    chat = at_menu().person("goal").person("That's all").person("read").person("open book").person("Now")
    chat.person("Yes, check in with me").person("In a week")
    chat.person("/checkins").bot_says("Your planned check-ins").bot_offers("Cancel Friday 14:00")
    chat.person("Cancel Friday 14:00").bot_says("cancelled")
    assert CancelTimer("checkin:1") in chat.intents and chat.conversation.profile["checkins"] == []
    chat.person("goal").person("That's all").person("a").person("b").person("Now").person("yes")
    chat.person("Tomorrow evening").person("/stop").bot_says("check-ins are cancelled")
    assert CancelTimer("checkin:2") in chat.intents


def test_a_cancelled_check_in_that_fires_anyway_says_nothing():
    chat = at_menu().event(TimerFired("checkin:9"))
    assert chat.replies == [] and chat.conversation.state == "menu"


def test_staff_outreach_is_scheduled_and_a_missed_one_becomes_a_staff_task():
    chat = at_menu().event(FollowUpRequested(case_id=4)).bot_says("asked us to check in")
    (timer,) = scheduled(chat)
    chat.event(TimerFired(timer.name)).bot_in("followup.rating")
    assert any(isinstance(i, SetTimer) and i.name == "checkin_missed:1" for i in chat.intents)
    chat.event(TimerFired("checkin_missed:1"))
    assert chat.of_kind(StaffTask) == [StaffTask(4, "no reply to the follow-up of case 4")]


def test_an_answered_outreach_is_no_task():
    chat = at_menu().event(FollowUpRequested(case_id=4))
    chat.event(TimerFired(scheduled(chat)[0].name)).person("4")
    chat.event(TimerFired("checkin_missed:1"))
    assert chat.of_kind(StaffTask) == []


def test_every_plan_step_has_its_words():
    chat = at_menu().person("My safety plan")
    for _ in STEPS:
        assert isinstance(chat.replies[-1], Reply) and chat.replies[-1].text
        chat.person("Next step")
    chat.bot_in("menu")


def on_a_channel_that_only_answers(chat: Transcript) -> Transcript:
    """The same conversation, now on a channel (like the web chat) that cannot reach the person later."""
    chat.engine = Engine(answer_only_channels=frozenset({chat.conversation.user_id.partition(":")[0]}))
    return chat


def test_where_nothing_can_reach_the_person_later_no_check_in_is_offered_and_they_are_told_why():
    chat = on_a_channel_that_only_answers(at_menu()).person("A small goal for today").person("That's all")
    chat.person("sleep").person("bed").person("Right now").bot_in("menu")
    chat.bot_says("Goal: sleep", "can't check in with you later").bot_never_says(
        "Would you like me to check in"
    )
    assert scheduled(chat) == []


def test_a_team_follow_up_for_someone_who_cannot_be_reached_later_becomes_a_task_not_a_silent_timer():
    chat = on_a_channel_that_only_answers(at_menu()).event(FollowUpRequested(case_id=4))
    assert scheduled(chat) == [] and chat.replies == []
    (task,) = chat.of_kind(StaffTask)
    assert task.case_id == 4 and "cannot reach them later" in task.reason
