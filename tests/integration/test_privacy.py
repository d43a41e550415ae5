"""What people write is safe from anyone holding a copy of the database, and /forget forgets."""

from __future__ import annotations

import datetime as dt
import stat
import uuid
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from bot.bootstrap import bootstrap
from bot.staff import StaffIdentity
from flows.events import parse_text
from storage.models import Base, as_utc

PERSON = "console:private-person"
SAM = StaffIdentity(name="Sam Jones")


def run_everything(app, marker: str) -> None:
    """Put the marker everywhere free text goes: story, plan, goal, relay, staff note and reply."""
    app.admin.add_staff("Sam Jones", "counsellor", None)
    app.staff.handle(SAM, "/oncall on")
    for typed in (
        "/start",
        "I agree, let's start",
        "United Kingdom",
        f"story {marker}",
        "5",
        "My safety plan",
        f"plan {marker}",
        "That's enough for now",
        "A small goal for today",
        "That's all",
        f"goal {marker}",
        f"step {marker}",
        "Now",
        "No thanks",
        "Talk to a person",
    ):
        app.conversations.handle(PERSON, parse_text(typed))
    app.staff.handle(SAM, "/claim 1")
    app.conversations.handle(PERSON, parse_text(f"relay {marker}"))
    app.staff.handle(SAM, f"/note 1 note {marker}")
    app.staff.handle(SAM, f"reply {marker}")


def test_a_database_file_copied_off_the_machine_reveals_no_message_text(tmp_path: Path, cipher):
    marker = f"MARKER-{uuid.uuid4().hex}"
    app = bootstrap(f"sqlite:///{tmp_path / 'copy.db'}", cipher)
    run_everything(app, marker)
    app.close()
    files = [path for path in tmp_path.iterdir() if path.name.startswith("copy.db")]
    assert files
    for path in files:
        assert marker.encode() not in path.read_bytes(), f"{path.name} holds the marker in clear"


def test_after_forget_no_row_anywhere_refers_to_the_person(database, database_url, cipher):
    app = bootstrap(database_url, cipher)
    run_everything(app, "forget-me")
    app.conversations.handle(PERSON, parse_text("/forget"))
    replies = app.conversations.handle(PERSON, parse_text("Yes, erase everything")).replies
    assert "has been erased" in replies[0].text
    with database.connect() as connection:
        for table in inspect(database).get_table_names():
            for column in inspect(database).get_columns(table):
                name = column["name"]
                query = text(f'SELECT COUNT(*) FROM "{table}" WHERE CAST("{name}" AS TEXT) LIKE :who')
                found = connection.execute(query, {"who": f"%{PERSON}%"}).scalar_one()
                assert found == 0, f"{table}.{name} still refers to the person"
        stub = connection.execute(text("SELECT status, outcome, user_id FROM cases WHERE id = 1")).one()
    assert stub == ("cancelled", "person-left", None)
    app.close()


def test_after_forget_no_row_anywhere_holds_their_words_even_for_staff(database, database_url, cipher, clock):
    """Pages with their summary, relayed lines, delivered or waiting: decrypted, none holds a word."""
    app = bootstrap(database_url, cipher, clock=clock.now)  # a weekday afternoon: the case is paged
    run_everything(app, "MARKER-words")
    sam = app.staff.member(SAM)
    assert sam is not None
    assert any("MARKER-words" in str(d.payload["text"]) for d in app.staff.inbox(sam))  # delivered
    app.conversations.handle(PERSON, parse_text("relay MARKER-words again"))  # waiting for Sam
    app.conversations.handle(PERSON, parse_text("/forget"))
    app.conversations.handle(PERSON, parse_text("Yes, erase everything"))
    assert "MARKER-words" not in "\n".join(decrypted_rows(database, cipher))
    told = [str(d.payload["text"]) for d in app.staff.inbox(sam)]
    assert told == [
        "Case 1 is closed: the person asked us to erase everything about them, so their messages are gone."
    ]
    assert app.staff.handle(SAM, "still there?") == [
        "You have no active case to write to. /queue shows waiting cases."
    ]
    app.close()


def decrypted_rows(database, cipher) -> list[str]:
    """Every value of every table as text, encrypted columns decrypted: what a key holder could read."""
    values: list[str] = []
    with database.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in connection.execute(select(table)):
                for value in row:
                    values.append(cipher.decrypt(value) if isinstance(value, bytes) else str(value))
    return values


def test_transcripts_past_the_retention_period_are_purged_and_case_stubs_kept(database, database_url, cipher):
    from tests.fakes import FakeClock

    clock = FakeClock()
    app = bootstrap(database_url, cipher, clock=clock.now)
    run_everything(app, "old words")
    app.staff.handle(SAM, "/resolve 1 de-escalated")
    clock.advance(days=29)
    assert app.purge() == 0, "rows were stamped by another clock than the service's"
    clock.advance(days=2)
    assert app.purge() > 0
    with database.connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM messages")).scalar_one() == 0
        assert connection.execute(text("SELECT COUNT(*) FROM conversations")).scalar_one() == 0
        assert connection.execute(text("SELECT COUNT(*) FROM cases")).scalar_one() == 1
    app.close()


@pytest.mark.parametrize("year", [2019, 2041])
def test_every_time_a_service_writes_comes_from_its_clock(database, database_url, cipher, year):
    """Years from the machine's clock either way: whatever the real date, rows carry the service's."""
    from tests.fakes import FakeClock

    clock = FakeClock(dt.datetime(year, 3, 4, 10, tzinfo=dt.UTC))
    app = bootstrap(database_url, cipher, clock=clock.now)
    run_everything(app, "stamped")
    app.staff.handle(SAM, "/resolve 1 de-escalated")
    app.channel_records.first_time("telegram", 1)
    with database.connect() as connection:
        for table, column in STAMPED:
            moments = list(connection.execute(select(Base.metadata.tables[table].c[column])).scalars())
            assert moments and None not in moments, f"{table}.{column}: {moments}"
            assert {as_utc(moment).year for moment in moments} == {year}, f"{table}.{column}: {moments}"
    app.close()


STAMPED = [
    ("conversations", "created_at"),
    ("conversations", "updated_at"),
    ("messages", "created_at"),
    ("outbox", "created_at"),
    ("processed_updates", "processed_at"),
    ("cases", "opened_at"),
    ("cases", "closed_at"),
    ("case_events", "at"),
]


def test_the_sqlite_files_and_their_folder_are_readable_by_their_owner_only(tmp_path, cipher):
    folder = tmp_path / "new-folder"
    app = bootstrap(f"sqlite:///{folder / 'pfa.db'}", cipher)
    app.conversations.handle(PERSON, parse_text("/start"))
    private = [folder / "pfa.db", folder / "pfa.db-wal", folder / "pfa.db-shm"]
    modes = {path.name: stat.S_IMODE(path.stat().st_mode) for path in private}
    app.close()
    assert modes == {"pfa.db": 0o600, "pfa.db-wal": 0o600, "pfa.db-shm": 0o600}
    assert stat.S_IMODE(folder.stat().st_mode) & 0o077 == 0


def test_a_database_file_readable_by_others_is_made_private(tmp_path, cipher):
    earlier = tmp_path / "earlier.db"
    earlier.touch(mode=0o644)
    earlier.chmod(0o644)
    bootstrap(f"sqlite:///{earlier}", cipher).close()
    assert stat.S_IMODE(earlier.stat().st_mode) == 0o600
