"""Near-duplicate stories: planted copies of real news texts found by ``textkit dedup``.

The public news corpora (Reuters-21578, BBC News, AG News test) give the originals.
Originals that already repeat one another (word-bigram Jaccard >= 0.2, computed
exactly with a sparse matrix product) are left out, so the only duplicates are the
planted ones. A third of the originals get 1 to 4 copies, each edited as outlets and
scrapers do: a new byline line at the top, a new headline, with probability 1/2 the
last paragraphs (or sentences) cut to 70-100% of the text, with probability 1/3 two
paragraphs swapped, and 1-20% of the words replaced by other words of the corpus.
Every article gets a date in one month; a copy is dated 0-3 days after its original.

Measured in one run, on the same corpus:

- textkit (``find_stories`` at the default threshold): precision and recall of the
  duplicate pairs (every pair in one planted family is a true pair; every pair in one
  found story is a found pair), articles per second, index bytes per article;
- exact hashing of the normalised text (what a user does first);
- datasketch used directly as its README shows (128 permutations, SHA-1 per shingle
  string, ``query`` then ``insert``), with the same shingles and threshold;
- a sweep of threshold and shingle size (how the defaults were chosen);
- exact and near duplicates already in the public datasets.

Run: ``nice -n 10 python experiments/bench_dedup.py [--originals N]``.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import platform
import random
import re
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _datasets import DATASETS

from textkit.analysis.dedup import (
    DEFAULT_MIN_SHARED,
    DEFAULT_NUM_PERM,
    DEFAULT_SHINGLE_SIZE,
    DEFAULT_THRESHOLD,
    StoryIndex,
    _shingles,
    find_stories,
    shingle_hashes,
)
from textkit.reading.articles import Article

STRICT = 0.5  # a stricter threshold, for formulaic feeds
NEAR_REPEAT = 0.2  # word-bigram Jaccard from which two originals already repeat one another
RESULTS = Path(__file__).resolve().parent / "results"
NEWS = {"reuters": ["reuters21578/train", "reuters21578/test"], "bbc": ["bbc_news/all"], "ag_news": ["ag_news/test"]}
FIRST_NAMES = ["Anna", "Omar", "Li", "Maria", "James", "Fatima", "Pierre", "Olga", "Kofi", "Sara"]
LAST_NAMES = ["Khalil", "Smith", "Wang", "Rossi", "Haddad", "Novak", "Mensah", "Garcia", "Ivanova", "Dubois"]
OUTLETS = ["Daily Wire Service", "The Morning Post", "City Herald", "Evening Courier", "Global Desk"]


def read_news() -> dict[str, list[str]]:
    texts: dict[str, list[str]] = {}
    for name, files in NEWS.items():
        texts[name] = []
        for file in files:
            with gzip.open(DATASETS / f"{file}.jsonl.gz", "rt", encoding="utf-8") as handle:
                texts[name].extend(json.loads(line)["text"] for line in handle)
    return texts


def normalised(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def exact_jaccard_pairs(texts: list[str], threshold: float, shingle_size: int) -> set[tuple[int, int]]:
    """Every pair whose shingle sets have Jaccard >= threshold, exactly (sparse products, no sampling)."""
    from scipy import sparse

    rows, cols = [], []
    for i, text in enumerate(texts):
        hashes = shingle_hashes(text, shingle_size)
        rows.extend([i] * len(hashes))
        cols.extend(hashes.tolist())
    _, columns = np.unique(np.array(cols, dtype=np.uint64), return_inverse=True)
    matrix = sparse.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (np.array(rows), columns)), shape=(len(texts), columns.max() + 1)
    )
    sizes = np.asarray(matrix.sum(axis=1)).ravel()
    pairs: set[tuple[int, int]] = set()
    for start in range(0, len(texts), 2000):
        block = (matrix[start : start + 2000] @ matrix.T).tocoo()
        i, j, inter = block.row + start, block.col, block.data
        keep = i < j
        i, j, inter = i[keep], j[keep], inter[keep]
        jaccard = inter / (sizes[i] + sizes[j] - inter)
        pairs.update(zip(i[jaccard >= threshold].tolist(), j[jaccard >= threshold].tolist()))
    return pairs


def units(text: str) -> tuple[list[str], str]:
    """Paragraphs, or sentences when the text is one paragraph; and the joiner."""
    paragraphs = [p for p in re.split(r"\n\s*\n|\n(?=\s)", text) if p.strip()]
    if len(paragraphs) >= 3:
        return paragraphs, "\n\n"
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()], " "


def edit(text: str, vocabulary: list[str], rng: random.Random) -> str:
    """A republished copy: byline, maybe cut, maybe paragraphs swapped, 1-20% of words changed."""
    if rng.random() < 0.5:  # cut where a scraper or an editor stops: 70-100% of the words kept
        words = text.split(" ")
        text = " ".join(words[: max(1, round(len(words) * rng.uniform(0.7, 1.0)))])
    parts, joiner = units(text)
    if rng.random() < 1 / 3 and len(parts) > 2:
        a, b = rng.sample(range(len(parts)), 2)
        parts[a], parts[b] = parts[b], parts[a]
    words = joiner.join(parts).split(" ")
    rate = rng.uniform(0.01, 0.20)
    for i in rng.sample(range(len(words)), round(len(words) * rate)):
        words[i] = rng.choice(vocabulary)
    byline = f"By {rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}, {rng.choice(OUTLETS)}"
    return byline + "\n\n" + " ".join(words)


def build_corpus(originals: int, seed: int = 0) -> tuple[list[Article], list[int], dict]:
    """Articles (originals and copies, shuffled) and the family (original number) of each."""
    rng = random.Random(seed)
    news = read_news()
    pool = [t for texts in news.values() for t in texts if len(t.split()) >= 40]
    rng.shuffle(pool)
    # Drop exact repeats, then originals that near-repeat another original (word-bigram Jaccard >= NEAR_REPEAT).
    seen: set[str] = set()
    unique = []
    for text in pool:
        key = normalised(text)
        if key not in seen:
            seen.add(key)
            unique.append(text)
    candidates = unique[: int(originals * 1.15)]
    linked = {i for pair in exact_jaccard_pairs(candidates, NEAR_REPEAT, 2) for i in pair}
    chosen = [t for i, t in enumerate(candidates) if i not in linked][:originals]
    # Sorted: a set's order changes with each process's string hashing, and with it the corpus.
    vocabulary = sorted({w for t in chosen[:2000] for w in t.split() if w.isalpha()})
    start = date(2024, 3, 1)
    articles, families = [], []
    for family, text in enumerate(chosen):
        day = start + timedelta(days=rng.randrange(28))
        first, _, body = text.partition("\n")
        articles.append(Article(id=f"o{family}", text=text, headline=first[:80], date=day.isoformat()))
        families.append(family)
        if rng.random() < 1 / 3:
            for copy in range(rng.randint(1, 4)):
                copied = day + timedelta(days=rng.randrange(4))
                articles.append(
                    Article(
                        id=f"o{family}c{copy}",
                        text=edit(text, vocabulary, rng),
                        headline=f"Report: {body[:60]}",
                        date=copied.isoformat(),
                    )
                )
                families.append(family)
    order = list(range(len(articles)))
    rng.shuffle(order)
    info = {"originals": len(chosen), "left_out_as_near_repeats": len(linked), "articles": len(articles)}
    return [articles[i] for i in order], [families[i] for i in order], info


def true_pairs(families: list[int]) -> set[tuple[int, int]]:
    members: dict[int, list[int]] = {}
    for position, family in enumerate(families):
        members.setdefault(family, []).append(position)
    return {(a, b) for group in members.values() for n, a in enumerate(group) for b in group[n + 1 :]}


def pairs_of(groups: list[int]) -> set[tuple[int, int]]:
    return true_pairs(groups)


def scores(found: set[tuple[int, int]], truth: set[tuple[int, int]]) -> dict[str, float]:
    hits = len(found & truth)
    return {
        "precision": round(hits / len(found), 4) if found else 1.0,
        "recall": round(hits / len(truth), 4) if truth else 1.0,
        "found_pairs": len(found),
    }


# CPU seconds of this process: on a machine shared with other jobs, wall-clock time
# measures the neighbours' load as much as the method; both are reported.
def clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def since(start: tuple[float, float]) -> tuple[float, float]:
    return time.perf_counter() - start[0], time.process_time() - start[1]


def run_textkit(articles: list[Article], **params: object) -> tuple[list[int], tuple[float, float]]:
    started = clock()
    stories = find_stories(articles, **params)
    return list(stories.story), since(started)


def run_textkit_tokenizer(articles: list[Article]) -> tuple[list[int], tuple[float, float]]:
    """Shingles of textkit's Tokenizer tokens (stop words out, stemmed) instead of the plain words."""
    from textkit.text.tokenize import Tokenizer

    started = clock()
    tokenize = Tokenizer().tokenize
    tokenized = (Article(id=a.id, text=" ".join(tokenize(a.text)), date=a.date) for a in articles)
    stories = find_stories(tokenized)
    return list(stories.story), since(started)


