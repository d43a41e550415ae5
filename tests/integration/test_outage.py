"""The database away for a moment: the person still gets the crisis lines, and service recovers alone.

A small TCP proxy stands between the service and the real PostgreSQL server, so the test can cut
the connection and restore it without touching the server other tests use.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time

import pytest

from bot.bootstrap import bootstrap
from bot.staff import StaffIdentity
from flows.events import parse_text
from storage.database import make_engine
from storage.migrate import upgrade
from tests.conftest import _reset_postgres

PERSON = "console:outage"
POSTGRES = os.environ.get("PFA_TEST_POSTGRES_URL")
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not POSTGRES, reason="needs PFA_TEST_POSTGRES_URL (CI sets it)"),
    # psycopg warns when it finds its socket killed under it: that is the outage this test makes.
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


class TcpProxy:
    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.port = 0
        self._connections: list[socket.socket] = []
        self._listener: socket.socket | None = None

    def start(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, args=(self._listener,), daemon=True).start()

    def cut(self) -> None:
        """Refuse new connections and drop the open ones: the database is gone."""
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
            self._listener.close()
            self._listener = None
        for connection in self._connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)  # close() alone does not wake a blocked recv
            connection.close()
        self._connections.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self._connections += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.close()


@pytest.fixture
def database():
    assert POSTGRES is not None
    _reset_postgres(POSTGRES)
    engine = make_engine(POSTGRES)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def proxy(database):
    running = TcpProxy(("127.0.0.1", database.url.port or 5432))
    running.start()
    yield running
    running.cut()


def test_a_database_outage_gives_the_fail_safe_reply_and_the_service_recovers(
    database, proxy, cipher, tmp_path
):
    url = database.url.set(port=proxy.port).render_as_string(hide_password=False)
    app = bootstrap(url, cipher, spool_dir=tmp_path / "spool")
    app.conversations.handle(PERSON, parse_text("/start"))
    app.conversations.handle(PERSON, parse_text("I agree, let's start"))
    proxy.cut()
    (reply,) = app.conversations.handle(PERSON, parse_text("United Kingdom")).replies
    assert "kept your message" in reply.text and "Emergency" in reply.text
    proxy.start()
    handled = app.conversations.handle(PERSON, parse_text("I feel a bit lost"))
    assert handled.conversation.position == "checkin.rating"  # the spooled answer went first
    app.close()


def test_what_was_said_during_an_outage_is_handled_in_order_when_it_returns(
    database, proxy, cipher, tmp_path
):
    url = database.url.set(port=proxy.port).render_as_string(hide_password=False)
    app = bootstrap(url, cipher, spool_dir=tmp_path / "spool")
    for typed in ("/start", "I agree, let's start", "United Kingdom", "a bad night", "4"):
        app.conversations.handle(PERSON, parse_text(typed))
    proxy.cut()
    said = ["nobody would notice if I was gone", "I want to kill myself tonight", "/sos"]
    for text in said:
        (reply,) = app.conversations.handle(PERSON, parse_text(text)).replies
        assert "kept your message" in reply.text and "116 123" in reply.text
    assert len(app.conversations.spool.waiting()) == 3
    proxy.start()
    assert app.conversations.replay_spool() == 1  # one person's messages
    assert app.conversations.spool.is_empty()
    with app.unit_of_work() as uow:
        assert uow.messages.recent(PERSON, 2) == said[:2]
        case = uow.cases.open_for(PERSON)
    assert case is not None and case.level.value in ("high", "imminent")
    heard = [str(delivery.payload["text"]) for delivery in app.outbox.take_deliveries([PERSON])]
    assert heard[0].startswith("I'm back") and any("116 123" in text for text in heard[1:])
    app.close()


def test_the_staff_console_says_the_database_is_unreachable_instead_of_crashing(database, proxy, cipher):
    import io

    from bot.channels.staff_console import StaffConsole
    from bot.staff import StaffIdentity

    url = database.url.set(port=proxy.port).render_as_string(hide_password=False)
    app = bootstrap(url, cipher)
    app.admin.add_staff("Sam Jones", "counsellor", None)
    out = io.StringIO()
    console = StaffConsole(app.staff, StaffIdentity(name="Sam Jones"), out)
    proxy.cut()
    console._line("/queue")
    assert "database is unreachable" in out.getvalue()
    proxy.start()
    console._line("/queue")
    assert out.getvalue().count("\n") > 2
    app.close()


def test_timers_fire_again_when_the_database_returns_without_a_restart(
    database, proxy, cipher, clock, tmp_path, caplog
):
    url = database.url.set(port=proxy.port).render_as_string(hide_password=False)
    app = bootstrap(url, cipher, clock=clock.now, spool_dir=tmp_path / "spool")
    for name, role in (("Sam Jones", "counsellor"), ("Sue Park", "supervisor")):
        app.admin.add_staff(name, role, None)
        app.staff.handle(StaffIdentity(name=name), "/oncall on")
    for typed in ("/start", "I agree, let's start", "United Kingdom", "a bad night", "4", "Talk to a person"):
        app.conversations.handle(PERSON, parse_text(typed))
    app.start_timers()
    proxy.cut()
    clock.advance(minutes=3, seconds=1)  # the acknowledge timeout passes while the database is away
    time.sleep(3)  # a few sweeps fail
    proxy.start()

    def paging_step() -> int:
        with app.unit_of_work() as uow:
            case = uow.cases.open_for(PERSON)
        assert case is not None
        return case.paging_step

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and paging_step() < 1:
        time.sleep(0.1)
    assert paging_step() == 1
    app.close()
    sweep_lines = [m for m in caplog.messages if m.startswith("the timer sweep")]
    assert sweep_lines == ["the timer sweep failed; it is tried again", "the timer sweep works again"]
