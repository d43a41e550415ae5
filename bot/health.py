"""Whether this worker may be sent traffic: the database answers, its schema is the one this code
expects, and this process's keys read its data. Asked by `/readyz` on every probe, so it is cheap:
a few round trips, no decryption."""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError

from bot.bootstrap import App
from storage.keychecks import stored_checks
from storage.migrate import current_revision, head_revision

log = logging.getLogger(__name__)


def not_ready(app: App) -> str | None:
    """None when ready; otherwise a short reason, fit for a probe's answer (no addresses, no secrets)."""
    try:
        if current_revision(app.database) != head_revision():
            return "database schema is not at head: run `pfa-bot db upgrade`"
        stored = stored_checks(app.database)
    except SQLAlchemyError:
        log.warning("readiness: the database cannot be reached")
        return "database unreachable"
    if stored and stored.isdisjoint(app.cipher.check_values()):
        return "this worker's encryption keys read none of the database's data"
    return None
