"""The per-article records that pass between textkit's layers, typed for checkers.

``predict_stream`` yields :class:`ThemeRecord`, ``TopicModel.infer`` yields
:class:`TopicRecord`; both share the fields of :class:`Record`, which is all that
:func:`textkit.workflows.output.write_records` and the shells read. A :class:`Job`
carries a stream of them, made in this process or on a cluster.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TypedDict

from textkit.reading.articles import ReadStats


class Record(TypedDict):
    """One article's result: its id, the labels given to it, and a score per label."""

    id: str
    labels: list[str]
    scores: dict[str, float]


class ThemeRecord(Record, total=False):
    """A theme prediction; ``explanation`` (label -> terms and contributions) with ``explain``."""

    explanation: dict[str, list[tuple[str, float]]]


class TopicRecord(Record):
    """A topic inference: ``topic`` is the dominant topic's id (None for a text with no known word)."""

    topic: int | None


@dataclass
class Job:
    """Records being made (lazily), their score columns, and what was read to make them.

    What ``predict``/``topics infer`` yield, in one process or on a cluster. ``stats`` is
    ``None`` when the texts were given directly rather than read; ``parts`` counts the
    partitions sent to a cluster (0 in one process).
    """

    records: Iterator[Any]
    classes: list[str] = field(default_factory=list)
    stats: ReadStats | None = field(default_factory=ReadStats)
    parts: int = 0
