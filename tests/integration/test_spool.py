"""The local spool: durable, private, ordered, and replayed exactly once however many processes try."""

from __future__ import annotations

import multiprocessing
import stat
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from bot.bootstrap import bootstrap
from flows.events import parse_text
from storage.encryption import Cipher, generate_key
from storage.spool import FileSpool
from tests.fakes import FakeClock

PERSON = "console:spooled"


def spool_in(folder: Path, key: str) -> FileSpool:
    return FileSpool(folder, Cipher([key.encode()]), FakeClock().now)


def test_entries_come_back_in_order_encrypted_and_private(tmp_path):
    key = generate_key()
    spool = spool_in(tmp_path / "spool", key)
    assert spool.is_empty()
    for number in range(5):
        assert spool.keep(PERSON, f"secret words {number}", "en-GB")
    assert spool.keep("console:someone-else", "their words", None)
    mine = spool.waiting(PERSON)
    assert [entry.text for entry in mine] == [f"secret words {n}" for n in range(5)]
    assert [entry.locale for entry in mine] == ["en-GB"] * 5
    assert len(spool.waiting()) == 6
    folder = tmp_path / "spool"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert b"secret" not in path.read_bytes()
    spool.remove(mine[0])
    spool.remove(mine[0])  # a second process removing the same entry is not an error
    assert len(spool.waiting()) == 5


def write_many(folder: str, key: str, writer: int) -> int:
    spool = spool_in(Path(folder), key)
    return sum(spool.keep(f"console:{writer}", f"line {n}", None) for n in range(50))


def test_processes_writing_at_once_each_keep_every_entry(tmp_path):
    key = generate_key()
    with ProcessPoolExecutor(4, mp_context=multiprocessing.get_context("spawn")) as pool:
        kept = list(pool.map(write_many, [str(tmp_path)] * 4, [key] * 4, range(4)))
    assert kept == [50] * 4
    entries = spool_in(tmp_path, key).waiting()
    assert len({entry.number for entry in entries}) == 200
    for writer in range(4):
        theirs = [entry.text for entry in entries if entry.user_id == f"console:{writer}"]
        assert theirs == [f"line {n}" for n in range(50)]


def replay(url: str, key: str, folder: str) -> int:
    app = bootstrap(url, Cipher([key.encode()]), spool_dir=Path(folder))
    try:
        return app.conversations.replay_spool()
    finally:
        app.close()


def test_two_processes_replaying_one_spool_handle_each_message_once(database, database_url, tmp_path):
    key = generate_key()
    cipher = Cipher([key.encode()])
    app = bootstrap(database_url, cipher, spool_dir=tmp_path)
    for typed in ("/start", "I agree, let's start", "United Kingdom", "a long day", "5"):
        app.conversations.handle(PERSON, parse_text(typed))
    spool = spool_in(tmp_path, key)
    said = [f"while it was down {n}" for n in range(30)]
    for text in said:
        spool.keep(PERSON, text, None)
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(replay, [database_url] * 2, [key] * 2, [str(tmp_path)] * 2))
    assert spool.is_empty()
    with app.unit_of_work() as uow:
        assert uow.messages.recent(PERSON, 30) == said
    app.close()
