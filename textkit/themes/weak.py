"""Train a theme classifier from keyword rules instead of labels (weak supervision).

The rules vote (:mod:`textkit.themes.rules`), the label model turns the votes into
probabilistic labels (:mod:`textkit.themes.label_model`), and a
:class:`~textkit.themes.classify.ThemeClassifier` is trained on the articles the rules
cover. The classifier then relabels the corpus in rounds of self-training: each article
is relabelled by a classifier trained on the *other* folds (out-of-fold, so a model
never grades the labels it was trained on). Averaging in the rules' posteriors
instead kept their mistakes (AG News: 0.80 accuracy against 0.835, BBC 0.923 against
0.960). Articles no rule matched get labels this way too, so the
final classifier learns words the rules never named. Known labels, where some articles
have them, are clamped in the label model and never relabelled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from textkit.errors import ConfigError, TrainingError
from textkit.themes.label_model import ThemeLabels, label_themes
from textkit.themes.rules import RuleSet


@dataclass
class WeakFit:
    """What :func:`fit_from_rules` learnt, beyond the fitted classifier.

    Attributes
    ----------
    weak : ThemeLabels
        The label model's probabilistic labels and per-rule accuracies.
    votes : scipy.sparse.csr_matrix
        The rules' votes (articles x rules).
    labels : list of list of str
        The labels the final classifier was trained on.
    rounds : list of dict
        Per self-training round: how many articles changed label.
    """

    weak: ThemeLabels
    votes: Any
    labels: list[list[str]]
    rounds: list[dict[str, Any]] = field(default_factory=list)

    def summary(self, ruleset: RuleSet) -> dict[str, Any]:
        """What the manifest records: the rules file, its hash, per-rule accuracies, the label model."""
        covered = np.diff(self.votes.indptr) > 0
        return {
            "file": ruleset.source,
            "sha256": ruleset.sha256,
            "text": ruleset.text,
            "exclusive": ruleset.exclusive,
            "label_model": self.weak.methods,
            "covered": round(float(covered.mean()), 4) if len(covered) else 0.0,
            "accuracies": {
                r.name: (None if np.isnan(a) else round(float(a), 4))
                for r, a in zip(ruleset.rules, self.weak.accuracies)
            },
            "self_training": self.rounds,
        }


def gold_matrix(labels: Sequence[Sequence[str] | None], themes: Sequence[str]) -> np.ndarray | None:
    """Known labels as a 0/1 matrix with -1 rows for unlabelled articles; ``None`` if none is labelled."""
    if not any(labels):
        return None
    index = {t: k for k, t in enumerate(themes)}
    gold = np.full((len(labels), len(themes)), -1, dtype=int)
    for i, known in enumerate(labels):
        if known:
            gold[i] = 0
            for label in known:
                if label not in index:
                    raise TrainingError(
                        f"article {i} is labelled {label!r}, a theme the rules do not name",
                        hint=f"add [themes.{label}] to the rules file (themes there: {', '.join(themes)})",
                    )
                gold[i, index[label]] = 1
    return gold


def fit_from_rules(
    classifier: Any,
    texts: Sequence[str],
    ruleset: RuleSet,
    *,
    gold: Sequence[Sequence[str] | None] | None = None,
    self_training: int | None = None,
    folds: int = 5,
    random_state: int = 0,
) -> WeakFit:
    """Fit ``classifier`` on ``texts`` labelled by ``ruleset`` (and ``gold`` labels where given).

    Parameters
    ----------
    classifier : ThemeClassifier
        Unfitted; fitted in place on the final labels.
    texts : sequence of str
    ruleset : RuleSet
    gold : sequence of label lists (or None/empty for unlabelled articles), optional
    self_training : int, optional
        Rounds of out-of-fold relabelling (0: train once on the label model's labels);
        default :func:`default_rounds`. Stops early when fewer than 0.5% of the
        articles change label.
    folds : int
        Folds of each relabelling round.
    random_state : int

    Returns
    -------
    WeakFit
    """
    if self_training is None:
        self_training = default_rounds(ruleset)
    if self_training < 0 or folds < 2:
        raise ConfigError(f"self_training must be at least 0 and folds at least 2, not {self_training} and {folds}")
    texts = list(texts)
    if not texts:
        raise TrainingError("no articles to train on")
    votes = ruleset.votes(texts)
    known = None if gold is None else gold_matrix(gold, ruleset.themes)
    weak = label_themes(
        votes, ruleset.theme_index, ruleset.themes, exclusive=ruleset.exclusive, weights=ruleset.weights, gold=known
    )
    covered = np.diff(votes.indptr) > 0
    fixed = np.zeros(len(texts), dtype=bool) if known is None else (known >= 0).all(axis=1)
    current = _hard(weak.proba, ruleset.exclusive)
    train = covered | fixed
    if not train.any():
        raise TrainingError(
            f"no rule of {ruleset.source} matches any of the {len(texts)} articles",
            hint="run `textkit rules check` to see what the rules match",
        )
    rounds = []
    for _ in range(self_training):
        scores = _out_of_fold(classifier, texts, current, train, ruleset, folds, random_state)
        relabelled = _hard(scores, ruleset.exclusive, getattr(classifier, "ensure_top_label", False))
        relabelled[fixed] = current[fixed]
        changed = int((relabelled != current).any(axis=1)[train].sum() + (~train).sum())
        rounds.append({"changed": changed, "articles": len(texts)})
        current, train = relabelled, np.ones(len(texts), dtype=bool)
        if changed < 0.005 * len(texts):
            break
    _fit(classifier, [texts[i] for i in np.flatnonzero(train)], current[train], ruleset)
    labels = [[ruleset.themes[k] for k in np.flatnonzero(row)] for row in current]
    return WeakFit(weak, votes, labels, rounds)


def default_rounds(ruleset: RuleSet) -> int:
    """Self-training rounds by default: 5 for exclusive themes, none for multi-label ones.

    Measured (experiments/bench_rules.py): on single-label news each round helped (AG News
    0.786 without, 0.837 after 3 rounds, 0.853 after 5; BBC 0.926, 0.957, 0.957); on the
    multi-label sample corpus (320 articles) each round lost micro-F1 (0.868, 0.837, 0.816),
    probably because fold models trained on 256 articles relabel rare themes poorly.
    """
    return 5 if ruleset.exclusive else 0


def _hard(proba: np.ndarray, exclusive: bool, top: bool = False) -> np.ndarray:
    """0/1 labels from probabilities: the best theme (exclusive), or every theme at 0.5 or
    above, and the best one where none is (``top``: every article has a theme)."""
    best = np.eye(proba.shape[1], dtype=int)[proba.argmax(axis=1)]
    if exclusive:
        return best
    chosen = (proba >= 0.5).astype(int)
    return np.where(top & (chosen.sum(axis=1, keepdims=True) == 0), best, chosen)


def _fit(classifier: Any, texts: list[str], Y: np.ndarray, ruleset: RuleSet) -> Any:
    themes = np.asarray(ruleset.themes, dtype=object)
    if ruleset.exclusive:
        labels = themes[Y.argmax(axis=1)]
        # A theme given to one article cannot be learnt (and the classifier refuses it).
        names, counts = np.unique(labels, return_counts=True)
        keep = np.isin(labels, names[counts >= 2])
        return classifier.fit([t for t, k in zip(texts, keep) if k], list(labels[keep]))
    # An indicator matrix keeps the task multi-label even if every article happened to get
    # exactly one theme; the classifier then names its classes 0..T-1, so give them their names.
    classifier.fit(texts, Y)
    classifier.classes_ = themes
    return classifier


def _out_of_fold(
    classifier: Any,
    texts: list[str],
    Y: np.ndarray,
    train: np.ndarray,
    ruleset: RuleSet,
    folds: int,
    random_state: int,
) -> np.ndarray:
    """Each article's theme probabilities from a classifier that did not train on it."""
    from sklearn.base import clone

    fold = np.random.default_rng(random_state).permutation(len(texts)) % folds
    scores = np.zeros(Y.shape, dtype=float)
    for f in range(folds):
        rows = np.flatnonzero(train & (fold != f))
        # The fold models are the classifier itself, naive Bayes blend and all: with cv=None
        # (no blend, 2-3x faster) AG News relabelled to 0.829 accuracy instead of 0.842.
        model = _fit(clone(classifier), [texts[i] for i in rows], Y[rows], ruleset)
        held = np.flatnonzero(fold == f)
        proba = model.predict_proba([texts[i] for i in held])
        order = {c: j for j, c in enumerate(model.classes_)}
        for k, theme in enumerate(ruleset.themes):
            if theme in order:
                scores[held, k] = proba[:, order[theme]]
    return scores


def rule_disagreement(votes: Any, ruleset: RuleSet, predicted: Sequence[Sequence[str]] | None = None) -> np.ndarray:
    """How much the rules that fire on each article disagree, with each other and with a classifier.

    Each firing rule casts its weight for its theme (``words``, ``regex``) or against it
    (``against``). Per article, with ``F[t]`` and ``A[t]`` the weights for and against
    theme ``t``:

    - *conflict* (0 to 0.5) is the share of the firing rules' weight that votes against
      the rules' majority. Multi-label rules decide each theme apart:
      ``sum_t min(F[t], A[t]) / sum_t (F[t] + A[t])``. Exclusive rules (one theme per
      article) choose the theme ``k`` with the largest net support ``F - A``; every vote
      for another theme and every vote against ``k`` is against the majority.
    - *mismatch* (0 to 1), with the classifier's ``predicted`` themes: multi-label, the
      share of the themes the rules decide (``F[t] != A[t]``) on which the classifier
      decides otherwise; exclusive, 1 when the rules support another theme more than the
      classifier's (``F - A`` of its theme below the largest), else 0.

    The score is ``conflict + mismatch / 2`` (0 to 1): two rules in a tie rank with
    unanimous rules the classifier contradicts. A plain weighted vote rather than the
    label model's posterior, because an annotator can check it by reading the rules
    that fired, and the label model's fit is not kept with the classifier.

    Parameters
    ----------
    votes : sparse matrix (n_articles, n_rules)
        From :meth:`~textkit.themes.rules.RuleSet.votes`.
    ruleset : RuleSet
    predicted : sequence of label lists, optional
        The classifier's themes of each article (without it, the score is the conflict alone).

    Returns
    -------
    ndarray (n_articles,)
        0 where no rule fires.
    """
    from scipy import sparse

    L = sparse.csr_matrix(votes, dtype=float)
    themes = ruleset.themes
    # (rules x themes): each rule's weight in its theme's column.
    weighted = sparse.csr_matrix(
        (ruleset.weights, (np.arange(len(ruleset.rules)), ruleset.theme_index)), shape=(len(ruleset.rules), len(themes))
    )
    F = np.asarray((L.multiply(L > 0) @ weighted).todense())
    A = np.asarray((-L.multiply(L < 0) @ weighted).todense())
    total = F.sum(axis=1) + A.sum(axis=1)
    net = F - A
    rows = np.arange(len(F))
    if ruleset.exclusive:
        k = net.argmax(axis=1)
        against = F.sum(axis=1) - F[rows, k] + A[rows, k]
    else:
        against = np.minimum(F, A).sum(axis=1)
    conflict = np.divide(against, total, out=np.zeros(len(F)), where=total > 0)
    if predicted is None:
        return conflict
    column = {t: j for j, t in enumerate(themes)}
    chosen = np.zeros(F.shape, dtype=bool)
    for i, labels in enumerate(predicted):
        chosen[i, [column[t] for t in labels if t in column]] = True
    if ruleset.exclusive:
        # A theme the rules do not name has no support: 0.
        support = np.where(chosen, net, -np.inf).max(axis=1)
        support[~chosen.any(axis=1)] = 0.0
        mismatch = ((support < net.max(axis=1)) & (total > 0)).astype(float)
    else:
        decided = net != 0
        differ = (decided & ((net > 0) != chosen)).sum(axis=1)
        count = decided.sum(axis=1)
        mismatch = np.divide(differ, count, out=np.zeros(len(F)), where=count > 0)
    return conflict + mismatch / 2
