"""The local spool: what people send while the database is unreachable, kept on this machine's disk.

One file an entry, encrypted like every other piece of free text, written to a temporary name,
flushed to disk and then linked under its final name, so that a crash leaves either the whole entry
or none of it. Names sort in the order messages arrived. Several processes may share a folder:
replaying is made exactly-once by the database (the entry's number is recorded as a processed
update in the same transaction that handles it), not by the files.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
from pathlib import Path

from cryptography.fernet import InvalidToken

from flows.ports import Clock, Spool, Spooled
from storage.encryption import Cipher

log = logging.getLogger(__name__)
SUFFIX = ".spool"


class FileSpool(Spool):
    """A folder of encrypted entries, readable and writable by this service's user only."""

    def __init__(self, folder: Path, cipher: Cipher, clock: Clock):
        self._folder = folder
        self._cipher = cipher
        self._clock = clock
        self._last = 0

    def keep(self, user_id: str, text: str, locale: str | None) -> bool:
        body = self._cipher.encrypt(json.dumps({"user": user_id, "text": text, "locale": locale}))
        try:
            self._folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            self._write_new(body)
        except OSError:
            log.exception("keeping a message in the local spool failed")
            return False
        return True

    def waiting(self, user_id: str | None = None) -> list[Spooled]:
        entries = (self._read(path) for path in self._paths())
        return [entry for entry in entries if entry is not None and user_id in (None, entry.user_id)]

    def remove(self, entry: Spooled) -> None:
        with contextlib.suppress(FileNotFoundError):  # another process replayed it first
            (self._folder / _name(entry.number)).unlink()
        self._sync_folder()

    def is_empty(self) -> bool:
        try:
            with os.scandir(self._folder) as found:
                return not any(item.name.endswith(SUFFIX) for item in found)
        except FileNotFoundError:
            return True

    def _write_new(self, body: bytes) -> None:
        # Worker threads of one process spool at once: the thread's id keeps their names apart.
        temporary = self._folder / f".{os.getpid()}-{threading.get_ident()}-{time.monotonic_ns()}.tmp"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(body)
                handle.flush()
                os.fsync(handle.fileno())
            self._link_under_a_fresh_number(temporary)
        finally:
            temporary.unlink(missing_ok=True)
        self._sync_folder()

    def _link_under_a_fresh_number(self, temporary: Path) -> None:
        """A hard link fails rather than overwrite: two processes never take the same number."""
        # Microseconds since the epoch, times 1,000: arrival order, with room for ties.
        number = max(int(self._clock().timestamp() * 1_000_000) * 1_000, self._last + 1)
        while True:
            try:
                os.link(temporary, self._folder / _name(number))
                self._last = number
                return
            except FileExistsError:
                number += 1

    def _paths(self) -> list[Path]:
        try:
            return sorted(self._folder.glob(f"*{SUFFIX}"))
        except FileNotFoundError:
            return []

    def _read(self, path: Path) -> Spooled | None:
        try:
            data = json.loads(self._cipher.decrypt(path.read_bytes()))
        except FileNotFoundError:
            return None  # replayed and removed by another process meanwhile
        except (InvalidToken, ValueError):
            log.error("a spooled message cannot be read with this process's keys; left in place")
            return None
        return Spooled(int(path.stem), str(data["user"]), str(data["text"]), data.get("locale"))

    def _sync_folder(self) -> None:
        """Make the new or removed name itself durable, not only the file's bytes."""
        with contextlib.suppress(OSError):
            descriptor = os.open(self._folder, os.O_RDONLY)
            try:
                os.fsync(descriptor)
            finally:
                os.close(descriptor)


def _name(number: int) -> str:
    return f"{number:020d}{SUFFIX}"
