"""A :class:`~textkit.themes.classify.ThemeClassifier` as plain values, and back (model format 2).

The state holds the classifier's parameters, its fitted tokenizer (options and learned
phrases), each TF-IDF block's options, vocabulary (one UTF-8 array of the terms in
column order, see :func:`~textkit.store.format.encode_terms`: the vocabulary dict is
rebuilt from it in one ``split`` and one ``zip``) and IDF weights, and the linear model: weights, intercepts, thresholds, calibration, classes.
Prediction from the rebuilt classifier is bit-for-bit that of the saved one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from textkit.store.format import PLAIN, ArraySpec, Choice, MapOf, Variants, decode_terms, encode_terms
from textkit.text.tokenize import Tokenizer

TOKENIZER_SCHEMA = Tokenizer.state_schema()
# TfidfVectorizer options kept: the ones that shape transform(), and the fit-only bounds
# (min_df...) so that the rebuilt vectorizer is the same estimator (same get_params()).
_BLOCK_OPTIONS = {
    "min_df": float,
    "max_df": float,
    "max_features": (int, type(None)),
    "analyzer": Choice(("word", "char", "char_wb")),
    "ngram_range": [int],
    "lowercase": bool,
    "strip_accents": (Choice(("ascii", "unicode")), type(None)),
    "binary": bool,
    "norm": (Choice(("l1", "l2")), type(None)),
    "use_idf": bool,
    "smooth_idf": bool,
    "sublinear_tf": bool,
}
# The vocabulary is the array vocabulary<i> (terms in column order, see encode_terms).
# A word block's vocabulary may instead be its n-gram index (features.Vocabulary.index):
# the arrays tokens<i>, unigrams<i>, keys<i>_<n> and columns<i>_<n>. Rebuilding the
# vocabulary from it costs a fraction of building the index again.
_INDEX = {"tokens": int, "tokens_bytes": int, "ngrams": MapOf(int)}
_BLOCK = {
    "name": (str, type(None)),
    "options": _BLOCK_OPTIONS,
    "tokenizer": bool,
    "terms": int,
    "terms_bytes": (int, type(None)),
    "index": (_INDEX, type(None)),
}
_TFIDF = {
    "features": Choice(("tfidf",)),
    "params": MapOf(PLAIN),
    "tokenizer": (TOKENIZER_SCHEMA, type(None)),  # the tokenizer parameter, as given (unfitted)
    "fitted_tokenizer": (TOKENIZER_SCHEMA, type(None)),  # the word block's, with its learned phrases
    "blocks": [_BLOCK],
    "classes": ([str], [int]),
    "multilabel": bool,
}
# A HashingThemeClassifier: parameters, labels and document count; IDF, one logistic
# model per label (coef, intercept) as arrays.
_HASHING = {
    "features": Choice(("hashing",)),
    "params": MapOf(PLAIN),
    "classes": [str],
    "multilabel": bool,
    "n_docs": int,
}
SCHEMA = Variants("features", {"tfidf": _TFIDF, "hashing": _HASHING})
# Fitted attributes a state carries; saving a classifier with any other refuses, so a new
# attribute cannot be lost silently on a save and load.
_FITTED = {"vectorizer_", "classes_", "multilabel_", "coef_", "intercept_", "thresholds_", "calibration_"}
_HASHING_FITTED = {"classes_", "multilabel_", "tfidf_", "n_docs_", "model_"}


def _check_attributes(model: Any, known: set[str]) -> None:
    unknown = sorted(k for k in vars(model) if k.endswith("_") and not k.startswith("_") and k not in known)
    if unknown:
        raise TypeError(f"{type(model).__name__} attribute {unknown[0]} has no place in the saved state")


TOKENIZER_SCHEMA = Tokenizer.state_schema()


def to_state(model: Any) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The classifier's state (JSON) and arrays."""
    if type(model).__name__ == "HashingThemeClassifier":
        return _hashing_state(model)
    _check_attributes(model, _FITTED)
    params = model.get_params(deep=False)
    tokenizer = params.pop("tokenizer")
    vectorizer = model.vectorizer_
    union = hasattr(vectorizer, "transformer_list")
    named = vectorizer.transformer_list if union else [(None, vectorizer)]
    blocks, arrays = [], {}
    fitted_tokenizer = None
    for index, (name, block) in enumerate(named):
        options = block.get_params()
        has_tokenizer = options["tokenizer"] is not None
        if has_tokenizer:
            fitted_tokenizer = block.tokenizer.to_state()
        arrays[f"idf{index}"] = np.asarray(block.idf_, dtype=np.float64)
        saved = {
            "name": name,
            "options": {k: list(v) if k == "ngram_range" else v for k, v in options.items() if k in _BLOCK_OPTIONS},
            "tokenizer": has_tokenizer,
            "terms": len(block.vocabulary_),
            "terms_bytes": None,
            "index": None,
        }
        # Only a word block's index is used (and right): character n-grams hold spaces.
        ngram_index = getattr(block.vocabulary_, "index", None) if options["analyzer"] == "word" else None
        if ngram_index is not None:
            arrays[f"tokens{index}"] = encode_terms(list(ngram_index.tokens))  # in id order
            arrays[f"unigrams{index}"] = np.asarray(ngram_index.unigrams, dtype=np.int64)
            for n in ngram_index.keys:
                arrays[f"keys{index}_{n}"] = np.asarray(ngram_index.keys[n], dtype=np.int64)
                arrays[f"columns{index}_{n}"] = np.asarray(ngram_index.columns[n], dtype=np.int64)
            saved["index"] = {
                "tokens": len(ngram_index.tokens),
                "tokens_bytes": len(arrays[f"tokens{index}"]),
                "ngrams": {str(n): len(keys) for n, keys in ngram_index.keys.items()},
            }
        else:
            terms = [""] * len(block.vocabulary_)
            for term, column in block.vocabulary_.items():
                terms[column] = term
            arrays[f"vocabulary{index}"] = encode_terms(terms)
            saved["terms_bytes"] = len(arrays[f"vocabulary{index}"])
        blocks.append(saved)
    arrays.update(
        coef=model.coef_,
        intercept=np.asarray(model.intercept_, dtype=np.float64),
        thresholds=np.asarray(model.thresholds_, dtype=np.float64),
        calibration=np.asarray(model.calibration_, dtype=np.float64),
    )
    state = {
        "features": "tfidf",
        "params": {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()},
        "tokenizer": None if tokenizer is None else tokenizer.to_state(),
        "fitted_tokenizer": fitted_tokenizer,
        "blocks": blocks,
        "classes": [c.item() if isinstance(c, np.generic) else c for c in model.classes_],
        "multilabel": bool(model.multilabel_),
    }
    return state, arrays


