"""Starting the Telegram bot for real: settings checked, token verified, timers running, then serve."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any
from urllib.parse import urlparse

from telegram import Update
from telegram.error import InvalidToken

from bot.bootstrap import bootstrap
from bot.channels.telegram import TelegramChannel
from bot.logs import configure_logging
from bot.settings import SettingsError, TelegramSettings
from storage.sole_poller import AnotherPoller, sole_poller

log = logging.getLogger(__name__)


def run_telegram(settings: TelegramSettings) -> int:
    """Serve until stopped (Ctrl-C or SIGTERM: the update in hand is finished first)."""
    configure_logging()
    app = bootstrap(settings.database_url)
    channel = TelegramChannel(app, settings)
    application = channel.application()
    try:
        asyncio.run(_check_token(application))
        with contextlib.nullcontext() if settings.webhook_url else sole_poller(app.database):
            app.start_timers()
            if settings.webhook_url:
                _serve_webhook(application, settings)
            else:
                application.run_polling(
                    allowed_updates=Update.ALL_TYPES, poll_interval=settings.poll_interval
                )
    except AnotherPoller as error:
        raise SettingsError(f"{error}: polling runs as one process; use webhook mode for several") from None
    finally:
        app.close()
    return 0


async def _check_token(application: Any) -> None:
    """Fail at once, naming the setting, when Telegram does not accept the token."""
    try:
        await application.bot.initialize()
    except InvalidToken as error:
        raise SettingsError(
            "PFA_TELEGRAM_TOKEN was rejected by the Bot API: check it with @BotFather"
        ) from error
    finally:
        await application.bot.shutdown()


def _serve_webhook(application: Any, settings: TelegramSettings) -> None:
    path = urlparse(settings.webhook_url or "").path.lstrip("/")
    application.run_webhook(
        listen=settings.listen,
        port=settings.port,
        url_path=path,
        webhook_url=settings.webhook_url,
        secret_token=settings.secret_token,
        allowed_updates=Update.ALL_TYPES,
    )
