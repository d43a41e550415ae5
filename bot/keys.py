"""Key rotation as an operator runs it (`pfa-bot keys rotate`, then `pfa-bot keys retire`).

On the embedded default the keys live in a key file, which every process started without
PFA_ENCRYPTION_KEY reads. Rotation must therefore put the new key in that file before anything is
re-encrypted under it, and keep the old keys there, because processes already running still write
under them; `keys retire` drops the old keys once nothing needs them.
"""

from __future__ import annotations

import os
from pathlib import Path

from bot.bootstrap import App, SetupError, key_file, spool_folder
from storage.encryption import KEY_ENV, Cipher, check_value, generate_key, keys_from_env, write_key_file
from storage.keychecks import forget_other_keys, stored_checks, verify_keys
from storage.rotation import needing_older_keys, rotate_all
from storage.spool import FileSpool


def rotate(app: App) -> list[str]:
    """Re-encrypt everything under the newest key; on a key file, write the new key there first."""
    lines = []
    cipher = app.cipher
    path = key_file()
    if _key_file_in_use(app, path):
        keys = _rotated_file_keys(path, cipher)
        write_key_file(path, keys)
        cipher = Cipher(keys)
        verify_keys(app.database, cipher, app.clock(), f"the key file {path}")
        lines.append(
            f"the key file {path} now holds the new key first and the {len(keys) - 1} older after it; "
            "restart every process, then run `pfa-bot keys retire`"
        )
    done = rotate_all(app.database, cipher)
    lines.insert(0, f"re-encrypted {done.rewritten} values under the newest key")
    if done.unreadable:
        lines.append(f"{done.unreadable} values are under a key not given here and were left as they were")
    return lines


def retire(app: App) -> list[str]:
    """Drop every key but the newest, once nothing needs the others; refuse (changing nothing) else."""
    waiting = needing_older_keys(app.database, app.cipher)
    if waiting:
        raise SetupError(
            f"{waiting} values still need an older key: run `pfa-bot keys rotate` (after restarting every "
            "process) first; nothing was changed"
        )
    if not FileSpool(spool_folder(app.database), app.cipher, app.clock).is_empty():
        raise SetupError(
            "the outage spool still holds messages: let them be replayed first; nothing was changed"
        )
    forget_other_keys(app.database, app.cipher)
    path = key_file()
    if _key_file_in_use(app, path):
        write_key_file(path, app.cipher.keys[:1])
        return [f"the key file {path} now holds only the newest key"]
    return [f"nothing needs the older keys any more: remove them from {KEY_ENV}"]


def _key_file_in_use(app: App, path: Path) -> bool:
    """Whether the key file is this database's: processes started without PFA_ENCRYPTION_KEY read it,
    and one of its keys is one the database's data is under."""
    if not path.exists():
        return False
    stored = stored_checks(app.database)
    return any(check_value(key) in stored for key in keys_from_env(path.read_text(encoding="ascii")))


def _rotated_file_keys(path: Path, cipher: Cipher) -> list[bytes]:
    """PFA_ENCRYPTION_KEY's keys (a new key made if it is not set) first, then the file's others."""
    in_file = keys_from_env(path.read_text(encoding="ascii"))
    given = cipher.keys if os.environ.get(KEY_ENV) else [generate_key().encode("ascii"), *in_file]
    return given + [key for key in in_file if key not in given]
