"""Key rotation: a new key goes first, old keys still decrypt, and `keys rotate` re-encrypts all."""

from __future__ import annotations

from sqlalchemy import select

from bot.bootstrap import bootstrap
from flows.events import parse_text
from storage.encryption import Cipher, generate_key
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
    assert rotate_all(both.database, both.cipher) >= 4
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
