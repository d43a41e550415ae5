"""The `pfa-bot` command: chat locally, manage the database, check the risk detector."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from flows.risk.evaluation import evaluate, format_report

from bot.bootstrap import SetupError, bootstrap, database_url
from bot.channels.console import LOCAL_USER, InteractiveConsole, JsonlConsole, console_user_id
from flows.risk import assess
from storage.database import make_engine
from storage.migrate import upgrade


def main(argv: Sequence[str] | None = None) -> int:
    """Run one `pfa-bot` command; return its exit status."""
    args = _parser().parse_args(argv)
    try:
        return int(args.run(args))
    except SetupError as error:
        print(f"pfa-bot: {error}", file=sys.stderr)
        return 2


def chat(args: argparse.Namespace) -> int:
    app = bootstrap(args.db)
    user_id = console_user_id(args.user)
    try:
        if args.jsonl:
            JsonlConsole(app.conversations, user_id, args.locale).run(sys.stdin.buffer, sys.stdout)
        else:
            InteractiveConsole(app.conversations, user_id, input, print, locale=args.locale).run()
    finally:
        app.close()
    return 0


def db_upgrade(args: argparse.Namespace) -> int:
    database = make_engine(database_url(args.db))
    upgrade(database)
    database.dispose()
    print("database is up to date")
    return 0


def risk(args: argparse.Namespace) -> int:
    result = assess(args.text)
    signals = ", ".join(sorted(result.signals)) or "-"
    print(f"level: {result.level.value}\nsignals: {signals}")
    return 0


def risk_eval(args: argparse.Namespace) -> int:
    rows = [
        json.loads(line) for line in Path(args.file).read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    print(format_report(evaluate((row["text"], row["label"]) for row in rows)))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pfa-bot", description="Psychological first aid assistant.")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    _chat_parser(commands)
    db = commands.add_parser("db", help="manage the database").add_subparsers(required=True, metavar="ACTION")
    up = db.add_parser("upgrade", help="apply the migrations")
    up.add_argument("--db", help="database URL (default: PFA_DATABASE_URL or the local SQLite file)")
    up.set_defaults(run=db_upgrade)
    one = commands.add_parser("risk", help="assess one message and print its risk level")
    one.add_argument("text")
    one.set_defaults(run=risk)
    many = commands.add_parser("risk-eval", help="evaluate the detector on a labelled JSONL file")
    many.add_argument("file")
    many.set_defaults(run=risk_eval)
    return parser


def _chat_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    talk = commands.add_parser("chat", help="talk to pfa-bot in this terminal")
    talk.add_argument("--jsonl", action="store_true", help="read and write JSON lines (for scripts)")
    talk.add_argument("--user", default=LOCAL_USER, help="who is speaking (default: one local person)")
    talk.add_argument("--db", help="database URL (default: PFA_DATABASE_URL or the local SQLite file)")
    talk.add_argument("--locale", help="a locale hint such as en-GB, used to suggest a country")
    talk.set_defaults(run=chat)


if __name__ == "__main__":
    sys.exit(main())
