"""Re-encrypting every encrypted column under the newest key (`pfa-bot keys rotate`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Select, Table, select, update

from storage.encryption import Cipher
from storage.models import (
    CaseEventRecord,
    CaseRecord,
    ConversationRecord,
    MessageRecord,
    OutboxRecord,
    table_of,
)

# Every table and column that holds ciphertext.
ENCRYPTED = [
    (ConversationRecord, ("answers", "profile")),
    (MessageRecord, ("body",)),
    (CaseRecord, ("summary",)),
    (CaseEventRecord, ("detail",)),
    (OutboxRecord, ("body",)),
]


@dataclass
class Rotation:
    """What a rotation did: values re-encrypted, and values none of the keys could read (left as
    they were, for a process that has their key)."""

    rewritten: int = 0
    unreadable: int = 0


def rotate_all(database: Engine, cipher: Cipher, batch: int = 500) -> Rotation:
    """Re-encrypt every value with the first key."""
    done = Rotation()
    for model, columns in ENCRYPTED:
        table = table_of(model)
        for column in columns:
            _rotate_column(database, cipher, table, column, batch, done)
    return done


def needing_older_keys(database: Engine, cipher: Cipher, batch: int = 500) -> int:
    """How many values the newest key alone cannot read (0: the older keys can be dropped)."""
    newest = Cipher(cipher.keys[:1])
    return sum(
        not newest.can_read(value)
        for model, columns in ENCRYPTED
        for column in columns
        for value in _values(database, table_of(model), column, batch)
    )


def _values(database: Engine, table: Table, column: str, batch: int) -> Iterator[bytes]:
    last_id = 0
    while True:
        with database.connect() as connection:
            rows = connection.execute(_page(table, column, last_id, batch)).all()
        yield from (value for _, value in rows if value is not None)
        if not rows:
            return
        last_id = rows[-1][0]


def _page(table: Table, column: str, after: int, batch: int) -> Select[Any]:
    return select(table.c.id, table.c[column]).where(table.c.id > after).order_by(table.c.id).limit(batch)


def _rotate_column(
    database: Engine, cipher: Cipher, table: Table, column: str, batch: int, done: Rotation
) -> None:
    last_id = 0
    while True:
        with database.begin() as connection:
            rows = connection.execute(_page(table, column, last_id, batch)).all()
            for row_id, value in rows:
                if value is None:
                    continue
                if not cipher.can_read(value):
                    done.unreadable += 1
                    continue
                rotated = cipher.rotate(value)
                connection.execute(update(table).where(table.c.id == row_id).values({column: rotated}))
                done.rewritten += 1
        if not rows:
            return
        last_id = rows[-1][0]