def run_exact(articles: list[Article]) -> tuple[list[int], tuple[float, float]]:
    started = clock()
    groups: dict[str, int] = {}
    story = [groups.setdefault(hashlib.sha1(normalised(a.text).encode()).hexdigest(), len(groups)) for a in articles]
    return story, since(started)


def run_datasketch(
    articles: list[Article], threshold: float, shingle_size: int
) -> tuple[list[int], tuple[float, float]]:
    """datasketch as its README shows: MinHash(num_perm=128) fed shingle strings, query then insert."""
    from datasketch import MinHash, MinHashLSH

    started = clock()
    lsh = MinHashLSH(threshold=threshold, num_perm=128)
    story: list[int] = []
    for position, article in enumerate(articles):
        words = re.findall(r"\w+", article.text.lower())
        minhash = MinHash(num_perm=128)
        for i in range(max(1, len(words) - shingle_size + 1)):
            minhash.update(" ".join(words[i : i + shingle_size]).encode("utf-8"))
        matches = lsh.query(minhash)
        story.append(story[min(matches)] if matches else position)  # joins the earliest match's story
        lsh.insert(position, minhash)
    return story, since(started)


def index_memory(articles: list[Article], which: str) -> int:
    """Bytes the index held at its peak once all articles are in (tracemalloc; not timed)."""
    from datasketch import MinHash, MinHashLSH

    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    if which == "textkit":
        held: object = StoryIndex()
        for article in articles:
            held.add(article)  # type: ignore[attr-defined]
        held.stories()  # type: ignore[attr-defined]  # the bands are keyed here: its peak counts
    else:
        held = lsh = MinHashLSH(threshold=DEFAULT_THRESHOLD, num_perm=128)
        for position, article in enumerate(articles):
            words = re.findall(r"\w+", article.text.lower())
            minhash = MinHash(num_perm=128)
            minhash.update_batch(
                [
                    " ".join(words[i : i + DEFAULT_SHINGLE_SIZE]).encode()
                    for i in range(max(1, len(words) - DEFAULT_SHINGLE_SIZE + 1))
                ]
            )
            lsh.insert(position, minhash)
    used = tracemalloc.get_traced_memory()[1] - before  # the peak
    tracemalloc.stop()
    del held
    return used


