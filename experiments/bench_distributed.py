"""textkit on a Dask LocalCluster against one process: predict at scale, auto K, and train's folds.

Usage (the machine is shared: run it niced)::

    nice -n 10 python experiments/bench_distributed.py predict --sizes 100000,300000
    nice -n 10 python experiments/bench_distributed.py predict --sizes 1000000 --modes local:2
    nice -n 10 python experiments/bench_distributed.py autok
    nice -n 10 python experiments/bench_distributed.py train
    python experiments/bench_distributed.py report   # results/distributed.md + .png from the .json

``predict``: every text of the shared datasets (about 40,000), repeated with new ids
until each size is reached, written as JSONL to a temporary folder (never the repo).
A theme model is trained on Reuters (train split, 90 labels, multi-label). Then
``textkit predict -i FILE -o OUT`` runs as a user would, in one process and with
``--cluster local:2``; the process tree is sampled every 0.2 s (psutil) for the peak
resident memory of the client and of each worker process. Both outputs are compared
(byte for byte, when both modes ran) and each is checked to hold one record per article
with the ids in input order (``d0``, ``d1``, ...). A million articles is a 1.3 GB file
(made once in /tmp, like the others) and about 25 minutes of CPU per mode on this machine.

``autok``: ``TopicModel(num_topics="auto", k_min=5, k_max=30, k_step=5, workers=1)`` on
20 Newsgroups (test split, 7,532 documents: the machine is shared): fitted in one process, then with each K as one task on
``local:2`` (``textkit.distributed.run.parallel``); the two K curves are compared.

``train``: ``ThemeClassifier()`` (2 internal folds for the thresholds and the calibration)
on the Reuters and 20 Newsgroups train splits, in one process and with each fold one task
on ``local:2``; the fitted thresholds, calibration and weights are compared.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from functools import partial
from itertools import cycle, islice
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
JSON = RESULTS / "distributed.json"
WORK = Path(tempfile.gettempdir()) / "textkit-distributed-bench"
ROOT = Path(__file__).resolve().parents[1]


def corpus(size: int) -> Path:
    """The shared datasets' texts repeated to ``size`` articles with new ids (made once, in /tmp)."""
    from _datasets import all_texts

    WORK.mkdir(exist_ok=True)
    path = WORK / f"corpus-{size}.jsonl"
    if not path.exists():
        partial = path.with_suffix(".part")
        with open(partial, "w", encoding="utf-8") as handle:
            for i, text in enumerate(islice(cycle(all_texts()), size)):
                handle.write(json.dumps({"id": f"d{i}", "text": text}, ensure_ascii=False) + "\n")
        partial.rename(path)
    return path


def textkit(*args: str) -> list[str]:
    return [sys.executable, "-m", "textkit", "--quiet", *args]


def model_dir() -> Path:
    """A theme model trained on Reuters (train split), saved once (again when the store's format has changed)."""
    from _datasets import load

    from textkit.store.manifest import FORMAT_VERSION

    WORK.mkdir(exist_ok=True)
    models = WORK / "models"
    manifest = models / "reuters" / "manifest.json"
    if not manifest.exists() or json.loads(manifest.read_text())["format"] != FORMAT_VERSION:
        texts, labels = load("reuters", "train")
        data = WORK / "reuters-train.jsonl"
        with open(data, "w", encoding="utf-8") as handle:
            for i, (text, label) in enumerate(zip(texts, labels)):
                handle.write(json.dumps({"id": f"r{i}", "text": text, "labels": label}) + "\n")
        subprocess.run(
            textkit("train", str(data), "--name", "reuters", "--models-dir", str(models), "--force"),
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            check=True,
        )
    return models


