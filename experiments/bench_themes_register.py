"""The default theme model on text written in the register of real agency pages (issue 11, part 1).

Usage::

    python experiments/bench_themes_register.py

Trains the default ``ThemeClassifier()`` on three versions of the sample corpus and
evaluates each, in one run:

- ``old``: the 320 articles as they were, with their labels before the guideline was
  tightened (``LABEL_FIXES`` undone);
- ``old, relabelled``: the same 320 articles with the 12 labels fixed;
- ``extended``: the 455 articles of ``data/articles.jsonl`` (the 320 plus 135 written in
  the register of real pages).

Evaluations:

- ``held-out``: ``data/heldout_real_register.jsonl``, 60 original articles written in
  that register and labelled by ``data/THEMES.md``; never trained or tuned on. Micro and
  macro F1, and per-label precision, recall and support.
- ``hard``: ``data/heldout_real_register_hard.jsonl``, 30 more held-out articles written
  after the first results were seen, aimed at what ``THEMES.md`` calls hard (interviews
  and party speeches at home, cables, ministers with no foreign party, joint drills,
  terrorism named indirectly); written and labelled before any model saw them.
- ``seeds``: the ten real published articles of the two seed pages in ``../shared/seeds``
  (read in place with the dump segmenter, never copied; labelled here by ``THEMES.md``,
  before any model was run on them). Ten articles: a coarse check on real text only.
- ``written CV``: 5-fold cross-validation over the 320 old articles (current labels):
  each fold is predicted by a model trained on the other four folds (plus, for
  ``extended``, all 135 new articles). This is the written register the model was
  built on; it must not lose more than 0.01.

Two modelling ideas are prototyped here only (``ThemeClassifier`` is not changed), both
on the ``extended`` training set: ``headline x2`` (the headline repeated once more in
training and prediction texts) and ``doc + lead`` (the labels of the whole text,
plus those the model gives to the headline and first paragraph alone, since real leads
name several themes in one sentence).

Writes ``experiments/results/themes_register.md`` and ``.json``.
"""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from textkit.reading.articles import Article, read_articles
from textkit.themes.classify import ThemeClassifier

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "experiments" / "results"
FOLDS = 5
# The labels of the old corpus that the tightened guideline changed (id -> label removed).
LABEL_FIXES = {
    "s4-001": "diplomacy",  # a cable of condolence, nothing beyond it
    "s4-057": "diplomacy",  # a cable
    "s5-014": "diplomacy",  # a ministry statement of sympathy
    "s5-042": "diplomacy",  # a cable
    "s3-030": "diplomacy",  # joint naval drill: military-to-military
    "s5-067": "diplomacy",  # joint naval drill
    "s4-043": "diplomacy",  # joint naval drill
    "s2-059": "diplomacy",  # foreign military delegation attends a drill
    "s4-055": "diplomacy",  # a fair with foreign pavilions
    "s4-027": "diplomacy",  # an exhibition with foreign companies
    "s4-061": "diplomacy",  # relief report, one line on contacts with UN agencies
    "s5-072": "terrorism",  # power plant report; the terrorists are background
}
# The seed pages' articles in page order, labelled by THEMES.md (labels only; the text
# stays in ../shared/seeds).
SEED_LABELS = {
    "000": [
        ["diplomacy", "terrorism", "sovereignty"],  # envoy: coordination before talks, terrorism, all the territory
        ["diplomacy", "condolences", "humanitarian"],  # foreign minister received; condolences over floods
        ["diplomacy", "sovereignty", "terrorism"],  # security adviser received; independent decision, division
        ["diplomacy", "sovereignty"],  # foreign minister received; interference in his country's affairs
        ["diplomacy", "military", "terrorism", "sovereignty"],  # defence minister received; joint fight
    ],
    "001": [
        ["diplomacy", "terrorism"],  # foreign minister received; joint victories over terrorism
        ["terrorism", "military", "sovereignty"],  # party meeting at home: liberation of the last areas
        ["diplomacy", "condolences", "military"],  # presidents' phone call; soldiers; air defence
        ["condolences", "terrorism"],  # cable only
        ["condolences", "military", "sovereignty"],  # cable only; plane downed in a missile attack on the country
    ],
}
NEW_PREFIX = "r"  # ids of the articles written in the real register: r1-001 ...

