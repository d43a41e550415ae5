"""The real `pfa-bot run` against a local Bot API test server over HTTP.

The server is the npm package telegram-test-api (installed by `.ci/run` into `.ci/node_modules`),
started on 127.0.0.1. It speaks the Bot API to the bot and has a small client API to play the
people: /sendMessage, /sendCallback, and /getUpdates to read what the bot sent to a chat. It lacks
setMyCommands and sendChatAction and differs in a few answers: `tests/e2e/compat.py` is the thin
compatibility layer that the bot talks to instead, forwarding everything else.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.compat import CompatProxy

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / ".ci" / "node_modules"
TOKEN = "424242:E2ETESTTOKENabcdefghijklmnopqrstu"
PERSON, STAFF, GROUP = 7001, 7002, -1007003
WAIT = 30.0
BOT_LOG = "bot.log"

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not (NODE_MODULES / "telegram-test-api").exists(),
    reason="telegram-test-api is not installed (.ci/run installs it with npm)",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server() -> Iterator[str]:
    port = free_port()
    # Kept for ten minutes, not the default one: nothing is dropped while a loaded machine catches up.
    options = f"{{port: {port}, host: '127.0.0.1', storeTimeout: 600}}"
    script = f"const S = require('telegram-test-api'); new S({options}).start();"
    env = {**os.environ, "NODE_PATH": str(NODE_MODULES)}
    process = subprocess.Popen(
        ["node", "-e", script], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    _wait_for(lambda: _answers(url), "the test server to start")
    yield url
    process.terminate()
    process.wait(timeout=10)
    if process.stderr:
        process.stderr.close()


@pytest.fixture
def proxy(server: str) -> Iterator[CompatProxy]:
    with CompatProxy(server) as running:
        yield running


@pytest.fixture
def bot(proxy: CompatProxy, tmp_path: Path) -> Iterator[dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PFA_")}
    env.update(
        PFA_TELEGRAM_TOKEN=TOKEN,
        PFA_TELEGRAM_BASE_URL=proxy.url,
        PFA_STAFF_CHAT_ID=str(GROUP),
        PFA_DATABASE_URL=f"sqlite:///{tmp_path / 'e2e.db'}",
        PFA_TELEGRAM_POLL_INTERVAL="0.05",
        XDG_DATA_HOME=str(tmp_path),
    )
    command = [sys.executable, "-m", "bot.cli"]
    subprocess.run(
        [
            *command,
            "staff",
            "add",
            "--name",
            "Sam Jones",
            "--role",
            "counsellor",
            "--telegram-id",
            str(STAFF),
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    # Its log goes to a file, read on failure: a pipe nobody reads would stall a bot that logs much.
    with (tmp_path / BOT_LOG).open("wb") as log:
        process = subprocess.Popen(
            [*command, "run"], env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=log
        )
        yield env
        process.terminate()
        process.wait(timeout=20)


def logged_problems(folder: Path) -> list[str]:
    """The bot's warnings and errors (its log never holds message text or ids in clear)."""
    lines = (folder / BOT_LOG).read_text(encoding="utf-8", errors="replace").splitlines()
    return [line for line in lines if "WARNING" in line or "ERROR" in line or "Error" in line]


class Chat:
    """One person (or staff member) talking to the bot through the test server's client API."""

    def __init__(
        self, server: str, user_id: int, chat_id: int | None = None, http: httpx.Client | None = None
    ):
        self.server, self.user_id, self.chat_id = server, user_id, chat_id or user_id
        self.seen: list[dict[str, Any]] = []
        # A shared client keeps its connections: a crowd's burst then takes milliseconds, not seconds.
        self._post = http.post if http is not None else httpx.post

    def say(self, text: str) -> None:
        message = {
            "botToken": TOKEN,
            "from": self._user(),
            "chat": self._chat(),
            "text": text,
            "date": int(time.time()),
        }
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        self._post(f"{self.server}/sendMessage", json=message).raise_for_status()

    def press(self, data: str) -> None:
        query = {
            "botToken": TOKEN,
            "from": self._user(),
            "data": data,
            "message": {"message_id": 1, "chat": self._chat(), "date": 0},
        }
        self._post(f"{self.server}/sendCallback", json=query).raise_for_status()

    def expect(self, fragment: str) -> dict[str, Any]:
        """Wait for a bot message to this chat containing `fragment`."""
        found: dict[str, Any] = {}

        def arrived() -> bool:
            answer = httpx.post(
                f"{self.server}/getUpdates", json={"token": TOKEN, "chatId": self.chat_id}
            ).json()
            self.seen += [update["message"] for update in answer["result"]]
            matches = [m for m in self.seen if fragment in str(m.get("text", ""))]
            if matches:
                found.update(matches[0])
                self.seen.remove(matches[0])
            return bool(matches)

        _wait_for(arrived, f"{fragment!r} in chat {self.chat_id}; saw {[m.get('text') for m in self.seen]}")
        return found

    def _user(self) -> dict[str, Any]:
        return {"id": self.user_id, "is_bot": False, "first_name": "Tester", "language_code": "en-GB"}

    def _chat(self) -> dict[str, Any]:
        kind = "private" if self.chat_id > 0 else "supergroup"
        return {"id": self.chat_id, "type": kind, "first_name": "Tester", "title": "staff"}


