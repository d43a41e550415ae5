"""Rendering for Telegram: plain text (a person's own words can break no formatting), inline
keyboards for options, typing before long replies, and splitting under Telegram's length limit."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.constants import ChatAction
from telegram.error import NetworkError, TelegramError, TimedOut

from flows.intents import Pacing, Reply

MAX_LENGTH = 4096
TYPING_FROM = 400  # characters: longer replies get a typing indicator first


async def send_replies(bot: Any, chat_id: int, replies: list[Reply]) -> None:
    for reply in replies:
        text = reply.text + pacing_line(reply.pacing)
        await send_reply(bot, chat_id, text, [(o.id, o.label) for o in reply.options])
        if reply.attachment is not None:
            name, text = reply.attachment
            await bot.send_document(chat_id, InputFile(text.encode("utf-8"), filename=name))


def pacing_line(pacing: Pacing | None) -> str:
    """A chat cannot count out loud: the rhythm is written out for the person to follow."""
    if pacing is None:
        return ""
    return "\n\n" + " · ".join(f"{phase.label} {phase.seconds}s" for phase in pacing.phases)


async def send_reply(bot: Any, chat_id: int, text: str, options: list[tuple[str, str]]) -> None:
    """Plain text (nothing a person writes can break formatting), split under the length limit."""
    if len(text) >= TYPING_FROM:
        with contextlib.suppress(TelegramError):
            await bot.send_chat_action(chat_id, ChatAction.TYPING)
    chunks = split_text(text)
    keyboard = keyboard_for(options)
    for number, chunk in enumerate(chunks, start=1):
        markup = keyboard if number == len(chunks) else None
        await with_retries(partial(bot.send_message, chat_id, chunk, reply_markup=markup))


async def with_retries(send: Callable[[], Awaitable[Any]], attempts: int = 3) -> Any:
    """Retry a send that never reached Telegram (no connection); flood control is the rate limiter's.

    A time-out is not retried: the message may have arrived, and a person must not read it twice.
    """
    for attempt in range(attempts):
        try:
            return await send()
        except TimedOut:
            raise
        except NetworkError:
            if attempt == attempts - 1:
                raise
            await asyncio.sleep(0.2 * 2**attempt)
    return None


async def send_plain(bot: Any, chat_id: int, lines: list[str]) -> None:
    if lines:
        await send_reply(bot, chat_id, "\n".join(lines), [])


def keyboard_for(options: list[tuple[str, str]]) -> InlineKeyboardMarkup | None:
    if not options:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=f"o:{id_}")] for id_, label in options]
    )


def split_text(text: str, limit: int = MAX_LENGTH) -> list[str]:
    """Split at paragraph, then line, then word boundaries so that each piece fits one message."""
    chunks: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = max(rest.rfind(sep, 0, limit) for sep in ("\n\n", "\n", " "))
        cut = cut if cut > 0 else limit
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return [*chunks, rest]
