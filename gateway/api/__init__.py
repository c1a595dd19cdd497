"""The back-office REST API, and the HTTP server's own refusals in the same form."""

from __future__ import annotations

from gateway.api._app import create_app
from gateway.api._health import ReadinessCheck
from gateway.api._http import MAX_REQUEST_HEAD, ProblemH11Protocol

__all__ = ["MAX_REQUEST_HEAD", "ProblemH11Protocol", "ReadinessCheck", "create_app"]
