"""Train a theme classifier on labelled articles and save it in the model store.

:func:`train_model` is what ``textkit train`` runs: one call that checks the data,
optionally cross-validates, fits on everything, fingerprints the training data and
saves the model with its manifest.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textkit.errors import ConfigError, TextkitError, TrainingError
from textkit.reading.articles import Article, fingerprint


@dataclass
class TrainResult:
    """What :func:`train_model` made: the fitted model, its manifest and the CV report if any."""

    model: Any
    manifest: dict[str, Any]
    cv_report: Any = None  # textkit.themes.evaluate.EvaluationReport when cv was asked for
    seconds: float = 0.0


def make_classifier(model_params: dict[str, Any] | None = None) -> Any:
    """A :class:`~textkit.themes.classify.ThemeClassifier` from keyword parameters, with clear errors.

    Raises
    ------
    ConfigError
        A parameter the classifier does not take, or a value it refuses.
    """
    from textkit.themes.classify import ThemeClassifier

    params = dict(model_params or {})
    known = ThemeClassifier._get_param_names()
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise ConfigError(f"unknown classifier parameter(s): {', '.join(unknown)}", hint=f"known: {', '.join(known)}")
    return ThemeClassifier(**params)


def labelled_list(articles: Iterable[Article], purpose: str, error: type[TextkitError]) -> list[Article]:
    """The articles as a list, refused with ``error`` if there are none or some lack labels."""
    articles = list(articles)
    if not articles:
        raise error(f"no articles to {purpose}", hint="check the data file(s) and the --text-field option")
    unlabelled = [a.id for a in articles if not a.labels]
    if unlabelled:
        raise error(
            f"{len(unlabelled)} of {len(articles)} articles have no labels (first: {unlabelled[0]})",
            hint="label them, or check --label-field",
        )
    return articles


def train_model(
    articles: Iterable[Article],
    name: str = "themes",
    models_dir: str | Path | None = None,
    model_params: dict[str, Any] | None = None,
    cv: int | None = None,
    force: bool = False,
) -> TrainResult:
    """Fit a theme classifier on labelled articles and save it as ``name``.

    Parameters
    ----------
    articles : iterable of Article
        Labelled articles (read once into memory: the vectorizer needs them all).
    name : str
        Model name in the store (``models_dir/<name>/``).
    models_dir : str or Path, optional
        The model store folder; default ``$TEXTKIT_MODELS_DIR`` or ``models/``.
    model_params : dict, optional
        Keyword arguments of :class:`~textkit.themes.classify.ThemeClassifier`
        (``model``, ``C``, ``ngram_range``, ``min_df``...).
    cv : int, optional
        Cross-validate with this many folds first; the report is returned and its
        summary stored in the manifest's metrics.
    force : bool
        Replace an existing model of that name.

    Returns
    -------
    TrainResult

    Raises
    ------
    ModelStoreError
        The name is taken and ``force`` is false (checked before any fitting).
    TrainingError
        No articles, or articles without labels.
    ConfigError
        Unknown classifier parameters or ``cv`` below 2.
    """
    from textkit.store.modelstore import ModelStore

    store = ModelStore(models_dir)
    # Refuse a taken name before minutes of fitting, not after (save checks again).
    store._refuse_existing(name, force)
    if cv is not None and cv < 2:
        raise ConfigError(f"cv must be at least 2 folds, not {cv}")
    classifier = make_classifier(model_params)
    articles = labelled_list(articles, "train on", TrainingError)
    labels = [list(a.labels) for a in articles]
    start = time.perf_counter()
    report = None
    if cv:
        from sklearn.base import clone

        from textkit.themes.evaluate import cross_validate

        report = cross_validate(clone(classifier), articles, labels, cv=cv)
    classifier.fit(articles, labels)
    seconds = time.perf_counter() - start
    metrics: dict[str, Any] = {"train_seconds": round(seconds, 3)}
    if report is not None:
        metrics["cv"] = {"folds": cv, **report.to_dict()}
    manifest = store.save(classifier, name, force=force, metrics=metrics, data=fingerprint(articles))
    return TrainResult(classifier, manifest, report, seconds)
