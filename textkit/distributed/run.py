"""The client side: parts sent to the workers, results gathered in input order and merged.

One function per command, each a context manager (the cluster stays up while the
command writes what it yields)::

    with run.predict("local:2", "news.jsonl", model="themes") as job:
        write_records(job.records, handle, "jsonl", job.classes)
    print(job.stats.summary())

Results come back one part at a time, at most a few parts per worker in flight, so
neither the client nor the workers hold more than a window of the output.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path
from typing import Any

from textkit.errors import InputError
from textkit.reading.articles import ReadStats
from textkit.records import Job
from textkit.text.stats import CorpusSummary

from .cluster import connect
from .partitions import TARGET_BYTES, Partition, count_lines, plan, with_line_offsets
from .tasks import (
    ModelRef,
    evaluate_part,
    hashing_count_part,
    hashing_features_part,
    infer_part,
    predict_part,
    segment_part,
    summarize_part,
)


def partitions(
    client: Any,
    paths: Sequence[str],
    *,
    format: str | None = None,
    encoding: str = "utf-8",
    target_bytes: int = TARGET_BYTES,
) -> list[Partition]:
    """The parts of ``paths`` with their line offsets (lines counted by the workers, one part per task)."""
    parts = plan(paths, format=format, encoding=encoding, target_bytes=target_bytes)
    cut = [i for i, part in enumerate(parts) if part.start or part.end is not None]
    counts = [0] * len(parts)
    for i, count in zip(cut, client.gather(client.map(count_lines, [parts[i] for i in cut], pure=False))):
        counts[i] = count
    return with_line_offsets(parts, counts)


def gather(
    client: Any, task: Callable[..., Any], parts: Sequence[Partition], *args: Any, ordered: bool = True
) -> Iterator[Any]:
    """``task(part, *args)`` of every part, in the parts' order (or as they finish), a window at a time.

    A worker that dies takes its tasks with it; the scheduler reruns them on another
    worker (up to ``distributed.scheduler.allowed-failures`` times), so every part
    gives exactly one result. A task that raises raises here, with its own exception.
    """
    from distributed import as_completed

    workers = max(1, len(client.scheduler_info(n_workers=-1).get("workers", {})))
    window = 2 * workers + 1
    pending = iter(parts)

    def submit() -> Any:
        part = next(pending, None)
        return None if part is None else client.submit(task, part, *args, pure=False)

    if ordered:
        queue = deque(f for f in (submit() for _ in range(window)) if f is not None)
        while queue:
            future = queue.popleft()
            result = future.result()
            future.release()
            following = submit()
            if following is not None:
                queue.append(following)
            yield result
        return
    running = as_completed([f for f in (submit() for _ in range(window)) if f is not None])
    for future in running:
        result = future.result()
        future.release()
        following = submit()
        if following is not None:
            running.add(following)
        yield result


def add_stats(total: ReadStats, part: ReadStats) -> None:
    """Add one part's read counts to ``total`` (repeated ids are counted within each part only)."""
    total.articles += part.articles
    total.skipped.update(part.skipped)
    total.errors.extend(part.errors[: max(0, 20 - len(total.errors))])
    total.duplicate_ids += part.duplicate_ids


def model_ref(kind: str, name: str, models_dir: str | Path | None) -> tuple[ModelRef, dict[str, Any]]:
    """A reference the workers load ``name`` by, and its manifest (kind checked here, before any work)."""
    from textkit.store import STRICT_ENV, ModelStore
    from textkit.store.manifest import check_kind

    store = ModelStore(models_dir)
    manifest = store.verify(name)
    check_kind(name, manifest, kind)
    ref = ModelRef(kind, name, str(store.root.resolve()), manifest["checksum"], os.environ.get(STRICT_ENV) == "1")
    return ref, manifest


def _records(
    client: Any, task: Callable[..., Any], parts: list[Partition], args: tuple[Any, ...], job: Job, ordered: bool
) -> Iterator[dict[str, Any]]:
    total = job.stats = ReadStats()
    for records, stats in gather(client, task, parts, *args, ordered=ordered):
        add_stats(total, stats)
        yield from records