Texts = list[str]
Labels = list[list[str]]


def text_of(article: Article, headline_weight: int = 1) -> str:
    return "\n\n".join([article.headline] * headline_weight + [article.text])


def lead_of(article: Article) -> str:
    return f"{article.headline}\n\n{article.text.split(chr(10) + chr(10))[0]}"


def load() -> tuple[list[Article], list[Article], list[Article], list[Article]]:
    corpus = list(read_articles(ROOT / "data" / "articles.jsonl"))
    old = [a for a in corpus if not a.id.startswith(NEW_PREFIX)]
    new = [a for a in corpus if a.id.startswith(NEW_PREFIX)]
    heldout = list(read_articles(ROOT / "data" / "heldout_real_register.jsonl"))
    hard = list(read_articles(ROOT / "data" / "heldout_real_register_hard.jsonl"))
    assert len(old) == 320 and set(LABEL_FIXES) <= {a.id for a in old}
    return old, new, heldout, hard


def load_seeds() -> list[Article]:
    """The seed pages' articles, segmented from ../shared/seeds in place; [] where absent."""
    from textkit.reading.segment import segment_dump

    folders = [p / "shared" / "seeds" for p in ROOT.parents if (p / "shared" / "seeds").is_dir()]
    if not folders:
        return []
    articles = []
    for page, labels in SEED_LABELS.items():
        [path] = folders[0].glob(f"{page}_*.txt")
        found = segment_dump(path.read_text(encoding="utf-8")).articles
        assert len(found) == len(labels), path
        for i, (segment, wanted) in enumerate(zip(found, labels), start=1):
            articles.append(
                Article(id=f"seed-{page}-{i}", text=segment.text, headline=segment.headline, labels=tuple(wanted))
            )
    return articles


def original_labels(article: Article) -> list[str]:
    labels = list(article.labels)
    if article.id in LABEL_FIXES:
        labels.append(LABEL_FIXES[article.id])
    return labels


Predictor = Callable[[Sequence[Article]], list[set[str]]]


def train(articles: Sequence[Article], labels: Labels, headline_weight: int = 1, with_lead: bool = False) -> Predictor:
    model = ThemeClassifier().fit([text_of(a, headline_weight) for a in articles], labels)
    classes = list(model.classes_)

    def predict(batch: Sequence[Article]) -> list[set[str]]:
        chosen = model.predict([text_of(a, headline_weight) for a in batch]).astype(bool)
        if with_lead:
            chosen |= model.predict([lead_of(a) for a in batch]).astype(bool)
        return [{c for c, on in zip(classes, row) if on} for row in chosen]

    return predict


def scores(truth: Labels, predicted: list[set[str]], classes: list[str]) -> dict[str, Any]:
    per_label = {}
    tp_all = fp_all = fn_all = 0
    for c in classes:
        tp = sum(c in p and c in t for t, p in zip(truth, predicted))
        fp = sum(c in p and c not in t for t, p in zip(truth, predicted))
        fn = sum(c not in p and c in t for t, p in zip(truth, predicted))
        tp_all, fp_all, fn_all = tp_all + tp, fp_all + fp, fn_all + fn
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_label[c] = {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn, "tp": tp, "fp": fp}
    micro_p = tp_all / (tp_all + fp_all) if tp_all + fp_all else 0.0
    micro_r = tp_all / (tp_all + fn_all) if tp_all + fn_all else 0.0
    micro = 2 * micro_p * micro_r / (micro_p + micro_r) if micro_p + micro_r else 0.0
    return {
        "micro_f1": micro,
        "micro_precision": micro_p,
        "micro_recall": micro_r,
        "macro_f1": float(np.mean([s["f1"] for s in per_label.values()])),
        "exact_match": float(np.mean([set(t) == p for t, p in zip(truth, predicted)])),
        "per_label": per_label,
    }


