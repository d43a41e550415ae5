"""Repositories, the unit of work and migrations on real SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.orm.exc import StaleDataError

from flows.conversation import Conversation
from flows.risk.levels import RiskLevel
from storage.encryption import Cipher
from storage.migrate import downgrade, is_current, upgrade
from storage.models import Base, ConversationRecord, MessageRecord
from storage.unit_of_work import SqlAlchemyUnitOfWork
from tests.fakes import FakeClock


def unit_of_work(database: Engine, cipher: Cipher) -> SqlAlchemyUnitOfWork:
    return SqlAlchemyUnitOfWork(database, cipher, FakeClock().now)


def saved(database: Engine, cipher: Cipher, conversation: Conversation) -> None:
    with unit_of_work(database, cipher) as uow:
        uow.conversations.save(conversation)
        uow.commit()


def test_a_conversation_round_trips_with_every_field(database, cipher):
    original = Conversation(
        "test:1",
        state="grounding",
        step="hear",
        language="es",
        country="ES",
        consented=True,
        pending="forget",
        risk_level=RiskLevel.MODERATE,
        distress_before=8,
        answers={"story": "todo va mal", "activities": ["learn.panic"]},
    )
    saved(database, cipher, original)
    with unit_of_work(database, cipher) as uow:
        loaded = uow.conversations.get("test:1")
    assert loaded is not None
    assert {**vars(loaded), "version": 0} == {**vars(original), "version": 0}
    assert loaded.version == 1


def test_free_text_is_stored_only_as_ciphertext(database, cipher):
    saved(database, cipher, Conversation("test:2", consented=True, answers={"story": "MARKER-7731"}))
    with unit_of_work(database, cipher) as uow:
        uow.messages.add("test:2", "MARKER-7731 again", "checkin.story")
        uow.commit()
    with database.connect() as connection:
        answers = connection.execute(select(ConversationRecord.answers)).scalar_one()
        body = connection.execute(select(MessageRecord.body)).scalar_one()
    assert b"MARKER-7731" not in bytes(answers)
    assert b"MARKER-7731" not in bytes(body)


def test_nothing_is_written_without_commit(database, cipher):
    with unit_of_work(database, cipher) as uow:
        uow.conversations.save(Conversation("test:3", consented=True))
    with unit_of_work(database, cipher) as uow:
        assert uow.conversations.get("test:3") is None


def test_recent_messages_come_back_oldest_first(database, cipher):
    with unit_of_work(database, cipher) as uow:
        for number in range(5):
            uow.messages.add("test:4", f"message {number}", "menu")
        uow.commit()
    with unit_of_work(database, cipher) as uow:
        assert uow.messages.recent("test:4", 3) == ["message 2", "message 3", "message 4"]


def test_erase_removes_the_conversation_and_its_messages(database, cipher):
    saved(database, cipher, Conversation("test:5", consented=True))
    with unit_of_work(database, cipher) as uow:
        uow.messages.add("test:5", "hello", "menu")
        uow.messages.add("test:other", "hi", "menu")
        uow.commit()
    with unit_of_work(database, cipher) as uow:
        uow.conversations.erase("test:5")
        uow.commit()
    with unit_of_work(database, cipher) as uow:
        assert uow.conversations.get("test:5") is None
        assert uow.messages.recent("test:5", 10) == []
        assert uow.messages.recent("test:other", 10) == ["hi"]


def test_outcomes_keep_ratings_without_anything_that_identifies_the_person(database, cipher):
    with unit_of_work(database, cipher) as uow:
        uow.outcomes.add(8, 4)
        uow.commit()
    columns = {column["name"] for column in inspect(database).get_columns("outcomes")}
    assert columns == {"id", "distress_before", "distress_after", "recorded_on"}
    with database.connect() as connection:
        assert connection.execute(text("SELECT distress_before, distress_after FROM outcomes")).one() == (
            8,
            4,
        )


def test_two_writers_of_one_conversation_cannot_overwrite_each_other(database, cipher):
    """The second reads what the first wrote: SQLite runs units of work one after another, and on
    PostgreSQL reading a person's conversation takes a lock on the person until the transaction ends
    (so workers on several machines handle one person one event at a time)."""
    saved(database, cipher, Conversation("test:6", consented=True))
    _second_writer_waits_for_the_first(database, cipher)


def test_a_write_from_a_stale_read_is_refused(database, cipher):
    """Beneath the lock the version check stays: a save that read nothing finds the row taken."""
    saved(database, cipher, Conversation("test:6", consented=True))
    with unit_of_work(database, cipher) as blind, pytest.raises(StaleDataError):
        blind.conversations.save(Conversation("test:6", state="learn"))


def test_the_migrations_build_exactly_what_the_models_declare(database):
    with database.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_a_fired_timer_leaves_no_row_behind(database, cipher):
    clock = FakeClock()
    with SqlAlchemyUnitOfWork(database, cipher, clock.now) as uow:
        uow.timers.set("case:1:ack", clock.now())
        uow.commit()
    with SqlAlchemyUnitOfWork(database, cipher, clock.now) as uow:
        assert uow.timers.take("case:1:ack", clock.now())
        assert not uow.timers.take("case:1:ack", clock.now())
        uow.commit()
    with database.connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM timers")).scalar_one() == 0


def test_migrations_go_down_and_up_again(database):
    assert is_current(database)
    downgrade(database, "base")
    assert "conversations" not in inspect(database).get_table_names()
    upgrade(database)
    assert {"conversations", "messages", "outcomes"} <= set(inspect(database).get_table_names())


def _second_writer_waits_for_the_first(database: Engine, cipher: Cipher) -> None:
    seen: list[str] = []

    def second() -> None:
        with unit_of_work(database, cipher) as later:
            theirs = later.conversations.get("test:6")
            assert theirs is not None
            seen.append(theirs.state)

    with unit_of_work(database, cipher) as first:
        mine = first.conversations.get("test:6")
        assert mine is not None
        waiting = threading.Thread(target=second)
        waiting.start()
        waiting.join(timeout=0.5)
        assert waiting.is_alive() and seen == [], "the second unit of work began inside the first"
        mine.state = "menu"
        first.conversations.save(mine)
        first.commit()
    waiting.join(timeout=30)
    assert seen == ["menu"]


def test_processes_share_no_scheduler_jobs_only_the_timers_table(database):
    tables = set(inspect(database).get_table_names())
    assert "timers" in tables and "apscheduler_jobs" not in tables
