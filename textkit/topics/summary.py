"""What the topics look like in one corpus: prevalence, dominant topics, trends per month, topics × labels."""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from textkit.reading.articles import Article

_MONTH = re.compile(r"^\d{4}-\d{2}")
REPRESENTATIVES_KEPT = 10  # articles kept per topic by a summary
MIN_WORDS = 20  # an article with fewer words of the vocabulary comes after every longer one
SNIPPET = 160  # characters of the text kept when an article has no headline


@dataclass
class TopicSummary:
    """What the topics look like in one corpus.

    Attributes
    ----------
    documents : int
        Articles read.
    empty_documents : int
        Articles with no word of the vocabulary (they get the prior and no dominant topic).
    prevalence : list of float
        Mean share of each topic over the articles (sums to 1).
    dominant_counts : list of int
        Articles whose most probable topic is each topic.
    months : dict
        ``"YYYY-MM" -> share of each topic`` over the articles of that month (articles
        with a date only), in month order.
    month_counts : dict
        Articles per month.
    labels : dict
        ``label -> mean topic shares`` of the articles carrying that theme label.
    label_counts : dict
        Articles per label.
    converged : float or None
        Share of articles whose inference converged within ``iterations`` (from
        gensim's log); well below 1 means ``iterations`` should be raised.
    representatives : list of list of dict
        Per topic, the (at most 10) articles where that topic's share is highest, best
        first: ``{"id", "headline", "share", "words"}`` (``headline``: the article's, else
        the start of its text; ``words``: its words in the vocabulary). Articles with at
        least 20 such words come first, so a two-line brief does not stand for a topic.
    """

    documents: int = 0
    empty_documents: int = 0
    prevalence: list[float] = field(default_factory=list)
    dominant_counts: list[int] = field(default_factory=list)
    months: dict[str, list[float]] = field(default_factory=dict)
    month_counts: dict[str, int] = field(default_factory=dict)
    labels: dict[str, list[float]] = field(default_factory=dict)
    label_counts: dict[str, int] = field(default_factory=dict)
    converged: float | None = None
    representatives: list[list[dict[str, Any]]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class UpdateReport:
    """What :meth:`TopicModel.update <textkit.topics.model.TopicModel.update>` did with new articles.

    Attributes
    ----------
    documents : int
        New articles read.
    tokens, unknown_tokens : int
        Their words, and how many of them were not in the model's vocabulary.
    words_added : list of str
        Words added to the vocabulary (new words in at least ``no_below`` new articles).
    unknown_words : list of [word, count]
        The most frequent words that were not in the vocabulary (added or not).
    new_topics : list of int
        Ids of the topics added (``new_topics=N``); the old ids are unchanged.
    prevalence_before, prevalence_after : list of float
        Each topic's share of the corpus the model had seen before, and of the new articles
        after the update (0 before for an added topic): what grew and what faded.
    poorly_explained : int
        New articles the model explained worse than 95% of its training articles (a
        likelihood per word lower by more than 0.1 nats, i.e. 10% more perplexity, before
        the update) or with most of their words unknown.
    poorly_explained_articles : list of dict
        The worst of them: ``{"id", "headline", "loglik", "unknown"}`` (log-likelihood per
        known word, None with no known word; share of words unknown).
    poorly_explained_words : list of [word, count]
        The most frequent words of those articles: what a missing topic is about.
    """

    documents: int = 0
    tokens: int = 0
    unknown_tokens: int = 0
    words_added: list[str] = field(default_factory=list)
    unknown_words: list[list[Any]] = field(default_factory=list)
    new_topics: list[int] = field(default_factory=list)
    prevalence_before: list[float] = field(default_factory=list)
    prevalence_after: list[float] = field(default_factory=list)
    poorly_explained: int = 0
    poorly_explained_articles: list[dict[str, Any]] = field(default_factory=list)
    poorly_explained_words: list[list[Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def changes(self) -> list[tuple[int, float, float]]:
        """``(topic, before, after)`` by how much the topic's share changed, largest change first."""
        rows = zip(range(len(self.prevalence_after)), self.prevalence_before, self.prevalence_after)
        return sorted(rows, key=lambda r: -abs(r[2] - r[1]))


def merge_summaries(old: TopicSummary, new: TopicSummary) -> TopicSummary:
    """One summary of two corpora (``old`` may have fewer topics: they are padded with zeros)."""
    k = len(new.prevalence)

    def pad(values: Sequence[float]) -> np.ndarray:
        return np.pad(np.asarray(values, dtype=float), (0, k - len(values)))

    def merged(
        shares: dict[str, list[float]],
        counts: dict[str, int],
        other: dict[str, list[float]],
        other_counts: dict[str, int],
    ) -> tuple[dict[str, list[float]], dict[str, int]]:
        keys = sorted(set(shares) | set(other))
        total = {key: counts.get(key, 0) + other_counts.get(key, 0) for key in keys}
        values = {
            key: [
                float(v)
                for v in (
                    pad(shares.get(key, [])) * counts.get(key, 0) + pad(other.get(key, [])) * other_counts.get(key, 0)
                )
                / max(total[key], 1)
            ]
            for key in keys
        }
        return values, total

    used_old, used_new = old.documents - old.empty_documents, new.documents - new.empty_documents
    prevalence = (pad(old.prevalence) * used_old + pad(new.prevalence) * used_new) / max(used_old + used_new, 1)
    months, month_counts = merged(old.months, old.month_counts, new.months, new.month_counts)
    labels, label_counts = merged(old.labels, old.label_counts, new.labels, new.label_counts)
    old_representatives = getattr(old, "representatives", None) or []
    representatives = []
    for topic in range(k):
        pool = (old_representatives[topic] if topic < len(old_representatives) else []) + new.representatives[topic]
        pool.sort(key=lambda a: (a["words"] >= MIN_WORDS, a["share"]), reverse=True)
        representatives.append(pool[:REPRESENTATIVES_KEPT])
    return TopicSummary(
        documents=old.documents + new.documents,
        empty_documents=old.empty_documents + new.empty_documents,
        prevalence=[float(v) for v in prevalence],
        dominant_counts=[int(v) for v in pad(old.dominant_counts) + pad(new.dominant_counts)],
        months=months,
        month_counts=month_counts,
        labels=labels,
        label_counts=label_counts,
        converged=new.converged,
        representatives=representatives,
    )


def summarize_chunks(
    chunks: Iterable[tuple[np.ndarray, np.ndarray, list[Article | str]]], num_topics: int
) -> TopicSummary:
    """The summary of ``(topic shares, words of the vocabulary per text, the texts)`` chunks, in one pass."""
    k = num_topics
    total = np.zeros(k)
    dominant = np.zeros(k, dtype=int)
    months: dict[str, np.ndarray] = {}
    month_counts: dict[str, int] = {}
    labels: dict[str, np.ndarray] = {}
    label_counts: dict[str, int] = {}
    # Per topic a min-heap of (long enough, share, -number, number): the best REPRESENTATIVES_KEPT.
    best: list[list[tuple[bool, float, int, int]]] = [[] for _ in range(k)]
    kept: dict[int, tuple[Article | str, int]] = {}
    documents = empty = 0
    for theta, lengths, chunk in chunks:
        for item, row, length in zip(chunk, theta, lengths):
            documents += 1
            if not length:
                empty += 1
                continue
            for topic in np.flatnonzero(row >= _floor(best, row)):
                entry = (bool(length >= MIN_WORDS), float(row[topic]), -documents, documents)
                heap = best[topic]
                if len(heap) < REPRESENTATIVES_KEPT:
                    heapq.heappush(heap, entry)
                elif entry > heap[0]:
                    heapq.heapreplace(heap, entry)
                else:
                    continue
                kept[documents] = (item, int(length))
            total += row
            dominant[int(np.argmax(row))] += 1
            if isinstance(item, Article):
                if item.date and _MONTH.match(item.date):
                    month = item.date[:7]
                    months[month] = months.get(month, np.zeros(k)) + row
                    month_counts[month] = month_counts.get(month, 0) + 1
                for label in item.labels:
                    labels[label] = labels.get(label, np.zeros(k)) + row
                    label_counts[label] = label_counts.get(label, 0) + 1
        kept = {entry[3]: kept[entry[3]] for heap in best for entry in heap}  # only what the heaps hold
    used = documents - empty
    return TopicSummary(
        documents=documents,
        empty_documents=empty,
        prevalence=[float(v) for v in (total / used if used else total)],
        dominant_counts=[int(v) for v in dominant],
        months={m: [float(v) for v in months[m] / month_counts[m]] for m in sorted(months)},
        month_counts={m: month_counts[m] for m in sorted(month_counts)},
        labels={lab: [float(v) for v in labels[lab] / label_counts[lab]] for lab in sorted(labels)},
        label_counts={lab: label_counts[lab] for lab in sorted(label_counts)},
        representatives=[
            [_representative(number, *kept[number], share) for _, share, _, number in sorted(heap, reverse=True)]
            for heap in best
        ],
    )


def _floor(best: list[list[tuple[bool, float, int, int]]], row: np.ndarray) -> np.ndarray:
    """Per topic, the share below which an article cannot enter that topic's full heap (0 while it is not full)."""
    return np.array([heap[0][1] if len(heap) == REPRESENTATIVES_KEPT and heap[0][0] else 0.0 for heap in best])


def headline(item: Article | str) -> str:
    """An article's headline, else the first 160 characters of its text (whitespace collapsed)."""
    if isinstance(item, Article) and item.headline:
        return item.headline
    text = " ".join((item.text if isinstance(item, Article) else item).split())
    return text if len(text) <= SNIPPET else text[: SNIPPET - 1] + "…"


def _representative(number: int, item: Article | str, words: int, share: float) -> dict[str, Any]:
    """What a summary keeps of a representative article: id, headline (or snippet), topic share, words."""
    identifier = item.id if isinstance(item, Article) else str(number)
    return {"id": identifier, "headline": headline(item), "share": round(share, 4), "words": words}
