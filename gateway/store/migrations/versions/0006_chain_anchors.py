"""RFC 3161 anchors of the trace and audit chains

Revision ID: 0006
Revises: 0005
Created: 2026-12-08 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chain_anchors",
        # Numbered by the store (1, 2, 3...), so a deleted anchor leaves a gap.
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("institution", sa.String(length=32), nullable=False),
        sa.Column("trace_length", sa.Integer(), nullable=False),
        sa.Column("trace_hash", sa.String(length=64), nullable=False),
        sa.Column("audit_length", sa.Integer(), nullable=False),
        sa.Column("audit_hash", sa.String(length=64), nullable=False),
        sa.Column("token", sa.LargeBinary(), nullable=False),
        sa.Column("stamped_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("chain_anchors", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_chain_anchors_recorded_at"), ["recorded_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("chain_anchors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chain_anchors_recorded_at"))
    op.drop_table("chain_anchors")
