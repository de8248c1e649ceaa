"""Prediction speed: textkit against a hand-written TfidfVectorizer + LinearSVC, in one run.

Usage::

    python experiments/bench_predict.py              # 20 Newsgroups (~3 min on 2 shared cores)
    python experiments/bench_predict.py --quick      # subsampled, for development

Both systems are trained on the 20 Newsgroups training split (textkit: ``ThemeClassifier()``;
hand-written: ``make_pipeline(TfidfVectorizer(), LinearSVC())``), then:

1. **Batch**: the whole test split predicted in one call, ``--repeats`` times, the
   runs of both systems interleaved so they share the machine's load; the median
   of each is reported (wall and CPU seconds). textkit is timed twice: labels only
   (``predict_labels``) and labels + scores records (``predict_stream``, what
   ``textkit predict`` writes). The run checks that ``predict_stream``'s labels are
   exactly ``predict_labels``' and its scores ``predict_proba``'s.
2. **CLI path**: ``textkit predict --input test.jsonl -o out.jsonl`` as a subprocess
   against a short script (below) that loads the hand-written model with joblib, reads
   the same JSONL, predicts and writes ``{"id", "labels"}`` lines. Both include Python's
   start-up, imports and loading the model; CPU is the children's user + system time
   (``resource.getrusage(RUSAGE_CHILDREN)``). textkit writes 20 scores per article
   besides the labels; the script writes labels only.

Writes ``experiments/results/predict.md`` and ``predict.json`` (``predict-quick.*`` with ``--quick``).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from _datasets import load

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "experiments" / "results"
QUICK_TRAIN, QUICK_TEST = 3000, 2000

# The "short script a user would write" of the CLI comparison.
SCRIPT = """\
import json, sys
import joblib

model = joblib.load(sys.argv[1])
with open(sys.argv[2], encoding="utf-8") as handle:
    records = [json.loads(line) for line in handle]
labels = model.predict([r["text"] for r in records])
with open(sys.argv[3], "w", encoding="utf-8") as out:
    for record, label in zip(records, labels):
        out.write(json.dumps({"id": record["id"], "labels": [str(label)]}) + "\\n")
