"""A process with keys that read none of the database's data is refused at start, touching nothing;
a row that still cannot be read (a rotation half done) never stops anyone else's escalation."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, func, select

from bot.bootstrap import App, SetupError, bootstrap
from bot.staff import StaffIdentity
from flows.events import parse_text
from storage.encryption import UNREADABLE, Cipher, check_value, generate_key
from storage.models import KEY_CHECKS, MESSAGES

SAM = StaffIdentity(name="Sam Jones")
A, B = generate_key(), generate_key()


def says(app: App, person: str, *texts: str) -> list[str]:
    said: list[str] = []
    for text in texts:
        said += [reply.text for reply in app.conversations.handle(person, parse_text(text)).replies]
    return said


def rows(database: Engine) -> tuple[int, set[str]]:
    with database.connect() as connection:
        messages = connection.scalar(select(func.count()).select_from(MESSAGES))
        checks = set(connection.scalars(select(KEY_CHECKS.c.check_value)))
    return int(messages or 0), checks


def written_under_a(database_url: str) -> None:
    app = bootstrap(database_url, Cipher([A.encode()]))
    says(app, "console:first", "/start", "I agree, let's start")
    app.close()


def test_a_check_value_names_a_key_without_revealing_it():
    assert check_value(A.encode()) == check_value(A.encode()) != check_value(B.encode())
    assert A not in check_value(A.encode()) and len(check_value(A.encode())) == 64


def test_other_keys_are_refused_before_anything_is_written(database, database_url):
    written_under_a(database_url)
    before = rows(database)
    assert before[1] == {check_value(A.encode())}
    with pytest.raises(SetupError, match="holds none of the keys"):
        bootstrap(database_url, Cipher([B.encode()]))
    assert rows(database) == before
    rotating = bootstrap(database_url, Cipher([B.encode(), A.encode()]))  # a new key beside the old
    rotating.close()
    assert rows(database)[1] == {check_value(A.encode()), check_value(B.encode())}


def test_a_database_from_before_check_values_is_judged_by_its_data(database, database_url):
    written_under_a(database_url)
    with database.begin() as connection:
        connection.execute(delete(KEY_CHECKS))
    with pytest.raises(SetupError, match="holds none of the keys"):
        bootstrap(database_url, Cipher([B.encode()]))
    assert rows(database)[1] == set()
    bootstrap(database_url, Cipher([A.encode()])).close()
    assert rows(database)[1] == {check_value(A.encode())}


def test_no_key_and_no_key_file_beside_existing_data_is_refused_without_making_one(
    database, database_url, tmp_path, monkeypatch
):
    written_under_a(database_url)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("PFA_ENCRYPTION_KEY", raising=False)
    with pytest.raises(SetupError, match="no key file"):
        bootstrap(database_url)
    assert not list((tmp_path / "data").rglob("encryption.key"))


def test_an_unreadable_row_stops_no_one_elses_escalation(database, database_url, clock):
    old_only = bootstrap(database_url, Cipher([A.encode()]), clock=clock.now)
    old_only.admin.add_staff("Sam Jones", "counsellor", None)
    old_only.staff.handle(SAM, "/oncall on")
    # A process already on the new key (a rotation half rolled out) writes a case the old one cannot read.
    new_first = bootstrap(database_url, Cipher([B.encode(), A.encode()]), clock=clock.now)
    says(new_first, "console:written-under-b", "/start", "I want to kill myself")
    new_first.close()
    queue = old_only.staff.handle(SAM, "/queue")
    assert any("Case 1" in line for line in queue), queue
    said = says(old_only, "console:another", "/start", "I want to kill myself")
    assert not any("something went wrong" in text for text in said), said
    member = old_only.staff.member(SAM)
    assert member is not None
    assert any("Case 2" in str(d.payload["text"]) for d in old_only.staff.inbox(member))
    claimed = old_only.staff.handle(SAM, "/claim 1")
    assert any(UNREADABLE in line for line in claimed) and not any("kill" in line for line in claimed)
    old_only.close()


def test_a_second_chat_process_with_another_key_is_refused(database, database_url, tmp_path):
    written_under_a(database_url)
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"), "PFA_DATABASE_URL": database_url}
    env["PFA_ENCRYPTION_KEY"] = B
    other = chat(env)
    assert other.returncode == 2 and "PFA_ENCRYPTION_KEY holds none of the keys" in other.stderr
    assert "Traceback" not in other.stderr and len(other.stderr.strip().splitlines()) == 1
    del env["PFA_ENCRYPTION_KEY"]
    keyless = chat(env)
    assert keyless.returncode == 2 and "no key file" in keyless.stderr
    assert not Path(tmp_path / "data").exists() or not list(Path(tmp_path / "data").rglob("encryption.key"))
    env["PFA_ENCRYPTION_KEY"] = A
    assert chat(env).returncode == 0


def chat(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat", "--jsonl"],
        env=env,
        input='{"text": "/start"}\n',
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_readable_messages_behind_many_unreadable_ones_still_go_out(database, database_url, clock):
    old_only = bootstrap(database_url, Cipher([A.encode()]), clock=clock.now)
    new_first = bootstrap(database_url, Cipher([B.encode(), A.encode()]), clock=clock.now)
    with new_first.unit_of_work() as uow:
        for number in range(250):  # more than one batch of what a poller takes at a time
            uow.outbox.add("console:someone", "reply", {"text": f"under the new key {number}"})
        uow.commit()
    with old_only.unit_of_work() as uow:
        uow.outbox.add("console:someone", "reply", {"text": "under the old key"})
        uow.commit()
    taken = old_only.outbox.take_deliveries(["console:someone"])
    assert [d.payload["text"] for d in taken] == ["under the old key"]
    new_first.close()
    old_only.close()
