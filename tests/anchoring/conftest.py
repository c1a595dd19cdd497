"""A local RFC 3161 time-stamping authority for the anchoring tests: OpenSSL's ``openssl ts
-reply`` behind a small HTTP server on 127.0.0.1, with a CA and a TSA certificate made here
(extended key usage timeStamping, critical, as RFC 3161 asks). The server can be stopped and
started again on the same port, to play a TSA that goes away and comes back."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from sqlalchemy import select, update
from sqlmodel import Session, col

from gateway.node import Node
from gateway.store import TraceChainHead, TraceEvent, trace_link
from support import free_port

_OPENSSL_TSA = """
[ tsa ]
default_tsa = local_tsa
[ local_tsa ]
serial = {folder}/serial
signer_cert = {folder}/tsa.pem
signer_key = {folder}/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.55555.1
digests = sha256, sha512
accuracy = secs:1
ess_cert_id_alg = sha256
"""


@dataclass(frozen=True)
class TsaFiles:
    """The local TSA's CA certificate (what a node trusts) and its own key and certificate."""

    folder: Path
    ca_certificate: Path
    config: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def make_ca(folder: Path, name: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A CA key and self-signed certificate, the certificate written to ``folder/ca.pem``."""
    now = dt.datetime.now(dt.UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(name))
        .issuer_name(_name(name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    (folder / "ca.pem").write_bytes(_pem(certificate))
    return key, certificate


def make_tsa_files(folder: Path, *, name: str = "Local Test TSA") -> TsaFiles:
    """A CA, and a TSA key with a certificate for time-stamping that the CA issued."""
    folder.mkdir(parents=True, exist_ok=True)
    ca_key, ca = make_ca(folder, f"{name} CA")
    now = dt.datetime.now(dt.UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(name))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    (folder / "tsa.pem").write_bytes(_pem(certificate))
    (folder / "tsa.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (folder / "serial").write_text("01\n")
    config = folder / "tsa.cnf"
    config.write_text(_OPENSSL_TSA.format(folder=folder))
    return TsaFiles(folder, folder / "ca.pem", config)


class LocalTsa:
    """``openssl ts -reply`` answering RFC 3161 requests over HTTP on 127.0.0.1."""

    def __init__(self, files: TsaFiles) -> None:
        self.files = files
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/tsr"
        self.requests = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()  # openssl counts serial numbers in one file

    def reply(self, query: bytes) -> bytes:
        with self._lock, tempfile.TemporaryDirectory() as scratch:
            asked, answer = Path(scratch) / "q.tsq", Path(scratch) / "r.tsr"
            asked.write_bytes(query)
            command = ["openssl", "ts", "-reply", "-config", str(self.files.config)]
            subprocess.run(
                [*command, "-queryfile", str(asked), "-out", str(answer)],
                check=True,
                capture_output=True,
                cwd=self.files.folder,
            )
            self.requests += 1
            return answer.read_bytes()

    def start(self) -> None:
        tsa = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                query = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                body = tsa.reply(query)
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None


@pytest.fixture(scope="session")
def tsa_files(tmp_path_factory: pytest.TempPathFactory) -> TsaFiles:
    if shutil.which("openssl") is None:
        pytest.fail("the anchoring tests need OpenSSL's command line (openssl ts)")
    return make_tsa_files(tmp_path_factory.mktemp("tsa"))


@pytest.fixture
def local_tsa(tsa_files: TsaFiles) -> Iterator[LocalTsa]:
    """A running local TSA; stopped after the test (the test may stop and start it)."""
    tsa = LocalTsa(tsa_files)
    tsa.start()
    yield tsa
    tsa.stop()


#: Anchor every 10 minutes; refuse submits after an hour without an anchor.
INTERVAL_SECONDS = 600.0
LIMIT_HOURS = 1.0


@pytest.fixture
def tsa_settings(local_tsa: LocalTsa, tsa_files: TsaFiles) -> dict[str, object]:
    """The settings of a node anchored by the local TSA."""
    return {
        "tsa_url": local_tsa.url,
        "tsa_certificate": str(tsa_files.ca_certificate),
        "anchor_interval_seconds": INTERVAL_SECONDS,
        "unanchored_limit_hours": LIMIT_HOURS,
    }


@pytest.fixture
def tsa_authority(tsa_files: TsaFiles) -> list[x509.Certificate]:
    return [x509.load_pem_x509_certificate(tsa_files.ca_certificate.read_bytes())]


def rewrite_trace_from(node: Node, row: int) -> None:
    """What an insider with write access to the store can do: change trace row ``row`` (2 or
    later), then chain every row after it again, and the head, so that the chain's own
    check passes."""
    with Session(node.store.engine) as session, session.begin():
        events = list(
            session.scalars(
                select(TraceEvent).where(col(TraceEvent.id) >= row - 1).order_by(col(TraceEvent.id))
            )
        )
        previous = events[0].hash
        for event in events[1:]:
            if event.id == row:
                event.detail = "rewritten"
            event.prev_hash = previous
            event.hash = trace_link(previous, event)
            previous = event.hash
        session.execute(update(TraceChainHead).values(head_hash=previous))
