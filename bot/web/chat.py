"""The person's web chat, at the root of the web app: the page, messages in, replies out live.

No account: the page gives the browser a random key in a cookie (HttpOnly, SameSite=Lax so that a
link from an organisation's site still opens the same conversation, Secure behind TLS). Messages
are JSON posts from the same site; replies come back in the post's answer and again over a
server-sent event stream that resumes after the last id the page has.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from bot.bootstrap import App
from bot.web.conversation import Message, Sent, WebConversations, carries_risk
from bot.web.live import KEEP_ALIVE_TICKS, sse
from bot.web.people import COOKIE, WebLimits, language_of, locale_of, new_key, user_id_of
from bot.web.templating import TEMPLATES
from flows.content import available_languages, content_for

log = logging.getLogger(__name__)
# What one post may carry. Below it a message is read and assessed whole, however long (a long one
# with no risk is then refused as too long); past it nothing is read: assessing costs about 2 s a
# megabyte, and the person is told to send shorter parts, with the emergency number.
MAX_BODY = 256 * 1024
# The page's own words, handed to its script: everything a person reads comes from the content files.
SCRIPT_WORDS = (
    "sending",
    "not_sent",
    "connection_live",
    "connection_lost",
    "breathe_along",
    "pacer_done",
    "erased",
    "too_long",
    "too_many",
)


@dataclass
class WebChat:
    """What the chat's routes share."""

    app: App
    conversations: WebConversations
    limits: WebLimits
    exit_url: str
    secure_cookies: bool = False
    poll_seconds: float = 1.0


def chat_of(request: Request) -> WebChat:
    chat: WebChat = request.app.state.chat
    return chat


def person(request: Request) -> str | None:
    return user_id_of(request.cookies.get(COOKIE, ""))


def with_key(response: Response, chat: WebChat, key: str) -> Response:
    # No Max-Age: the key lasts until the browser closes, so a shared phone forgets the conversation.
    response.set_cookie(COOKIE, key, path="/", httponly=True, samesite="lax", secure=chat.secure_cookies)
    return response


async def page(request: Request) -> Response:
    """The chat page; a browser without a key of ours gets one."""
    chat = chat_of(request)
    key = request.cookies.get(COOKIE, "")
    fresh = user_id_of(key) is None
    language = await run_in_threadpool(_page_language, chat, None if fresh else user_id_of(key), request)
    response = TEMPLATES.TemplateResponse(request, "chat.html", page_context(chat, language))
    return with_key(response, chat, new_key()) if fresh else response


def page_context(chat: WebChat, language: str) -> dict[str, Any]:
    words = content_for(language)
    script_words = {name: words.text(f"web.{name}") for name in SCRIPT_WORDS}
    return {
        "lang": words.language,
        "w": lambda name, **values: words.text(f"web.{name}", **values),
        "days": chat.app.retention_days,
        "exit_url": chat.exit_url,
        "script_words": json.dumps(script_words, ensure_ascii=False),
    }


def _page_language(chat: WebChat, user_id: str | None, request: Request) -> str:
    """The conversation's language when there is one, else the browser's."""
    if user_id is not None:
        try:
            known = chat.app.conversations.conversation(user_id)
            if known.version:
                return known.language
        except Exception:  # the database is away: the page still opens, and its posts fail safe
            log.warning("reading a web conversation's language failed")
    return language_of(locale_of(request.headers.get("accept-language", "")))


async def send(request: Request) -> Response:
    """Take one message from the page and answer with what waits for the person."""
    chat = chat_of(request)
    user_id = person(request)
    if user_id is None or not _same_site_json(request):
        return JSONResponse({"error": "reload the page"}, status_code=403)
    body = await _body(request)
    if body is None:
        return JSONResponse({"refused": "too_long"}, status_code=413)
    message, seen = _message(body)
    if message is None:
        return JSONResponse({"error": "not a message"}, status_code=400)
    locale = locale_of(request.headers.get("accept-language", ""))
    if not await run_in_threadpool(_address_allows, chat, request, message):
        return JSONResponse({"refused": "too_many"}, status_code=429)
    sent = await run_in_threadpool(chat.conversations.send, user_id, message, locale, seen)
    return _answer(chat, sent)


def _answer(chat: WebChat, sent: Sent) -> Response:
    if sent.refused:
        return JSONResponse({"refused": sent.refused.removeprefix("web.")}, status_code=413)
    response = JSONResponse({"messages": sent.messages, "erased": sent.erased})
    return with_key(response, chat, new_key()) if sent.erased else response


def _address_allows(chat: WebChat, request: Request, message: Message) -> bool:
    """One address past its limit is refused, unless the message carries any risk: a crisis from a
    busy shared address still gets through."""
    address = request.client.host if request.client else "unknown"
    return chat.limits.messages.allow(address, chat.app.clock()) or carries_risk(message.text)


