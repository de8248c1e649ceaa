"""Tag a stream of articles with themes, in constant memory and in input order.

:func:`predict_stream` is what ``textkit predict`` runs and what a service would call:
it reads articles (or plain strings) lazily, predicts them in small batches, and
yields one record per article::

    {"id": "a1", "labels": ["diplomacy"], "scores": {"diplomacy": 0.91, "economy": 0.04, ...}}

:func:`textkit.workflows.output.write_records` writes those records as JSONL or CSV.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from textkit.errors import ConfigError
from textkit.reading.articles import Article

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
) -> Iterator[dict[str, Any]]:
    """Predict themes for each article, lazily, one record per article in input order.

    Parameters
    ----------
    model : ThemeClassifier
        A fitted theme classifier (see :func:`load_classifier`).
    articles : iterable of Article or str
        Read lazily, ``batch_size`` at a time, so memory stays constant however long
        the stream is. A plain string gets the id ``"1"``, ``"2"``... by position.
    threshold, top_k : optional
        Passed to ``model.predict_labels``: one score threshold for every label
        instead of the tuned ones, or the ``top_k`` best labels.
    explain : int
        If positive, add ``"explanation"``: for each predicted label, the ``explain``
        terms that contributed most (see :func:`textkit.themes.explain.explain_text`).
    batch_size : int
        Articles predicted together; larger batches are faster and use more memory.
    digits : int
        Scores are rounded to this many decimals.

    Yields
    ------
    dict
        ``{"id", "labels", "scores"}`` and, with ``explain``, ``"explanation"``.
    """
    if batch_size < 1:
        raise ConfigError(f"batch_size must be at least 1, not {batch_size}", param="batch_size")
    if top_k is not None and top_k < 1:
        raise ConfigError(f"top_k must be at least 1, not {top_k}", param="top_k")
    if threshold is not None and not 0.0 <= threshold <= 1.0:
        raise ConfigError(f"threshold must be between 0 and 1, not {threshold}", param="threshold")
    if explain:
        from textkit.themes.explain import explain_text
    classes = [str(c) for c in model.classes_]
    numbered = (_as_article(item, n) for n, item in enumerate(articles, start=1))
    while batch := list(islice(numbered, batch_size)):
        texts = [a.full_text for a in batch]
        scores = model.predict_proba(texts)
        labels = model.predict_labels(texts, threshold=threshold, top_k=top_k)
        for article, text, row, predicted in zip(batch, texts, scores, labels):
            record: dict[str, Any] = {
                "id": article.id,
                "labels": [str(label) for label in predicted],
                "scores": {c: round(float(s), digits) for c, s in zip(classes, row)},
            }
            if explain:
                record["explanation"] = _explanation(explain_text(model, text, n=explain), predicted)
            yield record


def _explanation(explained: Any, labels: Sequence[str]) -> dict[str, Any]:
    """The explanation of the predicted labels only, JSON-ready."""
    return {label: explained[label] for label in labels if label in explained}
