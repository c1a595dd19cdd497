"""Searching messages by person, through the blind index, each search audited first.

The index is written when a message is stored (:meth:`Persons.keys_of` gives its rows); a
search turns what it asks into the same keyed hashes and matches them, so no sealed payload
is opened and no clear value is stored. Who may see what: a protected person's messages are
found by auditors only; viewers do not search.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from lxml import etree

from gateway.errors import SearchRefused
from gateway.exchange import PersonIndexKey, PersonKey, PersonQuery
from gateway.node._listing import MessageRow, message_rows
from gateway.store import Role, Store, append_event, find_person

__all__ = ["SEARCH_LIMIT", "Persons"]

#: The most messages one search returns, newest first.
SEARCH_LIMIT = 200


class Persons:
    """The node's blind index of persons: its key, and searches by person."""

    def __init__(
        self, store: Store, key: PersonIndexKey, *, clock: Callable[[], dt.datetime]
    ) -> None:
        self._store = store
        self._key = key
        self._clock = clock

    def keys_of(self, document: etree._Element) -> list[PersonKey]:
        """The index rows of a document about to be stored (its parsed tree, read as is)."""
        return self._key.keys_of(document)

    def search(self, query: PersonQuery, *, actor: str, role: Role) -> list[MessageRow]:
        """The messages about the person ``query`` names, newest first, at most
        :data:`SEARCH_LIMIT`. The search and its reason are written to the audit log before
        anything is read; a protected person's messages are left out unless ``role`` is
        auditor.

        Raises :class:`SearchRefused` for a viewer, a search without its reason, or one
        that names nobody (nothing is recorded then).
        """
        if role is Role.VIEWER:
            raise SearchRefused("a viewer does not search by person")
        keys = query.keys(self._key)
        protected = role is Role.AUDITOR
        with self._store.writing() as session:
            append_event(
                session,
                at=self._clock(),
                actor=actor,
                role=role.value,
                action="person-search",
                detail=f"{_what(query)}"
                + ("" if protected else ", protected persons left out")
                + f"; reason: {query.reason.strip()}",
            )
        pks = find_person(self._store.engine, keys, protected=protected, limit=SEARCH_LIMIT)
        return message_rows(self._store.engine, pks)


def _what(query: PersonQuery) -> str:
    """What was searched by, without the values searched for (the audit log holds no
    personal data of insured people)."""
    if query.case_reference is not None:
        return "by case reference"
    parts = [f"PIN of {query.country.strip().upper()}"] if query.pin and query.country else []
    parts += [
        name
        for name, value in (
            ("family name", query.family_name),
            ("forename", query.given_name),
            ("birth date", query.birth_date),
        )
        if value is not None
    ]
    return "by " + ", ".join(parts)
