import json
import subprocess
import sys

from textkit.cli import main

DUMP = (
    "Army Units Clear Mines Near Palmyra\n\n"
    "PALMYRA, (NNA)- Engineering units of the army cleared on Tuesday a field of mines left on the road "
    "to the phosphate mines, a field source said, adding that work would continue for weeks.\n\n"
    " Rana Issa\n\nRelated Story Title Here\n"
)


def test_segment_writes_jsonl_and_reports_counts(tmp_path, capsys):
    dump = tmp_path / "dump.txt"
    dump.write_text(DUMP, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main(["segment", str(dump), "-o", str(out)]) == 0
    [record] = [json.loads(line) for line in out.read_text().splitlines()]
    assert record["headline"] == "Army Units Clear Mines Near Palmyra"
    assert (record["place"], record["source"]) == ("Palmyra", "NNA")
    assert record["text"].startswith("Engineering units of the army")
    assert capsys.readouterr().err == "1 articles found, 2 noise blocks dropped\n"
    assert not list(tmp_path.glob(".out.jsonl.*"))  # no temporary file left behind


def test_segment_reads_stdin_and_writes_stdout():
    result = subprocess.run(
        [sys.executable, "-m", "textkit", "segment", "-"], input=DUMP.encode(), capture_output=True, check=True
    )
    assert json.loads(result.stdout)["place"] == "Palmyra"


def test_stats_json(tmp_path, capsys):
    data = tmp_path / "a.jsonl"
    data.write_text(
        '{"text": "Army army parade", "labels": ["military"], "date": "2024-03-02"}\n'
        '{"text": "Wheat harvest", "labels": ["economy", "military"], "date": "2024-04-09"}\n',
        encoding="utf-8",
    )
    assert main(["stats", str(data), "--json", "--top", "2"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["articles"] == 2
    assert summary["labels"] == {"military": 2, "economy": 1}
    assert summary["labels_per_article"] == {"1": 1, "2": 1}
    assert summary["months"] == {"2024-03": 1, "2024-04": 1}
    assert summary["top_tokens"] == [["army", 2], ["parade", 1]]
    assert summary["read"] == "2 articles"


def test_errors_are_one_line_and_exit_1(tmp_path, capsys):
    assert main(["stats", str(tmp_path / "missing.jsonl")]) == 1
    err = capsys.readouterr().err
    assert err == f"error: {tmp_path}/missing.jsonl: no such file or folder\n"


def test_usage_errors_exit_2(capsys):
    assert main(["stats", "--top", "many"]) == 2
    assert "Invalid value" in capsys.readouterr().err


def test_version_and_help_do_not_import_heavy_libraries():
    code = "import sys; from textkit.cli import main; main(['--help']); print(sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'gensim', 'scipy', 'matplotlib')))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"
    version = subprocess.run([sys.executable, "-m", "textkit", "--version"], capture_output=True, text=True, check=True)
    assert version.stdout == "textkit 0.1.0\n"
