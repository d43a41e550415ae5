"""The conversation service on a real database: saved after every message, fail-safe, restartable."""

from __future__ import annotations

from functools import partial

import pytest
from sqlalchemy import Engine, func, select

from bot.bootstrap import App, SetupError, bootstrap
from bot.service import ConversationService
from flows.engine import Engine as FlowEngine
from flows.events import parse_text
from storage.encryption import Cipher
from storage.models import ConversationRecord, MessageRecord, OutcomeRecord
from storage.unit_of_work import SqlAlchemyUnitOfWork

PERSON = "console:test"


def say(app: App, *texts: str) -> str:
    """The person says each text in turn; returns where the conversation is after the last."""
    handled = None
    for typed in texts:
        handled = app.conversations.handle(PERSON, parse_text(typed))
    assert handled is not None
    return handled.conversation.position


def rows(database: Engine, model: type) -> int:
    with database.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(model)).scalar_one())


def test_nothing_beyond_consent_is_stored_before_the_person_agrees(database, database_url, cipher):
    app = bootstrap(database_url, cipher)
    say(app, "/start", "what is this?", "/sos")
    stored = app.conversations.conversation(PERSON)
    assert (stored.position, stored.consented, stored.answers) == ("consent.welcome", False, {})
    assert rows(database, MessageRecord) == 0
    say(app, "I agree, let's start")
    assert app.conversations.conversation(PERSON).consented
    app.close()


def test_declining_leaves_nothing_behind(database, database_url, cipher):
    app = bootstrap(database_url, cipher)
    assert say(app, "/start", "Not now") == "ended"
    assert rows(database, ConversationRecord) == 0
    assert say(app, "hello") == "consent.welcome"
    app.close()


def test_a_restart_continues_at_exactly_the_same_step(database, database_url, cipher):
    first = bootstrap(database_url, cipher)
    assert (
        say(first, "/start", "ok", "uk", "tired", "6", "grounding", "senses", "a lamp") == "grounding.touch"
    )
    first.close()
    second = bootstrap(database_url, cipher)
    assert second.conversations.conversation(PERSON).position == "grounding.touch"
    assert say(second, "my sleeve") == "grounding.hear"
    second.close()


def test_messages_after_consent_are_kept_encrypted_and_outcomes_without_text(database, database_url, cipher):
    app = bootstrap(database_url, cipher)
    say(app, "/start", "ok", "uk", "STORY-MARKER", "7", "done", "6")
    assert rows(database, OutcomeRecord) == 1
    with database.connect() as connection:
        bodies = connection.execute(select(MessageRecord.body)).scalars().all()
    assert len(bodies) == 5
    assert all(b"STORY-MARKER" not in bytes(body) for body in bodies)
    app.close()


def test_forget_erases_the_person(database, database_url, cipher):
    app = bootstrap(database_url, cipher)
    say(app, "/start", "ok", "uk", "tired", "6", "/forget", "Yes, erase everything")
    assert rows(database, ConversationRecord) == 0
    assert rows(database, MessageRecord) == 0
    app.close()


class FailingUnitOfWork(SqlAlchemyUnitOfWork):
    """A real unit of work whose commits fail while `failures` lasts: a database that hiccups."""

    failures = 0

    def commit(self) -> None:
        if FailingUnitOfWork.failures > 0:
            FailingUnitOfWork.failures -= 1
            raise ConnectionError("database went away")
        super().commit()


def test_a_failure_still_answers_with_the_crisis_lines_and_keeps_the_message(database, cipher, clock):
    factory = partial(FailingUnitOfWork, database, cipher, clock.now)
    service = ConversationService(FlowEngine(), factory, clock.now)
    for typed in ("/start", "ok", "uk"):
        service.handle(PERSON, parse_text(typed))
    FailingUnitOfWork.failures = 1
    handled = service.handle(PERSON, parse_text("nobody listens to me"))
    (reply,) = handled.replies
    assert "something went wrong" in reply.text and "116 123" in reply.text
    with SqlAlchemyUnitOfWork(database, cipher, clock.now) as uow:
        assert uow.messages.recent(PERSON, 1) == ["nobody listens to me"]
        assert uow.conversations.get(PERSON).position == "checkin.story"
    assert service.handle(PERSON, parse_text("still here")).conversation.position == "checkin.rating"


def test_a_wrong_key_cannot_read_what_was_written(database, database_url, cipher):
    app = bootstrap(database_url, cipher)
    say(app, "/start", "ok", "uk", "private words")
    app.close()
    with pytest.raises(SetupError, match="holds none of the keys"):  # refused before it writes
        bootstrap(database_url, Cipher([b"x" * 43 + b"="]))


def test_a_flood_of_messages_gets_one_calm_answer_and_still_lets_a_crisis_through(
    database, database_url, cipher, clock
):
    app = bootstrap(database_url, cipher)
    say(app, "/start", "I agree, let's start", "United Kingdom")
    answers = [app.conversations.handle(PERSON, parse_text(f"spam {n}")).replies for n in range(30)]
    calm = [replies for replies in answers if replies and "slow down" in replies[0].text]
    assert len(calm) == 1
    assert sum(1 for replies in answers if not replies) >= 8
    worried = app.conversations.handle(PERSON, parse_text("i dont want to be here anymore")).replies
    assert worried and "slow down" not in worried[0].text
    assert app.conversations.conversation(PERSON).state == "screening"
    crisis = app.conversations.handle(PERSON, parse_text("I want to kill myself")).replies
    assert "116 123" in crisis[0].text
    with SqlAlchemyUnitOfWork(database, cipher, clock.now) as uow:
        assert "spam 29" in uow.messages.recent(PERSON, 3)
    app.close()
