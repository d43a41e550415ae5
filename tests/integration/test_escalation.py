"""Escalation to on-call staff, end to end on real databases, with a clock the test moves."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import text as sql

from bot.admin import AdminError
from bot.bootstrap import App, bootstrap
from bot.staff import SessionEnded, StaffIdentity
from flows.events import parse_text
from storage.encryption import Cipher, generate_key

PERSON = "console:person"
SAM, ALEX, SUE = (
    StaffIdentity(name="Sam Jones"),
    StaffIdentity(name="Alex Lee"),
    StaffIdentity(name="Sue Park"),
)


@pytest.fixture
def app(database, database_url, cipher, clock):
    application = bootstrap(database_url, cipher, clock=clock.now)
    application.admin.add_staff("Sam Jones", "counsellor", None)
    application.admin.add_staff("Alex Lee", "counsellor", None)
    application.admin.add_staff("Sue Park", "supervisor", None)
    yield application
    application.close()


def person_says(app: App, *texts: str) -> list[str]:
    said: list[str] = []
    for text in texts:
        said += [reply.text for reply in app.conversations.handle(PERSON, parse_text(text)).replies]
    return said


def person_hears(app: App) -> list[str]:
    return [str(d.payload["text"]) for d in app.outbox.take_deliveries([PERSON])]


def staff_hears(app: App, who: StaffIdentity) -> list[str]:
    member = app.staff.member(who)
    assert member is not None
    return [str(d.payload["text"]) for d in app.staff.inbox(member)]


def on_call(app: App, *who: StaffIdentity) -> None:
    for identity in who:
        app.staff.handle(identity, "/oncall on")


def at_menu(app: App) -> None:
    person_says(app, "/start", "I agree, let's start", "United Kingdom", "tired", "5")


def asks_for_a_person(app: App) -> list[str]:
    at_menu(app)
    return person_says(app, "Talk to a person")


def test_a_whole_escalation_pages_claims_relays_and_resolves(app):
    on_call(app, SAM, SUE)
    at_menu(app)
    said = person_says(app, "I want to kill myself")
    assert "116 123" in said[0]
    assert any("has been alerted" in text and "999" in text for text in said)
    assert app.conversations.conversation(PERSON).position == "screening.offer"
    (page,) = staff_hears(app, SAM)
    assert "Case 1 · high" in page and "/claim 1" in page and "console:person" not in page
    assert "» I want to kill myself" in page
    assert any("You have case 1" in line for line in app.staff.handle(SAM, "/claim 1"))
    assert person_hears(app) == ["Sam from our team has joined. Anything you write now goes to them."]
    assert app.conversations.conversation(PERSON).state == "with_staff"
    assert person_says(app, "thank you for coming") == []
    assert staff_hears(app, SAM) == [
        "Case 1 was claimed by Sam Jones.",
        "Case 1 · person: thank you for coming",
    ]
    app.staff.handle(SAM, "I'm here with you. How are you feeling right now?")
    assert person_hears(app) == ["Sam (team): I'm here with you. How are you feeling right now?"]
    app.staff.handle(SAM, "/note 1 calmer after grounding")
    resolved = app.staff.handle(SAM, "/resolve 1 de-escalated followup")
    assert resolved[0] == "Case 1 resolved: de-escalated."
    assert "How are you?" in resolved[1]  # a high-risk case ends with a debrief prompt
    assert any("closed this conversation" in text for text in person_hears(app))
    assert app.conversations.conversation(PERSON).state == "menu"
    timeline = "\n".join(app.staff.handle(SUE, "/case 1"))
    for entry in ("opened", "paged", "claimed · Sam Jones", "note added · Sam Jones · calmer", "resolved"):
        assert entry in timeline


def test_an_unacknowledged_page_moves_to_the_next_level_and_tells_the_first(app, clock):
    on_call(app, SAM, SUE)
    asks_for_a_person(app)
    assert len(staff_hears(app, SAM)) == 1 and staff_hears(app, SUE) == []
    clock.advance(minutes=2)
    assert app.timers.fire_due() == 0
    clock.advance(minutes=1, seconds=1)
    assert app.timers.fire_due() >= 1
    assert any("Case 1" in text for text in staff_hears(app, SUE))
    assert staff_hears(app, SAM) == [
        "Case 1 was not acknowledged in time and has moved on to: on-call supervisor."
    ]
    assert "timer fired" in "\n".join(app.staff.handle(SUE, "/case 1"))


def test_a_claim_stops_the_paging_and_tells_the_others_who_took_it(app, clock):
    on_call(app, SAM, ALEX)
    asks_for_a_person(app)
    app.staff.handle(ALEX, "/claim 1")
    assert staff_hears(app, SAM)[-1] == "Case 1 was claimed by Alex Lee."
    clock.advance(minutes=30)
    app.timers.fire_due()
    assert not any("moved on" in text for text in staff_hears(app, SAM))


def test_a_restart_while_a_timer_is_pending_pages_once(database_url, app, cipher, clock):
    on_call(app, SAM, SUE)
    asks_for_a_person(app)
    app.close()
    clock.advance(minutes=4)
    restarted = bootstrap(database_url, cipher, clock=clock.now)
    assert [key for key, _ in restarted.timers.pending() if key.startswith("case:")] == ["case:1:ack"]
    assert restarted.timers.fire_due() >= 1
    assert restarted.timers.fire("case:1:ack") is False
    pages = [text for text in staff_hears(restarted, SUE) if text.startswith("🔔 Case 1")]
    assert len(pages) == 1
    restarted.close()


def test_caseload_cap_refuses_a_third_case_and_says_why(app):
    on_call(app, SAM)
    for number in (1, 2, 3):
        user = f"console:p{number}"
        for text in ("/start", "I agree, let's start", "United Kingdom", "tired", "5", "Talk to a person"):
            app.conversations.handle(user, parse_text(text))
    app.staff.handle(SAM, "/claim 1")
    app.staff.handle(SAM, "/claim 2")
    (refusal,) = app.staff.handle(SAM, "/claim 3")
    assert "the most allowed (2)" in refusal
    assert "Case 3" in "\n".join(app.staff.handle(SAM, "/queue"))


def test_nobody_on_call_says_so_at_once_and_pages_the_supervisors(app):
    said = asks_for_a_person(app)
    assert any("nobody from our team is free" in text and "116 123" in text for text in said)
    assert any("Nobody on call" in text for text in staff_hears(app, SUE))
    assert "Case 1" in "\n".join(app.staff.handle(SAM, "/queue"))


def test_one_open_case_per_person_and_new_signals_update_it(app):
    on_call(app, SAM)
    asks_for_a_person(app)
    person_says(app, "/menu", "Talk to a person")
    assert len(app.staff.handle(SAM, "/queue")) == 2  # the heading and one case


def test_release_and_transfer_keep_the_person_informed(app):
    on_call(app, SAM, ALEX)
    asks_for_a_person(app)
    app.staff.handle(SAM, "/claim 1")
    person_hears(app)
    assert app.staff.handle(ALEX, "/release 1")[0].startswith("Case 1 is not yours")
    app.staff.handle(SAM, "/transfer 1 alex lee knows about the exams")
    assert person_hears(app)[0].startswith("Alex from our team is taking over")
    assert "Handover note: knows about the exams" in staff_hears(app, ALEX)[-1]
    app.staff.handle(ALEX, "/release 1")
    assert "step away" in person_hears(app)[0]
    assert app.conversations.conversation(PERSON).state == "waiting_for_staff"


def test_someone_who_is_not_registered_staff_is_refused(app):
    assert app.staff.handle(StaffIdentity(name="Mallory"), "/queue") == [
        "This command is for registered team members only."
    ]
    app.admin.remove_staff("Alex Lee")
    assert app.staff.handle(ALEX, "/queue") == ["This command is for registered team members only."]


def test_a_debrief_follows_a_high_risk_case_and_support_reaches_the_supervisor(app):
    on_call(app, SAM, SUE)
    at_menu(app)
    person_says(app, "/sos", "Yes, you can ask", "yes", "yes", "no", "yes", "no", "no")  # intent: high
    app.staff.handle(SAM, "/claim 1")
    reply = app.staff.handle(SAM, "/resolve 1 referred")
    assert any("How are you?" in line for line in reply)
    app.staff.handle(SAM, "/support")
    assert "Sam Jones would like some support after a difficult case." in staff_hears(app, SUE)


def test_the_person_can_stop_waiting_and_the_case_stays(app):
    on_call(app, SAM)
    asks_for_a_person(app)
    person_says(app, "Stop waiting for a person")
    assert app.conversations.conversation(PERSON).state == "menu"
    assert "person stopped waiting" in "\n".join(app.staff.handle(SAM, "/queue"))


def test_waiting_updates_reach_the_person_every_few_minutes(app, clock):
    on_call(app, SAM)
    asks_for_a_person(app)
    clock.advance(minutes=3, seconds=1)
    app.timers.fire_due()
    assert any("still looking for someone" in text for text in person_hears(app))


def test_supervisors_see_the_load(app):
    on_call(app, SAM, SUE)
    asks_for_a_person(app)
    app.staff.handle(SAM, "/claim 1")
    load = "\n".join(app.staff.handle(SUE, "/load"))
    assert "Sam Jones (counsellor): 1 active · on call" in load
    assert "Median time to claim today: 0.0 min" in load
    assert app.staff.handle(SAM, "/load") == ["Only supervisors can do that."]


def test_concurrent_claims_have_exactly_one_winner(app):
    on_call(app, SAM, ALEX, SUE)
    for case_id in range(1, 6):
        user = f"console:race{case_id}"
        for text in ("/start", "I agree, let's start", "United Kingdom", "tired", "5", "Talk to a person"):
            app.conversations.handle(user, parse_text(text))
        barrier = threading.Barrier(3)
        results: dict[str, str] = {}

        def claim(
            who: StaffIdentity, case: int = case_id, gate: threading.Barrier = barrier, into: dict = results
        ) -> None:
            gate.wait()
            into[who.name or ""] = " ".join(app.staff.handle(who, f"/claim {case}"))

        threads = [threading.Thread(target=claim, args=(who,)) for who in (SAM, ALEX, SUE)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        winners = [name for name, text in results.items() if f"You have case {case_id}" in text]
        assert len(winners) == 1, results
        assert sum("is already with" in text for text in results.values()) == 2
        app.staff.handle(StaffIdentity(name=winners[0]), f"/resolve {case_id} de-escalated")


def test_a_long_shift_prompts_a_handover(app, clock):
    on_call(app, SAM)
    clock.advance(hours=9)
    assert app.staff.handle(SAM, "/queue")[-1].startswith("You've been on call for over 8 hours")
    # Going off call is the handover: the warning reads the member as the command left them.
    assert app.staff.handle(SAM, "/oncall off") == ["You're off call. Take care of yourself."]


def test_someone_on_a_break_is_not_paged(app):
    on_call(app, SAM)
    assert app.staff.handle(SAM, "/break 15")[0].startswith("Enjoy your break")
    said = asks_for_a_person(app)
    assert any("nobody from our team is free" in text for text in said)


def test_the_rota_decides_who_is_on_call_and_can_be_loaded_from_a_file(app, clock, tmp_path):
    rota = tmp_path / "rota.toml"
    rota.write_text(
        '[[shift]]\nstaff = "Sam Jones"\nday = "fri"\nstart = "09:00"\nend = "17:00"\n'
        '[[shift]]\nstaff = "Sue Park"\nday = "fri"\nstart = "22:00"\nend = "06:00"\n'
        '[[override]]\nstaff = "Alex Lee"\nfrom = "2026-11-27T13:00"\nto = "2026-11-27T15:00"\n',
        encoding="utf-8",
    )
    assert app.admin.load_rota(rota) == "loaded 2 shifts and 1 overrides"
    listed = "\n".join(app.admin.list_staff())
    assert "Sam Jones · counsellor · on call" in listed and "Alex Lee · counsellor · on call" in listed
    assert "Sue Park · supervisor · off call" in listed
    clock.advance(hours=9)  # 23:00 on Friday
    listed = "\n".join(app.admin.list_staff())
    assert "Sue Park · supervisor · on call" in listed and "Sam Jones · counsellor · off call" in listed
    assert app.admin.show_rota() == ["fri 09:00-17:00 Sam Jones", "fri 22:00-06:00 Sue Park"]


def test_a_crisis_before_consent_still_opens_a_case_and_pages(app):
    on_call(app, SAM)
    said = person_says(app, "/start", "I want to kill myself")
    assert any("Emergency" in text for text in said)
    assert not any("something went wrong" in text for text in said)
    assert any("Case 1" in text for text in staff_hears(app, SAM))
    assert app.conversations.conversation(PERSON).position == "consent.brief"


def test_staff_can_talk_with_someone_in_crisis_who_never_agreed_to_anything(app):
    on_call(app, SAM)
    person_says(app, "/start", "I want to kill myself")
    app.staff.handle(SAM, "/claim 1")
    assert "Sam from our team has joined" in person_hears(app)[0]
    person_says(app, "please help")
    assert staff_hears(app, SAM)[-1] == "Case 1 · person: please help"


def test_a_silent_claimer_is_reminded_then_their_supervisor_is_told(app, clock):
    on_call(app, SAM, SUE)
    asks_for_a_person(app)
    app.staff.handle(SAM, "/claim 1")
    staff_hears(app, SAM)
    staff_hears(app, SUE)
    clock.advance(minutes=5, seconds=1)
    app.timers.fire_due()
    assert any("has not heard from you" in text for text in staff_hears(app, SAM))
    clock.advance(minutes=5)
    app.timers.fire_due()
    assert any("held by Sam Jones, has had no reply" in text for text in staff_hears(app, SUE))
    app.staff.handle(SAM, "I'm here, sorry for the wait.")
    clock.advance(minutes=4)
    assert app.timers.fire_due() == 0


def test_only_the_holder_or_a_supervisor_may_cancel_or_note_a_case(app):
    on_call(app, SAM, ALEX, SUE)
    asks_for_a_person(app)
    assert app.staff.handle(ALEX, "/cancel 1")[0].startswith("Case 1 is waiting in the queue")
    assert app.staff.handle(ALEX, "/note 1 from the side")[0].startswith("Case 1 is waiting in the queue")
    app.staff.handle(SAM, "/claim 1")
    person_hears(app)
    assert app.staff.handle(ALEX, "/cancel 1")[0].startswith("Case 1 is not yours")
    assert app.staff.handle(ALEX, "/note 1 meddling")[0].startswith("Case 1 is not yours")
    assert person_hears(app) == []
    assert app.conversations.conversation(PERSON).state == "with_staff"
    timeline = "\n".join(app.staff.handle(SUE, "/case 1"))
    assert "from the side" not in timeline and "meddling" not in timeline and "cancelled" not in timeline
    assert app.staff.handle(SAM, "/note 1 calmer now") == ["Note added to case 1."]
    assert app.staff.handle(SUE, "/cancel 1 opened twice") == ["Case 1 cancelled."]
    assert any("closed this conversation" in text for text in person_hears(app))


def test_removing_a_counsellor_returns_their_case_at_once_and_nothing_more_reaches_them(app, database):
    on_call(app, SAM, ALEX)
    asks_for_a_person(app)
    app.staff.handle(SAM, "/claim 1")
    sam = app.staff.member(SAM)
    assert sam is not None
    person_hears(app)
    staff_hears(app, ALEX)
    assert app.admin.remove_staff("Sam Jones") == "removed Sam Jones"
    assert "step away" in person_hears(app)[0]
    assert app.conversations.conversation(PERSON).state == "waiting_for_staff"
    assert any(text.startswith("🔔 Case 1") for text in staff_hears(app, ALEX))
    person_says(app, "are you still there")
    with pytest.raises(SessionEnded):
        app.staff.inbox(sam)
    with database.connect() as connection:
        waiting_for_sam = sql("SELECT COUNT(*) FROM outbox WHERE recipient = 'staff:1'")
        assert connection.execute(waiting_for_sam).scalar_one() == 0
    assert "released · Sam Jones · removed" in "\n".join(app.staff.handle(SUE, "/case 1"))
    assert any("You have case 1" in line for line in app.staff.handle(ALEX, "/claim 1"))
    with pytest.raises(AdminError):
        app.admin.remove_staff("Sam Jones")


def test_with_only_a_supervisor_on_call_the_supervisor_is_paged_at_once(app):
    on_call(app, SUE)
    said = asks_for_a_person(app)
    assert any("has been alerted" in text and "116 123" in text for text in said)
    assert any(text.startswith("🔔 Case 1") for text in staff_hears(app, SUE))


def test_with_nobody_to_reach_the_person_is_not_told_anyone_was_alerted(app):
    for name in ("Sam Jones", "Alex Lee", "Sue Park"):
        app.admin.remove_staff(name)
    said = "\n".join(asks_for_a_person(app))
    assert "nobody from our team can be reached right now" in said and "116 123" in said
    assert "alerted" not in said and "let others" not in said


def test_at_night_a_request_waits_for_the_morning_and_a_crisis_still_pages_at_once(app, clock):
    on_call(app, SAM)
    clock.advance(hours=9, minutes=30)  # 23:30 on a Friday: night under the default policy
    said = "\n".join(asks_for_a_person(app))
    assert "may not be seen before Saturday 07:00" in said and "116 123" in said
    assert "has been alerted" not in said
    assert staff_hears(app, SAM) == []
    said = "\n".join(person_says(app, "I want to kill myself"))
    assert "has been alerted" in said and "116 123" in said
    assert any(text.startswith("🔔 Case 1 · high") for text in staff_hears(app, SAM))


def test_a_released_case_with_nobody_else_free_promises_nobody(app):
    on_call(app, SAM)
    asks_for_a_person(app)
    app.staff.handle(SAM, "/claim 1")
    person_hears(app)
    staff_hears(app, SAM)
    app.staff.handle(SAM, "/release 1")
    heard = person_hears(app)[0]
    assert "nobody else is free to join right now" in heard and "116 123" in heard
    assert not any(text.startswith("🔔") for text in staff_hears(app, SAM))  # not paged straight back


def test_asking_again_after_stopping_the_wait_is_told_the_truth_and_staff_see_it(app):
    on_call(app, SAM)
    asks_for_a_person(app)
    person_says(app, "Stop waiting for a person")
    said = "\n".join(person_says(app, "Talk to a person"))
    assert "still with our team, and they can see you're waiting again" in said and "116 123" in said
    assert "has been alerted" not in said
    assert "person stopped waiting" not in "\n".join(app.staff.handle(SAM, "/queue"))


def test_a_claim_racing_a_removal_never_leaves_a_removed_member_holding_the_case(app, database):
    """On PostgreSQL a claim's transaction could commit after a concurrent removal had looked for
    the member's cases, leaving the case with someone who no longer exists for the desk."""
    on_call(app, SUE)
    for round_ in range(12):
        name = f"Counsellor {round_}"
        app.admin.add_staff(name, "counsellor", None)
        app.staff.handle(StaffIdentity(name=name), "/oncall on")
        person = f"console:racer{round_}"
        for text in ("/start", "I agree, let's start", "United Kingdom", "tired", "5", "Talk to a person"):
            app.conversations.handle(person, parse_text(text))
        case_id = _open_case_of(database, person)
        start = threading.Barrier(2)
        claim = (start, app.staff.handle, StaffIdentity(name=name), f"/claim {case_id}")
        racers = [
            threading.Thread(target=_at_once, args=claim),
            threading.Thread(target=_at_once, args=(start, app.admin.remove_staff, name)),
        ]
        for racer in racers:
            racer.start()
        for racer in racers:
            racer.join()
        with database.connect() as connection:
            holder = connection.execute(
                sql("SELECT s.active FROM cases c JOIN staff s ON s.id = c.claimed_by WHERE c.id = :id"),
                {"id": case_id},
            ).scalar_one_or_none()
        assert holder in (None, True), f"round {round_}: case {case_id} is held by a removed member"


