"""Measure theme classifiers: held-out reports, cross-validation and a small parameter search.

All metrics come from :mod:`sklearn.metrics`; folds are stratified (iterative
stratification from ``iterative-stratification`` for multi-label data, so rare
labels are spread over the folds).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from textkit import progress
from textkit.errors import ConfigError, TrainingError
from textkit.reading.articles import Article
from textkit.themes.data import as_texts, encode_labels

# Searched by default, the classifier's defaults first so a tight budget still
# returns a sensible model.
DEFAULT_GRID = {"C": [None, 0.25, 1.0], "ngram_range": [(1, 2), (1, 1)], "min_df": [2, 1]}


@dataclass
class EvaluationReport:
    """Quality of predicted labels against true ones.

    Attributes
    ----------
    multilabel : bool
    labels : list
        Every label that is true or predicted somewhere, sorted.
    per_label : dict
        ``{label: {"precision", "recall", "f1", "support"}}``.
    summary : dict
        Multi-label: ``micro_f1``, ``macro_f1``, ``weighted_f1``, ``samples_f1``,
        ``subset_accuracy``, ``hamming_loss``. Single-label: ``accuracy``,
        ``micro_f1``, ``macro_f1``, ``weighted_f1``.
    confusion : list of list of int or None
        Single-label only: rows are true labels, columns predicted, in ``labels`` order.
    n_samples : int
    folds : int or None
        Set when the predictions are pooled out-of-fold predictions.
    """

    multilabel: bool
    labels: list[Any]
    per_label: dict[Any, dict[str, float]]
    summary: dict[str, float]
    n_samples: int
    confusion: list[list[int]] | None = None
    folds: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: the summary metrics at the top level, then per-label rows (labels as strings)."""
        return {
            **self.summary,
            "multilabel": self.multilabel,
            "n_samples": self.n_samples,
            "folds": self.folds,
            "per_label": {str(k): v for k, v in self.per_label.items()},
            "labels": [str(label) for label in self.labels],
            "confusion": self.confusion,
        }

    def table(self) -> str:
        """The report as aligned text: one row per label, then the summary."""
        width = max([len(str(label)) for label in self.labels] + [len("label")])
        lines = [f"{'label':<{width}}  precision  recall     f1  support"]
        for label, row in self.per_label.items():
            numbers = f"{row['precision']:9.3f}  {row['recall']:6.3f}  {row['f1']:5.3f}  {row['support']:7d}"
            lines.append(f"{label!s:<{width}}  {numbers}")
        lines.append("")
        source = f"{self.folds}-fold cross-validation, " if self.folds else ""
        lines.append(f"{source}{self.n_samples} texts")
        lines.extend(f"{name:<16} {value:.4f}" for name, value in self.summary.items())
        if self.confusion is not None:
            lines.append("")
            lines.append("confusion (rows: true, columns: predicted, in label order)")
            for counts, label in zip(self.confusion, self.labels):
                lines.append(" ".join(f"{n:5d}" for n in counts) + f"  {label}")
        return "\n".join(lines)


def report(
    y_true: Sequence[Any], y_pred: Sequence[Sequence[Any]], multilabel: bool, folds: int | None = None
) -> EvaluationReport:
    """An :class:`EvaluationReport` from true labels and predicted label tuples.

    ``y_true`` holds one label per text or one label list per text; ``y_pred`` holds
    label tuples as :meth:`ThemeClassifier.predict_labels` returns them.
    """
    from sklearn import metrics
    from sklearn.preprocessing import MultiLabelBinarizer

    true_sets = [[v] if isinstance(v, str) or np.isscalar(v) else list(v) for v in y_true]
    seen = {label for row in true_sets for label in row} | {label for row in y_pred for label in row}
    labels = sorted(seen, key=str)
    per_label: dict[Any, dict[str, float]] = {}
    if multilabel:
        binarizer = MultiLabelBinarizer(classes=labels)
        truth, predicted = binarizer.fit_transform(true_sets), binarizer.transform([list(p) for p in y_pred])
        summary = {
            "micro_f1": metrics.f1_score(truth, predicted, average="micro", zero_division=0),
            "macro_f1": metrics.f1_score(truth, predicted, average="macro", zero_division=0),
            "weighted_f1": metrics.f1_score(truth, predicted, average="weighted", zero_division=0),
            "samples_f1": metrics.f1_score(truth, predicted, average="samples", zero_division=0),
            "subset_accuracy": metrics.accuracy_score(truth, predicted),
            "hamming_loss": metrics.hamming_loss(truth, predicted),
        }
        confusion = None
    else:
        truth = [row[0] for row in true_sets]
        predicted = [row[0] if row else None for row in y_pred]
        if None in predicted:
            raise ConfigError("single-label evaluation needs exactly one predicted label per text")
        summary = {
            "accuracy": metrics.accuracy_score(truth, predicted),
            "micro_f1": metrics.f1_score(truth, predicted, labels=labels, average="micro", zero_division=0),
            "macro_f1": metrics.f1_score(truth, predicted, labels=labels, average="macro", zero_division=0),
            "weighted_f1": metrics.f1_score(truth, predicted, labels=labels, average="weighted", zero_division=0),
        }
        confusion = metrics.confusion_matrix(truth, predicted, labels=labels).tolist()
    precision, recall, f1, support = metrics.precision_recall_fscore_support(
        truth, predicted, labels=None if multilabel else labels, zero_division=0
    )
    for j, label in enumerate(labels):
        per_label[label] = {
            "precision": round(float(precision[j]), 4),
            "recall": round(float(recall[j]), 4),
            "f1": round(float(f1[j]), 4),
            "support": int(support[j]),
        }
    summary = {name: round(float(value), 4) for name, value in summary.items()}
    return EvaluationReport(multilabel, labels, per_label, summary, len(true_sets), confusion, folds)


