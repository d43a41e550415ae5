"""Logging: structured (JSON on request), and never with message text or ids in clear.

Code logs events, not content; as a second line of defence a filter replaces anything that looks
like a person's channel id with a short keyed hash, so that lines about one person can still be
followed without naming them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import sys
import threading
import traceback
from collections.abc import Mapping
from typing import Any

FORMAT_ENV = "PFA_LOG_FORMAT"
PERSON_ID = re.compile(r"\b(telegram|console):[\w-]+")
# Extra attributes that a log call may pass and that are safe to show (never text, never ids).
SAFE_EXTRAS = ("event_kind", "timer")


def pseudonym(user_id: str) -> str:
    return "person#" + hashlib.sha256(user_id.encode()).hexdigest()[:10]


class RedactIds(logging.Filter):
    """Replace channel ids in a record's message and arguments with pseudonyms.

    Arguments keep their type unless they hold an id: `%d` still needs a number, and a failed
    format loses the whole line (logging prints "--- Logging error ---" instead).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _redacted(str(record.msg))
        if isinstance(record.args, Mapping):
            record.args = {key: _redacted_arg(value) for key, value in record.args.items()}
        elif record.args:
            record.args = tuple(_redacted_arg(arg) for arg in record.args)
        return True


class TextFormatter(logging.Formatter):
    """Plain lines; a traceback keeps its frames but not the exception's message, which may quote data."""

    def formatException(self, ei: Any) -> str:
        kind = ei[0].__name__ if ei and ei[0] else "error"
        return "".join(traceback.format_tb(ei[2])) + kind


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({key: getattr(record, key) for key in SAFE_EXTRAS if hasattr(record, key)})
        if record.exc_info:
            # The exception's type and where it happened; its message may quote data, so it stays out.
            entry["error"] = record.exc_info[0].__name__ if record.exc_info[0] else "error"
        return json.dumps(entry)


def configure_logging(level: int = logging.INFO) -> None:
    """Log to stderr as text, or as JSON lines when PFA_LOG_FORMAT=json; ids always pseudonymised."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactIds())
    if os.environ.get(FORMAT_ENV, "").lower() == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # it logs every URL, and a URL holds the token
    # APScheduler logs each run of the once-a-second timer sweep; our jobs log their own failures.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    threading.excepthook = log_thread_crash


def log_thread_crash(crash: threading.ExceptHookArgs) -> None:
    """A thread that dies of an exception is logged like everything else (redacted, JSON when asked)
    instead of Python printing the raw exception, whose message may hold an id or text, to stderr."""
    if crash.exc_type is SystemExit:
        return
    name = crash.thread.name if crash.thread is not None else "a thread"
    exc_info = (crash.exc_type, crash.exc_value or crash.exc_type(), crash.exc_traceback)
    logging.getLogger(__name__).error("%s stopped on an error", name, exc_info=exc_info)


def _redacted(text: str) -> str:
    return PERSON_ID.sub(lambda m: pseudonym(m.group()), text)


def _redacted_arg(value: object) -> object:
    """The argument itself, or its text with ids pseudonymised when its text holds one."""
    if value is None or isinstance(value, int | float):
        return value
    text = str(value)
    return _redacted(text) if PERSON_ID.search(text) else value
