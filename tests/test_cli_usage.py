"""Bad option values are usage errors: exit 2, one line naming the option, before any work."""

from __future__ import annotations

import pytest

from textkit.cli import main


@pytest.fixture
def data(tmp_path):
    path = tmp_path / "d.jsonl"
    lines = [
        '{"text": "troops and tanks moved", "labels": ["military"]}',
        '{"text": "wheat prices rose", "labels": ["economy"]}',
    ]
    path.write_text("\n".join(lines * 6) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["train", "--cv", "1"], "--cv"),
        (["train", "--min-df", "0"], "--min-df"),
        (["train", "--max-df", "5.5"], "--max-df"),
        (["train", "--ngrams", "-1"], "--ngrams"),
        (["train", "--ngrams", "0"], "--ngrams"),
        (["train", "--model", "forest"], "--model"),
        (["train", "--encoding", "rot13"], "--encoding"),
        (["train", "--encoding-errors", "bogus"], "--encoding-errors"),
        (["train", "--format-in", "xml"], "--format-in"),
        (["predict", "--format", "xml", "a text"], "--format"),
        (["predict", "--threshold", "2", "a text"], "--threshold"),
        (["predict", "--top-k", "0", "a text"], "--top-k"),
        (["topics", "fit", "--num-topics", "0"], "--num-topics"),
        (["topics", "fit", "--num-topics", "²"], "--num-topics"),
        (["topics", "fit", "--num-topics", "auto", "--min", "30", "--max", "5"], "--m"),
    ],
)
def test_bad_option_values_exit_2_naming_the_option(tmp_path, capsys, data, argv, option):
    models = tmp_path / "m"
    if argv[0] == "predict":  # a model must exist for predict to get as far as its options
        assert main(["train", str(data), "--name", "themes", "--models-dir", str(models)]) == 0
        capsys.readouterr()
    code = main([*argv, *([] if argv[0] == "predict" else [str(data)]), "--models-dir", str(models)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert option in err
    assert not (models / "topics").exists()


def test_every_command_that_reads_articles_has_the_same_reader_options():
    """The reader options are declared once (cli/_options.reads_articles), so no command lacks one."""
    import typer

    from textkit.cli import app

    reader = {"--format-in", "--text-field", "--encoding", "--encoding-errors", "--skip-bad"}
    group = typer.main.get_command(app)

    def options(*path):
        command = group
        for name in path:
            command = command.commands[name]
        return {opt for param in command.params for opt in param.opts if opt.startswith("--")}

    labelled = [("train",), ("evaluate",), ("stats",), ("dedup",), ("compare",), ("rules", "check")]
    labelled += [("topics", "fit"), ("topics", "update")]
    for path in labelled:
        assert reader | {"--label-field"} <= options(*path), path
    for path in [("predict",), ("topics", "infer")]:  # they read no labels
        assert reader <= options(*path) and "--label-field" not in options(*path), path


def test_reader_options_reach_the_reader(tmp_path, capsys):
    path = tmp_path / "d.csv"
    path.write_text("body,tags\ntroops moved,military\nwheat rose,economy\n", encoding="utf-8")
    assert main(["stats", str(path), "--text-field", "body", "--label-field", "tags", "--json"]) == 0
    import json

    summary = json.loads(capsys.readouterr().out)
    assert summary["articles"] == 2 and summary["labels"] == {"military": 1, "economy": 1}
