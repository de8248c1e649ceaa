"""textkit's model format (format 2: JSON + uncompressed .npz) against the joblib pickles it replaces.

Usage::

    TEXTKIT_DATASETS=/work/shared/datasets python experiments/bench_model_format.py
    python experiments/bench_model_format.py --models sample,bbc      # a subset

For each model (theme classifiers of the sample corpus, BBC News and 20 Newsgroups; an
LDA topic model of 20 Newsgroups, K = 20): its size on disk and its load time in
textkit's format against ``joblib.dump(model, compress=3)`` (what textkit's store wrote
until format 2). And for 20 Newsgroups, against what a user would otherwise run, the
hand-written script (``make_pipeline(TfidfVectorizer(), LinearSVC())`` saved with a plain
``joblib.dump``):

- load time: ``textkit.load`` against ``joblib.load`` of the script's file;
- one-sentence prediction as a whole process: ``textkit predict`` against
  ``python -c "joblib.load(...).predict([...])"``, CPU time (user + system, from
  ``getrusage(RUSAGE_CHILDREN)``) and wall time.

Every load is timed in a fresh process whose libraries (numpy, scikit-learn, gensim,
joblib, textkit.store) are imported before the clock starts, so the figure is the load
alone; each measurement is repeated (``--repeats``, default 7), the runs of the compared
systems interleaved, and the median reported. Writes ``experiments/results/model_format.md``
and ``model_format.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _datasets import load

RESULTS = Path(__file__).resolve().parent / "results"
ROOT = Path(__file__).resolve().parents[1]
MODELS = ["sample", "bbc", "20ng", "topics-20ng"]
SENTENCE = "NASA launched the shuttle to repair the orbiting telescope"
# Imported before any clock starts in the timing processes.
WARM = (
    "import json, time, joblib, numpy, scipy.sparse, sklearn.feature_extraction.text, sklearn.svm, "
    "sklearn.pipeline, gensim.models, textkit.store, textkit.themes.classify, textkit.topics.model\n"
)


def train(name: str) -> Any:
    if name == "sample":
        from textkit.reading.articles import read_articles
        from textkit.themes.classify import ThemeClassifier

        articles = list(read_articles(ROOT / "data" / "articles.jsonl"))
        return ThemeClassifier().fit(articles, [a.labels for a in articles])
    if name in ("bbc", "20ng"):
        from textkit.themes.classify import ThemeClassifier

        texts, labels = load(name, "train")
        return ThemeClassifier().fit(texts, labels)
    from textkit.topics.model import TopicModel

    texts, _ = load("20ng", "train")
    return TopicModel(20, workers=1, measures=()).fit(texts)


def script_model(path: Path) -> None:
    """The hand-written script's model: TF-IDF + LinearSVC, saved with a plain joblib.dump."""
    import joblib
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    texts, labels = load("20ng", "train")
    model = make_pipeline(TfidfVectorizer(), LinearSVC()).fit(texts, [y[0] for y in labels])
    joblib.dump(model, path)


def timed_load(code: str) -> float:
    """Seconds the snippet's ``load()`` takes in a fresh process with warm imports."""
    snippet = WARM + code + "\nstarted = time.perf_counter(); load(); print(time.perf_counter() - started)\n"
    out = subprocess.run([sys.executable, "-c", snippet], capture_output=True, text=True, check=True, cwd=ROOT)
    return float(out.stdout.strip().splitlines()[-1])


