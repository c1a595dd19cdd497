"""A case drawn as a sequence diagram: one lifeline per institution, one arrow per message.

This module only computes the geometry; the template writes the SVG, so every text in it is
escaped like the rest of the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gateway.console._queries import MessageRow

__all__ = ["Arrow", "Diagram", "Lifeline", "sequence_diagram"]

COLUMN = 280
ROW = 56
MARGIN = 120
TOP = 70
BOTTOM = 40
SELF_LOOP = 40


@dataclass(frozen=True, slots=True)
class Lifeline:
    institution: str
    x: int
    own: bool


@dataclass(frozen=True, slots=True)
class Arrow:
    pk: int
    label: str
    status: str
    at: str
    x1: int
    x2: int
    y: int
    technical: bool
    #: Where the label goes: centred between the ends (or beside a self-message's loop).
    label_x: int

    @property
    def leftwards(self) -> bool:
        return self.x2 < self.x1

    @property
    def loop(self) -> bool:
        return self.x1 == self.x2


@dataclass(frozen=True, slots=True)
class Diagram:
    width: int
    height: int
    lifelines: Sequence[Lifeline]
    arrows: Sequence[Arrow]
    lifeline_top: int
    lifeline_bottom: int


def sequence_diagram(messages: Sequence[MessageRow], own: str) -> Diagram:
    """Lay out a case's messages (in stored order). This node's institution comes first,
    then the others in the order they appear."""
    order = [own]
    for message in messages:
        for institution in (message.sender, message.recipient):
            if institution not in order:
                order.append(institution)
    xs = {institution: MARGIN + index * COLUMN for index, institution in enumerate(order)}
    width = MARGIN * 2 + (len(order) - 1) * COLUMN
    lifelines = [Lifeline(i, xs[i], i == own) for i in order]
    arrows = []
    for index, message in enumerate(messages):
        x1, x2 = xs[message.sender], xs[message.recipient]
        y = TOP + 30 + index * ROW
        arrows.append(
            Arrow(
                pk=message.pk,
                label=message.document_type,
                status=message.status.value,
                at=message.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                x1=x1,
                x2=x2,
                y=y,
                technical=message.technical,
                label_x=(x1 + x2) // 2 if x1 != x2 else x1 + SELF_LOOP + 8,
            )
        )
    bottom = TOP + 30 + max(len(messages) - 1, 0) * ROW + BOTTOM
    if any(arrow.loop for arrow in arrows):
        width += SELF_LOOP + 160
    return Diagram(
        width=width,
        height=bottom + 20,
        lifelines=lifelines,
        arrows=arrows,
        lifeline_top=TOP,
        lifeline_bottom=bottom,
    )
