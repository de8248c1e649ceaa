"""Topic use cases, one function per command: fit and save, load, infer with, relabel, update a saved topic model."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textkit.errors import ConfigError, InputError
from textkit.reading.articles import Article, fingerprint
from textkit.records import Job
from textkit.topics.model import TOPICS_KIND, TopicModel
from textkit.topics.summary import UpdateReport
from textkit.workflows.output import cluster_path, scored


@dataclass
class TopicFitResult:
    """What :func:`fit_topics` made: the fitted model and its manifest."""

    model: TopicModel
    manifest: dict[str, Any]
    seconds: float = 0.0


def fit_topics(
    articles: Iterable[Article | str],
    name: str = "topics",
    *,
    models_dir: str | Path | None = None,
    force: bool = False,
    sample: int | None = None,
    **params: Any,
) -> TopicFitResult:
    """Fit a :class:`TopicModel` on ``articles`` and save it as ``name`` in the model store.

    ``params`` are :class:`TopicModel` parameters. ``sample``: fit on that many articles
    drawn at random in one pass (kept in input order), for a corpus too large for one
    LDA fit; the manifest's data fingerprint is then the sample's. The manifest holds the parameters,
    the coherence scores (``metrics``, headline ``c_v``), the K curve when K was
    chosen automatically, and the data fingerprint.

    Raises
    ------
    ConfigError
        An unknown parameter (or one the model refuses).
    ModelStoreError
        ``name`` is taken (even by a broken folder) and ``force`` is false, or the
        store cannot be written: checked before fitting.
    """
    from textkit.store import ModelStore

    known = TopicModel._get_param_names()
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise ConfigError(f"unknown topic model parameter(s): {', '.join(unknown)}", hint=f"known: {', '.join(known)}")
    store = ModelStore(models_dir)
    store.ensure_free(name, force)
    started = time.perf_counter()
    if sample is not None:
        articles = reservoir_sample(articles, sample, params.get("random_state", 0))
    model = TopicModel(**params).fit(articles)
    metrics: dict[str, Any] = {**model.scores_, "main": "c_v" if "c_v" in model.scores_ else "diversity"}
    if model.k_scores_:
        metrics["k_curve"] = model.k_scores_
    if model.summary_.converged is not None:
        metrics["converged"] = model.summary_.converged
    items = (a if isinstance(a, Article) else Article(id=str(n), text=a) for n, a in enumerate(articles, 1))
    manifest = store.save(model, name, force=force, metrics=metrics, data=fingerprint(items))
    return TopicFitResult(model, manifest, time.perf_counter() - started)


def reservoir_sample(items: Iterable[Any], size: int, random_state: int | None = 0) -> list[Any]:
    """``size`` items drawn uniformly at random in one pass over ``items`` (Vitter's algorithm R), in input order."""
    import numpy as np

    if size < 1:
        raise ConfigError(f"sample must be at least 1, not {size}", param="sample")
    rng = np.random.RandomState(random_state)
    kept: list[tuple[int, Any]] = []
    for seen, item in enumerate(items):
        if seen < size:
            kept.append((seen, item))
        else:
            slot = rng.randint(0, seen + 1)
            if slot < size:
                kept[slot] = (seen, item)
    return [item for _, item in sorted(kept, key=lambda pair: pair[0])]


def load_topic_model(name: str = "topics", models_dir: str | Path | None = None) -> tuple[TopicModel, dict[str, Any]]:
    """Load a topic model and its manifest, refusing other kinds before anything is loaded."""
    from textkit.store import load

    loaded = load(name, kind=TOPICS_KIND, models_dir=models_dir)
    return loaded.model, loaded.manifest


@contextmanager
def infer(
    source: Sequence[str] | str,
    *,
    name: str = "topics",
    models_dir: str | Path | None = None,
    read: dict[str, Any] | None = None,
    cluster: str | None = None,
    ordered: bool = True,
) -> Iterator[Job]:
    """What ``textkit topics infer`` runs: the topic records of ``source``, as a :class:`~textkit.records.Job`.

    ``source``, ``read``, ``cluster`` and ``ordered`` are as in :func:`textkit.workflows.themes.tag`.
    """
    if cluster:
        from textkit.distributed import run

        with run.infer(
            cluster, cluster_path(source), name=name, models_dir=models_dir, read=read, ordered=ordered
        ) as job:
            yield job
        return
    model, _ = load_topic_model(name, models_dir)
    yield scored(source, read, model.infer, list(model.labels_))


def relabel(name: str, labels: Mapping[int | str, str], models_dir: str | Path | None = None) -> TopicModel:
    """Rename topics of a saved model and save it again (manifest metrics and data kept)."""
    from textkit.store import ModelStore

    model, manifest = load_topic_model(name, models_dir)
    model.rename(labels)
    ModelStore(models_dir).save(model, name, force=True, metrics=manifest.get("metrics"), data=manifest.get("data"))
    return model


def write_report(name: str, output: str | Path, *, models_dir: str | Path | None = None) -> Path:
    """Load topic model ``name`` and write its HTML report to ``output`` (atomically)."""
    from textkit.atomic import atomic_write
    from textkit.topics.report import render_report

    model, manifest = load_topic_model(name, models_dir)
    text = render_report(model, manifest)
    target = Path(output)
    try:
        with atomic_write(target, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as error:
        raise InputError(f"cannot write the report to {target} ({error.strerror or error})") from None
    return target


@dataclass
class TopicUpdateResult:
    """What :func:`update_topics` did: the updated model, its new manifest, the report of the update."""

    model: TopicModel
    manifest: dict[str, Any]
    report: UpdateReport
    seconds: float = 0.0


def update_topics(
    name: str,
    articles: Iterable[Article | str],
    *,
    new_topics: int = 0,
    passes: int | None = None,
    models_dir: str | Path | None = None,
) -> TopicUpdateResult:
    """Continue training the saved model ``name`` on new ``articles`` and save it back (see :meth:`TopicModel.update`).

    The topic ids are kept (added topics follow them); the manifest keeps the fit's
    metrics and data fingerprint and gains a ``history`` entry for this update (date,
    articles, words added, unknown tokens, topics added, and the new data's fingerprint).
    """
    from datetime import UTC, datetime

    from textkit.store import ModelStore

    started = time.perf_counter()
    model, manifest = load_topic_model(name, models_dir)
    report = model.update(articles, new_topics=new_topics, passes=passes)
    items = (a if isinstance(a, Article) else Article(id=str(n), text=a) for n, a in enumerate(articles, 1))
    model.history_[-1].update(updated=datetime.now(UTC).isoformat(timespec="seconds"), data=fingerprint(items))
    saved = ModelStore(models_dir).save(
        model, name, force=True, metrics=manifest.get("metrics"), data=manifest.get("data")
    )
    return TopicUpdateResult(model, saved, report, time.perf_counter() - started)
