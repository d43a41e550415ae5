"""The staff desk's routes, all under /desk/: sign-in, the queue, a case and its chat, the on-call
board, the figures. Pages are rendered on the server; desk.js only adds live updates (SSE)."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.bootstrap import App
from bot.web import figures as figure_maker
from bot.web.actions import LABELS, NOT_ALLOWED, OUTCOMES, BrowserDesk
from bot.web.live import event_stream
from bot.web.signin import DeskSessions, Signed, csrf_matches, csrf_token
from bot.web.templating import TEMPLATES
from bot.web.views import board, case_page, queue_view

COOKIE = "pfa_desk"
COOKIE_PATH = "/desk"
Handler = Callable[[Request, "WebDesk", Signed], Awaitable[Response]]


@dataclass
class WebDesk:
    """What the desk's routes share: the wired app, sign-in, browser actions, and per-session notes
    to show on the next page (what an action said)."""

    app: App
    sessions: DeskSessions
    actions: BrowserDesk
    secure_cookies: bool = False
    poll_seconds: float = 1.0
    flashes: dict[int, list[str]] = field(default_factory=dict)

    def flash(self, signed: Signed, lines: list[str]) -> None:
        self.flashes.setdefault(signed.session_id, []).extend(lines)


def desk_of(request: Request) -> WebDesk:
    desk: WebDesk = request.app.state.desk
    return desk


def staff_only(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Run `handler` for a signed-in, active member; a state-changing request must also carry the
    session's CSRF token and come from this site. Anyone else is sent to sign in (or refused)."""

    @functools.wraps(handler)
    async def guarded(request: Request) -> Response:
        desk = desk_of(request)
        token = request.cookies.get(COOKIE, "")
        signed = await run_in_threadpool(desk.sessions.current, token) if token else None
        if request.method == "POST":
            if signed is None or not await _csrf_ok(request, token):
                return PlainTextResponse("Not allowed: sign in again.", status_code=403)
        elif signed is None:
            return RedirectResponse("/desk/signin", status_code=303)
        return await handler(request, desk, signed)

    return guarded


def _same_site(request: Request) -> bool:
    """Whether the browser says the request comes from this site (or was typed): a form on another
    site cannot post here, not even to sign someone in to the attacker's own session."""
    return request.headers.get("sec-fetch-site", "same-origin") in ("same-origin", "none")


async def _csrf_ok(request: Request, session_token: str) -> bool:
    if not _same_site(request):
        return False
    given = request.headers.get("x-csrf-token") or str((await request.form()).get("csrf", ""))
    return csrf_matches(session_token, given)


def render(request: Request, desk: WebDesk, signed: Signed, name: str, **context: Any) -> Response:
    token = request.cookies.get(COOKIE, "")
    context |= {
        "member": signed.member,
        "csrf": csrf_token(token),
        "flashes": desk.flashes.pop(signed.session_id, []),
    }
    return TEMPLATES.TemplateResponse(request, name, context)


def after_action(request: Request, desk: WebDesk, signed: Signed, replies: list[str], to: str) -> Response:
    """Scripts get the replies as JSON; a plain form is sent back to the page with them shown."""
    if request.headers.get("x-requested-with") == "fetch":
        return JSONResponse({"replies": replies})
    desk.flash(signed, replies)
    return RedirectResponse(to, status_code=303)


# Sign-in -----------------------------------------------------------------------------------------


async def signin_help(request: Request) -> Response:
    return TEMPLATES.TemplateResponse(request, "signin.html", {"token": ""})


async def signin_link(request: Request) -> Response:
    """Opening the link only shows a button: link checkers and previews do not use it up."""
    return TEMPLATES.TemplateResponse(request, "signin.html", {"token": request.path_params["token"]})


async def signin(request: Request) -> Response:
    desk = desk_of(request)
    if not _same_site(request):
        return PlainTextResponse("Sign in from the link itself.", status_code=403)
    link = str((await request.form()).get("token", ""))
    session = await run_in_threadpool(desk.sessions.redeem, link) if link else None
    if session is None:
        context = {"token": "", "failed": True}
        return TEMPLATES.TemplateResponse(request, "signin.html", context, status_code=403)
    response = RedirectResponse("/desk/", status_code=303)
    response.set_cookie(
        COOKIE, session, path=COOKIE_PATH, httponly=True, samesite="strict", secure=desk.secure_cookies
    )
    return response


@staff_only
async def signout(request: Request, desk: WebDesk, signed: Signed) -> Response:
    await run_in_threadpool(desk.sessions.sign_out, signed)
    response = RedirectResponse("/desk/signin", status_code=303)
    response.delete_cookie(COOKIE, path=COOKIE_PATH)
    return response


# Pages -------------------------------------------------------------------------------------------


@staff_only
async def queue_page(request: Request, desk: WebDesk, signed: Signed) -> Response:
    view = await run_in_threadpool(_read, desk, lambda uow: queue_view(uow, signed.member, desk.app.clock()))
    return render(request, desk, signed, "queue.html", queue=view, live_case="")


