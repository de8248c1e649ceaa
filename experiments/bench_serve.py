"""``textkit serve`` with 100,000 articles: page latencies, and answering while a retrain runs.

The corpus is every text of the shared datasets (Reuters, 20 Newsgroups, BBC News, AG News)
repeated with new ids up to 100,000 articles, written to a JSONL file and streamed into
the index (nothing holds all texts in memory). A theme model (BBC News train) and a
10-topic model (5,000 of the texts) are fitted first. The server is the real application on
uvicorn, on a loopback port, queried over HTTP with httpx.

Measured: building the index; the label page (next article by uncertainty, with suggestions
and highlighted words) right after an answer; recording an answer (fsynced); search;
the overview page; and the same answer/next loop while the model retrains on 1,000
answers in the background. Side by side, what a user would run without the index: one
pass over the JSONL file for a word, and for the articles per month.

    nice -n 10 python experiments/bench_serve.py            # --articles 100000

Writes experiments/results/serve.{md,json}. With ``--rules experiments/rules/bbc.toml`` the
theme model is trained from those keyword rules on BBC News train (its labels unused), the
index also stores the rules' disagreement, the label page is measured in the rule
disagreement order too, and the tables go to experiments/results/serve_rules.{md,json}.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _datasets

RESULTS = Path(__file__).resolve().parent / "results"
QUERIES = ["oil prices", "election", "football match", "space shuttle", "bank interest rates"]


def write_corpus(path: Path, target: int) -> dict[str, int]:
    """``target`` articles cycling through every shared text, with new ids, a source and a date."""
    rng = random.Random(0)
    counts: dict[str, int] = {}
    written = 0
    with path.open("w", encoding="utf-8") as out:
        while written < target:
            for folder in ("reuters21578", "20newsgroups", "bbc_news", "ag_news"):
                for split in ("train", "test"):
                    file = _datasets.DATASETS / folder / f"{split}.jsonl.gz"
                    if not file.is_file():
                        continue
                    with gzip.open(file, "rt", encoding="utf-8") as handle:
                        for line in handle:
                            if written >= target:
                                return counts
                            record = json.loads(line)
                            month = rng.randint(0, 59)
                            out.write(
                                json.dumps(
                                    {
                                        "id": f"a{written}",
                                        "text": record["text"],
                                        "labels": record.get("labels", []) if folder == "bbc_news" else [],
                                        "source": folder,
                                        "date": f"{2020 + month // 12}-{month % 12 + 1:02d}-{rng.randint(1, 28):02d}",
                                    }
                                )
                                + "\n"
                            )
                            counts[folder] = counts.get(folder, 0) + 1
                            written += 1
    return counts


def save_models(folder: Path, data: Path, articles: int, rules: str | None = None) -> None:
    """The theme model (BBC News train; from keyword ``rules`` on its texts, if given) and the
    10-topic model (5,000 of the texts), unless saved before."""
    from textkit.reading.articles import Article, read_articles
    from textkit.store import ModelStore
    from textkit.themes.classify import ThemeClassifier
    from textkit.topics.model import TopicModel
    from textkit.workflows.themes import train_model

    store = ModelStore(folder / "models")
    if not (folder / "models" / "topics").is_dir():
        texts, labels = _datasets.load("bbc", "train")
        if rules:
            unlabelled = [Article(id=str(i), text=t) for i, t in enumerate(texts)]
            train_model(unlabelled, "themes", models_dir=folder / "models", rules=rules)
        else:
            store.save(ThemeClassifier().fit(texts, labels), "themes")
        sample = [a for i, a in enumerate(read_articles(data)) if i % (articles // 5000 or 1) == 0][:5000]
        store.save(TopicModel(num_topics=10, workers=1, measures=()).fit(sample), "topics")


def timed(client, method: str, url: str, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    response = getattr(client, method)(url, **kwargs)
    elapsed = (time.perf_counter() - start) * 1000
    if response.status_code >= 400:
        raise SystemExit(f"{method} {url}: {response.status_code} {response.text[:300]}")
    return elapsed, response


def stats(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "n": len(values),
        "median_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 1),
        "max_ms": round(ordered[-1], 1),
    }


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--answers", type=int, default=1000, help="answers the background retrain learns from")
    parser.add_argument("--workdir", help="keep the corpus, models and index here and reuse them [default: temporary]")
    parser.add_argument("--rules", help="train the theme model from these keyword rules (textkit train --rules)")
    args = parser.parse_args()
    import warnings

    warnings.simplefilter("ignore", UserWarning)
    import httpx
    import uvicorn

    from textkit.reading.articles import read_articles
    from textkit.web.app import create_app
    from textkit.web.server import ServeOptions, _listen, make_state

    out: dict[str, object] = {"articles": args.articles}
    with tempfile.TemporaryDirectory() as temporary:
        folder_path = Path(args.workdir or temporary)
        folder_path.mkdir(parents=True, exist_ok=True)
        data = folder_path / "corpus.jsonl"
        if not data.is_file():
            out["sources"] = write_corpus(data, args.articles)
        out["corpus_mb"] = round(data.stat().st_size / 2**20, 1)

        save_models(folder_path, data, args.articles, args.rules)

        # 1,000 answers with BBC gold labels, as an annotator would have written them.
        answers_path = folder_path / "answers.jsonl"
        bbc = [a for a in read_articles(data) if a.source == "bbc_news"][: args.answers]
        with answers_path.open("w", encoding="utf-8") as handle:
            for a in bbc:
                handle.write(json.dumps({**a.to_dict(), "annotator": "gold", "time": "", "mode": "random"}) + "\n")

        options = ServeOptions(
            data=str(data),
            model="themes",
            topics="topics",
            labels=str(answers_path),
            retrain_every=0,
            index=str(folder_path / "index.sqlite"),
            models_dir=str(folder_path / "models"),
        )
        t = time.perf_counter()
        built = not (folder_path / "index.sqlite").is_file()
        state = make_state(options, print)
        build_note = folder_path / "index_build_seconds.txt"  # a reused index keeps its build time
        if built:
            build_note.write_text(f"{time.perf_counter() - t:.1f}")
        out["index_build_s"] = float(build_note.read_text()) if build_note.is_file() else None
        out["index_mb"] = round((folder_path / "index.sqlite").stat().st_size / 2**20, 1)
        out["server_rss_mb_after_build"] = round(rss_mb(), 0)
        print(f"index built in {out['index_build_s']} s ({out['index_mb']} MB)", flush=True)

        sock = _listen("127.0.0.1", 0)
        port = sock.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(create_app(state), log_level="warning", lifespan="off"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{port}"
        client = httpx.Client(base_url=base, follow_redirects=False, timeout=60)
        while True:
            try:
                client.get("/static/style.css")
                break
            except httpx.TransportError:
                time.sleep(0.1)
        page = client.get("/label").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        client.post("/name", data={"name": "bench", "csrf": csrf})

        def answer_loop(count: int, mode: str = "uncertainty") -> tuple[list[float], list[float]]:
            posts, gets = [], []
            for _ in range(count):
                ms, response = timed(client, "get", f"/label?mode={mode}")
                gets.append(ms)
                n = re.search(r'name="n" value="(\d+)"', response.text).group(1)
                ticked = re.findall(r'name="theme" value="([^"]+)" checked', response.text) or ["business"]
                form = {"n": n, "action": "accept", "theme": ticked, "mode": mode, "csrf": csrf}
                ms, _ = timed(client, "post", "/label", data=form)
                posts.append(ms)
            return posts, gets

        out["load_average_at_start"] = [round(v, 1) for v in os.getloadavg()]
        # The first overview computes the aggregates (the index never changes: later ones reuse them).
        out["overview_first"] = round(timed(client, "get", "/overview")[0], 1)
        answer_loop(5)  # warm-up: first-use imports and caches
        posts, gets = answer_loop(100)
        out["next_article_uncertainty"] = stats(gets)
        out["answer_post_fsync"] = stats(posts)
        _, gets = answer_loop(50, "random")
        out["next_article_random"] = stats(gets)
        if args.rules:
            out["rules"] = args.rules
            out["rule_disagreements"] = len(state.labeller.disagreement_order)
            _, gets = answer_loop(50, "disagreement")
            out["next_article_disagreement"] = stats(gets)

        search = [timed(client, "get", f"/search?q={q}")[0] for q in QUERIES for _ in range(5)]
        out["search_words"] = stats(search)
        filtered = [
            timed(client, "get", f"/search?q={q}&theme=business&source=reuters21578&from=2021-01-01&to=2023-12-31")[0]
            for q in QUERIES
            for _ in range(5)
        ]
        out["search_words_and_filters"] = stats(filtered)
        out["search_theme_only"] = stats([timed(client, "get", "/search?theme=sport")[0] for _ in range(10)])
        out["overview"] = stats([timed(client, "get", "/overview")[0] for _ in range(10)])
        out["overview_one_source"] = stats([timed(client, "get", "/overview?source=bbc_news")[0] for _ in range(10)])
        out["topic_page"] = stats([timed(client, "get", f"/topics/{k}")[0] for k in range(10)])
        out["article_page"] = stats(
            [timed(client, "get", f"/article/{n}")[0] for n in range(1, args.articles + 1, max(1, args.articles // 20))]
        )

        # Without the index: one pass over the JSONL per question.
        t = time.perf_counter()
        hits = sum(1 for line in data.open(encoding="utf-8") if "oil prices" in json.loads(line)["text"].lower())
        out["baseline_scan_search_ms"] = round((time.perf_counter() - t) * 1000, 0)
        t = time.perf_counter()
        months: dict[str, int] = {}
        for line in data.open(encoding="utf-8"):
            month = json.loads(line)["date"][:7]
            months[month] = months.get(month, 0) + 1
        out["baseline_scan_per_month_ms"] = round((time.perf_counter() - t) * 1000, 0)
        out["baseline_scan_hits"] = hits

        # A retrain on the answers (1,000 + those above) in the background, while answering goes on.
        labeller = state.labeller
        trained_on = len(labeller.log.training_set()[0])
        t = time.perf_counter()
        assert labeller.maybe_retrain(force=True)
        posts, gets = [], []
        while labeller.state.training:
            p, g = answer_loop(1)
            posts += p
            gets += g
        retrain_s = time.perf_counter() - t
        out["retrain"] = {
            "answers": trained_on,
            "seconds": round(retrain_s, 1),
            "worker_seconds": labeller.state.seconds,
            "cv_f1": labeller.state.f1,
            "answered_during": len(posts),
            "next_article_during": stats(gets),
            "answer_post_during": stats(posts),
        }
        labeller.close()
        server.should_exit = True
        thread.join(timeout=10)
    out["load_average_at_end"] = [round(v, 1) for v in os.getloadavg()]
    out["machine"] = f"{platform.machine()}, {os.cpu_count()} cores (shared), Python {platform.python_version()}"
    stem = "serve_rules" if args.rules else "serve"
    (RESULTS / f"{stem}.json").write_text(json.dumps(out, indent=2) + "\n")
    write_markdown(out, stem)


def write_markdown(out: dict, stem: str) -> None:
    def row(name: str, key: str, goal: str) -> str:
        s = out[key]
        return f"| {name} | {s['median_ms']} | {s['p95_ms']} | {s['max_ms']} | {goal} |"

    r = out["retrain"]
    command = "nice -n 10 python experiments/bench_serve.py" + (f" --rules {out['rules']}" if "rules" in out else "")
    rules = disagreement = ""
    if "rules" in out:
        rules = (
            f"\nTheme model trained from the keyword rules {out['rules']} on BBC News train; the rules disagree\n"
            f"(with each other or with the model) on {out['rule_disagreements']:,} of the articles.\n"
        )
        disagreement = "\n" + row(
            "label page: next article by rule disagreement", "next_article_disagreement", "< 100 ms"
        )
    text = f"""# textkit serve with {out["articles"]:,} articles

