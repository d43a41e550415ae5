"""Re-encrypting every encrypted column under the newest key (`pfa-bot keys rotate`)."""

from __future__ import annotations

from sqlalchemy import Engine, Table, select, update

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


def rotate_all(database: Engine, cipher: Cipher, batch: int = 500) -> int:
    """Re-encrypt every value with the first key; return how many values were rewritten."""
    rewritten = 0
    for model, columns in ENCRYPTED:
        table = table_of(model)
        for column in columns:
            rewritten += _rotate_column(database, cipher, table, column, batch)
    return rewritten


def _rotate_column(database: Engine, cipher: Cipher, table: Table, column: str, batch: int) -> int:
    done, last_id = 0, 0
    while True:
        with database.begin() as connection:
            query = (
                select(table.c.id, table.c[column])
                .where(table.c.id > last_id)
                .order_by(table.c.id)
                .limit(batch)
            )
            rows = connection.execute(query).all()
            for row_id, value in rows:
                if value is not None:
                    connection.execute(
                        update(table).where(table.c.id == row_id).values({column: cipher.rotate(value)})
                    )
                    done += 1
        if not rows:
            return done
        last_id = rows[-1][0]
