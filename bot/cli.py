"""The `pfa-bot` command: chat locally, staff the desk, manage staff, rota and database, check risk."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeAlias

from bot import keys as key_rotation
from bot.admin import AdminError
from bot.bootstrap import App, SetupError, bootstrap, open_database, reaching
from bot.case_labels import export_labelled_cases
from bot.channels.console import LOCAL_USER, InteractiveConsole, JsonlConsole, console_user_id
from bot.channels.shutdown import GracefulStop
from bot.channels.staff_console import SESSION_ENDED, StaffConsole
from bot.logs import configure_logging
from bot.risk_training import (
    PACKAGED_MODEL,
    TRAINING_DATA,
    TrainerMissing,
    cross_validate,
    digest,
    read_lines,
    train,
    training_files,
    write_model,
)
from bot.settings import SettingsError
from bot.staff import StaffIdentity
from flows.risk import assess
from flows.risk.evaluation import EvaluationReport, evaluate, format_report, format_survey, survey
from flows.risk.model import load_packaged_model
from storage.encryption import generate_key
from storage.migrate import upgrade

WEB_URL_ENV = "PFA_WEB_URL"
WEB_SECURE_ENV = "PFA_WEB_SECURE"
# Where the web chat's quick exit sends a person: a neutral site of the operator's choosing.
WEB_EXIT_ENV = "PFA_WEB_EXIT_URL"
DEFAULT_WEB_URL = "http://127.0.0.1:8080"


def main(argv: Sequence[str] | None = None) -> int:
    """Run one `pfa-bot` command; return its exit status."""
    args = _parser().parse_args(argv)
    configure_logging(logging.WARNING)
    try:
        return int(args.run(args))
    except (SetupError, AdminError, SettingsError, TrainerMissing) as error:
        print(f"pfa-bot: {error}", file=sys.stderr)
        return 2


def chat(args: argparse.Namespace) -> int:
    app = _started(args.db)
    app.conversations.flood = None  # one trusted local person (and scripts): no rate limit
    user_id = console_user_id(args.user)
    stop = GracefulStop().install()
    try:
        if args.jsonl:
            JsonlConsole(app.conversations, app.outbox, user_id, args.locale, stop=stop).run(
                sys.stdin.buffer, sys.stdout
            )
        else:
            InteractiveConsole(app.conversations, app.outbox, user_id, input, print, locale=args.locale).run()
    except KeyboardInterrupt:
        pass
    finally:
        app.close()
    return 0


def staff_console(args: argparse.Namespace) -> int:
    app = _started(args.db)
    stop = GracefulStop().install()
    console = StaffConsole(app.staff, StaffIdentity(name=args.name), sys.stdout, jsonl=args.jsonl, stop=stop)
    try:
        return console.run(sys.stdin)
    except KeyboardInterrupt:
        return SESSION_ENDED if console.ended.is_set() else 0
    finally:
        app.close()


def web(args: argparse.Namespace) -> int:
    """Serve the staff desk (under /desk/) and people's web chat (at /) on this database, timers
    included."""
    import uvicorn

    from bot.web.app import WebSettings, create_app

    app = _started(args.db)
    settings = WebSettings(secure=args.secure or os.environ.get(WEB_SECURE_ENV) == "1")
    if exit_url := os.environ.get(WEB_EXIT_ENV):
        if not exit_url.startswith(("https://", "http://")):
            raise SetupError(f"{WEB_EXIT_ENV} must be a web address (https://...), not {exit_url!r}")
        settings = dataclasses.replace(settings, exit_url=exit_url)
    print(f"the staff desk is at http://{args.host}:{args.port}/desk/", flush=True)
    print(f"the web chat for people is at http://{args.host}:{args.port}/", flush=True)
    try:
        # No access log: a sign-in link's token is in its path. Open live streams get a moment to end.
        uvicorn.run(
            create_app(app, settings),
            host=args.host,
            port=args.port,
            access_log=False,
            log_config=None,
            log_level="warning",
            timeout_graceful_shutdown=2,
        )
    finally:
        app.close()
    return 0


def login_link(args: argparse.Namespace) -> int:
    from bot.web.signin import DeskSessions

    app = bootstrap(args.db)
    try:
        token = DeskSessions(app.unit_of_work, app.clock).issue_link(args.name, args.minutes)
    finally:
        app.close()
    base = (args.base_url or os.environ.get(WEB_URL_ENV) or DEFAULT_WEB_URL).rstrip("/")
    print(f"{base}/desk/signin/{token}")
    print(f"(works once, for {args.minutes} minutes)", file=sys.stderr)
    return 0


def staff_admin(args: argparse.Namespace) -> int:
    actions: dict[str, Callable[[App], list[str]]] = {
        "add": lambda app: [app.admin.add_staff(args.name, args.role, args.telegram_id)],
        "remove": lambda app: [app.admin.remove_staff(args.name)],
        "list": lambda app: app.admin.list_staff(),
    }
    return _administer(args.db, actions[args.action])


def rota(args: argparse.Namespace) -> int:
    actions: dict[str, Callable[[App], list[str]]] = {
        "add": lambda app: [app.admin.add_shift(args.name, args.day, args.start, args.end)],
        "override": lambda app: [app.admin.add_override(args.name, args.starts, args.ends, not args.off)],
        "load": lambda app: [app.admin.load_rota(Path(args.file))],
        "show": lambda app: app.admin.show_rota(),
    }
    return _administer(args.db, actions[args.action])


def _administer(url: str | None, action: Callable[[App], list[str]]) -> int:
    """Run one administration action on the database and print its lines."""
    app = bootstrap(url)
    try:
        lines = action(app)
    finally:
        app.close()
    print("\n".join(lines))
    return 0


def run(args: argparse.Namespace) -> int:
    """Run the Telegram bot: long polling, or a webhook when --webhook-url is given."""
    from bot.channels.telegram_app import run_telegram
    from bot.settings import load_settings

    settings = load_settings(
        webhook_url=args.webhook_url, listen=args.listen, port=args.port, secret_token=args.secret_token
    )
    return run_telegram(settings)


def keys(args: argparse.Namespace) -> int:
    """Make a new key; re-encrypt everything under the newest key; or drop the older keys."""
    if args.action == "generate":
        print(generate_key())
        return 0
    return _administer(args.db, key_rotation.rotate if args.action == "rotate" else key_rotation.retire)


def purge(args: argparse.Namespace) -> int:
    app = bootstrap(args.db)
    try:
        removed = app.purge(args.days)
    finally:
        app.close()
    kept = app.retention_days if args.days is None else args.days
    print(f"removed {removed} transcript rows older than {kept} days")
    return 0


def db_upgrade(args: argparse.Namespace) -> int:
    database = open_database(args.db)
    try:
        with reaching(database):
            upgrade(database)
    finally:
        database.dispose()
    print("database is up to date")
    return 0


def risk(args: argparse.Namespace) -> int:
    result = assess(args.text)
    signals = ", ".join(sorted(result.signals)) or "-"
    print(f"level: {result.level.value}\nsignals: {signals}")
    if result.to_confirm:
        print("the learned layer's reading alone: asked directly first, no page unless they say yes")
    return 0


def risk_eval(args: argparse.Namespace) -> int:
    if args.from_cases:
        app = bootstrap(args.db)
        try:
            written = export_labelled_cases(app.unit_of_work, Path(args.from_cases))
        finally:
            app.close()
        print(
            f"wrote {written} staff-labelled lines to {args.from_cases}: evaluate with pfa-bot risk-eval FILE"
        )
        return 0
    if args.unlabelled:
        texts = Path(args.unlabelled).read_text(encoding="utf-8").splitlines()
        print(format_survey(survey((text for text in texts if text.strip()), top=args.top)))
    elif args.file:
        print(format_report(evaluate(read_lines([Path(args.file)]))))
    else:
        print("risk-eval needs a labelled JSONL file or --unlabelled FILE (one text a line)")
        return 2
    return 0


def risk_train(args: argparse.Namespace) -> int:
    files = training_files(Path(args.data))
    if args.cross_validate:
        for name, rules, both in cross_validate(files):
            print(f"{name}: rules {_figures(rules)} | rules and model {_figures(both)}")
        return 0
    rows = read_lines(files)
    if args.check:
        return _check_model(rows)
    changed = write_model(train(files))
    outcome = "written to" if changed else "the same as before, left unchanged:"
    print(f"trained on {len(rows)} lines from {len(files)} files; {outcome} {PACKAGED_MODEL}")
    return 0


def _check_model(rows: list[tuple[str, str]]) -> int:
    model = load_packaged_model()
    if model is None or model.trained_on != digest(rows):
        print("the packaged risk model is not trained on the current data: run `pfa-bot risk-train`")
        return 1
    print("the packaged risk model is trained on the current data")
    return 0


def _figures(report: EvaluationReport) -> str:
    scores = report.scores
    recall = "/".join(f"{scores[label].recall:.1%}" for label in ("crisis", "concern") if label in scores)
    return f"{recall} false alarms {report.false_alarm_rate:.1%}"


def _started(url: str | None) -> App:
    app = bootstrap(url)
    app.start_timers()
    return app


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pfa-bot", description="Psychological first aid assistant.")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    _chat_parser(commands)
    _run_parser(commands)
    _web_parser(commands)
    _staff_parser(commands)
    _rota_parser(commands)
    _keys_parser(commands)
    db = commands.add_parser("db", help="manage the database").add_subparsers(required=True, metavar="ACTION")
    _with_db(db.add_parser("upgrade", help="apply the migrations")).set_defaults(run=db_upgrade)
    one = commands.add_parser("risk", help="assess one message and print its risk level")
    one.add_argument("text")
    one.set_defaults(run=risk)
    many = commands.add_parser("risk-eval", help="evaluate the detector on labelled or unlabelled lines")
    many.add_argument("file", nargs="?", help="labelled JSONL: recall per label and false alarms")
    many.add_argument("--unlabelled", metavar="FILE", help="one text a line: the share at each level")
    many.add_argument("--top", type=int, default=20, help="flagged lines to show with --unlabelled")
    many.add_argument(
        "--from-cases", metavar="FILE", help="write the messages of cases staff labelled as labelled JSONL"
    )
    _with_db(many)
    many.set_defaults(run=risk_eval)
    _risk_train_parser(commands)
    return parser


# argparse exposes no public name for what add_subparsers returns.
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def _with_db(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--db", help="database URL (default: PFA_DATABASE_URL or the local SQLite file)")
    return parser


def _risk_train_parser(commands: Subparsers) -> None:
    learn = commands.add_parser("risk-train", help="train the risk detector's learned layer (needs [dev])")
    learn.add_argument("--data", default=str(TRAINING_DATA), help="folder of labelled risk_*.jsonl files")
    learn.add_argument("--check", action="store_true", help="only check the packaged model is current")
    learn.add_argument("--cross-validate", action="store_true", help="leave each file out in turn")
    learn.set_defaults(run=risk_train)


def _chat_parser(commands: Subparsers) -> None:
    talk = _with_db(commands.add_parser("chat", help="talk to pfa-bot in this terminal"))
    talk.add_argument("--jsonl", action="store_true", help="read and write JSON lines (for scripts)")
    talk.add_argument("--user", default=LOCAL_USER, help="who is speaking (default: one local person)")
    talk.add_argument("--locale", help="a locale hint such as en-GB, used to suggest a country")
    talk.set_defaults(run=chat)


def _run_parser(commands: Subparsers) -> None:
    bot = commands.add_parser("run", help="run the Telegram bot (settings: PFA_TELEGRAM_TOKEN, ... or .env)")
    bot.add_argument("--webhook-url", help="receive updates at this public HTTPS URL instead of polling")
    bot.add_argument("--listen", help="webhook: address to listen on (default 127.0.0.1)")
    bot.add_argument("--port", type=int, help="webhook: port to listen on (default 8443)")
    bot.add_argument(
        "--secret-token", help="webhook: the secret Telegram must send (X-Telegram-Bot-Api-Secret-Token)"
    )
    bot.set_defaults(run=run)


def _web_parser(commands: Subparsers) -> None:
    serve = _with_db(commands.add_parser("web", help="serve the staff desk and the web chat in a browser"))
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080, help="port to listen on (default 8080)")
    serve.add_argument(
        "--secure",
        action="store_true",
        help=f"reached over TLS: Secure cookies, HSTS (or {WEB_SECURE_ENV}=1)",
    )
    serve.set_defaults(run=web)


def _staff_parser(commands: Subparsers) -> None:
    staff = commands.add_parser("staff", help="staff: register them, or staff the desk")
    actions = staff.add_subparsers(required=True, metavar="ACTION")
    add = _with_db(actions.add_parser("add", help="register a staff member"))
    add.add_argument("--name", required=True)
    add.add_argument("--role", required=True, choices=["counsellor", "supervisor"])
    add.add_argument("--telegram-id", type=int)
    add.set_defaults(run=staff_admin, action="add")
    remove = _with_db(actions.add_parser("remove", help="deactivate a staff member"))
    remove.add_argument("--name", required=True)
    remove.set_defaults(run=staff_admin, action="remove")
    _with_db(actions.add_parser("list", help="list staff and who is on call")).set_defaults(
        run=staff_admin, action="list"
    )
    link = _with_db(actions.add_parser("login-link", help="print a one-time sign-in link to the web desk"))
    link.add_argument("--name", required=True, help="the registered staff name")
    link.add_argument("--minutes", type=int, default=15, help="how long the link works (default 15)")
    link.add_argument(
        "--base-url", help=f"where the desk is reached (default: {WEB_URL_ENV} or {DEFAULT_WEB_URL})"
    )
    link.set_defaults(run=login_link)
    console = _with_db(actions.add_parser("console", help="the staff desk in this terminal"))
    console.add_argument("--as", dest="name", required=True, help="your registered staff name")
    console.add_argument("--jsonl", action="store_true", help="read and write JSON lines (for scripts)")
    console.set_defaults(run=staff_console)


def _keys_parser(commands: Subparsers) -> None:
    keys_cmd = commands.add_parser("keys", help="encryption keys for free text at rest")
    actions = keys_cmd.add_subparsers(required=True, metavar="ACTION")
    actions.add_parser("generate", help="print a new key").set_defaults(run=keys, action="generate")
    rotate = _with_db(actions.add_parser("rotate", help="re-encrypt everything under the newest key"))
    rotate.set_defaults(run=keys, action="rotate")
    retire = _with_db(actions.add_parser("retire", help="drop the older keys once nothing needs them"))
    retire.set_defaults(run=keys, action="retire")
    old = _with_db(commands.add_parser("purge", help="delete transcripts past the retention period now"))
    old.add_argument(
        "--days", type=_days, help="keep this many days, 0 for none (default: PFA_RETENTION_DAYS or 30)"
    )
    old.set_defaults(run=purge)


def _days(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"a whole number of days (0 or more), not {text!r}")
    return int(text)


def _rota_parser(commands: Subparsers) -> None:
    rota_cmd = commands.add_parser("rota", help="who is on call when")
    actions = rota_cmd.add_subparsers(required=True, metavar="ACTION")
    add = _with_db(actions.add_parser("add", help="add a weekly shift"))
    add.add_argument("--name", required=True)
    add.add_argument("--day", required=True, help="mon, tue, ... sun")
    add.add_argument("--start", required=True, help="HH:MM (UTC)")
    add.add_argument("--end", required=True, help="HH:MM (UTC); before the start means overnight")
    add.set_defaults(run=rota, action="add")
    override = _with_db(actions.add_parser("override", help="put someone on (or off) call for a while"))
    override.add_argument("--name", required=True)
    override.add_argument("--from", dest="starts", required=True, help="2026-12-24T18:00 (UTC unless given)")
    override.add_argument("--to", dest="ends", required=True)
    override.add_argument("--off", action="store_true", help="off call instead of on")
    override.set_defaults(run=rota, action="override")
    load = _with_db(actions.add_parser("load", help="replace the rota with a TOML file"))
    load.add_argument("file")
    load.set_defaults(run=rota, action="load")
    _with_db(actions.add_parser("show", help="show the weekly shifts")).set_defaults(run=rota, action="show")


if __name__ == "__main__":
    sys.exit(main())
