"""A :class:`~textkit.topics.model.TopicModel` as plain values, and back (model format 2).

The state holds the parameters, the fitted tokenizer (options and learned phrases),
the gensim ``Dictionary`` (words in id order, counts), the LDA model (settings; the
topic-word counts, alpha, eta and random generator as arrays, rebuilt through
:mod:`textkit.topics._gensim`) and every fitted value the model reports: labels,
scores, the K curve, the corpus summary, notes. Inference from the rebuilt model is
bit-for-bit that of the saved one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from textkit.store.format import NUMBER, PLAIN, ArraySpec, Choice, MapOf, Opt
from textkit.text.tokenize import Tokenizer
from textkit.topics import _gensim

TOKENIZER_SCHEMA = Tokenizer.state_schema()

_FLOAT_OR_NONE = (float, type(None))
_SUMMARY = {
    "documents": int,
    "empty_documents": int,
    "prevalence": [float],
    "dominant_counts": [int],
    "months": MapOf([float]),
    "month_counts": MapOf(int),
    "labels": MapOf([float]),
    "label_counts": MapOf(int),
    "converged": _FLOAT_OR_NONE,
    # up to 10 articles per topic kept from the fit (absent from models saved before)
    "representatives": Opt([[{"id": str, "headline": str, "share": float, "words": int}]]),
}
_LDA = {
    "num_topics": int,
    "chunksize": int,
    "passes": int,
    "iterations": int,
    "decay": float,
    "offset": float,
    "gamma_threshold": float,
    "minimum_probability": float,
    "minimum_phi_value": float,
    "per_word_topics": bool,
    "eval_every": (int, type(None)),
    "update_every": int,
    "num_updates": int,
    "optimize_alpha": bool,
    "optimize_eta": bool,
    "dtype": Choice(("float32", "float64")),
    "eta_per_topic": bool,
    "numdocs": float,
    "random_position": int,
    "random_has_gauss": int,
    "random_gauss": float,
}
SCHEMA = {
    "params": MapOf((PLAIN, MapOf([str]))),  # seeds: {name: [words]}
    "array_params": {"alpha": Opt([int]), "eta": Opt([int])},  # parameters given as arrays: their shapes
    "tokenizer": (TOKENIZER_SCHEMA, type(None)),
    "fitted_tokenizer": TOKENIZER_SCHEMA,
    "dictionary": {"words": [str], "num_docs": int, "num_pos": int, "num_nnz": int},
    "lda": _LDA,
    "num_topics": int,
    "passes": int,
    "labels": [str],
    "scores": MapOf(_FLOAT_OR_NONE),
    "k_scores": [MapOf((NUMBER, type(None)))],
    "summary": _SUMMARY,
    "notes": [str],
    "fit_seconds": float,
    "loglik_floor": Opt(_FLOAT_OR_NONE),
    "history": Opt([MapOf((PLAIN, MapOf(PLAIN)))]),  # one entry per `topics update`
}
# Fitted attribute -> its key in the state; saving a model with any other fitted attribute
# refuses, so an attribute added to TopicModel cannot be lost silently on a save and load.
_FITTED = {
    "tokenizer_": "fitted_tokenizer",
    "dictionary_": "dictionary",
    "lda_": "lda",
    "num_topics_": "num_topics",
    "passes_": "passes",
    "labels_": "labels",
    "scores_": "scores",
    "k_scores_": "k_scores",
    "summary_": "summary",
    "notes_": "notes",
    "fit_seconds_": "fit_seconds",
    "loglik_floor_": "loglik_floor",
    "history_": "history",
}


def to_state(model: Any) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The topic model's state (JSON) and arrays."""
    unknown = sorted(k for k in vars(model) if k.endswith("_") and not k.startswith("_") and k not in _FITTED)
    if unknown:
        raise TypeError(f"TopicModel attribute {unknown[0]} has no place in the saved state")
    params = model.get_params(deep=False)
    tokenizer = params.pop("tokenizer")
    arrays: dict[str, np.ndarray] = {}
    array_params = {}
    for key in ("alpha", "eta"):
        if isinstance(params[key], (np.ndarray, list, tuple)):
            arrays[f"param_{key}"] = np.asarray(params[key], dtype=np.float64)
            params[key] = None
            array_params[key] = list(arrays[f"param_{key}"].shape)
    params["seeds"] = {k: list(v) for k, v in model.seeds.items()} if model.seeds else None
    params["measures"] = list(model.measures)
    dictionary, dictionary_arrays = _gensim.dictionary_state(model.dictionary_)
    lda, lda_arrays = _gensim.lda_state(model.lda_)
    arrays.update(dictionary_arrays)
    arrays.update({f"lda_{k}": v for k, v in lda_arrays.items()})
    state = {
        "params": params,
        "array_params": array_params,
        "tokenizer": None if tokenizer is None else tokenizer.to_state(),
        "fitted_tokenizer": model.tokenizer_.to_state(),
        "dictionary": dictionary,
        "lda": lda,
        "num_topics": int(model.num_topics_),
        "passes": int(model.passes_),
        "labels": list(model.labels_),
        "scores": {k: _number(v) for k, v in model.scores_.items()},
        "k_scores": [{k: _number(v) for k, v in point.items()} for point in model.k_scores_],
        "summary": model.summary_.to_dict(),
        "notes": list(model.notes_),
        "fit_seconds": float(model.fit_seconds_),
        "loglik_floor": getattr(model, "loglik_floor_", None),
        "history": list(getattr(model, "history_", [])),
    }
    return state, arrays


