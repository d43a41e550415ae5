"""Shared fixtures: real databases (SQLite always, PostgreSQL where PFA_TEST_POSTGRES_URL names one)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from storage.database import make_engine
from storage.encryption import Cipher, generate_key
from storage.migrate import upgrade
from tests.fakes import FakeClock

POSTGRES_ENV = "PFA_TEST_POSTGRES_URL"
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without a PostgreSQL URL the PostgreSQL cases are skipped, and say why (CI always sets it)."""
    if os.environ.get(POSTGRES_ENV):
        return
    skip = pytest.mark.skip(reason=f"{POSTGRES_ENV} is not set")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def clock() -> FakeClock:
    """A clock that moves only when the test says so: timers without real waiting."""
    return FakeClock()


@pytest.fixture
def cipher() -> Cipher:
    return Cipher([generate_key().encode()])


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database of each kind for one test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'pfa.db'}"
        return
    url = os.environ[POSTGRES_ENV]
    _reset_postgres(url)
    yield url
    _reset_postgres(url)


@pytest.fixture
def database(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def _reset_postgres(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
