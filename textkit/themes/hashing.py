"""A theme classifier for corpora larger than one machine's memory: hashed features, trained in parts.

:class:`HashingThemeClassifier` (``features="hashing"`` in ``textkit train``) has no
vocabulary to fit: scikit-learn's ``HashingVectorizer`` maps every word n-gram of the
shared tokenizer to one of ``n_features`` columns, so a part of the corpus can be turned
into features anywhere, by any worker, without seeing the rest. Training is two passes
over parts of the data:

1. document frequencies (and the labels) counted per part and added up; the IDF is
   scikit-learn's smoothed ``log((1 + n) / (1 + df)) + 1`` of those counts;
2. ``epochs`` passes of ``partial_fit`` of one logistic SGD model per label
   (``MultiOutputClassifier(SGDClassifier(loss="log_loss"))``) over the parts, in a
   new random order each pass, rows shuffled within each part.

Only one part's features are in memory at a time, on the machine doing ``partial_fit``;
with ``--cluster`` the workers read and hash the parts (see
:func:`textkit.distributed.run.train_hashing`). What it costs in quality against the
default :class:`~textkit.themes.classify.ThemeClassifier` is measured in
``experiments/bench_hashing.py``. It has the classifier's surface (``classes_``,
``multilabel_``, ``predict``, ``predict_proba``, ``predict_labels``, ``describe``),
so the model store, ``predict`` and ``evaluate`` take it; ``explain`` does not (a hashed
column has no word).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils._param_validation import Interval

from textkit.errors import ConfigError, NotFittedError, TrainingError
from textkit.reading.articles import Article

Part = tuple[list[str], list[Sequence[str]]]  # texts and their label lists


class HashingThemeClassifier(ClassifierMixin, BaseEstimator):
    """Multi-label theme classifier on hashed TF-IDF features, trainable part by part.

    Parameters
    ----------
    n_features : int, default 2**18
        Hashed columns; collisions cost a little quality, fewer columns a smaller model
        (each label keeps one float64 weight per column: 2 MB a label at 2**18).
    ngram_range : tuple, default (1, 2)
        Word n-grams of the shared tokenizer.
    alpha : float, default 1e-6
        L2 regularisation of the SGD models (larger: simpler models).
    epochs : int, default 5
        Passes of ``partial_fit`` over the parts.
    threshold : float, default 0.5
        Multi-label: a label is given when its probability reaches this.
    batch_size : int, default 5000
        Articles per part when :meth:`fit` cuts an in-memory corpus into parts.
    random_state : int, default 0
        Order of the parts and of the rows, and the SGD models' seeds.
    """

    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "n_features": [Interval(Integral, 2, None, closed="left")],
        "ngram_range": [tuple],
        "alpha": [Interval(Real, 0, None, closed="neither")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "threshold": [Interval(Real, 0, 1, closed="both")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "random_state": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(
        self,
        n_features: int = 2**18,
        ngram_range: tuple[int, int] = (1, 2),
        alpha: float = 1e-6,
        epochs: int = 5,
        threshold: float = 0.5,
        batch_size: int = 5000,
        random_state: int = 0,
    ) -> None:
        self.n_features = n_features
        self.ngram_range = ngram_range
        self.alpha = alpha
        self.epochs = epochs
        self.threshold = threshold
        self.batch_size = batch_size
        self.random_state = random_state

    # -- features --------------------------------------------------------------------------
    def hasher(self) -> Any:
        """The stateless vectorizer: raw n-gram counts in ``n_features`` columns."""
        from sklearn.feature_extraction.text import HashingVectorizer

        from textkit.text.tokenize import Tokenizer

        return HashingVectorizer(
            tokenizer=Tokenizer(),
            token_pattern=None,
            lowercase=False,
            ngram_range=self.ngram_range,
            n_features=self.n_features,
            alternate_sign=False,
            norm=None,
        )

    def count(self, part: Part) -> tuple[np.ndarray, int, set[str], bool]:
        """``(document frequency per column, articles, labels seen, any article without exactly one label)``."""
        texts, labels = part
        counts = self.hasher().transform(texts)
        frequencies = np.bincount(counts.indices, minlength=self.n_features).astype(np.int64)
        seen = {str(label) for row in labels for label in row}
        return frequencies, len(texts), seen, any(len(row) != 1 for row in labels)

    def start(self, frequencies: np.ndarray, n_docs: int, classes: Iterable[str], multilabel: bool) -> None:
        """Set the IDF from document frequencies added up over every part, and the labels."""
        from sklearn.feature_extraction.text import TfidfTransformer

        self.classes_ = np.array(sorted(classes), dtype=object)
        if len(self.classes_) < 2:
            raise TrainingError(f"need at least 2 labels to train a classifier, found {len(self.classes_)}")
        self.multilabel_ = bool(multilabel)
        self.tfidf_ = TfidfTransformer(sublinear_tf=True)
        # The IDF scikit-learn's fit would compute (smooth_idf=True), from the distributed count.
        self.tfidf_.idf_ = np.log((1 + n_docs) / (1 + frequencies)) + 1
        self.n_docs_ = int(n_docs)

    def features(self, texts: Sequence[str]) -> Any:
        """L2-normalised TF-IDF rows of ``texts`` (sparse, ``n_features`` columns)."""
        return self.tfidf_.transform(self.hasher().transform(texts))

    def targets(self, labels: Sequence[Sequence[str]]) -> np.ndarray:
        """Label lists as a 0/1 matrix over :attr:`classes_` (unknown labels ignored)."""
        index = {c: j for j, c in enumerate(self.classes_)}
        matrix = np.zeros((len(labels), len(self.classes_)), dtype=np.int8)
        for i, row in enumerate(labels):
            for label in row:
                if str(label) in index:
                    matrix[i, index[str(label)]] = 1
        return matrix

    # -- training --------------------------------------------------------------------------
    def learn(self, X: Any, Y: np.ndarray, rng: np.random.RandomState) -> None:
        """One ``partial_fit`` step on a part's features ``X`` and targets ``Y`` (rows shuffled)."""
        from sklearn.linear_model import SGDClassifier
        from sklearn.multioutput import MultiOutputClassifier

        if not hasattr(self, "model_"):
            base = SGDClassifier(loss="log_loss", alpha=self.alpha, random_state=self.random_state)
            self.model_ = MultiOutputClassifier(base)
        order = rng.permutation(X.shape[0])
        self.model_.partial_fit(X[order], Y[order], classes=[np.array([0, 1])] * Y.shape[1])

    def fit_parts(self, parts: Callable[[], Iterable[Part]]) -> HashingThemeClassifier:
        """Fit on ``parts()``: an iterable of ``(texts, label lists)`` made anew for each pass.

        One pass counts, then ``epochs`` passes learn, the parts' order shuffled each time
        (the parts are listed once to shuffle them: their texts are read when learned).
        """
        from textkit.params import validate_params

        validate_params(self)
        for attribute in ("model_", "classes_"):
            self.__dict__.pop(attribute, None)
        total = np.zeros(self.n_features, dtype=np.int64)
        classes: set[str] = set()
        n_docs, multilabel = 0, False
        for part in parts():
            frequencies, count, seen, several = self.count(part)
            total += frequencies
            n_docs, multilabel = n_docs + count, multilabel or several
            classes |= seen
        if n_docs == 0:
            raise TrainingError("no articles to train on")
        self.start(total, n_docs, classes, multilabel)
        rng = np.random.RandomState(self.random_state)
        for _ in range(self.epochs):
            listed = list(parts())
            for index in rng.permutation(len(listed)):
                texts, labels = listed[index]
                self.learn(self.features(texts), self.targets(labels), rng)
        return self

    def fit(self, X: Iterable[str | Article], y: Sequence[Any]) -> HashingThemeClassifier:
        """Fit on texts (or articles) and their label lists, cut into parts of ``batch_size`` in a random order."""
        from textkit.themes.data import as_texts

        texts = as_texts(X)
        labels = [[label] if isinstance(label, str) else list(label) for label in y]
        if len(texts) != len(labels):
            raise ConfigError(f"{len(texts)} texts but {len(labels)} label entries")
        # Parts drawn from a shuffled order: a file sorted by label would otherwise teach one label per part.
        order = np.random.RandomState(self.random_state).permutation(len(texts))
        slices = [order[i : i + self.batch_size] for i in range(0, len(texts), self.batch_size)]
        return self.fit_parts(lambda: (([texts[i] for i in s], [labels[i] for i in s]) for s in slices))

    # -- prediction --------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise NotFittedError("this HashingThemeClassifier is not fitted yet", hint="call fit first")

    # Prediction goes features -> scores -> labels, as ThemeClassifier's, so predict_stream
    # (and the store, evaluate, the web page) take either model.
    def scores(self, features: Any) -> tuple[np.ndarray, np.ndarray]:
        """Raw scores and probabilities of a :meth:`features` matrix (the same here: log-loss SGD)."""
        self._check_fitted()
        proba = np.column_stack([p[:, 1] for p in self.model_.predict_proba(features)])
        return proba, proba

    def predict_proba(self, X: Iterable[str | Article]) -> np.ndarray:
        """Each label's probability for each text (columns in :attr:`classes_` order)."""
        from textkit.themes.data import as_texts

        self._check_fitted()
        return self.scores(self.features(as_texts(X, training=False)))[1]

    def predict_labels(
        self, X: Iterable[str | Article], threshold: float | None = None, top_k: int | None = None
    ) -> list[tuple[Any, ...]]:
        """The labels of each text, best first (as :meth:`ThemeClassifier.predict_labels`)."""
        from textkit.themes.data import check_selection

        check_selection(threshold, top_k)
        proba = self.predict_proba(X)
        return self.labels_from_scores(proba, proba, threshold=threshold, top_k=top_k)

    def labels_from_scores(
        self, raw: np.ndarray, proba: np.ndarray, threshold: float | None = None, top_k: int | None = None
    ) -> list[tuple[Any, ...]]:
        """:meth:`predict_labels` from the output of :meth:`scores`."""
        from textkit.themes.data import choose_labels

        return choose_labels(self.classes_, proba, proba >= self.threshold, threshold, top_k, self.multilabel_)

    def predict(self, X: Iterable[str | Article]) -> np.ndarray:
        """0/1 indicator matrix (multi-label) or one label per text."""
        labels = self.predict_labels(X)
        if not self.multilabel_:
            return np.array([row[0] for row in labels], dtype=object)
        return self.targets(labels).astype(int)

    def describe(self) -> dict[str, Any]:
        """What the model store records in the manifest: kind, parameters, labels."""
        self._check_fitted()
        params = {k: list(v) if isinstance(v, tuple) else v for k, v in self.get_params().items()}
        return {
            "kind": "themes",
            "params": {"features": "hashing", **params},
            "labels": [str(c) for c in self.classes_],
            "multilabel": self.multilabel_,
            "n_features": int(self.n_features),
        }
