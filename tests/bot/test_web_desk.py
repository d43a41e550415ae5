"""The staff desk in a browser, through the real ASGI app on real SQLite and PostgreSQL: sign-in by
one-time link, sessions, CSRF, the queue, case actions with the console's rules, relay both ways,
the detector label and its export, the board and the figures."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator

import pytest
from sqlalchemy import text as sql
from starlette.testclient import TestClient

from bot.bootstrap import App, bootstrap
from bot.case_labels import evaluation_label, export_labelled_cases
from bot.cli import main
from bot.staff import StaffIdentity
from bot.web.app import create_app
from bot.web.live import StreamState, tick
from bot.web.security import CSP
from bot.web.signin import DeskSessions
from flows.events import parse_text
from flows.oncall.model import Availability
from storage.encryption import Cipher, generate_key
from tests.policies import paging_around_the_clock

PERSON = "console:person"
CRISIS = "I want to kill myself"


@pytest.fixture
def app(database, database_url, clock) -> Iterator[App]:
    application = bootstrap(
        database_url, Cipher([generate_key().encode()]), clock=clock.now, policy=paging_around_the_clock()
    )
    application.admin.add_staff("Sam Jones", "counsellor", None)
    application.admin.add_staff("Alex Lee", "counsellor", None)
    application.admin.add_staff("Sue Park", "supervisor", None)
    for name in ("Sam Jones", "Alex Lee", "Sue Park"):
        application.staff.handle(StaffIdentity(name=name), "/oncall on")
    yield application
    application.close()


def browser(app: App) -> TestClient:
    return TestClient(create_app(app), follow_redirects=False)


def link(app: App, name: str, minutes: int = 15) -> str:
    return DeskSessions(app.unit_of_work, app.clock).issue_link(name, minutes)


def signed_in(app: App, name: str) -> TestClient:
    client = browser(app)
    response = client.post("/desk/signin", data={"token": link(app, name)})
    assert response.status_code == 303 and response.headers["location"] == "/desk/"
    return client


def csrf_of(client: TestClient, path: str = "/desk/") -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert found is not None
    return found.group(1)


def post(client: TestClient, path: str, **form: str) -> list[str]:
    """Submit a desk form as desk.js does; the replies the desk gave."""
    headers = {"x-csrf-token": csrf_of(client), "x-requested-with": "fetch"}
    response = client.post(path, data=form, headers=headers)
    assert response.status_code == 200, response.text
    return list(response.json()["replies"])


def person_in_crisis(app: App) -> None:
    for text in ("/start", "I agree, let's start", "United Kingdom", "tired", "5", CRISIS):
        app.conversations.handle(PERSON, parse_text(text))


def person_hears(app: App) -> list[str]:
    return [str(d.payload["text"]) for d in app.outbox.take_deliveries([PERSON])]


def live_events(app: App, client: TestClient, case_id: int | None, state: StreamState) -> list[str]:
    """One tick of the page's live stream, as the signed-in member of `client`."""
    desk = client.app.state.desk  # type: ignore[attr-defined]
    token = client.cookies["pfa_desk"]
    current = desk.sessions.current(token)
    assert current is not None
    return tick(desk, current, case_id, token, state)


def test_a_sign_in_link_works_once_and_only_its_hash_is_stored(app, database):
    token = link(app, "Sam Jones")
    client = browser(app)
    assert "Sign in" in client.get(f"/desk/signin/{token}").text  # opening it uses nothing up
    first = client.post("/desk/signin", data={"token": token})
    assert first.status_code == 303
    cookie = first.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/desk" in cookie
    assert "secure" not in cookie  # not behind TLS here: a setting turns it on
    assert browser(app).post("/desk/signin", data={"token": token}).status_code == 403
    with database.connect() as connection:
        rows = [*connection.execute(sql("SELECT * FROM login_links"))]
        rows += [*connection.execute(sql("SELECT * FROM staff_sessions"))]
    stored = " ".join(str(row) for row in rows)
    assert token not in stored and client.cookies["pfa_desk"] not in stored


