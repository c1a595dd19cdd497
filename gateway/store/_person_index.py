"""The blind index of persons: keyed hashes of who each stored document is about.

Rows hold only HMACs (``gateway.exchange.PersonIndexKey``), never a name, number or date:
without the node's key they tell nothing, and with it they can only be matched, not read.
They are written in the transaction that stores their message, and kept apart from it.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine, func, insert, select
from sqlmodel import Field, Session, SQLModel, col

from gateway.exchange import PersonKey
from gateway.store._models import CaseRecord, MessageRecord, table_of
from gateway.store._transactions import Transactions

__all__ = ["PersonIndexEntry", "find_person", "write_person_keys"]


class PersonIndexEntry(SQLModel, table=True):
    """One keyed hash of one person of a stored message (person 0: the document itself)."""

    __tablename__ = "person_index"

    id: int | None = Field(default=None, primary_key=True)
    message_pk: int = Field(foreign_key="messages.id", index=True)
    person: int = Field(description="The person's place in the document; 0 for the document.")
    kind: str = Field(max_length=16, description="What was hashed: pin, family-name, ...")
    digest: str = Field(max_length=64, index=True, description="HMAC-SHA256, lowercase hex.")


_ENTRIES = table_of(PersonIndexEntry)
_INSERT = insert(_ENTRIES)


def write_person_keys(session: Session, message_pk: int, keys: Sequence[PersonKey]) -> None:
    """Add a message's index rows in the caller's transaction (the one storing the message)."""
    if keys:
        session.connection().execute(
            _INSERT,
            [
                {
                    "message_pk": message_pk,
                    "person": k.person,
                    "kind": k.kind.value,
                    "digest": k.digest,
                }
                for k in keys
            ],
        )


def find_person(
    engine: Engine, keys: Sequence[PersonKey], *, protected: bool, limit: int
) -> list[int]:
    """The row numbers of the messages in which one person holds every one of ``keys``,
    newest first; messages of a protected person's case only when ``protected``."""
    digests = sorted({key.digest for key in keys})
    index, message = _ENTRIES.c, table_of(MessageRecord).c
    query = (
        select(index.message_pk, func.max(message.created_at).label("at"))
        .join(table_of(MessageRecord), message.id == index.message_pk)
        .where(index.digest.in_(digests))
        .group_by(index.message_pk, index.person)
        .having(func.count(func.distinct(index.digest)) == len(digests))
        .order_by(func.max(message.created_at).desc(), index.message_pk.desc())
        .limit(limit)
    )
    if not protected:
        cases = table_of(CaseRecord).c
        query = query.join(table_of(CaseRecord), cases.id == message.case_id).where(
            col(cases.protected_person).is_(False)
        )
    with Transactions(engine).reading() as session:
        found = [int(row[0]) for row in session.execute(query)]
    return list(dict.fromkeys(found))