"""


def timed(function: Any) -> tuple[Any, float, float]:
    """Result, wall seconds and CPU seconds of ``function()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def run_child(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of a subprocess, which must succeed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def median_row(name: str, walls: list[float], cpus: list[float], docs: int) -> dict[str, Any]:
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    return {
        "system": name,
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "docs_per_s": round(docs / wall),
        "docs_per_cpu_s": round(docs / cpu),
        "runs_wall_s": [round(w, 3) for w in walls],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="subsample the splits")
    parser.add_argument("--repeats", type=int, default=5, help="batch runs per system")
    parser.add_argument("--cli-repeats", type=int, default=3, help="CLI runs per system")
    args = parser.parse_args()
    started = time.perf_counter()

    import joblib
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    from textkit.store import save
    from textkit.themes.classify import ThemeClassifier
    from textkit.themes.predict import predict_stream

    train_texts, train_labels = load("20ng", "train")
    test_texts, test_labels = load("20ng", "test")
    if args.quick:
        train_texts, train_labels = train_texts[:QUICK_TRAIN], train_labels[:QUICK_TRAIN]
        test_texts, test_labels = test_texts[:QUICK_TEST], test_labels[:QUICK_TEST]
    docs = len(test_texts)
    print(f"training on {len(train_texts)} texts, predicting {docs}", flush=True)
    model = ThemeClassifier().fit(train_texts, train_labels)
    baseline = make_pipeline(TfidfVectorizer(), LinearSVC()).fit(train_texts, [row[0] for row in train_labels])

    # -- batch ------------------------------------------------------------------------------
    runs: dict[str, tuple[list[float], list[float]]] = {
        name: ([], []) for name in ("baseline", "textkit predict_labels", "textkit predict_stream")
    }
    calls = {
        "baseline": lambda: baseline.predict(test_texts),
        "textkit predict_labels": lambda: model.predict_labels(test_texts),
        "textkit predict_stream": lambda: list(predict_stream(model, test_texts)),
    }
    outputs: dict[str, Any] = {}
    for repeat in range(args.repeats):
        for name, call in calls.items():
            # Each run starts from the same heap: the previous run's output (7,500 records
            # for predict_stream) would otherwise make the garbage collector's passes longer.
            outputs[name] = None
            gc.collect()
            outputs[name], wall, cpu = timed(call)
            runs[name][0].append(wall)
            runs[name][1].append(cpu)
        print(f"batch run {repeat + 1}/{args.repeats}", flush=True)
    batch = [median_row(name, walls, cpus, docs) for name, (walls, cpus) in runs.items()]
    base_wall, base_cpu = batch[0]["wall_s"], batch[0]["cpu_s"]
    for row in batch:
        row["speed_vs_baseline"] = round(base_wall / row["wall_s"], 2)
        # On a shared machine the wall time also counts other processes' turns; CPU time does not.
        row["cpu_speed_vs_baseline"] = round(base_cpu / row["cpu_s"], 2)

    records, labels = outputs["textkit predict_stream"], outputs["textkit predict_labels"]
    proba = model.predict_proba(test_texts)
    same_labels = [r["labels"] for r in records] == [[str(x) for x in row] for row in labels]
    same_scores = [list(r["scores"].values()) for r in records] == [
        [round(p, 4) for p in row] for row in proba.tolist()
    ]
    accuracy = {
        "textkit": round(sum(row[0] == truth[0] for row, truth in zip(labels, test_labels)) / docs, 4),
        "baseline": round(sum(p == truth[0] for p, truth in zip(outputs["baseline"], test_labels)) / docs, 4),
    }

    # -- CLI path ---------------------------------------------------------------------------
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        save(model, "bench", models_dir=tmp / "models")
        joblib.dump(baseline, tmp / "baseline.joblib")
        (tmp / "script.py").write_text(SCRIPT, encoding="utf-8")
        data = tmp / "test.jsonl"
        with data.open("w", encoding="utf-8") as handle:
            for i, text in enumerate(test_texts):
                handle.write(json.dumps({"id": f"t{i}", "text": text}) + "\n")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
        commands = {
            "textkit predict --input": [
                sys.executable, "-m", "textkit", "predict", "--input", str(data), "-o", str(tmp / "textkit.jsonl"),
                "--model", "bench", "--models-dir", str(tmp / "models"),
            ],
            "script (joblib + JSONL)": [
                sys.executable, str(tmp / "script.py"), str(tmp / "baseline.joblib"), str(data), str(tmp / "script.jsonl")
            ],
        }  # fmt: skip
        cli_runs: dict[str, tuple[list[float], list[float]]] = {name: ([], []) for name in commands}
        for repeat in range(args.cli_repeats):
            for name, command in commands.items():
                wall, cpu = run_child(command, env)
                cli_runs[name][0].append(wall)
                cli_runs[name][1].append(cpu)
            print(f"CLI run {repeat + 1}/{args.cli_repeats}", flush=True)
        with (tmp / "textkit.jsonl").open(encoding="utf-8") as handle:
            cli_labels = [json.loads(line)["labels"] for line in handle]
        same_cli = cli_labels == [[str(x) for x in row] for row in labels]
    cli = [median_row(name, walls, cpus, docs) for name, (walls, cpus) in cli_runs.items()]
    script_cpu = cli[1]["cpu_s"]
    for row in cli:
        row["cpu_vs_script"] = round(row["cpu_s"] / script_cpu, 2)

    result = {
        "quick": args.quick,
        "date": date.today().isoformat(),
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores (shared)",
        "train_docs": len(train_texts),
        "test_docs": docs,
        "repeats": args.repeats,
        "cli_repeats": args.cli_repeats,
        "accuracy": accuracy,
        "batch": batch,
        "cli": cli,
        "checks": {
            "predict_stream_labels_equal_predict_labels": same_labels,
            "predict_stream_scores_equal_predict_proba": same_scores,
            "cli_labels_equal_predict_labels": same_cli,
        },
        "seconds": round(time.perf_counter() - started, 1),
    }
    write(result)
    if not (same_labels and same_scores and same_cli):
        raise SystemExit("textkit's predictions differ between paths: see the checks in the results")


def write(result: dict[str, Any]) -> None:
    stem = "predict-quick" if result["quick"] else "predict"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{stem}.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    lines = [
        "# Prediction speed: textkit against a hand-written TfidfVectorizer + LinearSVC",
        "",
        f"Reproduce: `python experiments/bench_predict.py{' --quick' if result['quick'] else ''}` "
        f"({result['machine']}, Python {result['python']}, {result['date']}; whole run {result['seconds']:.0f} s).",
        "",
        f"20 Newsgroups: trained on {result['train_docs']:,} texts, {result['test_docs']:,} test texts predicted. "
        f"Accuracy: textkit {result['accuracy']['textkit']}, hand-written {result['accuracy']['baseline']}.",
        "",
        f"## Batch prediction (median of {result['repeats']} interleaved runs)",
        "",
        "| system | wall s | CPU s | docs/s | docs/CPU s | × hand-written (wall) | × hand-written (CPU) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in result["batch"]:
        lines.append(
            f"| {row['system']} | {row['wall_s']:.2f} | {row['cpu_s']:.2f} | {row['docs_per_s']:,} "
            f"| {row['docs_per_cpu_s']:,} | {row['speed_vs_baseline']:.2f} | {row['cpu_speed_vs_baseline']:.2f} |"
        )
    lines += [
        "",
        "`baseline`: `make_pipeline(TfidfVectorizer(), LinearSVC()).predict(texts)` (labels). "
        "`predict_stream`: one record per text with its labels and 20 rounded scores. "
        "On a busy shared machine the wall time includes waiting for the CPU: the CPU columns are the steadier comparison.",
        "",
        f"## CLI path (median of {result['cli_repeats']} interleaved runs, each a new process)",
        "",
        "| command | wall s | CPU s | × script CPU |",
        "|---|---:|---:|---:|",
    ]
    for row in result["cli"]:
        lines.append(f"| {row['system']} | {row['wall_s']:.2f} | {row['cpu_s']:.2f} | {row['cpu_vs_script']:.2f} |")
    checks = result["checks"]
    lines += [
        "",
        "The script loads the hand-written model with joblib, reads the JSONL, predicts and writes "
        '`{"id", "labels"}` lines; `textkit predict` also writes 20 scores per article.',
        "",
        "Checks: predict_stream labels = predict_labels: "
        f"{checks['predict_stream_labels_equal_predict_labels']}; scores = predict_proba (rounded): "
        f"{checks['predict_stream_scores_equal_predict_proba']}; CLI labels = predict_labels: "
        f"{checks['cli_labels_equal_predict_labels']}.",
        "",
    ]
    (RESULTS / f"{stem}.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
