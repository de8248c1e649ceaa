"""The ``textkit serve`` Compare page on 100,000 articles, side by side with ``textkit compare``.

The corpus, models and index are those of ``bench_serve.py`` (the shared datasets' texts
repeated with new ids up to 100,000 articles; 4 sources, 60 months; a BBC News theme
model and a 10-topic model); give both scripts the same ``--workdir`` to build them once.

Measured, in the server process (the application called through Starlette's test client):
the page's first request for a comparison (the index's rows read in one query, then the
bootstrap: what the page costs), split into the two parts; the same request again (kept);
the JSON download. Side by side: ``textkit compare`` on the JSONL file for the same
comparison (what a user runs without the page; it predicts every article again), whose JSON
must equal the page's; the bootstrap as the library ran it before the page (scipy resampling
the articles x themes matrix itself) on the same rows; and, for topic shares, the same
comparison with the shares resampled as before they were counted resample by resample
(scipy's bootstrap with a statistic counting a whole batch at once), whose intervals must be
the same.

The warm-up at start (a fresh server state, :func:`textkit.web.app.warm_comparisons`): when
each default view is ready; the default page asked for at once (it waits for the computation
under way) and the topics view right after; search and article pages while the warm-up runs,
side by side with the same pages once it is done.

    nice -n 10 python experiments/bench_compare_web.py --workdir /tmp/textkit-serve-bench

Writes experiments/results/compare_web.{md,json}.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_serve import QUERIES, RESULTS, save_models, write_corpus

CASES = [  # (model, by, extra query)
    ("themes", "source", ""),
    ("themes", "month", ""),
    ("topics", "source", ""),
    ("topics", "month", ""),
    ("themes", "month", "&source=bbc_news&from=2021-01-01&to=2022-12-31"),
]
SEEDS = (1, 2, 3)  # a new seed is a new comparison: each first request computes it
ARTICLES = (1, 20_001, 40_001, 60_001, 80_001)


def previous_resampled_means(matrix: Any, resamples: int, rng: Any) -> Any:
    """Topic shares resampled as the library did before: scipy's bootstrap over the row numbers, its
    statistic counting a whole batch of resamples in one ``batch x n`` tally. ``columns x resamples``."""
    import numpy as np
    from scipy.stats import bootstrap

    n = matrix.shape[0]

    def statistic(drawn: Any, axis: int = -1) -> Any:
        drawn = np.atleast_2d(drawn)
        offsets = np.arange(drawn.shape[0])[:, None] * n
        tally = np.bincount((drawn + offsets).ravel(), minlength=drawn.size).reshape(drawn.shape)
        return (tally.astype(float) @ matrix).T / n

    result = bootstrap(
        (np.arange(n),),
        statistic,
        vectorized=True,
        n_resamples=resamples,
        batch=max(1, 4_000_000 // n),
        method="percentile",
        rng=rng,
    )
    return result.bootstrap_distribution


def measure_warm_up(state: Any, ms: Any) -> dict[str, Any]:
    """The default views computed in the background from a fresh state, and the pages asked for meanwhile."""
    from textkit.web.app import warm_comparisons

    ready: dict[str, float] = {}
    start = time.perf_counter()
    thread = warm_comparisons(state)

    def watch() -> None:
        while True:
            alive = thread.is_alive()
            with state.comparisons_lock:
                kept = [options for options, _ in state.comparisons]
            for options in kept:
                ready.setdefault(f"{options.kind} by {options.by}", round(time.perf_counter() - start, 2))
            if not alive:
                return
            time.sleep(0.02)

    watcher = threading.Thread(target=watch)
    watcher.start()
    out: dict[str, Any] = {"default_page_ms": round(ms("/compare")[0], 0)}  # themes by source: under way
    out["topics_page_ms"] = round(ms("/compare?model=topics")[0], 0)
    busy = [ms(f"/search?q={q}")[0] for q in QUERIES] + [ms(f"/article/{n}")[0] for n in ARTICLES]
    out["pages_during_all_in_warm_up"] = thread.is_alive()
    thread.join()
    watcher.join()
    out["ready_s"] = ready
    out["kept_ms"] = round(max(ms(f"/compare?{q}")[0] for q in ("", "model=topics", "by=month")), 1)
    idle = [ms(f"/search?q={q}")[0] for q in QUERIES] + [ms(f"/article/{n}")[0] for n in ARTICLES]
    out["pages_during_ms"] = [round(statistics.median(busy), 0), round(max(busy), 0)]
    out["pages_idle_ms"] = [round(statistics.median(idle), 0), round(max(idle), 0)]
    print("warm-up:", out, flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--workdir", help="keep the corpus, models and index here and reuse them [default: temporary]")
    args = parser.parse_args()
    import warnings

    warnings.simplefilter("ignore")
    import numpy as np
    from starlette.testclient import TestClient

    from textkit.analysis.compare import compare_groups
    from textkit.web.app import create_app
    from textkit.web.server import ServeOptions, make_state

    out: dict[str, object] = {"articles": args.articles}
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(args.workdir or temporary)
        folder.mkdir(parents=True, exist_ok=True)
        data = folder / "corpus.jsonl"
        if not data.is_file():
            write_corpus(data, args.articles)
        save_models(folder, data, args.articles)
        options = ServeOptions(
            data=str(data),
            model="themes",
            topics="topics",
            labels=str(folder / "compare-answers.jsonl"),
            retrain_every=0,
            index=str(folder / "index.sqlite"),
            models_dir=str(folder / "models"),
            background=False,
        )
        t = time.perf_counter()
        built = not (folder / "index.sqlite").is_file()
        state = make_state(options, print)
        if built:
            out["index_build_s"] = round(time.perf_counter() - t, 1)
        out["index_mb"] = round((folder / "index.sqlite").stat().st_size / 2**20, 1)
        client = TestClient(create_app(state), base_url="http://127.0.0.1")
        out["load_average_at_start"] = [round(v, 1) for v in os.getloadavg()]

        def ms(url: str) -> tuple[float, object]:
            start = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - start) * 1000
            if response.status_code != 200:
                raise SystemExit(f"{url}: {response.status_code} {response.text[:300]}")
            return elapsed, response

        out["warm_up"] = measure_warm_up(state, ms)
        cases = []
        for kind, by, extra in CASES:
            base = f"model={kind}&by={by}{extra}"
            first = [ms(f"/compare?{base}&seed={seed}")[0] for seed in SEEDS]
            again = [ms(f"/compare?{base}&seed={SEEDS[0]}")[0] for _ in range(3)]
            _, response = ms(f"/compare.json?{base}&seed={SEEDS[0]}")
            result = response.json()  # type: ignore[attr-defined]
            # The two parts of a first request: the index's rows, then the bootstrap.
            filters = {"sources": ("bbc_news",), "date_from": "2021-01-01", "date_to": "2022-12-31"} if extra else {}
            start = time.perf_counter()
            keys, rows, skipped = state.index.group_rows(kind, by, **filters)
            read_ms = (time.perf_counter() - start) * 1000
            columns = state.index.model_themes if kind == "themes" else state.topic_model.labels_
            start = time.perf_counter()
            comparison = compare_groups(keys, rows, columns, by=by, seed=SEEDS[1], skipped=skipped)
            bootstrap_ms = (time.perf_counter() - start) * 1000
            before: dict[str, Any] = {}
            if kind == "topics":  # the same comparison with the topic shares resampled as before
                from unittest import mock

                with mock.patch("textkit.analysis.compare._resampled_means", previous_resampled_means):
                    start = time.perf_counter()
                    previous = compare_groups(keys, rows, columns, by=by, seed=SEEDS[1], skipped=skipped)
                    before["bootstrap_before_ms"] = round((time.perf_counter() - start) * 1000, 0)
                before["same_intervals"] = (
                    all(
                        np.allclose(getattr(previous, a), getattr(comparison, a), rtol=0, atol=1e-12)
                        for a in ("low", "high")
                    )
                    and previous.differences == comparison.differences
                )
            cases.append(
                {
                    "model": kind,
                    "by": by,
                    "filter": extra.lstrip("&").replace("&", ", ") or "none",
                    "articles": sum(g["articles"] for g in result["groups"]),
                    "groups": len(result["groups"]),
                    "columns": len(columns),
                    "first_ms_median": round(statistics.median(first), 0),
                    "first_ms_max": round(max(first), 0),
                    "kept_ms_median": round(statistics.median(again), 1),
                    "read_rows_ms": round(read_ms, 0),
                    "bootstrap_ms": round(bootstrap_ms, 0),
                    "supported": sum(d["supported"] for d in result["differences"]),
                    **before,
                }
            )
            print(cases[-1], flush=True)
        out["cases"] = cases

        # What the library did before: scipy's bootstrap resampling the articles x themes matrix itself.
        from scipy.stats import bootstrap

        keys, rows, _ = state.index.group_rows("themes", "source")
        groups = sorted({k for k in keys if k})
        start = time.perf_counter()
        for group, stream in zip(groups, np.random.SeedSequence(0).spawn(len(groups))):
            matrix = rows[np.array([k == group for k in keys])]
            bootstrap(
                (matrix,),
                np.mean,
                axis=0,
                n_resamples=1000,
                method="percentile",
                batch=100,  # 25,000 articles x 1,000 resamples at once would need gigabytes
                random_state=np.random.default_rng(stream),
            )
        out["old_bootstrap_themes_source_ms"] = round((time.perf_counter() - start) * 1000, 0)

        # textkit compare on the file: the same numbers, after predicting every article again.
        page = ms("/compare.json?model=themes&by=source")[1].json()  # type: ignore[attr-defined]
        command = [sys.executable, "-m", "textkit", "compare", str(data), "-m", "themes", "--by", "source"]
        command += ["--models-dir", str(folder / "models"), "--format", "json"]
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        out["cli_themes_source_s"] = round(time.perf_counter() - start, 1)
        out["cli_equals_page"] = json.loads(done.stdout) == page
        print("textkit compare:", out["cli_themes_source_s"], "s; equal:", out["cli_equals_page"], flush=True)
    out["load_average_at_end"] = [round(v, 1) for v in os.getloadavg()]
    out["machine"] = f"{platform.machine()}, {os.cpu_count()} cores (shared), Python {platform.python_version()}"
    (RESULTS / "compare_web.json").write_text(json.dumps(out, indent=2) + "\n")
    write_markdown(out)


def write_markdown(out: dict) -> None:
    def row(c: dict) -> str:
        before = "unchanged"
        if "bootstrap_before_ms" in c:
            before = f"{c['bootstrap_before_ms']:.0f} ({'same' if c['same_intervals'] else 'OTHER'} intervals)"
        return (
            f"| {c['model']} | {c['by']} | {c['filter']} | {c['articles']:,} | {c['groups']} | "
            f"{c['first_ms_median']:.0f} ({c['first_ms_max']:.0f}) | {c['read_rows_ms']:.0f} + {c['bootstrap_ms']:.0f} | "
            f"{before} | {c['kept_ms_median']} | {c['supported']} |"
        )

    rows = "\n".join(row(c) for c in out["cases"])
    warm = out["warm_up"]
    ready = ", ".join(f"{view} after {seconds} s" for view, seconds in warm["ready_s"].items())
    text = f"""# The Compare page of textkit serve with {out["articles"]:,} articles

