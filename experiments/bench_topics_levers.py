"""Cheap levers on textkit's topic quality, on 20 Newsgroups (K = 20) or BBC News, scored like bench_topics.py.

Usage: python experiments/bench_topics_levers.py [--seeds 0,1] [--variants default,nmf,...] [--limit N]
       python experiments/bench_topics_levers.py --corpus bbc --topics 10 --variants default,nmf --seeds 0,1,2

Only textkit rows, to explore settings without refitting every baseline of
``bench_topics.py``. The ``nmf`` rows are the online fit from the NMF start (the default
before the Gibbs start), the ``gibbs`` rows the Gibbs start's prior and sweeps.
Each variant is ``TopicModel(20, measures=(), random_state=seed, **settings)`` fitted in
this process (raw texts to topics; ``measures=()``: the coherence scoring of a default fit
is left out of every row alike, so the times compare the training only), then scored
by ``bench_topics.score`` over its texts: gensim ``c_v`` and ``c_npmi`` of the 10 most probable words
of each topic over the plain tokenization of the whole corpus, and diversity.
Adds its rows to experiments/results/topics_levers.json (``topics_levers_bbc_k10.json`` for
``--corpus bbc --topics 10``; a row per variant and seed, the latest kept) and rewrites the
.md from it.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

from _datasets import load
from bench_topics import score

CORPORA = {"20ng": ("20ng-stripped", "train", "20 Newsgroups (train"), "bbc": ("bbc", "all", "BBC News (all")}

RESULTS = Path(__file__).resolve().parent / "results"
_NMF_VARIANTS: dict[str, dict] = {
    "": {},  # the default before the Gibbs start
    "-eta0.01": {"eta": 0.01},  # tomotopy's default topic-word prior (gensim's default: 1/K = 0.05)
    "-alpha0.1": {"alpha": 0.1},  # tomotopy's default document-topic prior (gensim's: 1/K)
    "-alpha0.1-eta0.01": {"alpha": 0.1, "eta": 0.01},
    "-alpha-auto": {"alpha": "auto", "workers": 1},
    "-passes5": {"passes": 5},
    "-chunk1000": {"chunksize": 1000},
    "-no_above0.3": {"no_above": 0.3},
    "-no_above0.15": {"no_above": 0.15},
    "-keep5000": {"keep_n": 5000},
}
VARIANTS: dict[str, dict] = {
    "default": {},  # the Gibbs start: IDF term weights, eta 0.1, 500 sweeps
    "gibbs-pmi": {"term_weight": "pmi"},
    "gibbs-pmi-eta0.05": {"term_weight": "pmi", "eta": 0.05},
    "gibbs-one": {"term_weight": "one"},  # plain counts
    "gibbs-one-eta0.01": {"term_weight": "one", "eta": 0.01},  # tomotopy's default topic-word prior
    "gibbs-one-eta0.05": {"term_weight": "one", "eta": 0.05},  # gensim's default for K = 20 (1/K)
    "gibbs-one-eta0.2": {"term_weight": "one", "eta": 0.2},
    "gibbs-one-alpha0.1": {"term_weight": "one", "alpha": 0.1},  # a fixed symmetric prior: not learned
    "gibbs-one-alpha0.5": {"term_weight": "one", "alpha": 0.5},
    "gibbs-one-sweeps300": {"term_weight": "one", "sweeps": 300},
    "gibbs-one-sweeps1000": {"term_weight": "one", "sweeps": 1000},
    "gibbs-eta0.05": {"eta": 0.05},
    "gibbs-sweeps300": {"sweeps": 300},
    **{f"nmf{name}": {"init": "nmf", **settings} for name, settings in _NMF_VARIANTS.items()},
}


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    from textkit.topics.model import TopicModel

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--topics", type=int, default=20)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--corpus", choices=sorted(CORPORA), default="20ng")
    args = parser.parse_args()
    name, split, title = CORPORA[args.corpus]
    texts = load(name, split)[0][: args.limit]
    results = []
    for variant in filter(None, args.variants.split(",")):  # --variants "": rewrite the tables only
        for seed in map(int, args.seeds.split(",")):
            started, cpu = time.perf_counter(), cpu_seconds()
            model = TopicModel(args.topics, measures=(), random_state=seed, **VARIANTS[variant]).fit(texts)
            results.append(
                {
                    "variant": variant,
                    "settings": VARIANTS[variant],
                    "seed": seed,
                    "seconds": time.perf_counter() - started,
                    "cpu": cpu_seconds() - cpu,
                    "topics": model.top_word_lists(25, rank="probability"),
                }
            )
            print(variant, seed, f"{results[-1]['seconds']:.0f} s", flush=True)
    if results:
        score(results, texts)
    stem = "topics_levers" if args.corpus == "20ng" else f"topics_levers_{args.corpus}_k{args.topics}"
    extra = "" if args.corpus == "20ng" else f" --corpus {args.corpus} --topics {args.topics}"
    file = RESULTS / f"{stem}.json"
    done = {(r["variant"], r["seed"]) for r in results}
    earlier = (
        [r for r in json.loads(file.read_text()) if (r["variant"], r["seed"]) not in done] if file.exists() else []
    )
    results = sorted(earlier + results, key=lambda r: (list(VARIANTS).index(r["variant"]), r["seed"]))
    lines = [
        f"# textkit topic settings on {title}, K = {args.topics}), scored like bench_topics.py",
        "",
        f"Command: `python experiments/bench_topics_levers.py{extra} --seeds S --variants V` (rows of several runs). Fit without coherence scoring (`measures=()`) in every row; c_v and c_npmi of the 10 most probable "
        "words over the plain tokenization of the whole corpus (the scorer of `topics.md`).",
        "",
        "| variant | settings | seed | fit (s) | fit CPU (s) | c_v | c_npmi | diversity |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
        *[
            f"| {r['variant']} | `{json.dumps(r['settings'])}` | {r['seed']} | {r['seconds']:.0f} | {r['cpu']:.0f} "
            f"| {r['c_v']:.3f} | {r['c_npmi']:.3f} | {r['diversity']:.3f} |"
            for r in results
        ],
        "",
        "Mean of each variant's runs:",
        "",
        "| variant | settings | runs | c_v | c_npmi | diversity |",
        "|---|---|---:|---:|---:|---:|",
        *[
            f"| {variant} | `{json.dumps(VARIANTS[variant])}` | {len(rows)} | "
            + " | ".join(f"{sum(r[key] for r in rows) / len(rows):.3f}" for key in ("c_v", "c_npmi", "diversity"))
            + " |"
            for variant in VARIANTS
            if (rows := [r for r in results if r["variant"] == variant])
        ],
        "",
    ]
    print("\n".join(lines))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{stem}.md").write_text("\n".join(lines), encoding="utf-8")
    file.write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