def bootstrap_gain(truth: Labels, base: list[set[str]], other: list[set[str]], n: int = 2000) -> list[float]:
    """95% interval of micro-F1(other) - micro-F1(base), resampling articles (paired bootstrap)."""

    def counts(predicted: list[set[str]]) -> np.ndarray:  # per article: true positives, predicted, true
        return np.array([[len(p & set(t)), len(p), len(t)] for t, p in zip(truth, predicted)], dtype=float)

    a, b = counts(base), counts(other)
    rng = np.random.default_rng(0)
    gains = []
    for _ in range(n):
        sample = rng.integers(0, len(truth), len(truth))
        sa, sb = a[sample].sum(axis=0), b[sample].sum(axis=0)
        gains.append(2 * sb[0] / (sb[1] + sb[2]) - 2 * sa[0] / (sa[1] + sa[2]))
    low, high = np.percentile(gains, [2.5, 97.5])
    return [round(float(low), 3), round(float(high), 3)]


def cross_validate(old: list[Article], old_labels: Labels, extra: list[Article], **options: Any) -> dict[str, Any]:
    """Each of FOLDS folds of the old corpus predicted by a model trained without it (plus ``extra``)."""
    order = np.random.default_rng(0).permutation(len(old))
    predicted: list[set[str]] = [set() for _ in old]
    for fold in range(FOLDS):
        test = set(order[fold::FOLDS].tolist())
        train_idx = [i for i in range(len(old)) if i not in test]
        articles = [old[i] for i in train_idx] + extra
        labels = [old_labels[i] for i in train_idx] + [list(a.labels) for a in extra]
        predict = train(articles, labels, **options)
        test_idx = sorted(test)
        for i, p in zip(test_idx, predict([old[i] for i in test_idx])):
            predicted[i] = p
    classes = sorted({c for a in old for c in a.labels})
    return scores([list(a.labels) for a in old], predicted, classes)


