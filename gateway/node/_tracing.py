"""Distributed traces of messages across nodes (OpenTelemetry), optional and off by default.

A message's trace starts when the sending node's relay publishes it; the W3C ``traceparent``
travels in the AMQP headers, and the receiving node's handling of the delivery is a child
span of that publication, so one trace shows a message leaving one institution and arriving
at another. Spans carry message, case and institution ids and document types only, never
personal data (the same rule as the logs).

Only ``opentelemetry-api`` is required: without a configured tracer provider every span is a
no-op. ``configure_tracing`` installs the SDK with an OTLP/HTTP exporter when the node's
settings name an endpoint (the ``otel`` extra).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode, TracerProvider
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from gateway.config import NodeSettings
from gateway.errors import ConfigurationError

__all__ = ["MessageIdentity", "PublishSpan", "Tracing", "configure_tracing"]

_PROPAGATOR = TraceContextTextMapPropagator()
#: The trace-context headers a message carries; nothing else of a delivery is read.
_CONTEXT_HEADERS = ("traceparent", "tracestate")


@dataclass(frozen=True, slots=True)
class MessageIdentity:
    """What a span says about a message: ids and its type, no content."""

    message_id: str
    case_id: str
    document_type: str
    sender: str
    recipient: str

    def attributes(self) -> dict[str, str]:
        return {
            "messaging.system": "rabbitmq",
            "messaging.message.id": self.message_id,
            "messaging.message.conversation_id": self.case_id,
            "ssgw.document_type": self.document_type,
            "ssgw.sender": self.sender,
            "ssgw.recipient": self.recipient,
        }


@dataclass(slots=True)
class PublishSpan:
    """The span of one message's publication, and the headers that carry its context."""

    span: trace.Span
    headers: Mapping[str, str]

    def finish(self, error: str | None) -> None:
        """End the span; ``error`` is the publication's failure, if any."""
        if error is not None:
            self.span.set_status(Status(StatusCode.ERROR, error))
        self.span.end()


class Tracing:
    """The node's tracer: spans for publishing and for receiving messages."""

    def __init__(self, institution: str, provider: TracerProvider | None = None) -> None:
        self._provider = provider
        self._tracer = trace.get_tracer("gateway.node", tracer_provider=provider)
        self._institution = institution

    def close(self) -> None:
        """Send the spans still buffered, when the provider buffers any."""
        shutdown = getattr(self._provider, "shutdown", None)
        if callable(shutdown):
            shutdown()

    def start_publishing(self, messages: Sequence[MessageIdentity]) -> list[PublishSpan]:
        """Start one span per message about to be published; each ends with ``finish``."""
        spans: list[PublishSpan] = []
        for message in messages:
            span = self._tracer.start_span(
                f"publish {message.document_type}",
                kind=SpanKind.PRODUCER,
                attributes={**message.attributes(), "ssgw.institution": self._institution},
            )
            headers: dict[str, str] = {}
            _PROPAGATOR.inject(headers, context=trace.set_span_in_context(span))
            spans.append(PublishSpan(span, headers))
        return spans

    @contextlib.contextmanager
    def receiving(
        self, message: MessageIdentity, headers: Mapping[str, str]
    ) -> Iterator[trace.Span]:
        """The span of handling one delivery, a child of its publication when the headers
        carry a valid trace context (an invalid one is ignored: a new trace starts)."""
        carrier = {name: headers[name] for name in _CONTEXT_HEADERS if name in headers}
        parent = _PROPAGATOR.extract(carrier)
        with self._tracer.start_as_current_span(
            f"receive {message.document_type}",
            context=parent,
            kind=SpanKind.CONSUMER,
            attributes={**message.attributes(), "ssgw.institution": self._institution},
        ) as span:
            yield span


def configure_tracing(settings: NodeSettings, institution: str) -> Tracing:
    """The node's tracing: exported over OTLP/HTTP when ``otel_endpoint`` is set, else no-op.

    Raises :class:`ConfigurationError` when an endpoint is set but the SDK is not installed.
    """
    if settings.otel_endpoint is None:
        return Tracing(institution, trace.NoOpTracerProvider())
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider as SdkTracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError as error:
        raise ConfigurationError(
            "otel_endpoint is set but the OpenTelemetry SDK is not installed: "
            "install the gateway with its 'otel' extra (pip install 'ssgw[otel]')"
        ) from error
    provider = SdkTracerProvider(
        resource=Resource.create(
            {"service.name": settings.otel_service_name, "ssgw.institution": institution}
        )
    )
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(str(settings.otel_endpoint))))
    return Tracing(institution, provider)
