"""The web app: one ASGI application built from the same bootstrap as every other channel.

The staff desk lives under /desk/ (its cookie is scoped there); a person's chat is at the root.
Every asset is served from the package: no CDN, nothing fetched from elsewhere at run time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from bot.bootstrap import App
from bot.web import chat as chat_routes
from bot.web import desk as desk_routes
from bot.web.actions import BrowserDesk
from bot.web.conversation import WebConversations
from bot.web.people import WebLimits
from bot.web.security import SecurityHeaders
from bot.web.signin import DeskSessions

STATIC = Path(__file__).parent / "static"


@dataclass(frozen=True)
class WebSettings:
    """How the web app is served: `secure` when it is reached over TLS (cookies marked Secure,
    HSTS sent); how often a live page looks for changes; where the chat's quick exit goes (a
    neutral site: nothing on it should hint at where the person was)."""

    secure: bool = False
    poll_seconds: float = 1.0
    exit_url: str = "https://www.bbc.com/weather"


def create_app(app: App, settings: WebSettings | None = None) -> Starlette:
    """The ASGI app serving the desk on `app`'s database and services."""
    settings = settings or WebSettings()
    routes = [
        *desk_routes.routes(),
        *chat_routes.routes(),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    web = Starlette(routes=routes, middleware=[Middleware(SecurityHeaders, secure=settings.secure)])
    web.state.desk = desk_routes.WebDesk(
        app,
        DeskSessions(app.unit_of_work, app.clock),
        BrowserDesk(app.staff, app.unit_of_work, app.clock),
        secure_cookies=settings.secure,
        poll_seconds=settings.poll_seconds,
    )
    web.state.chat = chat_routes.WebChat(
        app,
        WebConversations(app.conversations, app.outbox, app.unit_of_work),
        WebLimits(),
        settings.exit_url,
        secure_cookies=settings.secure,
        poll_seconds=settings.poll_seconds,
    )
    return web
