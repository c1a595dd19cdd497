"""The folder adapter against two real nodes (their APIs served by uvicorn): files dropped on
one side come out in the other side's inbox folder."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from gateway.api import create_app
from gateway.documents import DocumentType, document_to_json, parse_untrusted
from gateway.exchange import MessageStatus
from gateway.node import Node
from ssgw_adapters.cli import main as adapter_command
from ssgw_adapters.client import GatewayClient
from ssgw_adapters.folder import FolderAdapter, FolderSettings, Outcome, write_atomically
from support import deliver, example_bytes, free_port, serving


def main(arguments: Sequence[str]) -> int:
    """``ssgw-adapter folder ARGUMENTS``: its exit code."""
    return adapter_command(["folder", *arguments])


@dataclass
class Side:
    """One institution: its node, its back-office client and its folders."""

    node: Node
    client: GatewayClient
    url: str
    key: str
    root: Path

    def adapter(self, **options: object) -> FolderAdapter:
        values: dict[str, object] = {"settle": 0.0, "interval": 0.1} | options
        return FolderAdapter(self.client, FolderSettings.under(self.root, **values))  # type: ignore[arg-type]

    def drop(self, name: str, data: bytes, meta: dict[str, object] | None = None) -> None:
        """What a back-office does: the sidecar first, then the document, each renamed in."""
        outbox = self.root / "outbox"
        outbox.mkdir(parents=True, exist_ok=True)
        if meta is not None:
            stem = name.rpartition(".")[0]
            write_atomically(outbox / f"{stem}.meta.json", json.dumps(meta).encode())
        write_atomically(outbox / name, data)

    def files(self, folder: str) -> list[str]:
        return sorted(p.name for p in (self.root / folder).iterdir())


@dataclass
class Pair:
    france: Side
    germany: Side


@pytest.fixture
def pair(make_node: Callable[[str], Node], tmp_path: Path) -> Iterator[Pair]:
    sides: list[Side] = []
    with contextlib.ExitStack() as stack:
        for institution in ("FR:CNAV", "DE:DRV70001"):
            node = make_node(institution)
            key = node.store.create_api_client("back-office", dt.datetime.now(dt.UTC))
            url = stack.enter_context(serving(create_app(node)))
            client = stack.enter_context(GatewayClient(url, key, timeout=10))
            root = tmp_path / institution.replace(":", "_")
            sides.append(Side(node, client, url, key, root))
        yield Pair(*sides)


def take_twice(adapter: FolderAdapter) -> list[tuple[str, Outcome]]:
    """Two polls: a file is taken at the second sighting."""
    assert adapter.scan() == []
    return [(h.name, h.outcome) for h in adapter.scan()]


def test_files_round_trip_between_two_institutions(pair: Pair) -> None:
    france, germany = pair.france.adapter(), pair.germany.adapter()
    pair.france.drop(
        "request.xml", example_bytes("InsurancePeriodsRequest"), {"recipient": "DE:DRV70001"}
    )
    (handled,) = [france.scan(), france.scan()][1]
    assert handled.outcome is Outcome.SENT and handled.submission is not None
    request = handled.submission
    assert pair.france.files("outbox") == []
    assert pair.france.files("sent") == [
        f"request.{request.id}.meta.json",
        f"request.{request.id}.xml",
    ]
    sent_meta = json.loads(
        (pair.france.root / "sent" / f"request.{request.id}.meta.json").read_bytes()
    )
    assert sent_meta["message_id"] == str(request.id) and sent_meta["case_id"] == str(
        request.case_id
    )
    assert sent_meta["recipient"] == "DE:DRV70001" and sent_meta["file"] == "request.xml"

    deliver(pair.france.node, pair.germany.node)
    received = germany.receive()
    assert received.written == (request.id,) and received.failed == ()
    assert pair.germany.files("inbox") == [f"{request.id}.meta.json", f"{request.id}.xml"]
    document = (pair.germany.root / "inbox" / f"{request.id}.xml").read_bytes()
    assert b"InsurancePeriodsRequest" in document
    meta = json.loads((pair.germany.root / "inbox" / f"{request.id}.meta.json").read_bytes())
    assert meta == {
        "message_id": str(request.id),
        "sender": "FR:CNAV",
        "case_id": str(request.case_id),
        "case_type": meta["case_type"],
        "document_type": "InsurancePeriodsRequest",
        "in_reply_to": None,
    }
    assert pair.germany.node.store.inbox(after=0, limit=10) == []  # acknowledged
    assert germany.receive().written == ()

    # Germany answers in the same case, through its own outbox.
    pair.germany.drop(
        "reply.xml",
        example_bytes("InsurancePeriodsReply"),
        {"recipient": "FR:CNAV", "case_id": str(request.case_id), "in_reply_to": str(request.id)},
    )
    assert take_twice(germany) == [("reply.xml", Outcome.SENT)]
    deliver(pair.germany.node, pair.france.node)  # the receipt and the reply
    (reply_id,) = france.receive().written
    reply_meta = json.loads((pair.france.root / "inbox" / f"{reply_id}.meta.json").read_bytes())
    assert reply_meta["in_reply_to"] == str(request.id)
    assert reply_meta["case_id"] == str(request.case_id)
    original = pair.france.node.store.any_message(request.id)
    assert original is not None and original.status is MessageStatus.DELIVERED


def test_json_documents_go_to_the_default_recipient_and_come_out_as_json(pair: Pair) -> None:
    form = document_to_json(
        DocumentType.INSURANCE_PERIODS_REQUEST,
        parse_untrusted(example_bytes("InsurancePeriodsRequest")).getroot(),
    )
    france = pair.france.adapter(default_recipient="DE:DRV70001")
    germany = pair.germany.adapter(form="json")
    pair.france.drop("request.json", json.dumps(form).encode())
    assert take_twice(france) == [("request.json", Outcome.SENT)]
    deliver(pair.france.node, pair.germany.node)
    (message_id,) = germany.receive().written
    written = pair.germany.root / "inbox" / f"{message_id}.json"
    assert json.loads(written.read_bytes()) == form


@pytest.mark.parametrize(
    ("name", "data", "meta", "expected"),
    [
        (
            "broken.xml",
            b"<x><y></x>",
            {"recipient": "DE:DRV70001"},
            ["(422 validation-failed)", "Title: The document is not valid", "Errors:", "line 1"],
        ),
        (
            "invalid.xml",
            example_bytes("InsurancePeriodsRequest").replace(b">old-age<", b">old-aged<", 1),
            {"recipient": "DE:DRV70001"},
            ["(422 validation-failed)", "Errors:", "[schema."],
        ),
        (
            "no-agreement.xml",
            example_bytes("InsurancePeriodsRequest"),
            {"recipient": "IN:EPFO"},
            ["(403 not-permitted)", "Reason: no-agreement", "Detail: "],
        ),
        (
            "nobody.xml",
            example_bytes("InsurancePeriodsRequest"),
            None,
            ["nobody.xml was not submitted: it has no recipient"],
        ),
        (
            "typo.xml",
            example_bytes("InsurancePeriodsRequest"),
            {"recipient": "DE:DRV70001", "caseid": "x"},
            ["typo.xml was not submitted: typo.meta.json has unknown members: caseid"],
        ),
        (
            "case.xml",
            example_bytes("InsurancePeriodsRequest"),
            {"recipient": "DE:DRV70001", "case_id": "42"},
            ["case.meta.json: case_id is not a UUID: '42'"],
        ),
        (
            "half.json",
            b'{"documentType": ',
            {"recipient": "DE:DRV70001"},
            ["half.json was not submitted: it is not JSON: Expecting value"],
        ),
    ],
)
def test_a_bad_file_goes_to_error_with_its_reason(
    pair: Pair, name: str, data: bytes, meta: dict[str, object] | None, expected: list[str]
) -> None:
    france = pair.france.adapter()
    pair.france.drop(name, data, meta)
    assert take_twice(france) == [(name, Outcome.REFUSED)]
    stem = name.rpartition(".")[0]
    assert pair.france.files("outbox") == []
    assert pair.france.files("sent") == []
    assert (pair.france.root / "error" / name).read_bytes() == data
    if meta is not None:
        assert json.loads((pair.france.root / "error" / f"{stem}.meta.json").read_bytes()) == meta
    reason = (pair.france.root / "error" / f"{stem}.error.txt").read_text()
    for part in expected:
        assert part in reason, reason
    assert pair.france.node.store.outbox_depth() == 0


def test_a_second_bad_file_of_the_same_name_does_not_overwrite_the_first(pair: Pair) -> None:
    france = pair.france.adapter()
    for _ in range(2):
        pair.france.drop("bad.xml", b"<nope/>", {"recipient": "DE:DRV70001"})
        assert take_twice(france) == [("bad.xml", Outcome.REFUSED)]
    assert pair.france.files("error") == [
        "bad-2.error.txt",
        "bad-2.meta.json",
        "bad-2.xml",
        "bad.error.txt",
        "bad.meta.json",
        "bad.xml",
    ]


def test_a_file_waits_while_the_node_is_unreachable_and_goes_once_it_is_back(
    pair: Pair,
) -> None:
    port = free_port()
    with GatewayClient(f"http://127.0.0.1:{port}", pair.france.key, timeout=5) as down:
        adapter = FolderAdapter(down, FolderSettings.under(pair.france.root, settle=0))
        pair.france.drop(
            "first.xml", example_bytes("InsurancePeriodsRequest"), {"recipient": "DE:DRV70001"}
        )
        pair.france.drop(
            "second.xml", example_bytes("InsurancePeriodsRequest"), {"recipient": "DE:DRV70001"}
        )
        assert adapter.scan() == []
        (waiting,) = adapter.scan()  # the second is not even tried
        assert waiting.name == "first.xml" and waiting.outcome is Outcome.WAITING
        assert waiting.reason is not None and "ConnectError" in waiting.reason
        assert adapter.scan()[0].outcome is Outcome.WAITING
        assert pair.france.files("outbox") == [
            "first.meta.json",
            "first.xml",
            "second.meta.json",
            "second.xml",
        ]
        assert pair.france.files("error") == [] and pair.france.files("sent") == []

        with serving(create_app(pair.france.node), port):  # the node is back
            assert [(h.name, h.outcome) for h in adapter.scan()] == [
                ("first.xml", Outcome.SENT),
                ("second.xml", Outcome.SENT),
            ]
    assert pair.france.files("outbox") == []


def test_a_refused_api_key_leaves_the_file_in_place(pair: Pair) -> None:
    with GatewayClient(pair.france.url, "not-the-key") as wrong:
        adapter = FolderAdapter(wrong, FolderSettings.under(pair.france.root, settle=0))
        pair.france.drop(
            "doc.xml", example_bytes("InsurancePeriodsRequest"), {"recipient": "DE:DRV70001"}
        )
        assert take_twice(adapter) == [("doc.xml", Outcome.WAITING)]
    assert pair.france.files("outbox") == ["doc.meta.json", "doc.xml"]
    assert pair.france.files("error") == []


def test_only_complete_files_are_taken(pair: Pair) -> None:
    france = pair.france.adapter(default_recipient="DE:DRV70001")
    outbox = pair.france.root / "outbox"
    document = example_bytes("InsurancePeriodsRequest")

    # Written in place: taken only once it stops changing between two polls.
    growing = outbox / "growing.xml"
    growing.write_bytes(document[:100])
    assert france.scan() == []
    with growing.open("ab") as file:
        file.write(document[100:])
    assert france.scan() == []
    assert [(h.name, h.outcome) for h in france.scan()] == [("growing.xml", Outcome.SENT)]

    # Written under a temporary name: never looked at until it is renamed.
    (outbox / "renamed.xml.tmp").write_bytes(document)
    assert france.scan() == [] and france.scan() == []
    (outbox / "renamed.xml.tmp").rename(outbox / "renamed.xml")
    assert take_twice(france) == [("renamed.xml", Outcome.SENT)]

    # A sidecar that changes restarts the wait too.
    (outbox / "late.xml").write_bytes(document)
    assert france.scan() == []
    (outbox / "late.meta.json").write_text('{"recipient": "DE:DRV70001"}')
    assert france.scan() == []
    assert [(h.name, h.outcome) for h in france.scan()] == [("late.xml", Outcome.SENT)]


def test_a_file_must_rest_for_the_settle_time(pair: Pair) -> None:
    france = pair.france.adapter(default_recipient="DE:DRV70001", settle=0.2)
    pair.france.drop("doc.xml", example_bytes("InsurancePeriodsRequest"))
    assert france.scan() == [] and france.scan() == []
    time.sleep(0.2)
    assert [(h.name, h.outcome) for h in france.scan()] == [("doc.xml", Outcome.SENT)]


def test_the_loop_moves_files_both_ways_until_stopped(pair: Pair) -> None:
    france = pair.france.adapter(default_recipient="DE:DRV70001", interval=0.05)
    germany = pair.germany.adapter(interval=0.05)
    stop = threading.Event()
    loops = [threading.Thread(target=a.run, args=(stop,)) for a in (france, germany)]
    for loop in loops:
        loop.start()
    try:
        pair.france.drop("doc.xml", example_bytes("InsurancePeriodsRequest"))
        deadline = time.monotonic() + 10
        while not pair.france.files("sent") and time.monotonic() < deadline:
            time.sleep(0.02)
        deliver(pair.france.node, pair.germany.node)
        while not pair.germany.files("inbox") and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        stop.set()
        for loop in loops:
            loop.join(timeout=5)
    assert not any(loop.is_alive() for loop in loops)
    (sent,) = (name for name in pair.france.files("sent") if name.endswith(".xml"))
    message_id = uuid.UUID(sent.split(".")[1])
    assert pair.germany.files("inbox") == [f"{message_id}.meta.json", f"{message_id}.xml"]


def test_the_command_line_takes_what_is_there_once(
    pair: Pair, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "key").write_text(pair.france.key + "\n")
    pair.france.drop("doc.xml", example_bytes("InsurancePeriodsRequest"))
    arguments = ["run", "--once", "--node", pair.france.url, "--root", str(pair.france.root)]
    arguments += ["--api-key-file", str(tmp_path / "key"), "--settle", "0"]
    assert main([*arguments, "--recipient", "DE:DRV70001"]) == 0
    assert "1 sent, 0 refused, 0 waiting, 0 received" in capsys.readouterr().out
    assert pair.france.files("outbox") == []


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["run", "--node", "http://n", "--root", "r"], "no node API key"),
        (["run", "--node", "http://n"], "Missing option '--root'"),
        (
            ["run", "--node", "http://n", "--root", "r", "--recipient", "germany"],
            "not an institution id",
        ),
        (["run", "--node", "http://n", "--root", "r", "--interval", "often"], "not a number"),
        (["run", "--node", "http://n", "--root", "r", "--form", "pdf"], "'pdf' is not one of"),
        (["watch"], "No such command 'watch'"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(
    arguments: Sequence[str],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SSGW_API_KEY", raising=False)
    assert main(list(arguments)) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("error: ") and message in line


def test_a_zero_interval_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SSGW_API_KEY", "key")
    arguments = ["run", "--node", "http://n", "--root", str(tmp_path), "--interval", "0"]
    assert main(arguments) == 2
    assert capsys.readouterr().err.strip() == (
        "error: the interval must be more than 0 and at most 60 seconds"
    )


def test_written_files_are_whole_or_absent(tmp_path: Path) -> None:
    target = tmp_path / "doc.xml"
    write_atomically(target, b"<first/>")
    write_atomically(target, b"<second/>")
    assert target.read_bytes() == b"<second/>"
    assert [p.name for p in tmp_path.iterdir()] == ["doc.xml"]


def test_a_file_sent_again_after_a_stop_before_its_move_is_stored_once(
    pair: Pair, monkeypatch: pytest.MonkeyPatch
) -> None:
    pair.france.drop(
        "claim.xml", example_bytes("InsurancePeriodsRequest"), {"recipient": "DE:DRV70001"}
    )
    first = pair.france.adapter()
    with monkeypatch.context() as patched:
        # The adapter stops between the node's answer and the move to sent/.
        patched.setattr("ssgw_adapters.folder.os.replace", _no_move)
        assert first.scan() == []
        (taken,) = first.scan()
    assert taken.outcome is Outcome.SENT and taken.submission is not None
    assert "claim.xml" in pair.france.files("outbox")
    restarted = pair.france.adapter()
    assert restarted.scan() == []
    (again,) = restarted.scan()
    assert again.outcome is Outcome.SENT and again.submission is not None
    assert again.submission.id == taken.submission.id  # the node answered as the first time
    assert pair.france.files("outbox") == []
    stored = pair.france.node.store.messages(list(range(1, 100)))
    assert [m.message_id for m in stored] == [taken.submission.id]


def _no_move(source: object, target: object) -> None:
    raise PermissionError(13, "Permission denied")
