"""Our own webhook server (Starlette on uvicorn): Telegram gets its 200 only once an update is handled.

PTB's built-in server answers 200 as soon as an update is queued, before it is handled; a worker
killed in between loses the update, since Telegram never sends an answered update again. Here the
request is held until the update's handling has committed (its dedupe record in the same
transaction): a worker killed before that answers nothing and Telegram delivers the update again,
to any worker; one killed after it has recorded the update as handled, so the second delivery is
dropped. Updates for one chat are still handled one at a time, in order (the application's
per-chat processor), and answers go out as Bot API sends, never in the HTTP response.

Each worker also serves `/healthz` (the process answers) and `/readyz` (the database is reachable,
migrated to head, and this process's keys read its data), for load balancers and orchestrators.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import signal
from collections.abc import Callable, Generator
from contextlib import contextmanager
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Update

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's updates are a few kilobytes; anything far past that is not Telegram.
MAX_BODY_BYTES = 1024 * 1024
# On SIGTERM, how long the updates in hand may take to finish before the server stops anyway.
GRACEFUL_SECONDS = 30
Readiness = Callable[[], str | None]


class TooLarge(Exception):
    """The request body is past MAX_BODY_BYTES."""


class WebhookServer:
    """The ASGI app for one worker: the webhook path, `/healthz` and `/readyz`."""

    def __init__(self, application: Any, path: str, secret: str, not_ready: Readiness):
        self._application = application
        self._secret = secret.encode()
        self._not_ready = not_ready
        routes = [
            Route(f"/{path.strip('/')}", self._receive, methods=["POST"]),
            Route("/healthz", self._healthz, methods=["GET", "HEAD"]),
            Route("/readyz", self._readyz, methods=["GET", "HEAD"]),
        ]
        self.asgi = Starlette(routes=routes)

    async def _receive(self, request: Request) -> Response:
        if not hmac.compare_digest(request.headers.get(SECRET_HEADER, "").encode(), self._secret):
            log.warning("refused a webhook request without the secret token")
            return Response(status_code=403)
        try:
            update = Update.de_json(json.loads(await _body(request)), self._application.bot)
        except TooLarge:
            return Response(status_code=413)
        except (ValueError, TypeError, KeyError):
            return Response(status_code=400)
        await self.handle(update)
        return Response(status_code=200)

    async def handle(self, update: Update) -> None:
        """Handle one update to the end (handlers' failures go to the application's error handler,
        which answers the person with the crisis lines); one chat's updates one at a time."""
        application = self._application
        await application.update_processor.process_update(update, application.process_update(update))

    async def _healthz(self, request: Request) -> Response:
        return JSONResponse({"status": "alive"})

    async def _readyz(self, request: Request) -> Response:
        reason = await asyncio.to_thread(self._not_ready)
        if reason is not None:
            return JSONResponse({"ready": False, "reason": reason}, status_code=503)
        return JSONResponse({"ready": True})


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "0")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise TooLarge
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise TooLarge
    return bytes(body)


class GracefulServer(uvicorn.Server):
    """uvicorn, stopping on SIGTERM or SIGINT once the requests in hand are answered, then returning
    to its caller (uvicorn's own handling raises the signal again at the end, killing the process
    before the bot could close its database and scheduler)."""

    @contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._stop_soon, sig)
        try:
            yield
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)

    def _stop_soon(self, sig: int) -> None:
        log.info("stopping: finishing the updates in hand", extra={"signal": signal.Signals(sig).name})
        self.should_exit = True


def server(asgi: Any, listen: str, port: int) -> GracefulServer:
    config = uvicorn.Config(
        asgi,
        host=listen,
        port=port,
        lifespan="off",
        log_config=None,  # our logging configuration stands
        access_log=False,
        server_header=False,
        proxy_headers=False,
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
    )
    return GracefulServer(config)
