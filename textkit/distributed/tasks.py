"""What a Dask worker runs: one part of the input read and processed, returned whole.

The functions are plain (no Dask import) and pure: a part given twice (a worker lost
and its task rerun) gives the same result, which is what makes a rerun safe.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textkit.errors import ModelStoreError
from textkit.reading.articles import Article, ReadStats
from textkit.records import ThemeRecord
from textkit.text.stats import CorpusSummary

from .partitions import Partition, read_partition

# Models loaded in this worker process, by (store folder, name, manifest checksum): loaded
# and verified once per process, not once per part.
_MODELS: dict[tuple[str, str, str], Any] = {}


@dataclass(frozen=True)
class ModelRef:
    """A saved model as the client saw it: workers load it from ``models_dir`` (a path they share)."""

    kind: str
    name: str
    models_dir: str
    checksum: str  # the manifest's: a worker refuses a model that changed since
    strict: bool = False


def load_model(ref: ModelRef) -> Any:
    """The model of ``ref``, loaded and verified by the store once per worker process.

    Raises
    ------
    ModelStoreError
        The store refuses the model, or the worker sees another version of it than
        the client did (it was replaced, or the worker's folder is another one).
    """
    from textkit.store import ModelStore

    key = (ref.models_dir, ref.name, ref.checksum)
    if key not in _MODELS:
        loaded = ModelStore(ref.models_dir).load(ref.name, kind=ref.kind, strict=ref.strict)
        if loaded.manifest.get("checksum") != ref.checksum:
            raise ModelStoreError(
                f"a worker found another model {ref.name!r} in {ref.models_dir} than the one this command started with",
                hint="do not replace a model during a run; workers on other machines need the same store path",
            )
        _MODELS.clear()  # one model per worker at a time: a long-lived worker does not pile them up
        _MODELS[key] = loaded.model
    return _MODELS[key]


def predict_part(
    part: Partition, read: dict[str, Any], ref: ModelRef, options: dict[str, Any]
) -> tuple[list[ThemeRecord], ReadStats]:
    """Theme records of one part (:func:`textkit.themes.predict.predict_stream`) and what was read."""
    from textkit.themes.predict import predict_stream

    stream = read_partition(part, **read)
    return list(predict_stream(load_model(ref), stream, **options)), stream.stats


def infer_part(part: Partition, read: dict[str, Any], ref: ModelRef) -> tuple[list[dict[str, Any]], ReadStats]:
    """Topic records of one part (:meth:`textkit.topics.model.TopicModel.infer`) and what was read."""
    stream = read_partition(part, **read)
    return list(load_model(ref).infer(stream)), stream.stats


def evaluate_part(
    part: Partition, read: dict[str, Any], ref: ModelRef
) -> tuple[list[list[str]], list[tuple[str, ...]], list[str], ReadStats]:
    """``(true labels, predicted labels, ids of unlabelled articles, read stats)`` of one part."""
    stream = read_partition(part, **read)
    articles = list(stream)
    predicted = load_model(ref).predict_labels([a.full_text for a in articles]) if articles else []
    truth = [list(a.labels) for a in articles]
    unlabelled = [a.id for a in articles if not a.labels]
    return truth, [tuple(str(label) for label in row) for row in predicted], unlabelled, stream.stats


def summarize_part(part: Partition, read: dict[str, Any]) -> tuple[CorpusSummary, ReadStats]:
    """:func:`textkit.text.stats.summarize` of one part."""
    from textkit.text.stats import summarize

    stream = read_partition(part, **read)
    return summarize(stream), stream.stats


def segment_part(part: Partition, read: dict[str, Any]) -> tuple[list[Article], ReadStats]:
    """The articles of one raw dump."""
    stream = read_partition(part, **read)
    return list(stream), stream.stats


def hashing_count_part(part: Partition, read: dict[str, Any], model: Any) -> tuple[Any, int, set[str], bool, str]:
    """Document frequencies, articles, labels of one part (:meth:`HashingThemeClassifier.count`) and its digest."""
    from textkit.reading.articles import fingerprint

    articles = list(read_partition(part, **read))
    unlabelled = next((a.id for a in articles if not a.labels), None)
    if unlabelled is not None:
        from textkit.errors import TrainingError

        raise TrainingError(f"article {unlabelled} has no labels", hint="label it, or check --label-field")
    counted = model.count(([a.full_text for a in articles], [a.labels for a in articles]))
    return (*counted, fingerprint(articles)["sha256"])


def hashing_features_part(part: Partition, read: dict[str, Any], model: Any) -> tuple[Any, Any]:
    """TF-IDF features and targets of one part for a started :class:`HashingThemeClassifier`."""
    articles = list(read_partition(part, **read))
    return model.features([a.full_text for a in articles]), model.targets([a.labels for a in articles])
