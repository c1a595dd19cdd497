"""trace events hash-chained, with a head row

Revision ID: 0003
Revises: 0002
Created: 2026-11-25 13:30:00

Existing trace events are numbered 1, 2, 3... in their order (the chain's own numbering, in
which a gap is a deleted row) and chained oldest first.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gateway.security import GENESIS
from gateway.store._models import UtcDateTime
from gateway.store._trace_chain import trace_link

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_events = sa.table(
    "trace_events",
    sa.column("id", sa.Integer()),
    sa.column("message_id", sa.Uuid()),
    sa.column("case_id", sa.Uuid()),
    sa.column("at", UtcDateTime()),
    sa.column("stage", sa.String()),
    sa.column("detail", sa.String()),
    sa.column("prev_hash", sa.String()),
    sa.column("hash", sa.String()),
)


def upgrade() -> None:
    with op.batch_alter_table("trace_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prev_hash", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(), nullable=True))
    connection = op.get_bind()
    previous, length = GENESIS, 0
    old_ids = list(connection.scalars(sa.select(_events.c.id).order_by(_events.c.id)))
    for old_id in old_ids:
        length += 1
        if old_id != length:
            # Ascending, so the new number is always free.
            connection.execute(sa.update(_events).where(_events.c.id == old_id).values(id=length))
        row = connection.execute(sa.select(_events).where(_events.c.id == length)).one()
        link = trace_link(previous, row)
        connection.execute(
            sa.update(_events).where(_events.c.id == length).values(prev_hash=previous, hash=link)
        )
        previous = link
    with op.batch_alter_table("trace_events", schema=None) as batch_op:
        batch_op.alter_column("prev_hash", existing_type=sa.String(), nullable=False)
        batch_op.alter_column("hash", existing_type=sa.String(), nullable=False)
    chain = op.create_table(
        "trace_chain",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    # The one head row: appending locks it, so the chain never forks.
    op.bulk_insert(chain, [{"id": 1, "length": length, "head_hash": previous}])


def downgrade() -> None:
    op.drop_table("trace_chain")
    with op.batch_alter_table("trace_events", schema=None) as batch_op:
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
