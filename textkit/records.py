"""The per-article records that pass between textkit's layers, typed for checkers.

``predict_stream`` yields :class:`ThemeRecord`, ``TopicModel.infer`` yields
:class:`TopicRecord`; both share the fields of :class:`Record`, which is all that
:func:`textkit.workflows.output.write_records` and the shells read.
"""

from __future__ import annotations

from typing import TypedDict


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
