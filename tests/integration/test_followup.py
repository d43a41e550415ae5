"""Follow-up check-ins on a real database, with a clock the test moves: no real waiting."""

from __future__ import annotations

import pytest

from bot.bootstrap import App, bootstrap
from bot.staff import StaffIdentity
from flows.events import parse_text

PERSON = "console:followup"
SAM = StaffIdentity(name="Sam Jones")


@pytest.fixture
def app(database, database_url, cipher, clock):
    application = bootstrap(database_url, cipher, clock=clock.now)
    application.admin.add_staff("Sam Jones", "counsellor", None)
    yield application
    application.close()


def says(app: App, *texts: str) -> str:
    return (
        app.conversations.handle(PERSON, parse_text(texts[0])).conversation.position
        if len(texts) == 1
        else [app.conversations.handle(PERSON, parse_text(text)) for text in texts][-1].conversation.position
    )


def hears(app: App) -> list[str]:
    return [str(d.payload["text"]) for d in app.outbox.take_deliveries([PERSON])]


def with_a_check_in(app: App) -> None:
    says(app, "/start", "I agree, let's start", "United Kingdom", "low", "6", "A small goal for today")
    says(
        app,
        "That's all",
        "go outside",
        "put shoes on",
        "Later today",
        "Yes, check in with me",
        "Tomorrow evening",
    )


def test_a_check_in_is_scheduled_fires_on_time_and_is_answered(app, clock):
    with_a_check_in(app)
    assert [key for key, _ in app.timers.pending()] == [f"person:{PERSON}:checkin:1"]
    clock.advance(hours=28, minutes=59)
    assert app.timers.fire_due() == 0
    clock.advance(minutes=2)  # Saturday 19:01 in London
    assert app.timers.fire_due() == 1
    assert any("checking in" in text for text in hears(app))
    assert app.conversations.conversation(PERSON).position == "followup.rating"
    assert says(app, "4") == "followup.after"


def test_a_restart_between_scheduling_and_firing_still_checks_in_once(app, database_url, cipher, clock):
    with_a_check_in(app)
    app.close()
    clock.advance(days=2)
    restarted = bootstrap(database_url, cipher, clock=clock.now)
    assert restarted.timers.fire_due() == 1
    assert restarted.timers.fire_due() == 0
    texts = [str(d.payload["text"]) for d in restarted.outbox.take_deliveries([PERSON])]
    assert sum("checking in" in text for text in texts) == 1
    restarted.close()


def test_stop_cancels_the_scheduled_check_in(app, clock):
    with_a_check_in(app)
    says(app, "/stop")
    assert app.timers.pending() == []
    clock.advance(days=3)
    assert app.timers.fire_due() == 0


def test_staff_outreach_after_a_case_unanswered_becomes_a_task_in_the_queue(app, clock):
    app.staff.handle(SAM, "/oncall on")
    says(app, "/start", "I agree, let's start", "United Kingdom", "awful", "7", "Talk to a person")
    app.staff.handle(SAM, "/claim 1")
    app.staff.handle(SAM, "/resolve 1 referred followup")
    assert any("asked us to check in" in text for text in hears(app))
    clock.advance(days=1, hours=1)
    assert app.timers.fire_due() == 1
    clock.advance(hours=13)
    app.timers.fire_due()
    queue = "\n".join(app.staff.handle(SAM, "/queue"))
    assert "Case 2 · moderate" in queue  # at night a moderate task waits in the queue, unpaged
    assert "no reply to the follow-up of case 1" in "\n".join(app.staff.handle(SAM, "/next"))
