"""Authenticated encryption of free text at rest, with key rotation.

Keys come from PFA_ENCRYPTION_KEY (comma-separated, newest first) or, on the embedded default,
from a key file created beside the database with owner-only permissions, so that a local chat
just works and a copied database file reveals no message text.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from cryptography.fernet import Fernet, MultiFernet

KEY_ENV = "PFA_ENCRYPTION_KEY"


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

    def rotate(self, token: bytes) -> bytes:
        """Re-encrypt a token under the newest key."""
        return self._fernet.rotate(token)


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")


def keys_from_env(value: str) -> list[bytes]:
    return [part.strip().encode("ascii", errors="replace") for part in value.split(",") if part.strip()]


def load_cipher(key_file: Path, environ: Mapping[str, str] | None = None) -> Cipher:
    """The cipher from the environment's keys, or from (a newly created) key file.

    Raises KeyProblem, naming the setting or the file, when a key cannot be used."""
    env = os.environ if environ is None else environ
    if env.get(KEY_ENV):
        return _cipher_from(KEY_ENV, env[KEY_ENV])
    return _cipher_from(f"the key file {key_file}", _read_or_create(key_file))


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
