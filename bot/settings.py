"""Settings for `pfa-bot run`, from the environment and an optional `.env` file.

A missing or invalid setting stops the start with a message that names it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import Path

from dotenv import dotenv_values

TOKEN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{20,}$")
DEFAULT_BASE_URL = "https://api.telegram.org/bot"


class SettingsError(ValueError):
    """A setting is missing or wrong; the message names it."""


@dataclass(frozen=True)
class TelegramSettings:
    """What `pfa-bot run` needs to know, checked at start."""

    token: str
    base_url: str = DEFAULT_BASE_URL
    staff_chat_id: int | None = None
    database_url: str | None = None
    webhook_url: str | None = None
    listen: str = "127.0.0.1"
    port: int = 8443
    secret_token: str | None = None
    # How many connections Telegram may open at once to deliver updates (its own default is 40).
    max_connections: int = 40
    poll_interval: float = 0.0
    # How long a worker holds outbox rows it is sending; unconfirmed past it, another worker resends.
    outbox_lease: float = 15.0
    # Messages a second this process sends across all chats. Telegram allows a bot about 30 in all,
    # whatever the number of processes: with N workers, give each 30/N.
    send_rate: float = 30.0


def load_settings(env_file: Path | None = Path(".env"), **overrides: object) -> TelegramSettings:
    """Settings from the process environment, which wins over the `.env` file."""
    values = {
        k: v for k, v in (dotenv_values(env_file) if env_file and env_file.exists() else {}).items() if v
    }
    values.update({k: v for k, v in os.environ.items() if k.startswith("PFA_")})
    token = _required(values, "PFA_TELEGRAM_TOKEN")
    if not TOKEN.match(token):
        raise SettingsError(
            "PFA_TELEGRAM_TOKEN does not look like a bot token (digits:letters, from @BotFather)"
        )
    settings = TelegramSettings(
        token=token,
        base_url=_base_url(values.get("PFA_TELEGRAM_BASE_URL") or DEFAULT_BASE_URL),
        staff_chat_id=_integer(values, "PFA_STAFF_CHAT_ID"),
        database_url=values.get("PFA_DATABASE_URL"),
        webhook_url=values.get("PFA_WEBHOOK_URL"),
        listen=values.get("PFA_WEBHOOK_LISTEN") or "127.0.0.1",
        port=_integer(values, "PFA_WEBHOOK_PORT") or 8443,
        secret_token=values.get("PFA_WEBHOOK_SECRET"),
        max_connections=_integer(values, "PFA_WEBHOOK_MAX_CONNECTIONS") or 40,
        poll_interval=_number(values, "PFA_TELEGRAM_POLL_INTERVAL"),
        outbox_lease=_number(values, "PFA_OUTBOX_LEASE_SECONDS") or 15.0,
        send_rate=_number(values, "PFA_TELEGRAM_SEND_RATE") or 30.0,
    )
    return _with_overrides(settings, overrides)


def _required(values: dict[str, str], name: str) -> str:
    value = (values.get(name) or "").strip()
    if not value:
        raise SettingsError(f"{name} is not set: put it in the environment or in .env")
    return value


def _integer(values: dict[str, str], name: str) -> int | None:
    raw = (values.get(name) or "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError as error:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from error


def _number(values: dict[str, str], name: str) -> float:
    raw = (values.get(name) or "0").strip()
    try:
        return float(raw)
    except ValueError as error:
        raise SettingsError(f"{name} must be a number of seconds, not {raw!r}") from error


def _base_url(url: str) -> str:
    if not url.startswith(("http://", "https://")):
        raise SettingsError(f"PFA_TELEGRAM_BASE_URL must start with http:// or https://, not {url!r}")
    return url


def _with_overrides(settings: TelegramSettings, overrides: dict[str, object]) -> TelegramSettings:
    given = {key: value for key, value in overrides.items() if value is not None}
    merged = replace(settings, **given)  # type: ignore[arg-type]
    if merged.webhook_url and not merged.secret_token:
        raise SettingsError("webhook mode needs a secret token: set PFA_WEBHOOK_SECRET or --secret-token")
    return merged
