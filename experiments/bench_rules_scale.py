"""Speed of keyword rules on 100,000 articles: voting (tokenizing + matching) and the label model.

    TEXTKIT_DATASETS=/work/shared/datasets nice -n 10 python experiments/bench_rules_scale.py

The articles are the AG News test split and BBC News repeated to 100,000 texts (the same
texts repeat, so the token cache is warmer than on 100,000 distinct articles; the tokenizer,
which dominates, does the full work on every text). Compared with scikit-learn's
``CountVectorizer(vocabulary=...)`` over the same words, which is what one would write by hand
for single-word rules (it cannot do phrases, prefixes or stop-word-free phrase matching).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _datasets

from textkit.themes.label_model import label_themes
from textkit.themes.rules import load_rules

ROOT = Path(__file__).resolve().parents[1]
N = 100_000


def main() -> None:
    from sklearn.feature_extraction.text import CountVectorizer

    texts = _datasets.load("ag_news", "test")[0] + _datasets.load("bbc", "train")[0]
    texts = (texts * (N // len(texts) + 1))[:N]
    megabytes = sum(len(t) for t in texts) / 1e6
    rows = []
    for name in ("ag_news.toml", "sample_themes.toml"):
        rules = load_rules(ROOT / "experiments" / "rules" / name)
        start = time.perf_counter()
        votes = rules.votes(texts)
        vote_seconds = time.perf_counter() - start
        start = time.perf_counter()
        label_themes(votes, rules.theme_index, rules.themes, exclusive=rules.exclusive, weights=rules.weights)
        model_seconds = time.perf_counter() - start
        rows.append(
            {
                "rules": name,
                "n_rules": len(rules.rules),
                "vote_seconds": round(vote_seconds, 1),
                "articles_per_second": round(N / vote_seconds),
                "label_model_seconds": round(model_seconds, 2),
                "label_model": "one model, all themes" if rules.exclusive else "one binary model per theme",
                "nonzero_votes": int(votes.nnz),
            }
        )
        print(rows[-1], flush=True)
    words = sorted({r.text.rstrip("*").lower() for r in load_rules(ROOT / "experiments/rules/ag_news.toml").rules})
    start = time.perf_counter()
    CountVectorizer(vocabulary=[w for w in words if " " not in w], binary=True).transform(texts)
    baseline = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "articles": N,
        "megabytes": round(megabytes, 1),
        "rows": rows,
        "countvectorizer_seconds": round(baseline, 1),
        "peak_memory_mb": round(peak),
    }
    lines = [
        "# Keyword rules on 100,000 articles",
        "",
        f"`python experiments/bench_rules_scale.py`: {N:,} articles ({megabytes:.0f} MB, AG News test + BBC train repeated), one core.",
        "",
        "| rules | rules count | voting (s) | articles/s | label model (s) | label model |",
        "|---|---:|---:|---:|---:|---|",
    ]
    lines += [
        f"| {r['rules']} | {r['n_rules']} | {r['vote_seconds']} | {r['articles_per_second']:,} | {r['label_model_seconds']} | {r['label_model']} |"
        for r in rows
    ]
    lines += [
        "",
        f"scikit-learn `CountVectorizer(vocabulary=<the single words>, binary=True).transform`: {baseline:.1f} s "
        f"(single words only: no phrases, no prefixes). Peak memory of the whole run: {peak:.0f} MB.",
        "",
    ]
    out = ROOT / "experiments" / "results"
    (out / "rules_scale.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    (out / "rules_scale.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
