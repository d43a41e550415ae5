"""Two processes writing one conversation at once: the loser of a collision is run again, never dropped.

A person on two devices, or a person and their counsellor typing at the same moment, reach the
database from different processes. Each side runs in its own real process here, on SQLite and on
PostgreSQL, and every message must be handled, stored and passed on exactly once.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

from sqlalchemy import Engine, select

from bot.bootstrap import bootstrap
from bot.desk import staff_address
from bot.staff import StaffIdentity
from flows.events import parse_text
from storage.encryption import Cipher, generate_key
from storage.models import CASES, MESSAGES, OUTBOX
from tests.fakes import FakeClock

PERSON = "console:two-devices"
SAM = StaffIdentity(name="Sam Jones")
BURST = 25
FAIL_SAFE = "something went wrong"


def person_device(url: str, key: str, device: str, crisis_at: int | None) -> list[str]:
    """One of the person's devices, in its own process: a burst of messages; returns every reply."""
    app = bootstrap(url, Cipher([key.encode()]))
    app.conversations.flood = None  # the burst is the point here, not the rate limit
    replies: list[str] = []
    try:
        for number in range(BURST):
            text = "I want to kill myself tonight" if number == crisis_at else f"{device} line {number}"
            replies += [reply.text for reply in app.conversations.handle(PERSON, parse_text(text)).replies]
    finally:
        app.close()
    return replies


def counsellor(url: str, key: str) -> list[str]:
    """The counsellor holding the case, in its own process: a burst of relayed lines."""
    app = bootstrap(url, Cipher([key.encode()]))
    shown: list[str] = []
    try:
        for number in range(BURST):
            shown += app.staff.handle(SAM, f"staff line {number}")
    finally:
        app.close()
    return shown


def at_menu(url: str, cipher: Cipher) -> None:
    app = bootstrap(url, cipher, clock=FakeClock().now)
    for typed in ("/start", "I agree, let's start", "United Kingdom", "a hard week", "5"):
        app.conversations.handle(PERSON, parse_text(typed))
    app.close()


def run_together(*jobs: tuple[object, ...]) -> list[list[str]]:
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=len(jobs), mp_context=spawn) as pool:
        futures = [pool.submit(*job) for job in jobs]  # type: ignore[call-overload]
        return [future.result(timeout=180) for future in futures]


def stored_messages(database: Engine, cipher: Cipher) -> list[tuple[str, bool]]:
    with database.connect() as connection:
        rows = connection.execute(
            select(MESSAGES.c.body, MESSAGES.c.handled).where(MESSAGES.c.user_id == PERSON)
        ).all()
    return [(cipher.decrypt(body), handled) for body, handled in rows]


def test_a_persons_two_devices_at_once_lose_no_message_and_a_crisis_opens_one_case(database, database_url):
    key = generate_key()
    cipher = Cipher([key.encode()])
    at_menu(database_url, cipher)
    phone, laptop = run_together(
        (person_device, database_url, key, "phone", None),
        (person_device, database_url, key, "laptop", 7),
    )
    assert not [reply for reply in phone + laptop if FAIL_SAFE in reply]
    stored = stored_messages(database, cipher)[3:]  # after the three answers that led to the menu
    assert len(stored) == 2 * BURST and all(handled for _, handled in stored)
    assert {f"phone line {n}" for n in range(BURST)} <= {text for text, _ in stored}
    assert any("116 123" in reply for reply in laptop)
    with database.connect() as connection:
        cases = connection.execute(select(CASES.c.user_id)).scalars().all()
    assert cases == [PERSON]  # one case (a rolled-back attempt may have used up an id on PostgreSQL)


def test_a_person_and_their_counsellor_typing_at_once_each_hear_every_line(database, database_url):
    key = generate_key()
    cipher = Cipher([key.encode()])
    at_menu(database_url, cipher)
    app = bootstrap(database_url, cipher)
    app.admin.add_staff("Sam Jones", "counsellor", None)
    app.staff.handle(SAM, "/oncall on")
    app.conversations.handle(PERSON, parse_text("Talk to a person"))
    app.staff.handle(SAM, "/claim 1")
    member = app.staff.member(SAM)
    app.close()
    assert member is not None
    person, _ = run_together(
        (person_device, database_url, key, "person", None),
        (counsellor, database_url, key),
    )
    assert not [reply for reply in person if FAIL_SAFE in reply]
    to_person = outbox_texts(database, cipher, PERSON)
    to_staff = outbox_texts(database, cipher, staff_address(member))
    for number in range(BURST):  # each line passed on exactly once, whoever won each collision
        assert sum(text.endswith(f"staff line {number}") for text in to_person) == 1, number
        assert sum(text.endswith(f"person line {number}") for text in to_staff) == 1, number


def outbox_texts(database: Engine, cipher: Cipher, recipient: str) -> list[str]:
    import json

    with database.connect() as connection:
        bodies = connection.execute(
            select(OUTBOX.c.body).where(OUTBOX.c.recipient == recipient).order_by(OUTBOX.c.id)
        ).scalars()
        return [str(json.loads(cipher.decrypt(body)).get("text", "")) for body in bodies]
