"""A label model: rule accuracies learned from the rules' agreements, without labels.

:class:`LabelModel` is the Dawid–Skene latent class model with abstentions: each item
has an unknown class ``y``; given ``y``, every rule independently votes +1 (for its
class), -1 (against it) or abstains, with its own class-conditional probabilities. EM
estimates those probabilities and the class balance from the vote matrix alone, starting
from the majority vote, and returns each item's posterior over the classes. A rule's
accuracy (the probability that its vote is right when it votes, Snorkel's definition)
follows from the fitted probabilities.

:func:`label_themes` applies it to themes: one binary model per theme for multi-label
themes (the votes of that theme's rules), or one model over all themes when every
article has exactly one (``exclusive``). Where the model cannot be fitted (fewer than
three rules vote, or EM lands on rules that are mostly wrong), it falls back to the
weighted majority vote and says so.

We checked the maintained libraries first: Snorkel's ``LabelModel`` is single-task and
needs PyTorch (its multi-label requests are open issues), skweak is no longer maintained
and works on spaCy documents, hyperlm and labelmodels need PyTorch. EM on a sparse vote
matrix is a few matrix products per iteration, so the model is written here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from textkit.errors import ConfigError, TrainingError

# Fewer voting rules than this cannot identify a latent class model (two rules that agree
# are as consistent with both being right as with both being wrong at the same rate).
_MIN_RULES = 3
_MIN_ITEMS = 10


class LabelModel:
    """Dawid–Skene EM over votes in {-1, 0, +1}, with a majority-vote fallback.

    Parameters
    ----------
    n_classes : int
        Number of classes (2 for one theme: absent / present).
    max_iter : int
        Most EM iterations.
    tol : float
        Stop when the mean log-likelihood per item improves by less than this.
    smoothing : float
        Pseudo-count added to every (rule, class, outcome) count: keeps probabilities
        away from 0 and 1 on rare rules.
    learn_class_balance : bool, optional
        Learn the class prior; otherwise it stays uniform. Default: learn it for two
        classes (a theme is present in few articles), keep it uniform for more, as
        Snorkel does: keyword rules cover some classes more than others, which biases a
        learnt balance (on AG News it gave Business 11% of the articles instead of 25%).

    Attributes
    ----------
    method_ : str
        ``"em"`` or ``"majority vote"`` (the fallback).
    reason_ : str
        Why the fallback was used ("" after EM).
    class_balance_ : ndarray (n_classes,)
    accuracies_ : ndarray (n_rules,)
        Estimated probability that a rule's vote is right when it votes (``nan`` for a
        rule that never voted).
    coverage_ : ndarray (n_rules,)
        Share of items each rule voted on.
    n_iter_ : int
    """

    def __init__(
        self,
        n_classes: int = 2,
        max_iter: int = 300,
        tol: float = 1e-7,
        smoothing: float = 1.0,
        learn_class_balance: bool | None = None,
    ) -> None:
        self.n_classes = n_classes
        self.max_iter = max_iter
        self.tol = tol
        self.smoothing = smoothing
        self.learn_class_balance = learn_class_balance

    def fit(
        self, votes: Any, targets: Any, weights: Any = None, gold: Any = None, positive_default: bool | None = None
    ) -> LabelModel:
        """Estimate rule accuracies and class balance from ``votes``.

        Parameters
        ----------
        votes : sparse or dense matrix (n_items, n_rules)
            +1 a vote for the rule's target class, -1 against it, 0 abstain.
        targets : array of int (n_rules,)
            The class each rule votes about.
        weights : array (n_rules,), optional
            Vote weights for the majority vote (start of EM, and the fallback).
        gold : array of int (n_items,), optional
            Known classes (-1 where unknown): clamped during EM.
        positive_default : bool, optional
            Binary models of keyword rules: start items without votes in class 0 (a theme
            no rule mentions is probably absent). Default: true when ``n_classes == 2``.
        """
        from scipy import sparse

        K = self.n_classes
        if K < 2:
            raise ConfigError(f"n_classes must be at least 2, not {K}")
        L = sparse.csr_matrix(votes)
        n, m = L.shape
        targets = np.asarray(targets, dtype=int)
        if len(targets) != m or (m and (targets.min() < 0 or targets.max() >= K)):
            raise ConfigError(f"targets must give a class in 0..{K - 1} for each of the {m} rules")
        self.targets_ = targets
        self.weights_ = np.ones(m) if weights is None else np.asarray(weights, dtype=float)
        self.negative_start_ = K == 2 if positive_default is None else positive_default
        gold = None if gold is None else np.asarray(gold, dtype=int)
        counts = np.asarray(abs(L).sum(axis=0)).ravel()
        self.coverage_ = counts / max(n, 1)
        self.n_iter_ = 0
        voting = int((counts > 0).sum())
        voted_items = int((np.diff(L.indptr) > 0).sum())
        # Items with the same votes (and known label) have the same posterior: EM runs on the
        # distinct vote patterns, weighted by their counts (a few hundred instead of 100,000 rows).
        L, gold, size = _distinct_rows(L, gold)
        pos, neg = _split(L)
        start = self._majority(pos, neg)
        if gold is not None:
            _clamp(start, gold)
        if voting < _MIN_RULES or voted_items < _MIN_ITEMS:
            return self._fallback(
                start,
                size,
                f"too few votes for EM ({voting} rule(s) on {voted_items} item(s); "
                f"it needs {_MIN_RULES} rules and {_MIN_ITEMS} items)",
            )
        posteriors = start
        previous = -np.inf
        for iteration in range(1, self.max_iter + 1):
            self.n_iter_ = iteration
            self._m_step(pos, neg, posteriors, size)
            posteriors, log_total = _normalise(self._log_joint(pos, neg))
            loglik = float(size @ log_total) / n
            if gold is not None:
                _clamp(posteriors, gold)
            if loglik - previous < self.tol:
                break
            previous = loglik
        self._m_step(pos, neg, posteriors, size)
        self.method_, self.reason_ = "em", ""
        self.accuracies_ = self._accuracies()
        voted = counts > 0
        mean_accuracy = float(np.average(self.accuracies_[voted], weights=counts[voted]))
        if mean_accuracy < 0.5:
            # EM converged to the mirror solution (rules mostly wrong): not believable.
            return self._fallback(start, size, f"EM found rules right only {mean_accuracy:.0%} of the time")
        return self

    # -- EM ----------------------------------------------------------------------------
    def _m_step(self, pos: Any, neg: Any, posteriors: np.ndarray, size: np.ndarray) -> None:
        a = self.smoothing
        weighted = posteriors * size[:, None]
        mass = weighted.sum(axis=0)  # expected items per class
        n_pos = np.asarray(pos.T @ weighted)  # (m, K) expected +1 votes per class
        n_neg = np.asarray(neg.T @ weighted)
        if self.n_classes > 2:
            # One coin per rule (Snorkel's model): a rule behaves one way on items of its own
            # class and one way on all the others. A free row per class (full Dawid-Skene)
            # overfits keyword rules: it learnt that "space" votes mostly for sport.
            own = np.eye(self.n_classes, dtype=bool)[self.targets_]
            other_mass = mass.sum() - mass[self.targets_]
            for counts in (n_pos, n_neg):
                other = (counts.sum(axis=1) - counts[own]) / np.maximum(other_mass, 1e-12)
                counts[~own] = (other[:, None] * mass[None, :])[~own]
        total = mass + 3 * a
        self.p_pos_ = (n_pos + a) / total
        self.p_neg_ = (n_neg + a) / total
        self.p_abstain_ = np.maximum(1 - self.p_pos_ - self.p_neg_, 1e-12)
        learn = self.n_classes == 2 if self.learn_class_balance is None else self.learn_class_balance
        if learn:
            self.class_balance_ = (mass + 1) / (mass.sum() + self.n_classes)
        else:
            self.class_balance_ = np.full(self.n_classes, 1 / self.n_classes)

    def _log_joint(self, pos: Any, neg: Any) -> np.ndarray:
        log_abstain = np.log(self.p_abstain_)
        base = np.log(self.class_balance_) + log_abstain.sum(axis=0)
        return base + pos @ (np.log(self.p_pos_) - log_abstain) + neg @ (np.log(self.p_neg_) - log_abstain)

    def _accuracies(self) -> np.ndarray:
        """P(the vote is right | the rule votes), from the fitted probabilities."""
        prior = self.class_balance_
        rows = np.arange(len(self.targets_))
        own = np.zeros_like(self.p_pos_, dtype=bool)
        own[rows, self.targets_] = True
        right = (self.p_pos_ * own + self.p_neg_ * ~own) @ prior
        voted = (self.p_pos_ + self.p_neg_) @ prior
        accuracies = right / voted
        accuracies[self.coverage_ == 0] = np.nan
        return accuracies

    # -- majority vote -----------------------------------------------------------------
    def _scores(self, pos: Any, neg: Any) -> np.ndarray:
        """Weighted votes per class: +w for the rule's class, -w against it."""
        K = self.n_classes
        onehot = np.eye(K)[self.targets_] * self.weights_[:, None]
        return np.asarray(pos @ onehot - neg @ onehot)

    def _majority(self, pos: Any, neg: Any) -> np.ndarray:
        """The weighted majority vote as class probabilities (ties shared)."""
        scores = self._scores(pos, neg)
        if self.negative_start_ and self.n_classes == 2:
            # One theme: only a positive balance of votes makes it present.
            present = scores[:, 1] - scores[:, 0]
            p = np.where(present > 0, 1.0, np.where(present < 0, 0.0, 0.0))
            return np.column_stack([1 - p, p])
        best = scores == scores.max(axis=1, keepdims=True)
        return best / best.sum(axis=1, keepdims=True)

    def _fallback(self, start: np.ndarray, size: np.ndarray, reason: str) -> LabelModel:
        self.method_, self.reason_ = "majority vote", reason
        mass = size @ start
        self.class_balance_ = (mass + 1) / (mass.sum() + self.n_classes)
        self.accuracies_ = np.full(len(self.targets_), np.nan)
        return self

    def predict_proba(self, votes: Any) -> np.ndarray:
        """Posterior class probabilities of each item, shape (n_items, n_classes)."""
        from scipy import sparse

        if not hasattr(self, "method_"):
            from textkit.errors import NotFittedError

            raise NotFittedError("this LabelModel is not fitted yet (call fit(votes, targets) first)")
        pos, neg = _split(sparse.csr_matrix(votes))
        if self.method_ == "em":
            return _normalise(self._log_joint(pos, neg))[0]
        return self._majority(pos, neg)


