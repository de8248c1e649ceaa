"""``textkit rules check``: what a rules file does on a corpus, before training on it.

:func:`check_rules` reports, per rule and per theme: how many articles it votes on
(coverage), how often other rules vote on the same articles (overlaps) or disagree with
it (conflicts), its accuracy as estimated by the label model from those agreements (and
measured against labels where the articles have some), the rules that never fire, and
sample matches in context.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from textkit.errors import InputError
from textkit.reading.articles import Article


@dataclass
class RulesReport:
    """The figures of :func:`check_rules` (``textkit rules check`` prints them; :meth:`to_dict` gives JSON)."""

    source: str
    articles: int
    uncovered: int
    exclusive: bool
    rules: list[dict[str, Any]] = field(default_factory=list)
    themes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def never_fire(self) -> list[str]:
        return [r["rule"] for r in self.rules if r["votes"] == 0]

    def to_dict(self) -> dict[str, Any]:
        return {
            "rules_file": self.source,
            "articles": self.articles,
            "articles_without_votes": self.uncovered,
            "exclusive": self.exclusive,
            "themes": self.themes,
            "rules": self.rules,
            "never_fire": self.never_fire,
        }


def check_rules(rules: str | Path | Any, articles: Iterable[Article], samples: int = 2) -> RulesReport:
    """Vote with ``rules`` on ``articles`` and report coverage, overlaps, conflicts and accuracies.

    Parameters
    ----------
    rules : path or RuleSet
        A rules file (see :mod:`textkit.themes.rules`) or rules already loaded.
    articles : iterable of Article
        Unlabelled or labelled; where articles carry labels, each rule's accuracy is
        also measured against them.
    samples : int
        Matches shown per rule (first articles it fires on, in corpus order).

    Raises
    ------
    ConfigError
        A bad rules file, or (articles with labels) a rule theme that no article has.
    InputError
        No articles.
    """
    from textkit.themes.label_model import label_themes
    from textkit.themes.rules import RuleSet, load_rules

    ruleset = rules if isinstance(rules, RuleSet) else load_rules(rules)
    articles = list(articles)
    if not articles:
        raise InputError("no articles to check the rules on", hint="check the data file(s) and --text-field")
    labels = {label for a in articles for label in a.labels}
    if labels:
        # Labelled articles: a rule theme outside their labels is a typo, or the wrong corpus.
        ruleset.check_themes(labels)
    texts = [a.full_text for a in articles]
    votes = ruleset.votes(texts)
    n = votes.shape[0]
    T = len(ruleset.themes)
    theme_of, polarity = ruleset.theme_index, ruleset.polarity
    onehot = np.eye(T)[theme_of]
    pos = (votes > 0).astype(np.float64)
    neg = (votes < 0).astype(np.float64)
    pos_t, neg_t = np.asarray(pos @ onehot), np.asarray(neg @ onehot)  # votes per article and theme
    per_article = np.diff(votes.indptr)
    weak = label_themes(votes, theme_of, ruleset.themes, exclusive=ruleset.exclusive, weights=ruleset.weights)

    # Who disagrees with a vote: the opposite vote on the same theme, and for exclusive
    # themes also a vote for another theme.
    against = {1: neg_t, -1: pos_t}
    other_for = pos_t.sum(axis=1, keepdims=True) - pos_t
    # Overlaps: other rules voting on the same article (on the same theme, unless themes are
    # exclusive: there any two votes inform each other).
    shared = np.tile(per_article[:, None], (1, T)) if ruleset.exclusive else pos_t + neg_t
    columns = votes.tocsc()
    gold = _gold(articles, ruleset.themes)
    report_rules = []
    for j, rule in enumerate(ruleset.rules):
        rows = columns.indices[columns.indptr[j] : columns.indptr[j + 1]]
        t, s = theme_of[j], int(polarity[j])
        disagree = against[s][rows, t] > 0
        if ruleset.exclusive and s > 0:
            disagree |= other_for[rows, t] > 0
        measured = None
        if gold is not None:
            known = rows[gold[rows, t] >= 0]
            if len(known):
                measured = round(float(np.mean((gold[known, t] == 1) == (s > 0))), 4)
        accuracy = weak.accuracies[j]
        report_rules.append(
            {
                "rule": rule.name,
                "theme": rule.theme,
                "votes": len(rows),
                "coverage": round(len(rows) / n, 4),
                "overlaps": int((shared[rows, t] > 1).sum()),
                "conflicts": int(disagree.sum()),
                "estimated_accuracy": None if np.isnan(accuracy) else round(float(accuracy), 4),
                "measured_accuracy": measured,
                "samples": [
                    {"id": articles[i].id, "match": ruleset.snippet(j, texts[i]) or ""} for i in rows[:samples]
                ],
            }
        )
    if ruleset.exclusive:
        conflicted = (pos_t > 0).sum(axis=1, keepdims=True) > 1
        theme_conflicts = ((pos_t > 0) & conflicted) | ((pos_t > 0) & (neg_t > 0))
    else:
        theme_conflicts = (pos_t > 0) & (neg_t > 0)
    labelled = [set(labels) for labels, voted in zip(weak.labels(), per_article > 0) if voted]
    report_themes = [
        {
            "theme": theme,
            "rules": int((theme_of == t).sum()),
            "votes_for": int((pos_t[:, t] > 0).sum()),
            "conflicts": int(theme_conflicts[:, t].sum()),
            "labelled": int(sum(theme in labels for labels in labelled)),
            "label_model": weak.methods.get(theme, weak.methods.get("*", "")),
        }
        for t, theme in enumerate(ruleset.themes)
    ]
    return RulesReport(ruleset.source, n, int((per_article == 0).sum()), ruleset.exclusive, report_rules, report_themes)


def _gold(articles: list[Article], themes: list[str]) -> np.ndarray | None:
    """Labels as 0/1 per theme (-1 rows for unlabelled articles), or None when no article has labels."""
    if not any(a.labels for a in articles):
        return None
    gold = np.full((len(articles), len(themes)), -1, dtype=int)
    for i, article in enumerate(articles):
        if article.labels:
            gold[i] = [int(theme in article.labels) for theme in themes]
    return gold
