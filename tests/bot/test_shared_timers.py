"""Timers across processes that share one database: each fires exactly once, and every process keeps
firing timers after others have fired theirs. Real `pfa-bot` processes on SQLite and PostgreSQL.

The ladder: counsellors, then the supervisor, each with a few seconds to acknowledge, then all
staff with ten minutes (so the test sees exactly two acknowledge timers fire per case). Waiting
updates come every few seconds too, so person timers (whose keys hold a person's id) fire as well.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests.bot.test_two_processes import Process

READY = ["/start", "I agree, let's start", "United Kingdom", "a hard week", "6", "Talk to a person"]
ACK_SECONDS = 2.4
POLICY = f"""
repeat = 1
page_moderate_at_night = true
waiting_update_minutes = {ACK_SECONDS / 60}

[[levels]]
name = "counsellors"
targets = "on_call_counsellors"
ack_timeout_minutes = {ACK_SECONDS / 60}

[[levels]]
name = "supervisors"
targets = "on_call_supervisors"
ack_timeout_minutes = {ACK_SECONDS / 60}

[[levels]]
name = "everyone"
targets = "all_staff"
ack_timeout_minutes = 10
"""
# Two acknowledge timeouts, time for a slow machine, and a margin in which a double firing would show.
LADDER_DEADLINE = 40.0
SETTLE = 2 * ACK_SECONDS
ON_TIME = 5.0


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PFA_")}
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY, encoding="utf-8")
    environment.update(
        XDG_DATA_HOME=str(tmp_path / "data"), PFA_POLICY_FILE=str(policy), PFA_LOG_FORMAT="json"
    )
    environment["PFA_DATABASE_URL"] = database_url
    cli(environment, "db", "upgrade")  # a shared PostgreSQL server is migrated on purpose
    for name, role in (("Sam Jones", "counsellor"), ("Sue Park", "supervisor")):
        cli(environment, "staff", "add", "--name", name, "--role", role)
        cli(
            environment,
            "rota",
            "override",
            "--name",
            name,
            "--from",
            "2000-01-01T00:00",
            "--to",
            "2100-01-01T00:00",
        )
    return environment


def cli(env: dict[str, str], *arguments: str) -> None:
    command = [sys.executable, "-m", "bot.cli", *arguments]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"pfa-bot {' '.join(arguments)} exited {done.returncode}: {done.stderr}"


def count(env: dict[str, str], query: str, **values: Any) -> int:
    engine = create_engine(env["PFA_DATABASE_URL"])
    try:
        with engine.connect() as connection:
            return int(connection.execute(text(query), values).scalar_one())
    finally:
        engine.dispose()


def timers_fired(env: dict[str, str], case: int) -> int:
    query = "SELECT COUNT(*) FROM case_events WHERE case_id = :case AND kind = 'timer fired'"
    return count(env, query, case=case)


def lateness(env: dict[str, str], case: int) -> list[float]:
    """For each acknowledge timeout that fired: seconds past its due time (the page before + ACK)."""
    engine = create_engine(env["PFA_DATABASE_URL"])
    query = "SELECT kind, at FROM case_events WHERE case_id = :case ORDER BY id"
    try:
        with engine.connect() as connection:
            events = [(kind, moment(at)) for kind, at in connection.execute(text(query), {"case": case})]
    finally:
        engine.dispose()
    late, paged_at = [], None
    for kind, at in events:
        if kind == "paged":
            paged_at = at
        elif kind == "timer fired" and paged_at is not None:
            late.append((at - paged_at).total_seconds() - ACK_SECONDS)
    return late


def moment(value: Any) -> dt.datetime:
    """A stored time as a datetime (SQLite hands back text)."""
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)


def pages(env: dict[str, str], case: int) -> int:
    return count(env, "SELECT COUNT(*) FROM outbox WHERE kind = 'page' AND case_id = :case", case=case)


def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def open_case(env: dict[str, str], user: str) -> None:
    """A short-lived chat: one person asks for a person, hears staff were alerted, and leaves."""
    with Process(["chat", "--jsonl", "--user", user], env) as person:
        for line in READY:
            person.send(line)
        person.expect("has been alerted")
        assert person.close() == 0


def assert_ladder_fired_once(env: dict[str, str], case: int, *running: Process) -> None:
    """Both acknowledge timeouts fired on time, then nothing more: one page per level and person."""
    assert wait_for(lambda: timers_fired(env, case) >= 2, LADDER_DEADLINE), f"case {case}: ladder stopped"
    time.sleep(SETTLE)
    assert timers_fired(env, case) == 2
    # counsellors (Sam), supervisors (Sue), then everyone (Sam and Sue): four pages, none twice.
    assert pages(env, case) == 4
    # On time: the sweep looks every second; the rest is slack for a loaded machine. (The due time
    # is reckoned a moment before the page is stamped, hence a hair below zero is on time too.)
    late = lateness(env, case)
    # A late timer most often means its firing failed and was retried: show what the processes logged.
    logged = "\n".join(process.stderr[-4000:] for process in running)
    assert all(-0.5 <= each <= ON_TIME for each in late), f"{late}\n{logged}"


def assert_clean_json_log(stderr: str, *names: str) -> None:
    """Every line the process logged is JSON, none is a traceback, and no person's raw id is in it."""
    for line in stderr.splitlines():
        entry = json.loads(line)
        assert entry.get("error") is None, line
    for name in names:
        assert name not in stderr


@pytest.mark.parametrize("survivor", ["chat", "staff console"])
def test_timers_fire_once_and_keep_firing_in_every_process_on_one_database(env, survivor):
    with (
        Process(["staff", "console", "--as", "Sam Jones", "--jsonl"], env) as console,
        Process(["chat", "--jsonl", "--user", "alice"], env) as chat,
    ):
        for line in READY:
            chat.send(line)
        chat.expect("has been alerted")
        assert_ladder_fired_once(env, 1, console, chat)
        # Now only one of the two goes on; a second case's timers must still fire, in that process.
        stopping = console if survivor == "chat" else chat
        assert stopping.close() == 0
        open_case(env, "bob")
        survivor_process = chat if survivor == "chat" else console
        assert_ladder_fired_once(env, 2, survivor_process)
        assert survivor_process.close() == 0
    assert_clean_json_log(console.stderr + chat.stderr, "alice", "bob")
