"""Starting the Telegram bot for real: settings checked, token verified, timers running, then serve."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from functools import partial
from typing import Any
from urllib.parse import urlparse

from telegram import Update
from telegram.error import InvalidToken

from bot.bootstrap import bootstrap
from bot.channels.telegram import TelegramChannel
from bot.channels.webhook import Readiness, WebhookServer, server
from bot.health import not_ready
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
                asyncio.run(_serve_webhook(application, settings, partial(not_ready, app)))
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


async def _serve_webhook(application: Any, settings: TelegramSettings, ready: Readiness) -> None:
    """Tell Telegram where to send updates, then serve them until SIGTERM (the updates in hand are
    finished and answered first)."""
    assert settings.webhook_url is not None and settings.secret_token is not None
    path = urlparse(settings.webhook_url).path
    webserver = server(
        WebhookServer(application, path, settings.secret_token, ready).asgi, settings.listen, settings.port
    )
    async with application:
        await announce_webhook(application.bot, settings)
        await application.start()
        await application.post_init(application)
        try:
            await webserver.serve()
        finally:
            await application.stop()
            await application.post_stop(application)


async def announce_webhook(bot: Any, settings: TelegramSettings) -> None:
    """Tell Telegram where to deliver updates, and the secret it must send with each."""
    await bot.set_webhook(
        url=settings.webhook_url,
        secret_token=settings.secret_token,
        allowed_updates=Update.ALL_TYPES,
        max_connections=settings.max_connections,
        drop_pending_updates=False,  # the updates waiting at Telegram are people's messages
    )
