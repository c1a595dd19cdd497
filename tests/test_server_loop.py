"""The node process's event loop: uvloop's, set up by ``gateway.server.serve``."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest
import uvloop
from conftest import node_settings

from gateway import server
from gateway.config import NodeSettings


def test_serve_runs_the_node_on_uvloop_and_ends_quietly_on_ctrl_c(
    monkeypatch: pytest.MonkeyPatch, pki_dir: Path, signed_directory_file: Path, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'node.db'}"
    settings = node_settings(pki_dir, signed_directory_file, "DE:DRV70001", url)
    loops: list[asyncio.AbstractEventLoop] = []

    async def interrupted(settings: NodeSettings, listener: object = None) -> None:
        loops.append(asyncio.get_running_loop())
        raise KeyboardInterrupt

    monkeypatch.setattr(server, "_serve", interrupted)
    previous = signal.getsignal(signal.SIGTERM)
    try:
        server.serve(settings)
    finally:
        signal.signal(signal.SIGTERM, previous)
    (loop,) = loops
    assert isinstance(loop, uvloop.Loop)
    assert loop.is_closed()
