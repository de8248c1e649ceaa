"""Load the shared benchmark corpora (``../shared/datasets``; override with ``$TEXTKIT_DATASETS``).

The corpora are read in place and never copied into the project.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

DATASETS = Path(os.environ.get("TEXTKIT_DATASETS") or Path(__file__).resolve().parents[2] / "shared" / "datasets")

# Benchmark name -> (folder, whether to strip 20 Newsgroups headers/footers/quotes).
BENCHMARKS = {
    "reuters": ("reuters21578", False),
    "20ng": ("20newsgroups", False),
    "20ng-stripped": ("20newsgroups", True),
    "bbc": ("bbc_news", False),
    "ag_news": ("ag_news", False),
}


def path(folder: str, split: str) -> Path:
    """The ``.jsonl.gz`` file of one split; a clear error if the datasets are not there."""
    file = DATASETS / folder / f"{split}.jsonl.gz"
    if not file.is_file():
        raise SystemExit(f"{file} not found: set TEXTKIT_DATASETS to the folder of the shared datasets")
    return file


def strip_newsgroup(text: str) -> str:
    """Remove headers, footers and quotes exactly as ``fetch_20newsgroups(remove=...)`` does."""
    from sklearn.datasets._twenty_newsgroups import (
        strip_newsgroup_footer,
        strip_newsgroup_header,
        strip_newsgroup_quoting,
    )

    return strip_newsgroup_quoting(strip_newsgroup_footer(strip_newsgroup_header(text)))


def load(name: str, split: str) -> tuple[list[str], list[list[str]]]:
    """Texts and label lists of a benchmark split (``train`` or ``test``)."""
    folder, strip = BENCHMARKS[name]
    texts, labels = [], []
    with gzip.open(path(folder, split), "rt", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            texts.append(strip_newsgroup(record["text"]) if strip else record["text"])
            labels.append(record["labels"])
    return texts, labels


def all_texts() -> list[str]:
    """Every text of every shared dataset and split (about 40,000 documents)."""
    texts: list[str] = []
    for folder in ("reuters21578", "20newsgroups", "bbc_news", "ag_news"):
        for split in ("train", "test"):
            file = DATASETS / folder / f"{split}.jsonl.gz"
            if file.is_file():
                with gzip.open(file, "rt", encoding="utf-8") as handle:
                    texts.extend(json.loads(line)["text"] for line in handle)
    return texts
