"""How a reference back-office hands documents to its node, and tells what it does."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable

from gateway.demo.backoffice.records import Refusal, Sent
from gateway.documents import DocumentType
from ssgw_adapters.client import GatewayApiError, GatewayClient

__all__ = ["Sender"]

log = logging.getLogger("gateway.demo.backoffice")


class Sender:
    """Submits documents to one institution's node through its REST API; keeps each one sent
    (:attr:`sent`) and each one the node refused (:attr:`refused`).

    ``report`` gets a progress line for everything the back-office does (no personal data:
    institutions, document types, outcomes).
    """

    def __init__(
        self,
        client: GatewayClient,
        institution: str,
        report: Callable[[str], None] | None = None,
    ) -> None:
        self.client = client
        self.institution = institution
        self._report = report
        self.sent: list[Sent] = []
        self.refused: list[Refusal] = []

    def _say(self, message: str) -> None:
        log.info("%s %s", self.institution, message)
        if self._report is not None:
            self._report(f"  {self.institution:<11} {message}")

    @staticmethod
    def _outcome(done: str, outcome: Sent | Refusal) -> str:
        if isinstance(outcome, Refusal):
            return f"{done}, but the node refused it: {outcome.detail}"
        return done

    def _submit(
        self,
        document: bytes,
        document_type: DocumentType,
        recipient: str,
        *,
        case_id: uuid.UUID | None = None,
        in_reply_to: uuid.UUID | None = None,
        document_set_id: uuid.UUID | None = None,
    ) -> Sent | Refusal:
        try:
            submission = self.client.submit(
                document,
                recipient=recipient,
                case_id=case_id,
                in_reply_to=in_reply_to,
                document_set_id=document_set_id,
            )
        except GatewayApiError as error:
            refusal = Refusal(
                document_type.root_name,
                self.institution,
                recipient,
                error.status,
                error.code,
                error.detail or error.title,
            )
            self.refused.append(refusal)
            return refusal
        sent = Sent(
            submission.id,
            submission.case_id,
            document_type.root_name,
            self.institution,
            recipient,
        )
        self.sent.append(sent)
        return sent
