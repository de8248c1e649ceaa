"""Per-article result records written as JSONL or CSV (``predict``, ``topics infer``)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from typing import IO

from textkit.errors import ConfigError
from textkit.records import Record, ThemeRecord


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