def array_specs(state: dict[str, Any]) -> dict[str, ArraySpec]:
    """The arrays ``state`` implies, with their exact shapes."""
    n_classes = len(state["classes"])
    if state["features"] == "hashing":
        n_features = state["params"].get("n_features")
        if not isinstance(n_features, int) or isinstance(n_features, bool) or n_features < 2:
            raise ValueError(f"n_features is {n_features!r}")
        return {
            "idf": ArraySpec(("<f8",), (n_features,), finite=True),
            "coef": ArraySpec(("<f8",), (n_classes, n_features), finite=True),
            "intercept": ArraySpec(("<f8",), (n_classes,), finite=True),
        }
    sizes = [block["terms"] for block in state["blocks"]]
    specs = {f"idf{i}": ArraySpec(("<f8",), (size,), finite=True) for i, size in enumerate(sizes)}
    for i, block in enumerate(state["blocks"]):
        ngram_index = block["index"]
        if ngram_index is None:
            if block["terms_bytes"] is None:
                raise ValueError(f"block {i} has neither a vocabulary nor an n-gram index")
            specs[f"vocabulary{i}"] = ArraySpec(("|u1",), (block["terms_bytes"],))
            continue
        specs[f"tokens{i}"] = ArraySpec(("|u1",), (ngram_index["tokens_bytes"],))
        specs[f"unigrams{i}"] = ArraySpec(("<i8",), (ngram_index["tokens"] + 1,))
        for n, count in ngram_index["ngrams"].items():
            if n not in {"2", "3", "4", "5", "6", "7", "8", "9"}:
                raise ValueError(f"block {i} has n-grams of length {n!r}")
            specs[f"keys{i}_{n}"] = ArraySpec(("<i8",), (count,))
            specs[f"columns{i}_{n}"] = ArraySpec(("<i8",), (count,))
    specs.update(
        coef=ArraySpec(("<f4", "<f8"), (n_classes, sum(sizes)), finite=True),
        intercept=ArraySpec(("<f8",), (n_classes,), finite=True),
        thresholds=ArraySpec(("<f8",), (n_classes,), finite=True),
        calibration=ArraySpec(("<f8",), (n_classes, 2), finite=True),
    )
    return specs


