"""One channel for notes and warnings: Python warnings from the library, one line each on the command line."""

from __future__ import annotations

import json
import warnings

import pytest

from textkit.cli import main
from textkit.messages import TextkitNote, TextkitWarning
from textkit.reading.articles import Article
from textkit.workflows.themes import evaluate_saved, train_model

FARM = "wheat harvest grain farmers crop barley export tractor field rain"
WAR = "missile army soldiers tank border troops artillery drone attack navy"


def articles(n: int = 12) -> list[Article]:
    return [
        Article(id=f"a{i}", text=f"{(FARM if i % 2 else WAR)} story {i}", labels=("farming" if i % 2 else "war",))
        for i in range(n)
    ]


def write(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_training_on_repeated_articles_warns(tmp_path):
    with pytest.warns(TextkitWarning, match=r"repeats articles: 12 repeated id\(s\) \(first: a0\), 12 repeated text"):
        train_model(articles() * 2, "m", models_dir=tmp_path)


def test_training_without_repeats_is_silent(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error", TextkitWarning)
        train_model(articles(), "m", models_dir=tmp_path)


def test_evaluating_on_labels_the_model_does_not_know_warns(tmp_path):
    train_model(articles(), "m", models_dir=tmp_path)
    other = [Article(id="x", text=FARM, labels=("farming", "sport"))]
    with pytest.warns(TextkitWarning, match=r"1 label\(s\) in the data are unknown to model 'm'.*: sport \(it knows"):
        evaluate_saved("m", other, models_dir=tmp_path)


def test_cli_prints_each_warning_once_and_quiet_keeps_warnings(tmp_path, capsys):
    data = write(tmp_path / "d.jsonl", [{"id": a.id, "text": a.text, "labels": list(a.labels)} for a in articles()])
    code = main(["--quiet", "train", str(data), str(data), "--models-dir", str(tmp_path / "m")])
    err = capsys.readouterr().err
    assert code == 0
    assert err.count("warning: the training data repeats articles") == 1


def test_a_small_corpus_note_is_printed_once_and_silenced_by_quiet(tmp_path, capsys):
    records = [{"id": str(i), "text": (FARM if i % 2 else WAR) + f" doc{i}"} for i in range(6)]
    data = write(tmp_path / "d.jsonl", records)
    argv = ["topics", "fit", str(data), "--num-topics", "2", "--workers", "1", "--models-dir", str(tmp_path / "m")]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert err.count("note: small corpus") == 1
    assert main(["--quiet", *argv, "--force"]) == 0
    err = capsys.readouterr().err
    assert "small corpus" not in err


def test_library_notes_are_ordinary_warnings():
    with pytest.warns(TextkitNote, match="small corpus"):
        from textkit.topics.model import TopicModel

        TopicModel(2, workers=1, measures=()).fit([(FARM if i % 2 else WAR) + f" doc{i}" for i in range(6)])


def test_thousands_of_labels_are_refused_before_fitting(tmp_path, monkeypatch):
    from textkit.errors import TrainingError
    from textkit.themes.classify import ThemeClassifier

    monkeypatch.setattr(ThemeClassifier, "fit", lambda *a, **k: pytest.fail("fitted"))
    many = [Article(id="a", text="one text", labels=tuple(f"w{i}" for i in range(20000))), *articles()]
    with pytest.raises(TrainingError, match=r"20,002 distinct labels .*at most 1,000 \(check --label-field"):
        train_model(many, "m", models_dir=tmp_path)
