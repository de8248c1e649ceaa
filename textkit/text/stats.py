"""A first look at a corpus: sizes, labels, dates and the most frequent tokens."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from textkit.reading.articles import Article
from textkit.text.tokenize import Tokenizer


@dataclass
class CorpusSummary:
    """Counts gathered in one pass over a corpus."""

    articles: int = 0
    tokens: int = 0
    words: int = 0
    labels: Counter = field(default_factory=Counter)
    label_sets: Counter = field(default_factory=Counter)  # number of labels per article
    months: Counter = field(default_factory=Counter)
    vocabulary: Counter = field(default_factory=Counter)
    empty_after_tokenizing: int = 0

    @property
    def mean_tokens(self) -> float:
        return self.tokens / self.articles if self.articles else 0.0

    def top_tokens(self, n: int = 20) -> list[tuple[str, int]]:
        return self.vocabulary.most_common(n)

    def to_dict(self, top: int = 20) -> dict:
        return {
            "articles": self.articles,
            "words": self.words,
            "tokens": self.tokens,
            "mean_tokens_per_article": round(self.mean_tokens, 1),
            "vocabulary_size": len(self.vocabulary),
            "empty_after_tokenizing": self.empty_after_tokenizing,
            "labels": dict(self.labels.most_common()),
            "labels_per_article": dict(sorted(self.label_sets.items())),
            "months": dict(sorted(self.months.items())),
            "top_tokens": self.top_tokens(top),
        }


def summarize(articles: Iterable[Article], tokenizer: Tokenizer | None = None) -> CorpusSummary:
    """Tokenize every article once and count what a first look needs.

    Parameters
    ----------
    articles : iterable of Article
        Streamed; read once.
    tokenizer : Tokenizer, optional
        Default: ``Tokenizer()`` with the news defaults.
    """
    tokenizer = tokenizer or Tokenizer()
    summary = CorpusSummary()
    for article in articles:
        tokens = tokenizer(article.full_text)
        summary.articles += 1
        summary.words += len(article.full_text.split())
        summary.tokens += len(tokens)
        summary.empty_after_tokenizing += not tokens
        summary.vocabulary.update(tokens)
        summary.labels.update(article.labels)
        summary.label_sets[len(article.labels)] += 1
        if article.date and len(article.date) >= 7:
            summary.months[article.date[:7]] += 1
    return summary
