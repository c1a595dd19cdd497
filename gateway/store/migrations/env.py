"""Alembic environment: migrations run on the connection the node hands over."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

# Importing the store registers its tables (the node's and the console's) on the metadata.
import gateway.store  # noqa: F401

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    engine = config.attributes["engine"]
    connection = engine.connect()

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    # SQLite alters tables by copying them; batch mode does that for us.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
