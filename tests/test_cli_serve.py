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
