"""Theme classifiers: TF-IDF features and a linear model, multi-label or single-label.

:class:`ThemeClassifier` is a scikit-learn estimator that takes raw texts (or
:class:`~textkit.reading.articles.Article` objects) and labels. Whether the task is
multi-label (an article tagged ``terrorism`` + ``diplomacy``) or single-label is
read from the labels.

Every model it offers is linear in the TF-IDF features, so after fitting it keeps
one matrix of per-label weights (``coef_``) and intercepts: prediction is one
sparse product, and :mod:`textkit.themes.explain` reads the weights directly.

Per-label thresholds and probability calibration come from one internal
cross-validation on the training data. The folds reuse the features of the
vectorizer fitted on all training texts, so the vocabulary and IDF weights "leak"
across folds (a deliberate shortcut: tuning costs fold fits only, no re-vectorizing,
and out-of-fold scores come out slightly optimistic).
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Iterable
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils._param_validation import Interval, RealNotInt, StrOptions

from textkit import progress
from textkit.errors import ConfigError, InputError, NotFittedError, TrainingError
from textkit.params import validate_params
from textkit.reading.articles import Article
from textkit.text.tokenize import Tokenizer
from textkit.themes.data import add_top_label, as_texts, check_selection, choose_labels, encode_labels, single_labels
from textkit.themes.features import make_vectorizer, pack_vocabularies, transform

MODELS = ("svm", "logreg", "sgd", "nb")

# Model defaults when C / alpha are left as None: chosen on the Reuters
# and 20 Newsgroups benchmarks for all data, never per dataset (the SVM: multi-label).
_DEFAULT_C = {"svm": 0.5, "logreg": 10.0}
_DEFAULT_ALPHA = {"sgd": 1e-5, "nb": 0.3}
# Single-label data only, the linear SVM's default C. In the internal 2-fold CV
# (blend weight chosen as fit does) C=1 beat 0.5 on the training set of every
# single-label benchmark: 20 Newsgroups 0.9217 vs 0.9205, without headers/footers/quotes
# 0.7702 vs 0.7694, BBC 0.9803 vs 0.9792. Choosing between both inside fit gave the same
# choice but cost 2 more SVM fits (20 Newsgroups training above 3x the baseline's time).
_DEFAULT_SINGLE_LABEL_SVM_C = 1.0

# Candidate weights of naive Bayes in the blend (relative to the linear model's scale).
# On single-label news, complement naive Bayes and a linear SVM err on different texts
# and their sum is more accurate than either; one-vs-rest naive Bayes only hurt
# multi-label F1 in cross-validation (Reuters), so multi-label data is not blended.
_BLEND_WEIGHTS = (0.0, 0.5, 1.0, 2.0, 4.0)

# A label's threshold is tuned only if it has this many positive examples. One
# with fewer borrows the median tuned threshold: the tuned labels show that the
# model's own boundary (0) is too strict for rare labels. A label whose best
# cross-validated F1 stays below the floor keeps 0: without it, a label the folds
# cannot learn gets a threshold below every score and is predicted for every text.
_MIN_TUNED_POSITIVES = 2
_MIN_TUNED_F1 = 0.1
# Fold models see (k-1)/k of the data and score less confidently than the final
# model, and the F1-optimal cut on a few positives is a noisy maximum: moving the
# tuned threshold 10% back toward 0 scored best on a held-out third of Reuters'
# training set (micro/macro-F1 0.904/0.640 against 0.892/0.618 unshrunk).
_THRESHOLD_SHRINK = 0.9


class _NgramRange(Interval):
    """A pair ``(min_n, max_n)`` of integers with ``1 <= min_n <= max_n``.

    scikit-learn's vectorizers only refuse ``min_n > max_n``, and only when fitting;
    ``(0, 2)`` would fail later. An ``Interval`` subclass (each bound must be in it), as
    scikit-learn's constraint tables take no other constraint objects.
    """

    def __init__(self) -> None:
        super().__init__(Integral, 1, None, closed="left")

    def is_satisfied_by(self, val: Any) -> bool:
        return (
            isinstance(val, (tuple, list))
            and len(val) == 2
            and all(Interval.is_satisfied_by(self, n) for n in val)
            and val[0] <= val[1]
        )

    def __str__(self) -> str:
        return "a pair (min_n, max_n) of integers with 1 <= min_n <= max_n"


def _document_share() -> list[Any]:
    # As scikit-learn's TfidfVectorizer takes min_df / max_df: a count of texts or a share of them.
    return [Interval(Integral, 1, None, closed="left"), Interval(RealNotInt, 0, 1, closed="both")]


class ThemeClassifier(ClassifierMixin, BaseEstimator):
    """TF-IDF + linear classifier for themes, with tuned per-label thresholds.

    Parameters
    ----------
    model : {"svm", "logreg", "sgd", "nb"}
        Linear SVM (``LinearSVC``), logistic regression, SGD (modified Huber
        loss) or complement naive Bayes; one-vs-rest for multi-label data.
    C : float, optional
        Inverse regularisation of ``svm`` (default 0.5 for multi-label data, 1 for
        single-label data) and ``logreg`` (default 10).
    alpha : float, optional
        Regularisation of ``sgd`` (default 1e-5) or smoothing of ``nb`` (default 0.3).
    class_weight : None or "balanced"
        Passed to ``svm``, ``logreg`` and ``sgd``.
    ngram_range, min_df, max_df, sublinear_tf, char_ngrams
        Features, see :func:`textkit.themes.features.make_vectorizer`.
    tokenizer : Tokenizer, optional
        Default ``Tokenizer()``.
    phrases : bool
        Learn collocations (``prime_minister``) from the training texts first.
    tune_thresholds : bool
        Multi-label: tune one decision threshold per label to maximise its
        cross-validated F1 (otherwise every label uses the model's own boundary).
    ensure_top_label : bool
        Multi-label: give a text its best label when no label passes its threshold.
    nb_blend : bool
        Single-label data, linear models: add complement naive Bayes scores with
        the weight (possibly 0) that maximises cross-validated accuracy. The result
        is still one linear model.
    cv : int or None
        Folds of the internal cross-validation behind thresholds, the naive Bayes
        blend and probability calibration (2 keeps training within 3x the time of a
        plain TF-IDF + LinearSVC fit; 3 is a little better and a third slower).
        ``None`` skips it: default thresholds and uncalibrated (plain sigmoid)
        scores, fastest. The folds are fitted in turn, or in parallel inside
        ``joblib.parallel_config`` (one task per fold: ``textkit train --cluster``
        runs them on Dask), with the same result.
    random_state : int
        Seed of the folds and of the solvers.

    Attributes
    ----------
    classes_ : ndarray
        The labels, sorted.
    multilabel_ : bool
        True when ``y`` had label lists with other than exactly one label, or
        was an indicator matrix.
    vectorizer_ : TfidfVectorizer or FeatureUnion
        The fitted features.
    coef_ : ndarray of shape (n_classes, n_features)
        Weight of each feature for each label (float32).
    intercept_ : ndarray of shape (n_classes,)
    thresholds_ : ndarray of shape (n_classes,)
        Decision threshold of each label (0 for single-label data).
    calibration_ : ndarray of shape (n_classes, 2)
        Slope and intercept of each label's sigmoid (Platt scaling).
    """

    # Every parameter's rule, checked by validate_params at the start of fit (and by
    # textkit.workflows.themes before any data is read).
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        # dict keys, not a set: the error message lists the models in MODELS order on every run.
        "model": [StrOptions(dict.fromkeys(MODELS).keys())],
        "C": [Interval(Real, 0, None, closed="neither"), None],
        "alpha": [Interval(Real, 0, None, closed="neither"), None],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "ngram_range": [_NgramRange()],
        "min_df": _document_share(),
        "max_df": _document_share(),
        "sublinear_tf": ["boolean"],
        "char_ngrams": ["boolean"],
        "tokenizer": [Tokenizer, None],
        "phrases": ["boolean"],
        "tune_thresholds": ["boolean"],
        "ensure_top_label": ["boolean"],
        "nb_blend": ["boolean"],
        "cv": [Interval(Integral, 2, None, closed="left"), None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        model: str = "svm",
        C: float | None = None,
        alpha: float | None = None,
        class_weight: str | None = None,
        ngram_range: tuple[int, int] = (1, 2),
        min_df: int | float = 2,
        max_df: int | float = 0.9,
        sublinear_tf: bool = True,
        char_ngrams: bool = False,
        tokenizer: Tokenizer | None = None,
        phrases: bool = False,
        tune_thresholds: bool = True,
        ensure_top_label: bool = False,
        nb_blend: bool = True,
        cv: int | None = 2,
        random_state: int = 0,
    ) -> None:
        self.model = model
        self.C = C
        self.alpha = alpha
        self.class_weight = class_weight
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_df = max_df
        self.sublinear_tf = sublinear_tf
        self.char_ngrams = char_ngrams
        self.tokenizer = tokenizer
        self.phrases = phrases
        self.tune_thresholds = tune_thresholds
        self.ensure_top_label = ensure_top_label
        self.nb_blend = nb_blend
        self.cv = cv
        self.random_state = random_state

    # -- fitting -----------------------------------------------------------------------
    def fit(self, X: Iterable[str | Article], y: Any, sample_weight: Any = None) -> ThemeClassifier:
        """Fit features, model, thresholds and calibration on texts ``X`` and labels ``y``.

        Parameters
        ----------
        X : iterable of str or Article
            Training texts (an Article contributes its ``full_text``).
        y : list of str, list of label lists, or indicator matrix
            One label per text (single-label), or a list/tuple of labels per text
            (multi-label; if every text has exactly one, the task is single-label).
        sample_weight : array-like of shape (n_texts,), optional
            Weight of each text in the linear model, the naive Bayes blend, the
            thresholds and the calibration (all-ones is the same as none). The
            vocabulary and IDF weights are counted over the texts unweighted.

        Raises
        ------
        ConfigError
            A parameter outside :attr:`_parameter_constraints` (checked first, before any data is read).
        TrainingError
            No texts, a length mismatch, fewer than two classes, a single-label
            class with one example, texts that hold no words, or bad sample weights.
        """
        validate_params(self)
        texts = as_texts(X)
        if not texts:
            raise TrainingError("no training texts", hint="pass at least two labelled texts")
        Y, classes, multilabel = encode_labels(y, len(texts))
        weights = _sample_weights(sample_weight, len(texts))
        estimator = self._estimator(multilabel)

        tokenizer = copy.deepcopy(self.tokenizer) if self.tokenizer is not None else Tokenizer()
        if self.phrases:
            tokenizer.learn_phrases(texts)
        vectorizer = make_vectorizer(
            tokenizer=tokenizer,
            ngram_range=(self.ngram_range[0], self.ngram_range[1]),  # a tuple, as scikit-learn wants
            min_df=self.min_df,
            max_df=self.max_df,
            sublinear_tf=self.sublinear_tf,
            char_ngrams=self.char_ngrams,
        )
        features = _vectorize(vectorizer, texts, self.min_df, self.max_df)

        scores = self._fit_linear(estimator, features, Y, multilabel, weights)
        self.vectorizer_ = vectorizer
        self.classes_ = classes
        self.multilabel_ = multilabel
        if scores is not None and multilabel and self.tune_thresholds:
            self.thresholds_ = _tune_thresholds(scores, Y, weights)
        else:
            self.thresholds_ = np.zeros(len(classes))
        if scores is None:
            self.calibration_ = np.tile([1.0, 0.0], (len(classes), 1))
        else:
            self.calibration_ = _fit_sigmoids(scores, Y, shared=not multilabel, weights=weights)
        return self

    def _fit_linear(
        self, estimator: Any, features: Any, Y: np.ndarray, multilabel: bool, weights: np.ndarray | None
    ) -> np.ndarray | None:
        """Set ``coef_`` and ``intercept_`` (blending in naive Bayes if asked); return out-of-fold scores."""
        target = Y if multilabel else Y.argmax(axis=1)
        estimators = [estimator]
        blend = self.nb_blend and self.cv and not multilabel and self.model != "nb"
        if blend:
            from sklearn.naive_bayes import ComplementNB

            estimators.append(ComplementNB(alpha=_DEFAULT_ALPHA["nb"]))
        with warnings.catch_warnings():
            # A label absent from a fold is scored as a constant by one-vs-rest: expected.
            warnings.filterwarnings("ignore", message="Label .* is present in all training examples")
            parts = [
                _linear_parts(_fit_clone(e, features, target, weights), multilabel, features.shape[1])
                for e in estimators
            ]
            scores = self._cross_val_scores(estimators, features, Y, multilabel, weights) if self.cv else None
        self.coef_, self.intercept_ = parts[0]
        if scores is None:
            return None
        if blend:
            # Naive Bayes log-likelihoods centred per text (a shift common to all
            # classes changes no decision), weighted by cross-validation.
            nb_coef = parts[1][0] - parts[1][0].mean(axis=0)
            nb_scores = scores[1] - scores[1].mean(axis=1, keepdims=True)
            weight = _blend_weight(scores[0], nb_scores, target, weights)
            self.coef_ = np.asfortranarray(self.coef_ + weight * nb_coef, dtype=np.float32)
            return scores[0] + weight * nb_scores
        return scores[0]

    def _estimator(self, multilabel: bool) -> Any:
        """The unfitted scikit-learn model named by ``model`` (one-vs-rest if multi-label)."""
        from sklearn.multiclass import OneVsRestClassifier

        base: Any
        if self.model == "svm":
            from sklearn.svm import LinearSVC

            default_c = _DEFAULT_C["svm"] if multilabel else _DEFAULT_SINGLE_LABEL_SVM_C
            C = default_c if self.C is None else self.C
            base = LinearSVC(C=C, class_weight=self.class_weight, random_state=self.random_state)
        elif self.model == "logreg":
            from sklearn.linear_model import LogisticRegression

            base = LogisticRegression(
                C=_DEFAULT_C["logreg"] if self.C is None else self.C,
                class_weight=self.class_weight,
                max_iter=1000,
                random_state=self.random_state,
            )
        elif self.model == "sgd":
            from sklearn.linear_model import SGDClassifier

            base = SGDClassifier(
                loss="modified_huber",
                alpha=_DEFAULT_ALPHA["sgd"] if self.alpha is None else self.alpha,
                class_weight=self.class_weight,
                random_state=self.random_state,
            )
        else:  # "nb": the only other value _parameter_constraints lets through
            from sklearn.naive_bayes import ComplementNB

            base = ComplementNB(alpha=_DEFAULT_ALPHA["nb"] if self.alpha is None else self.alpha)
        return OneVsRestClassifier(base) if multilabel else base

    def _cross_val_scores(
        self, estimators: list[Any], features: Any, Y: np.ndarray, multilabel: bool, weights: np.ndarray | None
    ) -> list[np.ndarray]:
        """Out-of-fold decision scores of every training text for each estimator (same stratified folds)."""
        folds: Any
        if multilabel:
            from iterstrat.ml_stratifiers import MultilabelStratifiedKFold

            folds = MultilabelStratifiedKFold(n_splits=self.cv, shuffle=True, random_state=self.random_state)
            target = Y
        else:
            from sklearn.model_selection import StratifiedKFold

            folds = StratifiedKFold(n_splits=self.cv, shuffle=True, random_state=self.random_state)
            target = Y.argmax(axis=1)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="The least populated class")
            splits = list(folds.split(np.zeros(len(target)), target))
        from joblib import Parallel, delayed

        # One fold per task: in turn here, or inside joblib's parallel_config (textkit train
        # --cluster runs it with the dask backend, which sends ``features`` to the workers once).
        fits = Parallel(return_as="generator")(
            delayed(_fold_scores)(estimators, features, target, train, test, weights, multilabel, Y.shape[1])
            for train, test in splits
        )
        scores = [np.zeros(Y.shape, dtype=np.float64) for _ in estimators]
        for (_, test), fold in zip(splits, progress.track(fits, "cross-validating thresholds", self.cv, "folds")):
            for estimator_scores, fold_scores in zip(scores, fold):
                estimator_scores[test] = fold_scores
        return scores

    # -- prediction --------------------------------------------------------------------
    # Every prediction goes features -> scores -> labels; predict_stream calls the three
    # steps itself so that one batch is tokenized once for its scores, labels and explanations.
    def features(self, X: Iterable[str | Article]) -> Any:
        """TF-IDF features of the texts ``X``: the sparse matrix (one row per text) every score comes from.

        Raises
        ------
        NotFittedError
            Before :meth:`fit`.
        InputError
            No texts (as scikit-learn's estimators refuse 0 samples), a single text
            instead of a list, or an item that is not a text.
        """
        if not hasattr(self, "coef_"):
            raise NotFittedError(
                f"this {type(self).__name__} is not fitted yet",
                hint="call fit(texts, labels) first, or load a trained model",
            )
        texts = as_texts(X, training=False)
        if not texts:
            raise InputError("no texts to predict", hint="pass a list of at least one text")
        return transform(self.vectorizer_, texts)

    def _raw(self, features: Any) -> np.ndarray:
        """Linear scores before the thresholds, one column per label."""
        return np.asarray(features.astype(np.float32) @ self.coef_.T, dtype=np.float64) + self.intercept_

    def scores(self, features: Any) -> tuple[np.ndarray, np.ndarray]:
        """Raw linear scores (before the thresholds) and :meth:`predict_proba` of a :meth:`features` matrix."""
        raw = self._raw(features)
        return raw, self._proba(raw)

    def decision_function(self, X: Iterable[str | Article]) -> np.ndarray:
        """Scores of shape (n_texts, n_classes); multi-label: a label is predicted where its score is ≥ 0."""
        return self._raw(self.features(X)) - self.thresholds_

    def predict_proba(self, X: Iterable[str | Article]) -> np.ndarray:
        """Calibrated scores in [0, 1], shape (n_texts, n_classes).

        Multi-label: an independent probability per label. Single-label: rows sum to 1.
        """
        return self._proba(self._raw(self.features(X)))

    def _proba(self, scores: np.ndarray) -> np.ndarray:
        from scipy.special import expit

        proba = expit(scores * self.calibration_[:, 0] + self.calibration_[:, 1])
        if not self.multilabel_:
            proba /= np.maximum(proba.sum(axis=1, keepdims=True), 1e-12)
        return proba

    def predict(self, X: Iterable[str | Article]) -> np.ndarray:
        """Multi-label: indicator matrix (n_texts, n_classes); single-label: one label per text."""
        scores = self._raw(self.features(X))
        if not self.multilabel_:
            return self.classes_[scores.argmax(axis=1)]
        chosen = scores >= self.thresholds_
        if self.ensure_top_label:
            add_top_label(chosen, self._proba(scores))
        return chosen.astype(int)

    def predict_labels(
        self, X: Iterable[str | Article], threshold: float | None = None, top_k: int | None = None
    ) -> list[tuple[Any, ...]]:
        """The labels of each text, best first.

        Parameters
        ----------
        threshold : float, optional
            Keep labels whose :meth:`predict_proba` score is at least this, instead
            of the tuned thresholds.
        top_k : int, optional
            Keep at most the ``top_k`` best labels; alone, exactly the ``top_k`` best.
        """
        check_selection(threshold, top_k)
        return self.labels_from_scores(*self.scores(self.features(X)), threshold=threshold, top_k=top_k)

    def labels_from_scores(
        self, raw: np.ndarray, proba: np.ndarray, threshold: float | None = None, top_k: int | None = None
    ) -> list[tuple[Any, ...]]:
        """:meth:`predict_labels` from the output of :meth:`scores` (no second pass over the texts).

        The raw scores are needed besides the probabilities: the tuned multi-label
        thresholds apply to them, and a probability cut would not give exactly the
        same labels.
        """
        check_selection(threshold, top_k)
        return choose_labels(
            self.classes_, proba, raw >= self.thresholds_, threshold, top_k, self.multilabel_, self.ensure_top_label
        )

    def score(self, X: Iterable[str | Article], y: Any, sample_weight: Any = None) -> float:
        """Micro-averaged F1 (multi-label) or accuracy (single-label) on ``X``, ``y``."""
        from sklearn.metrics import accuracy_score, f1_score

        predicted = self.predict(X)
        if not self.multilabel_:
            return float(accuracy_score(single_labels(y), predicted, sample_weight=sample_weight))
        truth = self.binarize(y)
        return float(f1_score(truth, predicted, average="micro", sample_weight=sample_weight, zero_division=0))

    def binarize(self, y: Any) -> np.ndarray:
        """Label lists as an indicator matrix over :attr:`classes_` (unknown labels ignored)."""
        if hasattr(y, "shape") and len(y.shape) == 2:
            return np.asarray(y.todense() if hasattr(y, "todense") else y, dtype=int)
        index = {c: j for j, c in enumerate(self.classes_)}
        matrix = np.zeros((len(y), len(self.classes_)), dtype=int)
        for i, labels in enumerate(y):
            for label in [labels] if isinstance(labels, str) else labels:
                if label in index:
                    matrix[i, index[label]] = 1
        return matrix

    def describe(self) -> dict[str, Any]:
        """What the model store records in the manifest: kind, parameters, labels."""
        if not hasattr(self, "coef_"):
            raise NotFittedError("cannot describe an unfitted classifier", hint="fit it first")
        return {
            "kind": "themes",
            "params": {k: _jsonable(v) for k, v in self.get_params().items()},
            "labels": [_jsonable(c) for c in self.classes_],
            "multilabel": bool(self.multilabel_),
            "n_features": int(self.coef_.shape[1]),
        }

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        # Texts in, like TfidfVectorizer: a 1-d list of strings, not a 2-d numeric array.
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        # Label lists or an indicator matrix train a multi-label model (predict: indicator matrix).
        tags.classifier_tags.multi_label = True
        return tags


# -- helpers -----------------------------------------------------------------------
def _sample_weights(sample_weight: Any, n_texts: int) -> np.ndarray | None:
    """``sample_weight`` checked by scikit-learn's rules (one finite, non-negative weight per text)."""
    if sample_weight is None:
        return None
    from sklearn.utils.validation import _check_sample_weight

    try:
        return _check_sample_weight(sample_weight, np.empty((n_texts, 0)), ensure_non_negative=True)
    except ValueError as error:
        raise TrainingError(f"bad sample_weight: {error}", hint="give one non-negative weight per text") from None


def _fit_clone(estimator: Any, features: Any, target: np.ndarray, weights: np.ndarray | None) -> Any:
    """Fit a clone of ``estimator``; one-vs-rest passes the weights to each binary model by metadata routing."""
    if weights is None:
        return clone(estimator).fit(features, target)
    from sklearn import config_context
    from sklearn.multiclass import OneVsRestClassifier

    with config_context(enable_metadata_routing=True):
        fitted = clone(estimator)
        if isinstance(fitted, OneVsRestClassifier):
            fitted.estimator.set_fit_request(sample_weight=True)
        return fitted.fit(features, target, sample_weight=weights)


def _fold_scores(
    estimators: list[Any],
    features: Any,
    target: np.ndarray,
    train: np.ndarray,
    test: np.ndarray,
    weights: np.ndarray | None,
    multilabel: bool,
    n_classes: int,
) -> list[np.ndarray]:
    """Scores of the ``test`` rows by each estimator fitted on the ``train`` rows: one cross-validation fold."""
    held_out = features[test].astype(np.float32)
    fold_weights = None if weights is None else weights[train]
    scores = []
    with warnings.catch_warnings():
        # Here, not around the loop: a fold may run in another process (a Dask worker).
        # A label absent from a fold is scored as a constant by one-vs-rest: expected.
        warnings.filterwarnings("ignore", message="Label .* is present in all training examples")
        for estimator in estimators:
            fitted = _fit_clone(estimator, features[train], target[train], fold_weights)
            coef, intercept = _linear_parts(fitted, multilabel, features.shape[1], n_classes)
            scores.append(held_out @ coef.T + intercept)
    return scores


def _vectorize(vectorizer: Any, texts: list[str], min_df: float, max_df: float) -> Any:
    """Fit the vectorizer, turning scikit-learn's vocabulary errors into clear ones."""
    try:
        features = vectorizer.fit_transform(texts)
    except ValueError as error:
        message = str(error)
        if "empty vocabulary" in message or "no terms remain" in message:
            raise TrainingError(
                f"no words left after tokenizing the {len(texts)} training texts (min_df={min_df})",
                hint="the texts are empty or only stop words and numbers; or lower min_df for a small corpus",
            ) from None
        if "max_df corresponds to < documents than min_df" in message:
            raise ConfigError(
                f"max_df={max_df} keeps fewer texts than min_df={min_df} on {len(texts)} texts",
                hint="lower min_df or raise max_df",
            ) from None
        raise
    pack_vocabularies(vectorizer)
    return features.tocsr()


def _linear_parts(
    estimator: Any, multilabel: bool, n_features: int, n_classes: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Weights (n_classes, n_features) and intercepts of a fitted linear or naive Bayes model.

    Multi-label: one row per one-vs-rest estimator (a constant one gets ±10).
    Single-label: one row per class, including the binary case (scikit-learn keeps
    one row there). ``n_classes`` pads classes missing from a training fold.
    """
    if multilabel:
        rows = [_binary_parts(e, n_features) for e in estimator.estimators_]
        coef = np.vstack([r[0] for r in rows])
        intercept = np.array([r[1] for r in rows])
    else:
        if hasattr(estimator, "coef_"):
            coef, intercept = estimator.coef_, np.broadcast_to(estimator.intercept_, len(estimator.coef_))
        else:  # complement naive Bayes: its joint log-likelihood is X @ feature_log_prob_.T
            coef, intercept = estimator.feature_log_prob_, np.zeros(len(estimator.classes_))
        if len(estimator.classes_) == 2 and len(coef) == 1:
            coef, intercept = np.vstack([-coef, coef]), np.array([-intercept[0], intercept[0]])
        if n_classes is not None and len(estimator.classes_) < n_classes:
            full = np.zeros((n_classes, coef.shape[1]))
            full_b = np.full(n_classes, -1e3)  # a class absent from the fold is never chosen
            full[estimator.classes_], full_b[estimator.classes_] = coef, intercept
            coef, intercept = full, full_b
    # float32 halves the model on disk; Fortran order makes ``coef.T`` C-contiguous, so
    # ``X @ coef.T`` uses it in place instead of copying the whole matrix per call.
    return np.asfortranarray(coef, dtype=np.float32), np.asarray(intercept, dtype=np.float64)


def _binary_parts(estimator: Any, n_features: int) -> tuple[np.ndarray, float]:
    """Weights and intercept of one binary estimator; positive scores mean the label applies."""
    if hasattr(estimator, "coef_"):
        return np.ravel(estimator.coef_), float(np.ravel(estimator.intercept_)[0])
    if hasattr(estimator, "feature_log_prob_"):
        log_prob = estimator.feature_log_prob_
        return log_prob[1] - log_prob[0], 0.0
    # scikit-learn's constant predictor for a label that is always (or never) present.
    return np.zeros(n_features), 10.0 if float(np.ravel(estimator.y_)[0]) else -10.0


def _blend_weight(
    scores: np.ndarray, nb_scores: np.ndarray, target: np.ndarray, weights: np.ndarray | None = None
) -> float:
    """Weight of the naive Bayes scores that maximises cross-validated (weighted) accuracy (smallest on ties)."""
    scale = scores.std() / max(float(nb_scores.std()), 1e-12)
    accuracy = [
        np.average((scores + w * scale * nb_scores).argmax(axis=1) == target, weights=weights) for w in _BLEND_WEIGHTS
    ]
    return _BLEND_WEIGHTS[int(np.argmax(accuracy))] * scale


def _tune_thresholds(scores: np.ndarray, Y: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Per-label decision threshold maximising cross-validated F1 (see module constants)."""
    from sklearn.metrics import precision_recall_curve

    thresholds = np.zeros(Y.shape[1])
    tuned = np.zeros(Y.shape[1], dtype=bool)
    rare = Y.sum(axis=0) < _MIN_TUNED_POSITIVES
    for j in np.flatnonzero(~rare):
        precision, recall, cuts = precision_recall_curve(Y[:, j], scores[:, j], sample_weight=weights)
        f1 = 2 * precision[:-1] * recall[:-1] / np.maximum(precision[:-1] + recall[:-1], 1e-12)
        best = int(np.argmax(f1))
        if f1[best] >= _MIN_TUNED_F1:
            thresholds[j], tuned[j] = _THRESHOLD_SHRINK * cuts[best], True
    if tuned.any():
        thresholds[rare] = np.median(thresholds[tuned])
    return thresholds


def _fit_sigmoids(scores: np.ndarray, Y: np.ndarray, shared: bool, weights: np.ndarray | None = None) -> np.ndarray:
    """Platt scaling: a logistic regression of label truth on out-of-fold scores.

    Multi-label: one sigmoid per label. Single-label (``shared``): one sigmoid for all
    labels, pooled, so the transform is the same increasing function for every label
    and the most probable label is always the predicted one (per-label slopes could
    reorder them). Single-label rows are normalised at prediction time, as
    scikit-learn's ``CalibratedClassifierCV`` does for one-vs-rest calibration.
    """
    from sklearn.linear_model import LogisticRegression

    if shared:
        pooled = None if weights is None else np.repeat(weights, Y.shape[1])  # row-major, as ravel()
        fitted = LogisticRegression(solver="liblinear").fit(scores.reshape(-1, 1), Y.ravel(), sample_weight=pooled)
        return np.tile([fitted.coef_[0, 0], fitted.intercept_[0]], (Y.shape[1], 1))
    params = np.tile([1.0, 0.0], (Y.shape[1], 1))
    for j in range(Y.shape[1]):
        if 0 < Y[:, j].sum() < len(Y):
            fitted = LogisticRegression(solver="liblinear").fit(scores[:, [j]], Y[:, j], sample_weight=weights)
            params[j] = fitted.coef_[0, 0], fitted.intercept_[0]
    return params


def _jsonable(value: Any) -> Any:
    """A JSON-friendly version of a parameter or label for the manifest."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (tuple, list)):
        return [_jsonable(v) for v in value]
    return repr(value)
