"""textkit: clean, tag and explore news corpora.

The data flows one way through the modules: :mod:`~textkit.reading.articles` (read) →
:mod:`~textkit.reading.segment` / :mod:`~textkit.text.clean` / :mod:`~textkit.text.tokenize` →
:mod:`~textkit.themes.features` → :mod:`~textkit.themes.classify` / :mod:`~textkit.topics.model` →
:mod:`~textkit.store` (save and load). Heavy libraries (scikit-learn, gensim) are
imported only by the modules that need them, so ``import textkit`` is quick.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

# Public names, imported on first use so `import textkit` (and the CLI's --help) stays fast.
_LAZY = {
    "Article": "textkit.reading.articles",
    "read_articles": "textkit.reading.articles",
    "read_many": "textkit.reading.articles",
    "segment_dump": "textkit.reading.segment",
    "clean_text": "textkit.text.clean",
    "Tokenizer": "textkit.text.tokenize",
    "TextkitError": "textkit.errors",
    "ThemeClassifier": "textkit.themes.classify",
    "EvaluationReport": "textkit.themes.evaluate",
    "evaluate": "textkit.themes.evaluate",
    "search": "textkit.themes.evaluate",
    "train_model": "textkit.workflows.themes",
    "predict_stream": "textkit.themes.predict",
    "TopicModel": "textkit.topics.model",
    "fit_topics": "textkit.workflows.topics",
    "cross_validate": "textkit.themes.evaluate",
    "top_terms": "textkit.themes.explain",
    "explain_text": "textkit.themes.explain",
    "save": "textkit.store",
    "load": "textkit.store",
    "ModelStore": "textkit.store",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'textkit' has no attribute {name!r}")
