"""Why a theme classifier tags what it tags: label top terms and per-text contributions.

Every :class:`~textkit.themes.classify.ThemeClassifier` is linear in its TF-IDF features,
so a label's score for a text is the sum over the text's terms of
``weight × tf-idf value``; these functions read those products directly.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from typing import Any

import numpy as np

from textkit.errors import ConfigError, NotFittedError
from textkit.themes.features import feature_names

# Feature names of a fitted vectorizer, built once per model (hundreds of thousands
# of strings: too slow to rebuild for every explained text).
_NAMES: weakref.WeakKeyDictionary[Any, np.ndarray] = weakref.WeakKeyDictionary()

Terms = list[tuple[str, float]]


def _names(model: Any) -> np.ndarray:
    if not hasattr(model, "coef_"):
        raise NotFittedError("cannot explain an unfitted classifier", hint="fit it first, or load a trained model")
    vectorizer = model.vectorizer_
    if vectorizer not in _NAMES:
        _NAMES[vectorizer] = feature_names(vectorizer)
    return _NAMES[vectorizer]


def _check_n(n: int) -> None:
    if n < 1:
        raise ConfigError(f"the number of terms must be at least 1, not {n}")


def top_terms(model: Any, label: Any = None, n: int = 15) -> dict[Any, dict[str, Terms]]:
    """The ``n`` terms with the largest positive and negative weight for each label.

    Parameters
    ----------
    model : ThemeClassifier
        A fitted classifier.
    label : optional
        Only this label (default: every label).
    n : int
        Terms per list.

    Returns
    -------
    dict
        ``{label: {"positive": [(term, weight), ...], "negative": [...]}}``, each list
        strongest first.

    Raises
    ------
    ConfigError
        A label the model does not know, or ``n`` below 1.
    """
    _check_n(n)
    names = _names(model)
    labels = list(model.classes_)
    if label is not None and label not in labels:
        raise ConfigError(f"unknown label {label!r}", hint=f"the model's labels: {', '.join(map(str, labels))}")
    result = {}
    for j, name in enumerate(labels):
        if label is not None and name != label:
            continue
        weights = model.coef_[j]
        order = np.argsort(weights, kind="stable")
        positive = [(str(names[i]), round(float(weights[i]), 4)) for i in order[::-1][:n] if weights[i] > 0]
        negative = [(str(names[i]), round(float(weights[i]), 4)) for i in order[:n] if weights[i] < 0]
        result[name] = {"positive": positive, "negative": negative}
    return result


def explain_text(model: Any, text: str, n: int = 10) -> dict[Any, Terms]:
    """The terms of ``text`` that contributed most to each label predicted for it.

    A term's contribution to a label is the label's weight for the term times the
    term's TF-IDF value in the text.

    Returns
    -------
    dict
        ``{label: [(term, contribution), ...]}`` for the predicted labels, largest
        positive contribution first, at most ``n`` terms each.
    """
    _check_n(n)
    features = model.features([text])
    predicted = model.labels_from_scores(*model.scores(features))[0]
    return explain_row(model, features, predicted, n)


def explain_row(model: Any, features: Any, labels: Iterable[Any], n: int = 10) -> dict[Any, Terms]:
    """:func:`explain_text` for ``labels`` from one row of a :meth:`ThemeClassifier.features` matrix.

    :func:`textkit.themes.predict.predict_stream` explains a whole batch from the
    matrix it scored, without tokenizing the texts again.
    """
    _check_n(n)
    names = _names(model)
    row = features.tocsr()  # no copy when it is CSR already
    index = {c: j for j, c in enumerate(model.classes_)}
    result = {}
    for label in labels:
        contributions = row.data * model.coef_[index[label], row.indices]
        order = np.argsort(-contributions, kind="stable")[:n]
        terms = row.indices[order]
        result[label] = [(str(names[t]), round(float(c), 4)) for t, c in zip(terms, contributions[order]) if c > 0]
    return result
