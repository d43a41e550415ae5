"""Telegram: real `Update` objects through the real `Application`, with an offline transport that
records every Bot API call and answers like Telegram would."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram import Update
from telegram.error import NetworkError

from bot.bootstrap import App, bootstrap
from bot.channels.telegram import TelegramChannel
from bot.settings import TelegramSettings
from bot.staff import StaffIdentity
from tests.bot.offline import OfflineTransport
from tests.policies import paging_around_the_clock

TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef"
PERSON_CHAT, STAFF_USER, STAFF_GROUP, STRANGER = 5001, 9001, -100777, 6666
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "pfa-bot", "username": "pfa_test_bot"}


class OfflineBotApi(OfflineTransport):
    """Records Bot API calls and answers them; can answer 429 (flood control) a number of times first."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.flood_replies = 0
        self.network_failures = 0
        self.failed_acknowledgements = 0
        self._message_id = 100

    def answer(self, name: str, params: dict[str, Any]) -> tuple[int, bytes]:
        if name == "answerCallbackQuery" and self.failed_acknowledgements > 0:
            self.failed_acknowledgements -= 1
            raise NetworkError("timed out")
        if name == "sendMessage" and self.network_failures > 0:
            self.network_failures -= 1
            raise NetworkError("connection refused")
        if name == "sendMessage" and self.flood_replies > 0:
            self.flood_replies -= 1
            body = {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests",
                "parameters": {"retry_after": 1},
            }
            return 429, json.dumps(body).encode()
        self.calls.append((name, params))
        return 200, json.dumps({"ok": True, "result": self._result(name, params)}).encode()

    def _result(self, name: str, params: dict[str, Any]) -> Any:
        if name == "getMe":
            return BOT_USER
        if name in ("sendMessage", "editMessageText"):
            self._message_id += 1
            chat = {
                "id": int(params["chat_id"]),
                "type": "private" if int(params["chat_id"]) > 0 else "supergroup",
            }
            message_id = params.get("message_id", self._message_id)
            return {"message_id": int(message_id), "date": 0, "chat": chat, "text": params.get("text", "")}
        return True

    def sent(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        return [
            p
            for name, p in self.calls
            if name == "sendMessage" and (chat_id is None or int(p["chat_id"]) == chat_id)
        ]

    def texts(self, chat_id: int) -> list[str]:
        return [str(p["text"]) for p in self.sent(chat_id)]

    def buttons(self, chat_id: int) -> list[str]:
        markup = self.sent(chat_id)[-1].get("reply_markup")
        keyboard = (
            json.loads(markup)["inline_keyboard"] if isinstance(markup, str) else markup["inline_keyboard"]
        )
        return [row[0]["callback_data"] for row in keyboard]


class Telegram:
    """Builds updates the way Telegram would send them, and pushes them through the Application."""

    def __init__(self, application: Any, api: OfflineBotApi, channel: TelegramChannel):
        self.application, self.api, self.channel = application, api, channel
        self._update_id = 1

    async def text(self, text: str, user: int = PERSON_CHAT, chat: int | None = None, **extra: Any) -> None:
        chat_id = chat if chat is not None else user
        message = {**self._message(user, chat_id), "text": text, **extra}
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        await self.push({"message": message})

    async def press(self, data: str, user: int = PERSON_CHAT, chat: int | None = None) -> None:
        chat_id = chat if chat is not None else user
        query = {"id": str(self._update_id), "from": _user(user), "chat_instance": "1", "data": data}
        query["message"] = {**self._message(BOT_USER["id"], chat_id), "text": "earlier message"}
        await self.push({"callback_query": query})

    async def push(self, body: dict[str, Any], update_id: int | None = None) -> None:
        update_id = update_id or self._next_id()
        await self.application.process_update(
            Update.de_json({"update_id": update_id, **body}, self.application.bot)
        )

    async def deliver(self) -> int:
        return await self.channel.outbox.dispatch_once(self.application.bot)

    def _message(self, user: int, chat_id: int) -> dict[str, Any]:
        chat = {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup", "title": "staff"}
        return {
            "message_id": self._next_id(),
            "date": int(dt.datetime.now().timestamp()),
            "chat": chat,
            "from": _user(user),
        }

    def _next_id(self) -> int:
        self._update_id += 1
        return self._update_id


def _user(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": "Someone", "language_code": "en-GB"}


@pytest.fixture
def app(tmp_path, cipher) -> App:
    application = bootstrap(f"sqlite:///{tmp_path / 'tg.db'}", cipher, policy=paging_around_the_clock())
    yield application
    application.close()


@pytest.fixture
async def telegram(app: App) -> AsyncIterator[Telegram]:
    api = OfflineBotApi()
    channel = TelegramChannel(app, TelegramSettings(token=TOKEN, staff_chat_id=STAFF_GROUP))
    application = channel.application(request=api)
    async with application:
        yield Telegram(application, api, channel)


async def at_menu(telegram: Telegram) -> None:
    for step in ("/start", "o:agree", "o:yes"):
        await (telegram.text(step) if step.startswith("/") else telegram.press(step))
    await telegram.text("a rough week at work")
    await telegram.press("o:5")


async def test_a_persons_journey_with_buttons_and_typing(telegram):
    api = telegram.api
    await telegram.text("/start")
    assert "not a person" in api.texts(PERSON_CHAT)[-1]
    assert api.buttons(PERSON_CHAT) == ["o:agree", "o:decline"]
    await telegram.press("o:agree")
    assert "United Kingdom" in api.texts(PERSON_CHAT)[-1]  # from the en-GB locale hint
    assert any(name == "answerCallbackQuery" for name, _ in api.calls)
    await telegram.press("o:yes")
    await telegram.text("I feel overwhelmed and alone")
    assert "overwhelmed and alone" in api.texts(PERSON_CHAT)[-1]
    await telegram.text("6")
    await telegram.press("o:grounding")
    await telegram.press("o:senses")
    assert "5 things you can see" in api.texts(PERSON_CHAT)[-1]
    await telegram.text("a lamp")
    assert "4 things you can feel" in api.texts(PERSON_CHAT)[-1]
    assert all("parse_mode" not in params for params in api.sent())


async def test_a_message_at_telegrams_length_limit_is_assessed_whole(telegram):
    await at_menu(telegram)
    story = "Work has been awful and home is no better, I keep going over it all night. " * 53
    crisis = story + "I am going to kill myself tonight."
    assert 4_000 < len(crisis) <= 4_096
    await telegram.text(crisis)
    assert "116 123" in " ".join(telegram.api.texts(PERSON_CHAT)[-3:])


async def test_a_button_from_an_earlier_step_is_answered_gracefully(telegram):
    await at_menu(telegram)
    await telegram.press("o:agree")
    assert "earlier step" in telegram.api.texts(PERSON_CHAT)[-1]


async def test_commands_are_registered_at_start(telegram):
    await telegram.channel.register_commands(telegram.application.bot)
    ((_, params),) = [call for call in telegram.api.calls if call[0] == "setMyCommands"]
    commands = params["commands"]
    names = [c["command"] for c in (json.loads(commands) if isinstance(commands, str) else commands)]
    assert names == ["start", "help", "sos", "menu", "plan", "checkins", "stop", "forget", "language"]


async def test_an_update_delivered_twice_is_handled_once(telegram):
    body = {"message": {**telegram._message(PERSON_CHAT, PERSON_CHAT), "text": "hello"}}
    await telegram.push(body, update_id=4242)
    await telegram.push(body, update_id=4242)
    assert len(telegram.api.sent(PERSON_CHAT)) == 1


@pytest.mark.parametrize(
    "kind",
    [
        {"voice": {"file_id": "v", "file_unique_id": "v", "duration": 2}},
        {
            "sticker": {
                "file_id": "s",
                "file_unique_id": "s",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
                "type": "regular",
            }
        },
        {"location": {"latitude": 1.0, "longitude": 2.0}},
    ],
)
async def test_non_text_messages_get_a_kind_word(telegram, kind):
    await telegram.push({"message": {**telegram._message(PERSON_CHAT, PERSON_CHAT), **kind}})
    assert "only read text" in telegram.api.texts(PERSON_CHAT)[-1]


async def test_a_person_writing_in_a_group_is_asked_to_write_privately(telegram):
    await telegram.text("hello", user=PERSON_CHAT, chat=-100555)
    assert "direct message" in telegram.api.texts(-100555)[-1]


async def test_long_replies_are_split_and_announced_with_typing(telegram):
    from bot.channels.telegram_render import send_reply, split_text

    text = ("word " * 1500).strip()
    pieces = split_text(text)
    assert len(pieces) == 2 and all(len(piece) <= 4096 for piece in pieces)
    await send_reply(telegram.application.bot, PERSON_CHAT, text, [("menu", "Back to the menu")])
    assert [name for name, _ in telegram.api.calls[-3:]] == ["sendChatAction", "sendMessage", "sendMessage"]
    assert "reply_markup" in telegram.api.sent(PERSON_CHAT)[-1]


async def test_flood_control_is_waited_out_without_losing_or_doubling_a_reply(telegram):
    telegram.api.flood_replies = 1
    await telegram.text("/start")
    assert len(telegram.api.sent(PERSON_CHAT)) == 1


async def test_a_page_a_claim_and_the_relay_both_ways(app, telegram):
    api = telegram.api
    app.admin.add_staff("Sam Jones", "counsellor", STAFF_USER)
    await telegram.text("/oncall on", user=STAFF_USER)
    assert api.texts(STAFF_USER)[-1] == "You're on call. Thank you."
    await at_menu(telegram)
    await telegram.press("o:person")
    assert any("has been alerted" in text for text in api.texts(PERSON_CHAT)[-2:])
    await telegram.deliver()
    (page,) = api.sent(STAFF_GROUP)
    assert "Case 1" in page["text"] and "Paging: Sam Jones" in page["text"]
    assert api.buttons(STAFF_GROUP) == ["claim:1"]
    await telegram.press("claim:1", user=STRANGER, chat=STAFF_GROUP)
    refused = [p for name, p in api.calls if name == "answerCallbackQuery" and p.get("show_alert")]
    assert refused and "registered team members only" in refused[-1]["text"]
    await telegram.press("claim:1", user=STAFF_USER, chat=STAFF_GROUP)
    assert "You have case 1" in api.texts(STAFF_USER)[-1]
    await telegram.deliver()
    assert api.texts(PERSON_CHAT)[-1] == "Sam from our team has joined. Anything you write now goes to them."
    edits = [p for name, p in api.calls if name == "editMessageText"]
    assert (
        edits and edits[-1]["text"] == "Case 1 was claimed by Sam Jones." and "reply_markup" not in edits[-1]
    )
    await telegram.text("thank you for coming")
    await telegram.deliver()
    assert api.texts(STAFF_USER)[-1] == "Case 1 · person: thank you for coming"
    await telegram.text("I'm here. Breathe with me.", user=STAFF_USER)
    await telegram.deliver()
    assert api.texts(PERSON_CHAT)[-1] == "Sam (team): I'm here. Breathe with me."
    assert str(STAFF_USER) not in api.texts(PERSON_CHAT)[-1]


async def test_forget_edits_the_page_in_the_staff_group_so_their_words_leave_it(app, telegram):
    api = telegram.api
    app.admin.add_staff("Sam Jones", "counsellor", STAFF_USER)
    await telegram.text("/oncall on", user=STAFF_USER)
    await at_menu(telegram)
    await telegram.press("o:person")
    await telegram.deliver()
    assert "a rough week at work" in api.sent(STAFF_GROUP)[-1]["text"]
    await telegram.text("/forget")
    await telegram.press("o:forget_yes")
    await telegram.deliver()
    edits = [p for name, p in api.calls if name == "editMessageText"]
    assert edits and edits[-1]["text"].startswith("Case 1 is closed: the person asked us to erase everything")


async def test_only_registered_staff_can_use_staff_commands(app, telegram):
    await telegram.text("/queue", user=STRANGER, chat=STAFF_GROUP)
    assert telegram.api.texts(STAFF_GROUP)[-1] == "This command is for registered team members only."
    app.admin.add_staff("Sue Park", "supervisor", STAFF_USER)
    await telegram.text("/queue", user=STAFF_USER, chat=STAFF_GROUP)
    assert telegram.api.texts(STAFF_GROUP)[-1] == "No cases are waiting."
    assert app.staff.member(StaffIdentity(telegram_id=STAFF_USER)) is not None


async def test_a_malformed_update_is_dropped_safely_and_a_failure_still_answers_with_the_lines(telegram, app):
    await telegram.push({"message": {**telegram._message(PERSON_CHAT, PERSON_CHAT)}})  # no text, no content
    original = app.conversations.handle

    def broken(*args, **kwargs):
        raise RuntimeError("the service fell over")

    app.conversations.handle = broken
    try:
        await telegram.text("hello")
    finally:
        app.conversations.handle = original
    assert "something went wrong" in telegram.api.texts(PERSON_CHAT)[-1]
    assert "Emergency" in telegram.api.texts(PERSON_CHAT)[-1]


async def test_a_network_error_is_retried_and_the_reply_sent_once(telegram):
    telegram.api.network_failures = 2
    await telegram.text("/start")
    assert len(telegram.api.sent(PERSON_CHAT)) == 1


async def test_a_press_is_handled_even_when_acknowledging_the_button_fails(telegram):
    await telegram.text("/start")
    telegram.api.failed_acknowledgements = 1
    await telegram.press("o:agree")
    assert telegram.api.failed_acknowledgements == 0
    assert "United Kingdom" in telegram.api.texts(PERSON_CHAT)[-1]
    assert len(telegram.api.sent(PERSON_CHAT)) == 2


async def test_the_plan_is_sent_as_a_file_to_keep(telegram):
    await at_menu(telegram)
    await telegram.press("o:plan")
    await telegram.text("not sleeping")
    await telegram.press("o:plan_done")
    await telegram.text("/plan")
    await telegram.press("o:export_plan")
    documents = [params for name, params in telegram.api.calls if name == "sendDocument"]
    assert len(documents) == 1


async def test_breathing_pacing_is_written_out_to_follow(telegram):
    await at_menu(telegram)
    for option in ("o:breathing", "o:box", "o:ready"):
        await telegram.press(option)
    assert "Breathe in 4s · Hold 4s · Breathe out 4s · Hold 4s" in telegram.api.texts(PERSON_CHAT)[-1]


async def test_a_staff_reply_to_a_relayed_message_goes_to_that_case(app, telegram):
    api = telegram.api
    app.admin.add_staff("Sam Jones", "counsellor", STAFF_USER)
    await telegram.text("/oncall on", user=STAFF_USER)
    second = PERSON_CHAT + 1
    for person in (PERSON_CHAT, second):
        for step in ("/start", "o:agree", "o:yes"):
            await (
                telegram.text(step, user=person)
                if step.startswith("/")
                else telegram.press(step, user=person)
            )
        await telegram.text("rough", user=person)
        await telegram.press("o:5", user=person)
        await telegram.press("o:person", user=person)
    await telegram.text("/claim 1", user=STAFF_USER)
    await telegram.text("/claim 2", user=STAFF_USER)
    await telegram.text("hello?", user=second)
    await telegram.deliver()
    relayed = {
        "message_id": 77,
        "date": 0,
        "chat": {"id": STAFF_USER, "type": "private"},
        "text": "Case 2 · person: hello?",
    }
    await telegram.text("I'm here for you", user=STAFF_USER, reply_to_message=relayed)
    await telegram.deliver()
    assert api.texts(second)[-1] == "Sam (team): I'm here for you"
    await telegram.text("who is this for?", user=STAFF_USER)
    assert "Start your message with the case number" in api.texts(STAFF_USER)[-1]
