"""What the topics look like in one corpus: prevalence, dominant topics, trends per month, topics × labels."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from textkit.reading.articles import Article

_MONTH = re.compile(r"^\d{4}-\d{2}")


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

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def summarize_chunks(
    chunks: Iterable[tuple[np.ndarray, np.ndarray, list[Article | str]]], num_topics: int
) -> TopicSummary:
    """The summary of ``(topic shares, which texts had no known word, the texts)`` chunks, in one pass."""
    k = num_topics
    total = np.zeros(k)
    dominant = np.zeros(k, dtype=int)
    months: dict[str, np.ndarray] = {}
    month_counts: dict[str, int] = {}
    labels: dict[str, np.ndarray] = {}
    label_counts: dict[str, int] = {}
    documents = empty = 0
    for theta, empties, chunk in chunks:
        for item, row, is_empty in zip(chunk, theta, empties):
            documents += 1
            if is_empty:
                empty += 1
                continue
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
    )