def _number(value: Any) -> float | int | None:
    return None if value is None else value.item() if isinstance(value, np.generic) else value


def array_specs(state: dict[str, Any]) -> dict[str, ArraySpec]:
    """The arrays ``state`` implies, with their exact shapes."""
    k, words = state["lda"]["num_topics"], len(state["dictionary"]["words"])
    if k != state["num_topics"] or k != len(state["labels"]) or k < 1:
        raise ValueError(f"the state has {state['num_topics']} topics, {len(state['labels'])} labels, LDA K={k}")
    float_types = ("<f4", "<f8")
    eta_shape = (k, words) if state["lda"]["eta_per_topic"] else (words,)
    specs = {
        "dfs": ArraySpec(("<i8",), (words,)),
        "cfs": ArraySpec(("<i8",), (words,)),
        "lda_sstats": ArraySpec(float_types, (k, words), finite=True),
        "lda_alpha": ArraySpec(float_types, (k,), finite=True),
        "lda_eta": ArraySpec(float_types, eta_shape, finite=True),
        "lda_state_eta": ArraySpec(float_types, eta_shape, finite=True),
        "lda_random_keys": ArraySpec(("<u4",), (624,)),
    }
    for key, shape in state["array_params"].items():
        specs[f"param_{key}"] = ArraySpec(("<f8",), tuple(shape), finite=True)
    return specs


def from_state(state: dict[str, Any], arrays: dict[str, np.ndarray]) -> Any:
    """The topic model ``state`` and ``arrays`` describe (both checked already)."""
    from textkit.topics.model import TopicModel
    from textkit.topics.summary import TopicSummary

    defaults = TopicModel().get_params(deep=False)
    unknown = sorted(set(state["params"]) - set(defaults))
    if unknown:
        raise ValueError(f"unknown TopicModel parameter {unknown[0]!r}")
    params = dict(state["params"])
    for key in state["array_params"]:
        params[key] = arrays[f"param_{key}"]
    tokenizer = Tokenizer.from_state(state["tokenizer"]) if state["tokenizer"] is not None else None
    model = TopicModel(**params, tokenizer=tokenizer)
    model.check_params()
    model.tokenizer_ = Tokenizer.from_state(state["fitted_tokenizer"])
    model.dictionary_ = _gensim.dictionary_from_state(state["dictionary"], arrays["dfs"], arrays["cfs"])
    lda_arrays = {k.removeprefix("lda_"): v for k, v in arrays.items() if k.startswith("lda_")}
    model.lda_ = _gensim.lda_from_state(state["lda"], lda_arrays, model.dictionary_)
    model.num_topics_ = state["num_topics"]
    model.passes_ = state["passes"]
    model.labels_ = state["labels"]
    model.scores_ = state["scores"]
    model.k_scores_ = state["k_scores"]
    model.summary_ = TopicSummary(**state["summary"])
    model.notes_ = state["notes"]
    model.fit_seconds_ = state["fit_seconds"]
    model.loglik_floor_ = state.get("loglik_floor")
    model.history_ = state.get("history", [])
    return model
