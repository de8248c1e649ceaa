"""Analysis use cases: near-duplicate stories (``dedup``, ``--dedup``) and group comparisons (``compare``)."""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from textkit.errors import ConfigError, InputError
from textkit.reading.articles import Article
from textkit.records import Record


def reiterable(articles: Iterable[Article]) -> Iterable[Article]:
    """``articles`` itself if it can be read twice (a file, standard input, a list), else a list of it (a generator)."""
    return list(articles) if iter(articles) is articles else articles


def find_duplicates(articles: Iterable[Article], **params: Any) -> Any:
    """The :class:`~textkit.analysis.dedup.Stories` of ``articles`` (read once); ``params`` as :class:`StoryIndex`."""
    from textkit.analysis.dedup import find_stories

    return find_stories(articles, **params)


def write_stories(
    articles: Iterable[Article], handle: IO[str], *, representatives_only: bool = False, **params: Any
) -> Any:
    """Find the stories of ``articles`` and write them as JSONL with ``story``, ``story_size``, ``representative``.

    ``articles`` are read twice (stories first, then the output); standard input is
    held in memory. Returns the :class:`~textkit.analysis.dedup.Stories`.
    """
    from textkit.analysis.dedup import label_stories

    articles = reiterable(articles)
    stories = find_duplicates(articles, **params)
    for record in label_stories(articles, stories):
        if record["representative"] or not representatives_only:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return stories


def unique_stories(articles: Iterable[Article], **params: Any) -> Any:
    """The representatives of ``articles``' stories, re-iterable: what ``train``/``topics fit --dedup`` read.

    ``params`` as :class:`~textkit.analysis.dedup.StoryIndex`. The wrapped stream's
    ``source`` and ``stats`` stay reachable; ``.stories`` is set after the first pass.
    """
    from textkit.analysis.dedup import Representatives

    return Representatives(reiterable(articles), **params)


def compare_saved(
    articles: Iterable[Article],
    model: str,
    by: str = "source",
    *,
    models_dir: str | Path | None = None,
    resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    min_group: int = 10,
    dedup: bool = False,
) -> Any:
    """Shares of the saved model's themes or topics per group, with bootstrap intervals (``textkit compare``).

    Themes: the share of a group's articles tagged with each theme (the model's own
    thresholds). Topics: each topic's mean share in the group's articles (articles
    with no word of the model's vocabulary are left out and counted). Groups with
    fewer than ``min_group`` articles are left out and counted in ``skipped``.

    Returns a :class:`~textkit.analysis.compare.Comparison`.

    Raises
    ------
    ConfigError
        An unknown ``by``, ``min_group`` below 2, or bad bootstrap options.
    ModelStoreError
        No such model, or not a themes/topics model.
    InputError
        No group with ``min_group`` articles.
    """
    from textkit.analysis.compare import MEASURES, compare_groups, group_key
    from textkit.store import ModelStore

    group_key(Article(id="", text=""), by)  # an unknown grouping fails before the model loads
    if min_group < 2:
        raise ConfigError(f"min_group must be at least 2, not {min_group}", param="min_group")
    kind = ModelStore(models_dir).manifest(model).get("kind")
    if dedup:
        articles = unique_stories(articles)
    # The groups of the articles sent to the model and not yet predicted (a batch at most):
    # predictions come back in input order.
    pending: deque[str] = deque()
    skipped: dict[str, int] = {}

    def kept(stream: Iterable[Article]) -> Iterable[Article]:
        for article in stream:
            key = group_key(article, by)
            if key is None:
                skipped[f"no {by}"] = skipped.get(f"no {by}", 0) + 1
            else:
                pending.append(key)
                yield article

    if kind == "topics":
        from textkit.workflows.topics import load_topic_model

        topic_model, _ = load_topic_model(model, models_dir)
        columns = list(topic_model.labels_)
        records: Iterator[Record] = topic_model.infer(kept(articles))
        measure = MEASURES["topics"]
    else:
        from textkit.themes.predict import predict_stream
        from textkit.workflows.themes import load_classifier

        classifier = load_classifier(model, models_dir)  # refuses any other kind
        columns = [str(c) for c in classifier.classes_]
        records = predict_stream(classifier, kept(articles))
        measure = MEASURES["themes"]
    keys: list[str] = []
    rows: list[list[float]] = []
    for record in records:
        key = pending.popleft()
        if kind == "topics" and not record["labels"]:  # no dominant topic: no known word
            skipped["no known word"] = skipped.get("no known word", 0) + 1
            continue
        keys.append(key)
        if kind == "topics":
            rows.append([record["scores"][c] for c in columns])
        else:
            rows.append([1.0 if c in record["labels"] else 0.0 for c in columns])
    return compare_groups(
        keys,
        rows,
        columns,
        by=by,
        min_group=min_group,
        resamples=resamples,
        confidence=confidence,
        seed=seed,
        measure=measure,
        skipped=skipped,
    )


def write_comparison(comparison: Any, handle: IO[str], format: str) -> None:
    """The comparison as ``csv`` (shares) or ``json`` (shares and differences)."""
    if format == "csv":
        comparison.write_csv(handle)
    elif format == "json":
        comparison.write_json(handle)
    else:
        raise ConfigError(f"unknown format {format!r}", hint="use table, csv or json", param="format")


def write_chart(comparison: Any, path: str | Path, title: str) -> Path:
    """Write the comparison's self-contained HTML page (chart as an inline PNG) atomically."""
    from textkit.analysis.compare import chart_html
    from textkit.atomic import atomic_write

    target = Path(path)
    try:
        with atomic_write(target, "w", encoding="utf-8") as handle:
            handle.write(chart_html(comparison, title))
    except OSError as error:
        raise InputError(f"cannot write the chart to {target} ({error.strerror or error})") from None
    return target
