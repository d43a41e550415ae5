"""The local console: talk to pfa-bot in a terminal, or script it line by line in JSON.

`pfa-bot chat` shows numbered options that can be answered by number or by text and counts out
breathing in real time. `pfa-bot chat --jsonl` reads `{"text": ...}` lines and writes one
`{"text", "options", "state"}` line per bot message, flushed at once, for tools and tests.
"""

from __future__ import annotations

import json
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from bot.channels.polling import Poller
from bot.channels.shutdown import GracefulStop
from bot.outbox import OutboxService
from bot.service import ConversationService, Handled
from flows.content import content_for
from flows.events import Choice, Event, parse_text
from flows.intents import Option, Pacing, Reply
from flows.ports import Delivery

LOCAL_USER = "local"
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")


class InputError(ValueError):
    """A line the console cannot take; its message is shown to whoever typed it."""


def console_user_id(user: str) -> str:
    return f"console:{user}"


def clean_text(raw: str) -> str:
    """Drop control characters: a pasted escape sequence must not reach the engine. Length is not
    bounded here: the whole message must be assessed for risk, and storage keeps what it keeps."""
    text = _ANSI_ESCAPE.sub("", raw)
    text = "".join(char for char in text if char in "\n\t" or unicodedata.category(char) != "Cc")
    return text


def decode_line(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError("that line is not valid UTF-8 text") from error


@dataclass
class JsonlConsole:
    """The scripting form: JSON lines in, JSON lines out, one conversation per process.

    Messages that arrive from elsewhere (a staff member's reply, a waiting update) are written as
    they come, in the same line format.
    """

    service: ConversationService
    outbox: OutboxService
    user_id: str
    locale: str | None = None
    poll_every: float = 0.1
    stop: GracefulStop = field(default_factory=GracefulStop)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, lines: Iterable[bytes], out: IO[str]) -> None:
        with Poller(lambda: self._deliver(out), self.poll_every):
            for raw in lines:
                if raw.strip():
                    with self.stop.handling():
                        self._line(raw, out)

    def _line(self, raw: bytes, out: IO[str]) -> None:
        try:
            text = clean_text(_text_field(decode_line(raw)))
        except InputError as error:
            self._write(out, {"error": str(error)})
            return
        handled = self.service.handle(self.user_id, parse_text(text), self.locale)
        for reply in handled.replies:
            self._write(out, reply_record(reply, handled))

    def _deliver(self, out: IO[str]) -> None:
        self.service.replay_spool(self.user_id)
        for delivery in self.outbox.take_deliveries([self.user_id]):
            self._write(out, delivered_record(delivery))

    def _write(self, out: IO[str], record: dict[str, Any]) -> None:
        with self._lock:
            _write(out, record)


def reply_record(reply: Reply, handled: Handled) -> dict[str, Any]:
    record: dict[str, Any] = {
        "text": reply.text,
        "options": [option.label for option in reply.options],
        "state": handled.conversation.position,
    }
    if reply.pacing:
        record["pacing"] = [{"label": p.label, "seconds": p.seconds} for p in reply.pacing.phases]
    return record


def delivered_record(delivery: Delivery) -> dict[str, Any]:
    """An outbox reply in the console's line format (labels only, as with direct replies)."""
    payload = delivery.payload
    record = {
        "text": payload.get("text", ""),
        "options": [option["label"] for option in payload.get("options", [])],
        "state": payload.get("state", ""),
    }
    if "pacing" in payload:
        record["pacing"] = payload["pacing"]
    return record


def _text_field(line: str) -> str:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as error:
        raise InputError(f"not a JSON object: {error.msg}") from error
    except (RecursionError, ValueError) as error:  # nesting too deep, a number too long to read
        raise InputError("not a JSON object this console can read") from error
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        raise InputError('each line needs a "text" string, like {"text": "hello"}')
    return str(data["text"])


