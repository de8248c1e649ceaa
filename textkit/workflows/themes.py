"""Theme use cases, one function per command: train, load, tag with, evaluate, explain a saved classifier.

:func:`train_model` is what ``textkit train`` runs: one call that checks the name and
the data, optionally cross-validates, fits on everything, fingerprints the training data
and saves the model with its manifest. :func:`load_classifier`, :func:`tag`,
:func:`evaluate_saved` and :func:`explain_saved` work on a saved model.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textkit.errors import ConfigError, InputError, TextkitError, TrainingError
from textkit.messages import warn
from textkit.reading.articles import Article, fingerprint
from textkit.records import Job
from textkit.workflows.output import cluster_path, scored

THEMES_KIND = "themes"
MAX_LABELS = 1000


@dataclass
class TrainResult:
    """What :func:`train_model` made: the fitted model, its manifest and the CV report if any."""

    model: Any
    manifest: dict[str, Any]
    cv_report: Any = None  # textkit.themes.evaluate.EvaluationReport when cv was asked for
    seconds: float = 0.0


def make_classifier(model_params: dict[str, Any] | None = None) -> Any:
    """An unfitted :class:`~textkit.themes.classify.ThemeClassifier` from keyword parameters, checked.

    The values are checked against the classifier's ``_parameter_constraints`` here,
    before any data is read, by the same rules ``fit`` applies.

    ``features="hashing"`` gives a :class:`~textkit.themes.hashing.HashingThemeClassifier` instead.

    Raises
    ------
    ConfigError
        A parameter the classifier does not take, or a value it refuses (``param`` names it).
    """
    from textkit.params import validate_params
    from textkit.themes.classify import ThemeClassifier

    params = dict(model_params or {})
    features = params.pop("features", "tfidf")
    if features not in ("tfidf", "hashing"):
        raise ConfigError(f"features must be 'tfidf' or 'hashing', not {features!r}", param="features")
    if features == "hashing":  # hashed features trained part by part: corpora larger than memory
        from textkit.themes.hashing import HashingThemeClassifier

        known, unknown = (
            HashingThemeClassifier._get_param_names(),
            sorted(set(params) - set(HashingThemeClassifier._get_param_names())),
        )
        if unknown:
            raise ConfigError(
                f"parameter(s) not used with features='hashing': {', '.join(unknown)}",
                hint=f"known: {', '.join(known)}",
            )
        return HashingThemeClassifier(**params)
    known = ThemeClassifier._get_param_names()
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise ConfigError(f"unknown classifier parameter(s): {', '.join(unknown)}", hint=f"known: {', '.join(known)}")
    classifier = ThemeClassifier(**params)
    validate_params(classifier)
    return classifier


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


def check_label_count(articles: Sequence[Article]) -> None:
    """Refuse, before any fitting, more distinct labels than a theme model can learn.

    Each label is one linear model over the whole vocabulary: 20,000 labels (a label field
    filled with words by mistake) took 84 s and 3 GB before a warning. Theme sets are
    tens of labels (Reuters-21578 has 90).
    """
    labels = Counter(label for a in articles for label in a.labels)
    if len(labels) > MAX_LABELS:
        common = ", ".join(label for label, _ in labels.most_common(3))
        raise TrainingError(
            f"{len(labels):,} distinct labels (most common: {common}); a theme model takes at most {MAX_LABELS:,}",
            hint="check --label-field: it should name the themes, not the text",
        )


def warn_repeats(articles: Sequence[Article], purpose: str) -> None:
    """Warn when articles repeat (an id or a text seen before): repeats inflate cross-validated scores.

    Reading ``a.jsonl a.jsonl``, or a test file together with its training file, is a
    mistake no score shows: each article is then in both the training and the test folds.
    """
    ids = Counter(a.id for a in articles)
    texts = Counter(hashlib.sha1(a.full_text.encode("utf-8", "surrogatepass")).digest() for a in articles)
    repeated_ids = sum(n - 1 for n in ids.values())
    repeated_texts = sum(n - 1 for n in texts.values())
    if repeated_ids or repeated_texts:
        first = next((i for i, n in ids.items() if n > 1), None)
        parts = [f"{repeated_ids} repeated id(s) (first: {first})"] if repeated_ids else []
        parts += [f"{repeated_texts} repeated text(s)"] if repeated_texts else []
        warn(
            f"the {purpose} data repeats articles: {', '.join(parts)}; repeats inflate cross-validated scores "
            "(is one file given twice, or test data with training data? 'textkit dedup' finds republished copies)"
        )


def train_model(
    articles: Iterable[Article],
    name: str = "themes",
    models_dir: str | Path | None = None,
    model_params: dict[str, Any] | None = None,
    cv: int | None = None,
    force: bool = False,
    rules: Any = None,
    self_training: int | None = None,
) -> TrainResult:
    """Fit a theme classifier on labelled articles, or on keyword rules, and save it as ``name``.

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
    rules : path or RuleSet, optional
        Keyword rules (:mod:`textkit.themes.rules`): train on unlabelled articles from
        the rules' votes (:func:`textkit.themes.weak.fit_from_rules`); articles that have
        labels keep them. The manifest's ``data.rules`` records the rules file, its
        content and sha256, and each rule's estimated accuracy.
    self_training : int, optional
        With ``rules``: rounds of out-of-fold relabelling (default: 5 for exclusive
        themes, 0 for multi-label ones, see :func:`textkit.themes.weak.default_rounds`).

    Returns
    -------
    TrainResult

    Raises
    ------
    ModelStoreError
        The name is taken and ``force`` is false (checked before any fitting).
    TrainingError
        No articles, or articles without labels (without ``rules``).
    ConfigError
        Unknown classifier parameters, ``cv`` below 2, ``cv`` with ``rules``, or a bad rules file.
    """
    from textkit.store import ModelStore

    # Options first (no data read yet), then the name: a usage error is reported before anything else.
    if cv is not None and cv < 2:
        raise ConfigError(f"cv must be at least 2 folds, not {cv}", param="cv")
    classifier = make_classifier(model_params)
    store = ModelStore(models_dir)
    # Refuse a taken name before minutes of fitting, not after (save checks again).
    store.ensure_free(name, force)
    if rules is not None:
        return _train_from_rules(store, classifier, articles, name, rules, self_training, cv, force)
    articles = labelled_list(articles, "train on", TrainingError)
    check_label_count(articles)
    warn_repeats(articles, "training")
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


def _train_from_rules(
    store: Any,
    classifier: Any,
    articles: Iterable[Article],
    name: str,
    rules: Any,
    self_training: int | None,
    cv: int | None,
    force: bool,
) -> TrainResult:
    """:func:`train_model` with keyword rules instead of (or besides) labels."""
    from textkit.themes.rules import RuleSet, load_rules
    from textkit.themes.weak import fit_from_rules

    if cv:
        raise ConfigError(
            "cross-validation needs labels, and rules are not labels",
            hint="evaluate the model on labelled articles with `textkit evaluate` instead",
            param="cv",
        )
    ruleset = rules if isinstance(rules, RuleSet) else load_rules(rules)
    articles = list(articles)
    if not articles:
        raise TrainingError("no articles to train on", hint="check the data file(s) and the --text-field option")
    start = time.perf_counter()
    weak = fit_from_rules(
        classifier,
        [a.full_text for a in articles],
        ruleset,
        gold=[a.labels or None for a in articles],
        self_training=self_training,
    )
    seconds = time.perf_counter() - start
    summary = weak.summary(ruleset)
    metrics = {"train_seconds": round(seconds, 3), "rules_covered": summary["covered"]}
    data = {**fingerprint(articles), "trained_from": "rules", "rules": summary}
    manifest = store.save(classifier, name, force=force, metrics=metrics, data=data)
    return TrainResult(classifier, manifest, None, seconds)


def rules_of(manifest: dict[str, Any]) -> Any:
    """The :class:`~textkit.themes.rules.RuleSet` a model was trained from (``textkit train --rules``),
    rebuilt from the text its manifest keeps; None for a model trained on labels."""
    data = manifest.get("data", {})
    if data.get("trained_from") != "rules":
        return None
    from textkit.themes.rules import parse_rules

    recorded = data["rules"]
    return parse_rules(recorded["text"], source=recorded["file"])


def load_classifier(name: str = "themes", models_dir: str | Path | None = None) -> Any:
    """Load a theme classifier from the model store (kind and hashes checked before anything is loaded).

    Raises
    ------
    ModelStoreError
        No such model, a damaged one, or a model of another kind (e.g. topics).
    """
    from textkit.store import load

    return load(name, kind=THEMES_KIND, models_dir=models_dir).model


@contextmanager
def tag(
    source: Sequence[str] | str,
    *,
    model: str = "themes",
    models_dir: str | Path | None = None,
    read: dict[str, Any] | None = None,
    options: dict[str, Any] | None = None,
    cluster: str | None = None,
    ordered: bool = True,
) -> Iterator[Job]:
    """What ``textkit predict`` runs: the theme records of ``source``, as a :class:`~textkit.records.Job`.

    ``source`` is texts, or a path (``-`` for standard input) read with ``read``;
    ``options`` are :func:`~textkit.themes.predict.predict_stream`'s (threshold, top_k,
    explain). With ``cluster`` (an address or ``local:N``) the file is scored part by
    part on Dask workers, in input order unless ``ordered=False``. The records are made
    as they are iterated, inside the ``with`` block.
    """
    if cluster:
        from textkit.distributed import run

        with run.predict(
            cluster,
            cluster_path(source),
            model=model,
            models_dir=models_dir,
            read=read,
            options=options,
            ordered=ordered,
        ) as job:
            yield job
        return
    from textkit.themes.predict import predict_stream

    classifier = load_classifier(model, models_dir)
    yield scored(
        source,
        read,
        lambda items: predict_stream(classifier, items, **(options or {})),
        [str(c) for c in classifier.classes_],
    )


def evaluate_saved(name: str, articles: Iterable[Article], *, models_dir: str | Path | None = None) -> Any:
    """Evaluate the saved theme model ``name`` on labelled articles (``textkit evaluate``).

    Returns a :class:`textkit.themes.evaluate.EvaluationReport`.

    Raises
    ------
    InputError
        No articles, or articles without labels.
    """
    from textkit.themes.evaluate import evaluate

    model = load_classifier(name, models_dir)
    articles = labelled_list(articles, "evaluate on", InputError)  # metrics need every prediction at once
    warn_repeats(articles, "evaluation")
    known = {str(c) for c in model.classes_}
    unknown = sorted({label for a in articles for label in a.labels} - known)
    if unknown:
        warn(
            f"{len(unknown)} label(s) in the data are unknown to model {name!r}, so it can never predict them: "
            f"{', '.join(unknown[:10])}{' ...' if len(unknown) > 10 else ''} (it knows {', '.join(sorted(known))})"
        )
    return evaluate(model, [a.full_text for a in articles], [list(a.labels) for a in articles])


def explain_saved(
    name: str, text: str | None = None, *, label: str | None = None, n: int = 15, models_dir: str | Path | None = None
) -> Any:
    """Why the saved model ``name`` tags what it tags (``textkit explain``).

    Without ``text``: ``{label: {"positive": [(term, weight)...], "negative": [...]}}``
    for ``label`` or every label (:func:`textkit.themes.explain.top_terms`). With ``text``:
    ``{label: [(term, contribution)...]}`` for each label predicted for it, or only
    ``label`` if it is predicted (:func:`textkit.themes.explain.explain_text`).
    """
    from textkit.themes.explain import explain_text, top_terms

    model = load_classifier(name, models_dir)
    if text is None:
        return top_terms(model, label=label, n=n)
    explained = explain_text(model, text, n=n)
    return explained if label is None else {k: v for k, v in explained.items() if k == label}