def run_measured(command: list[str]) -> dict:
    """Wall time and peak RSS (MB) of the process and of each of its descendants, sampled every 0.2 s."""
    import psutil

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env)
    root = psutil.Process(process.pid)
    peaks: dict[int, tuple[float, str]] = {}
    cpu: dict[int, float] = {}  # last CPU seconds (user + system) seen per process
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            try:
                tree = [root, *root.children(recursive=True)]
            except psutil.Error:
                break
            for proc in tree:
                try:
                    times = proc.cpu_times()
                    cpu[proc.pid] = times.user + times.system
                    rss = proc.memory_info().rss / 2**20
                    role = "client" if proc.pid == root.pid else " ".join(proc.cmdline())[-60:]
                except psutil.Error:
                    continue
                if rss > peaks.get(proc.pid, (0.0, ""))[0]:
                    peaks[proc.pid] = (rss, role)
            done.wait(0.2)

    load_before = os.getloadavg()[0]
    sampler = threading.Thread(target=sample)
    sampler.start()
    code = process.wait()
    done.set()
    sampler.join()
    if code:
        raise SystemExit(f"{' '.join(command)} exited {code}")
    seconds = time.perf_counter() - started
    client = peaks.pop(root.pid, (0.0, ""))[0]
    # Worker processes are the children that hold real memory (not the small resource tracker).
    workers = sorted((rss for rss, _ in peaks.values() if rss > 100), reverse=True)
    return {
        "seconds": round(seconds, 1),
        "cpu_seconds": round(sum(cpu.values()), 1),
        "client_cpu_seconds": round(cpu.get(root.pid, 0.0), 1),
        "load_average": round((load_before + os.getloadavg()[0]) / 2, 1),
        "client_peak_mb": round(client, 1),
        "worker_peaks_mb": [round(w, 1) for w in workers],
    }


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def records_in_order(path: Path) -> tuple[int, bool]:
    """Records in the output, and whether their ids are the input's in its order (``d0``, ``d1``, ...)."""
    count, in_order = 0, True
    with open(path, encoding="utf-8") as handle:
        for count, line in enumerate(handle, 1):
            in_order = in_order and json.loads(line)["id"] == f"d{count - 1}"
    return count, in_order


def bench_predict(sizes: list[int], modes: list[str]) -> list[dict]:
    models = model_dir()
    rows = []
    for size in sizes:
        data = corpus(size)
        digests = {}
        for mode in modes:
            out = WORK / f"out-{size}-{mode}.jsonl"
            command = textkit("predict", "-m", "reuters", "--models-dir", str(models), "-i", str(data), "-o", str(out))
            if mode != "single":
                command += ["--cluster", mode]
            result = run_measured(command)
            lines, in_order = records_in_order(out)
            digests[mode] = sha256(out)
            out.unlink()
            row = {"task": "predict", "size": size, "mode": mode, **result, "lines": lines, "ids_in_order": in_order}
            row["docs_per_second"] = round(size / result["seconds"], 1)
            row["cpu_ms_per_doc"] = round(1000 * result["cpu_seconds"] / size, 2)
            row["mb_input"] = round(data.stat().st_size / 2**20, 1)
            print(json.dumps(row), flush=True)
            rows.append(row)
        if len(digests) > 1:  # one mode alone has nothing to be compared with
            for row in rows[-len(modes) :]:
                row["output_identical"] = len(set(digests.values())) == 1
    return rows


def measured(mode: str, work: Callable[[], Any]) -> tuple[Any, dict]:
    """``work()`` in one process (``single``) or inside ``parallel(mode)``: its result and what it cost.

    Wall seconds (the cluster's start included, and given apart), CPU seconds of this
    process and of the cluster's worker processes (reaped when the cluster closed), and
    the load average of the machine over the run.
    """
    import resource

    from textkit.distributed.run import parallel

    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    load_before = os.getloadavg()[0]
    started = ready = time.perf_counter()
    if mode == "single":
        result = work()
    else:
        with parallel(mode):
            ready = time.perf_counter()
            result = work()
    seconds = time.perf_counter() - started
    after = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    cpu = sum(a.ru_utime + a.ru_stime - b.ru_utime - b.ru_stime for a, b in zip(after, usage))
    return result, {
        "seconds": round(seconds, 1),
        "cluster_start_seconds": round(ready - started, 1),
        "cpu_seconds": round(cpu, 1),
        "load_average": round((load_before + os.getloadavg()[0]) / 2, 1),
    }