def from_state(state: dict[str, Any], arrays: dict[str, np.ndarray]) -> Any:
    """The classifier ``state`` and ``arrays`` describe (both checked already)."""
    if state["features"] == "hashing":
        return _hashing_from_state(state, arrays)
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    from textkit.themes.classify import ThemeClassifier

    defaults = ThemeClassifier().get_params(deep=False)
    unknown = sorted(set(state["params"]) - set(defaults))
    if unknown:
        raise ValueError(f"unknown ThemeClassifier parameter {unknown[0]!r}")
    params: dict[str, Any] = {
        k: tuple(v) if isinstance(defaults[k], tuple) and isinstance(v, list) else v for k, v in state["params"].items()
    }
    tokenizer = Tokenizer.from_state(state["tokenizer"]) if state["tokenizer"] is not None else None
    model = ThemeClassifier(**params, tokenizer=tokenizer)
    fitted_tokenizer = Tokenizer.from_state(state["fitted_tokenizer"]) if state["fitted_tokenizer"] else None
    blocks = []
    for index, saved in enumerate(state["blocks"]):
        options = dict(saved["options"], ngram_range=tuple(saved["options"]["ngram_range"]))
        if len(options["ngram_range"]) != 2 or not 1 <= options["ngram_range"][0] <= options["ngram_range"][1]:
            raise ValueError(f"block {index} has ngram_range {saved['options']['ngram_range']}")
        if saved["tokenizer"]:
            if fitted_tokenizer is None or options["analyzer"] != "word":
                raise ValueError(f"block {index} names a tokenizer the state does not hold")
            options.update(tokenizer=fitted_tokenizer, token_pattern=None)
        block = TfidfVectorizer(**options)
        vocabulary = _vocabulary(saved, index, arrays)
        if len(vocabulary) != saved["terms"]:
            raise ValueError(f"block {index}'s vocabulary repeats a term")
        block.vocabulary_ = vocabulary
        block.fixed_vocabulary_ = False
        block.idf_ = arrays[f"idf{index}"]
        blocks.append((saved["name"], block))
    if len(blocks) == 1 and blocks[0][0] is None:
        model.vectorizer_ = blocks[0][1]
    elif all(isinstance(name, str) for name, _ in blocks):
        model.vectorizer_ = FeatureUnion(blocks)
    else:
        raise ValueError("the feature blocks of a union must all be named")
    classes = state["classes"]
    if len(set(classes)) != len(classes):
        raise ValueError("a class is listed twice")
    model.classes_ = np.array(classes, dtype=object if classes and isinstance(classes[0], str) else np.int64)
    model.multilabel_ = state["multilabel"]
    model.coef_ = arrays["coef"]
    model.intercept_ = arrays["intercept"]
    model.thresholds_ = arrays["thresholds"]
    model.calibration_ = arrays["calibration"]
    return model


