"""A person's web chat through the real ASGI app on real SQLite and PostgreSQL: the key in a cookie,
messages in and replies out, resuming after a lost answer or a dropped stream with nothing lost,
the rate limits (a crisis always gets through), long messages assessed whole, erasing, and the
hand-off to a counsellor on the desk."""

# ruff: noqa: F811 (pytest fixtures are parameters named like the imported fixture)
from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import re
from typing import Any

import pytest
from sqlalchemy import text as sql
from starlette.testclient import TestClient

from bot.bootstrap import App
from bot.web.app import WebSettings, create_app
from bot.web.chat import MAX_BODY, WebChat, _stream
from bot.web.conversation import MAX_TEXT
from bot.web.people import COOKIE, SlidingLimit, WebLimits, locale_of, new_key, user_id_of
from bot.web.security import CSP
from flows.content import content_for

# The desk's own `app` fixture (staff on call around the clock); tests name it as a parameter.
from tests.bot.test_web_desk import app, post, signed_in  # noqa: F401

CRISIS = "I want to kill myself"
JSON = {"content-type": "application/json"}


class Page:
    """A person's browser on the chat: the cookie, the last row id it has, what it has shown."""

    def __init__(self, app: App, language: str = "en-GB", settings: WebSettings | None = None):
        self.client = TestClient(create_app(app, settings), follow_redirects=False)
        self.client.headers["accept-language"] = language
        self.opened = self.client.get("/")
        self.seen = 0
        self.shown: list[dict[str, Any]] = []
        self.next_id = 1

    @property
    def chat(self) -> WebChat:
        chat: WebChat = self.client.app.state.chat  # type: ignore[attr-defined]
        return chat

    @property
    def user_id(self) -> str:
        found = user_id_of(self.client.cookies[COOKIE])
        assert found is not None
        return found

    def send(self, text: str = "", option: str = "", client_id: int | None = None) -> Any:
        """Send a message as chat.js does; the answer's JSON (or the whole response when refused)."""
        if client_id is None:
            client_id, self.next_id = self.next_id, self.next_id + 1
        body = {"text": text, "option": option, "id": client_id, "seen": self.seen}
        response = self.client.post("/chat/send", content=json.dumps(body), headers=JSON)
        if response.status_code != 200:
            return response
        return self.show(response.json())

    def show(self, answer: dict[str, Any]) -> dict[str, Any]:
        for row in answer["messages"]:
            if row["id"] is None or row["id"] > self.seen:
                self.shown.append(row)
                self.seen = max(self.seen, row["id"] or 0)
        return answer

    @property
    def said(self) -> str:
        return "\n".join(row["text"] for row in self.shown)

    @property
    def state(self) -> str:
        return str(self.shown[-1]["state"])

    def stream(self, after: int | None = None, rows: int = 1) -> list[dict[str, Any]]:
        """Read `rows` message events from the live stream that starts after `after`."""
        return asyncio.run(_read_stream(self.chat, self.user_id, self.seen if after is None else after, rows))