def _at_once(start: threading.Barrier, action: Callable[..., object], *arguments: object) -> None:
    start.wait()
    action(*arguments)


def _open_case_of(database, user_id: str) -> int:
    with database.connect() as connection:
        found = sql("SELECT id FROM cases WHERE user_id = :user AND status = 'triggered'")
        return int(connection.execute(found, {"user": user_id}).scalar_one())


def test_what_the_person_wrote_while_waiting_reaches_whoever_claims(app, clock):
    on_call(app, SAM)
    asks_for_a_person(app)
    clock.advance(minutes=1)
    kept = person_says(app, "my flatmate is out and I don't want to be alone")
    assert any("kept that for the person who joins you" in text for text in kept)
    clock.advance(minutes=1)
    person_says(app, "it's been a really long week")
    claimed = "\n".join(app.staff.handle(SAM, "/claim 1"))
    assert "Since the case opened, they wrote:" in claimed
    backlog = claimed.split("Since the case opened, they wrote:")[1]
    assert backlog.strip().splitlines() == [
        "» my flatmate is out and I don't want to be alone",
        "» it's been a really long week",
    ]


def test_while_a_request_waits_out_the_night_the_updates_do_not_say_someone_is_being_found(app, clock):
    on_call(app, SAM)
    clock.advance(hours=9, minutes=30)  # 23:30 on a Friday: night under the default policy
    asks_for_a_person(app)
    clock.advance(minutes=3, seconds=1)
    app.timers.fire_due()
    update = "\n".join(person_hears(app))
    assert "still in our team's queue" in update and "999" in update
    assert "looking for someone" not in update


