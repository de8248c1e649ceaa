"""Where per-article results come from and how they are written (``predict``, ``topics infer``).

:func:`scored` scores texts, or a file read in this process,
:func:`cluster_path` checks it can be scored on a cluster, :func:`write_records` writes
the records as JSONL or CSV.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, Any

from textkit.errors import ConfigError
from textkit.reading.articles import read_articles
from textkit.records import Job, Record, ThemeRecord


def scored(
    source: Sequence[str] | str,
    read: dict[str, Any] | None,
    score: Callable[[Iterable[Any]], Iterator[Any]],
    classes: list[str],
) -> Job:
    """A :class:`~textkit.records.Job` of ``score(items)`` over ``source``: a path (``-`` for
    standard input) read with ``read`` (:func:`~textkit.reading.articles.read_articles`
    keywords), or texts as they are (``job.stats`` is then ``None``: nothing was read)."""
    if not isinstance(source, str):
        return Job(score(list(source)), classes, None)
    stream = read_articles(source, **(read or {}))
    job = Job(iter(()), classes)

    def records() -> Iterator[Any]:
        # Each pass over the stream starts new counts: take this pass's, also when the reader stops early.
        try:
            yield from score(stream)
        finally:
            job.stats = stream.stats

    job.records = records()
    return job


def cluster_path(source: Sequence[str] | str) -> str:
    """``source`` as the file a cluster's workers read: they read files, not texts in memory or a pipe."""
    if not isinstance(source, str) or source == "-":
        raise ConfigError(
            "a cluster run needs the articles in a file",
            hint="give it with --input FILE (on a path the workers share)",
            param="cluster",
        )
    return source


def write_records(
    records: Iterable[Record] | Iterable[ThemeRecord], handle: IO[str], format: str, classes: Sequence[str]
) -> int:
    """Write prediction records as JSONL or CSV; return how many were written.

    CSV columns: ``id``, ``labels`` (joined with ``;``), one score column per class
    in ``classes`` order, and ``explanation`` (JSON) when the records have one.
    """
    if format not in ("jsonl", "csv"):
        raise ConfigError(f"unknown output format {format!r}", hint="use jsonl or csv")
    count = 0
    writer = None
    for record in records:
        if format == "jsonl":
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            if writer is None:
                writer = csv.writer(handle, lineterminator="\n")
                writer.writerow(["id", "labels", *classes] + (["explanation"] if "explanation" in record else []))
            row = [record["id"], ";".join(record["labels"]), *(record["scores"][c] for c in classes)]
            if "explanation" in record:
                row.append(json.dumps(record.get("explanation"), ensure_ascii=False))
            writer.writerow(row)
        count += 1
    return count
