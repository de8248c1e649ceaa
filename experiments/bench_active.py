"""Active learning against random sampling, with a simulated annotator (what ``textkit serve`` does).

The annotator answers with the gold labels of BBC News train through the same
:class:`textkit.workflows.labelling.Labeller` the label page uses: the first 10 answers
are random (no model yet), then the model is retrained every 10 answers and the next
articles are the most uncertain ones (smallest margin between the two best themes) or
random ones. After every retrain the model is scored on BBC News test. Three seeds;
both strategies start from the same 10 random answers of a seed.

    nice -n 10 python experiments/bench_active.py            # 200 answers, seeds 0 1 2

Writes experiments/results/active_learning.{md,json,png}.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _datasets

from textkit.reading.articles import Article
from textkit.web.index import CorpusIndex, build_index
from textkit.workflows.labelling import AnswerLog, Labeller

RESULTS = Path(__file__).resolve().parent / "results"


def run(
    strategy: str, seed: int, index: CorpusIndex, gold: dict[int, list[str]], test, answers: int, step: int, folder
):
    texts_test, labels_test = test
    log = AnswerLog(Path(folder) / f"{strategy}-{seed}.jsonl")
    themes = sorted({label for labels in gold.values() for label in labels})
    labeller = Labeller(index, log, themes, retrain_every=step, cv=None, background=False, seed=seed)
    curve = []
    mode = "random"
    for answered in range(1, answers + 1):
        n = labeller.next("simulated", mode)  # type: ignore[arg-type]
        labeller.answer("simulated", n, gold[n], mode=mode)
        if answered % step == 0:
            model = labeller.state.model
            # None while every retrain so far refused the answers (a theme with one example).
            accuracy = round(model.score(texts_test, labels_test), 4) if model is not None else None
            curve.append({"answers": answered, "accuracy": accuracy})
            # The first `step` answers are random for both strategies (the same ones: same seed).
            mode = strategy
    return curve


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--answers", type=int, default=200)
    parser.add_argument("--step", type=int, default=10)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args()
    warnings.simplefilter("ignore", UserWarning)
    train_texts, train_labels = _datasets.load("bbc", "train")
    test_texts, test_labels = _datasets.load("bbc", "test")
    test_single = [labels[0] for labels in test_labels]
    started = time.perf_counter()
    results: dict[str, dict[int, list]] = {"uncertainty": {}, "random": {}}
    with tempfile.TemporaryDirectory() as folder:
        articles = [
            Article(id=str(i), text=t, labels=tuple(y)) for i, (t, y) in enumerate(zip(train_texts, train_labels))
        ]
        index = CorpusIndex(build_index(articles, Path(folder) / "bbc.sqlite"))
        gold = {n: list(articles[n - 1].labels) for n in range(1, index.count + 1)}
        for seed in args.seeds:
            for strategy in ("uncertainty", "random"):
                curve = run(strategy, seed, index, gold, (test_texts, test_single), args.answers, args.step, folder)
                results[strategy][seed] = curve
                print(f"seed {seed} {strategy:<11} accuracy at {args.answers}: {curve[-1]['accuracy']:.4f}", flush=True)
    seconds = time.perf_counter() - started
    report(results, args, len(train_texts), len(test_texts), seconds)


def _cell(value: float) -> str:
    return "–" if value != value else f"{value:.4f}"  # NaN: no model yet (a retrain refused the answers)


def report(results, args, n_train: int, n_test: int, seconds: float) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    points = [p["answers"] for p in next(iter(results["uncertainty"].values()))]
    summary = {}
    warnings.simplefilter("ignore", RuntimeWarning)  # the mean of a column of NaN (no model yet) is NaN
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for strategy, colour in (("uncertainty", "tab:blue"), ("random", "tab:orange")):
        matrix = np.array(
            [
                [np.nan if p["accuracy"] is None else p["accuracy"] for p in curve]
                for curve in results[strategy].values()
            ]
        )
        for row in matrix:
            ax.plot(points, row, color=colour, alpha=0.25, linewidth=1)
        ax.plot(
            points,
            np.nanmean(matrix, axis=0),
            color=colour,
            linewidth=2.5,
            label=f"{strategy} (mean of {len(matrix)} seeds)",
        )
        summary[strategy] = {
            "final": [float(v) for v in matrix[:, -1]],
            "final_mean": round(float(matrix[:, -1].mean()), 4),
            "mean_curve": [round(float(v), 4) for v in np.nanmean(matrix, axis=0)],
        }
    ax.set_xlabel("answers")
    ax.set_ylabel("accuracy on BBC News test")
    ax.set_title("Simulated annotator on BBC News train: next article by uncertainty vs at random")
    ax.title.set_fontsize(10)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(RESULTS / "active_learning.png", dpi=90)
    wins = [u > r for u, r in zip(summary["uncertainty"]["final"], summary["random"]["final"])]
    payload = {
        "experiment": "active learning vs random, simulated annotator with BBC News train gold labels",
        "answers": args.answers,
        "retrain_every": args.step,
        "seeds": args.seeds,
        "train_pool": n_train,
        "test": n_test,
        "points": points,
        "results": {s: {str(k): v for k, v in r.items()} for s, r in results.items()},
        "summary": summary,
        "uncertainty_beats_random_in": f"{sum(wins)} of {len(wins)} seeds",
        "seconds": round(seconds, 1),
        "machine": f"{platform.processor() or platform.machine()}, Python {platform.python_version()}",
    }
    (RESULTS / "active_learning.json").write_text(json.dumps(payload, indent=2) + "\n")
    rows = [
        f"| {p} | {_cell(u)} | {_cell(r)} |"
        for p, u, r in zip(points, summary["uncertainty"]["mean_curve"], summary["random"]["mean_curve"])
    ]
    finals = " | ".join(
        f"{u:.4f} / {r:.4f}" for u, r in zip(summary["uncertainty"]["final"], summary["random"]["final"])
    )
    text = (
        f"""# Active learning vs random (simulated annotator, BBC News)

`nice -n 10 python experiments/bench_active.py` ({seconds:.0f} s). Pool: BBC News train ({n_train} articles),
gold labels as the annotator's answers through `textkit.workflows.labelling.Labeller` (the label page's code);
10 random answers first, then a retrain every {args.step} answers (ThemeClassifier defaults) and the next
{args.step} articles by uncertainty (margin of the two best themes) or at random. Accuracy on BBC News test
({n_test} articles). Seeds {", ".join(map(str, args.seeds))}.

After {args.answers} answers, uncertainty / random per seed: {finals};
mean {summary["uncertainty"]["final_mean"]:.4f} / {summary["random"]["final_mean"]:.4f};
uncertainty beats random in {sum(wins)} of {len(wins)} seeds.

![learning curve](active_learning.png)

| answers | uncertainty (mean) | random (mean) |
|---:|---:|---:|
"""
        + "\n".join(rows)
        + "\n"
    )
    (RESULTS / "active_learning.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
