"""Which words should stand for a topic: probability, relevance or FREX, measured on two corpora.

Usage: python experiments/bench_topic_words.py [--seeds 0,1,2]

For BBC News (all 2,225 articles, K = 5, its five sections) and 20 Newsgroups train
(headers/footers/quotes removed, K = 20), one textkit ``TopicModel`` per seed (its
defaults otherwise); each topic's top 10 words under each ranking of
``TopicModel.top_words`` are scored:

- coherence (``c_v``, ``c_npmi``) against a tokenization independent of textkit's:
  scikit-learn's ``CountVectorizer()`` default analyzer (lowercase, ``\\b\\w\\w+\\b``, no
  stop-word list) over the same texts; a topic word that analyzer splits (``e-mail``)
  is skipped and the next one taken;
- the share of top words that are among the corpus's 100 most frequent words (counted
  in the model's vocabulary, i.e. after stop words): words common everywhere.

Writes experiments/results/topic_words.md and .json.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from _datasets import load

RESULTS = Path(__file__).resolve().parent / "results"
CORPORA = {"bbc": ("bbc", "all", 5), "20ng": ("20ng-stripped", "train", 20)}
RANKS = ("probability", "relevance", "frex")


def main() -> None:
    import numpy as np
    from gensim.corpora import Dictionary
    from sklearn.feature_extraction.text import CountVectorizer

    from textkit.topics.model import TopicModel
    from textkit.topics.quality import coherence_scores

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0,1,2")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    rows = []
    for corpus, (name, split, k) in CORPORA.items():
        texts = load(name, split)[0]
        analyzer = CountVectorizer().build_analyzer()
        reference = [analyzer(t) for t in texts]
        dictionary = Dictionary(reference)
        for seed in seeds:
            started = time.perf_counter()
            model = TopicModel(k, random_state=seed, measures=()).fit(texts)
            seconds = time.perf_counter() - started
            cfs = model.dictionary_.cfs
            frequent = {model.dictionary_[i] for i in sorted(cfs, key=lambda i: -cfs[i])[:100]}
            sets, common, examples = [], {}, {}
            for rank in RANKS:
                lists = model.top_word_lists(40, rank=rank)
                topics = [[w for w in words if w in dictionary.token2id][:10] for words in lists]
                sets.append(topics)
                common[rank] = float(np.mean([w in frequent for t in lists for w in t[:10]]))
                examples[rank] = [" ".join(t[:8]) for t in lists[:6]]
            scores = coherence_scores(sets, reference, dictionary, measures=("c_v", "c_npmi"), topn=10)
            for rank, score in zip(RANKS, scores):
                rows.append(
                    {
                        "corpus": corpus,
                        "k": k,
                        "seed": seed,
                        "rank": rank,
                        **score,
                        "common_share": common[rank],
                        "fit_seconds": seconds,
                        "examples": examples[rank],
                    }
                )
                print(json.dumps(rows[-1])[:300], flush=True)
    lines = [
        "# Top words of a topic: probability, relevance (lambda 0.6) or FREX (weight 0.5)",
        "",
        f"Command: `python experiments/bench_topic_words.py --seeds {args.seeds}`. textkit `TopicModel(K)` defaults; "
        "top 10 words per topic. Coherence against scikit-learn's `CountVectorizer()` default analyzer over the same "
        "texts (independent of textkit's tokenizer); common = share of top words among the corpus's 100 most "
        "frequent vocabulary words. Mean over seeds (min–max).",
        "",
        "| corpus | ranking | c_v | c_npmi | common words |",
        "|---|---|---:|---:|---:|",
    ]
    for corpus in CORPORA:
        for rank in RANKS:
            group = [r for r in rows if r["corpus"] == corpus and r["rank"] == rank]
            cells = []
            for key in ("c_v", "c_npmi", "common_share"):
                values = [r[key] for r in group]
                cells.append(f"{np.mean(values):.3f} ({min(values):.3f}–{max(values):.3f})")
            lines.append(f"| {corpus} (K={group[0]['k']}) | {rank} | " + " | ".join(cells) + " |")
    lines += ["", "First topics of seed 0:", ""]
    for r in rows:
        if r["seed"] == seeds[0]:
            lines.append(f"- {r['corpus']} {r['rank']}: " + " · ".join(r["examples"]))
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "topic_words.md").write_text(text, encoding="utf-8")
    (RESULTS / "topic_words.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
