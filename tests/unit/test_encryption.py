"""The embedded default makes its own key, readable by its owner only; the environment's keys win."""

from __future__ import annotations

import stat

import pytest
from cryptography.fernet import InvalidToken

from storage.encryption import KEY_ENV, Cipher, generate_key, load_cipher


def test_a_key_file_is_created_once_with_owner_only_permissions(tmp_path):
    key_file = tmp_path / "data" / "encryption.key"
    first = load_cipher(key_file, environ={})
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    token = first.encrypt("hello")
    assert load_cipher(key_file, environ={}).decrypt(token) == "hello"


def test_keys_from_the_environment_are_used_newest_first(tmp_path):
    old, new = generate_key(), generate_key()
    token = Cipher([old.encode()]).encrypt("kept")
    both = load_cipher(tmp_path / "unused.key", environ={KEY_ENV: f"{new},{old}"})
    assert both.decrypt(token) == "kept"
    assert Cipher([new.encode()]).decrypt(both.rotate(token)) == "kept"
    assert not (tmp_path / "unused.key").exists()


def test_a_wrong_key_cannot_read_and_a_tampered_token_is_refused():
    token = Cipher([generate_key().encode()]).encrypt("private")
    with pytest.raises(InvalidToken):
        Cipher([generate_key().encode()]).decrypt(token)
    key = generate_key().encode()
    tampered = bytearray(Cipher([key]).encrypt("private"))
    tampered[20] ^= 1
    with pytest.raises(InvalidToken):
        Cipher([key]).decrypt(bytes(tampered))