def fastest(runs: list[dict]) -> dict:
    """The run least slowed down by the machine's other jobs (the shortest), with every run's seconds."""
    best = dict(min(runs, key=lambda run: run["seconds"]))
    best["seconds_all"] = [run["seconds"] for run in runs]
    return best


def bench_autok(repeat: int) -> list[dict]:
    from _datasets import load

    from textkit.topics.model import TopicModel

    texts, _ = load("20ng", "test")
    # The K search alone (the quick fits and their coherence), timed around the method that runs it.
    search_seconds: list[float] = []
    choose_k = TopicModel._choose_k

    def timed_choose_k(*args: Any) -> Any:
        started = time.perf_counter()
        try:
            return choose_k(*args)
        finally:
            search_seconds.append(round(time.perf_counter() - started, 1))

    TopicModel._choose_k = timed_choose_k  # type: ignore[method-assign]
    runs: dict[str, list[dict]] = {"single": [], "local:2": []}
    curves, chosen = [], set()
    for _ in range(repeat):  # the modes in turn, so that a busy spell of the machine hits both
        for mode in runs:
            model, cost = measured(mode, lambda: TopicModel("auto", k_min=5, k_max=30, k_step=5, workers=1).fit(texts))
            cost["k_search_seconds"] = search_seconds[-1]
            print(json.dumps({"mode": mode, **cost, "chosen_k": model.num_topics_}), flush=True)
            runs[mode].append(cost)
            curves.append(model.k_scores_)
            chosen.add(model.num_topics_)
    k = chosen.pop() if len(chosen) == 1 else sorted(chosen)
    return [
        {
            "task": "auto-K (K=5..30 step 5) 20NG test split",
            "size": len(texts),
            "mode": mode,
            **fastest(mine),
            "k_search_all": [run["k_search_seconds"] for run in mine],
            "chosen_k": k,
            "same_k_curve": all(curve == curves[0] for curve in curves),
        }
        for mode, mine in runs.items()
    ]


def bench_train(repeat: int) -> list[dict]:
    """``ThemeClassifier().fit`` (2 folds behind thresholds and calibration) in one process, and a fold per task."""
    import numpy as np
    from _datasets import load

    from textkit.themes.classify import ThemeClassifier

    rows = []
    for name in ("reuters", "20ng"):
        texts, labels = load(name, "train")
        runs: dict[str, list[dict]] = {"single": [], "local:2": []}
        models = []
        for _ in range(repeat):
            for mode in runs:
                model, cost = measured(mode, partial(ThemeClassifier().fit, texts, labels))
                print(json.dumps({"data": name, "mode": mode, **cost}), flush=True)
                runs[mode].append(cost)
                models.append(model)
        same = all(
            np.array_equal(getattr(model, a), getattr(models[0], a))
            for model in models
            for a in ("thresholds_", "calibration_", "coef_", "intercept_")
        )
        rows += [
            {
                "task": f"train ThemeClassifier (cv=2) {name} train split",
                "size": len(texts),
                "mode": mode,
                **fastest(mine),
                "same_model": same,
            }
            for mode, mine in runs.items()
        ]
    return rows


def save(rows: list[dict]) -> None:
    """Merge ``rows`` into results/distributed.json (a row per task, size and mode) and rewrite the report."""
    RESULTS.mkdir(exist_ok=True)
    old = json.loads(JSON.read_text()) if JSON.exists() else {"rows": []}
    key = lambda r: (r["task"], r["size"], r["mode"])  # noqa: E731
    merged = {key(r): r for r in old["rows"]} | {key(r): r for r in rows}
    info = {
        "machine": f"{os.cpu_count()} cores, shared with other jobs (run with nice -n 10)",
        "python": sys.version.split()[0],
    }
    JSON.write_text(json.dumps({"info": info, "rows": sorted(merged.values(), key=key)}, indent=2))
    report()


def runs(row: dict) -> str:
    """Every run's seconds (rows from before repeated runs have one)."""
    return ", ".join(str(seconds) for seconds in row.get("seconds_all", [row["seconds"]]))


