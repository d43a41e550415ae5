"""The one place that wires everything: database, encryption, engine and service."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import partial

from sqlalchemy import Engine as DatabaseEngine

from bot.service import ConversationService
from flows.engine import Engine
from storage.database import data_dir, default_database_url, make_engine
from storage.encryption import Cipher, load_cipher
from storage.migrate import is_current, upgrade
from storage.unit_of_work import SqlAlchemyUnitOfWork

DATABASE_ENV = "PFA_DATABASE_URL"


class SetupError(Exception):
    """A setting or the database is not as needed; the message says what to do."""


@dataclass
class App:
    database: DatabaseEngine
    cipher: Cipher
    conversations: ConversationService

    def close(self) -> None:
        self.database.dispose()


def database_url(explicit: str | None = None) -> str:
    return explicit or os.environ.get(DATABASE_ENV) or default_database_url()


def bootstrap(url: str | None = None, cipher: Cipher | None = None) -> App:
    """Build the application on the database at `url` (the embedded SQLite file by default)."""
    database = make_engine(database_url(url))
    _prepare_schema(database)
    cipher = cipher or load_cipher(data_dir() / "encryption.key")
    unit_of_work = partial(SqlAlchemyUnitOfWork, database, cipher)
    return App(database, cipher, ConversationService(Engine(), unit_of_work))


def _prepare_schema(database: DatabaseEngine) -> None:
    """The embedded default migrates itself; a shared server is migrated on purpose, by an operator."""
    if database.dialect.name == "sqlite":
        upgrade(database)
    elif not is_current(database):
        raise SetupError("the database schema is not up to date: run `pfa-bot db upgrade` first")
