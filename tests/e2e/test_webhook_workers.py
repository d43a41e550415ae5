"""Several `pfa-bot run` webhook workers on one PostgreSQL, as behind a load balancer: real
processes, fed real Update JSON over HTTP, answering through telegram-test-api (see
test_telegram_server.py). Every message is answered once and in order whichever worker gets it; an
update delivered to two workers is handled once; a worker killed with outbox rows claimed and
timers set has its pages sent and its timers fired by the others; a claim race has one winner; a
worker killed while handling an update never answers Telegram 200, and the update sent again is
handled once, elsewhere; one killed after committing has its reply sent by another, and the update
sent again is not handled twice; a worker stopped with SIGTERM finishes and answers the update in
hand."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from storage.encryption import generate_key
from tests.bot.test_deploy import healthcheck_command
from tests.conftest import POSTGRES_ENV, _reset_postgres
from tests.e2e.compat import CompatProxy
from tests.e2e.test_telegram_server import TOKEN, free_port, proxy, server  # noqa: F401
from tests.e2e.test_telegram_server import _wait_for as wait_for

SECRET = "workers-secret"
COUNSELLOR, SUPERVISOR, GROUP = 8101, 8102, -1008103
ONBOARDING = [
    ("/start", "Hi, I'm pfa-bot"),
    ("I agree, let's start", "Which country are you in?"),
    ("United Kingdom", "Thanks. I'll show you support for United Kingdom"),
    ("a hard week", "Thank you for telling me"),
    ("6", "Thank you. You said 6"),
]
ACK_SECONDS = 3.0
POLICY = f"""
repeat = 1
page_moderate_at_night = true

[[levels]]
name = "counsellors"
targets = "on_call_counsellors"
ack_timeout_minutes = {ACK_SECONDS / 60}