`nice -n 10 python experiments/bench_compare_web.py` on {out["machine"]}; load average (1, 5, 15 min)
{out["load_average_at_start"]} at the start and {out["load_average_at_end"]} at the end: other jobs shared the two
cores. The index of `bench_serve.py` ({out["index_mb"]} MB; 4 sources, 60 months, 5 BBC News themes, 10 topics).
Default options: 95% intervals, 1,000 bootstrap draws per group, groups of at least 10 articles.
A first request computes the comparison; the same request again reads the one kept.

| model | by | filter | articles | groups | first request ms, median (max) | rows read + bootstrap ms | bootstrap before ms | same again ms | supported differences |
|---|---|---|---:|---:|---:|---:|---:|---:|---:|
{rows}

*bootstrap before*: the same comparison (same rows, same seed) with the topic shares resampled
as the library did before they were counted resample by resample (scipy's `bootstrap`, the
statistic counting a batch of resamples in one `batch x articles` tally); the intervals and
differences must be the same (the same resamples are drawn). Theme tags (drawn by tag combination)
are unchanged. Both columns include the differences between every pair of groups (1,770 pairs x
10 topics by month).

**Warm-up at start** (`textkit serve` computes the page's default views in a background
thread; a fresh server state here): {ready}. The default page asked for at once took
{warm["default_page_ms"]:.0f} ms (it waited for the computation under way rather than
starting another), then the topics view {warm["topics_page_ms"]:.0f} ms; once warm, each
default view {warm["kept_ms"]} ms at most. Search and article pages during the warm-up
(all of them during it: {warm["pages_during_all_in_warm_up"]}): median {warm["pages_during_ms"][0]:.0f} ms,
max {warm["pages_during_ms"][1]:.0f} ms; the same pages after it: median {warm["pages_idle_ms"][0]:.0f} ms,
max {warm["pages_idle_ms"][1]:.0f} ms.

Side by side, themes by source: the bootstrap as the library ran it before this page (scipy resampling
the articles x themes matrix itself, in batches of 100 draws to stay within memory) took
{out["old_bootstrap_themes_source_ms"]:.0f} ms on the same rows; `textkit compare corpus.jsonl -m themes --by source`
took {out["cli_themes_source_s"]} s (it predicts every article again) and its JSON equals the page's download:
{out["cli_equals_page"]}.
"""
    (RESULTS / "compare_web.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
