"""The ``textkit serve`` Compare page on 100,000 articles, side by side with ``textkit compare``.

The corpus, models and index are those of ``bench_serve.py`` (the shared datasets' texts
repeated with new ids up to 100,000 articles; 4 sources, 60 months; a BBC News theme
model and a 10-topic model); give both scripts the same ``--workdir`` to build them once.

Measured, in the server process (the application called through Starlette's test client):
the page's first request for a comparison (the index's rows read in one query, then the
bootstrap: what the page costs), split into the two parts; the same request again (kept);
the JSON download. Side by side: ``textkit compare`` on the JSONL file for the same
comparison (what a user runs without the page; it predicts every article again), whose JSON
must equal the page's; and the bootstrap as the library ran it before (scipy resampling the
articles x themes matrix itself) on the same rows.

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
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_serve import RESULTS, save_models, write_corpus

CASES = [  # (model, by, extra query)
    ("themes", "source", ""),
    ("themes", "month", ""),
    ("topics", "source", ""),
    ("topics", "month", ""),
    ("themes", "month", "&source=bbc_news&from=2021-01-01&to=2022-12-31"),
]
SEEDS = (1, 2, 3)  # a new seed is a new comparison: each first request computes it


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
            compare_groups(keys, rows, columns, by=by, seed=SEEDS[1], skipped=skipped)
            bootstrap_ms = (time.perf_counter() - start) * 1000
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
    rows = "\n".join(
        f"| {c['model']} | {c['by']} | {c['filter']} | {c['articles']:,} | {c['groups']} | {c['first_ms_median']:.0f} "
        f"({c['first_ms_max']:.0f}) | {c['read_rows_ms']:.0f} + {c['bootstrap_ms']:.0f} | {c['kept_ms_median']} | "
        f"{c['supported']} |"
        for c in out["cases"]
    )
    text = f"""# The Compare page of textkit serve with {out["articles"]:,} articles

`nice -n 10 python experiments/bench_compare_web.py` on {out["machine"]}; load average (1, 5, 15 min)
{out["load_average_at_start"]} at the start and {out["load_average_at_end"]} at the end: other jobs shared the two
cores. The index of `bench_serve.py` ({out["index_mb"]} MB; 4 sources, 60 months, 5 BBC News themes, 10 topics).
Default options: 95% intervals, 1,000 bootstrap draws per group, groups of at least 10 articles.
A first request computes the comparison; the same request again reads the one kept.

| model | by | filter | articles | groups | first request ms, median (max) | rows read + bootstrap ms | same again ms | supported differences |
|---|---|---|---:|---:|---:|---:|---:|---:|
{rows}

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