def phase_timings(articles: list[Article]) -> list[dict]:
    """CPU microseconds per article of each step: textkit's, and datasketch's batch APIs doing the same.

    datasketch gets the same shingle hashes (``hashfunc=int``), ``MinHash.generator``
    and ``MinHashLSH.insertion_session``: what textkit used before its own numpy
    signatures and banding (which give the same signatures and buckets).
    """
    from datasketch import MinHash, MinHashLSH

    def per_article(step: Callable[[], object]) -> float:
        started = time.process_time()
        step()
        return round((time.process_time() - started) / len(articles) * 1e6, 1)

    index = StoryIndex()
    hashed: list = []
    shingling = per_article(lambda: hashed.extend(_shingles(a.text, DEFAULT_SHINGLE_SIZE) for a in articles))
    shingles = [h for h in hashed if len(h)]
    counting = per_article(lambda: [len(set(h.tolist())) for h in shingles])
    textkit_minhash = per_article(lambda: [index._signature(h) for h in shingles])
    minhashes: list = []
    datasketch_minhash = per_article(
        lambda: minhashes.extend(
            MinHash.generator((h.tolist() for h in shingles), num_perm=DEFAULT_NUM_PERM, hashfunc=int)
        )
    )

    def insert() -> None:
        lsh = MinHashLSH(threshold=DEFAULT_THRESHOLD, num_perm=DEFAULT_NUM_PERM)
        with lsh.insertion_session() as session:
            for position, minhash in enumerate(minhashes):
                session.insert(position, minhash, check_duplication=False)

    datasketch_lsh = per_article(insert)
    for article in articles:
        index.add(article)
    signatures = np.frombuffer(index._signatures, dtype=np.uint32).reshape(-1, DEFAULT_NUM_PERM)
    textkit_bands = per_article(lambda: list(index._buckets(signatures)))
    joining = per_article(index.stories)
    return [
        {"step": "shingles (regex words, CRC-32 per word, numpy combine)", "textkit_us": shingling},
        {"step": "distinct shingles (for min_shared)", "textkit_us": counting},
        {"step": "MinHash signature", "textkit_us": textkit_minhash, "datasketch_us": datasketch_minhash},
        {"step": "LSH bands", "textkit_us": textkit_bands, "datasketch_us": datasketch_lsh},
        {"step": "stories(): bands, verification, joining", "textkit_us": joining},
    ]


