"""`pfa-bot chat --jsonl`, run as a real process: the scripting form other front ends build on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

WALK = [
    ("/start", "consent.welcome"),
    ("I agree, let's start", "consent.country"),
    ("United Kingdom", "checkin.story"),
    ("I feel anxious about my exams", "checkin.rating"),
    ("7", "menu"),
    ("Grounding: come back to the here and now", "grounding.choose"),
    ("5-4-3-2-1 with my senses", "grounding.see"),
    ("desk, lamp, cup, window, book", "grounding.touch"),
    ("/menu", "menu"),
    ("Slow breathing", "breathing.choose"),
    ("Box breathing (4-4-4-4)", "breathing.ready"),
    ("I'm ready", "breathing.round"),
    ("That's enough for now", "breathing.after"),
    ("A bit better", "menu"),
    ("Ideas for coping", "coping.choose"),
    ("Move your body gently", "coping.when"),
    ("Right now", "menu"),
    ("Understand what I'm feeling", "learn.choose"),
    ("Panic and a racing heart", "learn.card"),
    ("Back to the menu", "menu"),
    ("Crisis lines and support", "resources.lines"),
    ("I'm done for now", "closing.rating"),
    ("4", "ended"),
]


@pytest.fixture
def run_chat(tmp_path: Path):
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"), "PYTHONWARNINGS": "error"}
    env.pop("PFA_DATABASE_URL", None)
    database = f"sqlite:///{tmp_path / 'chat.db'}"

    def run(lines: list[str | bytes], user: str = "tester") -> tuple[list[dict[str, Any]], int]:
        payload = b"".join((line if isinstance(line, bytes) else line.encode()) + b"\n" for line in lines)
        command = [
            sys.executable,
            "-m",
            "bot.cli",
            "chat",
            "--jsonl",
            "--user",
            user,
            "--db",
            database,
        ]
        done = subprocess.run(command, input=payload, capture_output=True, env=env, timeout=60, check=False)
        records = [json.loads(line) for line in done.stdout.decode().splitlines()]
        return records, done.returncode

    return run


def said(text: str) -> str:
    return json.dumps({"text": text})


def test_a_scripted_conversation_walks_every_state(run_chat):
    records, status = run_chat([said(text) for text, _ in WALK])
    assert status == 0
    states = [record["state"] for record in records]
    for _, expected in WALK:
        assert expected in states
    assert states[-1] == "ended"
    assert all(set(record) >= {"text", "options", "state"} for record in records)
    paced = [record for record in records if "pacing" in record]
    assert paced and paced[0]["pacing"][0] == {"label": "Breathe in", "seconds": 4}


def test_bad_input_gets_a_clear_error_and_the_conversation_survives(run_chat):
    bad: list[str | bytes] = [
        "this is not json",
        json.dumps({"nothing": "here"}),
        b'{"text": "\xff\xfe"}',
        json.dumps([1, 2]),
    ]
    records, status = run_chat([said("/start"), *bad, said("I agree, let's start")])
    assert status == 0
    errors = [record["error"] for record in records if "error" in record]
    assert len(errors) == 4
    assert any("UTF-8" in error for error in errors)
    assert records[-1]["state"] == "consent.country"


def test_a_very_long_message_is_assessed_whole_and_the_person_told_what_is_kept(run_chat, tmp_path):
    story = "It has been a hard month at work and at home, and nothing seems to get better. " * 52
    crisis = story + "I am going to kill myself tonight, I have decided."
    assert len(crisis) > 4_100
    opening = [said("/start"), said("I agree, let's start"), said("United Kingdom")]
    records, status = run_chat([*opening, said(crisis)])
    assert status == 0
    answer = " ".join(record["text"] for record in records[3:])
    assert "116 123" in answer and "999" in answer
    huge = story * 5 + "I am going to kill myself tonight, I have decided."
    records, _ = run_chat([said(huge)], user="tester")
    answer = " ".join(record["text"] for record in records)
    assert "116 123" in answer and "first part" in answer


def test_hostile_json_never_ends_the_process_and_a_broken_crisis_message_is_still_heard(run_chat, tmp_path):
    hostile: list[str | bytes] = [
        "[" * 100_000,
        '{"text": 1' + "0" * 5_000 + "}",
        '{"text": "' + "\\u" + "d800 " * 3 + '"}',
    ]
    opening = [said("/start"), said("I agree, let's start"), said("United Kingdom")]
    crisis = '{"text": "I want to kill myself tonight \\ud800"}'
    records, status = run_chat([*opening, *hostile, crisis, said("still here")])
    assert status == 0
    errors = [record for record in records if "error" in record]
    assert len(errors) == 2  # the deep nesting and the long number; lone surrogates are still text
    after = " ".join(record.get("text", "") for record in records[records.index(errors[-1]) + 1 :])
    assert "116 123" in after and "something went wrong" not in after
    from sqlalchemy import create_engine, text

    database = create_engine(f"sqlite:///{tmp_path / 'chat.db'}")
    with database.connect() as connection:
        handled = connection.execute(text("SELECT handled FROM messages")).scalars().all()
    database.dispose()
    assert len(handled) == 4 and all(handled)  # country, the surrogates, the crisis, "still here"


def test_control_characters_are_dropped_not_passed_on(run_chat):
    records, _ = run_chat([said("/start"), said("I agree, let's start\u0007\u001b[31m")])
    assert records[-1]["state"] == "consent.country"


def test_a_second_process_continues_the_same_conversation(run_chat):
    run_chat([said(text) for text, _ in WALK[:8]])
    records, status = run_chat([said("the floor under my feet")])
    assert status == 0
    assert records[-1]["state"] == "grounding.hear"


def test_each_user_has_their_own_conversation(run_chat):
    run_chat([said("/start"), said("I agree, let's start")], user="one")
    records, _ = run_chat([said("hello")], user="two")
    assert records[-1]["state"] == "consent.welcome"


def test_the_interactive_console_numbers_options_and_counts_out_the_breathing(tmp_path):
    from bot.bootstrap import bootstrap
    from bot.channels.console import InteractiveConsole
    from storage.encryption import Cipher, generate_key

    app = bootstrap(f"sqlite:///{tmp_path / 'chat.db'}", Cipher([generate_key().encode()]))
    typed = iter(["1", "United Kingdom", "tired", "5", "2", "1", "1", "2"])
    shown: list[str] = []
    slept: list[float] = []

    def read(prompt: str) -> str:
        try:
            return next(typed)
        except StopIteration:
            raise EOFError from None

    counted: list[str] = []
    console = InteractiveConsole(app.conversations, app.outbox, "console:t", read, shown.append, slept.append)
    console.write_inline = counted.append
    console.run()
    app.close()
    assert "  1. I agree, let's start" in shown
    assert "  0 · 1 · 2 · 3 · 4 · 5 · 6 · 7 · 8 · 9 · 10" in shown
    assert "  · I'm not sure" in shown  # offered beside the scale, to be typed in words
    assert "".join(counted).startswith("  Breathe in… 1 2 3 4\n  Hold… 1 2 3 4\n")
    assert slept == [1] * 16
    assert app.conversations.conversation("console:t").position == "breathing.after"
    assert shown[-1].startswith("\nTake care")


def test_ctrl_c_during_a_breathing_count_stops_the_count_not_the_conversation(tmp_path):
    from bot.bootstrap import bootstrap
    from bot.channels.console import InteractiveConsole
    from storage.encryption import Cipher, generate_key

    app = bootstrap(f"sqlite:///{tmp_path / 'chat.db'}", Cipher([generate_key().encode()]))
    typed = iter(["1", "United Kingdom", "tired", "5", "2", "1", "1", "2"])
    shown: list[str] = []
    seconds: list[float] = []

    def read(prompt: str) -> str:
        try:
            return next(typed)
        except StopIteration:
            raise EOFError from None

    def sleep(second: float) -> None:
        seconds.append(second)
        if len(seconds) == 3:
            raise KeyboardInterrupt

    console = InteractiveConsole(app.conversations, app.outbox, "console:t", read, shown.append, sleep)
    console.write_inline = lambda text: None
    console.run()
    app.close()
    stopped = shown.index("\nCount stopped. That's fine: stop whenever you like.")
    offered = ["  1. Another round", "  2. That's enough for now", "  3. Back to the menu"]
    assert shown[stopped + 1 : stopped + 4] == offered
    assert len(seconds) == 3
    assert app.conversations.conversation("console:t").position == "breathing.after"


def test_db_upgrade_migrates_a_named_database(tmp_path):
    from sqlalchemy import create_engine, inspect

    database = f"sqlite:///{tmp_path / 'fresh.db'}"
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "upgrade", "--db", database],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    engine = create_engine(database)
    assert {"conversations", "messages", "outcomes"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_plan_works_in_every_state_and_the_planning_states_appear(run_chat):
    script = [
        "/start",
        "/plan",
        "I agree, let's start",
        "United Kingdom",
        "/plan",
        "Carry on",
        "tired",
        "/plan",
        "Carry on",
        "5",
        "My safety plan",
        "staying in bed",
        "Next step",
        "/plan",
        "Carry on",
        "That's enough for now",
        "grounding",
        "senses",
        "/plan",
        "Carry on",
        "menu",
        "A small goal for today",
        "That's all",
        "eat something",
        "make toast",
        "Right now",
        "Yes, check in with me",
        "/plan",
        "Carry on",
        "Tomorrow evening",
    ]
    records, status = run_chat([said(text) for text in script])
    assert status == 0
    states = [record["state"] for record in records]
    for expected in ("safety_plan.warning_signs", "goals.needs", "followup.when"):
        assert expected in states
    plans = [
        record
        for record in records
        if "My safety plan" in record["text"] and "staying in bed" in record["text"]
    ]
    assert len(plans) >= 3  # shown mid-plan, mid-grounding and mid-follow-up
    assert records[-1]["state"] == "menu" and "I'll check in" in records[-1]["text"]


def test_quit_typed_at_the_prompt_leaves_the_console_and_sends_nothing(tmp_path):
    from bot.bootstrap import bootstrap
    from bot.channels.console import InteractiveConsole
    from storage.encryption import Cipher, generate_key

    app = bootstrap(f"sqlite:///{tmp_path / 'quit.db'}", Cipher([generate_key().encode()]))
    typed = iter(["I agree, let's start", "/quit", "never read"])
    shown: list[str] = []
    InteractiveConsole(
        app.conversations, app.outbox, "console:q", lambda _prompt: next(typed), shown.append
    ).run()
    assert shown[-1].startswith("\nTake care") and next(typed) == "never read"
    assert app.conversations.conversation("console:q").position == "consent.country"
    app.close()
