"""A thin compatibility layer between the real bot and telegram-test-api.

The test server speaks most of the Bot API the bot uses, with a few differences that a real
client library cannot accept. This proxy, on 127.0.0.1, forwards every call and fixes the answers:
- getMe lacks `is_bot`: added (true).
- message dates are in milliseconds: turned into seconds.
- methods it returns `null` for (answerCallbackQuery) answer `true`, as Telegram does.
- callback queries lack `chat_instance`: added.
- setMyCommands and sendChatAction are unknown to it: answered `true` here; so are setWebhook and
  deleteWebhook, so that tests post updates to webhook workers themselves.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

ANSWERED_HERE = {"setMyCommands", "sendChatAction", "deleteMyCommands", "setWebhook", "deleteWebhook"}
MILLISECONDS = 10**11  # a date above this is in milliseconds


def fix_dates(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: (v // 1000 if k == "date" and isinstance(v, int) and v > MILLISECONDS else fix_dates(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [fix_dates(item) for item in value]
    return value


def fixed(method: str, answer: dict[str, Any]) -> dict[str, Any]:
    result = answer.get("result")
    if method == "getMe" and isinstance(result, dict):
        result = {"is_bot": True, **result}
    if method == "getUpdates" and isinstance(result, list):
        result = [_with_chat_instance(update) for update in result]
    if answer.get("ok") and result is None:
        result = True
    return {**answer, "result": fix_dates(result)}


def _with_chat_instance(update: dict[str, Any]) -> dict[str, Any]:
    query = update.get("callback_query")
    if isinstance(query, dict):
        return {**update, "callback_query": {"chat_instance": "0", **query}}
    return update


class CompatProxy:
    """Serve on a free local port; `url` is the Bot API base to give the bot (ends with /bot)."""

    def __init__(self, upstream: str):
        self.upstream = upstream
        # One client for every forwarded call: a new one per call costs tens of milliseconds of CPU,
        # enough to make the bot's requests time out with many people at once on a loaded machine.
        self._http = httpx.Client(timeout=30, limits=httpx.Limits(max_connections=100))
        handler = self._handler()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/bot"

    def __enter__(self) -> CompatProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._http.close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        upstream, http = self.upstream, self._http

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self._answer()

            def do_GET(self) -> None:
                self._answer()

            def log_message(self, *args: object) -> None:
                return None

            def _answer(self) -> None:
                method = self.path.rsplit("/", 1)[-1].split("?", 1)[0]
                if method in ANSWERED_HERE:
                    return self._send({"ok": True, "result": True})
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {
                    "Content-Type": self.headers.get("Content-Type", "application/x-www-form-urlencoded")
                }
                answer = http.post(upstream + self.path, content=body, headers=headers).json()
                return self._send(fixed(method, answer))

            def _send(self, answer: dict[str, Any]) -> None:
                payload = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        return Handler