def test_an_expired_link_signs_nobody_in(app, clock):
    token = link(app, "Sam Jones", minutes=15)
    clock.advance(minutes=16)
    assert browser(app).post("/desk/signin", data={"token": token}).status_code == 403


def test_pages_need_a_session_and_changes_need_the_csrf_token(app):
    anonymous = browser(app)
    assert anonymous.get("/desk/").headers["location"] == "/desk/signin"
    client = signed_in(app, "Sam Jones")
    person_in_crisis(app)
    assert client.post("/desk/cases/1/claim", data={}).status_code == 403
    assert client.post("/desk/cases/1/claim", data={"csrf": "0" * 64}).status_code == 403
    elsewhere = {"sec-fetch-site": "cross-site"}
    forged = client.post("/desk/cases/1/claim", data={"csrf": csrf_of(client)}, headers=elsewhere)
    assert forged.status_code == 403
    assert app.staff.handle(StaffIdentity(name="Alex Lee"), "/queue")[1].startswith("Case 1")  # still waiting


def test_a_removed_member_is_signed_out_at_once(app):
    client, other_browser = signed_in(app, "Sam Jones"), signed_in(app, "Sam Jones")
    desk = client.app.state.desk  # type: ignore[attr-defined]
    token = client.cookies["pfa_desk"]
    signed = desk.sessions.current(token)
    assert tick(desk, signed, None, token, StreamState())
    app.admin.remove_staff("Sam Jones")
    # The live page hears it on its next tick, and every request after that is refused.
    events = tick(desk, signed, None, token, StreamState())
    assert [event.split("\n")[0] for event in events] == ["event: ended"]
    assert client.get("/desk/").headers["location"] == "/desk/signin"
    assert other_browser.get("/desk/").headers["location"] == "/desk/signin"
    assert other_browser.post("/desk/signout", data={"csrf": "x"}).status_code == 403


def test_signing_out_ends_the_session(app):
    client = signed_in(app, "Sam Jones")
    response = client.post("/desk/signout", data={"csrf": csrf_of(client)})
    assert response.headers["location"] == "/desk/signin"
    assert client.get("/desk/").status_code == 303


def test_the_queue_shows_a_new_case_live_with_its_signals_and_words(app):
    client = signed_in(app, "Sam Jones")
    state = StreamState()
    first = live_events(app, client, None, state)
    assert any("Nobody is waiting" in event for event in first)
    assert live_events(app, client, None, state) == []  # nothing changed, nothing sent
    person_in_crisis(app)
    events = live_events(app, client, None, state)
    queue = next(event for event in events if event.startswith("event: queue"))
    assert "Case 1" in queue and "high" in queue and CRISIS in queue
    notice = next(event for event in events if event.startswith("event: notice"))
    assert json.loads(notice.split("data: ", 1)[1])["kind"] == "page"
    page = client.get("/desk/")
    assert "Case 1" in page.text and "Signals:" in page.text
    assert f'value="{csrf_of(client)}"' in queue  # the live queue's claim buttons work too


def test_claiming_from_the_browser_follows_the_console_rules_one_winner(app):
    sam, alex = signed_in(app, "Sam Jones"), signed_in(app, "Alex Lee")
    person_in_crisis(app)
    assert any("You have case 1" in line for line in post(sam, "/desk/cases/1/claim"))
    assert person_hears(app)[-1].startswith("Sam from our team has joined")
    assert post(alex, "/desk/cases/1/claim") == ["Case 1 is already with Sam Jones."]
    with app.unit_of_work() as uow:
        trail = [(line.action, line.result) for line in uow.desk_records.audit_trail()]
    assert ("claim", "done") in trail and ("claim", "refused") in trail


def test_a_counsellor_cannot_act_on_a_case_they_do_not_hold(app):
    sam, alex = signed_in(app, "Sam Jones"), signed_in(app, "Alex Lee")
    person_in_crisis(app)
    post(sam, "/desk/cases/1/claim")
    refused = post(alex, "/desk/cases/1/resolve", outcome="de-escalated")
    assert refused == ["Case 1 is not yours. Ask a supervisor, or ask Sam Jones to hand it over."]
    assert "Status: claimed" in sam.get("/desk/cases/1").text
    assert post(alex, "/desk/cases/1/message", text="hello") == ["You can write only in a case you hold."]
    assert "Timeline" not in alex.get("/desk/cases/1").text  # neither holder nor supervisor


