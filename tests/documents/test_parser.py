"""Safe parsing: hostile XML is refused fast, with a clear code, and never reaches the network."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from gateway.documents import ParseLimits, parse_untrusted
from gateway.errors import ValidationFailed


@pytest.fixture
def listener() -> Iterator[tuple[str, list[bytes]]]:
    """A TCP listener on 127.0.0.1 that records every connection made to it."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    seen: list[bytes] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            with connection:
                connection.settimeout(0.5)
                try:
                    seen.append(connection.recv(1024) or b"<connected>")
                except TimeoutError:
                    seen.append(b"<connected>")

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    host, port = server.getsockname()
    yield f"http://{host}:{port}", seen
    stop.set()
    thread.join()
    server.close()


def refused(data: bytes, limits: ParseLimits | None = None) -> tuple[str, float]:
    start = time.perf_counter()
    with pytest.raises(ValidationFailed) as caught:
        parse_untrusted(data, limits or ParseLimits())
    elapsed = time.perf_counter() - start
    return caught.value.issues[0].code, elapsed


def test_external_entity_is_refused_without_network(listener: tuple[str, list[bytes]]) -> None:
    url, seen = listener
    data = (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "{url}/secret">]><r>&x;</r>'
    ).encode()
    code, elapsed = refused(data)
    assert code == "xml.doctype-forbidden"
    assert elapsed < 1.0
    time.sleep(0.3)
    assert seen == []


def test_parameter_entity_is_refused_without_network(listener: tuple[str, list[bytes]]) -> None:
    url, seen = listener
    data = f'<!DOCTYPE r [<!ENTITY % p SYSTEM "{url}/p.dtd"> %p;]><r/>'.encode()
    assert refused(data)[0] == "xml.doctype-forbidden"
    time.sleep(0.3)
    assert seen == []


def test_external_dtd_is_refused_without_network(listener: tuple[str, list[bytes]]) -> None:
    url, seen = listener
    data = f'<?xml version="1.0"?>\n<!-- hi -->\n<!DOCTYPE r SYSTEM "{url}/r.dtd"><r/>'.encode()
    code, elapsed = refused(data)
    assert code == "xml.doctype-forbidden"
    assert elapsed < 1.0
    time.sleep(0.3)
    assert seen == []


def test_billion_laughs_is_refused_fast() -> None:
    entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    data = f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY l0 "lol">{entities}]><r>&l9;</r>'
    code, elapsed = refused(data.encode())
    assert code == "xml.doctype-forbidden"
    assert elapsed < 1.0


def test_quadratic_blowup_is_refused_fast() -> None:
    big = "A" * 100_000
    data = f'<!DOCTYPE r [<!ENTITY a "{big}">]><r>{"&a;" * 10_000}</r>'.encode()
    code, elapsed = refused(data)
    assert code == "xml.doctype-forbidden"
    assert elapsed < 1.0


def test_deep_nesting_of_100000_levels_is_refused_fast() -> None:
    data = b"<a>" * 100_000 + b"</a>" * 100_000
    code, elapsed = refused(data)
    assert code == "xml.too-deep"
    assert elapsed < 1.0


def test_nesting_beyond_our_own_limit_is_refused() -> None:
    data = b"<a>" * 60 + b"</a>" * 60
    assert refused(data)[0] == "xml.too-deep"
    assert parse_untrusted(b"<a>" * 40 + b"</a>" * 40).getroot().tag == "a"


def test_fifty_megabyte_document_is_refused_fast() -> None:
    data = b"<a>" + b"x" * (50 * 1024 * 1024) + b"</a>"
    code, elapsed = refused(data)
    assert code == "xml.too-large"
    assert elapsed < 1.0


def test_huge_attribute_is_bounded_by_the_size_limit() -> None:
    data = b'<a b="' + b"x" * 200_000 + b'"/>'
    assert refused(data, ParseLimits(max_bytes=100_000))[0] == "xml.too-large"


def test_too_many_elements_are_refused() -> None:
    data = b"<a>" + b"<b/>" * 1_000 + b"</a>"
    assert refused(data, ParseLimits(max_elements=500))[0] == "xml.too-many-elements"


def test_a_large_text_node_within_the_limit_parses() -> None:
    # A scanned attachment in base64 can exceed libxml2's 10 MB text-node default.
    data = b"<a>" + b"QUJD" * (3 * 1024 * 1024) + b"</a>"
    assert len(parse_untrusted(data).getroot().text or "") == 12 * 1024 * 1024


@pytest.mark.parametrize(
    ("data", "code"),
    [
        pytest.param(b"", "xml.empty", id="empty"),
        pytest.param(b"<a><b></a>", "xml.malformed", id="mismatched-tags"),
        pytest.param(b"not xml at all", "xml.malformed", id="text"),
        pytest.param(
            '<?xml version="1.0" encoding="UTF-16"?><a/>'.encode("utf-16"),
            "xml.encoding",
            id="utf-16",
        ),
        pytest.param(
            b'<?xml version="1.0" encoding="ISO-8859-1"?><a/>', "xml.encoding", id="latin-1"
        ),
    ],
)
def test_bad_input_gets_a_clear_code(data: bytes, code: str) -> None:
    assert refused(data)[0] == code


def test_malformed_input_reports_its_line() -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_untrusted(b"<a>\n<b>\n</a>")
    assert caught.value.issues[0].line is not None


def test_comments_and_processing_instructions_are_dropped() -> None:
    tree = parse_untrusted("<a><?pi x?><b>Mü<!-- injected -->ller</b></a>".encode())
    b = tree.getroot()[0]
    assert "".join(b.itertext()) == "Müller"
    assert len(tree.getroot()) == 1


def test_only_bytes_are_accepted() -> None:
    with pytest.raises(TypeError):
        parse_untrusted("<a/>")  # type: ignore[arg-type]