def buttons(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [row[0]["callback_data"] for row in markup.get("inline_keyboard", [])]


def _answers(url: str) -> bool:
    try:
        return httpx.post(f"{url}/getUpdates", json={"token": "x", "chatId": 1}).status_code == 200
    except httpx.HTTPError:
        return False


def _wait_for(condition: Any, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


def test_a_crisis_reaches_staff_who_claim_it_and_talk_both_ways(server, bot):
    person, staff, group = Chat(server, PERSON), Chat(server, STAFF), Chat(server, STAFF, GROUP)
    staff.say("/oncall on")
    staff.expect("You're on call")
    person.say("/start")
    assert buttons(person.expect("not a person")) == ["o:agree", "o:decline"]
    person.press("o:agree")
    person.expect("United Kingdom")
    person.press("o:yes")
    person.expect("What's going on")
    person.say("I want to kill myself")
    assert "116 123" in person.expect("Thank you for telling me")["text"]
    page = group.expect("Case 1")
    assert buttons(page) == ["claim:1"] and "Paging: Sam Jones" in page["text"]
    group.press("claim:1")
    staff.expect("You have case 1")
    person.expect("Sam from our team has joined")
    person.say("I'm scared")
    staff.expect("Case 1 · person: I'm scared")
    staff.say("I'm here with you.")
    person.expect("Sam (team): I'm here with you.")


CROWD = 40
# Twelve commands, each answered by exactly one message that says which command it answers.
BURST = ["/help", "/menu", "/checkins", "/plan"] * 3
ANSWERS = {
    "/help": "I'm pfa-bot, an automated guide",
    "/menu": "What would help most right now?",
    "/checkins": "You have no check-ins planned.",
    "/plan": "You don't have a safety plan yet.",
}
CONSENT = ["not a person", "United Kingdom", "What's going on"]


class Crowd:
    """Many people at once, each in a private chat and a thread of their own; one history request
    reads every chat."""

    def __init__(self, server: str, http: httpx.Client, first_id: int, people: int):
        self.server, self.http = server, http
        self.chats = [Chat(server, first_id + number, http=http) for number in range(people)]

    def each(self, act: Callable[[Chat], None]) -> None:
        """Everyone acts at the same moment, each from a thread of their own."""
        start = threading.Barrier(len(self.chats))

        def together(chat: Chat) -> None:
            start.wait()
            act(chat)

        with ThreadPoolExecutor(len(self.chats)) as pool:
            list(pool.map(together, self.chats))

    def sent(self) -> dict[int, list[str]]:
        """What the bot has sent to each chat so far, in order."""
        history = self.http.post(f"{self.server}/getUpdatesHistory", json={"token": TOKEN}).json()["result"]
        sent: dict[int, list[str]] = {chat.chat_id: [] for chat in self.chats}
        for update in history:
            message = update.get("message") or {}
            chat_id = int(message.get("chat_id", 0))  # only the bot's own messages name chat_id
            if chat_id in sent:
                sent[chat_id].append(str(message.get("text", "")))
        return sent

    def wait_for_each(self, fragments: list[str]) -> dict[int, list[str]]:
        """Wait until every chat has as many messages as `fragments`, or until nothing more has come
        for WAIT seconds; return what came. (However loaded the machine, answers keep coming.)"""
        sent = self.sent()
        last_progress, count = time.monotonic(), _count(sent)
        while any(len(texts) < len(fragments) for texts in sent.values()):
            if time.monotonic() - last_progress > WAIT:
                break
            time.sleep(0.2)
            sent = self.sent()
            if _count(sent) > count:
                last_progress, count = time.monotonic(), _count(sent)
        return sent


def _count(sent: dict[int, list[str]]) -> int:
    return sum(len(texts) for texts in sent.values())


def unanswered(sent: dict[int, list[str]], fragments: list[str]) -> dict[int, list[str]]:
    """Per chat, what went wrong: each expected answer missing or out of place, and any extra message."""
    wrong: dict[int, list[str]] = {}
    for chat_id, texts in sent.items():
        problems = [
            f"#{number} {fragment!r}: got {texts[number][:40]!r}"
            if number < len(texts)
            else f"#{number} {fragment!r}: none"
            for number, fragment in enumerate(fragments)
            if number >= len(texts) or fragment not in texts[number]
        ]
        problems += [f"extra: {text[:40]!r}" for text in texts[len(fragments) :]]
        if problems:
            wrong[chat_id] = problems
    return wrong


def burst(chat: Chat) -> None:
    for command in BURST:
        chat.say(command)


def test_forty_people_at_once_each_sending_a_burst_get_an_answer_to_every_message(server, bot, tmp_path):
    with httpx.Client(limits=httpx.Limits(max_connections=CROWD)) as http:
        crowd = Crowd(server, http, first_id=8001, people=CROWD)
        crowd.each(lambda chat: chat.say("/start"))
        assert unanswered(crowd.wait_for_each(CONSENT[:1]), CONSENT[:1]) == {}, logged_problems(tmp_path)
        crowd.each(lambda chat: chat.press("o:agree"))
        assert unanswered(crowd.wait_for_each(CONSENT[:2]), CONSENT[:2]) == {}, logged_problems(tmp_path)
        crowd.each(lambda chat: chat.press("o:yes"))
        assert unanswered(crowd.wait_for_each(CONSENT), CONSENT) == {}, logged_problems(tmp_path)
        crowd.each(burst)
        expected = CONSENT + [ANSWERS[command] for command in BURST]
        sent = crowd.wait_for_each(expected)
    assert unanswered(sent, expected) == {}, logged_problems(tmp_path)
    assert _count(sent) == CROWD * len(expected) == 600
