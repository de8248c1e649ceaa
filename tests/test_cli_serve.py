"""``textkit serve`` start-up errors and ``textkit topics show --docs``."""

from __future__ import annotations

import sys

import pytest
from web_support import SAMPLE, save_models

from textkit.cli import main


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    save_models(folder)
    return folder


def test_serve_without_the_web_extra_says_how_to_install_it(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "starlette", None)  # import starlette now raises ImportError
    assert main(["serve", str(SAMPLE)]) == 1
    assert 'pip install "textkit[web]"' in capsys.readouterr().err


def test_serve_refuses_a_missing_data_file(tmp_path, capsys):
    pytest.importorskip("starlette")
    assert main(["serve", str(tmp_path / "nope.jsonl"), "--labels", str(tmp_path / "a.jsonl")]) == 1
    assert "nope.jsonl: no such file or folder" in capsys.readouterr().err


def test_served_connections_send_small_writes_at_once():
    """asyncio sets TCP_NODELAY only on sockets created as TCP; without it each page waited ~40 ms (Nagle)."""
    import asyncio
    import socket

    from textkit.web.server import _listen

    async def accepted_nodelay() -> int:
        found: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            found.set_result(writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        listening = _listen("127.0.0.1", 0)
        server = await asyncio.start_server(on_connect, sock=listening)
        _, writer = await asyncio.open_connection("127.0.0.1", listening.getsockname()[1])
        value = await asyncio.wait_for(found, 5)
        writer.close()
        server.close()
        return value

    assert asyncio.run(accepted_nodelay()) != 0
