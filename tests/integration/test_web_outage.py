"""The web chat with the database away: the person still gets the crisis lines at once, and what
they wrote is handled, in order, when it returns, its answers reaching the page's live stream.
The proxy and fixtures are the outage tests' own (tests/integration/test_outage.py)."""

# ruff: noqa: F811 (pytest fixtures are parameters named like the imported fixtures)
from __future__ import annotations

import pytest

from bot.bootstrap import bootstrap
from tests.bot.test_web_chat import CRISIS, Page, consented

# Their marks too (`pytestmark`): PostgreSQL only, and psycopg's warning on a cut socket allowed.
from tests.integration.test_outage import database, proxy, pytestmark  # noqa: F401


@pytest.fixture
def app(database, proxy, cipher, tmp_path):
    url = database.url.set(port=proxy.port).render_as_string(hide_password=False)
    application = bootstrap(url, cipher, spool_dir=tmp_path / "spool")
    yield application
    application.close()


def test_with_the_database_away_a_crisis_gets_the_lines_at_once_and_is_handled_when_it_returns(app, proxy):
    page = consented(Page(app))
    proxy.cut()
    assert page.client.get("/").status_code == 200  # a reload still opens the page
    answer = page.send(CRISIS)
    (reply,) = answer["messages"]
    assert reply["id"] is None and "kept your message" in reply["text"] and "116 123" in reply["text"]
    proxy.start()
    back = page.stream(rows=2)
    assert back[0]["text"].startswith("I'm back") and any("116 123" in row["text"] for row in back[1:])
    with app.unit_of_work() as uow:
        assert uow.cases.open_for(page.user_id) is not None
