"""A web chat message whose process dies while handling it is not lost: sent again by the page
(after its lost answer, with the same id) to the next process, it is handled, once.

Real `pfa-bot web` processes on one SQLite file. The first is killed (SIGKILL) inside the handling
transaction, after the reply was written and before the commit: a check that the message was new,
made in a transaction of its own before the handling, would have recorded it there, and the
page's second try would have been dropped as already handled, with nothing ever answered.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.bot.test_two_processes import cli
from tests.e2e.test_telegram_server import free_port

WAIT = 30.0
WELCOME = "Hi, I'm pfa-bot"


class Web:
    """One `pfa-bot web` process on a free port, logging to a file."""

    def __init__(self, env: dict[str, str], folder: Path, name: str, **extra: str):
        self.url = f"http://127.0.0.1:{free_port()}"
        self._log_path = folder / f"{name}.log"
        with self._log_path.open("wb") as log:
            command = [sys.executable, "-m", "bot.cli", "web", "--port", self.url.rsplit(":", 1)[1]]
            self.process = subprocess.Popen(command, env={**env, **extra}, stdout=log, stderr=log)
        self._wait_answering()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
        self.process.wait(timeout=WAIT)

    def _wait_answering(self) -> None:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.process.kill()
        self.process.wait(timeout=WAIT)
        pytest.fail(f"pfa-bot web did not answer: {self._log_path.read_text()}")


def texts(answer: dict[str, Any]) -> list[str]:
    return [str(row.get("text", "")) for row in answer["messages"]]


def test_a_message_whose_process_died_while_handling_it_is_handled_once_when_sent_again(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PFA_")}
    env.update(XDG_DATA_HOME=str(tmp_path / "data"), PFA_DATABASE_URL=f"sqlite:///{tmp_path / 'web.db'}")
    cli(env, "db", "upgrade")
    doomed = Web(env, tmp_path, "doomed", PFA_FAILPOINT="message_handled")
    message = {"text": "hello", "id": 1}
    with httpx.Client(base_url=doomed.url, timeout=WAIT) as page:
        page.get("/")  # the page's key, in its cookie
        with pytest.raises(httpx.TransportError):
            page.post("/chat/send", json=message)
        cookies = page.cookies
    assert doomed.process.wait(timeout=WAIT) == -signal.SIGKILL
    survivor = Web(env, tmp_path, "survivor")
    try:
        with httpx.Client(base_url=survivor.url, cookies=cookies, timeout=WAIT) as page:
            first = page.post("/chat/send", json=message).json()
            assert any(WELCOME in text for text in texts(first))
            seen = max(row["id"] for row in first["messages"])
            again = page.post("/chat/send", json={**message, "seen": seen}).json()
        assert again["messages"] == []  # the same message once more: handled once, nothing new
    finally:
        survivor.stop()