def breakdown(store_root: Path, name: str) -> dict[str, float]:
    """Where textkit's load time goes: reading and hashing, JSON, arrays, building the estimator."""
    code = WARM + (
        "from textkit.store import ModelStore\nfrom textkit.store import format as f\n"
        f"store = ModelStore({str(store_root)!r}); name = {name!r}\n"
        "t = [time.perf_counter()]\n"
        "manifest = store.manifest(name)\n"
        "files = {a: store._artifact(name, manifest, a, read=True) for a in manifest['artifacts']}\n"
        "t.append(time.perf_counter())\n"
        "module = f.kind_state(manifest['kind']); state = f.read_state(files[f.STATE], 'x', module.SCHEMA)\n"
        "t.append(time.perf_counter())\n"
        "arrays = f.read_arrays(files[f.ARRAYS], 'x', module.array_specs(state))\n"
        "t.append(time.perf_counter())\n"
        "module.from_state(state, arrays)\n"
        "t.append(time.perf_counter())\n"
        "print(json.dumps([b - a for a, b in zip(t, t[1:])]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    parts = json.loads(out.stdout.strip().splitlines()[-1])
    return dict(zip(["read and sha256", "state.json (schema)", "arrays.npz", "build estimator"], parts))


def process_cost(argv: list[str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one whole process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(argv, capture_output=True, check=True, cwd=ROOT)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.iterdir() if p.name != "manifest.json")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    names = args.models.split(",")

    import joblib

    from textkit.store import ModelStore

    results: dict[str, Any] = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "repeats": args.repeats,
        "models": [],
    }
    with tempfile.TemporaryDirectory(prefix="bench-format-") as tmp:
        folder = Path(tmp)
        store = ModelStore(folder / "models")
        for name in names:
            print(f"training {name}...", file=sys.stderr)
            model = train(name)
            store.save(model, name)
            old = folder / f"{name}.joblib"
            joblib.dump(model, old, compress=3)  # what textkit's store wrote before format 2
            del model
            new_code = (
                f"from textkit.store import ModelStore\nload = lambda: ModelStore({str(store.root)!r}).load({name!r})"
            )
            old_code = f"load = lambda: joblib.load({str(old)!r})"
            new_times, old_times = [], []
            for _ in range(args.repeats):
                new_times.append(timed_load(new_code))
                old_times.append(timed_load(old_code))
            row = {
                "model": name,
                "format2_bytes": folder_bytes(store.path(name)),
                "joblib_bytes": old.stat().st_size,
                "format2_load_s": statistics.median(new_times),
                "joblib_load_s": statistics.median(old_times),
                "format2_breakdown_s": breakdown(store.root, name),
            }
            results["models"].append(row)
            print(json.dumps(row), file=sys.stderr)

        if "20ng" in names:
            print("the hand-written script...", file=sys.stderr)
            script = folder / "script.joblib"
            script_model(script)
            script_code = f"load = lambda: joblib.load({str(script)!r})"
            textkit_code = f"import textkit\nload = lambda: textkit.load('20ng', models_dir={str(store.root)!r})"
            predict_textkit = [
                sys.executable,
                "-m",
                "textkit",
                "predict",
                "-m",
                "20ng",
                "--models-dir",
                str(store.root),
                SENTENCE,
            ]
            predict_script = [
                sys.executable,
                "-c",
                f"import joblib, sys; print(joblib.load({str(script)!r}).predict([sys.argv[1]])[0])",
                SENTENCE,
            ]
            loads: dict[str, list[float]] = {"textkit": [], "script": []}
            cpu: dict[str, list[float]] = {"textkit": [], "script": []}
            wall: dict[str, list[float]] = {"textkit": [], "script": []}
            for _ in range(args.repeats):
                loads["textkit"].append(timed_load(textkit_code))
                loads["script"].append(timed_load(script_code))
                for system, argv in (("textkit", predict_textkit), ("script", predict_script)):
                    c, w = process_cost(argv)
                    cpu[system].append(c)
                    wall[system].append(w)
            results["script"] = {
                "script_bytes": script.stat().st_size,
                "load_s": {k: statistics.median(v) for k, v in loads.items()},
                "predict_cpu_s": {k: statistics.median(v) for k, v in cpu.items()},
                "predict_wall_s": {k: statistics.median(v) for k, v in wall.items()},
            }
            print(json.dumps(results["script"]), file=sys.stderr)

    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "model_format.json").write_text(json.dumps(results, indent=2) + "\n")
    (RESULTS / "model_format.md").write_text(report(results))
    print(report(results))


def report(results: dict[str, Any]) -> str:
    lines = [
        "# Model format: textkit's format 2 against joblib",
        "",
        f"Median of {results['repeats']} fresh processes per figure, libraries imported before the clock starts "
        f"(Python {results['machine']['python']}, {results['machine']['cpus']} cores shared with other jobs). "
        "`python experiments/bench_model_format.py`.",
        "",
        "| model | format 2 size | joblib (compress=3) size | format 2 load | joblib load | format 2 load: read+sha256 / JSON / arrays / build |",
        "|---|---|---|---|---|---|",
    ]
    for row in results["models"]:
        parts = " / ".join(f"{v * 1000:.0f}" for v in row["format2_breakdown_s"].values())
        lines.append(
            f"| {row['model']} | {row['format2_bytes'] / 1024:,.0f} KB | {row['joblib_bytes'] / 1024:,.0f} KB | "
            f"{row['format2_load_s'] * 1000:.0f} ms | {row['joblib_load_s'] * 1000:.0f} ms | {parts} ms |"
        )
    script = results.get("script")
    if script:
        ratio = script["predict_cpu_s"]["textkit"] / script["predict_cpu_s"]["script"]
        lines += [
            "",
            "## 20 Newsgroups: textkit against the hand-written script",
            "",
            "The script: `make_pipeline(TfidfVectorizer(), LinearSVC())` saved with `joblib.dump` "
            f"({script['script_bytes'] / 1024:,.0f} KB).",
            "",
            "| | textkit | script | textkit / script |",
            "|---|---|---|---|",
            f"| load (`textkit.load` / `joblib.load`) | {script['load_s']['textkit'] * 1000:.0f} ms | "
            f"{script['load_s']['script'] * 1000:.0f} ms | "
            f"{script['load_s']['textkit'] / script['load_s']['script']:.2f}x |",
            f"| one-sentence predict, whole process, CPU | {script['predict_cpu_s']['textkit']:.2f} s | "
            f"{script['predict_cpu_s']['script']:.2f} s | {ratio:.2f}x |",
            f"| one-sentence predict, whole process, wall | {script['predict_wall_s']['textkit']:.2f} s | "
            f"{script['predict_wall_s']['script']:.2f} s | "
            f"{script['predict_wall_s']['textkit'] / script['predict_wall_s']['script']:.2f}x |",
        ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
