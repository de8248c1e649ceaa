"""Cost and outcome of ``num_topics="auto"``: chosen K, its coherence, time against one fit at that K.

Usage: python experiments/bench_topics_autok.py [--seeds 0,1,2] [--corpora bbc,20ng] [--label NAME]

For BBC News (all 2,225 articles, K = 3..12) and 20 Newsgroups train (headers/footers/quotes
removed, K = 5..30 step 5), per seed: ``TopicModel("auto", k_min, k_max, k_step,
random_state=seed)`` with its defaults otherwise (coherence scoring included), then
``TopicModel(chosen K, random_state=seed)`` for the time of one default fit at that K.
The chosen model's ``c_v`` is then scored alike for every run: gensim ``c_v`` of its 10
most probable words over the whole corpus in the model's own tokenization
(``TopicModel.coherence``), outside the timed fits. ``--label`` names the code measured
(run it with ``PYTHONPATH`` at another checkout to measure that one). Appends to
experiments/results/topics_autok.json and rewrites topics_autok.md from it.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
import warnings
from pathlib import Path

from _datasets import load

RESULTS = Path(__file__).resolve().parent / "results"


def cpu_seconds() -> float:
    """User + system time of this process and its finished children (LdaMulticore workers): steadier than wall
    time on a shared machine."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


CORPORA = {"bbc": ("bbc", "all", 3, 12, 1), "20ng": ("20ng-stripped", "train", 5, 30, 5)}


def main() -> None:
    from textkit.topics.model import TopicModel

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--corpora", default="bbc,20ng")
    parser.add_argument("--label", default="this checkout")
    args = parser.parse_args()
    file = RESULTS / "topics_autok.json"
    rows = json.loads(file.read_text()) if file.exists() else []
    for corpus in args.corpora.split(","):
        name, split, k_min, k_max, k_step = CORPORA[corpus]
        texts = load(name, split)[0]
        for seed in map(int, args.seeds.split(",")):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                started, cpu = time.perf_counter(), cpu_seconds()
                auto = TopicModel("auto", k_min=k_min, k_max=k_max, k_step=k_step, random_state=seed).fit(texts)
                auto_seconds, auto_cpu = time.perf_counter() - started, cpu_seconds() - cpu
            started, cpu = time.perf_counter(), cpu_seconds()
            TopicModel(auto.num_topics_, random_state=seed).fit(texts)
            one_seconds, one_cpu = time.perf_counter() - started, cpu_seconds() - cpu
            row = {
                "code": args.label,
                "corpus": corpus,
                "range": f"{k_min}..{k_max} step {k_step}",
                "seed": seed,
                "chosen_k": auto.num_topics_,
                "c_v": auto.coherence(texts, measures=("c_v",))["c_v"],
                "c_v_in_fit": auto.scores_.get("c_v"),
                "auto_seconds": auto_seconds,
                "one_fit_seconds": one_seconds,
                "ratio": auto_seconds / one_seconds,
                "auto_cpu": auto_cpu,
                "one_fit_cpu": one_cpu,
                "cpu_ratio": auto_cpu / one_cpu,
                "curve": [{k: v for k, v in r.items() if k in ("k", "c_v")} for r in auto.k_scores_],
                "warnings": sorted({str(w.message) for w in caught if "K tried" in str(w.message)}),
            }
            print(json.dumps(row), flush=True)
            rows = [r for r in rows if (r["code"], r["corpus"], r["seed"]) != (row["code"], corpus, seed)] + [row]
            RESULTS.mkdir(exist_ok=True)
            file.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    lines = [
        '# `num_topics="auto"`: chosen K, its c_v, and its time against one default fit at that K',
        "",
        "Command: `python experiments/bench_topics_autok.py --seeds 0,1,2 --label NAME` (library defaults, "
        "coherence scoring included; c_v of the chosen model's top 10 words over the whole corpus, scored alike "
        "for every run after the fits).",
        "",
        "| code | corpus | K range | seed | chosen K | c_v | auto (s) | one fit at K (s) | auto / one fit "
        "| auto / one fit, CPU time |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['code']} | {r['corpus']} | {r['range']} | {r['seed']} | {r['chosen_k']} | {r['c_v']:.3f} | "
            f"{r['auto_seconds']:.0f} | {r['one_fit_seconds']:.0f} | {r['ratio']:.1f} | "
            + (f"{r['cpu_ratio']:.1f} |" if "cpu_ratio" in r else "– |")
        )
    (RESULTS / "topics_autok.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
