"""`pfa-bot run` settings: a missing or wrong setting stops the start and names itself."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from bot.bootstrap import bootstrap
from bot.channels.telegram import TelegramChannel
from bot.channels.telegram_app import _check_token
from bot.settings import SettingsError, TelegramSettings, load_settings
from tests.bot.offline import OfflineTransport

TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in (
        "PFA_TELEGRAM_TOKEN",
        "PFA_TELEGRAM_BASE_URL",
        "PFA_STAFF_CHAT_ID",
        "PFA_WEBHOOK_URL",
        "PFA_WEBHOOK_SECRET",
        "PFA_TELEGRAM_SEND_RATE",
    ):
        monkeypatch.delenv(name, raising=False)


def test_a_missing_token_is_named(tmp_path):
    with pytest.raises(SettingsError, match="PFA_TELEGRAM_TOKEN is not set"):
        load_settings(tmp_path / "none.env")


def test_settings_come_from_a_dot_env_file_and_the_environment_wins(tmp_path, monkeypatch):
    env = tmp_path / ".env"
    env.write_text(f"PFA_TELEGRAM_TOKEN={TOKEN}\nPFA_STAFF_CHAT_ID=-1001\n", encoding="utf-8")
    monkeypatch.setenv("PFA_STAFF_CHAT_ID", "-1002")
    settings = load_settings(env)
    assert settings.token == TOKEN and settings.staff_chat_id == -1002
    assert settings.base_url == "https://api.telegram.org/bot"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PFA_TELEGRAM_TOKEN", "not-a-token", "PFA_TELEGRAM_TOKEN does not look like a bot token"),
        ("PFA_STAFF_CHAT_ID", "staff", "PFA_STAFF_CHAT_ID must be a whole number"),
        ("PFA_TELEGRAM_BASE_URL", "localhost:8081", "PFA_TELEGRAM_BASE_URL must start with http"),
    ],
)
def test_an_invalid_setting_is_named(tmp_path, monkeypatch, name, value, message):
    monkeypatch.setenv("PFA_TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=message):
        load_settings(tmp_path / "none.env")


def test_a_webhook_needs_a_secret_token(tmp_path, monkeypatch):
    monkeypatch.setenv("PFA_TELEGRAM_TOKEN", TOKEN)
    with pytest.raises(SettingsError, match="secret token"):
        load_settings(tmp_path / "none.env", webhook_url="https://example.org/hook")
    settings = load_settings(
        tmp_path / "none.env", webhook_url="https://example.org/hook", secret_token="s3cret"
    )
    assert settings.secret_token == "s3cret"


class RejectingBotApi(OfflineTransport):
    """Telegram's answer to a revoked or mistyped token."""

    def answer(self, name: str, params: dict[str, Any]) -> tuple[int, bytes]:
        return 401, json.dumps({"ok": False, "error_code": 401, "description": "Unauthorized"}).encode()


async def test_a_rejected_token_says_so(tmp_path, cipher):
    app = bootstrap(f"sqlite:///{tmp_path / 'r.db'}", cipher)
    application = TelegramChannel(app, TelegramSettings(token=TOKEN)).application(request=RejectingBotApi())
    with pytest.raises(SettingsError, match="rejected by the Bot API"):
        await _check_token(application)
    app.close()


def test_run_without_a_token_fails_at_start_naming_it(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PFA_")}
    env["XDG_DATA_HOME"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "PFA_TELEGRAM_TOKEN is not set" in done.stderr


def test_the_send_rate_is_telegrams_30_a_second_unless_shared_between_workers(tmp_path, monkeypatch):
    monkeypatch.setenv("PFA_TELEGRAM_TOKEN", TOKEN)
    assert load_settings(tmp_path / "none.env").send_rate == 30.0
    monkeypatch.setenv("PFA_TELEGRAM_SEND_RATE", "10")  # three workers share Telegram's 30
    assert load_settings(tmp_path / "none.env").send_rate == 10.0
