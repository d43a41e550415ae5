"""The seams later work relies on: a pure core, one shared machine, text only in content files."""

from __future__ import annotations

import ast
import datetime as dt
import subprocess
import sys
from pathlib import Path
from typing import get_args

import pytest
import transitions

from bot.desk import CARRY_OUT
from bot.service import ConversationService
from flows.content import available_languages, content_for, placeholders
from flows.definition import STATES, TRANSITIONS
from flows.engine import Engine as FlowEngine
from flows.events import parse_text
from flows.intents import EraseUser, Intent, Reply
from flows.oncall.intents import DeskIntent
from tests.transcript import ENGINE, Transcript, at_menu

FLOWS = Path(__file__).resolve().parents[2] / "flows"
NOW = dt.datetime(2026, 11, 27, 14, 0, tzinfo=dt.UTC)
FORBIDDEN = ("telegram", "sqlalchemy", "apscheduler", "bot", "storage")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted(FLOWS.rglob("*.py")), ids=lambda path: path.name)
def test_the_core_imports_no_framework_and_no_shell(path):
    leaks = {name for name in imported_modules(path) if name.split(".")[0] in FORBIDDEN}
    assert not leaks, f"{path} imports {leaks}"


WALL_CLOCK_READS = ("datetime.now(", "datetime.utcnow(", "date.today(", "time.time(", "default=utcnow")


@pytest.mark.parametrize("package", ["flows", "storage", "bot"])
def test_only_the_injected_clock_reads_the_time(package):
    """One clock, injected everywhere: a row stamped by the machine's clock cannot be moved by a test."""
    root = FLOWS.parent
    readers = [
        f"{path.relative_to(root)}: {read}"
        for path in sorted((root / package).rglob("*.py"))
        if path != root / "bot" / "clock.py"
        for read in WALL_CLOCK_READS
        if read in path.read_text(encoding="utf-8")
    ]
    assert not readers, readers


def test_importing_the_engine_loads_no_framework():
    code = "import sys, flows.engine; print(sorted(m for m in sys.modules if m.split('.')[0] in %r))"
    out = subprocess.run(
        [sys.executable, "-c", code % (FORBIDDEN,)], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_handling_messages_builds_no_machine(monkeypatch):
    built = []
    original = transitions.Machine.__init__

    def counting(self, *args, **kwargs):
        built.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(transitions.Machine, "__init__", counting)
    chat = at_menu()
    for text in ("grounding", "senses", "a cup", "menu", "breathing", "box", "ready"):
        chat.person(text)
    assert built == []


def test_the_engine_leaves_the_conversation_it_was_given_untouched():
    chat = at_menu()
    before = chat.conversation.copy()
    ENGINE.handle(chat.conversation, parse_text("grounding"))
    assert chat.conversation == before


def test_every_transition_names_known_states_and_no_wildcards():
    for transition in TRANSITIONS:
        sources = transition["source"] if isinstance(transition["source"], list) else [transition["source"]]
        assert "*" not in sources
        assert set(sources) <= set(STATES) and transition["dest"] in STATES


def test_state_names_are_the_stable_public_ones():
    assert {
        "consent",
        "checkin",
        "menu",
        "grounding",
        "breathing",
        "coping",
        "learn",
        "resources",
        "closing",
        "ended",
        "screening",
    } <= set(STATES)


def test_every_language_fills_the_same_placeholders_as_english():
    english = _texts(content_for("en")._tree)
    for language in available_languages():
        other = _texts(content_for(language)._tree)
        for key, text in other.items():
            if key in english:
                assert placeholders(text) == placeholders(english[key]), (language, key)


def _texts(tree: dict, prefix: str = "") -> dict[str, str]:
    found: dict[str, str] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            found.update(_texts(value, f"{prefix}{key}."))
        elif isinstance(value, str):
            found[f"{prefix}{key}"] = value
    return found


# A whole session by buttons, so that it reads the same in every language.
BY_BUTTONS = [
    "agree",
    "GB",
    "=stressed",
    "5",
    "grounding",
    "senses",
    "=a",
    "=b",
    "=c",
    "=d",
    "=e",
    "better",
    "breathing",
    "box",
    "ready",
    "another",
    "finished",
    "same",
    "coping",
    "reach_out",
    "now",
    "learn",
    "panic",
    "another_topic",
    "menu",
    "resources",
    "change_country",
    "ES",
    "menu",
    "person",
    "done",
    "4",
]


@pytest.mark.parametrize("language", available_languages())
def test_a_whole_session_can_be_shown_in_every_language(language):
    """A missing key would crash a person's chat: walk every state by its buttons in each language."""
    chat = Transcript()
    chat.conversation.language = language
    chat.person("/start")
    for step in BY_BUTTONS:
        chat.person(step[1:]) if step.startswith("=") else chat.press(step)
        assert chat.replies, f"no reply to {step} in {language}"
        assert all(reply.text and all(option.label for option in reply.options) for reply in chat.replies)
    chat.bot_in("ended")
    for command in ("/help", "/sos", "/forget", "/language", "/country"):
        chat.person(command)
        assert chat.replies and all(reply.text for reply in chat.replies)


def test_every_intent_has_one_way_to_be_carried_out():
    """A new intent the shell forgot would be dropped in silence: each kind is carried out by its
    type (replies go back to the channel, an erasure is done when saving)."""
    service = ConversationService(FlowEngine(), unit_of_work=lambda: None, clock=lambda: NOW)
    answered_elsewhere = {Reply, EraseUser}
    assert set(service._carriers) == set(get_args(Intent)) - answered_elsewhere
    assert set(CARRY_OUT) == set(get_args(DeskIntent))
