"""Quick quality loop for ThemeClassifier: baseline vs textkit configurations on the shared benchmarks.

Usage::

    python experiments/tune_classify.py reuters 20ng --config "" --config "cv=2"

Each ``--config`` is keyword arguments of ThemeClassifier (``""`` = the default).
Prints one row per dataset and configuration (quality, training time, the time ratio
to the hand-written baseline run just before it, batch docs/s on the test split and
the latency of one text) and writes
experiments/results/tune_classify.json.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import _datasets
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, f1_score
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import MultiLabelBinarizer
from sklearn.svm import LinearSVC

from textkit.text.tokenize import Tokenizer  # noqa: F401 - for --config "tokenizer=Tokenizer(...)"
from textkit.themes.classify import ThemeClassifier

RESULTS = Path(__file__).parent / "results" / "tune_classify.json"


def quality(multilabel: bool, truth, predicted) -> dict[str, float]:
    if multilabel:
        return {
            "micro_f1": round(f1_score(truth, predicted, average="micro"), 4),
            "macro_f1": round(f1_score(truth, predicted, average="macro", zero_division=0), 4),
        }
    return {"accuracy": round(accuracy_score(truth, predicted), 4)}


def run(name: str, configs: list[str]) -> list[dict]:
    texts, labels = _datasets.load(name, "train")
    test_texts, test_labels = _datasets.load(name, "test")
    multilabel = name == "reuters"
    if multilabel:
        binarizer = MultiLabelBinarizer().fit(labels)
        y, truth = binarizer.transform(labels), binarizer.transform(test_labels)
    else:
        y, truth = [row[0] for row in labels], [row[0] for row in test_labels]
    rows = []
    start = time.perf_counter()
    vectorizer = TfidfVectorizer()
    baseline = (OneVsRestClassifier(LinearSVC()) if multilabel else LinearSVC()).fit(vectorizer.fit_transform(texts), y)
    base_seconds = time.perf_counter() - start
    rows.append(
        {
            "dataset": name,
            "config": "baseline",
            "fit_s": round(base_seconds, 2),
            "ratio": 1.0,
            **quality(multilabel, truth, baseline.predict(vectorizer.transform(test_texts))),
        }
    )
    for config in configs:
        params = eval(f"dict({config})")
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = ThemeClassifier(**params).fit(texts, labels if multilabel else y)
        seconds = time.perf_counter() - start
        start = time.perf_counter()
        predicted = model.predict(test_texts)
        docs_per_second = len(test_texts) / (time.perf_counter() - start)
        start = time.perf_counter()
        for text in test_texts[:200]:  # one text at a time, as a service would
            model.predict_labels([text])
        one_ms = (time.perf_counter() - start) / min(200, len(test_texts)) * 1000
        expected = model.binarize(test_labels) if multilabel else truth
        rows.append(
            {
                "dataset": name,
                "config": config or "default",
                "fit_s": round(seconds, 2),
                "ratio": round(seconds / base_seconds, 2),
                **quality(multilabel, expected, predicted),
                "docs_per_s": round(docs_per_second),
                "one_text_ms": round(one_ms, 2),
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("datasets", nargs="+", choices=sorted(_datasets.BENCHMARKS))
    parser.add_argument("--config", action="append", default=None)
    args = parser.parse_args()
    rows = []
    for name in args.datasets:
        for row in run(name, args.config or [""]):
            rows.append(row)
            print("  ".join(f"{k}={v}" for k, v in row.items()), flush=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
