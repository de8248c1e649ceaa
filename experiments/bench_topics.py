"""LDA topic quality and cost on 20 Newsgroups: textkit next to gensim, scikit-learn and tomotopy.

Usage: python experiments/bench_topics.py [--topics 20] [--limit N] [--methods textkit,gensim,sklearn,tomotopy]

20 Newsgroups train split (11,314 posts, headers/footers/quotes removed as scikit-learn
does), K = 20. Each method runs in its own process, from the raw texts to the fitted
topics (its tokenization and vocabulary included), so wall time and peak memory
(``ru_maxrss`` of that process and its worker processes) are its own:

- textkit: ``TopicModel(20)``, exactly what a user runs: the library's defaults, coherence
  scoring (``c_v``, ``c_npmi``, ``u_mass`` on a sample) included in the time (its own
  tokenizer ``topic_tokenizer()``: no tokens under 3 characters, mixing letters and
  digits, or encoded/unpronounceable; a 10,000-word vocabulary; topics sampled by
  tomotopy's Gibbs sampler, 500 sweeps, on all 11,314 posts, fewer than its 20,000-article
  sample, so no online pass). Scored below on its most
  probable words, like the other methods; "relevance-ranked words" scores the words
  textkit shows by default (``top_words(rank="relevance")``) of the same fit.
  ``textkit-seed1``/``-seed2`` are the same with ``random_state`` 1 and 2, to show how much
  one fit's scores vary; ``textkit-auto`` is ``TopicModel()`` with no argument at all
  (``num_topics="auto"``, K = 5..30 step 5); ``textkit-unscored`` skips the coherence
  scoring (``measures=()``), only to show what scoring costs; ``textkit-nmf`` (and its
  ``-seed1``/``-seed2``) is online LDA from the NMF start (``init="nmf"``, 3 passes over
  the shuffled corpus), the default before the Gibbs start; ``textkit-random`` starts
  online LDA from gensim's random topics instead, with 5 passes, to show what a start brings;
- gensim tutorial: ``LdaModel`` with the settings of gensim's LDA tutorial
  (``filter_extremes(no_below=20, no_above=0.5)``, chunksize 2000, passes 20,
  iterations 400, alpha and eta ``auto``) on the plain tokenization;
- scikit-learn: ``LatentDirichletAllocation`` with its defaults (batch, 10 iterations,
  ``n_jobs=-1``) on ``CountVectorizer(min_df=5, max_df=0.5)`` of the plain tokens;
- tomotopy: ``LDAModel(k=20, min_df=5)``, 1,000 Gibbs iterations on all cores, on the
  plain tokens (skipped if tomotopy is not installed).

"Plain tokenization" is ``textkit.text.tokenize.Tokenizer()``: lowercase words, English
stop words, no numbers, no phrases. Scoring is the same for all: gensim
``CoherenceModel`` ``c_v`` and ``c_npmi`` of each topic's top 10 words, with the plain
tokenization of the same corpus as reference (``processes=1``), and topic diversity
(distinct share of the top 25 words). Writes experiments/results/topics.md and .json
(every topic's top words in the json, for reading them by eye).
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

from _datasets import load

RESULTS = Path(__file__).resolve().parent / "results"
METHODS = (
    "textkit",
    "textkit-seed1",
    "textkit-seed2",
    "textkit-auto",
    "textkit-unscored",
    "textkit-nmf",
    "textkit-nmf-seed1",
    "textkit-nmf-seed2",
    "textkit-random",
    "gensim",
    "sklearn",
    "tomotopy",
)
LABELS = {
    "textkit": "textkit TopicModel (defaults)",
    "textkit-seed1": "textkit TopicModel (defaults, random_state=1)",
    "textkit-seed2": "textkit TopicModel (defaults, random_state=2)",
    "textkit-auto": "textkit TopicModel() (all defaults: K chosen by coherence)",
    "textkit-unscored": "textkit TopicModel(measures=()) (no coherence scoring: its cost)",
    "textkit-relevance": "textkit TopicModel (defaults), relevance-ranked words as shown",
    "textkit-nmf": "textkit, online LDA from the NMF start (init='nmf', the default before Gibbs)",
    "textkit-nmf-seed1": "textkit, NMF start, random_state=1",
    "textkit-nmf-seed2": "textkit, NMF start, random_state=2",
    "textkit-random": "textkit, random start (init='random', passes=5)",
    "textkit-random-seed1": "textkit, random start, random_state=1",
    "textkit-random-seed2": "textkit, random start, random_state=2",
    "gensim": "gensim LdaModel, tutorial settings",
    "sklearn": "scikit-learn LatentDirichletAllocation",
    "tomotopy": "tomotopy LDAModel (Gibbs, 1000 iter.)",
}


def fit_textkit(texts: list[str], k: int, random_state: int = 0) -> dict:
    from textkit.topics.model import TopicModel

    model = TopicModel(k, random_state=random_state).fit(texts)
    return _textkit_result(model)


def fit_textkit_auto(texts: list[str], k: int) -> dict:
    from textkit.topics.model import TopicModel

    return _textkit_result(TopicModel().fit(texts))


def fit_textkit_unscored(texts: list[str], k: int) -> dict:
    from textkit.topics.model import TopicModel

    return _textkit_result(TopicModel(k, measures=()).fit(texts))


def fit_textkit_nmf(texts: list[str], k: int, random_state: int = 0) -> dict:
    from textkit.topics.model import TopicModel

    return _textkit_result(TopicModel(k, init="nmf", random_state=random_state).fit(texts))


def fit_textkit_random(texts: list[str], k: int, random_state: int = 0) -> dict:
    from textkit.topics.model import TopicModel

    model = TopicModel(k, init="random", passes=5, random_state=random_state).fit(texts)
    return _textkit_result(model)


def _textkit_result(model) -> dict:
    return {
        "topics": model.top_word_lists(25, rank="probability"),
        "relevance_topics": model.top_word_lists(25, rank="relevance"),
        "k": model.num_topics_,
        "in_fit_scores": model.scores_,
    }


def fit_gensim(texts: list[str], k: int) -> list[list[str]]:
    from gensim.corpora import Dictionary
    from gensim.models import LdaModel

    from textkit.text.tokenize import Tokenizer

    docs = [Tokenizer().tokenize(t) for t in texts]
    dictionary = Dictionary(docs)
    dictionary.filter_extremes(no_below=20, no_above=0.5)
    corpus = [dictionary.doc2bow(d) for d in docs]
    model = LdaModel(
        corpus=corpus,
        id2word=dictionary,
        num_topics=k,
        chunksize=2000,
        passes=20,
        iterations=400,
        alpha="auto",
        eta="auto",
        eval_every=None,
        random_state=0,
    )
    return [[w for w, _ in model.show_topic(t, topn=25)] for t in range(k)]


def fit_sklearn(texts: list[str], k: int) -> list[list[str]]:
    import numpy as np
    from sklearn.decomposition import LatentDirichletAllocation
    from sklearn.feature_extraction.text import CountVectorizer

    from textkit.text.tokenize import Tokenizer

    vectorizer = CountVectorizer(tokenizer=Tokenizer(), lowercase=False, token_pattern=None, min_df=5, max_df=0.5)
    counts = vectorizer.fit_transform(texts)
    model = LatentDirichletAllocation(n_components=k, n_jobs=-1, random_state=0).fit(counts)
    words = vectorizer.get_feature_names_out()
    return [[str(words[i]) for i in np.argsort(-row)[:25]] for row in model.components_]


def fit_tomotopy(texts: list[str], k: int) -> list[list[str]]:
    import os

    import tomotopy

    from textkit.text.tokenize import Tokenizer

    model = tomotopy.LDAModel(k=k, min_df=5, seed=0)
    for tokens in map(Tokenizer().tokenize, texts):
        if tokens:
            model.add_doc(tokens)
    model.train(1000, workers=os.cpu_count() or 1)
    return [[w for w, _ in model.get_topic_words(t, top_n=25)] for t in range(k)]


def run_one(method: str, k: int, limit: int | None) -> dict:
    """Fit one method in this process and return its top words, time and peak memory."""
    texts = load("20ng-stripped", "train")[0][:limit]
    started = time.perf_counter()
    name, _, seed = method.partition("-seed")
    fitted = globals()[f"fit_{name.replace('-', '_')}"](texts, k, *([int(seed)] if seed else []))
    seconds = time.perf_counter() - started
    peak_kb = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    )
    extra = fitted if isinstance(fitted, dict) else {"topics": fitted, "k": k}
    return {"method": method, "seconds": seconds, "peak_mb": peak_kb / 1024, **extra}


def score(results: list[dict], texts: list[str]) -> None:
    """c_v and c_npmi of each result's top 10 words over the plain tokenization of ``texts``, and diversity."""
    from gensim.corpora import Dictionary

    from textkit.text.tokenize import Tokenizer
    from textkit.topics.quality import coherence_scores, topic_diversity

    reference = [Tokenizer().tokenize(t) for t in texts]
    dictionary = Dictionary(reference)
    scores = coherence_scores(
        [r["topics"] for r in results], reference, dictionary, measures=("c_v", "c_npmi"), topn=10
    )
    for result, s in zip(results, scores):
        result.update(s, diversity=topic_diversity(result["topics"], 25))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topics", type=int, default=20)
    parser.add_argument("--limit", type=int, default=None, help="Use only the first N posts (quick runs).")
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: fit one method, print JSON
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.topics, args.limit)))
        return

    results = []
    for method in args.methods.split(","):
        if method == "tomotopy":
            try:
                import tomotopy  # noqa: F401
            except ImportError:
                print("tomotopy is not installed: skipped (pip install tomotopy)")
                continue
        command = [sys.executable, __file__, "--one", method, "--topics", str(args.topics)]
        if args.limit:
            command += ["--limit", str(args.limit)]
        print(f"fitting {method} ...", flush=True)
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        result = json.loads(output.strip().splitlines()[-1])
        results.append(result)
        if method == "textkit":  # the words textkit shows, from the same fit
            results.append({**result, "method": "textkit-relevance", "topics": result["relevance_topics"]})
    score(results, load("20ng-stripped", "train")[0][: args.limit])

    header = "| method | K | fit time (s) | peak memory (MB) | c_v | c_npmi | diversity |\n|---|---:|---:|---:|---:|---:|---:|"
    rows = [
        f"| {LABELS[r['method']]} | {r['k']} | {r['seconds']:.1f} | {r['peak_mb']:.0f} | {r['c_v']:.3f} | {r['c_npmi']:.3f} | {r['diversity']:.3f} |"
        for r in results
    ]
    documents = args.limit or 11314
    command = "python experiments/bench_topics.py" + (f" --limit {args.limit}" if args.limit else "")
    text = "\n".join(
        [
            f"# LDA topics on 20 Newsgroups (train, {documents} posts, headers/footers/quotes removed), K = {args.topics}",
            "",
            f"Command: `{command}`; machine: {platform.machine()}, {__import__('os').cpu_count()} cores (shared), "
            f"Python {platform.python_version()}.",
            "Fit time: raw texts to topics, tokenization included; for textkit, with its default coherence scoring "
            "included (what `TopicModel(20).fit(texts)` costs; the relevance row is the same fit). Coherence: gensim CoherenceModel, top 10 words, "
            "the plain tokenization of the same corpus as reference; diversity: distinct share of the top 25 words.",
            "The reference is the same for every method: `Tokenizer()` (lowercase, English + news stop words and "
            "contractions, no numbers, tokens of 2+ characters); textkit's own topic tokenizer keeps a subset of its "
            "words, so each of its topic words is in the reference.",
            "The 20 Newsgroups file is sorted by newsgroup: the online learners (textkit, gensim) see it in that order. "
            "textkit shuffles its corpus file before training; the gensim tutorial pipeline trains in file order.",
            "",
            header,
            *rows,
            "",
            "Top words (first 8) of each method's topics:",
            "",
            *[
                f"- **{LABELS[r['method']]}**: " + " · ".join(" ".join(t[:8]) for t in r["topics"][:5]) + " · …"
                for r in results
            ],
            "",
        ]
    )
    print(text)
    RESULTS.mkdir(exist_ok=True)
    suffix = "" if not args.limit else "-quick"
    (RESULTS / f"topics{suffix}.md").write_text(text, encoding="utf-8")
    (RESULTS / f"topics{suffix}.json").write_text(
        json.dumps({"documents": documents, "topics": args.topics, "command": command, "results": results}, indent=1),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
