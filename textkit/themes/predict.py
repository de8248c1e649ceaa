"""Tag a stream of articles with themes, in constant memory and in input order.

:func:`predict_stream` is what ``textkit predict`` runs and what a service would call:
it reads articles (or plain strings) lazily, predicts them in small batches, and
yields one record per article::

    {"id": "a1", "labels": ["diplomacy"], "scores": {"diplomacy": 0.91, "economy": 0.04, ...}}

:func:`textkit.workflows.output.write_records` writes those records as JSONL or CSV.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice, repeat
from typing import Any

from textkit.errors import ConfigError
from textkit.reading.articles import Article
from textkit.records import ThemeRecord
from textkit.themes.data import check_selection

THEMES_KIND = "themes"


def _as_article(item: Article | str, number: int) -> Article:
    return item if isinstance(item, Article) else Article(id=str(number), text=item)


def predict_stream(
    model: Any,
    articles: Iterable[Article | str],
    *,
    threshold: float | None = None,
    top_k: int | None = None,
    explain: int = 0,
    batch_size: int = 256,
    digits: int = 4,
) -> Iterator[ThemeRecord]:
    """Predict themes for each article, lazily, one record per article in input order.

    Parameters
    ----------
    model : ThemeClassifier
        A fitted theme classifier (see :func:`textkit.workflows.themes.load_classifier`).
        Each batch is tokenized once: its ``features`` give the scores, the labels
        (``labels_from_scores``) and the explanations.
    articles : iterable of Article or str
        Read lazily, ``batch_size`` at a time, so memory stays constant however long
        the stream is. A plain string gets the id ``"1"``, ``"2"``... by position.
    threshold, top_k : optional
        As in ``model.predict_labels``: one score threshold for every label instead
        of the tuned ones, or the ``top_k`` best labels.
    explain : int
        If positive, add ``"explanation"``: for each predicted label, the ``explain``
        terms that contributed most (see :func:`textkit.themes.explain.explain_row`).
    batch_size : int
        Articles predicted together; larger batches are faster and use more memory.
    digits : int
        Scores are rounded to this many decimals.

    Returns
    -------
    iterator of dict
        ``{"id", "labels", "scores"}`` and, with ``explain``, ``"explanation"``.

    Raises
    ------
    ConfigError
        Bad options, at the call (not at the first record), before any article is read.
    """
    if batch_size < 1:
        raise ConfigError(f"batch_size must be at least 1, not {batch_size}", param="batch_size")
    check_selection(threshold, top_k)
    return _records(model, articles, threshold, top_k, explain, batch_size, digits)


def _records(
    model: Any,
    articles: Iterable[Article | str],
    threshold: float | None,
    top_k: int | None,
    explain: int,
    batch_size: int,
    digits: int,
) -> Iterator[ThemeRecord]:
    if explain:
        from textkit.themes.explain import explain_row
    classes = [str(c) for c in model.classes_]
    numbered = (_as_article(item, n) for n, item in enumerate(articles, start=1))
    while batch := list(islice(numbered, batch_size)):
        # One pass over the texts per batch: the scores, labels and explanations all come from these features.
        features = model.features([a.full_text for a in batch])
        raw, proba = model.scores(features)
        labels = model.labels_from_scores(raw, proba, threshold=threshold, top_k=top_k)
        # tolist() gives Python floats in one call, and map() rounds them without a Python
        # frame per score: three times faster than round(float(s)) on numpy scalars, and exact
        # (numpy's own round() is not always the nearest decimal).
        for i, (article, row, predicted) in enumerate(zip(batch, proba.tolist(), labels)):
            record: ThemeRecord = {
                "id": article.id,
                "labels": [str(label) for label in predicted],
                "scores": dict(zip(classes, map(round, row, repeat(digits)))),
            }
            if explain:
                record["explanation"] = explain_row(model, features[i], predicted, n=explain)
            yield record