def _vocabulary(saved: dict[str, Any], index: int, arrays: dict[str, np.ndarray]) -> dict[str, int]:
    """Block ``index``'s vocabulary (term -> column), from its terms or its n-gram index (checked)."""
    from textkit.themes.features import _vocabulary_from_index

    count = saved["terms"]
    if saved["index"] is None:
        terms = decode_terms(arrays[f"vocabulary{index}"], count)
        return dict(zip(terms, range(count)))
    tokens = decode_terms(arrays[f"tokens{index}"], saved["index"]["tokens"])
    ngrams = sorted(int(n) for n in saved["index"]["ngrams"])
    unigrams = arrays[f"unigrams{index}"]
    keys = {n: arrays[f"keys{index}_{n}"] for n in ngrams}
    columns = {n: arrays[f"columns{index}_{n}"] for n in ngrams}
    # Every column exactly once: unigram columns and n-gram columns together are 0..count-1.
    every = np.concatenate([unigrams[unigrams >= 0], *columns.values()])
    if len(every) != count or (unigrams < -1).any() or not np.array_equal(np.sort(every), np.arange(count)):
        raise ValueError(f"block {index}'s n-gram index does not number its {count} columns once each")
    lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
    return _vocabulary_from_index("".join(tokens), lengths, unigrams, keys, columns)


def _hashing_state(model: Any) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    _check_attributes(model, _HASHING_FITTED)
    estimators = model.model_.estimators_
    state = {
        "features": "hashing",
        "params": {k: list(v) if isinstance(v, tuple) else v for k, v in model.get_params(deep=False).items()},
        "classes": [str(c) for c in model.classes_],
        "multilabel": bool(model.multilabel_),
        "n_docs": int(model.n_docs_),
    }
    arrays = {
        "idf": np.asarray(model.tfidf_.idf_, dtype=np.float64),
        "coef": np.vstack([np.asarray(e.coef_, dtype=np.float64) for e in estimators]),
        "intercept": np.concatenate([np.asarray(e.intercept_, dtype=np.float64) for e in estimators]),
    }
    return state, arrays


def _hashing_from_state(state: dict[str, Any], arrays: dict[str, np.ndarray]) -> Any:
    """A HashingThemeClassifier whose per-label SGD models are rebuilt from their weights."""
    from sklearn.feature_extraction.text import TfidfTransformer
    from sklearn.linear_model import SGDClassifier
    from sklearn.multioutput import MultiOutputClassifier

    from textkit.errors import ConfigError
    from textkit.params import validate_params
    from textkit.themes.hashing import HashingThemeClassifier

    defaults = HashingThemeClassifier().get_params(deep=False)
    unknown = sorted(set(state["params"]) - set(defaults))
    if unknown:
        raise ValueError(f"unknown HashingThemeClassifier parameter {unknown[0]!r}")
    params: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in state["params"].items()}
    model = HashingThemeClassifier(**params)
    try:
        validate_params(model)
    except ConfigError as error:
        raise ValueError(str(error)) from None
    classes = state["classes"]
    if len(set(classes)) != len(classes):
        raise ValueError("a class is listed twice")
    model.classes_ = np.array(classes, dtype=object)
    model.multilabel_ = state["multilabel"]
    model.n_docs_ = state["n_docs"]
    model.tfidf_ = TfidfTransformer(sublinear_tf=True)
    model.tfidf_.idf_ = arrays["idf"]
    estimators = []
    for row, intercept in zip(arrays["coef"], arrays["intercept"]):
        estimator = SGDClassifier(loss="log_loss", alpha=model.alpha, random_state=model.random_state)
        estimator.coef_, estimator.intercept_ = row[None, :].copy(), np.array([intercept])
        estimator.classes_ = np.array([0, 1])
        estimators.append(estimator)
    model.model_ = MultiOutputClassifier(
        SGDClassifier(loss="log_loss", alpha=model.alpha, random_state=model.random_state)
    )
    model.model_.estimators_ = estimators
    model.model_.classes_ = [np.array([0, 1])] * len(estimators)
    return model