def report() -> None:
    data = json.loads(JSON.read_text())
    rows = data["rows"]
    lines = [
        "# textkit on a Dask LocalCluster vs one process",
        "",
        f"Machine: {data['info']['machine']}; Python {data['info']['python']}. "
        "Made by `experiments/bench_distributed.py` (see its docstring for the commands).",
        "",
        "## predict (Reuters model, 90 labels; shared datasets' texts repeated with new ids, JSONL on disk)",
        "",
        "| articles | input MB | mode | seconds | articles/s | CPU ms/article (all processes) | load avg | "
        "client peak MB | worker peaks MB | output identical | ids in order |",
        "| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |",
    ]
    predict = [r for r in rows if r["task"] == "predict"]
    for r in predict:
        workers = ", ".join(f"{w:.0f}" for w in r["worker_peaks_mb"]) or "-"
        lines.append(
            f"| {r['size']:,} | {r['mb_input']} | {r['mode']} | {r['seconds']} | {r['docs_per_second']:,.0f} | "
            f"{r.get('cpu_ms_per_doc', '')} | {r.get('load_average', '')} | {r['client_peak_mb']:.0f} | {workers} | "
            f"{r.get('output_identical', '')} | {r.get('ids_in_order', '')} |"
        )
    clustered = sorted((r for r in predict if r["mode"] != "single" and r["worker_peaks_mb"]), key=lambda r: r["size"])
    if len(clustered) > 1:
        peaks = ", ".join(f"{max(r['worker_peaks_mb']):.0f} MB at {r['size']:,}" for r in clustered)
        lines += ["", f"Largest worker process (peak resident memory) by corpus size: {peaks} articles."]
    autok = [r for r in rows if r["task"].startswith("auto-K")]
    if autok:
        lines += [
            "",
            "## auto K",
            "",
            "| task | documents | mode | seconds (fastest run) | every run | of which: cluster start | "
            "K search (fits + coherence) | CPU s (all processes) | load avg | chosen K | same K curve |",
            "| --- | ---: | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |",
        ]
        lines += [
            f"| {r['task']} | {r['size']:,} | {r['mode']} | {r['seconds']} | {runs(r)} | "
            f"{r.get('cluster_start_seconds', '')} | {r.get('k_search_seconds', '')} | {r.get('cpu_seconds', '')} | "
            f"{r.get('load_average', '')} | {r['chosen_k']} | {r['same_k_curve']} |"
            for r in autok
        ]
    train = [r for r in rows if r["task"].startswith("train")]
    if train:
        lines += [
            "",
            "## train (the folds behind the per-label thresholds and the calibration, one per task)",
            "",
            "| task | documents | mode | seconds (fastest run) | every run | of which: cluster start | "
            "CPU s (all processes) | load avg | same model |",
            "| --- | ---: | --- | ---: | --- | ---: | ---: | ---: | --- |",
        ]
        lines += [
            f"| {r['task']} | {r['size']:,} | {r['mode']} | {r['seconds']} | {runs(r)} | "
            f"{r['cluster_start_seconds']} | {r['cpu_seconds']} | {r['load_average']} | {r['same_model']} |"
            for r in train
        ]
    lines += ["", "![throughput and memory](distributed.png)", ""]
    lines += projection(rows)
    (RESULTS / "distributed.md").write_text("\n".join(lines))
    plot(rows)