def test_relay_both_ways_in_the_browser(app):
    sam = signed_in(app, "Sam Jones")
    person_in_crisis(app)
    post(sam, "/desk/cases/1/claim")
    person_hears(app)
    post(sam, "/desk/cases/1/message", text="I'm here with you. Are you safe right now?")
    assert person_hears(app) == ["Sam (team): I'm here with you. Are you safe right now?"]
    state = StreamState()
    live_events(app, sam, 1, state)
    app.conversations.handle(PERSON, parse_text("I'm at home, the tablets are in the kitchen"))
    events = live_events(app, sam, 1, state)
    chat = [event for event in events if event.startswith("event: chat")]
    assert len(chat) == 1 and "tablets are in the kitchen" in chat[0]
    page = sam.get("/desk/cases/1").text
    assert "Are you safe right now?" in page and "tablets are in the kitchen" in page


def test_resolving_with_a_label_stores_it_and_the_export_gives_labelled_lines(app, tmp_path):
    sam = signed_in(app, "Sam Jones")
    person_in_crisis(app)
    post(sam, "/desk/cases/1/claim")
    replies = post(sam, "/desk/cases/1/resolve", outcome="safety-plan-made", label="lower", followup="yes")
    assert any("Case 1 resolved" in line for line in replies)
    exported = tmp_path / "labelled.jsonl"
    assert export_labelled_cases(app.unit_of_work, exported) == 1
    (row,) = [json.loads(line) for line in exported.read_text().splitlines()]
    assert row["text"] == CRISIS and row["label"] == "concern" and row["level"] == "high"
    assert exported.stat().st_mode & 0o077 == 0


def test_staff_labels_map_onto_the_evaluation_labels():
    assert evaluation_label("high", "confirmed") == "crisis"
    assert evaluation_label("imminent", "higher") == "crisis"
    assert evaluation_label("moderate", "lower") == "safe"
    assert evaluation_label("moderate", "higher") == "crisis"


def test_figures_are_for_supervisors_and_change_with_the_work(app):
    sam, sue = signed_in(app, "Sam Jones"), signed_in(app, "Sue Park")
    assert sam.get("/desk/figures").status_code == 403
    before = sue.get("/desk/figures").text
    assert "<svg" not in before
    person_in_crisis(app)
    post(sam, "/desk/cases/1/claim")
    post(sam, "/desk/cases/1/resolve", outcome="de-escalated", label="confirmed")
    after = sue.get("/desk/figures").text
    assert after.count("<svg") >= 4
    assert "Sam Jones" in after and "de-escalated" in after and "100 %" in after


def test_supervisors_change_anyones_on_call_status_counsellors_only_their_own(app):
    sam, sue = signed_in(app, "Sam Jones"), signed_in(app, "Sue Park")
    with app.unit_of_work() as uow:
        alex = uow.staff.by_name("Alex Lee")
    assert alex is not None
    assert post(sam, f"/desk/board/{alex.id}/oncall", on="no") == ["Only supervisors can do that."]
    assert post(sue, f"/desk/board/{alex.id}/oncall", on="no") == ["Alex Lee is now off call."]
    board = sue.get("/desk/board").text
    assert re.search(r"Alex Lee</th>\s*<td>counsellor</td>\s*<td>off call", board)


def test_every_response_carries_a_strict_policy(app):
    response = browser(app).get("/desk/signin")
    assert response.headers["content-security-policy"] == CSP
    assert "unsafe-inline" not in CSP and "frame-ancestors 'none'" in CSP
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    script = browser(app).get("/static/desk.js")
    assert script.status_code == 200 and "EventSource" in script.text


