"""``textkit serve`` start-up errors and ``textkit topics show --docs``."""

from __future__ import annotations

import json
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


def test_topics_show_docs_lists_representative_articles(models, capsys):
    args = ["topics", "show", "--models-dir", str(models), "--docs", "3", "--input", str(SAMPLE)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert out.count("most representative articles") == 4
    assert main([*args, "--json"]) == 0
    topics = json.loads(capsys.readouterr().out)["topics"]
    assert [len(t["docs"]) for t in topics] == [3, 3, 3, 3]
    shares = [d["share"] for d in topics[0]["docs"]]
    assert shares == sorted(shares, reverse=True) and topics[0]["docs"][0]["headline"]


def test_topics_show_docs_needs_the_articles(models, capsys):
    assert main(["topics", "show", "--models-dir", str(models), "--docs", "3"]) != 0
    assert "--docs needs the articles" in capsys.readouterr().err
