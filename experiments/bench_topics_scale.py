"""Streamed LDA fit from a JSONL file on disk: wall time and peak memory at 10k, 50k, 200k documents.

Usage: python experiments/bench_topics_scale.py [--sizes 10000,50000,200000] [--passes N] [--topics 20]

Writes every text of every shared dataset (about 40,000) to a temporary JSONL file,
repeated until each size is reached, and fits ``TopicModel`` on
``read_articles(file)``: the articles are read and tokenized once, their bags of
words streamed to a temporary corpus file on disk which the passes read back; the
corpus is never held in memory. Each size runs in its own process; peak memory is the
``ru_maxrss`` of that process and its LdaMulticore workers. The vocabulary is capped
(``keep_n``, 10,000 words by default), so the model's matrices (K × vocabulary) stop
growing. Writes experiments/results/topics_scale.md, .json and .png.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from itertools import cycle, islice
from pathlib import Path

from _datasets import all_texts

RESULTS = Path(__file__).resolve().parent / "results"


def fit_one(path: str, topics: int, passes: int | None) -> dict:
    from textkit.reading.articles import read_articles
    from textkit.topics.model import TopicModel

    started = time.perf_counter()
    # Defaults but K: coherence scoring included, as `textkit topics fit --num-topics K` runs it.
    model = TopicModel(topics, **({"passes": passes} if passes else {})).fit(read_articles(path))
    seconds = time.perf_counter() - started
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    peak_kb = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    )
    return {
        "seconds": seconds,
        "cpu_seconds": sum(u.ru_utime + u.ru_stime for u in usage),
        "peak_mb": peak_kb / 1024,
        "vocabulary": len(model.dictionary_),
        "documents": model.summary_.documents,
        "converged": model.summary_.converged,
    }


def plot(rows: list[dict], target: Path) -> None:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(11, 3.4), layout="constrained")
    left, right, words = figure.subplots(1, 3)
    sizes = [r["documents"] / 1000 for r in rows]
    left.plot(sizes, [r["seconds"] for r in rows], "o-")
    left.set_xlabel("documents (thousands)")
    left.set_ylabel("wall time (s)")
    left.set_title("Fit time")
    left.set_ylim(bottom=0)
    right.plot(sizes, [r["peak_mb"] for r in rows], "o-", color="C1")
    right.set_xlabel("documents (thousands)")
    right.set_ylabel("peak memory (MB)")
    right.set_title("Peak memory")
    right.set_ylim(bottom=0)
    words.plot(sizes, [r["vocabulary"] for r in rows], "o-", color="C2")
    words.set_xlabel("documents (thousands)")
    words.set_ylabel("words in the vocabulary")
    words.set_title("Vocabulary (capped by keep_n)")
    words.set_ylim(bottom=0)
    figure.savefig(target, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,50000,200000")
    parser.add_argument("--topics", type=int, default=20)
    parser.add_argument("--passes", type=int, default=None, help="Default: TopicModel's own (3).")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: fit one file, print JSON
    args = parser.parse_args()
    if args.one:
        print(json.dumps(fit_one(args.one, args.topics, args.passes)))
        return

    texts = all_texts()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for size in map(int, args.sizes.split(",")):
            path = Path(folder) / f"corpus-{size}.jsonl"
            with open(path, "w", encoding="utf-8") as handle:
                for number, text in enumerate(islice(cycle(texts), size)):
                    handle.write(json.dumps({"id": str(number), "text": text}) + "\n")
            print(f"fitting {size} documents ({path.stat().st_size / 1e6:.0f} MB on disk) ...", flush=True)
            command = [sys.executable, __file__, "--one", str(path), "--topics", str(args.topics)]
            command += ["--passes", str(args.passes)] if args.passes else []
            output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
            row = json.loads(output.strip().splitlines()[-1])
            row["megabytes_on_disk"] = path.stat().st_size / 1e6
            rows.append(row)
            print(row, flush=True)
            path.unlink()
    passes = f" --passes {args.passes}" if args.passes else ""
    command = f"python experiments/bench_topics_scale.py --sizes {args.sizes}{passes} --topics {args.topics}"
    lines = [
        f"# Streamed topic fit from a JSONL file (K = {args.topics}, {args.passes or 'default'} passes)",
        "",
        f"Command: `{command}`; {os.cpu_count()} cores (shared). The texts of all shared datasets "
        f"({len(texts)} documents) repeated to each size; the fit reads and tokenizes the file once, "
        "then trains from a shuffled bag-of-words file on disk (int32 pairs, one read per article). Topics are "
        "sampled by Gibbs sampling (500 sweeps) on a random sample of at most 20,000 articles, then refined by "
        "one online pass over all of them when there are more. Vocabulary capped by keep_n "
        "(default 10,000), so the model's matrices stop growing. `TopicModel(K)` with every other default: "
        "coherence scoring (on a sample) included, as `textkit topics fit --num-topics K` runs it.",
        "",
        "| documents | MB on disk | vocabulary | wall time (s) | CPU time (s) | s per 1k docs | peak memory (MB) "
        "| converged |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
        *[
            f"| {r['documents']} | {r['megabytes_on_disk']:.0f} | {r['vocabulary']} | {r['seconds']:.1f} | "
            f"{r['cpu_seconds']:.1f} | "
            f"{1000 * r['seconds'] / r['documents']:.2f} | {r['peak_mb']:.0f} | {r['converged']:.1%} |"
            for r in rows
        ],
        "",
        "![time and memory](topics_scale.png)",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "topics_scale.md").write_text(text, encoding="utf-8")
    (RESULTS / "topics_scale.json").write_text(
        json.dumps({"command": command, "results": rows}, indent=1), encoding="utf-8"
    )
    plot(rows, RESULTS / "topics_scale.png")


if __name__ == "__main__":
    main()
