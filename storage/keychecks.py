"""Which encryption keys a database's data is under, so that a process with other keys is refused.

A process started with the wrong keys (or none, making its own key file) beside a configured
deployment would otherwise write rows nobody else can read. The database keeps a check value of
each key in use (an HMAC made with the key, never the key); a process holding none of them stops
at start, before it writes anything.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError

from storage.encryption import Cipher, KeyProblem
from storage.models import KEY_CHECKS, table_of
from storage.rotation import ENCRYPTED


class KeyMismatch(KeyProblem):
    """The database's data is under keys this process does not hold."""


def stored_checks(database: Engine) -> set[str]:
    with database.connect() as connection:
        return set(connection.scalars(select(KEY_CHECKS.c.check_value)))


def holds_encrypted_data(database: Engine) -> bool:
    """Whether anything here was encrypted already: check values, or any encrypted value."""
    return bool(stored_checks(database)) or bool(_samples(database))


def verify_keys(database: Engine, cipher: Cipher, now: dt.datetime, source: str) -> None:
    """Refuse keys that read none of the database's data; otherwise record any new ones.

    A database from before check values were kept is judged by a sample of its encrypted values:
    keys that read none of them are refused, keys that read one are recorded."""
    stored = stored_checks(database)
    ours = cipher.check_values()
    if stored and stored.isdisjoint(ours):
        raise _mismatch(source)
    if not stored:
        samples = _samples(database)
        if samples and not any(cipher.can_read(sample) for sample in samples):
            raise _mismatch(source)
    for check in ours:
        if check not in stored:
            _record(database, check, now)


def forget_other_keys(database: Engine, cipher: Cipher) -> int:
    """Keep only the newest key's check value (once nothing needs the others); return how many went."""
    newest = cipher.check_values()[0]
    with database.begin() as connection:
        gone = connection.execute(delete(KEY_CHECKS).where(KEY_CHECKS.c.check_value != newest))
    return int(gone.rowcount)


def _mismatch(source: str) -> KeyMismatch:
    return KeyMismatch(
        f"{source} holds none of the keys this database's data is encrypted under: start with the "
        "deployment's PFA_ENCRYPTION_KEY (nothing was changed)"
    )


def _record(database: Engine, check: str, now: dt.datetime) -> None:
    try:
        with database.begin() as connection:
            connection.execute(KEY_CHECKS.insert().values(check_value=check, created_at=now))
    except IntegrityError:
        pass  # another process starting with the same key recorded it first


def _samples(database: Engine) -> list[bytes]:
    """The newest encrypted value of each encrypted column, where there is one."""
    samples = []
    with database.connect() as connection:
        for model, columns in ENCRYPTED:
            table = table_of(model)
            for column in columns:
                query = (
                    select(table.c[column])
                    .where(table.c[column].is_not(None))
                    .order_by(table.c.id.desc())
                    .limit(1)
                )
                samples += list(connection.scalars(query))
    return samples
