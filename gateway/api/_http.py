"""The HTTP server's own refusals as problem documents.

uvicorn refuses a request it cannot read (a request line or headers beyond its buffer, broken
syntax) before any application code runs, and answers in plain text. The API promises RFC 9457
problem documents for every refusal, so the server runs this protocol, which answers those
requests in the same form: 414 for a request line that does not fit, 431 for headers that do
not, 400 for anything else it cannot parse."""

from __future__ import annotations

import asyncio
import json

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from gateway.api._problems import problem_body

__all__ = ["MAX_REQUEST_HEAD", "ProblemH11Protocol"]

#: The most a request line and its headers may take together. Far beyond what a back-office
#: sends (an API key, a content type, an idempotency key), small enough that a flood of
#: oversized heads costs little memory.
MAX_REQUEST_HEAD = 64 * 1024
#: How long a refused client may go on sending before the connection is closed.
LINGER_SECONDS = 5.0


def _refusal(unread: bytes) -> tuple[int, str, str, str]:
    """Status, code, title and detail for a request head h11 could not read."""
    if len(unread) < MAX_REQUEST_HEAD:
        return 400, "bad-request", "The request is malformed", "it is not valid HTTP/1.1"
    if b"\r\n" not in unread[:MAX_REQUEST_HEAD]:
        limit = f"the request line takes more than {MAX_REQUEST_HEAD} bytes"
        return 414, "uri-too-long", "The address is too long", limit
    limit = f"the request line and headers take more than {MAX_REQUEST_HEAD} bytes"
    return 431, "headers-too-large", "The request headers are too large", limit


class ProblemH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, answering unreadable requests with a problem document."""

    _refused = False

    def data_received(self, data: bytes) -> None:
        if not self._refused:
            super().data_received(data)

    def eof_received(self) -> None:
        if self._refused:
            self.transport.close()
        else:
            super().eof_received()

    def send_400_response(self, msg: str) -> None:
        # The bytes h11 could not make a request of: they tell which limit was passed.
        unread, _closed = self.conn.trailing_data
        status, code, title, detail = _refusal(unread)
        body = json.dumps(problem_body(status, code, title, detail, "")).encode()
        headers = [
            (b"content-type", b"application/problem+json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        for event in (
            h11.Response(status_code=status, headers=headers),
            h11.Data(data=body),
            h11.EndOfMessage(),
        ):
            self.transport.write(self.conn.send(event) or b"")
        self._refused = True
        # Closing now, with the rest of a large request unread, would make the kernel reset
        # the connection and the client could lose the answer. So the answer ends with a
        # half-close, what still arrives is read and dropped, and the connection closes when
        # the client closes its side or after a few seconds.
        self.transport.write_eof()
        asyncio.get_running_loop().call_later(LINGER_SECONDS, self.transport.close)