[[levels]]
name = "supervisors"
targets = "on_call_supervisors"
ack_timeout_minutes = 10
"""
pytestmark = pytest.mark.postgres


class Worker:
    """One `pfa-bot run` in webhook mode on its own port, with its own spool (its own machine)."""

    def __init__(self, env: dict[str, str], folder: Path, name: str, **extra: str):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.url = f"{self.base}/hook"
        spool = folder / name
        spool.mkdir()
        self.log_path = folder / f"{name}.log"
        worker_env = {**env, "PFA_WEBHOOK_URL": self.url, "PFA_WEBHOOK_PORT": str(self.port)}
        worker_env.update(PFA_SPOOL_DIR=str(spool), **extra)
        self.log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run"],
            env=worker_env,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )
        wait_for(self._listening, f"worker {name} to listen")

    def post(self, update: dict[str, Any]) -> None:
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        httpx.post(self.url, json=update, headers=headers, timeout=30).raise_for_status()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self.log.close()

    def _listening(self) -> bool:
        if self.process.poll() is not None:
            pytest.fail(f"a worker exited with {self.process.returncode}")
        try:
            return httpx.post(self.url, json={}, timeout=2).status_code == 403  # no secret: refused
        except httpx.HTTPError:
            return False


@pytest.fixture
def env(proxy: CompatProxy, tmp_path: Path) -> dict[str, str]:  # noqa: F811
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"{POSTGRES_ENV} is not set")
    _reset_postgres(url)
    policy = tmp_path / "policy.toml"
    policy.write_text(POLICY, encoding="utf-8")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PFA_")}
    environment.update(
        PFA_TELEGRAM_TOKEN=TOKEN,
        PFA_TELEGRAM_BASE_URL=proxy.url,
        PFA_STAFF_CHAT_ID=str(GROUP),
        PFA_DATABASE_URL=url,
        PFA_WEBHOOK_SECRET=SECRET,
        PFA_ENCRYPTION_KEY=generate_key(),
        PFA_POLICY_FILE=str(policy),
        PFA_OUTBOX_LEASE_SECONDS="2",
        XDG_DATA_HOME=str(tmp_path / "data"),
    )
    cli(environment, "db", "upgrade")
    for name, role, telegram_id in (
        ("Sam Jones", "counsellor", COUNSELLOR),
        ("Sue Park", "supervisor", SUPERVISOR),
    ):
        cli(environment, "staff", "add", "--name", name, "--role", role, "--telegram-id", str(telegram_id))
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


@pytest.fixture
def workers(env: dict[str, str], tmp_path: Path) -> Iterator[list[Worker]]:
    started: list[Worker] = []
    yield started
    for worker in started:
        worker.stop()


def image_healthcheck(port: int) -> int:
    """The container image's HEALTHCHECK, run here against a worker's port: its exit status."""
    command = [sys.executable if word == "python" else word for word in healthcheck_command()]
    environment = {**os.environ, "PFA_WEBHOOK_PORT": str(port)}
    return subprocess.run(command, env=environment, capture_output=True, timeout=30).returncode


def cli(env: dict[str, str], *arguments: str) -> None:
    subprocess.run([sys.executable, "-m", "bot.cli", *arguments], env=env, check=True, capture_output=True)


class Updates:
    """Real Update JSON, numbered as Telegram numbers them."""

    def __init__(self) -> None:
        self.next_id = 1000

    def text(self, chat_id: int, text: str) -> dict[str, Any]:
        self.next_id += 1
        person = {"id": chat_id, "is_bot": False, "first_name": "Tester", "language_code": "en"}
        kind = "private" if chat_id > 0 else "supergroup"
        message: dict[str, Any] = {
            "message_id": self.next_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": kind, "first_name": "Tester", "title": "staff"},
            "from": person,
            "text": text,
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return {"update_id": self.next_id, "message": message}

    def press(self, user_id: int, chat_id: int, data: str) -> dict[str, Any]:
        self.next_id += 1
        person = {"id": user_id, "is_bot": False, "first_name": "Tester"}
        chat = {"id": chat_id, "type": "supergroup", "title": "staff"}
        query = {
            "id": str(self.next_id),
            "from": person,
            "chat_instance": "0",
            "data": data,
            "message": {"message_id": 1, "date": 0, "chat": chat},
        }
        return {"update_id": self.next_id, "callback_query": query}


def sent_to(server: str, chat_id: int) -> list[str]:  # noqa: F811
    """Everything the bot has sent to a chat so far, in the order the test server got it."""
    answer = httpx.post(f"{server}/getUpdates", json={"token": TOKEN, "chatId": chat_id}).json()
    return [str(update["message"].get("text", "")) for update in answer["result"]]


class Transcript:
    """What one chat has been sent, read as it grows (the test server hands each message once)."""

    def __init__(self, server: str, chat_id: int):  # noqa: F811
        self.server, self.chat_id, self.texts = server, chat_id, list[str]()

    def wait_for(self, count: int) -> list[str]:
        def enough() -> bool:
            self.texts += sent_to(self.server, self.chat_id)
            return len(self.texts) >= count

        wait_for(enough, f"{count} messages in chat {self.chat_id}; got {len(self.texts)}")
        return self.texts


def test_every_message_is_answered_once_and_in_order_whichever_worker_gets_it(server, env, workers, tmp_path):  # noqa: F811
    workers += [Worker(env, tmp_path, f"w{n}") for n in range(3)]
    updates = Updates()

    def person(chat_id: int) -> list[str]:
        transcript = Transcript(server, chat_id)
        for turn, (typed, _) in enumerate(ONBOARDING):
            update = updates.text(chat_id, typed)
            workers[(chat_id + turn) % 3].post(update)
            if turn == 2:  # Telegram delivered this one twice, to two workers at once
                with ThreadPoolExecutor(2) as both:
                    list(both.map(lambda w, u=update: w.post(u), workers[:2]))
            transcript.wait_for(turn + 1)
        return transcript.texts

    with ThreadPoolExecutor(6) as people:
        transcripts = list(people.map(person, range(9001, 9007)))
    time.sleep(2)  # a double answer would arrive in this margin
    for chat_id, texts in zip(range(9001, 9007), transcripts, strict=True):
        texts += sent_to(server, chat_id)
        assert len(texts) == len(ONBOARDING)
        for text, (_, expected) in zip(texts, ONBOARDING, strict=True):
            assert expected in text


def test_a_killed_workers_pages_and_timers_are_taken_over_and_a_claim_race_has_one_winner(
    server,  # noqa: F811
    env,
    workers,
    tmp_path,
):
    updates = Updates()
    first = Worker(env, tmp_path, "doomed", PFA_FAILPOINT="deliveries_claimed")
    workers.append(first)
    first.post(updates.text(COUNSELLOR, "/oncall on"))
    Transcript(server, COUNSELLOR).wait_for(1)
    first.post(updates.text(SUPERVISOR, "/oncall on"))
    Transcript(server, SUPERVISOR).wait_for(1)
    person = Transcript(server, 9100)
    for turn, (typed, _) in enumerate(ONBOARDING):
        first.post(updates.text(9100, typed))
        person.wait_for(turn + 1)
    # The page goes to the outbox; the worker claims it and is killed before sending it, which may
    # be before it has answered this very request (its outbox runs beside the request).
    with contextlib.suppress(httpx.TransportError):
        first.post(updates.text(9100, "Talk to a person"))
    wait_for(lambda: first.process.poll() is not None, "the worker to die at its claim")
    assert first.process.returncode == -signal.SIGKILL
    others = [Worker(env, tmp_path, f"w{n}") for n in range(2)]
    workers += others
    group = Transcript(server, GROUP)
    pages = group.wait_for(1)
    assert "Paging: Sam Jones" in pages[0]
    # Nobody acknowledged: the timer the dead worker set fires on a live one, once.
    pages = group.wait_for(2)
    assert "Paging: Sue Park" in pages[1]
    case = pages[0].split("Case ", 1)[1].split()[0] if "Case " in pages[0] else ""
    race = [
        updates.press(COUNSELLOR, GROUP, f"claim:{case}"),
        updates.press(SUPERVISOR, GROUP, f"claim:{case}"),
    ]
    with ThreadPoolExecutor(2) as both:
        list(both.map(lambda pair: pair[0].post(pair[1]), zip(others, race, strict=True)))
    time.sleep(3 + ACK_SECONDS)
    group.texts += sent_to(server, GROUP)
    answers = [*sent_to(server, COUNSELLOR), *sent_to(server, SUPERVISOR)]
    assert len(group.texts) == 2, group.texts  # each page once; no third level, the case was taken
    assert sum(f"You have case {case}." in text for text in answers) == 1, answers
    assert sum(f"Case {case} is already with" in text for text in answers) == 1, answers


def test_a_worker_killed_while_handling_never_says_200_and_the_update_sent_again_is_handled_once(
    server,  # noqa: F811
    env,
    workers,
    tmp_path,
):
    doomed = Worker(env, tmp_path, "doomed", PFA_FAILPOINT="message_handled")
    workers.append(doomed)
    assert httpx.get(f"{doomed.base}/readyz", timeout=10).json() == {"ready": True}
    assert image_healthcheck(doomed.port) == 0
    updates, person = Updates(), Transcript(server, 9300)
    start = updates.text(9300, "/start")
    # Killed after handling began and before it committed: the request ends without an answer, so
    # Telegram would send the update again.
    with pytest.raises(httpx.TransportError):
        doomed.post(start)
    assert doomed.process.wait(timeout=20) == -signal.SIGKILL
    assert image_healthcheck(doomed.port) != 0
    others = [Worker(env, tmp_path, f"w{n}") for n in range(2)]
    workers += others
    with ThreadPoolExecutor(2) as both:  # sent again, and to two workers at once
        list(both.map(lambda worker: worker.post(start), others))
    assert "Hi, I'm pfa-bot" in person.wait_for(1)[0]
    others[1].post(updates.text(9300, "I agree, let's start"))
    assert "Which country are you in?" in person.wait_for(2)[1]
    time.sleep(2)  # a double answer would arrive in this margin
    assert len(person.texts + sent_to(server, 9300)) == 2


def test_a_worker_killed_after_the_commit_has_its_reply_sent_by_another_and_the_update_not_redone(
    server,  # noqa: F811
    env,
    workers,
    tmp_path,
):
    doomed = Worker(env, tmp_path, "doomed", PFA_FAILPOINT="message_committed")
    other = Worker(env, tmp_path, "w0")
    workers += [doomed, other]
    updates, person = Updates(), Transcript(server, 9500)
    start = updates.text(9500, "/start")
    # Killed after the handling committed, before the reply went out and before Telegram heard 200.
    with pytest.raises(httpx.TransportError):
        doomed.post(start)
    assert doomed.process.wait(timeout=20) == -signal.SIGKILL
    other.post(start)  # sent again: already handled, so not handled twice
    # The reply waited in the outbox, held by the dead worker; the other sends it once the hold lapses.
    assert "Hi, I'm pfa-bot" in person.wait_for(1)[0]
    other.post(updates.text(9500, "I agree, let's start"))
    assert "Which country are you in?" in person.wait_for(2)[1]
    time.sleep(3)  # a double answer (the update handled twice, or the reply sent twice) would come now
    assert len(person.texts + sent_to(server, 9500)) == 2


def test_sigterm_lets_a_worker_finish_and_answer_the_update_in_hand(server, env, workers, tmp_path):  # noqa: F811
    worker = Worker(env, tmp_path, "leaving", PFA_FAILPOINT="message_handled:pause=2")
    workers.append(worker)
    with ThreadPoolExecutor(1) as sender:
        answered = sender.submit(worker.post, Updates().text(9400, "/start"))
        wait_for(lambda: b"failpoint message_handled: pausing" in worker.log_path.read_bytes(), "the pause")
        worker.process.terminate()
        answered.result(timeout=30)  # 200, not a dropped connection
    assert worker.process.wait(timeout=30) == 0
    assert "Hi, I'm pfa-bot" in Transcript(server, 9400).wait_for(1)[0]
