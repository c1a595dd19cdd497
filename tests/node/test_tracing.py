"""Traces of messages across nodes: the publication's context travels in the AMQP headers."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from gateway.config import NodeSettings, load_settings
from gateway.errors import ConfigurationError
from gateway.logs import JsonFormatter
from gateway.node._tracing import MessageIdentity, Tracing, configure_tracing
from support import serving

REQUEST = MessageIdentity(
    message_id="7f0c9c1e-1d2b-4c55-9e0e-0c6f3b8a1a01",
    case_id="0b6a7f57-2f4c-4b55-8c1a-49a4e1c5d002",
    document_type="InsurancePeriodsRequest",
    sender="FR:CNAV",
    recipient="DE:DRV70001",
)


@pytest.fixture
def exported() -> Iterator[tuple[InMemorySpanExporter, TracerProvider]]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield exporter, provider
    provider.shutdown()


def test_the_receivers_span_is_a_child_of_the_senders_publication(
    exported: tuple[InMemorySpanExporter, TracerProvider],
) -> None:
    exporter, provider = exported
    sender, receiver = Tracing("FR:CNAV", provider), Tracing("DE:DRV70001", provider)
    (publication,) = sender.start_publishing([REQUEST])
    assert set(publication.headers) == {"traceparent"}
    publication.finish(None)
    # What the bus delivers: the headers as published, among others.
    with receiver.receiving(REQUEST, {**publication.headers, "other": "x"}):
        pass
    published, received = exporter.get_finished_spans()
    assert published.kind is SpanKind.PRODUCER and received.kind is SpanKind.CONSUMER
    assert received.parent is not None
    assert received.parent.span_id == published.context.span_id
    assert received.context.trace_id == published.context.trace_id
    assert received.attributes is not None
    assert received.attributes["messaging.message.id"] == REQUEST.message_id
    assert received.attributes["ssgw.institution"] == "DE:DRV70001"


def test_a_failed_publication_is_an_error_span(
    exported: tuple[InMemorySpanExporter, TracerProvider],
) -> None:
    exporter, provider = exported
    (publication,) = Tracing("FR:CNAV", provider).start_publishing([REQUEST])
    publication.finish("the broker refused the message")
    (span,) = exporter.get_finished_spans()
    assert span.status.status_code is StatusCode.ERROR
    assert span.status.description == "the broker refused the message"


@pytest.mark.parametrize(
    "headers",
    [{}, {"traceparent": "garbage"}, {"traceparent": "00-" + "0" * 32 + "-" + "0" * 16 + "-01"}],
)
def test_a_delivery_without_a_valid_context_starts_a_new_trace(
    exported: tuple[InMemorySpanExporter, TracerProvider], headers: dict[str, str]
) -> None:
    exporter, provider = exported
    with Tracing("DE:DRV70001", provider).receiving(REQUEST, headers):
        pass
    (span,) = exporter.get_finished_spans()
    assert span.parent is None
    assert span.context.is_valid


def test_spans_carry_ids_and_types_only(
    exported: tuple[InMemorySpanExporter, TracerProvider],
) -> None:
    exporter, provider = exported
    (publication,) = Tracing("FR:CNAV", provider).start_publishing([REQUEST])
    publication.finish(None)
    (span,) = exporter.get_finished_spans()
    assert span.attributes is not None
    assert set(span.attributes) == {
        "messaging.system",
        "messaging.message.id",
        "messaging.message.conversation_id",
        "ssgw.document_type",
        "ssgw.sender",
        "ssgw.recipient",
        "ssgw.institution",
    }


def _settings(tmp_path: Path, **overrides: object) -> NodeSettings:
    files = {"key": tmp_path / "key.pem", "certificate": tmp_path / "cert.pem"}
    return load_settings(
        None,
        institution="FR:CNAV",
        signing_key=files["key"],
        signing_certificate=files["certificate"],
        encryption_keys=[files],
        directory_file=tmp_path / "directory.xml",
        authority_certificate=tmp_path / "authority.pem",
        **overrides,
    )


def test_without_an_endpoint_tracing_does_nothing(tmp_path: Path) -> None:
    tracing = configure_tracing(_settings(tmp_path), "FR:CNAV")
    (publication,) = tracing.start_publishing([REQUEST])
    assert publication.headers == {}
    publication.finish(None)
    tracing.close()


def test_with_an_endpoint_spans_are_exported_over_otlp_http(tmp_path: Path) -> None:
    requests: list[ExportTraceServiceRequest] = []

    async def collect(request: Request) -> Response:
        message = ExportTraceServiceRequest()
        message.ParseFromString(await request.body())
        requests.append(message)
        return Response(b"", media_type="application/x-protobuf")

    collector = Starlette(routes=[Route("/v1/traces", collect, methods=["POST"])])
    with serving(collector) as base:
        settings = _settings(tmp_path, otel_endpoint=f"{base}/v1/traces")
        tracing = configure_tracing(settings, "FR:CNAV")
        (publication,) = tracing.start_publishing([REQUEST])
        publication.finish(None)
        tracing.close()
    spans = [
        span
        for request in requests
        for resource in request.resource_spans
        for scope in resource.scope_spans
        for span in scope.spans
    ]
    assert [span.name for span in spans] == ["publish InsurancePeriodsRequest"]
    resource = requests[0].resource_spans[0].resource
    names = {a.key: a.value.string_value for a in resource.attributes}
    assert names["service.name"] == "ssgw-node" and names["ssgw.institution"] == "FR:CNAV"


def test_an_endpoint_that_is_not_a_url_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="otel_endpoint"):
        _settings(tmp_path, otel_endpoint="collector:4318")


def test_a_log_line_written_inside_a_span_names_its_trace(
    exported: tuple[InMemorySpanExporter, TracerProvider],
) -> None:
    _, provider = exported
    record = logging.LogRecord("gateway.node", logging.INFO, __file__, 1, "stored", None, None)
    outside = json.loads(JsonFormatter().format(record))
    assert "trace_id" not in outside
    with Tracing("DE:DRV70001", provider).receiving(REQUEST, {}) as span:
        inside = json.loads(JsonFormatter().format(record))
    context = span.get_span_context()
    assert inside["trace_id"] == f"{context.trace_id:032x}"
    assert inside["span_id"] == f"{context.span_id:016x}"
