"""The whole loop across two processes on one database: a person's chat and a counsellor's console."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.policies import policy_file

TIMEOUT = 20.0
TO_A_PERSON = ("/start", "I agree, let's start", "United Kingdom", "exhausted", "6", "Talk to a person")


class Process:
    """A `pfa-bot ... --jsonl` process: send lines, wait for the line that matters."""

    def __init__(self, arguments: list[str], env: dict[str, str]):
        self._process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", *arguments],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            # A process stuck past a timeout is sent SIGABRT: it prints every thread's stack first.
            env={**env, "PYTHONFAULTHANDLER": "1"},
            text=True,
        )
        self._lines: queue.Queue[dict[str, Any]] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        # Read stderr as it comes (a full pipe would block the process); tests check what it logged.
        self._errors: list[str] = []
        self._error_reader = threading.Thread(target=self._read_errors, daemon=True)
        self._error_reader.start()

    @property
    def stderr(self) -> str:
        """What the process wrote to stderr (all of it once the process has been closed)."""
        return "".join(self._errors)

    def send(self, text: str) -> None:
        assert self._process.stdin is not None
        self._process.stdin.write(json.dumps({"text": text}) + "\n")
        self._process.stdin.flush()

    def expect(self, fragment: str) -> dict[str, Any]:
        """The first line whose text holds `fragment`, skipping others; fails after a timeout."""
        seen = []
        while True:
            try:
                record = self._lines.get(timeout=TIMEOUT)
            except queue.Empty:
                pytest.fail(f"never saw {fragment!r}; saw {seen}")
            seen.append(record.get("text"))
            if fragment in str(record.get("text")):
                return record

    def exits_by_itself(self) -> int:
        """The exit status of a process that ends on its own, its input still open."""
        return self._exit_status("end by itself")

    def close(self) -> int:
        assert self._process.stdin is not None
        self._process.stdin.close()
        status = self._exit_status("end at the end of its input")
        self._reader.join(timeout=TIMEOUT)
        self._error_reader.join(timeout=TIMEOUT)
        for stream in (self._process.stdout, self._process.stderr):
            if stream is not None:
                stream.close()
        return status

    def _exit_status(self, what: str) -> int:
        """Wait for the process to end; one that does not in time fails the test with the stack of
        each of its threads, which says where it was stuck."""
        try:
            return self._process.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self._process.send_signal(signal.SIGABRT)
            self._process.wait(timeout=TIMEOUT)
            self._error_reader.join(timeout=TIMEOUT)
            stacks = self.stderr[-6000:]
            pytest.fail(f"the process did not {what} within {TIMEOUT:.0f} s; it was at:\n{stacks}")

    def __enter__(self) -> Process:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait(timeout=TIMEOUT)
        self.close()

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            self._lines.put(json.loads(line))

    def _read_errors(self) -> None:
        assert self._process.stderr is not None
        for line in self._process.stderr:
            self._errors.append(line)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    environment = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data")}
    environment["PFA_DATABASE_URL"] = f"sqlite:///{tmp_path / 'shared.db'}"
    environment["PFA_POLICY_FILE"] = str(policy_file(tmp_path))
    return environment


def cli(env: dict[str, str], *arguments: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", *arguments], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_person_and_a_counsellor_talk_across_two_processes(env):
    cli(env, "staff", "add", "--name", "Sam Jones", "--role", "counsellor")
    assert "Sam Jones · counsellor" in cli(env, "staff", "list")
    with (
        Process(["staff", "console", "--as", "Sam Jones", "--jsonl"], env) as counsellor,
        Process(["chat", "--jsonl", "--user", "alice"], env) as person,
    ):
        talk(counsellor, person)


def talk(counsellor: Process, person: Process) -> None:
    counsellor.send("/oncall on")
    counsellor.expect("You're on call")
    for text in TO_A_PERSON:
        person.send(text)
    assert person.expect("has been alerted")["state"] == "waiting_for_staff"
    page = counsellor.expect("Case 1")
    assert page["kind"] == "page" and page["options"] == ["/claim 1"]
    counsellor.send("/claim 1")
    counsellor.expect("You have case 1")
    assert person.expect("Sam from our team has joined")["state"] == "with_staff"
    person.send("I can't stop shaking")
    assert counsellor.expect("Case 1 · person: I can't stop shaking")["kind"] == "relay"
    counsellor.send("I'm here. Let's slow your breathing together.")
    person.expect("Sam (team): I'm here. Let's slow your breathing together.")
    counsellor.send("/resolve 1 de-escalated")
    counsellor.expect("Case 1 resolved")
    assert person.expect("closed this conversation")["state"] == "menu"
    assert person.close() == 0
    assert counsellor.close() == 0


def test_removing_a_counsellor_ends_their_running_console_and_returns_the_case_at_once(env):
    cli(env, "staff", "add", "--name", "Sam Jones", "--role", "counsellor")
    cli(env, "staff", "add", "--name", "Alex Lee", "--role", "counsellor")
    with (
        Process(["staff", "console", "--as", "Sam Jones", "--jsonl"], env) as sam,
        Process(["staff", "console", "--as", "Alex Lee", "--jsonl"], env) as alex,
        Process(["chat", "--jsonl", "--user", "alice"], env) as person,
    ):
        for counsellor in (sam, alex):
            counsellor.send("/oncall on")
            counsellor.expect("You're on call")
        for text in TO_A_PERSON:
            person.send(text)
        person.expect("has been alerted")
        sam.expect("Case 1")
        sam.send("/claim 1")
        sam.expect("You have case 1")
        person.expect("Sam from our team has joined")
        alex.expect("Case 1 was claimed by Sam Jones")

        assert "removed Sam Jones" in cli(env, "staff", "remove", "--name", "Sam Jones")
        assert sam.expect("no longer on the staff register")["kind"] == "ended"
        assert sam.exits_by_itself() == 3  # ended at once, though its input was still open
        assert person.expect("had to step away")["state"] == "waiting_for_staff"
        assert alex.expect("Case 1")["kind"] == "page"  # back in the queue and paged afresh

        alex.send("/claim 1")
        alex.expect("You have case 1")
        person.expect("Alex from our team has joined")
        person.send("is anyone there")
        assert alex.expect("is anyone there")["kind"] == "relay"
        assert person.close() == 0
        assert alex.close() == 0
