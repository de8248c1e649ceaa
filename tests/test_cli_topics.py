"""``textkit topics fit | show | label | infer | report`` end to end on a small dated, labelled corpus."""

from __future__ import annotations

import base64
import contextlib
import csv
import io
import json
import random
import re
import subprocess
import sys

import pytest

from textkit.cli import main

FARM = ["wheat", "harvest", "grain", "farmers", "crop", "barley", "export", "tractor", "field", "rain"]
WAR = ["missile", "army", "soldiers", "tank", "border", "troops", "artillery", "drone", "attack", "navy"]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A JSONL corpus (two themes, two months) and a topic model fitted on it."""
    folder = tmp_path_factory.mktemp("topics")
    rng = random.Random(0)
    lines = []
    for i in range(60):
        words, label = (FARM, "economy") if i % 2 else (WAR, "military")
        record = {
            "id": f"a{i}",
            "text": " ".join(rng.choice(words) for _ in range(30)),
            "labels": [label],
            "date": f"2024-0{1 + i // 30}-10",
        }
        lines.append(json.dumps(record))
    data = folder / "articles.jsonl"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    models = folder / "models"
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        code = main(
            [
                "topics",
                "fit",
                str(data),
                "--num-topics",
                "auto",
                "--min",
                "2",
                "--max",
                "4",
                "--step",
                "1",
                "--workers",
                "1",
                "--models-dir",
                str(models),
            ]
        )
    assert code == 0
    (folder / "fit.out").write_text(output.getvalue(), encoding="utf-8")
    return folder, data, models


def test_fit_prints_the_k_curve_topics_and_saves_a_manifest(store, capsys):
    _folder, data, models = store
    manifest = json.loads((models / "topics" / "manifest.json").read_text())
    assert manifest["kind"] == "topics" and manifest["params"]["num_topics_fitted"] == 2
    assert [row["k"] for row in manifest["metrics"]["k_curve"]] == [2, 3, 4]
    assert manifest["metrics"]["main"] == "c_v" and manifest["data"]["count"] == 60
    code = main(["topics", "fit", str(data), "--num-topics", "2", "--models-dir", str(models)])
    assert code == 1
    assert "model 'topics' already exists" in capsys.readouterr().err


def test_show_json_and_table(store, capsys):
    _, _, models = store
    assert main(["topics", "show", "--models-dir", str(models), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [set(w for w, _ in t["words"]) for t in shown["topics"]] in ([set(FARM), set(WAR)], [set(WAR), set(FARM)])
    assert shown["summary"]["month_counts"] == {"2024-01": 30, "2024-02": 30}
    assert main(["topics", "show", "--models-dir", str(models), "-n", "3"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["topic", "label", "share", "top", "words"]
    assert re.search(r"^0\s+\S+ / \S+ / \S+\s+50\.0%", out, re.M)


def test_label_infer_csv_and_jsonl(store, tmp_path, capsys):
    _, data, models = store
    shown = main(["topics", "show", "--models-dir", str(models), "--json"])
    topics = json.loads(capsys.readouterr().out)["topics"]
    farm = next(t["id"] for t in topics if "wheat" in dict(t["words"]))
    assert main(["topics", "label", f"{farm}=Farming", "--models-dir", str(models)]) == 0
    capsys.readouterr()
    out = tmp_path / "topics.csv"
    assert (
        main(["topics", "infer", "tractor harvest wheat", "tank army", "--models-dir", str(models), "-o", str(out)])
        == 0
    )
    rows = list(csv.reader(io.StringIO(out.read_text())))
    assert rows[0][:2] == ["id", "labels"] and "Farming" in rows[0]
    assert rows[1][:2] == ["1", "Farming"] and rows[2][1] != "Farming"
    assert main(["topics", "infer", "--input", str(data), "--models-dir", str(models), "-f", "jsonl"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(records) == 60 and records[1]["id"] == "a1" and records[1]["labels"] == ["Farming"]
    assert shown == 0


def test_infer_reads_stdin():
    result = subprocess.run(
        [sys.executable, "-m", "textkit", "topics", "infer", "--models-dir", "/nonexistent-store", "-f", "jsonl"],
        input=b'{"text": "wheat"}\n',
        capture_output=True,
    )
    assert result.returncode == 1
    assert result.stderr.decode().startswith("error: no model named 'topics' in /nonexistent-store")


def test_label_errors(store, capsys):
    _, _, models = store
    assert main(["topics", "label", "9=Nine", "--models-dir", str(models)]) == 1
    assert capsys.readouterr().err == "error: no topic 9: the topics are numbered 0 to 1\n"
    assert main(["topics", "label", "Nine", "--models-dir", str(models)]) == 1
    assert "expected TOPIC=LABEL, got 'Nine'" in capsys.readouterr().err


def test_report_embeds_its_charts(store, tmp_path):
    _, _, models = store
    report = tmp_path / "report.html"
    assert main(["topics", "report", "--models-dir", str(models), "-o", str(report)]) == 0
    text = report.read_text()
    images = re.findall(r"src='data:image/png;base64,([^']+)'", text)
    # K curve, top words, prevalence, trends, topics x themes
    assert len(images) == 5
    assert all(base64.b64decode(i).startswith(b"\x89PNG") for i in images)
    assert "Topics and theme labels" in text and "2024-02" in text
    # The rule the model applied, not "where c_v x topic diversity is highest".
    assert "K is the fewest topics whose c_v is within 0.01 of the highest: K = 2." in text
    assert "diversity is highest" not in text


def test_fit_marks_the_chosen_k_and_states_the_rule(store):
    folder, _, _ = store
    out = (folder / "fit.out").read_text(encoding="utf-8")
    rows = {line.split()[0]: line for line in out.splitlines() if re.match(r"^[234]\b", line)}
    assert rows["2"].split()[1] == "*" and "*" not in rows["3"] and "*" not in rows["4"]
    assert "chosen: K = 2 (K is the fewest topics whose c_v is within 0.01 of the highest)" in out


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--num-topics", "0"], "The 'num_topics' parameter of TopicModel must be an int in the range [1, inf)"),
        (["--num-topics", "²"], "--num-topics must be a number or 'auto', not '²'"),
        (["--min", "30", "--max", "5"], "the largest K tried (5) is below the smallest (30)"),
        (["--init", "kmeans"], "The 'init' parameter of TopicModel must be a str among"),
    ],
)
def test_bad_option_values_are_refused_before_any_file_is_opened(tmp_path, capsys, options, message):
    missing = tmp_path / "missing.jsonl"  # reading it would fail with "no such file"
    assert main(["topics", "fit", str(missing), *options, "--models-dir", str(tmp_path)]) != 0
    err = capsys.readouterr().err
    assert message in err and "missing.jsonl" not in err


def test_fit_passes_only_the_options_given():
    """The command declares no default of its own for a model parameter: the library's are the only ones."""
    import inspect

    from textkit.cli.topics import fit
    from textkit.topics.model import TopicModel

    model_defaults = TopicModel().get_params()
    options = {name: p.default for name, p in inspect.signature(fit).parameters.items() if name in model_defaults}
    assert set(options) == {
        "num_topics",
        "k_min",
        "k_max",
        "k_step",
        "phrases",
        "passes",
        "init",
        "workers",
        "random_state",
        "seeds",
    }
    assert all(option.default is None for option in options.values())
    # The defaults quoted in the help are the library's.
    for name, option in options.items():
        quoted = re.search(r"\[default: ([\w-]+)\]", option.help or "")
        if quoted and name not in ("passes", "workers"):
            default = model_defaults[name]
            expected = ("phrases" if default else "no-phrases") if isinstance(default, bool) else str(default)
            assert quoted.group(1) == expected, name


