"""Authenticated encryption of free text at rest, with key rotation.

Keys come from PFA_ENCRYPTION_KEY (comma-separated, newest first) or, on the embedded default,
from a key file created beside the database with owner-only permissions, so that a local chat
just works and a copied database file reveals no message text.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
from collections.abc import Mapping
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

KEY_ENV = "PFA_ENCRYPTION_KEY"
# What a row written under another key (one no process here holds) reads as.
UNREADABLE = "[unreadable: encrypted under another key]"
CHECK_TEXT = b"pfa-bot key check, version 1"

log = logging.getLogger(__name__)


class KeyProblem(ValueError):
    """A key that cannot be used; the message says which one, never the key itself."""


class Cipher:
    """Encrypts with the first key; decrypts with any of them, so old keys keep working."""

    def __init__(self, keys: list[bytes]):
        if not keys:
            raise KeyProblem("no encryption key is given")
        self.keys = list(keys)
        self._fernet = MultiFernet([_fernet(key, number, len(keys)) for number, key in enumerate(keys, 1)])

    def encrypt(self, text: str) -> bytes:
        return self._fernet.encrypt(text.encode("utf-8"))

    def decrypt(self, token: bytes) -> str:
        return self._fernet.decrypt(token).decode("utf-8")

    def decrypt_or_mark(self, token: bytes) -> str:
        """The text, or UNREADABLE when none of our keys made it: one row written under another key
        must not stop the queue, a case or an escalation that merely reads it."""
        try:
            return self.decrypt(token)
        except InvalidToken:
            log.warning("a value encrypted under a key this process does not have was read as unreadable")
            return UNREADABLE

    def can_read(self, token: bytes) -> bool:
        try:
            self._fernet.decrypt(token)
        except InvalidToken:
            return False
        return True

    def check_values(self) -> list[str]:
        """One check value a key, newest first (see check_value)."""
        return [check_value(key) for key in self.keys]

    def rotate(self, token: bytes) -> bytes:
        """Re-encrypt a token under the newest key."""
        return self._fernet.rotate(token)


def check_value(key: bytes) -> str:
    """What a database may hold to recognise a key: an HMAC of a fixed text made with the key's
    signing half. It reveals nothing of the key, and is the same for everyone holding that key."""
    signing_key = base64.urlsafe_b64decode(key)[:16]
    return hmac.new(signing_key, CHECK_TEXT, hashlib.sha256).hexdigest()


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")


def keys_from_env(value: str) -> list[bytes]:
    return [part.strip().encode("ascii", errors="replace") for part in value.split(",") if part.strip()]


def load_cipher(key_file: Path, environ: Mapping[str, str] | None = None, may_create: bool = True) -> Cipher:
    """The cipher from the environment's keys, or from the key file (made now if it may be).

    Raises KeyProblem, naming the setting or the file, when a key cannot be used or is missing."""
    env = os.environ if environ is None else environ
    if env.get(KEY_ENV):
        return _cipher_from(KEY_ENV, env[KEY_ENV])
    if not key_file.exists() and not may_create:
        raise KeyProblem(
            f"{KEY_ENV} is not set and there is no key file at {key_file}, but this database already "
            f"holds encrypted data: set {KEY_ENV} to the keys it was written with (nothing was changed)"
        )
    return _cipher_from(key_source(key_file, env), _read_or_create(key_file))


def key_source(key_file: Path, environ: Mapping[str, str] | None = None) -> str:
    """Where a process's keys come from, as an operator would look for them."""
    env = os.environ if environ is None else environ
    return KEY_ENV if env.get(KEY_ENV) else f"the key file {key_file}"


def write_key_file(key_file: Path, keys: list[bytes]) -> None:
    """Replace the key file with `keys` (newest first) in one step: a crash leaves the old file or the
    new one, never half of one, and the keys are never readable by anyone else, even for a moment."""
    key_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    draft = key_file.with_name(f".{key_file.name}.new")
    draft.unlink(missing_ok=True)
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(",".join(key.decode("ascii") for key in keys) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(draft, key_file)
    folder = os.open(key_file.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def _cipher_from(source: str, keys: str) -> Cipher:
    try:
        return Cipher(keys_from_env(keys))
    except KeyProblem as problem:
        raise KeyProblem(f"{source}: {problem}") from None


def _fernet(key: bytes, number: int, count: int) -> Fernet:
    try:
        return Fernet(key)
    except ValueError:
        which = "the key" if count == 1 else f"key {number} of {count}"
        raise KeyProblem(
            f"{which} is not a Fernet key (44 characters of url-safe base64; `pfa-bot keys generate` "
            "prints one)"
        ) from None


def _read_or_create(key_file: Path) -> str:
    if key_file.exists():
        return key_file.read_text(encoding="ascii")
    key_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # O_EXCL with mode 0600: the key never exists, even for a moment, with wider permissions.
    descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(generate_key())
    return key_file.read_text(encoding="ascii")
