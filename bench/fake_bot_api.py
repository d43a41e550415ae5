"""A Bot API that answers at once, in this process, for benchmarks: what the bot sends is counted
by chat, and nothing leaves the machine.

Only the methods the bot calls are answered with their real shapes (getMe, sendMessage,
editMessageText...); every other method answers `true`, as Telegram does for most setters.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

BOT_USER = {"id": 1, "is_bot": True, "first_name": "pfa", "username": "pfa_bench_bot"}


class FakeBotApi:
    """Serve on a free local port; `url` is the base to give the bot (PFA_TELEGRAM_BASE_URL)."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._sent: dict[int, int] = defaultdict(int)
        self._message_ids = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/bot"

    def __enter__(self) -> FakeBotApi:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def sent(self, chat_id: int) -> int:
        with self._lock:
            return self._sent[chat_id]

    def wait_for(self, chat_id: int, count: int, timeout: float) -> bool:
        """Wait until `count` messages in all were sent to the chat; False past the timeout."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._sent[chat_id] < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(left)
        return True

    def answer(self, method: str, parameters: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method in {"sendMessage", "editMessageText"}:
            chat_id = int(parameters.get("chat_id", 0))
            if method == "sendMessage":
                with self._lock:
                    self._sent[chat_id] += 1
                    self._lock.notify_all()
            return {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
                "from": BOT_USER,
                "text": str(parameters.get("text", "")),
            }
        return True

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                method = self.path.rsplit("/", 1)[-1]
                answer = {"ok": True, "result": api.answer(method, _parameters(self.headers, body))}
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST

            def log_message(self, *args: object) -> None:
                return None

        return Handler


def _parameters(headers: Any, body: bytes) -> dict[str, Any]:
    """PTB posts form fields whose values are JSON; accept a JSON body too."""
    if not body:
        return {}
    if "json" in headers.get("Content-Type", ""):
        loaded = json.loads(body)
        return loaded if isinstance(loaded, dict) else {}
    fields = parse_qs(body.decode(), keep_blank_values=True)
    return {name: _json_or_text(values[0]) for name, values in fields.items()}


def _json_or_text(value: str) -> Any:
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value
