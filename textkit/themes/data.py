"""Texts and labels as the theme estimators take them: one reading, checked once.

Internal API of :mod:`textkit.themes`: :mod:`~textkit.themes.classify` and
:mod:`~textkit.themes.evaluate` both turn what a user passes (strings or
:class:`~textkit.reading.articles.Article` objects, label lists or an indicator matrix)
into plain texts and an indicator matrix here, so both refuse the same bad input
with the same message.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from textkit.errors import ConfigError, InputError, TrainingError
from textkit.messages import warn
from textkit.reading.articles import Article


def as_texts(X: Any, training: bool = True) -> list[str]:
    """Texts from strings or Articles (an Article gives its ``full_text``), with a clear error for anything else.

    Raises
    ------
    InputError
        A single string or Article instead of a list of them, or (``training=False``)
        an item that is neither.
    TrainingError
        ``training=True`` and an item that is neither.
    """
    if isinstance(X, (str, Article)):
        raise InputError("expected a list of texts, got a single text", hint="wrap it in a list: [text]")
    texts = []
    for i, item in enumerate(X):
        if isinstance(item, Article):
            texts.append(item.full_text)
        elif isinstance(item, str):
            texts.append(item)
        else:
            error = TrainingError if training else InputError
            raise error(f"text {i} is a {type(item).__name__}, not a string or Article")
    return texts


def encode_labels(y: Any, n_texts: int) -> tuple[np.ndarray, np.ndarray, bool]:
    """Indicator matrix, sorted classes and multi-label flag of ``y``, checked for trainability.

    ``y`` holds one label per text (single-label), a label list per text (multi-label
    unless every list has exactly one label), or is an indicator matrix (multi-label).

    Raises
    ------
    TrainingError
        A length mismatch, no labels, one class only, or a single-label class with one example.
    """
    if hasattr(y, "shape") and len(y.shape) == 2:
        Y = np.asarray(y.todense() if hasattr(y, "todense") else y)
        if not np.isin(Y, (0, 1)).all():
            raise TrainingError("an indicator matrix of labels may only hold 0 and 1")
        Y, classes, multilabel = Y.astype(int), np.arange(Y.shape[1]), True
    else:
        y = list(y)
        if all(isinstance(v, (list, tuple, set, frozenset)) for v in y) and y and all(len(v) == 1 for v in y):
            y = [next(iter(v)) for v in y]
        multilabel = bool(y) and not any(isinstance(v, str) or np.isscalar(v) for v in y)
        if multilabel:
            from sklearn.preprocessing import MultiLabelBinarizer

            binarizer = MultiLabelBinarizer()
            Y, classes = binarizer.fit_transform(y), binarizer.classes_
        else:
            values = np.asarray(y, dtype=object if any(isinstance(v, str) for v in y) else None)
            classes, codes = np.unique(values, return_inverse=True)
            Y = np.eye(len(classes), dtype=int)[codes] if len(classes) else np.zeros((len(y), 0), dtype=int)
    if len(Y) != n_texts:
        raise TrainingError(
            f"{n_texts} texts but {len(Y)} label entries", hint="give one label (or label list) per text"
        )
    counts = Y.sum(axis=0)
    if len(classes) == 0:
        raise TrainingError("the training texts have no labels", hint="label them first")
    if len(classes) == 1 and (not multilabel or counts[0] == n_texts):
        raise TrainingError(
            f"only one class ({classes[0]!r}) in the training labels",
            hint="a classifier needs examples of at least two labels",
        )
    single = [str(c) for c, n in zip(classes, counts) if n == 1]
    if single and not multilabel:
        raise TrainingError(
            f"label(s) {', '.join(single)} have a single training example",
            hint="add examples or drop these labels: a label cannot be learned from one text",
        )
    if single:
        # Multi-label corpora have long tails (Reuters has 7 such labels): keep them, say so.
        warn(
            f"label(s) {', '.join(single[:10])}{' ...' if len(single) > 10 else ''} have a single training example: "
            "they will rarely be predicted and their thresholds are not tuned",
            stacklevel=3,
        )
    return Y, classes, multilabel


def single_labels(y: Any) -> np.ndarray:
    """One label per text from labels or one-element label lists."""
    return np.asarray([v if isinstance(v, str) or np.isscalar(v) else next(iter(v)) for v in y], dtype=object)


def check_selection(threshold: float | None, top_k: int | None) -> None:
    """Check the label-selection options of ``predict_labels`` / ``predict_stream``.

    Raises
    ------
    ConfigError
        ``top_k`` below 1 or ``threshold`` outside [0, 1] (``param`` names it).
    """
    if top_k is not None and top_k < 1:
        raise ConfigError(f"top_k must be at least 1, not {top_k}", param="top_k")
    if threshold is not None and not 0.0 <= threshold <= 1.0:
        raise ConfigError(f"threshold must be between 0 and 1, not {threshold}", param="threshold")


def choose_labels(
    classes: Any,
    proba: np.ndarray,
    tuned: np.ndarray,
    threshold: float | None,
    top_k: int | None,
    multilabel: bool,
    ensure_top_label: bool = False,
) -> list[tuple[Any, ...]]:
    """Each text's labels, best first, from its probabilities (``predict_labels`` of the theme models).

    ``threshold``: labels at or above it; ``top_k``: the ``top_k`` best; otherwise a
    multi-label model's own choice (``tuned``, a boolean matrix) or a single-label model's
    best label. A single-label model always gives its best label unless ``threshold`` is
    set; ``ensure_top_label`` does so for a multi-label one too.
    """
    if threshold is not None:
        chosen = proba >= threshold
    elif top_k is not None:
        chosen = np.ones_like(proba, dtype=bool)
    elif multilabel:
        chosen = tuned.copy()
    else:
        chosen = proba >= proba.max(axis=1, keepdims=True)
    if ensure_top_label or (not multilabel and threshold is None):
        add_top_label(chosen, proba)
    order = np.argsort(-proba, axis=1, kind="stable")
    labels = []
    for row, ranked in zip(chosen, order):
        picked = [classes[j] for j in ranked if row[j]]
        labels.append(tuple(picked[:top_k] if top_k else picked))
    return labels


def add_top_label(chosen: np.ndarray, proba: np.ndarray) -> None:
    """Mark each row's most probable label where no label is chosen (in place)."""
    empty = ~chosen.any(axis=1)
    chosen[np.flatnonzero(empty), proba[empty].argmax(axis=1)] = True
