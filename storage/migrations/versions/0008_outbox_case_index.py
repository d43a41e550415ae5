"""The outbox is looked up by case (erasure, removal, a claim's notices): index it; and a fired timer
is deleted when it fires, so the ones fired before go too, and the sweep's cost stays flat.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_case_id"), ["case_id"], unique=False)
    op.execute("DELETE FROM timers WHERE fired_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_case_id"))
