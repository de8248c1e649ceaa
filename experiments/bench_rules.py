"""Theme models from keyword rules, without labels: BBC News, AG News and the sample corpus.

The rules files (``experiments/rules/``) were written from the label names (and, for the
sample corpus, the definitions in data/THEMES.md) before any run, at most 15 words or
phrases per class, and never edited after looking at errors.

For each corpus, side by side in one run:

- keyword vote: each article gets the theme(s) with the most (net) votes, no training;
- label model: the Dawid-Skene label model's most probable theme(s), fitted on the
  evaluation articles' votes (no labels);
- vote then train: ThemeClassifier trained on the keyword vote's labels (the naive pipeline);
- rules -> label model -> train, with 0..5 rounds of out-of-fold self-training
  (``textkit train --rules``; the default is 5 for exclusive themes, 0 for multi-label);
- learning curve: rules + 50 / 200 labelled articles against those labels alone.

BBC News: the train split (unlabelled) is the corpus, the test split the evaluation.
AG News: its test split is both the unlabelled corpus and the evaluation, as in the
weak-supervision literature (LOTClass...). Sample corpus: the 320 articles, labels unused.

    TEXTKIT_DATASETS=/work/shared/datasets nice -n 10 python experiments/bench_rules.py
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, f1_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _datasets

from textkit.reading.articles import read_articles
from textkit.themes.classify import ThemeClassifier
from textkit.themes.label_model import label_themes
from textkit.themes.rules import load_rules
from textkit.themes.weak import default_rounds, fit_from_rules

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "experiments" / "rules"
RESULTS = ROOT / "experiments" / "results"
ROUNDS = (0, 1, 3, 5)
CURVE = (50, 200)


def corpora() -> list[dict]:
    """Each benchmark: rules, unlabelled corpus, evaluation texts and labels, classifier settings."""
    bbc_train, bbc_train_y = _datasets.load("bbc", "train")
    bbc_test, bbc_test_y = _datasets.load("bbc", "test")
    ag, ag_y = _datasets.load("ag_news", "test")
    sample = list(read_articles(ROOT / "data" / "articles.jsonl"))
    return [
        {
            "name": "BBC News",
            "rules": RULES / "bbc.toml",
            "corpus": bbc_train,
            "corpus_y": bbc_train_y,
            "eval": bbc_test,
            "eval_y": bbc_test_y,
            "params": {},
            "target": 0.95,
        },
        {
            "name": "AG News (test split)",
            "rules": RULES / "ag_news.toml",
            "corpus": ag,
            "corpus_y": ag_y,
            "eval": ag,
            "eval_y": ag_y,
            "params": {},
            "target": 0.85,
        },
        {
            "name": "sample corpus (8 themes)",
            "rules": RULES / "sample_themes.toml",
            "corpus": [a.full_text for a in sample],
            "corpus_y": [list(a.labels) for a in sample],
            "eval": [a.full_text for a in sample],
            "eval_y": [list(a.labels) for a in sample],
            # THEMES.md: every article has 1 to 4 themes.
            "params": {"ensure_top_label": True},
            "target": 0.80,
        },
    ]


def score(exclusive: bool, themes: list[str], truth: list[list[str]], predicted: list[list[str]]) -> float:
    """Accuracy (one theme per article) or micro-F1 (several)."""
    if exclusive:
        return float(accuracy_score([t[0] for t in truth], [p[0] if p else "" for p in predicted]))
    index = {t: k for k, t in enumerate(themes)}

    def matrix(rows: list[list[str]]) -> np.ndarray:
        out = np.zeros((len(rows), len(themes)), dtype=int)
        for i, row in enumerate(rows):
            for label in row:
                if label in index:
                    out[i, index[label]] = 1
        return out

    return float(f1_score(matrix(truth), matrix(predicted), average="micro", zero_division=0))


def keyword_vote(ruleset, votes) -> list[list[str]]:
    """The weighted vote: the theme with most votes (ties: the first in the file), or every net-positive theme."""
    onehot = np.eye(len(ruleset.themes))[ruleset.theme_index] * ruleset.weights[:, None]
    scores = np.asarray((votes > 0).astype(float) @ onehot - (votes < 0).astype(float) @ onehot)
    voted = np.diff(votes.indptr) > 0
    if ruleset.exclusive:
        return [[ruleset.themes[k]] if v else [] for k, v in zip(scores.argmax(axis=1), voted)]
    return [[ruleset.themes[k] for k in np.flatnonzero(row > 0)] for row in scores]


def predict(classifier, texts: list[str]) -> list[list[str]]:
    return [list(labels) for labels in classifier.predict_labels(texts)]


def run(bench: dict) -> dict:
    ruleset = load_rules(bench["rules"])
    themes, exclusive = ruleset.themes, ruleset.exclusive
    corpus, eval_texts, eval_y = bench["corpus"], bench["eval"], bench["eval_y"]
    rows = []

    def add(method: str, predicted: list[list[str]], seconds: float, **extra) -> None:
        value = score(exclusive, themes, eval_y, predicted)
        rows.append({"method": method, "score": round(value, 4), "seconds": round(seconds, 1), **extra})
        print(f"  {method:55s} {value:.4f}  ({seconds:.1f} s)", flush=True)

    start = time.perf_counter()
    eval_votes = ruleset.votes(eval_texts)
    add("keyword vote (no training)", keyword_vote(ruleset, eval_votes), time.perf_counter() - start)
    covered = float((np.diff(eval_votes.indptr) > 0).mean())

    start = time.perf_counter()
    weak = label_themes(eval_votes, ruleset.theme_index, themes, exclusive=exclusive, weights=ruleset.weights)
    add("label model alone (no training)", weak.labels(), time.perf_counter() - start)

    start = time.perf_counter()
    corpus_votes = ruleset.votes(corpus)
    voted = keyword_vote(ruleset, corpus_votes)
    keep = [i for i, labels in enumerate(voted) if labels]
    classifier = ThemeClassifier(**bench["params"])
    if exclusive:
        classifier.fit([corpus[i] for i in keep], [voted[i][0] for i in keep])
    else:
        classifier.fit([corpus[i] for i in keep], [voted[i] for i in keep])
    add(
        "vote then train (keyword-vote labels -> ThemeClassifier)",
        predict(classifier, eval_texts),
        time.perf_counter() - start,
    )

    for rounds in ROUNDS:
        start = time.perf_counter()
        classifier = ThemeClassifier(**bench["params"])
        fitted = fit_from_rules(classifier, corpus, ruleset, self_training=rounds)
        label = f"rules -> label model -> train, {rounds} self-training round(s)"
        label += " (default)" if rounds == default_rounds(ruleset) else ""
        add(label, predict(classifier, eval_texts), time.perf_counter() - start, rounds_run=len(fitted.rounds))

    curve = []
    rng = np.random.default_rng(0)
    order = rng.permutation(len(corpus))
    transductive = corpus is eval_texts
    for n in CURVE:
        labelled = order[:n]
        if transductive:  # evaluate on the articles whose labels were not given
            rest = order[n:]
            texts_e, truth = [eval_texts[i] for i in rest], [eval_y[i] for i in rest]
        else:
            texts_e, truth = eval_texts, eval_y
        known = [bench["corpus_y"][i] for i in labelled]
        alone = ThemeClassifier(**bench["params"])
        start = time.perf_counter()
        try:
            alone.fit([corpus[i] for i in labelled], [k[0] for k in known] if exclusive else known)
            alone_score = score(exclusive, themes, truth, predict(alone, texts_e))
        except ValueError as error:  # a class with a single example among n
            alone_score, alone_note = None, str(error)
        alone_seconds = time.perf_counter() - start
        gold = [None] * len(corpus)
        for i, k in zip(labelled, known):
            gold[i] = k
        both = ThemeClassifier(**bench["params"])
        start = time.perf_counter()
        fit_from_rules(both, corpus, ruleset, gold=gold)
        both_score = score(exclusive, themes, truth, predict(both, texts_e))
        row = {
            "labelled": n,
            "labels alone": None if alone_score is None else round(alone_score, 4),
            "rules + labels": round(both_score, 4),
            "seconds": [round(alone_seconds, 1), round(time.perf_counter() - start, 1)],
        }
        if alone_score is None:
            row["note"] = alone_note
        curve.append(row)
        print(f"  {n} labels: alone {alone_score}, with rules {both_score:.4f}", flush=True)
    return {
        "name": bench["name"],
        "metric": "accuracy" if exclusive else "micro-F1",
        "target": bench["target"],
        "rules_file": str(bench["rules"].relative_to(ROOT)),
        "rules_sha256": hashlib.sha256(bench["rules"].read_bytes()).hexdigest(),
        "rules": len(ruleset.rules),
        "corpus": len(corpus),
        "evaluated": len(eval_texts),
        "covered": round(covered, 4),
        "label_model": weak.methods,
        "methods": rows,
        "learning_curve": curve,
    }


def markdown(results: list[dict]) -> str:
    lines = [
        "# Theme models from keyword rules (no labels)",
        "",
        "`TEXTKIT_DATASETS=/work/shared/datasets nice -n 10 python experiments/bench_rules.py` "
        f"(Python {platform.python_version()}, {platform.machine()}, one run). Rules: `experiments/rules/`, "
        "written from the label names before any run (sample corpus: names and data/THEMES.md), never tuned on errors.",
        "",
    ]
    for r in results:
        lines += [
            f"## {r['name']}",
            "",
            f"{r['rules']} rules (`{r['rules_file']}`), {r['corpus']} unlabelled articles to learn from, "
            f"{r['evaluated']} evaluated; rules vote on {r['covered']:.0%} of the evaluated articles; "
            f"metric: {r['metric']}, target {r['target']}.",
            "",
            f"| method | {r['metric']} | seconds |",
            "|---|---:|---:|",
        ]
        lines += [f"| {m['method']} | {m['score']:.4f} | {m['seconds']} |" for m in r["methods"]]
        lines += ["", "| labelled articles | labels alone | rules + labels |", "|---:|---:|---:|"]
        for c in r["learning_curve"]:
            alone = "-" if c["labels alone"] is None else f"{c['labels alone']:.4f}"
            lines.append(f"| {c['labelled']} | {alone} | {c['rules + labels']:.4f} |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    results = []
    for bench in corpora():
        print(bench["name"], flush=True)
        results.append(run(bench))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "rules.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    (RESULTS / "rules.md").write_text(markdown(results), encoding="utf-8")
    print(markdown(results))


if __name__ == "__main__":
    main()