def test_while_someone_is_paged_the_updates_say_we_are_still_looking(app, clock):
    on_call(app, SAM)
    asks_for_a_person(app)
    clock.advance(minutes=3, seconds=1)
    app.timers.fire_due()
    assert any("still looking for someone" in text for text in person_hears(app))


class CountingCipher(Cipher):
    """The real cipher, counting what it decrypts."""

    def __init__(self, keys: list[bytes]):
        super().__init__(keys)
        self.decrypted = 0

    def decrypt(self, token: bytes) -> str:
        self.decrypted += 1
        return super().decrypt(token)


def test_a_page_decrypts_no_more_with_more_cases_open(database, database_url, clock):
    """Paging needs who has room, not what the open cases say: a page's cost must not grow with
    the number of cases open (it decrypted every one of them)."""
    counting = CountingCipher([generate_key().encode()])
    application = bootstrap(database_url, counting, clock=clock.now)
    try:
        application.admin.add_staff("Sam Jones", "counsellor", None)
        on_call(application, SAM)
        decrypted_by_page = []
        for number in range(8):
            person = f"console:person{number}"
            for text in ("/start", "I agree, let's start", "United Kingdom", "tired", "5"):
                application.conversations.handle(person, parse_text(text))
            before = counting.decrypted
            application.conversations.handle(person, parse_text("Talk to a person"))
            decrypted_by_page.append(counting.decrypted - before)
        assert application.staff.handle(SAM, "/queue")  # eight cases are open and waiting
        assert len(set(decrypted_by_page[1:])) == 1, decrypted_by_page
    finally:
        application.close()
