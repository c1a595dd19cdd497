"""the blind index of persons, and a role for each API key

Revision ID: 0005
Revises: 0004
Created: 2026-12-08 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "person_index",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_pk", sa.Integer(), nullable=False),
        sa.Column("person", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["message_pk"], ["messages.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("person_index", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_index_digest"), ["digest"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_person_index_message_pk"), ["message_pk"], unique=False
        )
    # Keys made before roles existed read no personal data until an auditor's is made.
    with op.batch_alter_table("api_clients", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("role", sa.String(length=16), nullable=False, server_default="operator")
        )


def downgrade() -> None:
    with op.batch_alter_table("api_clients", schema=None) as batch_op:
        batch_op.drop_column("role")
    with op.batch_alter_table("person_index", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_index_message_pk"))
        batch_op.drop_index(batch_op.f("ix_person_index_digest"))
    op.drop_table("person_index")
