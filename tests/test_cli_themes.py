"""The theme commands end to end: train -> predict -> evaluate -> explain through the model store."""

import json
import random
import re

import pytest

from textkit.cli import main
from textkit.reading.articles import fingerprint, read_articles

VOCAB = {
    "diplomacy": "envoy summit talks ambassador negotiations embassy mediation treaty",
    "military": "troops airstrike artillery tanks brigade offensive soldiers drone",
    "economy": "inflation currency bank market exports budget prices investment",
}
FILLER = ["city", "region", "week", "officials", "government", "people", "country", "report"]


def themed_text(labels, rng):
    words = [w for label in labels for w in rng.sample(VOCAB[label].split(), 4)] + rng.sample(FILLER, 4)
    rng.shuffle(words)
    return " ".join(words)


def labelled_articles(n=60, seed=0):
    """Articles over three themes; every fourth one has two themes."""
    rng = random.Random(seed)
    names = sorted(VOCAB)
    records = []
    for i in range(n):
        labels = [names[i % 3]] + ([names[(i + 1) % 3]] if i % 4 == 0 else [])
        records.append({"id": f"a{i}", "text": themed_text(labels, rng), "labels": labels})
    return records


def write_jsonl(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A model 't' trained once through the CLI, shared by the tests of this module."""
    root = tmp_path_factory.mktemp("themes")
    data = write_jsonl(root / "train.jsonl", labelled_articles())
    models = root / "models"
    assert main(["train", str(data), "--name", "t", "--models-dir", str(models)]) == 0
    return root, data, models


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_train_saves_a_manifest_with_labels_and_fingerprint(trained):
    _, data, models = trained
    manifest = json.loads((models / "t" / "manifest.json").read_text())
    assert manifest["kind"] == "themes"
    assert manifest["labels"] == ["diplomacy", "economy", "military"]
    assert manifest["data"] == fingerprint(read_articles(data))
    assert manifest["data"]["count"] == 60


def test_train_prints_what_it_saved(tmp_path, capsys):
    data = write_jsonl(tmp_path / "d.jsonl", labelled_articles())
    code, out, err = run(capsys, "train", data, "--name", "x", "--models-dir", tmp_path / "m", "--cv", 3)
    assert code == 0, err
    assert out.startswith("3-fold cross-validation:\n")
    assert "saved model 'x' (3 labels, 60 articles, " in out
    assert out.rstrip().endswith(f"in {tmp_path / 'm'}/x")
    manifest = json.loads((tmp_path / "m" / "x" / "manifest.json").read_text())
    assert manifest["metrics"]["cv"]["folds"] == 3


def test_train_refuses_an_existing_name_without_force(trained, capsys):
    _, data, models = trained
    code, _, err = run(capsys, "train", data, "--name", "t", "--models-dir", models)
    assert code == 1
    assert err == f"error: model 't' already exists in {models} (replace it with --force (force=True in Python))\n"


def test_predict_texts_as_jsonl(trained, capsys):
    _, _, models = trained
    code, out, err = run(
        capsys,
        "predict",
        "troops airstrike artillery tanks",
        "envoy summit talks embassy",
        "inflation currency bank prices",
        "--model",
        "t",
        "--models-dir",
        models,
        "--format",
        "jsonl",
    )
    assert code == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in records] == ["1", "2", "3"]
    assert [r["labels"] for r in records] == [["military"], ["diplomacy"], ["economy"]]
    for record in records:
        assert list(record["scores"]) == ["diplomacy", "economy", "military"]
        assert all(0.0 <= s <= 1.0 for s in record["scores"].values())


def test_predict_input_file_keeps_order_and_csv_header(trained, capsys, tmp_path):
    _, _, models = trained
    articles = labelled_articles(n=9, seed=1)
    data = write_jsonl(tmp_path / "new.jsonl", articles)
    code, out, err = run(capsys, "predict", "--input", data, "--model", "t", "--models-dir", models, "--format", "csv")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "id,labels,diplomacy,economy,military"
    assert [line.split(",")[0] for line in lines[1:]] == [a["id"] for a in articles]
    assert err == "tagged 9 articles\n"


def test_predict_top_k_and_output_file(trained, capsys, tmp_path):
    _, _, models = trained
    target = tmp_path / "out" / "p.jsonl"
    code, out, _ = run(
        capsys, "predict", "troops summit", "--model", "t", "--models-dir", models, "--top-k", 2, "--output", target
    )
    assert code == 0 and out == ""
    [record] = [json.loads(line) for line in target.read_text().splitlines()]
    assert len(record["labels"]) == 2
    assert not list(target.parent.glob(".p.jsonl.*"))


def test_predict_reads_jsonl_from_stdin(trained, monkeypatch, capsys):
    import io
    import sys

    _, _, models = trained
    fake = io.TextIOWrapper(io.BytesIO(b'{"id": "s1", "text": "artillery brigade offensive soldiers"}\n'))
    monkeypatch.setattr(sys, "stdin", fake)
    code, out, err = run(capsys, "predict", "--model", "t", "--models-dir", models)
    assert code == 0, err
    assert json.loads(out)["id"] == "s1" and json.loads(out)["labels"] == ["military"]


def test_predict_explain_adds_the_terms_behind_each_label(trained, capsys):
    _, _, models = trained
    code, out, err = run(
        capsys,
        "predict",
        "troops airstrike artillery",
        "--model",
        "t",
        "--models-dir",
        models,
        "--explain",
        "--format",
        "jsonl",
    )
    assert code == 0, err
    record = json.loads(out)
    assert list(record["explanation"]) == ["military"]
    assert "troops" in json.dumps(record["explanation"]["military"])


def test_predict_table_format(trained, capsys):
    _, _, models = trained
    code, out, _ = run(
        capsys, "predict", "troops airstrike artillery", "--model", "t", "--models-dir", models, "--format", "table"
    )
    assert code == 0
    header, _rule, row = out.splitlines()
    assert header.split() == ["id", "labels", "top", "scores"]
    assert re.fullmatch(r"1   military  military [01]\.\d\d  \w+ 0\.\d\d  \w+ 0\.\d\d", row)


def test_predict_skip_bad_reports_the_line(trained, capsys, tmp_path):
    _, _, models = trained
    data = tmp_path / "bad.jsonl"
    data.write_text('{"id": "a", "text": "troops tanks"}\nnot json\n{"id": "b", "text": "bank prices"}\n')
    code, _, err = run(capsys, "predict", "--input", data, "--model", "t", "--models-dir", models)
    assert code == 1
    assert (
        err
        == f"error: {data}:2: invalid JSON (Expecting value) (fix the record or pass --skip-bad to skip and count it)\n"
    )
    code, out, err = run(capsys, "predict", "--input", data, "--model", "t", "--models-dir", models, "--skip-bad")
    assert code == 0
    assert [json.loads(line)["id"] for line in out.splitlines()] == ["a", "b"]
    assert err == f"tagged 2 articles, 1 invalid JSON\nskipped {data}:2: invalid JSON (Expecting value)\n"


def test_evaluate_json_and_table(trained, capsys, tmp_path):
    _, _, models = trained
    test = write_jsonl(tmp_path / "test.jsonl", labelled_articles(n=30, seed=2))
    code, out, err = run(capsys, "evaluate", test, "--model", "t", "--models-dir", models, "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["micro_f1"] >= 0.9
    code, out, _ = run(capsys, "evaluate", test, "--model", "t", "--models-dir", models)
    assert code == 0
    assert "military" in out and "micro" in out


def test_explain_label_and_text(trained, capsys):
    _, _, models = trained
    code, out, err = run(
        capsys, "explain", "--model", "t", "--models-dir", models, "--label", "economy", "--terms", 3, "--json"
    )
    assert code == 0, err
    explanation = json.loads(out)
    assert list(explanation) == ["economy"]
    code, out, err = run(capsys, "explain", "troops airstrike", "--model", "t", "--models-dir", models)
    assert code == 0, err
    assert out.startswith("military")


# -- bad inputs: one clear line, exit 1 ----------------------------------------------------------
def test_unknown_model_name(trained, capsys):
    _, _, models = trained
    code, _, err = run(capsys, "predict", "text", "--model", "nope", "--models-dir", models)
    assert code == 1
    assert err.startswith(f"error: no model named 'nope' in {models} (models there: t)")
    assert err.count("\n") == 1


def test_folder_that_is_not_a_textkit_model(tmp_path, capsys):
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "model.pkl").write_bytes(b"x")
    code, _, err = run(capsys, "predict", "text", "--model", "junk", "--models-dir", tmp_path)
    assert code == 1
    assert "it is not a textkit model" in err and err.count("\n") == 1


def test_a_model_of_another_kind_is_refused(tmp_path, capsys):
    from toymodel import ToyModel

    from textkit.store import save

    save(ToyModel(), "toy", models_dir=tmp_path)
    code, _, err = run(capsys, "predict", "text", "--model", "toy", "--models-dir", tmp_path)
    assert code == 1
    assert (
        err
        == "error: model 'toy' is a 'toy' model, not a theme classifier (name a model trained with 'textkit train')\n"
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("in.xml", "<a/>", "cannot tell the format from the file name"),
        ("in.jsonl", "id,text\n1,troops\n", "in.jsonl:1: invalid JSON"),
        ("in.csv", "id,body\n1,troops\n", "no column 'text'; columns are id, body"),
    ],
)
def test_predict_input_in_a_wrong_format(trained, capsys, tmp_path, name, content, message):
    _, _, models = trained
    path = tmp_path / name
    path.write_text(content)
    code, out, err = run(capsys, "predict", "--input", path, "--model", "t", "--models-dir", models)
    assert code == 1 and out == ""
    assert message in err and err.count("\n") == 1


def test_empty_training_set(tmp_path, capsys):
    data = tmp_path / "empty.csv"
    data.write_text("id,text,labels\n")
    code, _, err = run(capsys, "train", data, "--models-dir", tmp_path / "m")
    assert code == 1
    assert err == "error: no articles to train on (check the data file(s) and the --text-field option)\n"
    assert not (tmp_path / "m" / "themes").exists()


def test_unlabelled_training_articles(tmp_path, capsys):
    data = write_jsonl(tmp_path / "d.jsonl", [*labelled_articles(n=6), {"id": "z", "text": "no labels here"}])
    code, _, err = run(capsys, "train", data, "--models-dir", tmp_path / "m")
    assert code == 1
    assert err == "error: 1 of 7 articles have no labels (first: z) (label them, or check --label-field)\n"


def test_evaluate_needs_labels(trained, tmp_path, capsys):
    _, _, models = trained
    data = write_jsonl(tmp_path / "d.jsonl", [{"id": "u1", "text": "troops"}])
    code, _, err = run(capsys, "evaluate", data, "--model", "t", "--models-dir", models)
    assert code == 1
    assert err == "error: 1 of 1 articles have no labels (first: u1) (label them, or check --label-field)\n"


@pytest.mark.parametrize(
    ("records", "options", "message"),
    [
        (
            [{"text": f"troops tanks {i}", "labels": ["military"]} for i in range(4)],
            [],
            "only one class ('military') in the training labels (a classifier needs examples of at least two labels)",
        ),
    ],
)
def test_training_errors_are_one_clear_line(tmp_path, capsys, records, options, message):
    data = write_jsonl(tmp_path / "d.jsonl", records)
    code, _, err = run(capsys, "train", data, "--models-dir", tmp_path / "m", *options)
    assert code == 1
    assert err == f"error: {message}\n"
    assert not (tmp_path / "m" / "themes").exists()


@pytest.mark.parametrize(
    ("options", "param"),
    [
        (["--ngrams", "0"], "ngram_range"),  # trained bigrams silently before
        (["--min-df", "0"], "min_df"),
        (["--max-df", "5.5"], "max_df"),  # crashed in scikit-learn's vectorizer
    ],
)
def test_bad_classifier_option_values_are_refused_before_reading(tmp_path, capsys, options, param):
    missing = tmp_path / "not-read.jsonl"  # the values are checked before any data is read
    code, _, err = run(capsys, "train", missing, "--models-dir", tmp_path / "m", *options)
    assert code == 2
    assert err.startswith(f"error: invalid value for {options[0]}: The '{param}' parameter of ThemeClassifier must be ")
    assert not (tmp_path / "m" / "themes").exists()


def test_texts_and_input_together_are_refused(trained, capsys, tmp_path):
    _, data, models = trained
    code, _, err = run(capsys, "predict", "some text", "--input", data, "--model", "t", "--models-dir", models)
    assert code == 1
    assert err == "error: give texts as arguments or --input FILE, not both\n"
