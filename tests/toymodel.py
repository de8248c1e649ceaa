"""A tiny textkit-style model for the store tests, importable by child processes."""

from __future__ import annotations

import time
from pathlib import Path


class ToyModel:
    """Scores a text by its length times ``weight``; describes itself like a textkit model."""

    def __init__(self, weight: float = 1.0, labels: tuple[str, ...] = ("economy", "military")) -> None:
        self.weight = weight
        self.labels = labels

    def describe(self) -> dict:
        return {"kind": "toy", "params": {"weight": self.weight}, "labels": list(self.labels)}

    def predict(self, texts: list[str]) -> list[float]:
        return [round(len(text) * self.weight, 6) for text in texts]


class StallingToyModel(ToyModel):
    """A model whose pickling writes ``signal`` and then stalls: a test kills the save midway."""

    def __init__(self, signal: str, weight: float = 1.0) -> None:
        super().__init__(weight)
        self.signal = signal

    def __reduce__(self):
        Path(self.signal).write_text("pickling", encoding="utf-8")
        time.sleep(120)
        return (ToyModel, (self.weight,))