def evaluate(model: Any, X: Iterable[str | Article], y: Sequence[Any]) -> EvaluationReport:
    """Evaluate a fitted classifier on labelled texts ``X``, ``y`` (its tuned thresholds apply).

    Labels in ``y`` that the model does not know count as missed.
    """
    texts = as_texts(X, training=False)
    if len(texts) != len(y):
        raise ConfigError(f"{len(texts)} texts but {len(y)} label entries")
    if not texts:
        raise ConfigError("no texts to evaluate on", hint="check the data file")
    return report(y, model.predict_labels(texts), model.multilabel_)


def _folds(y: Any, n_texts: int, cv: int, random_state: int) -> tuple[list[tuple[np.ndarray, np.ndarray]], bool]:
    """Stratified train/test index pairs for ``y`` and whether it is multi-label."""
    if not isinstance(cv, int) or cv < 2:
        raise ConfigError(f"cv must be an integer of at least 2, not {cv!r}")
    Y, classes, multilabel = encode_labels(y, n_texts)
    if cv > n_texts:
        raise TrainingError(f"{cv} folds need at least {cv} texts, not {n_texts}", hint="use fewer folds")
    if multilabel:
        from iterstrat.ml_stratifiers import MultilabelStratifiedKFold

        splitter, target = MultilabelStratifiedKFold(n_splits=cv, shuffle=True, random_state=random_state), Y
    else:
        from sklearn.model_selection import StratifiedKFold

        counts = Y.sum(axis=0)
        if counts.min() < cv:
            rarest = classes[int(counts.argmin())]
            raise TrainingError(
                f"label {rarest!r} has {int(counts.min())} example(s), fewer than the {cv} folds",
                hint="use fewer folds or add examples: every fold needs each label",
            )
        splitter, target = StratifiedKFold(n_splits=cv, shuffle=True, random_state=random_state), Y.argmax(axis=1)
    return list(splitter.split(np.zeros(n_texts), target)), multilabel


def cross_validate(
    estimator: Any, X: Iterable[str | Article], y: Sequence[Any], cv: int = 5, random_state: int = 0
) -> EvaluationReport:
    """Fit a clone of ``estimator`` on each of ``cv`` stratified folds; report on the pooled predictions.

    Raises
    ------
    TrainingError
        Data that cannot be split or trained on (e.g. a single-label class with fewer
        examples than folds).
    """
    from sklearn.base import clone

    texts = as_texts(X)
    labels = list(y)
    folds, multilabel = _folds(labels, len(texts), cv, random_state)
    from joblib import Parallel, delayed

    def fold(train: np.ndarray, test: np.ndarray) -> list[tuple[Any, ...]]:
        model = clone(estimator).fit([texts[i] for i in train], [labels[i] for i in train])
        return list(model.predict_labels([texts[i] for i in test]))

    predicted: list[tuple[Any, ...]] = [()] * len(texts)
    # One fold per task: in turn here, or on a cluster inside joblib's parallel_config (textkit train --cluster).
    results = Parallel(return_as="generator")(delayed(fold)(train, test) for train, test in folds)
    for rows, (_, test) in zip(progress.track(results, "cross-validating", len(folds), "folds"), folds):
        for i, row in zip(test, rows):
            predicted[i] = row
    return report(labels, predicted, multilabel, folds=cv)


@dataclass
class SearchResult:
    """Outcome of :func:`search`: the best parameters, refitted on all data, and every trial."""

    best_params: dict[str, Any]
    best_score: float
    estimator: Any
    trials: list[dict[str, Any]] = field(default_factory=list)
    complete: bool = True  # False when the time budget stopped the search early


def search(
    estimator: Any,
    X: Iterable[str | Article],
    y: Sequence[Any],
    param_grid: dict[str, list[Any]] | None = None,
    time_budget: float | None = None,
    cv: int = 3,
    random_state: int = 0,
) -> SearchResult:
    """Try parameter combinations by cross-validated score, within a time budget.

    Candidates come from scikit-learn's ``ParameterGrid`` (default
    :data:`DEFAULT_GRID`: C, n-gram range, min_df), scored with
    ``cross_val_score`` and the estimator's own ``score`` (micro-F1 or accuracy).
    The search stops starting new candidates once ``time_budget`` seconds have
    passed; the first candidate always runs. The best is refitted on all data.
    """
    from sklearn.base import clone
    from sklearn.model_selection import ParameterGrid, cross_val_score

    texts = as_texts(X)
    labels = list(y)
    folds, _ = _folds(labels, len(texts), cv, random_state)
    grid = ParameterGrid(param_grid or DEFAULT_GRID)
    start = time.perf_counter()
    trials: list[dict[str, Any]] = []
    for params in grid:
        if trials and time_budget is not None and time.perf_counter() - start > time_budget:
            break
        scores = cross_val_score(clone(estimator).set_params(**params), texts, labels, cv=folds)
        trials.append(
            {"params": params, "score": round(float(np.mean(scores)), 4), "std": round(float(np.std(scores)), 4)}
        )
    best = max(trials, key=lambda trial: trial["score"])
    model = clone(estimator).set_params(**best["params"]).fit(texts, labels)
    return SearchResult(best["params"], best["score"], model, trials, complete=len(trials) == len(grid))
