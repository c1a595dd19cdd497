"""The back-office REST API."""

from __future__ import annotations

from gateway.api._app import create_app

__all__ = ["create_app"]
