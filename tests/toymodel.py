"""A tiny textkit-style model for the store tests, importable by child processes."""

from __future__ import annotations


class ToyModel:
    """Scores a text by its length times ``weight``; describes itself like a textkit model."""

    def __init__(self, weight: float = 1.0, labels: tuple[str, ...] = ("economy", "military")) -> None:
        self.weight = weight
        self.labels = labels

    def describe(self) -> dict:
        return {"kind": "toy", "params": {"weight": self.weight}, "labels": list(self.labels)}

    def predict(self, texts: list[str]) -> list[float]:
        return [round(len(text) * self.weight, 6) for text in texts]


# -- real textkit models, small and quick to fit -----------------------------------------
FARM = ["wheat", "harvest", "grain", "farmers", "crop", "barley", "export", "tractor", "field", "rain"]
WAR = ["missile", "army", "soldiers", "tank", "border", "troops", "artillery", "drone", "attack", "navy"]
PROBES = ["farmers export wheat and barley", "the army moved tanks to the border", "", "رئيس الوزراء"]


def small_corpus(per_theme: int = 20, length: int = 25) -> tuple[list[str], list[list[str]]]:
    import random

    rng = random.Random(0)
    texts, labels = [], []
    for vocabulary, label in ((FARM, "economy"), (WAR, "military")):
        for _ in range(per_theme):
            texts.append(" ".join(rng.choice(vocabulary) for _ in range(length)))
            labels.append([label])
    return texts, labels


def fit_real(kind: str):
    """A fitted ThemeClassifier (``"themes"``) or TopicModel (``"topics"``)."""
    texts, labels = small_corpus()
    if kind == "themes":
        from textkit.themes.classify import ThemeClassifier

        return ThemeClassifier(cv=None, min_df=1).fit(texts, labels)
    from textkit.topics.model import TopicModel

    return TopicModel(2, workers=1, measures=()).fit(texts)


def predictions(model, texts=PROBES) -> list:
    """What a model (toy or real) says about ``texts``, as exact JSON-able numbers."""
    if isinstance(model, ToyModel):
        return model.predict(texts)
    if hasattr(model, "predict_proba"):
        return model.predict_proba(texts).tolist()
    return model.transform(texts).tolist()


# -- the toy model's saved state (textkit.store.format): registered as kind "toy" ---------
SCHEMA = {"weight": float, "labels": [str]}


def to_state(model: ToyModel) -> tuple[dict, dict]:
    return {"weight": model.weight, "labels": list(model.labels)}, {}


def array_specs(state: dict) -> dict:
    return {}


def from_state(state: dict, arrays: dict) -> ToyModel:
    return ToyModel(state["weight"], tuple(state["labels"]))


def _register() -> None:
    from textkit.store.format import KIND_STATES

    KIND_STATES.setdefault("toy", "toymodel")


_register()
