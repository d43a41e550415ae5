"""What an operator meets first: a bad setting or file gets one line naming it and exit 2, never a
traceback; and the administration commands say what they did."""

from __future__ import annotations

import datetime as dt
import os
import sys

import pytest

from bot.bootstrap import bootstrap
from bot.cli import main
from flows.events import parse_text
from storage.encryption import generate_key

pytestmark = pytest.mark.filterwarnings("error")


@pytest.fixture
def db(tmp_path, monkeypatch) -> str:
    """An SQLite database of its own, and no setting leaking in from the machine."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    for name in ("PFA_DATABASE_URL", "PFA_ENCRYPTION_KEY", "PFA_RETENTION_DAYS"):
        monkeypatch.delenv(name, raising=False)
    return f"sqlite:///{tmp_path / 'ops.db'}"


def cli(command: str, db: str) -> int:
    """Run a command written as one line (no quoted arguments) on the database `db`."""
    return main([*command.split(), "--db", db])


def refused(capsys, argv: list[str]) -> str:
    """Run a command that must stop with exit 2; return its one line on stderr."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    return err.strip()


def test_a_database_nobody_listens_for_is_named(db, capsys):
    line = refused(capsys, ["staff", "list", "--db", "postgresql://pfa:secret@127.0.0.1:1/pfa"])
    assert "127.0.0.1:1/pfa" in line and "secret" not in line


@pytest.mark.postgres
def test_a_missing_postgres_database_is_named(db, capsys):
    server = os.environ["PFA_TEST_POSTGRES_URL"].rsplit("/", 1)[0]
    line = refused(capsys, ["staff", "list", "--db", f"{server}/nosuchdb"])
    assert "nosuchdb" in line and "does not exist" in line
    assert "nosuchdb" in refused(capsys, ["db", "upgrade", "--db", f"{server}/nosuchdb"])


def test_an_unparseable_database_url_is_named(db, capsys, monkeypatch):
    monkeypatch.setenv("PFA_DATABASE_URL", "::not a url")
    assert "PFA_DATABASE_URL" in refused(capsys, ["staff", "list"])
    assert "--db" in refused(capsys, ["rota", "show", "--db", "nonsense"])


def test_an_invalid_encryption_key_is_named_and_never_printed(db, capsys, monkeypatch):
    monkeypatch.setenv("PFA_ENCRYPTION_KEY", f"{generate_key()},not-a-key-at-all")
    line = refused(capsys, ["staff", "list", "--db", db])
    assert "PFA_ENCRYPTION_KEY" in line and "key 2 of 2" in line and "not-a-key" not in line


def test_a_rota_file_that_is_missing_or_incomplete_is_named_and_changes_nothing(db, capsys, tmp_path):
    assert main(["staff", "add", "--name", "Sam", "--role", "counsellor", "--db", db]) == 0
    assert cli("rota add --name Sam --day mon --start 09:00 --end 17:00", db) == 0
    missing = tmp_path / "absent.toml"
    assert str(missing) in refused(capsys, ["rota", "load", str(missing), "--db", db])
    no_start = tmp_path / "rota.toml"
    no_start.write_text('[[shift]]\nstaff = "Sam"\nday = "tue"\nend = "10:00"\n', encoding="utf-8")
    line = refused(capsys, ["rota", "load", str(no_start), "--db", db])
    assert str(no_start) in line and "start" in line
    broken = tmp_path / "broken.toml"
    broken.write_text("[[shift]\n", encoding="utf-8")
    assert "not valid TOML" in refused(capsys, ["rota", "load", str(broken), "--db", db])
    assert main(["rota", "show", "--db", db]) == 0
    assert capsys.readouterr().out.splitlines() == ["mon 09:00-17:00 Sam"]


def test_risk_train_without_scikit_learn_says_what_to_install(db, capsys, monkeypatch, tmp_path):
    for name in [name for name in sys.modules if name.split(".")[0] == "sklearn"] + ["sklearn"]:
        monkeypatch.setitem(sys.modules, name, None)  # what an installation without it looks like
    (tmp_path / "risk_a.jsonl").write_text('{"text": "hello", "label": "safe"}\n', encoding="utf-8")
    assert "scikit-learn" in refused(capsys, ["risk-train", "--data", str(tmp_path)])


def test_an_override_that_ends_before_it_starts_is_refused(db, capsys):
    assert main(["staff", "add", "--name", "Sam", "--role", "counsellor", "--db", db]) == 0
    override = "rota override --name Sam --from 2026-12-25T08:00 --to 2026-12-24T18:00 --db"
    line = refused(capsys, [*override.split(), db])
    assert "end after it starts" in line
    assert main(["rota", "show", "--db", db]) == 0
    assert capsys.readouterr().out.strip() == "the rota is empty"


def test_rota_show_lists_the_overrides_still_to_come(db, capsys):
    soon = dt.datetime.now(dt.UTC).replace(microsecond=0, second=0) + dt.timedelta(days=1)
    later = soon + dt.timedelta(hours=14)
    assert main(["staff", "add", "--name", "Sam", "--role", "counsellor", "--db", db]) == 0
    override = f"rota override --name Sam --from {soon.isoformat()} --to {later.isoformat()} --off --db"
    assert main([*override.split(), db]) == 0
    capsys.readouterr()
    assert main(["rota", "show", "--db", db]) == 0
    assert capsys.readouterr().out.strip() == f"off call {soon:%Y-%m-%d %H:%M} to {later:%Y-%m-%d %H:%M} Sam"


def test_staff_list_separates_every_field(db, capsys):
    assert cli("staff add --name Sam --role counsellor --telegram-id 123456", db) == 0
    capsys.readouterr()
    assert main(["staff", "list", "--db", db]) == 0
    assert capsys.readouterr().out.strip() == "Sam · counsellor · off call · telegram:123456"


def test_purge_days_0_keeps_nothing_and_a_negative_number_is_refused(db, capsys):
    app = bootstrap(db)
    for typed in ("/start", "I agree, let's start"):
        app.conversations.handle("console:purged", parse_text(typed))
    app.close()
    assert main(["purge", "--days", "0", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "older than 0 days" in out and not out.startswith("removed 0 ")
    with pytest.raises(SystemExit) as stopped:
        main(["purge", "--days", "-1", "--db", db])
    assert stopped.value.code == 2
