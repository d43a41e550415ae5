"""Key rotation: a new key goes first, old keys still decrypt, and `keys rotate` re-encrypts all."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot import keys
from bot.bootstrap import SetupError, bootstrap
from flows.events import parse_text
from storage.database import make_engine
from storage.encryption import KEY_ENV, Cipher, generate_key
from storage.migrate import upgrade
from storage.models import MessageRecord
from storage.rotation import rotate_all

PERSON = "console:keys"


def test_rotation_keeps_everything_readable_and_retires_the_old_key(database, database_url):
    old, new = generate_key().encode(), generate_key().encode()
    app = bootstrap(database_url, Cipher([old]))
    for typed in ("/start", "I agree, let's start", "United Kingdom", "written under the old key"):
        app.conversations.handle(PERSON, parse_text(typed))
    app.close()
    both = bootstrap(database_url, Cipher([new, old]))
    assert both.conversations.conversation(PERSON).answers["story"] == "written under the old key"
    assert rotate_all(both.database, both.cipher).rewritten >= 4
    both.close()
    only_new = Cipher([new])
    with database.connect() as connection:
        bodies = connection.execute(select(MessageRecord.body)).scalars().all()
    assert "written under the old key" in [only_new.decrypt(body) for body in bodies]
    after = bootstrap(database_url, only_new)
    assert after.conversations.conversation(PERSON).position == "checkin.rating"
    after.close()


def test_keys_generate_prints_a_usable_key(capsys):
    from bot.cli import main

    assert main(["keys", "generate"]) == 0
    key = capsys.readouterr().out.strip()
    assert Cipher([key.encode()]).decrypt(Cipher([key.encode()]).encrypt("x")) == "x"


def pfa_bot(env: dict[str, str], *arguments: str, lines: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *arguments],
        env=env,
        input=lines,
        capture_output=True,
        text=True,
        timeout=120,
    )


def chat(env: dict[str, str], *typed: str) -> list[dict[str, object]]:
    lines = "".join(json.dumps({"text": text}) + "\n" for text in typed)
    done = pfa_bot(env, "chat", "--jsonl", "--user", "rotated", lines=lines)
    assert done.returncode == 0, done.stderr
    assert "InvalidToken" not in done.stderr and "unreadable" not in done.stderr, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


@pytest.fixture
def default_setup(database_url: str, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The embedded default (its own data folder and key file); on PostgreSQL, that server with the
    key file: whatever processes started without PFA_ENCRYPTION_KEY use."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PFA_")}
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    if not database_url.startswith("sqlite"):
        env["PFA_DATABASE_URL"] = database_url
        database = make_engine(database_url)
        upgrade(database)
        database.dispose()
    yield env


def key_file_of(env: dict[str, str]) -> Path:
    (found,) = Path(env["XDG_DATA_HOME"]).rglob("encryption.key")
    return found


def test_rotating_the_default_key_file_keeps_every_later_start_working(default_setup):
    env = default_setup
    chat(env, "/start", "I agree, let's start", "United Kingdom", "written under the old key")
    old = key_file_of(env).read_text(encoding="ascii").strip()
    new = generate_key()
    rotated = pfa_bot({**env, KEY_ENV: f"{new},{old}"}, "keys", "rotate")
    assert rotated.returncode == 0, rotated.stderr
    assert key_file_of(env).read_text(encoding="ascii").split() == [f"{new},{old}"]
    assert stat.S_IMODE(key_file_of(env).stat().st_mode) == 0o600
    # The next start without the variable: chat, timers and rotation all read everything.
    assert chat(env, "5")[-1]["state"] == "menu"  # it knew where the conversation was
    again = pfa_bot(env, "keys", "rotate")
    assert again.returncode == 0 and "left as they were" not in again.stdout, again.stderr
    newest = key_file_of(env).read_text(encoding="ascii").strip().split(",")
    assert len(newest) == 3 and newest[1:] == [new, old]
    retired = pfa_bot(env, "keys", "retire")
    assert retired.returncode == 0, retired.stderr
    assert key_file_of(env).read_text(encoding="ascii").strip() == newest[0]
    assert chat(env, "menu")[-1]["state"] == "menu"
    refused = pfa_bot({**env, KEY_ENV: old}, "chat", "--jsonl", lines='{"text": "hi"}\n')
    assert refused.returncode == 2 and "holds none of the keys" in refused.stderr


def test_older_keys_are_kept_while_anything_still_needs_them(database, database_url):
    old, new = generate_key().encode(), generate_key().encode()
    app = bootstrap(database_url, Cipher([old]))
    app.conversations.handle(PERSON, parse_text("/start"))
    app.close()
    both = bootstrap(database_url, Cipher([new, old]))
    with pytest.raises(SetupError, match="still need an older key"):
        keys.retire(both)
    assert any("re-encrypted" in line for line in keys.rotate(both))
    assert keys.retire(both) == ["nothing needs the older keys any more: remove them from PFA_ENCRYPTION_KEY"]
    both.close()
    with pytest.raises(SetupError, match="holds none of the keys"):
        bootstrap(database_url, Cipher([old]))