@staff_only
async def case(request: Request, desk: WebDesk, signed: Signed) -> Response:
    case_id = int(request.path_params["case_id"])

    def read(uow: Any) -> Any:
        found = uow.cases.get(case_id)
        return None if found is None else case_page(uow, signed.member, found, desk.app.clock())

    page = await run_in_threadpool(_read, desk, read)
    if page is None:
        return PlainTextResponse("No such case.", status_code=404)
    context = {"page": page, "outcomes": list(OUTCOMES), "labels": list(LABELS), "live_case": case_id}
    return render(request, desk, signed, "case.html", **context)


@staff_only
async def board_page(request: Request, desk: WebDesk, signed: Signed) -> Response:
    rows = await run_in_threadpool(
        _read, desk, lambda uow: board(uow, desk.app.desk.policy, desk.app.clock())
    )
    return render(request, desk, signed, "board.html", rows=rows)


@staff_only
async def figures_page(request: Request, desk: WebDesk, signed: Signed) -> Response:
    if not signed.member.is_supervisor:
        return PlainTextResponse(NOT_ALLOWED, status_code=403)
    figures = await run_in_threadpool(figure_maker.compute, desk.app.unit_of_work, desk.app.clock())
    return render(request, desk, signed, "figures.html", figures=figures)


@staff_only
async def audit_page(request: Request, desk: WebDesk, signed: Signed) -> Response:
    if not signed.member.is_supervisor:
        return PlainTextResponse(NOT_ALLOWED, status_code=403)

    def read(uow: Any) -> Any:
        names = {person.id: person.name for person in uow.staff.all()}
        return names, uow.desk_records.audit_trail()

    names, trail = await run_in_threadpool(_read, desk, read)
    return render(request, desk, signed, "audit.html", trail=trail, names=names)


@staff_only
async def events(request: Request, desk: WebDesk, signed: Signed) -> Response:
    raw = request.query_params.get("case", "")
    return event_stream(desk, signed, int(raw) if raw.isdigit() else None, request.cookies.get(COOKIE, ""))


def _read(desk: WebDesk, reading: Callable[[Any], Any]) -> Any:
    with desk.app.unit_of_work() as uow:
        return reading(uow)


# Actions -----------------------------------------------------------------------------------------


@staff_only
async def case_action(request: Request, desk: WebDesk, signed: Signed) -> Response:
    case_id, action = int(request.path_params["case_id"]), request.path_params["action"]
    form = await request.form()
    values = {key: str(value) for key, value in form.items()}
    run = _ACTIONS.get(action)
    if run is None:
        return PlainTextResponse("Unknown action.", status_code=404)
    replies = await run_in_threadpool(run, desk.actions, signed, case_id, values)
    return after_action(request, desk, signed, replies, f"/desk/cases/{case_id}")


def _resolve(actions: BrowserDesk, signed: Signed, case_id: int, form: dict[str, str]) -> list[str]:
    outcome = OUTCOMES.get(form.get("outcome", ""))
    if outcome is None:
        return ["Choose an outcome."]
    label = LABELS.get(form.get("label", ""))
    return actions.resolve(signed.member, case_id, outcome, form.get("followup") == "yes", label)


_ACTIONS: dict[str, Callable[[BrowserDesk, Signed, int, dict[str, str]], list[str]]] = {
    "claim": lambda a, s, c, f: a.claim(s.member, c),
    "release": lambda a, s, c, f: a.release(s.member, c),
    "transfer": lambda a, s, c, f: a.transfer(s.member, c, f.get("to", ""), f.get("note", "")),
    "note": lambda a, s, c, f: a.note(s.member, c, f.get("text", "")),
    "resolve": _resolve,
    "message": lambda a, s, c, f: a.message(s.member, c, f.get("text", "")),
}


@staff_only
async def on_call(request: Request, desk: WebDesk, signed: Signed) -> Response:
    staff_id = int(request.path_params["staff_id"])
    on = str((await request.form()).get("on", "")) == "yes"
    replies = await run_in_threadpool(desk.actions.set_on_call, signed.member, staff_id, on)
    return after_action(request, desk, signed, replies, "/desk/board")


@staff_only
async def take_break(request: Request, desk: WebDesk, signed: Signed) -> Response:
    raw = str((await request.form()).get("minutes", ""))
    replies = ["Give the break in minutes."]
    if raw.isdigit():
        replies = await run_in_threadpool(desk.actions.take_break, signed.member, int(raw))
    return after_action(request, desk, signed, replies, "/desk/board")


def routes() -> list[Route]:
    return [
        Route("/desk/", queue_page),
        Route("/desk", lambda request: RedirectResponse("/desk/", status_code=308)),
        Route("/desk/signin", signin_help),
        Route("/desk/signin", signin, methods=["POST"]),
        Route("/desk/signin/{token}", signin_link),
        Route("/desk/signout", signout, methods=["POST"]),
        Route("/desk/cases/{case_id:int}", case),
        Route("/desk/cases/{case_id:int}/{action}", case_action, methods=["POST"]),
        Route("/desk/board", board_page),
        Route("/desk/board/{staff_id:int}/oncall", on_call, methods=["POST"]),
        Route("/desk/break", take_break, methods=["POST"]),
        Route("/desk/figures", figures_page),
        Route("/desk/audit", audit_page),
        Route("/desk/events", events),
    ]