`{command}` on {out["machine"]}; load average (1, 5, 15 min)
{out["load_average_at_start"]} when the requests started and {out["load_average_at_end"]} at the end: other jobs
shared the two cores. Corpus: the shared datasets' texts repeated with new ids ({out["corpus_mb"]} MB of JSONL),
streamed into the index: {out["index_build_s"]} s to build (theme predictions, topic mixtures, full-text index),
{out["index_mb"]} MB on disk; the server process held {out["server_rss_mb_after_build"]:.0f} MB afterwards.
Real uvicorn server on a loopback port, httpx client in the same process.

The first overview request computes the counts ({out["overview_first"]:.0f} ms); the index never changes, so
later requests reuse them.
{rules}
| request | median ms | p95 ms | max ms | goal |
|---|---:|---:|---:|---|
{row("label page: next article by uncertainty (suggestions, highlighted words)", "next_article_uncertainty", "< 100 ms")}
{row("label page: next article at random", "next_article_random", "< 100 ms")}{disagreement}
{row("answer (appended, fsynced)", "answer_post_fsync", "")}
{row("search: words", "search_words", "< 300 ms")}
{row("search: words + theme + source + dates", "search_words_and_filters", "< 300 ms")}
{row("search: one theme", "search_theme_only", "< 300 ms")}
{row("overview (5 charts)", "overview", "< 1 s")}
{row("overview, one source", "overview_one_source", "< 1 s")}
{row("topic page (representative articles)", "topic_page", "")}
{row("article page", "article_page", "")}

Without the index (one pass over the JSONL, what a script would do): a word search
{out["baseline_scan_search_ms"]:.0f} ms, articles per month {out["baseline_scan_per_month_ms"]:.0f} ms.

Background retrain on {r["answers"]:,} answers (fit, 3-fold cross-validated F1, scoring 2,000 unanswered
articles; in a worker process): {r["seconds"]} s. Meanwhile {r["answered_during"]} answers were given:
next article median {r["next_article_during"]["median_ms"]} ms (p95 {r["next_article_during"]["p95_ms"]} ms),
answer median {r["answer_post_during"]["median_ms"]} ms (p95 {r["answer_post_during"]["p95_ms"]} ms).
"""
    (RESULTS / f"{stem}.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