def test_no_message_text_reaches_the_logs(app, caplog):
    caplog.set_level(logging.DEBUG)
    sam, alex = signed_in(app, "Sam Jones"), signed_in(app, "Alex Lee")
    person_in_crisis(app)
    post(sam, "/desk/cases/1/claim")
    post(alex, "/desk/cases/1/message", text="a secret reply")
    post(sam, "/desk/cases/1/message", text="another secret reply")
    post(alex, "/desk/cases/1/note", text="a private note")
    assert "secret" not in caplog.text and "private" not in caplog.text and CRISIS not in caplog.text


def test_the_command_line_prints_a_sign_in_link_and_exports_labelled_cases(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("PFA_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    assert main(["staff", "add", "--name", "Sam Jones", "--role", "counsellor"]) == 0
    capsys.readouterr()
    base = "https://desk.example.org/"
    assert main(["staff", "login-link", "--name", "Sam Jones", "--base-url", base]) == 0
    assert re.fullmatch(r"https://desk\.example\.org/desk/signin/[\w-]{40,}\n", capsys.readouterr().out)
    assert main(["staff", "login-link", "--name", "Nobody"]) == 2
    assert "no active staff member called Nobody" in capsys.readouterr().err
    assert main(["risk-eval", "--from-cases", str(tmp_path / "out.jsonl")]) == 0
    assert "wrote 0 staff-labelled lines" in capsys.readouterr().out


def test_an_idle_session_ends_and_a_link_from_another_site_signs_nobody_in(app, clock):
    client = signed_in(app, "Sam Jones")
    clock.advance(hours=2, minutes=1)
    assert client.get("/desk/").headers["location"] == "/desk/signin"
    forged = browser(app).post(
        "/desk/signin", data={"token": link(app, "Sam Jones")}, headers={"sec-fetch-site": "cross-site"}
    )
    assert forged.status_code == 403


def test_supervisors_read_the_audit_log_counsellors_do_not(app):
    sam, sue = signed_in(app, "Sam Jones"), signed_in(app, "Sue Park")
    person_in_crisis(app)
    post(sam, "/desk/cases/1/claim")
    post(sam, "/desk/cases/1/message", text="a word for the person only")
    assert sam.get("/desk/audit").status_code == 403
    trail = sue.get("/desk/audit").text
    assert "sign-in" in trail and "claim" in trail and "message" in trail
    assert "a word for the person only" not in trail


def test_a_case_a_person_asked_for_takes_no_detector_label(app, tmp_path):
    sam = signed_in(app, "Sam Jones")
    for text in ("/start", "I agree, let's start", "United Kingdom", "tired", "5", "Talk to a person"):
        app.conversations.handle(PERSON, parse_text(text))
    post(sam, "/desk/cases/1/claim")
    assert "Was the detector right" not in sam.get("/desk/cases/1").text
    post(sam, "/desk/cases/1/resolve", outcome="de-escalated", label="confirmed")
    assert export_labelled_cases(app.unit_of_work, tmp_path / "labelled.jsonl") == 0


def test_the_board_shows_who_is_next_and_who_is_past_the_shift_limit(app, clock):
    app.staff.handle(StaffIdentity(name="Alex Lee"), "/oncall off")
    clock.advance(hours=13)  # Sam and Sue have been on call since 14:00: past the 12-hour limit
    app.staff.handle(StaffIdentity(name="Alex Lee"), "/oncall on")
    app.staff.handle(StaffIdentity(name="Alex Lee"), "/break 30")
    app.admin.add_override("Sue Park", "2026-11-28T18:00", "2026-11-28T23:00", True)
    app.staff.handle(StaffIdentity(name="Sue Park"), "/oncall off")
    with app.unit_of_work() as uow:  # back to the rota, where the override decides
        sue = uow.staff.by_name("Sue Park")
        assert sue is not None
        sue.availability = Availability.ROTA
        uow.staff.save(sue)
        uow.commit()
    board = signed_in(app, "Sam Jones").get("/desk/board").text
    assert board.count("past the shift limit") == 1  # Sam only: Alex has just started
    assert re.search(r"Alex Lee</th>\s*<td>counsellor</td>\s*<td>on a break until 03:30 UTC", board)
    assert re.search(r"Sue Park</th>.*?off call.*?<td>Sat 28 Nov 18:00 UTC</td>", board, re.DOTALL)