@contextmanager
def predict(
    cluster: str,
    input: str,
    *,
    model: str = "themes",
    models_dir: str | Path | None = None,
    read: dict[str, Any] | None = None,
    options: dict[str, Any] | None = None,
    ordered: bool = True,
    target_bytes: int = TARGET_BYTES,
) -> Iterator[Job]:
    """Theme records of every article of ``input`` (:func:`~textkit.themes.predict.predict_stream` per part)."""
    from textkit.themes.predict import THEMES_KIND

    ref, manifest = model_ref(THEMES_KIND, model, models_dir)
    columns = [str(c) for c in manifest["labels"]]
    with _scored(cluster, input, read, target_bytes, predict_part, (ref, dict(options or {})), columns, ordered) as job:
        yield job


@contextmanager
def infer(
    cluster: str,
    input: str,
    *,
    name: str = "topics",
    models_dir: str | Path | None = None,
    read: dict[str, Any] | None = None,
    ordered: bool = True,
    target_bytes: int = TARGET_BYTES,
) -> Iterator[Job]:
    """Topic records of every article of ``input`` (:meth:`~textkit.topics.model.TopicModel.infer` per part)."""
    from textkit.topics.model import TOPICS_KIND

    ref, manifest = model_ref(TOPICS_KIND, name, models_dir)
    columns = [str(t["label"]) for t in manifest["topics"]]
    with _scored(cluster, input, read, target_bytes, infer_part, (ref,), columns, ordered) as job:
        yield job


@contextmanager
def _scored(
    cluster: str,
    input: str,
    read: dict[str, Any] | None,
    target_bytes: int,
    task: Callable[..., Any],
    args: tuple[Any, ...],
    columns: list[str],
    ordered: bool,
) -> Iterator[Job]:
    """The records ``task`` gives for each part of ``input``, as a :class:`Job` (what predict and infer share)."""
    read = dict(read or {})
    with connect(cluster) as client:
        parts = partitions(
            client,
            [input],
            format=read.get("format"),
            encoding=read.get("encoding", "utf-8"),
            target_bytes=target_bytes,
        )
        job = Job(iter(()), columns, parts=len(parts))
        job.records = _records(client, task, parts, (read, *args), job, ordered)
        yield job


def evaluate(
    cluster: str,
    path: str,
    *,
    model: str = "themes",
    models_dir: str | Path | None = None,
    read: dict[str, Any] | None = None,
    target_bytes: int = TARGET_BYTES,
) -> tuple[Any, ReadStats]:
    """``textkit evaluate`` with the predictions made on the workers: ``(report, read stats)``.

    As :func:`textkit.workflows.themes.evaluate_saved`, except that repeated articles
    are not looked for (that needs every text in one place).
    """
    from textkit.messages import warn
    from textkit.themes.evaluate import report
    from textkit.themes.predict import THEMES_KIND

    ref, manifest = model_ref(THEMES_KIND, model, models_dir)
    read = dict(read or {})
    truth: list[list[str]] = []
    predicted: list[tuple[str, ...]] = []
    unlabelled: list[str] = []
    stats = ReadStats()
    with connect(cluster) as client:
        parts = partitions(
            client, [path], format=read.get("format"), encoding=read.get("encoding", "utf-8"), target_bytes=target_bytes
        )
        for part_truth, part_predicted, part_unlabelled, part_stats in gather(client, evaluate_part, parts, read, ref):
            truth += part_truth
            predicted += part_predicted
            unlabelled += part_unlabelled
            add_stats(stats, part_stats)
    if not truth:
        raise InputError("no articles to evaluate on", hint="check the data file(s) and the --text-field option")
    if unlabelled:
        raise InputError(
            f"{len(unlabelled)} of {len(truth)} articles have no labels (first: {unlabelled[0]})",
            hint="label them, or check --label-field",
        )
    known = {str(c) for c in manifest["labels"]}
    unknown = sorted({label for row in truth for label in row} - known)
    if unknown:
        warn(
            f"{len(unknown)} label(s) in the data are unknown to model {model!r}, so it can never predict them: "
            f"{', '.join(unknown[:10])}{' ...' if len(unknown) > 10 else ''} (it knows {', '.join(sorted(known))})"
        )
    return report(truth, predicted, bool(manifest["multilabel"])), stats


