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
import time
from collections.abc import Iterator
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
    script = f"const S = require('telegram-test-api'); new S({{port: {port}, host: '127.0.0.1'}}).start();"
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
    process = subprocess.Popen(
        [*command, "run"], env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    yield env
    process.terminate()
    process.wait(timeout=20)
    if process.stderr:
        process.stderr.close()


class Chat:
    """One person (or staff member) talking to the bot through the test server's client API."""

    def __init__(self, server: str, user_id: int, chat_id: int | None = None):
        self.server, self.user_id, self.chat_id = server, user_id, chat_id or user_id
        self.seen: list[dict[str, Any]] = []

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
        httpx.post(f"{self.server}/sendMessage", json=message).raise_for_status()

    def press(self, data: str) -> None:
        query = {
            "botToken": TOKEN,
            "from": self._user(),
            "data": data,
            "message": {"message_id": 1, "chat": self._chat(), "date": 0},
        }
        httpx.post(f"{self.server}/sendCallback", json=query).raise_for_status()

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