async def _read_stream(chat: WebChat, user_id: str, after: int, wanted: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    stream = _stream(chat, user_id, after)
    async with asyncio.timeout(20):
        async for chunk in stream:
            found += [json.loads(line[6:]) for line in chunk.splitlines() if line.startswith("data: {")]
            if len(found) >= wanted:
                break
    await stream.aclose()
    return found


def consented(page: Page) -> Page:
    page.send("/start")
    page.send(option="agree")
    page.send(option="yes")  # the United Kingdom, as the browser's en-GB suggested
    return page


def outbox_rows(app: App, recipient: str) -> list[Any]:
    with app.database.connect() as connection:
        query = sql("SELECT id, delivered_at FROM outbox WHERE recipient = :r ORDER BY id")
        return list(connection.execute(query, {"r": recipient}))


def test_a_browser_gets_a_random_key_in_a_strict_cookie_and_a_conversation_filed_under_its_hash(app):
    page = Page(app)
    cookie = page.opened.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    assert "max-age" not in cookie and "expires" not in cookie  # gone when the browser closes
    key = page.client.cookies[COOKIE]
    page.send("/start")
    assert page.user_id.startswith("web:") and key not in page.user_id
    assert app.conversations.conversation(page.user_id).version > 0
    assert Page(app).client.cookies[COOKIE] != key
    again = page.client.get("/")
    assert "set-cookie" not in again.headers  # a reload keeps the conversation's key


def test_the_session_keys_are_ours_only_and_each_opens_its_own_conversation():
    first, second = new_key(), new_key()
    assert user_id_of(first) != user_id_of(second)
    assert user_id_of(first) == user_id_of(first)
    for forged in ("", "web:abc", first[:-1], first + "x", "../" + first[3:], "a" * 42 + "!"):
        assert user_id_of(forged) is None
    assert locale_of("es-MX,es;q=0.9,en;q=0.5") == "es-MX"
    assert locale_of("de-DE,de;q=0.9") is None
    assert locale_of("de-DE, en-IE;q=0.5") == "en-IE"


def test_the_page_loads_nothing_from_elsewhere_and_runs_no_inline_script(app):
    page = Page(app)
    html = page.opened.text
    assert page.opened.headers["content-security-policy"] == CSP
    assert "script-src 'self'" in CSP and "'unsafe-inline'" not in CSP
    assert re.findall(r'<script src="([^"]+)"', html) == ["/static/chat.js"]
    assert re.findall(r'<link rel="stylesheet" href="([^"]+)"', html) == ["/static/chat.css"]
    assert "<script>" not in html and "style=" not in html and "http" not in html.split("data-exit")[0]
    assert page.client.get("/static/chat.js").status_code == 200


def test_the_page_speaks_the_browsers_language_and_the_engine_suggests_its_country(app):
    page = Page(app, language="es-ES,es;q=0.9")
    assert '<html lang="es">' in page.opened.text and "Salida rápida" in page.opened.text
    page.send("/start")
    page.send(option="agree")
    assert page.state == "consent.country_confirm" and "España" in page.said


def test_a_crisis_before_any_consent_gets_the_lines_of_the_browsers_country_in_its_language(app):
    page = Page(app, language="es-ES,es;q=0.9")
    page.send("/start")
    page.send("quiero quitarme la vida")
    assert "024" in page.said and "Emergencias: 112" in page.said


def test_crisis_words_get_the_lines_at_once_and_a_counsellor_on_the_desk_talks_with_the_person(app):
    page = consented(Page(app))
    page.send(CRISIS)
    assert "Samaritans" in page.said and "116 123" in page.said
    counsellor = signed_in(app, "Sam Jones")
    post(counsellor, "/desk/cases/1/claim")
    post(counsellor, "/desk/cases/1/message", text="I'm here. Are you safe right now?")
    rows = page.stream(rows=2)
    assert any("Are you safe right now?" in row["text"] for row in rows)
    page.show({"messages": rows})
    page.send("at home on the sofa")
    assert "at home on the sofa" in counsellor.get("/desk/cases/1").text


def test_what_arrives_while_the_page_is_away_comes_on_return_and_nothing_is_lost(app):
    page = consented(Page(app))
    page.send(CRISIS)
    counsellor = signed_in(app, "Sam Jones")
    post(counsellor, "/desk/cases/1/claim")
    # The page drops off the network: nothing it had not confirmed is marked delivered...
    for line in ("Are you still there?", "Take your time.", "I'm staying with you."):
        post(counsellor, "/desk/cases/1/message", text=line)
    assert all(delivered is None for _, delivered in outbox_rows(app, page.user_id) if _ > page.seen)
    # ...and a stream resumed after the last id it has sends every one, in order, once.
    back = page.stream(rows=4)
    texts = [row["text"] for row in back]
    assert [t for t in texts if "team" in t][-3:] == [
        "Sam (team): Are you still there?",
        "Sam (team): Take your time.",
        "Sam (team): I'm staying with you.",
    ]
    assert [row["id"] for row in back] == sorted({row["id"] for row in back})
    page.show({"messages": back})
    # The next message confirms them: marked delivered, and never sent again.
    page.send("yes, I'm here")
    delivered = [row for row in outbox_rows(app, page.user_id) if row[0] <= back[-1]["id"]]
    assert delivered and all(at is not None for _, at in delivered)
    assert all(row["id"] > back[-1]["id"] for row in page.send("ok")["messages"])


def test_an_answer_lost_on_the_way_is_not_lost_the_message_is_handled_once_and_its_replies_come_again(app):
    page = consented(Page(app))
    before = page.seen
    lost = page.send("I'm feeling anxious", client_id=77)  # the page never sees this answer
    replies = [row["id"] for row in lost["messages"]]
    page.seen = before  # what the page really has
    again = page.send("I'm feeling anxious", client_id=77)  # sent again when the network is back
    assert [row["id"] for row in again["messages"]] == replies
    with app.database.connect() as connection:
        kept = connection.execute(
            sql("SELECT count(*) FROM messages WHERE user_id = :u"), {"u": page.user_id}
        )
        assert kept.scalar() == 1
    assert page.stream(after=before, rows=len(replies)) == lost["messages"]


def test_an_address_past_its_limit_is_refused_calmly_but_a_crisis_always_gets_through(app):
    page = consented(Page(app))
    page.chat.limits = WebLimits(messages_per_minute=2)
    page.send("hello")
    page.send("how are you")
    refused = page.send("are you there")
    assert refused.status_code == 429 and refused.json() == {"refused": "too_many"}
    page.send(CRISIS)
    assert "Samaritans" in page.said
    # The person's own flood guard (the conversation service's) lets a crisis through too.
    another = consented(Page(app))
    for number in range(25):
        another.send(f"message {number}")
    assert content_for("en").text("safety.slow_down") in another.said
    before = len(another.shown)
    another.send(CRISIS)
    assert any("Samaritans" in row["text"] for row in another.shown[before:])


def test_a_sliding_limit_forgets_what_is_older_than_its_window(clock):
    limit = SlidingLimit(2, window=dt.timedelta(minutes=1))
    assert limit.allow("1.2.3.4", clock.now()) and limit.allow("1.2.3.4", clock.now())
    assert not limit.allow("1.2.3.4", clock.now()) and limit.allow("5.6.7.8", clock.now())
    clock.advance(minutes=2)
    assert limit.allow("1.2.3.4", clock.now())


def test_a_very_long_message_is_read_whole_before_it_is_refused_and_one_with_a_crisis_is_answered(app):
    page = consented(Page(app))
    calm = "I had a long day at work and I am tired. " * (MAX_TEXT // 40 + 1)
    refused = page.send(calm)
    assert refused.status_code == 413 and refused.json() == {"refused": "too_long"}
    page.send(calm + CRISIS)  # the crisis is at the very end
    assert "Samaritans" in page.said
    huge = page.client.post("/chat/send", content=b'{"text": "' + b"a" * MAX_BODY + b'"}', headers=JSON)
    assert huge.status_code == 413


def test_posts_from_other_sites_or_without_a_key_are_refused(app):
    page = Page(app)
    form = page.client.post("/chat/send", data={"text": "hi"})
    cross = page.client.post(
        "/chat/send", content='{"text": "hi"}', headers={**JSON, "sec-fetch-site": "cross-site"}
    )
    keyless = TestClient(create_app(app)).post("/chat/send", content='{"text": "hi"}', headers=JSON)
    assert form.status_code == cross.status_code == keyless.status_code == 403


def test_erasing_the_conversation_asks_first_then_leaves_nothing_and_a_new_key(app):
    page = consented(Page(app))
    page.send("I'm stressed about work")
    old_key, old_id = page.client.cookies[COOKIE], page.user_id
    asking = page.send("/forget")
    assert not asking["erased"] and any(o["id"] == "forget_yes" for o in page.shown[-1]["options"])
    done = page.send(option="forget_yes")
    assert done["erased"] and all(row["id"] is None for row in done["messages"])
    assert page.client.cookies[COOKIE] != old_key
    assert app.conversations.conversation(old_id).version == 0
    assert outbox_rows(app, old_id) == []
    with app.database.connect() as connection:
        count = connection.execute(sql("SELECT count(*) FROM messages WHERE user_id = :u"), {"u": old_id})
        assert count.scalar() == 0


def test_what_waits_for_someone_who_never_comes_back_goes_with_their_conversation(app, clock):
    page = consented(Page(app))
    page.send(CRISIS)
    counsellor = signed_in(app, "Sam Jones")
    post(counsellor, "/desk/cases/1/claim")
    post(counsellor, "/desk/cases/1/message", text="Are you still there?")  # the tab was closed
    assert [at for _, at in outbox_rows(app, page.user_id)][-1] is None
    clock.advance(days=app.retention_days + 1)
    app.purge()
    assert outbox_rows(app, page.user_id) == []


def test_commands_work_on_the_web_as_typed(app):
    page = consented(Page(app))
    for command, answer in (("/sos", "Samaritans"), ("/help", "/forget: erase everything")):
        before = len(page.shown)
        page.send(command)
        assert any(answer in row["text"] for row in page.shown[before:]), command


def test_the_web_chat_offers_no_check_in_it_could_never_deliver(app):
    page = consented(Page(app))
    page.send("I'm stressed about work")
    page.send("6")
    for text in ("A small goal for today", "That's all", "sleep", "bed", "Right now"):
        page.send(text)
    assert "can't check in with you later" in page.said and "Would you like me to check in" not in page.said


def test_no_message_text_reaches_the_logs(app, caplog):
    caplog.set_level(logging.DEBUG)
    page = consented(Page(app))
    page.send("my secret words about my sister")
    page.send(CRISIS)
    assert "secret words" not in caplog.text and CRISIS not in caplog.text


def test_the_embed_script_adds_a_link_to_the_chat_in_the_sites_language(app):
    script = Page(app).client.get("/embed.js")
    assert script.headers["content-type"].startswith("text/javascript")
    assert "Talk to someone now" in script.text and "Habla con alguien ahora" in script.text
    assert 'new URL("/", script.src)' in script.text


@pytest.mark.parametrize("path", ["/", "/static/chat.css"])
def test_every_chat_response_carries_the_security_headers(app, path):
    response = Page(app).client.get(path)
    assert (
        response.headers["x-frame-options"] == "DENY" and response.headers["referrer-policy"] == "no-referrer"
    )
