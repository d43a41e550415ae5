"""Live updates for a desk page as server-sent events: the queue when it changes, new lines of the
open case's chat, and what waits in the member's inbox (notices, relays, pages). The stream checks
the session on every tick: a member removed from the register is signed out at once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse

from bot.staff import SessionEnded
from bot.web.signin import Signed, csrf_token
from bot.web.templating import TEMPLATES
from bot.web.views import case_page, queue_view

if TYPE_CHECKING:
    from bot.web.desk import WebDesk

FRAGMENTS = TEMPLATES.env
# A comment line now and then keeps proxies from closing a quiet stream.
KEEP_ALIVE_TICKS = 15


@dataclass
class StreamState:
    """What this stream has already sent, so that each tick sends only what changed."""

    queue: tuple[object, ...] | None = None
    chat_keys: set[str] = field(default_factory=set)
    case_status: str = ""
    ticks: int = 0


def sse(event: str, data: str) -> str:
    lines = "".join(f"data: {line}\n" for line in data.splitlines() or [""])
    return f"event: {event}\n{lines}\n"


def event_stream(desk: WebDesk, signed: Signed, case_id: int | None, token: str) -> StreamingResponse:
    headers = {"x-accel-buffering": "no"}
    return StreamingResponse(
        _events(desk, signed, case_id, token), media_type="text/event-stream", headers=headers
    )


async def _events(desk: WebDesk, signed: Signed, case_id: int | None, token: str) -> AsyncIterator[str]:
    state = StreamState()
    yield "retry: 2000\n\n"
    while True:
        messages = await run_in_threadpool(tick, desk, signed, case_id, token, state)
        for message in messages:
            yield message
        if messages and messages[-1].startswith("event: ended"):
            return
        state.ticks += 1
        if state.ticks % KEEP_ALIVE_TICKS == 0:
            yield ": keep-alive\n\n"
        await asyncio.sleep(desk.poll_seconds)


def tick(desk: WebDesk, signed: Signed, case_id: int | None, token: str, state: StreamState) -> list[str]:
    """The events due now for this stream: nothing but "ended" once the session is over."""
    current = desk.sessions.current(token)
    if current is None:
        return [sse("ended", "Your session has ended. Sign in again with a new link.")]
    try:
        deliveries = desk.app.staff.inbox(current.member)
    except SessionEnded:
        return [sse("ended", "Your session has ended.")]
    messages = _queue_events(desk, current, state, csrf_token(token))
    if case_id is not None:
        messages += _case_events(desk, current, case_id, state)
    for delivery in deliveries:
        notice = {"kind": delivery.kind, "case": delivery.case_id, "text": delivery.payload.get("text", "")}
        messages.append(sse("notice", json.dumps(notice)))
    return messages


def _queue_events(desk: WebDesk, signed: Signed, state: StreamState, csrf: str) -> list[str]:
    with desk.app.unit_of_work() as uow:
        view = queue_view(uow, signed.member, desk.app.clock())
    if view.fingerprint == state.queue:
        return []
    state.queue = view.fingerprint
    return [sse("queue", FRAGMENTS.get_template("_queue.html").render(queue=view, csrf=csrf))]


def _case_events(desk: WebDesk, signed: Signed, case_id: int, state: StreamState) -> list[str]:
    with desk.app.unit_of_work() as uow:
        case = uow.cases.get(case_id)
        page = None if case is None else case_page(uow, signed.member, case, desk.app.clock())
    if page is None:
        return []
    messages = []
    if state.case_status and state.case_status != page.card.status:
        messages.append(sse("case", page.card.status))
    state.case_status = page.card.status
    for line in page.chat:
        if line.key not in state.chat_keys:
            state.chat_keys.add(line.key)
            messages.append(sse("chat", FRAGMENTS.get_template("_chat_line.html").render(line=line)))
    return messages
