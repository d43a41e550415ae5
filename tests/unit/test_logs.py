"""Logs never hold message text or ids in clear."""

from __future__ import annotations

import json
import logging
import os
import threading

from bot.logs import FORMAT_ENV, JsonFormatter, RedactIds, TextFormatter, configure_logging, pseudonym


def record(message: str, *args: object, exc: BaseException | None = None) -> logging.LogRecord:
    info = (type(exc), exc, exc.__traceback__) if exc else None
    return logging.LogRecord("pfa", logging.ERROR, __file__, 1, message, args, info)


def test_channel_ids_become_pseudonyms():
    entry = record("handling %s failed", "telegram:12345")
    RedactIds().filter(entry)
    assert "12345" not in entry.getMessage()
    assert pseudonym("telegram:12345") in entry.getMessage()


SECRET = "I want to die (the text of a message)"


def test_exception_messages_stay_out_of_the_logs():
    try:
        raise ValueError(SECRET)
    except ValueError as error:
        caught = error
    for formatter in (TextFormatter(), JsonFormatter()):
        line = formatter.format(record("handling an event failed", exc=caught))
        assert SECRET not in line and "ValueError" in line


def test_json_lines_are_json():
    entry = json.loads(JsonFormatter().format(record("paged %d staff", 3)))
    assert entry["message"] == "paged 3 staff" and entry["level"] == "ERROR"


def test_redaction_keeps_numbers_numbers_so_every_format_still_works():
    entry = record("paged %d staff for %s after %.1f s", 3, "telegram:12345", 2.5)
    RedactIds().filter(entry)
    assert entry.getMessage() == f"paged 3 staff for {pseudonym('telegram:12345')} after 2.5 s"


def test_redaction_reaches_ids_inside_objects_and_named_arguments():
    class Job:
        def __str__(self) -> str:
            return "job for telegram:12345"

    entry = record("running %s", Job())
    RedactIds().filter(entry)
    assert "12345" not in entry.getMessage()
    named = logging.LogRecord("pfa", logging.ERROR, __file__, 1, "%(n)d for %(who)s", (), None)
    named.args = {"n": 2, "who": "console:alex"}
    RedactIds().filter(named)
    assert named.getMessage() == f"2 for {pseudonym('console:alex')}"


def test_a_thread_that_dies_is_logged_through_the_redacting_handler(capsys):
    def crash() -> None:
        raise LookupError("No job by the id of person:telegram:12345:checkin was found")

    previous_hook, root = threading.excepthook, logging.getLogger()
    previous_handlers, previous_level = root.handlers[:], root.level
    os.environ[FORMAT_ENV] = "json"
    try:
        configure_logging()
        thread = threading.Thread(target=crash, name="timer-loop")
        thread.start()
        thread.join()
    finally:
        del os.environ[FORMAT_ENV]
        threading.excepthook = previous_hook
        root.handlers[:], root.level = previous_handlers, previous_level
    (line,) = capsys.readouterr().err.splitlines()
    entry = json.loads(line)
    assert entry["message"] == "timer-loop stopped on an error" and entry["error"] == "LookupError"
    assert "12345" not in line
