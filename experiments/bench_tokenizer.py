"""Tokenizer throughput on real news text, next to scikit-learn's default analyzer.

Usage: python experiments/bench_tokenizer.py [--repeat 3]

Reads the train splits of Reuters-21578, 20 Newsgroups and BBC News from the shared
datasets, tokenizes all of them with each contender (best of --repeat runs, one
core) and writes experiments/results/tokenizer.md and tokenizer.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

from _datasets import load
from sklearn.feature_extraction.text import CountVectorizer

from textkit.text.tokenize import Tokenizer

RESULTS = Path(__file__).resolve().parent / "results"


def best_time(function, texts: list[str], repeat: int) -> tuple[float, int]:
    """Fastest wall time over ``repeat`` passes, and the number of tokens produced."""
    best, tokens = float("inf"), 0
    for _ in range(repeat):
        start = time.perf_counter()
        tokens = sum(len(function(text)) for text in texts)
        best = min(best, time.perf_counter() - start)
    return best, tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    texts = [t for name in ("reuters", "20ng", "bbc") for t in load(name, "train")[0]]
    megabytes = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    phrased = Tokenizer().learn_phrases(texts)
    contenders = {
        "scikit-learn default analyzer (CountVectorizer().build_analyzer())": CountVectorizer().build_analyzer(),
        "textkit Tokenizer() (default: stop words, numbers dropped, no stemming)": Tokenizer(),
        "textkit Tokenizer(stem=True)": Tokenizer(stem=True),
        "textkit Tokenizer() with learned phrases": phrased,
    }
    rows = []
    for name, function in contenders.items():
        seconds, tokens = best_time(function, texts, args.repeat)
        rows.append(
            {
                "tokenizer": name,
                "seconds": round(seconds, 3),
                "mb_per_s": round(megabytes / seconds, 2),
                "tokens_per_s": round(tokens / seconds),
                "tokens": tokens,
            }
        )
        print(f"{name}: {seconds:.2f} s", flush=True)
    baseline = rows[0]["mb_per_s"]
    for row in rows:
        row["speed_vs_sklearn"] = round(row["mb_per_s"] / baseline, 2)

    header = (
        f"{len(texts):,} documents, {megabytes:.1f} MB (Reuters-21578, 20 Newsgroups and BBC News train splits); "
        f"best of {args.repeat} passes on one core; Python {platform.python_version()}, {platform.machine()}.\n\n"
        "| tokenizer | MB/s | tokens/s | tokens | speed vs scikit-learn |\n|---|---:|---:|---:|---:|\n"
    )
    lines = [
        f"| {r['tokenizer']} | {r['mb_per_s']:.2f} | {r['tokens_per_s']:,} | {r['tokens']:,} | {r['speed_vs_sklearn']:.2f}× |"
        for r in rows
    ]
    table = header + "\n".join(lines) + "\n"
    print("\n" + table)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "tokenizer.md").write_text("# Tokenizer throughput\n\n" + table, encoding="utf-8")
    (RESULTS / "tokenizer.json").write_text(
        json.dumps(
            {"documents": len(texts), "megabytes": round(megabytes, 2), "repeat": args.repeat, "rows": rows}, indent=2
        )
        + "\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
