"""Our webhook server, in process: the secret token, the size limit, the 200 only once an update is
handled, setWebhook as the workers call it, and the health and readiness probes."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from sqlalchemy import Engine

from bot.bootstrap import App
from bot.channels.telegram import TelegramChannel
from bot.channels.telegram_app import announce_webhook
from bot.channels.webhook import MAX_BODY_BYTES, SECRET_HEADER, WebhookServer
from bot.health import not_ready
from bot.settings import TelegramSettings
from flows.safety import fail_safe_reply
from storage.database import make_engine
from storage.encryption import Cipher, generate_key
from storage.migrate import downgrade, upgrade
from tests.bot.test_telegram import PERSON_CHAT, TOKEN, OfflineBotApi, Telegram, app, telegram  # noqa: F401

SECRET = "s3cret"


@pytest.fixture
async def client(app: App, telegram: Telegram) -> AsyncIterator[httpx.AsyncClient]:  # noqa: F811
    asgi = WebhookServer(telegram.application, "/hook", SECRET, lambda: not_ready(app)).asgi
    transport = httpx.ASGITransport(app=asgi)
    async with httpx.AsyncClient(transport=transport, base_url="http://worker") as http:
        yield http


def an_update(telegram: Telegram, update_id: int, words: str = "hello") -> dict[str, object]:  # noqa: F811
    return {"update_id": update_id, "message": {**telegram._message(PERSON_CHAT, PERSON_CHAT), "text": words}}


async def test_only_requests_with_the_secret_token_are_handled(client, telegram):  # noqa: F811
    update = an_update(telegram, 501)
    missing = await client.post("/hook", json=update)
    wrong = await client.post("/hook", json=update, headers={SECRET_HEADER: "s3creT"})
    assert missing.status_code == wrong.status_code == 403
    assert telegram.api.sent(PERSON_CHAT) == []
    accepted = await client.post("/hook", json=update, headers={SECRET_HEADER: SECRET})
    assert accepted.status_code == 200


async def test_the_200_comes_once_the_update_is_handled_and_a_repeat_is_handled_once(client, telegram):  # noqa: F811
    update = an_update(telegram, 502, "/start")
    answer = await client.post("/hook", json=update, headers={SECRET_HEADER: SECRET})
    assert answer.status_code == 200
    assert "not a person" in telegram.api.texts(PERSON_CHAT)[-1]  # sent before Telegram heard 200
    again = await client.post("/hook", json=update, headers={SECRET_HEADER: SECRET})
    assert again.status_code == 200
    assert len(telegram.api.sent(PERSON_CHAT)) == 1
    assert await telegram.deliver() == 0  # the reply's outbox row was confirmed: never sent again


async def test_a_reply_telegram_did_not_take_goes_out_from_the_outbox_once_its_hold_lapses(app):  # noqa: F811
    api = OfflineBotApi()
    channel = TelegramChannel(app, TelegramSettings(token=TOKEN, outbox_lease=0.0))
    application = channel.application(request=api)
    async with application:
        telegram = Telegram(application, api, channel)
        api.network_failures = 3  # every try at the reply fails; the crisis lines still go out
        await telegram.text("/start")
        assert not any("not a person" in text for text in api.texts(PERSON_CHAT))
        assert api.texts(PERSON_CHAT) == [fail_safe_reply().text]
        assert await telegram.deliver() == 1
        assert "not a person" in api.texts(PERSON_CHAT)[-1]
        assert await telegram.deliver() == 0


async def test_a_body_past_the_limit_or_not_an_update_is_refused_unhandled(client, telegram):  # noqa: F811
    headers = {SECRET_HEADER: SECRET}
    huge = json.dumps(an_update(telegram, 503, "x" * MAX_BODY_BYTES)).encode()
    declared = await client.post("/hook", content=huge, headers=headers)

    async def chunks() -> AsyncIterator[bytes]:  # sent without a length: counted as it comes
        for start in range(0, len(huge), 65536):
            yield huge[start : start + 65536]

    streamed = await client.post("/hook", content=chunks(), headers=headers)
    garbage = await client.post("/hook", content=b"{not json", headers=headers)
    assert declared.status_code == streamed.status_code == 413
    assert garbage.status_code == 400
    assert telegram.api.sent(PERSON_CHAT) == []


async def test_the_webhook_is_set_with_the_secret_every_update_kind_and_nothing_dropped(telegram):  # noqa: F811
    settings = TelegramSettings(
        token=TOKEN, webhook_url="https://bot.example.org/hook", secret_token=SECRET, max_connections=12
    )
    await announce_webhook(telegram.application.bot, settings)
    ((_, params),) = [call for call in telegram.api.calls if call[0] == "setWebhook"]
    assert params["url"] == "https://bot.example.org/hook"
    assert params["secret_token"] == SECRET
    assert params["max_connections"] == 12
    assert params["drop_pending_updates"] is False
    allowed = params["allowed_updates"]
    allowed = json.loads(allowed) if isinstance(allowed, str) else allowed
    assert {"message", "edited_message", "callback_query"} <= set(allowed)


async def test_health_is_cheap_and_readiness_says_ready(client):
    health = await client.get("/healthz")
    ready = await client.get("/readyz")
    assert health.status_code == 200 and health.json() == {"status": "alive"}
    assert ready.status_code == 200 and ready.json() == {"ready": True}


def test_not_ready_with_the_migrations_behind_then_ready_once_upgraded(app):  # noqa: F811
    assert not_ready(app) is None
    downgrade(app.database, "-1")
    reason = not_ready(app)
    assert reason is not None and "pfa-bot db upgrade" in reason
    upgrade(app.database)
    assert not_ready(app) is None


@pytest.fixture
def unreachable() -> Iterator[Engine]:
    engine = make_engine("postgresql://postgres@127.0.0.1:9/nowhere")  # the discard port: refused
    yield engine
    engine.dispose()


def test_not_ready_when_the_database_cannot_be_reached(app, unreachable):  # noqa: F811
    assert not_ready(dataclasses.replace(app, database=unreachable)) == "database unreachable"


def test_not_ready_with_keys_that_read_none_of_the_data(app):  # noqa: F811
    stranger = Cipher([generate_key().encode()])
    reason = not_ready(dataclasses.replace(app, cipher=stranger))
    assert reason is not None and "keys" in reason


async def test_readiness_answers_503_with_the_reason(app, telegram, unreachable):  # noqa: F811
    down = dataclasses.replace(app, database=unreachable)
    asgi = WebhookServer(telegram.application, "/hook", SECRET, lambda: not_ready(down)).asgi
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi), base_url="http://w") as http:
        answer = await http.get("/readyz")
        alive = await http.get("/healthz")
    assert answer.status_code == 503
    assert answer.json() == {"ready": False, "reason": "database unreachable"}
    assert alive.status_code == 200  # alive, though not ready: restarting it would not help