def projection(rows: list[dict], articles: float = 100e6, workers_per_machine: int = 8) -> list[str]:
    """A projection to 100 million articles on N machines from the largest measured ``local:2`` predict run."""
    runs = [r for r in rows if r["task"] == "predict" and r["mode"] != "single" and "client_cpu_seconds" in r]
    if not runs:
        return []
    run = max(runs, key=lambda r: r["size"])
    worker_ms = 1000 * (run["cpu_seconds"] - run["client_cpu_seconds"]) / run["size"]
    client_ms = 1000 * run["client_cpu_seconds"] / run["size"]
    bytes_per_article = run["mb_input"] * 2**20 / run["size"]
    parts = articles * bytes_per_article / (8 * 2**20)
    client_ceiling = 1000 / client_ms  # articles per second one client process can take in and write
    lines = [
        "## Projection: 100 million articles on N machines",
        "",
        f"From the {run['size']:,}-article `{run['mode']}` run: the workers spent {worker_ms:.2f} ms of CPU per article "
        f"(reading, tokenizing, scoring, sending), the client {client_ms:.3f} ms (receiving, ordering, writing JSONL); "
        f"{bytes_per_article:,.0f} bytes of input per article. With {workers_per_machine} single-threaded worker "
        "processes per machine and these per-article costs (this machine's cores are slow and shared: a dedicated "
        "server core is likely 2-4x faster, which moves every row, not the conclusions):",
        "",
        "| machines | worker-bound hours | client-bound hours | expected hours |",
        "| ---: | ---: | ---: | ---: |",
    ]
    for machines in (1, 4, 16, 64):
        worker_hours = articles * worker_ms / 1000 / (machines * workers_per_machine) / 3600
        client_hours = articles / client_ceiling / 3600
        lines.append(
            f"| {machines} | {worker_hours:.1f} | {client_hours:.1f} | {max(worker_hours, client_hours):.1f} |"
        )
    lines += [
        "",
        "What breaks first, in order:",
        "",
        f"1. **The one client that orders and writes the output.** Every record passes through it: its ceiling is "
        f"~{client_ceiling:,.0f} articles/s here, so beyond about "
        f"{client_ceiling * worker_ms / 1000 / workers_per_machine:.1f} machines more workers do not help. "
        "`--unordered` removes the head-of-line wait but not the single writer; the fix is one output file per part "
        "written by the workers (not built).",
        "2. **Output ordering memory.** At most 2 x workers + 1 parts are in flight; a part's records are held on its "
        "worker until the client takes them in order, so a slow part holds back up to that many finished parts "
        "(~10,000 records each): memory that grows with the number of workers, not with the corpus.",
        "3. **Model broadcast.** Each worker process loads the model once from the shared store: 12-27 MB for the "
        "default TF-IDF model, but a hashing model keeps 2 MB per label (182 MB for Reuters' 90 labels), loaded by "
        "every worker process: per-machine memory, not network time, is the limit there.",
        f"4. **Scheduler overhead** is not a limit: {parts:,.0f} parts of 8 MB (plus as many line-counting tasks) "
        "at Dask's ~1 ms per task is well under a minute of scheduler time.",
        "",
    ]
    return lines


def plot(rows: list[dict]) -> None:
    from matplotlib.figure import Figure

    predict = [r for r in rows if r["task"] == "predict"]
    if not predict:
        return
    figure = Figure(figsize=(10, 4))
    speed, memory = figure.subplots(1, 2)
    for mode in sorted({r["mode"] for r in predict}):
        mine = sorted((r for r in predict if r["mode"] == mode), key=lambda r: r["size"])
        sizes = [r["size"] for r in mine]
        speed.plot(sizes, [r["docs_per_second"] for r in mine], marker="o", label=mode)
        memory.plot(sizes, [r["client_peak_mb"] for r in mine], marker="o", label=f"{mode}: client")
        if mode != "single":
            memory.plot(
                sizes, [max(r["worker_peaks_mb"] or [0]) for r in mine], marker="s", label=f"{mode}: largest worker"
            )
    speed.set(xscale="log", xlabel="articles", ylabel="articles / s", title="predict throughput")
    memory.set(xscale="log", xlabel="articles", ylabel="peak RSS (MB)", title="peak memory per process", ylim=(0, None))
    speed.legend()
    memory.legend()
    figure.tight_layout()
    figure.savefig(RESULTS / "distributed.png", dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["predict", "autok", "train", "report"])
    parser.add_argument("--sizes", default="100000,300000", help="comma-separated article counts (predict)")
    parser.add_argument("--modes", default="single,local:2", help="comma-separated: single and/or local:N")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each mode, in turn (autok, train)")
    args = parser.parse_args()
    if args.what == "predict":
        save(bench_predict([int(s) for s in args.sizes.split(",")], args.modes.split(",")))
    elif args.what == "autok":
        save(bench_autok(args.repeat))
    elif args.what == "train":
        save(bench_train(args.repeat))
    else:
        report()


if __name__ == "__main__":
    main()
