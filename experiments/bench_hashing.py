"""What hashed features trained part by part cost in quality: HashingThemeClassifier vs ThemeClassifier().

Usage: nice -n 10 python experiments/bench_hashing.py [--datasets reuters,20ng,bbc]

Both fitted on the train split of each public benchmark and scored on its test split
with :func:`textkit.themes.evaluate.evaluate` (micro-/macro-F1 for Reuters, accuracy
otherwise, as ``bench_classify.py`` reports them). The hashing model is trained with
:meth:`HashingThemeClassifier.fit`: parts of 5,000 articles, ``partial_fit`` for 5
epochs, IDF from the summed document frequencies, exactly what the distributed trainer
(``textkit train --features hashing --cluster ...``) runs on the workers' parts.
Writes experiments/results/hashing.md and .json.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import sys
import time
from pathlib import Path

from _datasets import load

RESULTS = Path(__file__).resolve().parent / "results"


def run(dataset: str) -> list[dict]:
    from textkit.themes.classify import ThemeClassifier
    from textkit.themes.evaluate import evaluate
    from textkit.themes.hashing import HashingThemeClassifier

    train_texts, train_labels = load(dataset, "train")
    test_texts, test_labels = load(dataset, "test")
    rows = []
    for system, model in (("default (tfidf)", ThemeClassifier()), ("hashing", HashingThemeClassifier())):
        started = time.perf_counter()
        model.fit(train_texts, train_labels)
        seconds = time.perf_counter() - started
        summary = evaluate(model, test_texts, test_labels).summary
        quality = (
            f"{summary['micro_f1']:.3f} / {summary['macro_f1']:.3f}"
            if "accuracy" not in summary
            else f"{summary['accuracy']:.3f}"
        )
        row = {
            "dataset": dataset,
            "system": system,
            "quality": quality,
            "summary": summary,
            "train_seconds": round(seconds, 1),
            "model_mb": round(len(pickle.dumps(model)) / 2**20, 1),
        }
        print(json.dumps(row), flush=True)
        rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="reuters,20ng,bbc")
    args = parser.parse_args()
    rows = [row for dataset in args.datasets.split(",") for row in run(dataset)]
    RESULTS.mkdir(exist_ok=True)
    info = {"machine": f"{os.cpu_count()} cores, shared (nice -n 10)", "python": sys.version.split()[0]}
    (RESULTS / "hashing.json").write_text(json.dumps({"info": info, "rows": rows}, indent=2))
    lines = [
        "# Hashed features trained part by part vs the default theme classifier",
        "",
        f"Reproduce: `nice -n 10 python experiments/bench_hashing.py` ({info['machine']}, Python {info['python']}).",
        "Quality on the test split: micro-F1 / macro-F1 for Reuters, accuracy otherwise.",
        "",
        "| dataset | system | quality | train s | model MB |",
        "| --- | --- | --- | ---: | ---: |",
    ]
    lines += [
        f"| {r['dataset']} | {r['system']} | {r['quality']} | {r['train_seconds']} | {r['model_mb']} |" for r in rows
    ]
    (RESULTS / "hashing.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