def test_fit_errors_are_one_line(tmp_path, capsys):
    data = tmp_path / "a.jsonl"
    data.write_text('{"text": "wheat harvest"}\n{"text": "army tank"}\n', encoding="utf-8")
    assert main(["topics", "fit", str(data), "--num-topics", "5", "--models-dir", str(tmp_path / "m")]) == 1
    assert capsys.readouterr().err.splitlines()[-1] == (
        "error: 5 topics is more than the 2 articles to fit them on "
        "(ask for fewer topics (--num-topics, --max) or give more articles)"
    )
    seeds = tmp_path / "seeds.txt"
    seeds.write_text("farm: wheat, tomato\n", encoding="utf-8")
    assert (
        main(
            [
                "topics",
                "fit",
                str(data),
                "--num-topics",
                "2",
                "--seeds",
                str(seeds),
                "--models-dir",
                str(tmp_path / "m"),
            ]
        )
        == 1
    )
    assert capsys.readouterr().err.splitlines()[-1].startswith("error: seed words not found in the corpus: tomato")
    assert main(["topics", "fit", str(data), "--num-topics", "many"]) == 2
    assert (
        "error: invalid value for --num-topics: --num-topics must be a number or 'auto', not 'many'"
        in capsys.readouterr().err
    )


def test_help_does_not_import_gensim():
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import textkit.cli"], capture_output=True, text=True, check=True
    )
    assert "gensim" not in result.stderr and "matplotlib" not in result.stderr


def test_fit_reads_standard_input(tmp_path, monkeypatch, capsys):
    """`topics fit -` reads its corpus several times; it once failed on the second pass."""
    rng = random.Random(1)
    records = "".join(
        json.dumps({"id": str(i), "text": " ".join(rng.choice(FARM if i % 2 else WAR) for _ in range(30))}) + "\n"
        for i in range(40)
    )

    class Stdin:
        buffer = io.BytesIO(records.encode())

        @staticmethod
        def isatty():
            return False

    monkeypatch.setattr(sys, "stdin", Stdin)
    code = main(["topics", "fit", "-", "--num-topics", "2", "--workers", "1", "--models-dir", str(tmp_path)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "saved topic model 'topics' (2 topics, 40 articles" in captured.out


def test_show_ranks_words_and_lists_representative_articles(store, capsys):
    _, _, models = store
    assert main(["topics", "show", "--models-dir", str(models), "--rank", "probability", "--docs", "2"]) == 0
    out = capsys.readouterr().out
    assert out.count("article  share  headline") == 2
    # the articles of each topic are the ones written for it (odd ids: farm, even: war)
    blocks = out.split("\ntopic ")[1:]
    for block in blocks:
        ids = [int(line.split()[0][1:]) for line in block.splitlines()[3:5]]
        assert len({i % 2 for i in ids}) == 1
    assert main(["topics", "show", "--models-dir", str(models), "--json", "--docs", "1"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert all(len(t["articles"]) == 1 and t["articles"][0]["words"] == 30 for t in shown["topics"])
    assert main(["topics", "show", "--models-dir", str(models), "--rank", "tfidf"]) == 2
    assert "--rank must be one of relevance, frex, probability" in capsys.readouterr().err
