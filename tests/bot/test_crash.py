"""Crash safety: a real process killed with SIGKILL at named points, then started again.

Covered points: `message_committed` (a message accepted, the reply not yet written),
`case_opened` (a case and its pages written, not yet committed) and `timer_fired` (an
acknowledge timeout taken, its page not yet committed).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

READY = ["/start", "I agree, let's start", "United Kingdom", "a hard week", "6"]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PFA_")}
    # Moderate cases are paged at night too, so that the tests that need a page pass at any hour.
    policy = tmp_path / "policy.toml"
    policy.write_text("page_moderate_at_night = true\n", encoding="utf-8")
    environment.update(
        XDG_DATA_HOME=str(tmp_path / "data"),
        PFA_DATABASE_URL=f"sqlite:///{tmp_path / 'crash.db'}",
        PFA_POLICY_FILE=str(policy),
    )
    return environment


def cli(env: dict[str, str], *arguments: str) -> None:
    command = [sys.executable, "-m", "bot.cli", *arguments]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"pfa-bot {' '.join(arguments)} exited {done.returncode}: {done.stderr}"


def chat(
    env: dict[str, str],
    texts: list[str],
    failpoint: str | None = None,
    linger: float = 0,
    until: Callable[[], bool] | None = None,
) -> tuple[int, list[dict[str, Any]]]:
    """Run `pfa-bot chat --jsonl`, optionally armed to die at `failpoint`.

    Stdin stays open up to `linger` seconds: until the process dies (when armed) or `until()` holds,
    so that a slow machine only makes the test slower, never wrong.
    """
    run_env = {**env, **({"PFA_FAILPOINT": failpoint} if failpoint else {})}
    process = _started_chat(run_env, "crash", texts, stderr=subprocess.DEVNULL)
    _linger(process, linger, until if until is not None else (lambda: False))
    with_stdin_closed = process.communicate(timeout=60)[0]
    return process.returncode, [json.loads(line) for line in with_stdin_closed.splitlines()]


def _started_chat(env: dict[str, str], user: str, texts: list[str], stderr: int) -> subprocess.Popen[str]:
    """`pfa-bot chat --jsonl` as a real process, with `texts` already written to its stdin."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "chat", "--jsonl", "--user", user],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
    )
    assert process.stdin is not None
    for line in texts:
        process.stdin.write(json.dumps({"text": line}) + "\n")
    process.stdin.flush()
    return process


def _linger(process: subprocess.Popen[str], seconds: float, done: Callable[[], bool]) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None and not done():
        time.sleep(0.1)


def rows(env: dict[str, str], query: str) -> list[tuple[Any, ...]]:
    engine = create_engine(env["PFA_DATABASE_URL"])
    with engine.connect() as connection:
        found = [tuple(row) for row in connection.execute(text(query))]
    engine.dispose()
    return found


def test_a_message_accepted_before_the_crash_is_kept_and_the_step_is_not_repeated(env):
    status, _ = chat(env, [*READY[:4]], failpoint="message_committed")
    assert status == -signal.SIGKILL
    assert rows(env, "SELECT state, step FROM conversations") == [("consent", "welcome")]
    status, records = chat(env, [*READY[1:4]])
    assert status == 0 and records[-1]["state"] == "checkin.rating"
    assert rows(env, "SELECT COUNT(*) FROM messages") == [(2,)]


def test_a_crash_between_opening_a_case_and_paging_opens_one_case_with_one_page(env):
    cli(env, "staff", "add", "--name", "Sam Jones", "--role", "counsellor")
    subprocess.run(
        [sys.executable, "-m", "bot.cli", "staff", "console", "--as", "Sam Jones", "--jsonl"],
        env=env,
        input=json.dumps({"text": "/oncall on"}) + "\n",
        capture_output=True,
        text=True,
        check=True,
    )
    status, _ = chat(env, [*READY, "Talk to a person"], failpoint="case_opened")
    assert status == -signal.SIGKILL
    assert rows(env, "SELECT COUNT(*) FROM cases") == [(0,)]
    status, records = chat(env, ["Talk to a person"])
    assert status == 0 and any("has been alerted" in r["text"] for r in records)
    assert rows(env, "SELECT COUNT(*) FROM cases") == [(1,)]
    assert rows(env, "SELECT COUNT(*) FROM outbox WHERE kind = 'page'") == [(1,)]


def test_a_crash_while_a_timer_fires_pages_the_next_level_once_after_restart(env, tmp_path):
    policy = tmp_path / "policy.toml"
    policy.write_text(
        "page_moderate_at_night = true\n"
        '[[levels]]\nname = "counsellors"\ntargets = "on_call_counsellors"\nack_timeout_minutes = 0.02\n'
        '[[levels]]\nname = "supervisors"\ntargets = "on_call_supervisors"\nack_timeout_minutes = 10\n',
        encoding="utf-8",
    )
    env["PFA_POLICY_FILE"] = str(policy)
    cli(env, "staff", "add", "--name", "Sam Jones", "--role", "counsellor")
    cli(env, "staff", "add", "--name", "Sue Park", "--role", "supervisor")
    cli(
        env,
        "rota",
        "override",
        "--name",
        "Sam Jones",
        "--from",
        "2000-01-01T00:00",
        "--to",
        "2100-01-01T00:00",
    )
    cli(
        env,
        "rota",
        "override",
        "--name",
        "Sue Park",
        "--from",
        "2000-01-01T00:00",
        "--to",
        "2100-01-01T00:00",
    )
    status, _ = chat(env, [*READY, "Talk to a person"], failpoint="timer_fired", linger=30)
    assert status == -signal.SIGKILL
    second_page = "SELECT COUNT(*) FROM outbox WHERE kind = 'page' AND recipient = 'staff:2'"
    assert rows(env, second_page) == [(0,)]
    status, _ = chat(env, [], linger=30, until=lambda: rows(env, second_page) == [(1,)])
    assert status == 0
    assert rows(env, "SELECT COUNT(*) FROM outbox WHERE kind = 'page' AND recipient = 'staff:2'") == [(1,)]
    assert rows(env, "SELECT paging_step FROM cases") == [(1,)]
    assert rows(env, "SELECT COUNT(*) FROM case_events WHERE kind = 'timer fired'") == [(1,)]


def test_sigterm_stops_the_console_cleanly_with_the_conversation_saved(env):
    process = _started_chat(env, "term", READY[:3], stderr=subprocess.PIPE)
    assert process.stdout is not None
    for _ in range(3):
        process.stdout.readline()
    process.send_signal(signal.SIGTERM)
    _out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert rows(env, "SELECT state, step FROM conversations") == [("checkin", "story")]