def summarize(
    cluster: str, paths: Sequence[str], *, read: dict[str, Any] | None = None, target_bytes: int = TARGET_BYTES
) -> tuple[CorpusSummary, ReadStats]:
    """``textkit stats``: :func:`textkit.text.stats.summarize` per part, the counts added up."""
    read = dict(read or {})
    total, stats = CorpusSummary(), ReadStats()
    with connect(cluster) as client:
        parts = partitions(
            client, paths, format=read.get("format"), encoding=read.get("encoding", "utf-8"), target_bytes=target_bytes
        )
        for summary, part_stats in gather(client, summarize_part, parts, read, ordered=False):
            for name in (f.name for f in fields(CorpusSummary)):
                setattr(total, name, getattr(total, name) + getattr(summary, name))
            add_stats(stats, part_stats)
    return total, stats


@contextmanager
def segment(cluster: str, dumps: Sequence[str], *, read: dict[str, Any] | None = None) -> Iterator[Job]:
    """The articles of raw dumps, one dump per task, in the dumps' order."""
    read = {**(read or {}), "format": "dump"}
    with connect(cluster) as client:
        parts = plan(dumps, format="dump")
        job = Job(iter(()), parts=len(parts))
        job.records = _records(client, segment_part, parts, (read,), job, True)
        yield job


def train_hashing(
    cluster: str,
    paths: Sequence[str],
    name: str = "themes",
    *,
    models_dir: str | Path | None = None,
    params: dict[str, Any] | None = None,
    read: dict[str, Any] | None = None,
    force: bool = False,
    target_bytes: int = TARGET_BYTES,
) -> dict[str, Any]:
    """Train a :class:`~textkit.themes.hashing.HashingThemeClassifier` on files larger than memory; return the manifest.

    The workers count document frequencies per part (added up here for the IDF), then
    hash each part into TF-IDF rows; ``partial_fit`` runs here on one part at a time,
    the parts in a new random order each epoch. The manifest's data fingerprint is the
    sha256 of the parts' fingerprints (it differs from a single-process one).
    """
    import hashlib

    import numpy as np

    from textkit.params import validate_params
    from textkit.store import ModelStore
    from textkit.themes.hashing import HashingThemeClassifier

    store = ModelStore(models_dir)
    store.ensure_free(name, force)
    model = HashingThemeClassifier(**(params or {}))
    validate_params(model)
    read = dict(read or {})
    with connect(cluster) as client:
        parts = partitions(
            client, paths, format=read.get("format"), encoding=read.get("encoding", "utf-8"), target_bytes=target_bytes
        )
        total = np.zeros(model.n_features, dtype=np.int64)
        classes: set[str] = set()
        n_docs, multilabel, digests = 0, False, hashlib.sha256()
        for frequencies, count, seen, several, digest in gather(client, hashing_count_part, parts, read, model):
            total += frequencies
            n_docs, multilabel, classes = n_docs + count, multilabel or several, classes | seen
            digests.update(digest.encode())
        if n_docs == 0:
            raise InputError("no articles to train on", hint="check the data file(s) and the --text-field option")
        model.start(total, n_docs, classes, multilabel)
        rng = np.random.RandomState(model.random_state)
        shared = client.scatter(
            model, broadcast=True
        )  # its IDF (2 MB at the default 2**18 columns) sent once, not per part
        for _ in range(model.epochs):
            order = [parts[i] for i in rng.permutation(len(parts))]
            for features, targets in gather(client, hashing_features_part, order, read, shared):
                model.learn(features, targets, rng)
    data = {"sha256": digests.hexdigest(), "count": n_docs, "parts": len(parts)}
    return store.save(model, name, force=force, metrics={}, data=data)


@contextmanager
def parallel(cluster: str) -> Iterator[Any]:
    """Run joblib's parallel loops (auto-K fits, cross-validation folds) as tasks on the cluster.

    Inside it, ``TopicModel(num_topics="auto", workers=1).fit(X)`` fits and scores each
    K as one task (``workers=1``: a Dask worker process cannot start gensim's worker
    processes); the sample of bags of words the K are fitted on is sent to the workers
    once, so they need not see this machine's files. :meth:`ThemeClassifier.fit
    <textkit.themes.classify.ThemeClassifier.fit>` fits each fold behind its thresholds as
    one task, and :func:`textkit.themes.evaluate.cross_validate` each fold (whose own
    threshold folds become tasks of that task).
    """
    from joblib import parallel_config

    with connect(cluster) as client, parallel_config(backend="dask", n_jobs=-1):
        yield client
