"""Rules on case-level documents: closures, reminders and forwards.

Whether a closure, reminder or forward is allowed at all depends on the case's history, which
the case state machine (``gateway.cases``) judges; here only the document itself is checked.
A code 'other' needs its text (``_reasons``) and the competent institution a known country
(``_places``), as in every document.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterator

from lxml import etree

from gateway.documents._issues import Issue, issue_at

from ._support import first, text, xpath

__all__ = ["check_reminder"]

_REMINDED = xpath("k:RemindedMessageId")


def check_reminder(root: etree._Element, today: datetime.date) -> Iterator[Issue]:
    """The reminded message id is not the nil UUID, which names no message."""
    element = first(_REMINDED, root)
    if element is not None and text(element) == str(uuid.UUID(int=0)):
        yield issue_at(
            element,
            "rule.message-id-nil",
            "the reminded message id is the nil UUID, which names no message",
        )
