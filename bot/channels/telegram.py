"""Telegram, through python-telegram-bot: people in private chats, staff in their group and in private.

Handlers turn an update into plain data, call the services (in a worker thread: they do blocking
database work), and render what comes back as plain text with inline keyboards. Updates are
handled concurrently across chats but strictly one at a time within a chat, and an update delivered
twice is handled once: a person's update is recorded as handled in the transaction that handles it
(so one whose handling never committed is handled when Telegram sends it again), with its replies
queued there and held while this worker sends them (so a worker dying after the commit loses none);
any other update (staff, groups, a kind word for a sticker) is recorded just before it is handled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
from collections import defaultdict
from collections.abc import Awaitable
from typing import Any

from telegram import (
    BotCommand,
    CallbackQuery,
    Message,
    Update,
)
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackContext,
    CallbackQueryHandler,
    ExtBot,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.channels.telegram_outbox import TelegramOutbox, TelegramServices
from bot.channels.telegram_render import send_plain, send_replies
from bot.service import Handled, Received
from bot.settings import TelegramSettings
from bot.staff import StaffIdentity
from flows.content import content_for
from flows.events import Choice, Edited, Event, parse_text
from flows.safety import fail_safe_reply

# Opt in now to the timedelta type PTB will use for durations, so its deprecation warning never fires.
os.environ.setdefault("PTB_TIMEDELTA", "1")
log = logging.getLogger(__name__)
CHANNEL = "telegram"
RELAYED_CASE = re.compile(r"^Case (\d+) · person:")
PERSON_COMMANDS = [
    ("start", "Start or pick up where we left off"),
    ("help", "What I can do"),
    ("sos", "Crisis lines now"),
    ("menu", "Things that can help"),
    ("plan", "My safety plan"),
    ("checkins", "My planned check-ins"),
    ("stop", "Pause (and cancel check-ins)"),
    ("forget", "Erase everything about me"),
    ("language", "Change language"),
]
Context = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]


def person_id(chat_id: int) -> str:
    return f"{CHANNEL}:{chat_id}"


class PerChatProcessor(BaseUpdateProcessor):
    """Many chats at once, but one update at a time within a chat, in the order they came."""

    def __init__(self, max_concurrent_updates: int = 64):
        super().__init__(max_concurrent_updates)
        self._locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        async with self._locks[chat.id if chat else 0]:
            await coroutine

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


class TelegramChannel:
    """People and staff on Telegram: builds the PTB application and handles its updates."""

    def __init__(self, services: TelegramServices, settings: TelegramSettings):
        self.services = services
        self.settings = settings
        self.outbox = TelegramOutbox(services, settings)
        self._dispatcher: asyncio.Task[None] | None = None

    def application(self, request: BaseRequest | None = None) -> Application[Any, Any, Any, Any, Any, Any]:
        """The PTB application with our handlers; `request` replaces the network (as tests do)."""
        builder = (
            ApplicationBuilder()
            .token(self.settings.token)
            .base_url(self.settings.base_url)
            .rate_limiter(AIORateLimiter(overall_max_rate=self.settings.send_rate, max_retries=5))
            .concurrent_updates(PerChatProcessor())
            .post_init(self._started)
            .post_stop(self._stopping)
        )
        if request is not None:
            builder = builder.request(request).get_updates_request(request)
        application = builder.build()
        self._add_handlers(application)
        return application

    def _add_handlers(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        private, groups = filters.ChatType.PRIVATE, filters.ChatType.GROUPS
        new = filters.UpdateType.MESSAGE
        application.add_handler(CallbackQueryHandler(self._on_button))
        application.add_handler(MessageHandler(private & new & filters.TEXT, self._on_private_text))
        application.add_handler(
            MessageHandler(private & filters.UpdateType.EDITED_MESSAGE & filters.TEXT, self._on_edit)
        )
        application.add_handler(MessageHandler(private & new & ~filters.TEXT, self._on_other))
        application.add_handler(MessageHandler(groups & new & filters.TEXT, self._on_group_text))
        application.add_error_handler(self._on_error)

    async def register_commands(self, bot: Any) -> None:
        await bot.set_my_commands([BotCommand(name, about) for name, about in PERSON_COMMANDS])

    async def _started(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        try:
            await self.register_commands(application.bot)
        except TelegramError:
            # Some Bot API servers (self-hosted, test servers) lack it; the bot works without the menu.
            log.warning("could not register the command menu")
        self._dispatcher = asyncio.create_task(self.outbox.run(application.bot))

    async def _stopping(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        if self._dispatcher is not None:
            self._dispatcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._dispatcher

    async def _on_error(self, update: object, context: Context) -> None:
        """A handler failed: log it without content, and never leave a person without the crisis lines."""
        error = context.error
        log.error(
            "handling an update failed", exc_info=(type(error), error, error.__traceback__) if error else None
        )
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is not None and chat.type == ChatType.PRIVATE:
            with contextlib.suppress(TelegramError):
                await context.bot.send_message(chat.id, fail_safe_reply().text)

    async def _first_time(self, update: Update) -> bool:
        """Record an update that is not a person's as handled; False (and logged) when it was before.
        A person's updates are recorded in the transaction that handles them instead (`_person`)."""
        fresh = await asyncio.to_thread(self.services.channel_records.first_time, CHANNEL, update.update_id)
        if not fresh:
            log.info("dropped a duplicate update")
        return fresh

    async def _on_private_text(self, update: Update, context: Context) -> None:
        """Advance the person's conversation (or run the staff member's command) and send the result."""
        message, user = update.effective_message, update.effective_user
        if message is None or user is None or message.text is None:
            return
        identity = StaffIdentity(telegram_id=user.id)
        if await asyncio.to_thread(self.services.staff.member, identity):
            if await self._first_time(update):
                await self._staff(message, identity, staff_text(message))
            return
        await self._person(update, message, parse_text(message.text), user.language_code)

    async def _on_edit(self, update: Update, context: Context) -> None:
        message = update.edited_message
        if message is None or message.text is None or message.from_user is None:
            return
        if not await asyncio.to_thread(
            self.services.staff.member, StaffIdentity(telegram_id=message.from_user.id)
        ):
            await self._person(update, message, Edited(message.text), message.from_user.language_code)

    async def _on_other(self, update: Update, context: Context) -> None:
        """Photos with a caption are read as text; voice, stickers, places and contacts get a kind word."""
        message = update.effective_message
        if message is None:
            return
        if message.caption:
            await self._person(update, message, parse_text(message.caption), None)
        elif await self._first_time(update):
            await message.chat.send_message(content_for("en").text("common.non_text"))

    async def _on_group_text(self, update: Update, context: Context) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None or user is None or message.text is None or not await self._first_time(update):
            return
        if message.chat.id != self.settings.staff_chat_id:
            await message.reply_text(content_for("en").text("common.private_only"))
            return
        if message.text.startswith("/"):
            replies = await asyncio.to_thread(
                self.services.staff.handle, StaffIdentity(telegram_id=user.id), message.text
            )
            await send_plain(message.get_bot(), message.chat.id, replies)

    async def _on_button(self, update: Update, context: Context) -> None:
        query = update.callback_query
        if query is None or query.data is None:
            return
        if query.data.startswith("claim:"):
            if await self._first_time(update):
                await self._claim(query, query.data.removeprefix("claim:"))
        elif query.message is not None and query.message.chat.type == ChatType.PRIVATE:
            await acknowledge(query)
            chat_id = query.message.chat.id
            event = Choice(query.data.removeprefix("o:"))
            handled = await asyncio.to_thread(
                self.services.conversations.handle,
                person_id(chat_id),
                event,
                query.from_user.language_code,
                self._received(update),
            )
            await self._send(query.get_bot(), chat_id, handled)
        else:
            await acknowledge(query)

    async def _claim(self, query: CallbackQuery, case: str) -> None:
        identity = StaffIdentity(telegram_id=query.from_user.id)
        if not await asyncio.to_thread(self.services.staff.member, identity):
            log.warning("refused a claim button from someone not registered and active")
            await acknowledge(query, content_for("en").text("staff.not_staff"))
            return
        await acknowledge(query)
        replies = await asyncio.to_thread(self.services.staff.handle, identity, f"/claim {case}")
        await send_plain(query.get_bot(), query.from_user.id, replies)

    async def _person(self, update: Update, message: Message, event: Event, locale: str | None) -> None:
        chat_id = message.chat.id
        handled = await asyncio.to_thread(
            self.services.conversations.handle, person_id(chat_id), event, locale, self._received(update)
        )
        await self._send(message.get_bot(), chat_id, handled)

    def _received(self, update: Update) -> Received:
        return Received(CHANNEL, update.update_id, self.outbox.lease)

    async def _send(self, bot: Any, chat_id: int, handled: Handled) -> None:
        """Send a person's replies, then confirm the outbox rows that held them: a worker that dies
        (or a Telegram that fails) before that has them sent by the outbox once the hold lapses."""
        await send_replies(bot, chat_id, handled.replies)
        if handled.held:
            await asyncio.to_thread(self.services.outbox.mark_delivered, handled.held)

    async def _staff(self, message: Message, identity: StaffIdentity, text: str) -> None:
        replies = await asyncio.to_thread(self.services.staff.handle, identity, text)
        await send_plain(message.get_bot(), message.chat.id, replies)


async def acknowledge(query: CallbackQuery, alert: str | None = None) -> None:
    """Stop the button's spinner (showing `alert` if given). It is only a courtesy: when Telegram
    cannot be reached for it, the press is still handled and answered."""
    try:
        await query.answer(alert, show_alert=alert is not None)
    except TelegramError:
        log.warning("could not acknowledge a button press")


def staff_text(message: Message) -> str:
    """A staff member's reply to a relayed message goes to that message's case."""
    text = message.text or ""
    replied = message.reply_to_message
    found = RELAYED_CASE.match(replied.text or "") if replied is not None else None
    if found and not text.startswith(("/", "#")):
        return f"#{found.group(1)} {text}"
    return text