def _write(out: IO[str], record: dict[str, Any]) -> None:
    out.write(json.dumps(record, ensure_ascii=False) + "\n")
    out.flush()


@dataclass
class InteractiveConsole:
    """The terminal form: numbered options, answered by number or by their words."""

    service: ConversationService
    outbox: OutboxService
    user_id: str
    read: Callable[[str], str]
    write: Callable[[str], None]
    sleep: Callable[[float], None] = time.sleep
    locale: str | None = None
    write_inline: Callable[[str], None] = field(default=lambda text: print(text, end="", flush=True))
    _language: str = field(default="en", init=False)  # of the last reply, for the goodbye

    def run(self) -> None:
        options = self._show(self.service.handle(self.user_id, parse_text("/start"), self.locale))
        with Poller(self._deliver):
            while True:
                try:
                    raw = self.read("> ")
                except (EOFError, KeyboardInterrupt):
                    raw = LEAVE[0]
                if raw.strip().casefold() in LEAVE:
                    # Leaving the terminal is not a message to the bot: nothing is sent or stored.
                    self.write(f"\n{content_for(self._language).text('common.console_goodbye')}")
                    return
                options = self._turn(raw, options) or options

    def _deliver(self) -> None:
        self.service.replay_spool(self.user_id)
        for delivery in self.outbox.take_deliveries([self.user_id]):
            record = delivered_record(delivery)
            self.write(f"\n{record['text']}")
            for number, label in enumerate(record["options"], start=1):
                self.write(f"  {number}. {label}")

    def _turn(self, raw: str, options: tuple[Option, ...]) -> tuple[Option, ...] | None:
        try:
            text = clean_text(raw)
        except InputError as error:
            self.write(f"({error})")
            return None
        if not text.strip():
            return None
        return self._show(self.service.handle(self.user_id, typed_event(text, options), self.locale))

    def _show(self, handled: Handled) -> tuple[Option, ...]:
        self._language = handled.conversation.language
        shown: tuple[Option, ...] = ()
        for reply in handled.replies:
            self.write(f"\n{reply.text}")
            if reply.pacing:
                self._pace(reply.pacing, handled.conversation.language)
            self._options(reply.options)
            shown = reply.options or shown
        return shown

    def _options(self, options: tuple[Option, ...]) -> None:
        """Numbered options; a 0-10 scale is shown on one line, to be answered with the number itself,
        and what else it offers ("I'm not sure") below it, to be typed in words."""
        scale = [option.label for option in options if option.label.isdigit()]
        if len(scale) > 2:
            self.write("  " + " · ".join(scale))
            for option in options:
                if not option.label.isdigit():
                    self.write(f"  · {option.label}")
            return
        for number, option in enumerate(options, start=1):
            self.write(f"  {number}. {option.label}")

    def _pace(self, pacing: Pacing, language: str) -> None:
        """Count the round out; Ctrl-C stops the count (not the conversation) and the options follow."""
        try:
            self._count(pacing)
        except KeyboardInterrupt:
            self.write(f"\n{content_for(language).text('breathing.count_stopped')}")

    def _count(self, pacing: Pacing) -> None:
        """Count each phase out live, one number a second, so the person can breathe along."""
        for _ in range(pacing.rounds):
            for phase in pacing.phases:
                self.write_inline(f"  {phase.label}…")
                for second in range(1, phase.seconds + 1):
                    self.sleep(1)
                    self.write_inline(f" {second}")
                self.write_inline("\n")


# What leaves the interactive console, besides Ctrl-D and Ctrl-C at the prompt.
LEAVE = ("/quit", "/exit")


def typed_event(text: str, options: tuple[Option, ...]) -> Event:
    """A typed number picks that option, unless the number is itself an option's label (a rating)."""
    stripped = text.strip()
    if any(option.label == stripped for option in options):
        return parse_text(stripped)
    if stripped.isdigit() and 1 <= int(stripped) <= len(options):
        return Choice(options[int(stripped) - 1].id)
    return parse_text(text)
