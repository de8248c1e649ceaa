"""textkit: clean, tag and explore news corpora.

The data flows one way through the modules: :mod:`~textkit.reading.articles` (read) →
:mod:`~textkit.reading.segment` / :mod:`~textkit.text.clean` / :mod:`~textkit.text.tokenize` →
:mod:`~textkit.themes.features` → :mod:`~textkit.themes.classify` / :mod:`~textkit.topics.model` →
:mod:`~textkit.store` (save and load). Heavy libraries (scikit-learn, gensim) are
imported only by the modules that need them, so ``import textkit`` is quick.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Public names, imported on first use so `import textkit` (and the CLI's --help) stays fast.
# None of them is also the name of a sub-package, so `import textkit.themes.evaluate` cannot
# replace the function `textkit.evaluate` by a module.
_LAZY = {
    # reading and text processing
    "Article": "textkit.reading.articles",
    "read_articles": "textkit.reading.articles",
    "read_many": "textkit.reading.articles",
    "segment_dump": "textkit.reading.segment",
    "clean_text": "textkit.text.clean",
    "Tokenizer": "textkit.text.tokenize",
    # themes
    "ThemeClassifier": "textkit.themes.classify",
    "EvaluationReport": "textkit.themes.evaluate",
    "evaluate": "textkit.themes.evaluate",
    "cross_validate": "textkit.themes.evaluate",
    "search": "textkit.themes.evaluate",
    "top_terms": "textkit.themes.explain",
    "explain_text": "textkit.themes.explain",
    "predict_stream": "textkit.themes.predict",
    # topics
    "TopicModel": "textkit.topics.model",
    # the model store
    "save": "textkit.store",
    "load": "textkit.store",
    "ModelStore": "textkit.store",
    "LoadedModel": "textkit.store",
    # use cases (what the CLI commands run)
    "train_model": "textkit.workflows.themes",
    "load_classifier": "textkit.workflows.themes",
    "evaluate_saved": "textkit.workflows.themes",
    "explain_saved": "textkit.workflows.themes",
    "fit_topics": "textkit.workflows.topics",
    "load_topic_model": "textkit.workflows.topics",
    "relabel": "textkit.workflows.topics",
    "write_report": "textkit.workflows.topics",
    "write_records": "textkit.workflows.output",
    # errors and messages
    "TextkitError": "textkit.errors",
    "InputError": "textkit.errors",
    "ConfigError": "textkit.errors",
    "TrainingError": "textkit.errors",
    "NotFittedError": "textkit.errors",
    "ModelStoreError": "textkit.errors",
    "IntegrityError": "textkit.errors",
    "TextkitNote": "textkit.messages",
    "TextkitWarning": "textkit.messages",
}

__all__ = ["__version__", *_LAZY]

if TYPE_CHECKING:  # what type checkers and editors see; at run time the names load on first use
    from textkit.errors import (
        ConfigError,
        InputError,
        IntegrityError,
        ModelStoreError,
        NotFittedError,
        TextkitError,
        TrainingError,
    )
    from textkit.messages import TextkitNote, TextkitWarning
    from textkit.reading.articles import Article, read_articles, read_many
    from textkit.reading.segment import segment_dump
    from textkit.store import LoadedModel, ModelStore, load, save
    from textkit.text.clean import clean_text
    from textkit.text.tokenize import Tokenizer
    from textkit.themes.classify import ThemeClassifier
    from textkit.themes.evaluate import EvaluationReport, cross_validate, evaluate, search
    from textkit.themes.explain import explain_text, top_terms
    from textkit.themes.predict import predict_stream
    from textkit.topics.model import TopicModel
    from textkit.workflows.output import write_records
    from textkit.workflows.themes import evaluate_saved, explain_saved, load_classifier, train_model
    from textkit.workflows.topics import fit_topics, load_topic_model, relabel, write_report


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value  # later look-ups skip this function
        return value
    raise AttributeError(f"module 'textkit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