def main() -> None:
    started = time.perf_counter()
    old, new, heldout, hard = load()
    seeds = load_seeds()
    classes = sorted({c for a in old for c in a.labels})
    truth = [list(a.labels) for a in heldout]
    current = [list(a.labels) for a in old]
    setups: dict[str, tuple[list[Article], Labels, list[Article], dict[str, Any]]] = {
        # name: (training articles, their labels, extra articles for CV, options)
        "old": (old, [original_labels(a) for a in old], [], {}),
        "old, relabelled": (old, current, [], {}),
        "extended": (old + new, current + [list(a.labels) for a in new], new, {}),
        "extended + headline x2 (prototype)": (
            old + new,
            current + [list(a.labels) for a in new],
            new,
            {"headline_weight": 2},
        ),
        "extended + doc + lead (prototype)": (
            old + new,
            current + [list(a.labels) for a in new],
            new,
            {"with_lead": True},
        ),
    }
    rows: dict[str, dict[str, Any]] = {}
    heldout_predictions: dict[str, list[set[str]]] = {}
    for name, (articles, labels, extra, options) in setups.items():
        predict = train(articles, labels, **options)
        cv_labels = [original_labels(a) for a in old] if name == "old" else current
        seed_predictions = predict(seeds) if seeds else []
        heldout_predictions[name] = predict(heldout)
        rows[name] = {
            "train_articles": len(articles),
            "heldout": scores(truth, heldout_predictions[name], classes),
            "heldout_gain_over_old_95ci": bootstrap_gain(truth, heldout_predictions["old"], heldout_predictions[name]),
            "hard": scores([list(a.labels) for a in hard], predict(hard), classes),
            "seeds": scores([list(a.labels) for a in seeds], seed_predictions, classes) if seeds else None,
            "seed_predictions": {a.id: sorted(p) for a, p in zip(seeds, seed_predictions)},
            "written_cv": cross_validate(old, cv_labels, extra, **options),
        }
        print(
            f"{name:38s} held-out micro-F1 {rows[name]['heldout']['micro_f1']:.3f}"
            f"  hard micro-F1 {rows[name]['hard']['micro_f1']:.3f}"
            f"  written CV micro-F1 {rows[name]['written_cv']['micro_f1']:.3f}"
            + (f"  seeds micro-F1 {rows[name]['seeds']['micro_f1']:.3f}" if seeds else ""),
            flush=True,
        )
    report = {
        "description": __doc__.split("\n\n")[0],
        "heldout_articles": len(heldout),
        "hard_articles": len(hard),
        "seed_articles": len(seeds),
        "seed_labels": {a.id: list(a.labels) for a in seeds},
        "old_articles": len(old),
        "new_articles": len(new),
        "folds": FOLDS,
        "label_fixes": LABEL_FIXES,
        "rows": rows,
        "python": platform.python_version(),
        "seconds": round(time.perf_counter() - started, 1),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "themes_register.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (RESULTS / "themes_register.md").write_text(markdown(report, classes), encoding="utf-8")


def markdown(report: dict[str, Any], classes: list[str]) -> str:
    rows = report["rows"]
    lines = [
        "# Default theme model on the register of real agency pages",
        "",
        f"`python experiments/bench_themes_register.py` ({report['seconds']} s). Default `ThemeClassifier()`; "
        f"held-out: {report['heldout_articles']} original articles in the real register "
        "(`data/heldout_real_register.jsonl`, never trained or tuned on); hard: "
        f"{report['hard_articles']} more held-out articles aimed at the hard cases of THEMES.md "
        "(`data/heldout_real_register_hard.jsonl`, written after the first results, before any model saw them); "
        "seeds: the real articles of `../shared/seeds`, read in place, labelled in this script; written CV: "
        f"{report['folds']}-fold CV over the {report['old_articles']} old sample articles "
        "(current labels; the `old` row against its own, original labels). "
        "Prototype rows change only this script, not `ThemeClassifier`.",
        "",
        "| training set | articles | held-out micro-F1 | gain over `old`, 95% CI | held-out macro-F1 "
        "| held-out exact match | hard micro-F1 "
        f"| seeds micro-F1 ({report['seed_articles']} real) | written CV micro-F1 | written CV macro-F1 |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, row in rows.items():
        h, cv = row["heldout"], row["written_cv"]
        seeds = f"{row['seeds']['micro_f1']:.3f}" if row["seeds"] else "n/a"
        lines.append(
            f"| {name} | {row['train_articles']} | {h['micro_f1']:.3f} "
            f"| {row['heldout_gain_over_old_95ci'][0]:+.3f} .. {row['heldout_gain_over_old_95ci'][1]:+.3f} "
            f"| {h['macro_f1']:.3f} "
            f"| {h['exact_match']:.3f} | {row['hard']['micro_f1']:.3f} | {seeds} | {cv['micro_f1']:.3f} | {cv['macro_f1']:.3f} |"
        )
    for where, title in [("heldout", "Held-out set"), ("hard", "Hard held-out set"), ("written_cv", "Written CV")]:
        lines += [
            "",
            f"## {title}: per-label precision / recall (support)",
            "",
            "| label | support | " + " | ".join(rows) + " |",
            "|---|---|" + "---|" * len(rows),
        ]
        for c in classes:
            support = next(iter(rows.values()))[where]["per_label"][c]["support"]
            cells = [
                f"{r[where]['per_label'][c]['precision']:.2f} / {r[where]['per_label'][c]['recall']:.2f}"
                for r in rows.values()
            ]
            lines.append(f"| {c} | {support} | " + " | ".join(cells) + " |")
    if report["seed_articles"]:
        lines += ["", "## Seeds: labels by THEMES.md and each model's labels", ""]
        lines.append("| article | labels | " + " | ".join(rows) + " |")
        lines.append("|---|---|" + "---|" * len(rows))
        for article_id, wanted in report["seed_labels"].items():
            cells = [", ".join(r["seed_predictions"][article_id]) for r in rows.values()]
            lines.append(f"| {article_id} | {', '.join(sorted(wanted))} | " + " | ".join(cells) + " |")
    lines += ["", "Labels changed in the old corpus (id: label removed): "]
    lines.append(", ".join(f"{k}: {v}" for k, v in report["label_fixes"].items()) + ".")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
