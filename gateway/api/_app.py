"""The back-office REST API of a node (FastAPI; OpenAPI at /openapi.json, docs at /docs).

Its routes are grouped by topic, one router each: messages, cases, the inbox, and what
operations ask of a running node.
"""

from __future__ import annotations

import swagger_ui_bundle
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from gateway import __version__
from gateway.api import _cases, _health, _inbox, _messages, _persons
from gateway.api._health import ReadinessCheck
from gateway.api._inbox_signal import InboxSignal
from gateway.api._problems import PROBLEM_RESPONSES, install_problem_handlers
from gateway.node import Node

__all__ = ["create_app"]


def create_app(node: Node, *, readiness: ReadinessCheck | None = None) -> FastAPI:
    """The API for one node. ``readiness`` checks the broker for /readyz."""
    app = FastAPI(
        title=f"Social security gateway node {node.institution}",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        description="Submit documents to partner institutions and collect the documents "
        "they send. Every error is an RFC 9457 problem document.",
        responses=PROBLEM_RESPONSES,
    )
    app.state.node = node
    app.state.readiness = readiness
    app.state.inbox_signal = InboxSignal()
    node.on_inbox(app.state.inbox_signal.notify)
    install_problem_handlers(app)
    app.mount(
        "/static/swagger-ui",
        StaticFiles(directory=swagger_ui_bundle.swagger_ui_path),
        name="swagger-ui",
    )

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        # Served from the node itself: no CDN at run time.
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=app.title,
            swagger_js_url="/static/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/swagger-ui/favicon-32x32.png",
        )

    for topic in (_messages, _cases, _inbox, _persons, _health):
        app.include_router(topic.router)
    return app
