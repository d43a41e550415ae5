"""The people on the web chat: who a browser is (a random key in a cookie), how fast it and its
address may send, and which language and country the browser hints at.

No account and no store of sessions: the cookie holds a random key; the person's conversation is
filed under `web:` and the key's SHA-256, so the conversation row is the server-side session and
a copy of the database cannot be used to take a conversation over. The cookie lasts until the
browser closes (a shared phone forgets it), and a new key replaces it when the conversation is
erased, so nothing links the old conversation to the new one.
"""

from __future__ import annotations

import collections
import datetime as dt
import hashlib
import re
import secrets
import threading

from flows.content import available_languages

CHANNEL = "web"
COOKIE = "pfa_chat"
# What secrets.token_urlsafe(32) makes: 43 URL-safe characters. Anything else is not our key.
KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")


def new_key() -> str:
    return secrets.token_urlsafe(32)


def user_id_of(key: str) -> str | None:
    """The conversation a cookie's key opens, or None for something that is not a key of ours."""
    if not KEY_PATTERN.fullmatch(key):
        return None
    return f"{CHANNEL}:{hashlib.sha256(key.encode()).hexdigest()[:40]}"


def locale_of(accept_language: str) -> str | None:
    """The browser's first language we have words for, with its region (`es-MX`): the engine takes
    the language for its replies and the region as the first guess of the country's lines."""
    tags = [part.split(";")[0].strip() for part in accept_language.split(",")]
    for tag in tags:
        if tag.split("-")[0].lower() in available_languages():
            return tag[:20]
    return None


def language_of(locale: str | None) -> str:
    language = (locale or "").split("-")[0].lower()
    return language if language in available_languages() else available_languages()[0]


class SlidingLimit:
    """At most `limit` events per key in a sliding `window`; shared by every request thread, so each
    check-then-count is done under one lock. Keys idle past the window are dropped as they are met,
    so the table does not grow with every address ever seen."""

    def __init__(self, limit: int, window: dt.timedelta, most_keys: int = 100_000):
        self._limit, self._window, self._most = limit, window, most_keys
        self._seen: collections.OrderedDict[str, collections.deque[dt.datetime]] = collections.OrderedDict()
        self._lock = threading.Lock()

    def allow(self, key: str, now: dt.datetime) -> bool:
        """Count one event for `key` now; False when that goes past the limit (it is still counted)."""
        with self._lock:
            seen = self._seen.setdefault(key, collections.deque())
            self._seen.move_to_end(key)
            while seen and now - seen[0] > self._window:
                seen.popleft()
            seen.append(now)
            self._forget_oldest()
            return len(seen) <= self._limit

    def _forget_oldest(self) -> None:
        while len(self._seen) > self._most:
            self._seen.popitem(last=False)


class WebLimits:
    """How fast one address may send messages and start conversations. The per-person limit is the
    conversation service's own (FloodGuard); this one stops one address from flooding the service
    with many fresh conversations. A message carrying any risk is never refused by it."""

    def __init__(
        self,
        messages_per_minute: int = 60,
        new_conversations_per_hour: int = 30,
    ):
        self.messages = SlidingLimit(messages_per_minute, dt.timedelta(minutes=1))
        self.new_conversations = SlidingLimit(new_conversations_per_hour, dt.timedelta(hours=1))
