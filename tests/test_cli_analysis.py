"""``textkit dedup``, ``compare`` and the ``--dedup`` options end to end."""

from __future__ import annotations

import base64
import csv
import io
import json
import random
import re

import pytest

from textkit.cli import main

FARM = ["wheat", "harvest", "grain", "farmers", "crop", "barley", "export", "tractor", "field", "rain"]
WAR = ["missile", "army", "soldiers", "tank", "border", "troops", "artillery", "drone", "attack", "navy"]


def write_jsonl(path, records) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Outlet A writes 75% about farming, outlet B 25%; two months; every 10th article republished by C."""
    folder = tmp_path_factory.mktemp("analysis")
    rng = random.Random(0)
    records = []
    for i in range(120):
        source = "A" if i % 2 else "B"
        farm = rng.random() < (0.75 if source == "A" else 0.25)
        words = FARM if farm else WAR
        text = " ".join(rng.choice(words) for _ in range(40))
        record = {
            "id": f"a{i}",
            "text": text,
            "labels": ["economy" if farm else "military"],
            "date": f"2024-0{1 + i // 60}-1{i % 10}",
            "source": source,
        }
        records.append(record)
        if i % 10 == 0:
            records.append({**record, "id": f"c{i}", "source": "C", "headline": "Republished", "date": "2024-03-01"})
    data = write_jsonl(folder / "articles.jsonl", records)
    models = str(folder / "models")
    assert main(["-q", "train", data, "--models-dir", models, "--no-tune-thresholds", "--name", "themes"]) == 0
    assert main(["-q", "topics", "fit", data, "-k", "2", "--workers", "1", "--models-dir", models]) == 0
    return {"data": data, "models": models, "folder": folder, "records": records}


def test_dedup_writes_story_ids_atomically(corpus, capsys):
    out = corpus["folder"] / "stories.jsonl"
    assert main(["dedup", corpus["data"], "-o", str(out)]) == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == 132
    by_id = {r["id"]: r for r in records}
    for i in range(0, 120, 10):  # each republished copy shares its original's story
        assert by_id[f"c{i}"]["story"] == by_id[f"a{i}"]["story"]
        assert by_id[f"a{i}"]["story_size"] == 2
        # Same text: the earlier date represents the story.
        assert by_id[f"a{i}"]["representative"] and not by_id[f"c{i}"]["representative"]
    assert len({r["story"] for r in records}) == 120
    assert "132 articles, 120 stories (12 near-duplicates, largest story 2)" in capsys.readouterr().err
    assert not list(corpus["folder"].glob(".stories.jsonl.*"))  # no temporary file left


def test_dedup_representatives_window_and_errors(corpus, capsys):
    assert main(["dedup", corpus["data"], "--representatives"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 120
    # The copies are dated in March, their originals in January/February: a 10-day window keeps them apart.
    assert main(["dedup", corpus["data"], "--window", "10", "--representatives"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 132
    assert main(["dedup", corpus["data"], "--threshold", "0"]) == 2
    assert "invalid value for --threshold" in capsys.readouterr().err
    assert main(["dedup", str(corpus["folder"] / "missing.jsonl")]) == 1
    assert capsys.readouterr().err.startswith("error: ")


def test_stats_counts_stories(corpus, capsys):
    assert main(["stats", corpus["data"], "--dedup"]) == 0
    assert "120 stories (12 near-duplicate articles)" in capsys.readouterr().out
    assert main(["stats", corpus["data"], "--dedup", "--json"]) == 0
    stories = json.loads(capsys.readouterr().out)["stories"]
    assert (stories["articles"], stories["stories"], stories["duplicates"]) == (132, 120, 12)


def test_train_and_topics_fit_count_a_story_once(corpus, capsys):
    models = corpus["models"]
    assert (
        main(["train", corpus["data"], "--dedup", "--models-dir", models, "--name", "dd", "--no-tune-thresholds"]) == 0
    )
    assert "120 articles" in capsys.readouterr().out
    fit = ["topics", "fit", corpus["data"], "--dedup", "-k", "2", "--workers", "1", "--models-dir", models]
    assert main([*fit, "--name", "tdd"]) == 0
    assert "120 articles" in capsys.readouterr().out


def test_compare_themes_by_source(corpus, capsys):
    args = ["compare", corpus["data"], "-m", "themes", "--models-dir", corpus["models"], "--resamples", "300"]
    assert main([*args, "--format", "json", "--min-group", "5"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert [g["group"] for g in result["groups"]] == ["A", "B", "C"]
    shares = {(r["group"], r["column"]): r for r in result["shares"]}
    a, b = shares[("A", "economy")], shares[("B", "economy")]
    assert a["low"] <= a["share"] <= a["high"] and a["share"] > 0.6 and b["share"] < 0.4
    supported = {(d["column"], d["group_a"], d["group_b"]) for d in result["differences"] if d["supported"]}
    assert ("economy", "A", "B") in supported and ("military", "A", "B") in supported
    assert "Benjamini-Hochberg" in result["correction"]
    # C has 12 articles: left out at --min-group 20.
    assert main([*args, "--format", "csv", "--min-group", "20"]) == 0
    captured = capsys.readouterr()
    rows = list(csv.DictReader(io.StringIO(captured.out)))
    assert {r["group"] for r in rows} == {"A", "B"} and "12 in groups under 20 articles" in captured.err
    assert main([*args, "--format", "table", "--min-group", "20"]) == 0
    table = capsys.readouterr().out
    assert "supported differences" in table and re.search(r"economy\s+A\s+B\s+\+0\.\d+", table)


def test_compare_topics_by_month_with_chart(corpus, capsys):
    chart = corpus["folder"] / "trend.html"
    args = ["compare", corpus["data"], "-m", "topics", "--by", "month", "--models-dir", corpus["models"]]
    assert main([*args, "--format", "json", "--chart", str(chart), "--resamples", "200", "--dedup"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert [g["group"] for g in result["groups"]] == ["2024-01", "2024-02"]  # --dedup drops the March copies
    assert result["measure"] == "mean topic share"
    page = chart.read_text()
    png = re.search(r"data:image/png;base64,([A-Za-z0-9+/=]+)", page)
    assert png and base64.b64decode(png.group(1)).startswith(b"\x89PNG")
    assert "http" not in page.replace("http-equiv", "")  # nothing fetched from the internet


def test_compare_errors(corpus, capsys):
    base = ["compare", corpus["data"], "--models-dir", corpus["models"]]
    assert main([*base, "-m", "themes", "--by", "colour"]) == 2
    assert "invalid value for --by" in capsys.readouterr().err
    assert main([*base, "-m", "themes", "--resamples", "5"]) == 2
    assert "invalid value for --resamples" in capsys.readouterr().err
    assert main([*base, "-m", "themes", "--format", "xml"]) == 2
    assert "'--format'" in capsys.readouterr().err
    assert main([*base, "-m", "nosuchmodel"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err
    assert main([*base, "-m", "themes", "--by", "place"]) == 1
    assert "nothing to compare" in capsys.readouterr().err
