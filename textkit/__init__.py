"""textkit: clean, tag and explore news corpora.

The data flows one way through the modules: :mod:`~textkit.articles` (read) →
:mod:`~textkit.segment` / :mod:`~textkit.clean` / :mod:`~textkit.tokenize` →
:mod:`~textkit.features` → :mod:`~textkit.classify` / :mod:`~textkit.topics` →
:mod:`~textkit.store` (save and load). Heavy libraries (scikit-learn, gensim) are
imported only by the modules that need them, so ``import textkit`` is quick.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

# Public names, imported on first use so `import textkit` (and the CLI's --help) stays fast.
_LAZY = {
    "Article": "textkit.articles",
    "read_articles": "textkit.articles",
    "read_many": "textkit.articles",
    "segment_dump": "textkit.segment",
    "clean_text": "textkit.clean",
    "Tokenizer": "textkit.tokenize",
    "TextkitError": "textkit.errors",
    "ThemeClassifier": "textkit.classify",
    "EvaluationReport": "textkit.evaluate",
    "evaluate": "textkit.evaluate",
    "search": "textkit.evaluate",
    "train_model": "textkit.train",
    "predict_stream": "textkit.predict",
    "TopicModel": "textkit.topics",
    "fit_topics": "textkit.topics",
    "cross_validate": "textkit.evaluate",
    "top_terms": "textkit.explain",
    "explain_text": "textkit.explain",
    "save": "textkit.store",
    "load": "textkit.store",
    "ModelStore": "textkit.store",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'textkit' has no attribute {name!r}")