def _same_site_json(request: Request) -> bool:
    """A post from this site's own page: JSON (which another site cannot send without asking first)
    and, where the browser says, from the same origin."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        return False
    return request.headers.get("sec-fetch-site", "same-origin") in ("same-origin", "none")


async def _body(request: Request) -> bytes | None:
    """The whole body, or None past MAX_BODY bytes (reading stops there)."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            return None
    return body


def _message(body: bytes) -> tuple[Message | None, int]:
    try:
        data = json.loads(body.decode("utf-8", errors="replace"))
    except (ValueError, RecursionError):
        return None, 0
    if not isinstance(data, dict):
        return None, 0
    text, option, client_id = data.get("text", ""), data.get("option", ""), data.get("id")
    if not isinstance(text, str) or not isinstance(option, str) or not (text.strip() or option):
        return None, 0
    client_id = client_id if isinstance(client_id, int) and not isinstance(client_id, bool) else None
    return Message(text, option[:64], client_id), _seen(data.get("seen"))


def _seen(raw: object) -> int:
    return raw if isinstance(raw, int) and not isinstance(raw, bool) and raw > 0 else 0


async def seen(request: Request) -> Response:
    """The page has every row up to this id: they are marked delivered."""
    chat = chat_of(request)
    user_id = person(request)
    if user_id is None or not _same_site_json(request):
        return JSONResponse({"error": "reload the page"}, status_code=403)
    try:
        upto = _seen(json.loads(await request.body()).get("seen"))
    except (ValueError, AttributeError):
        return JSONResponse({"error": "not a number"}, status_code=400)
    await run_in_threadpool(chat.conversations.waiting, user_id, upto)
    return Response(status_code=204)


async def events(request: Request) -> Response:
    """The live stream of what reaches the person, from after the last id the page has: the
    browser's Last-Event-ID on a reconnection, or `after` from a page that was reloaded."""
    chat = chat_of(request)
    user_id = person(request)
    if user_id is None:
        return Response("reload the page", status_code=403)
    after = _seen(_number(request.headers.get("last-event-id") or request.query_params.get("after", "")))
    stream = _stream(chat, user_id, after)
    headers = {"x-accel-buffering": "no"}
    return StreamingResponse(stream, media_type="text/event-stream", headers=headers)


def _number(raw: str) -> int:
    return int(raw) if raw.isdigit() and len(raw) < 19 else 0


async def _stream(chat: WebChat, user_id: str, after: int) -> AsyncIterator[str]:
    yield "retry: 1000\n\n"
    ticks = 0
    while True:
        rows = await run_in_threadpool(_due, chat, user_id, after)
        for row in rows:
            after = max(after, int(row["id"]))
            yield f"id: {row['id']}\n" + sse("message", json.dumps(row, ensure_ascii=False))
        ticks += 1
        if ticks % KEEP_ALIVE_TICKS == 0:
            yield sse("ping", "")  # an event, not a comment: the page sees it and knows the stream lives
        await asyncio.sleep(chat.poll_seconds)


def _due(chat: WebChat, user_id: str, after: int) -> list[dict[str, Any]]:
    """Rows past `after`; first, the person's messages kept while the database was away, in order."""
    try:
        chat.app.conversations.replay_spool(user_id)
        return chat.conversations.waiting(user_id, after)
    except Exception:  # the database is away: the stream stays open and tries again
        return []


async def embed(request: Request) -> Response:
    """A script an organisation puts on its own site: it adds a link that opens this chat as a page
    of its own (not a frame: a framed chat would lose its cookie to the browser's third-party
    rules, and its quick exit could not take the organisation's page away)."""
    labels = {language: content_for(language).text("web.embed_button") for language in available_languages()}
    script = EMBED_SCRIPT.replace("LABELS", json.dumps(labels, ensure_ascii=False))
    return Response(script, media_type="text/javascript", headers={"cache-control": "max-age=3600"})


EMBED_SCRIPT = """(function () {
  "use strict";
  var script = document.currentScript;
  var labels = LABELS;
  var language = (document.documentElement.lang || navigator.language || "en").slice(0, 2).toLowerCase();
  var link = document.createElement("a");
  link.href = new URL("/", script.src).href;
  link.textContent = labels[language] || labels.en;
  link.className = "pfa-chat-link";
  script.after(link);
}());
"""


def routes() -> list[Route]:
    return [
        Route("/", page),
        Route("/embed.js", embed),
        # No icon: nothing in a tab or a bookmark should say what this page is.
        Route("/favicon.ico", lambda request: Response(status_code=204)),
        Route("/chat/send", send, methods=["POST"]),
        Route("/chat/seen", seen, methods=["POST"]),
        Route("/chat/events", events),
    ]
