"""Delivering the outbox on Telegram: replies to people, pages to the staff group, staff messages.

A message is claimed for a lease before it is sent and marked delivered only once Telegram has taken
it: of several workers one sends it, and a crash in between sends it again (by any worker, once the
lease lapses) rather than losing it. Pages for one case and level go to the staff group as one message that
mentions the staff paged, with a Claim button; once the case is claimed the page is edited to say
who took it, and the button goes away.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import defaultdict
from typing import Any, Protocol

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, MessageEntity, User
from telegram.constants import MessageEntityType
from telegram.error import TelegramError

from bot.channels.polling import Backoff
from bot.channels.telegram_render import send_replies
from bot.outbox import ChannelRecordService, OutboxService
from bot.service import ConversationService, reply_from_payload
from bot.settings import TelegramSettings
from bot.staff import StaffService
from flows.ports import Delivery

log = logging.getLogger(__name__)
PERSON_PREFIX, STAFF_PREFIX = "telegram:", "staff:"


class TelegramServices(Protocol):
    """What the Telegram channel uses of the application (`bot.bootstrap.App` has them): the
    conversations, the staff desk, the outbox and the channel's records; never the database itself."""

    conversations: ConversationService
    staff: StaffService
    outbox: OutboxService
    channel_records: ChannelRecordService


class TelegramOutbox:
    """Delivers queued messages on Telegram, marking each delivered once Telegram has it."""

    def __init__(self, services: TelegramServices, settings: TelegramSettings, every: float = 0.2):
        self.services = services
        self.settings = settings
        self.every = every
        self.lease = dt.timedelta(seconds=settings.outbox_lease)

    async def run(self, bot: Any) -> None:
        """Deliver forever (until cancelled); a failure is logged and tried again on the next round."""
        backoff = Backoff(self.every)
        while True:
            try:
                await self.dispatch_once(bot)
            except Exception:  # the database or Telegram away for a moment: the loop must live on
                wait = backoff.failed("delivering the outbox")
            else:
                wait = backoff.succeeded()
            await asyncio.sleep(wait)

    async def dispatch_once(self, bot: Any) -> int:
        """Handle what the spool kept during an outage, then deliver everything pending now; return
        how many messages were delivered."""
        await asyncio.to_thread(self.services.conversations.replay_spool)
        delivered = await self._people(bot)
        return delivered + await self._staff(bot)

    async def _people(self, bot: Any) -> int:
        deliveries = await asyncio.to_thread(self._claim, PERSON_PREFIX)
        for delivery in deliveries:
            chat_id = int(delivery.recipient.removeprefix(PERSON_PREFIX))
            await send_replies(bot, chat_id, [reply_from_payload(delivery.payload)])
            await self._done([delivery])
        return len(deliveries)

    async def _staff(self, bot: Any) -> int:
        deliveries = await asyncio.to_thread(self._claim, STAFF_PREFIX)
        telegram_ids = await asyncio.to_thread(self.services.staff.telegram_ids)
        ours = [d for d in deliveries if _staff_id(d) in telegram_ids]  # console staff keep theirs
        pages = [d for d in ours if d.kind == "page"]
        taken = [d for d in ours if d.kind == "taken"]
        for group in _page_groups(pages).values():
            await self._page(bot, group, telegram_ids)
        for case_id, group in _by_case(taken).items():
            await self._mark_taken(bot, case_id, group)
        for delivery in (d for d in ours if d.kind not in ("page", "taken")):
            await bot.send_message(telegram_ids[_staff_id(delivery)], str(delivery.payload["text"]))
            await self._done([delivery])
        return len(ours)

    async def _page(self, bot: Any, group: list[Delivery], telegram_ids: dict[int, int]) -> None:
        first = group[0]
        names = {member.id: member.name for member in await asyncio.to_thread(self.services.staff.members)}
        paged = [(telegram_ids[_staff_id(d)], names.get(_staff_id(d), "?")) for d in group]
        text, entities = _with_mentions(str(first.payload["text"]), paged)
        button = InlineKeyboardMarkup(
            [[InlineKeyboardButton("Claim", callback_data=f"claim:{first.case_id}")]]
        )
        if self.settings.staff_chat_id is None:
            for telegram_id, _ in paged:
                await bot.send_message(telegram_id, text, reply_markup=button)
        else:
            sent = await bot.send_message(
                self.settings.staff_chat_id, text, entities=entities, reply_markup=button
            )
            if first.case_id is not None:
                await asyncio.to_thread(
                    self.services.channel_records.record_page, first.case_id, sent.chat_id, sent.message_id
                )
        await self._done(group)

    async def _mark_taken(self, bot: Any, case_id: int | None, group: list[Delivery]) -> None:
        records = self.services.channel_records
        pages = await asyncio.to_thread(records.pages, case_id) if case_id is not None else []
        for chat_id, message_id in pages:
            try:
                await bot.edit_message_text(
                    str(group[0].payload["text"]), chat_id=chat_id, message_id=message_id
                )
            except TelegramError:
                log.warning("could not edit a claimed page")
        await self._done(group)

    def _claim(self, prefix: str) -> list[Delivery]:
        """Rows this worker alone sends now: others running beside it skip them until the lease ends."""
        return self.services.outbox.claim_deliveries(prefix, self.lease)

    async def _done(self, deliveries: list[Delivery]) -> None:
        await asyncio.to_thread(self.services.outbox.mark_delivered, [d.id for d in deliveries])


def _staff_id(delivery: Delivery) -> int:
    return int(delivery.recipient.removeprefix(STAFF_PREFIX))


def _page_groups(pages: list[Delivery]) -> dict[tuple[int | None, str], list[Delivery]]:
    groups: defaultdict[tuple[int | None, str], list[Delivery]] = defaultdict(list)
    for delivery in pages:
        groups[(delivery.case_id, str(delivery.payload.get("level_name", "")))].append(delivery)
    return groups


def _by_case(deliveries: list[Delivery]) -> dict[int | None, list[Delivery]]:
    groups: defaultdict[int | None, list[Delivery]] = defaultdict(list)
    for delivery in deliveries:
        groups[delivery.case_id].append(delivery)
    return groups


def _with_mentions(text: str, paged: list[tuple[int, str]]) -> tuple[str, list[MessageEntity]]:
    """Append the names of the staff paged, each a mention that notifies them (no markup to break)."""
    prefix = f"{text}\n\nPaging: "
    entities, parts, offset = [], [], len(prefix.encode("utf-16-le")) // 2
    for telegram_id, name in paged:
        user = User(telegram_id, name, is_bot=False)
        length = len(name.encode("utf-16-le")) // 2
        entities.append(MessageEntity(MessageEntityType.TEXT_MENTION, offset, length, user=user))
        parts.append(name)
        offset += length + 2
    return prefix + ", ".join(parts), entities
