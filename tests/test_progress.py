"""Progress: library steps reported through one hook; bars on a terminal only."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from contextlib import contextmanager

from textkit import progress
from textkit.reading.articles import read_articles


class Recorder:
    def __init__(self):
        self.events = []

    @contextmanager
    def task(self, description, total, unit):
        recorder = self

        class Step:
            def advance(self, amount=1):
                recorder.events.append(("advance", description, amount))

            def update(self, completed):
                recorder.events.append(("update", description, completed))

        self.events.append(("start", description, total, unit))
        yield Step()
        self.events.append(("end", description))


def test_reading_a_file_reports_bytes_with_the_file_size(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text("".join(json.dumps({"text": f"article {i}"}) + "\n" for i in range(200)), encoding="utf-8")
    recorder = Recorder()
    with progress.reporting(recorder):
        assert len(list(read_articles(path))) == 200
    assert recorder.events[0] == ("start", "reading a.jsonl", path.stat().st_size, "bytes")
    positions = [e[2] for e in recorder.events if e[0] == "update"]
    assert len(positions) == 3 and positions == sorted(positions) and 0 < positions[-1] <= path.stat().st_size
    assert recorder.events[-1] == ("end", "reading a.jsonl")


def test_without_a_reporter_nothing_is_reported(tmp_path, capsys):
    path = tmp_path / "a.jsonl"
    path.write_text('{"text": "x"}\n', encoding="utf-8")
    list(progress.track(read_articles(path), "outer"))
    assert capsys.readouterr() == ("", "")


def _run_on_terminal(argv, cwd):
    """Run textkit with stderr on a pseudo-terminal; return (stdout, what the terminal showed)."""
    leader, follower = pty.openpty()
    env = {**os.environ, "COLUMNS": "120", "TERM": "xterm"}
    process = subprocess.Popen(
        [sys.executable, "-m", "textkit", *argv], stdout=subprocess.PIPE, stderr=follower, cwd=cwd, env=env
    )
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    stdout, _ = process.communicate(timeout=120)
    os.close(leader)
    assert process.returncode == 0, shown.decode(errors="replace")
    return stdout.decode(), shown.decode(errors="replace")


def test_a_terminal_shows_progress_and_quiet_or_a_pipe_do_not(tmp_path):
    data = tmp_path / "big.jsonl"
    data.write_text("".join(json.dumps({"text": f"article {i} " * 20}) + "\n" for i in range(4000)), encoding="utf-8")
    argv = ["stats", str(data), "--json"]
    stdout, shown = _run_on_terminal(argv, tmp_path)
    assert json.loads(stdout)["articles"] == 4000
    assert "reading big.jsonl" in shown and "/1.0 MB" in shown
    _, shown_quiet = _run_on_terminal(["--quiet", *argv], tmp_path)
    assert "reading" not in shown_quiet
    piped = subprocess.run([sys.executable, "-m", "textkit", *argv], capture_output=True, text=True, cwd=tmp_path)
    assert "reading" not in piped.stderr


def test_the_topic_report_advances_one_step_per_chart():
    from textkit.topics.model import TopicModel
    from textkit.topics.report import render_report

    farm = "wheat harvest grain farmers crop barley export tractor field rain"
    war = "missile army soldiers tank border troops artillery drone attack navy"
    docs = [f"{farm if i % 2 else war} doc{i}" for i in range(40)]
    model = TopicModel(num_topics=2, workers=1, measures=()).fit(docs)
    recorder = Recorder()
    with progress.reporting(recorder):
        render_report(model, {"name": "t"})
    starts = [e for e in recorder.events if e[0] == "start"]
    assert starts == [
        ("start", "drawing the report", 2, "charts")
    ]  # top words and prevalence: no K curve, dates or labels
    assert [e for e in recorder.events if e[0] == "advance"] == [("advance", "drawing the report", 1)] * 2


def test_training_reports_its_cross_validation_folds():
    from textkit.themes.classify import ThemeClassifier
    from textkit.themes.evaluate import cross_validate

    farm = "wheat harvest grain farmers crop barley export tractor field rain"
    war = "missile army soldiers tank border troops artillery drone attack navy"
    texts = [f"{farm if i % 2 else war} doc{i}" for i in range(24)]
    labels = ["farm" if i % 2 else "war" for i in range(24)]
    recorder = Recorder()
    with progress.reporting(recorder):
        cross_validate(ThemeClassifier(cv=2), texts, labels, cv=3)
    starts = [e for e in recorder.events if e[0] == "start"]
    assert starts[0] == ("start", "cross-validating", 3, "folds")
    assert starts.count(("start", "cross-validating thresholds", 2, "folds")) == 3  # one inner CV per outer fold
    assert sum(1 for e in recorder.events if e[:2] == ("advance", "cross-validating")) == 3