def _split(L: Any) -> tuple[Any, Any]:
    """The +1 and -1 votes of a sparse vote matrix as two 0/1 float matrices."""
    pos = (L > 0).astype(np.float64).tocsr()
    neg = (L < 0).astype(np.float64).tocsr()
    return pos, neg


def _normalise(log_joint: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Posteriors from log joint probabilities, and each item's log-likelihood."""
    top = log_joint.max(axis=1, keepdims=True)
    joint = np.exp(log_joint - top)
    total = joint.sum(axis=1, keepdims=True)
    return joint / total, (np.log(total) + top).ravel()


def _distinct_rows(L: Any, gold: np.ndarray | None) -> tuple[Any, np.ndarray | None, np.ndarray]:
    """The distinct rows of a CSR vote matrix (with their known labels), and how many items have each."""
    L = L.copy()
    L.sort_indices()
    index: dict[tuple[bytes, bytes, int], int] = {}
    first: list[int] = []
    indptr, indices, data = L.indptr, L.indices, L.data
    size: list[int] = []
    for i in range(L.shape[0]):
        lo, hi = indptr[i], indptr[i + 1]
        key = (indices[lo:hi].tobytes(), data[lo:hi].tobytes(), -1 if gold is None else int(gold[i]))
        row = index.get(key)
        if row is None:
            index[key] = len(first)
            first.append(i)
            size.append(1)
        else:
            size[row] += 1
    rows = np.asarray(first, dtype=np.int64)
    return L[rows], None if gold is None else gold[rows], np.asarray(size, dtype=float)


def _clamp(posteriors: np.ndarray, gold: np.ndarray) -> None:
    known = gold >= 0
    posteriors[known] = np.eye(posteriors.shape[1])[gold[known]]


# -- themes ----------------------------------------------------------------------------
@dataclass
class ThemeLabels:
    """Probabilistic theme labels of a corpus, and what the label model learned.

    Attributes
    ----------
    proba : ndarray (n_articles, n_themes)
        Multi-label: an independent probability per theme; exclusive: rows sum to 1.
    themes : list of str
    accuracies : ndarray (n_rules,)
        Estimated accuracy of each rule (``nan``: never voted, or majority vote used).
    methods : dict
        Per theme (or ``"*"`` for one exclusive model): ``"em"`` or ``"majority vote: <why>"``.
    class_balance : ndarray (n_themes,)
        Estimated share of articles of each theme.
    """

    proba: np.ndarray
    themes: list[str]
    accuracies: np.ndarray
    methods: dict[str, str] = field(default_factory=dict)
    class_balance: np.ndarray = field(default_factory=lambda: np.zeros(0))
    exclusive: bool = False

    def labels(self, threshold: float = 0.5) -> list[list[str]]:
        """Each article's themes: the most probable one (exclusive) or those at ``threshold`` or above."""
        if self.exclusive:
            return [[self.themes[k]] for k in self.proba.argmax(axis=1)]
        return [[self.themes[k] for k in np.flatnonzero(row >= threshold)] for row in self.proba]


def label_themes(
    votes: Any,
    theme_index: Any,
    themes: list[str],
    *,
    exclusive: bool = False,
    weights: Any = None,
    gold: Any = None,
    **params: Any,
) -> ThemeLabels:
    """Probabilistic theme labels from a rule vote matrix.

    Parameters
    ----------
    votes : sparse matrix (n_articles, n_rules)
        From :meth:`textkit.themes.rules.RuleSet.votes`.
    theme_index : array of int (n_rules,)
        Each rule's theme (index into ``themes``).
    exclusive : bool
        One theme per article: one model over all themes; otherwise one binary model per theme.
    weights : array (n_rules,), optional
        Rule weights (majority vote).
    gold : ndarray (n_articles, n_themes), optional
        Known labels as 0/1 with -1 rows (or entries) where unknown; clamped in EM.
    params
        Passed to :class:`LabelModel`.
    """
    from scipy import sparse

    L = sparse.csr_matrix(votes)
    theme_index = np.asarray(theme_index, dtype=int)
    weights = np.ones(L.shape[1]) if weights is None else np.asarray(weights, dtype=float)
    if L.shape[0] == 0:
        raise TrainingError("no articles to label")
    T = len(themes)
    accuracies = np.full(L.shape[1], np.nan)
    methods: dict[str, str] = {}
    if exclusive:
        known = None
        if gold is not None:
            gold = np.asarray(gold)
            known = np.where((gold >= 0).all(axis=1) & (gold.sum(axis=1) == 1), gold.argmax(axis=1), -1)
        model = LabelModel(T, **params).fit(L, theme_index, weights, known)
        proba = model.predict_proba(L)
        if known is not None:
            _clamp(proba, known)
        methods["*"] = _method(model)
        return ThemeLabels(proba, themes, model.accuracies_, methods, model.class_balance_, exclusive=True)
    proba = np.zeros((L.shape[0], T))
    balance = np.zeros(T)
    for t, theme in enumerate(themes):
        columns = np.flatnonzero(theme_index == t)
        sub = L[:, columns]
        known = None if gold is None else np.asarray(gold)[:, t].astype(int)
        model = LabelModel(2, **params).fit(sub, np.ones(len(columns), dtype=int), weights[columns], known)
        proba[:, t] = model.predict_proba(sub)[:, 1]
        if known is not None:
            proba[known >= 0, t] = known[known >= 0]
        accuracies[columns] = model.accuracies_
        balance[t] = model.class_balance_[1]
        methods[theme] = _method(model)
    return ThemeLabels(proba, themes, accuracies, methods, balance, exclusive=False)


def _method(model: LabelModel) -> str:
    return model.method_ if model.method_ == "em" else f"majority vote: {model.reason_}"