def public_duplicates() -> list[dict]:
    """Exact (normalised text) and near duplicates (default threshold) in each public dataset."""
    rows = []
    for folder, split in [
        ("reuters21578", "train"),
        ("reuters21578", "test"),
        ("20newsgroups", "train"),
        ("20newsgroups", "test"),
        ("bbc_news", "all"),
        ("ag_news", "test"),
    ]:
        with gzip.open(DATASETS / folder / f"{split}.jsonl.gz", "rt", encoding="utf-8") as handle:
            records = [json.loads(line) for line in handle]
        texts = [r["text"] for r in records]
        keys: dict[str, list[str]] = {}
        for record in records:
            keys.setdefault(normalised(record["text"]), []).append(record["id"])
        exact_groups = [ids for ids in keys.values() if len(ids) > 1]
        articles = [Article(id=str(i), text=t) for i, t in enumerate(texts)]
        stories = find_stories(articles)
        strict = find_stories(articles, threshold=STRICT)
        rows.append(
            {
                "dataset": f"{folder}/{split}",
                "documents": len(texts),
                "exact_duplicate_documents": sum(len(g) - 1 for g in exact_groups),
                "exact_duplicate_groups": len(exact_groups),
                "examples": [g[:3] for g in exact_groups[:3]],
                "near_duplicate_stories": stories.count,
                "near_duplicate_documents": stories.articles - stories.count,
                "largest_story": max(stories.sizes),
                f"near_duplicate_documents_at_{STRICT}": strict.articles - strict.count,
                "short_texts_in_near_duplicates": sum(
                    len(texts[i].split()) < 40 for i in range(len(texts)) if stories.sizes[stories.story[i] - 1] > 1
                ),
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--originals", type=int, default=6000)
    parser.add_argument("--no-public", action="store_true", help="Skip the public datasets' duplicates.")
    parser.add_argument("--public-only", action="store_true", help="Only redo the public datasets' duplicates.")
    args = parser.parse_args()
    if args.public_only:
        saved = json.loads((RESULTS / "dedup.json").read_text())
        write_results(saved["corpus"], saved["methods"], saved["phases"], saved["sweep"], public_duplicates())
        return

    articles, families, info = build_corpus(args.originals)
    truth = true_pairs(families)
    info["true_pairs"] = len(truth)
    print(json.dumps(info))

    methods: list[tuple[str, list[int], tuple[float, float], int | None]] = []
    story, seconds = run_textkit(articles)
    methods.append(("textkit find_stories (defaults)", story, seconds, index_memory(articles, "textkit")))
    story, seconds = run_textkit_tokenizer(articles)
    methods.append(("textkit, shingles of Tokenizer tokens", story, seconds, None))
    story, seconds = run_exact(articles)
    methods.append(("exact hashing of the normalised text", story, seconds, None))
    story, seconds = run_datasketch(articles, DEFAULT_THRESHOLD, DEFAULT_SHINGLE_SIZE)
    methods.append(("datasketch directly (README usage)", story, seconds, index_memory(articles, "datasketch")))
    rows = []
    for name, story, seconds, memory in methods:
        row = {
            "method": name,
            **scores(pairs_of(story), truth),
            "articles_per_s": round(len(articles) / seconds[0]),
            "articles_per_cpu_s": round(len(articles) / seconds[1]),
            "index_bytes_per_article": round(memory / len(articles)) if memory else None,
        }
        rows.append(row)
        print(json.dumps(row))

    phases = phase_timings(articles)
    for row in phases:
        print(json.dumps(row))

    sweep = []
    for shingle_size in (2, 3):
        for threshold in (0.15, 0.2, 0.25, 0.3, 0.4):
            story, seconds = run_textkit(articles, threshold=threshold, shingle_size=shingle_size)
            row = {"shingle_size": shingle_size, "threshold": threshold, **scores(pairs_of(story), truth)}
            sweep.append(row)
            print(json.dumps(row))

    public = [] if args.no_public else public_duplicates()
    for row in public:
        print(json.dumps(row))
    write_results(info, rows, phases, sweep, public)


def write_results(info: dict, rows: list[dict], phases: list[dict], sweep: list[dict], public: list[dict]) -> None:
    RESULTS.mkdir(exist_ok=True)
    payload = {
        "corpus": info,
        "defaults": {
            "threshold": DEFAULT_THRESHOLD,
            "shingle_size": DEFAULT_SHINGLE_SIZE,
            "num_perm": DEFAULT_NUM_PERM,
            "min_shared": DEFAULT_MIN_SHARED,
        },
        "methods": rows,
        "phases": phases,
        "sweep": sweep,
        "public_datasets": public,
        "machine": {
            "python": platform.python_version(),
            "processor": platform.machine(),
            "cpus": os.cpu_count(),
            "load_average_1_5_15_min": [round(x, 2) for x in os.getloadavg()],
        },
    }
    (RESULTS / "dedup.json").write_text(json.dumps(payload, indent=2) + "\n")
    lines = [
        "# Near-duplicate stories",
        "",
        f"Planted corpus: {info['originals']} originals from Reuters-21578, BBC News and AG News (test) "
        f"({info['left_out_as_near_repeats']} candidates left out as near repeats of another), "
        f"{info['articles']} articles, {info['true_pairs']} true duplicate pairs. "
        "Copies: new byline and headline, half cut to 70-100%, a third with two paragraphs swapped, "
        "1-20% of words replaced. Produced by `nice -n 10 python experiments/bench_dedup.py` "
        "(2 shared cores).",
        "",
        f"Defaults: threshold {DEFAULT_THRESHOLD}, {DEFAULT_SHINGLE_SIZE}-word shingles, "
        f"{DEFAULT_NUM_PERM} permutations, at least {DEFAULT_MIN_SHARED} shared shingles. "
        "Throughput: articles per CPU-second of this process (the primary figure: less sensitive to the "
        "neighbours' load), and wall-clock articles/s on "
        f"{os.cpu_count()} cores shared with other jobs (load average "
        f"{', '.join(str(round(x, 1)) for x in os.getloadavg())} at the end of the run). Index bytes: "
        "tracemalloc's peak while the articles are added and their stories found.",
        "",
        "| method | precision | recall | found pairs | articles/s (wall) | articles/CPU-s | index bytes/article |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        memory = row["index_bytes_per_article"] or "-"
        lines.append(
            f"| {row['method']} | {row['precision']:.3f} | {row['recall']:.3f} | {row['found_pairs']} "
            f"| {row['articles_per_s']:,} | {row['articles_per_cpu_s']:,} | {memory} |"
        )
    lines += [
        "",
        "CPU microseconds per article of each step (the same shingle hashes given to datasketch's "
        "`MinHash.generator` and `MinHashLSH.insertion_session`, which textkit used before):",
        "",
        "| step | textkit µs/article | datasketch µs/article |",
        "|---|---:|---:|",
    ]
    lines += [f"| {r['step']} | {r['textkit_us']} | {r.get('datasketch_us', '-')} |" for r in phases]
    lines += ["", "Threshold and shingle size (textkit):", "", "| shingle | threshold | precision | recall |"]
    lines.append("|---:|---:|---:|---:|")
    lines += [f"| {r['shingle_size']} | {r['threshold']} | {r['precision']:.3f} | {r['recall']:.3f} |" for r in sweep]
    if public:
        lines += [
            "",
            "Duplicates already in the public datasets (exact: same lower-cased words; near: one story at the "
            "default threshold):",
            "",
            f"| dataset | documents | exact duplicates | exact groups | near-duplicate documents "
            f"(of them under 40 words) | largest story | near-duplicates at {STRICT} | exact examples |",
            "|---|---:|---:|---:|---:|---:|---:|---|",
        ]
        for r in public:
            examples = "; ".join(", ".join(g) for g in r["examples"])
            lines.append(
                f"| {r['dataset']} | {r['documents']} | {r['exact_duplicate_documents']} "
                f"| {r['exact_duplicate_groups']} | {r['near_duplicate_documents']} "
                f"({r['short_texts_in_near_duplicates']}) | {r['largest_story']} "
                f"| {r[f'near_duplicate_documents_at_{STRICT}']} | {examples} |"
            )
    (RESULTS / "dedup.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
