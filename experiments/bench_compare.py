"""``textkit compare`` intervals checked against constructed corpora whose true shares are known.

Two outlets tag a theme with true probabilities p_A and p_B (or give it Beta-distributed
topic shares with those means); each draw makes a corpus of n articles per outlet and
runs :func:`textkit.analysis.compare.bootstrap_shares`. Over the draws we count how
often the 95% interval of the difference covers the true p_A - p_B, and how often the
difference is called supported (Benjamini-Hochberg, 5%). Side by side, in the same
draws: the Wald interval a user would compute by hand (difference of proportions +-
1.96 standard errors). Last, the time of one comparison at a realistic size.

Run: ``nice -n 10 python experiments/bench_compare.py [--draws N]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from textkit.analysis.compare import bootstrap_shares

RESULTS = Path(__file__).resolve().parent / "results"
CASES = [  # (n per outlet, p_A, p_B, kind)
    (50, 0.10, 0.10, "tags"),
    (50, 0.30, 0.20, "tags"),
    (200, 0.05, 0.02, "tags"),
    (200, 0.30, 0.20, "tags"),
    (1000, 0.30, 0.25, "tags"),
    (200, 0.30, 0.20, "topic shares"),
]


def draw(rng: np.random.Generator, n: int, p: float, kind: str) -> np.ndarray:
    if kind == "tags":
        return (rng.random((n, 1)) < p).astype(float)
    concentration = 2.0  # topic shares: Beta(2p, 2(1-p)), mean p, spread like LDA's
    return rng.beta(concentration * p, concentration * (1 - p), size=(n, 1))


def run_case(n: int, p_a: float, p_b: float, kind: str, draws: int, resamples: int) -> dict:
    rng = np.random.default_rng(0)
    truth = p_a - p_b
    covered = wald_covered = supported = 0
    started = time.process_time()
    for number in range(draws):
        a, b = draw(rng, n, p_a, kind), draw(rng, n, p_b, kind)
        result = bootstrap_shares({"A": a, "B": b}, ["theme"], resamples=resamples, seed=number)
        d = result.differences[0]
        covered += d["low"] <= truth <= d["high"]
        supported += d["supported"]
        error = np.sqrt(a.var(ddof=1) / n + b.var(ddof=1) / n)
        gap = a.mean() - b.mean()
        wald_covered += gap - 1.96 * error <= truth <= gap + 1.96 * error
    return {
        "n_per_outlet": n,
        "p_a": p_a,
        "p_b": p_b,
        "kind": kind,
        "draws": draws,
        "bootstrap_coverage": round(covered / draws, 3),
        "wald_coverage": round(wald_covered / draws, 3),
        "supported_rate": round(supported / draws, 3),
        "cpu_seconds_per_comparison": round((time.process_time() - started) / draws, 4),
    }


def timing(resamples: int) -> dict:
    """One comparison at a realistic size: 12 months x 20 topics, 2,000 articles a month."""
    rng = np.random.default_rng(1)
    values = {f"2024-{m:02d}": rng.dirichlet(np.ones(20) * 0.3, size=2000) for m in range(1, 13)}
    started = time.perf_counter(), time.process_time()
    result = bootstrap_shares(values, [f"t{i}" for i in range(20)], resamples=resamples)
    return {
        "groups": 12,
        "columns": 20,
        "articles": 24000,
        "resamples": resamples,
        "differences_tested": len(result.differences),
        "seconds": round(time.perf_counter() - started[0], 2),
        "cpu_seconds": round(time.process_time() - started[1], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--draws", type=int, default=400)
    parser.add_argument("--resamples", type=int, default=1000)
    args = parser.parse_args()
    rows = []
    for case in CASES:
        rows.append(run_case(*case, draws=args.draws, resamples=args.resamples))
        print(json.dumps(rows[-1]))
    size = timing(args.resamples)
    print(json.dumps(size))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "compare.json").write_text(json.dumps({"coverage": rows, "timing": size}, indent=2) + "\n")
    lines = [
        "# Comparing groups: interval coverage on constructed corpora",
        "",
        f"{args.draws} draws per case, {args.resamples} bootstrap resamples, nominal level 95%. "
        "Supported: Benjamini-Hochberg-adjusted p < 0.05 (one test per draw here, so unadjusted). "
        "Produced by `nice -n 10 python experiments/bench_compare.py`.",
        "",
        "| n per outlet | true shares A / B | kind | bootstrap coverage | Wald coverage | supported |",
        "|---:|---|---|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['n_per_outlet']} | {r['p_a']} / {r['p_b']} | {r['kind']} | {r['bootstrap_coverage']:.3f} "
            f"| {r['wald_coverage']:.3f} | {r['supported_rate']:.3f} |"
        )
    lines += [
        "",
        f"One comparison of {size['groups']} months x {size['columns']} topics ({size['articles']:,} articles, "
        f"{size['differences_tested']:,} differences tested): {size['seconds']} s wall, {size['cpu_seconds']} CPU-s.",
    ]
    (RESULTS / "compare.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
