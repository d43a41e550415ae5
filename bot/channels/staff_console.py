"""The local staff console: receive pages as they happen, claim, relay and resolve, in a terminal.

`pfa-bot staff console --as NAME` prints pages and the person's messages as they arrive; lines
typed are staff commands (/queue, /claim 3, ...) or, without a slash, messages to the person.
`--jsonl` reads `{"text": ...}` lines and writes `{"text", "options", "state", "kind"}` lines.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from bot.channels.polling import Poller
from bot.channels.shutdown import GracefulStop
from bot.staff import SessionEnded, StaffIdentity, StaffService
from flows.oncall.model import StaffMember
from flows.oncall.text import staff_text
from flows.ports import Delivery, StorageUnavailable

STATE = "staff"
# The exit status of a console whose staff member was removed while it ran.
SESSION_ENDED = 3


@dataclass
class StaffConsole:
    """A staff member at the desk in a terminal: commands in, pages and messages out."""

    staff: StaffService
    identity: StaffIdentity
    out: IO[str]
    jsonl: bool = False
    poll_every: float = 0.1
    stop: GracefulStop = field(default_factory=GracefulStop)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    ended: threading.Event = field(default_factory=threading.Event)

    def run(self, lines: Iterable[str]) -> int:
        member = self.staff.member(self.identity)
        if member is None:
            self._write("reply", f"{self.identity.name} is not a registered, active staff member.")
            return 2
        with Poller(lambda: self._poll(member), self.poll_every):
            for line in lines:
                if self.ended.is_set():
                    break
                with self.stop.handling():
                    self._line(line)
        return SESSION_ENDED if self.ended.is_set() else 0

    def _poll(self, member: StaffMember) -> None:
        """Hand over what waits for this member; once they are removed, say so and end the session."""
        if self.ended.is_set():
            return
        try:
            deliveries = self.staff.inbox(member)
        except SessionEnded:
            self.ended.set()
            self._write("ended", staff_text("session_ended"))
            self.stop.stop_from_within()
            return
        self._deliver(deliveries)

    def _line(self, line: str) -> None:
        text = self._text(line)
        if text is None:
            return
        try:
            replies = self.staff.handle(self.identity, text)
        except StorageUnavailable:
            replies = [staff_text("database_unreachable")]
        for reply in replies:
            self._write("reply", reply)

    def _text(self, line: str) -> str | None:
        if not line.strip():
            return None
        if not self.jsonl:
            return line.strip()
        try:
            data = json.loads(line)
        except json.JSONDecodeError:
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("text"), str):
            self._write("error", 'each line needs a "text" string, like {"text": "/queue"}')
            return None
        return str(data["text"])

    def _deliver(self, deliveries: list[Delivery]) -> None:
        for delivery in deliveries:
            options = [str(option) for option in delivery.payload.get("options", [])]
            self._write(delivery.kind, str(delivery.payload.get("text", "")), options, delivery.case_id)

    def _write(self, kind: str, text: str, options: list[str] | None = None, case: int | None = None) -> None:
        with self._lock:
            if self.jsonl:
                record: dict[str, Any] = {
                    "text": text,
                    "options": options or [],
                    "state": STATE,
                    "kind": kind,
                }
                if case is not None:
                    record["case"] = case
                self.out.write(json.dumps(record, ensure_ascii=False) + "\n")
            else:
                self.out.write(f"\n{text}\n" + "".join(f"  → {option}\n" for option in options or []))
            self.out.flush()
