"""APScheduler's shared job table goes: the `timers` table is the only timer state processes share.

A job store shared through the database let one process delete a job that another was about to
run, and that ended the other's scheduler. Each process now keeps its wake-ups in memory and sweeps
`timers`. Stop every process of the old version before upgrading (they would look for this table).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("apscheduler_jobs")


def downgrade() -> None:
    # As 0005 made it; the old version's scheduler rebuilds its jobs from `timers` at start.
    op.create_table(
        "apscheduler_jobs",
        sa.Column("id", sa.Unicode(191), primary_key=True),
        sa.Column("next_run_time", sa.Float(25), index=True),
        sa.Column("job_state", sa.LargeBinary(), nullable=False),
    )
