"""Per-topic c_v of the topics in results/topics.json (written by bench_topics.py), on its scorer.

Usage: python experiments/topics_per_topic.py [--methods textkit,tomotopy]

Rescores each method's saved top-10 word lists (for textkit also the relevance-ranked words it
shows) one topic at a time (gensim ``c_v``, the plain
``Tokenizer()`` reference of bench_topics.py) and reports each method's mean with and without
its encoded-junk topics: a topic whose words are mostly letter-digit codes (``ax max g9v b8f``,
uuencoded or base64 text). Such words co-occur only with each other, so those topics score a
high c_v while saying nothing; textkit's topic tokenizer drops them. Writes
experiments/results/topics_per_topic.md and .json.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from _datasets import load

RESULTS = Path(__file__).resolve().parent / "results"
CODE = re.compile(r"^(?=.*\d)(?=.*[a-z])[a-z\d]+$|^[a-z]{1,2}$")


def junk(words: list[str]) -> bool:
    """Mostly letter-digit codes or one- and two-letter fragments: encoded text, not a subject."""
    return sum(bool(CODE.match(w)) for w in words) > len(words) / 2


def main() -> None:
    from gensim.corpora import Dictionary
    from gensim.models import CoherenceModel

    from textkit.text.tokenize import Tokenizer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--methods",
        default="textkit,textkit-seed1,textkit-seed2,textkit-nmf,textkit-nmf-seed1,textkit-nmf-seed2,tomotopy",
    )
    args = parser.parse_args()
    saved = json.loads((RESULTS / "topics.json").read_text(encoding="utf-8"))
    reference = [Tokenizer().tokenize(t) for t in load("20ng-stripped", "train")[0]]
    dictionary = Dictionary(reference)
    rows = []
    # Each method's most probable words; for textkit also the relevance-ranked words it shows.
    lists = [
        (f"{result['method']}{label}", result[key])
        for result in saved["results"]
        if result["method"] in args.methods.split(",")
        for key, label in (("topics", ""), ("relevance_topics", ", relevance-ranked words as shown"))
        if key in result
    ]
    for method, words_lists in lists:
        topics = [words[:10] for words in words_lists]
        model = CoherenceModel(
            topics=topics, texts=reference, dictionary=dictionary, coherence="c_v", topn=10, processes=1
        )
        scores = [float(s) for s in model.get_coherence_per_topic()]
        kept = [s for s, words in zip(scores, topics) if not junk(words)]
        rows.append(
            {
                "method": method,
                "c_v": sum(scores) / len(scores),
                "junk_topics": [[" ".join(w[:4]), s] for s, w in zip(scores, topics) if junk(w)],
                "c_v_without_junk": sum(kept) / len(kept),
                "per_topic": scores,
            }
        )
        print(rows[-1]["method"], round(rows[-1]["c_v"], 3), round(rows[-1]["c_v_without_junk"], 3), flush=True)
    lines = [
        "# Per-topic c_v of bench_topics.py's topics, with and without encoded-junk topics",
        "",
        "Command: `python experiments/topics_per_topic.py` (rescores `topics.json`; same scorer as `topics.md`). "
        "A junk topic: more than half of its 10 words are letter-digit codes or 1-2-letter fragments.",
        "",
        "| method | c_v, all topics | junk topics (c_v) | c_v without them |",
        "|---|---:|---|---:|",
    ]
    for row in rows:
        junk_cells = ", ".join(f"`{words}` ({score:.3f})" for words, score in row["junk_topics"])
        lines.append(f"| {row['method']} | {row['c_v']:.3f} | {junk_cells or 'none'} | {row['c_v_without_junk']:.3f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    (RESULTS / "topics_per_topic.md").write_text(text, encoding="utf-8")
    (RESULTS / "topics_per_topic.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
