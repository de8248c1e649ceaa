"""The one place that reaches into gensim's internals: everything here may break with a gensim release.

textkit uses gensim's public API elsewhere (``Dictionary``, ``corpus2csc``,
``LdaModel.update``/``get_topics``); what it needs beyond that lives here, so an upgrade
of gensim is checked in one module:

- the starting topic-word counts (``state.sstats`` + ``sync_state``), to start LDA from
  Gibbs sampling, NMF and seed words, and to continue training with more topics or words
  (``num_updates``, ``state.numdocs``);
- the per-chunk "N/M documents converged" debug message of ``gensim.models.ldamodel``,
  counted to report how many articles converged;
- seeded inference (``inference`` with the model's ``random_state`` swapped for one
  seeded per document), so the same text always gets the same topic shares;
- one ``CoherenceModel`` reused for several sets of topics.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

# gensim.models.ldamodel logs this (at DEBUG) once per chunk of inference.
CONVERGED_MESSAGE = "%i/%i documents converged within %i iterations"


def new_lda(
    dictionary: Any,
    num_topics: int,
    *,
    workers: int,
    chunksize: int,
    passes: int,
    iterations: int,
    alpha: Any,
    eta: Any,
    random_state: int | None,
) -> Any:
    """An untrained ``LdaModel`` (one process, or ``alpha="auto"``) or ``LdaMulticore`` (``workers - 1`` workers)."""
    from gensim.models import LdaModel, LdaMulticore

    common = dict(
        id2word=dictionary,
        num_topics=num_topics,
        chunksize=chunksize,
        passes=passes,
        iterations=iterations,
        alpha=alpha,
        eta=eta,
        random_state=random_state,
        eval_every=None,
    )
    auto_alpha = isinstance(alpha, str) and alpha == "auto"
    return LdaModel(**common) if workers == 1 or auto_alpha else LdaMulticore(workers=workers - 1, **common)


def topic_word_counts(lda: Any) -> np.ndarray:
    """The model's topic-word counts (K × words): gensim's random start before training."""
    return np.array(lda.state.sstats)


def set_topic_word_counts(lda: Any, counts: np.ndarray) -> None:
    """Start training from ``counts`` (K × words) instead of gensim's random start."""
    lda.state.sstats = counts.astype(lda.dtype)
    lda.sync_state()


def set_clock(lda: Any, documents: int) -> None:
    """Set the online-learning clock as if ``documents`` articles had been read once.

    gensim's learning rate is ``(1 + updates)^-0.5`` with ``updates`` counted in chunks:
    from a fresh clock the first chunk would overwrite topics fitted elsewhere (the Gibbs
    sampler's); from this one it weighs as the next chunk after those articles.
    """
    lda.num_updates = documents
    lda.state.numdocs = documents


def continued(lda: Any, dictionary: Any, counts: np.ndarray, *, workers: int, alpha: Any, eta: Any) -> Any:
    """A model that goes on from ``lda``'s training with ``counts`` (K' × V') as its topic-word counts.

    For more topics or a larger vocabulary than ``lda`` has: a new model of that shape
    whose online-learning clock (``num_updates``, the documents seen) is ``lda``'s, so its
    next ``update`` weighs the new articles as a continuation would (learning rate
    ``(1 + updates)^-0.5``), not as a fresh start that would let the first chunk overwrite
    the topics.
    """
    new = new_lda(
        dictionary,
        counts.shape[0],
        workers=workers,
        chunksize=lda.chunksize,
        passes=lda.passes,
        iterations=lda.iterations,
        alpha=alpha,
        eta=eta,
        random_state=None,
    )
    new.random_state = lda.random_state
    set_topic_word_counts(new, counts)
    new.num_updates = lda.num_updates
    new.state.numdocs = lda.state.numdocs
    return new


def learned_alpha(lda: Any) -> np.ndarray:
    """The document-topic prior the model uses (learned with ``alpha="auto"``)."""
    return np.asarray(lda.alpha, dtype=float)


def top_word_lists(lda: Any, dictionary: Any, topn: int) -> list[list[str]]:
    """The ``topn`` most probable words of every topic, best first."""
    best = np.argsort(-lda.get_topics(), axis=1)[:, :topn]
    return [[dictionary[int(i)] for i in row] for row in best]


@contextmanager
def seeded_inference(lda: Any, random_state: int | None) -> Iterator[Any]:
    """A function ``bags of words -> topic shares`` (rows sum to 1), the same for a text wherever it stands.

    gensim draws each document's starting gamma from the model's own ``random_state``,
    one document after another, so a text's shares depended on how many texts came
    before it in the call. Here each document's start is drawn from a generator seeded
    by its own bag of words and ``random_state``: a text gets the same row alone, in a
    batch, or in any part of a file cut into parts (``--cluster``). The model's
    generator is put back afterwards.
    """
    saved = lda.random_state
    starts = _DocumentStarts(random_state if random_state is not None else 0)
    lda.random_state = starts

    def infer(bows: list[list[tuple[int, float]]]) -> np.ndarray:
        starts.bows = bows
        gamma, _ = lda.inference(bows)
        return gamma / gamma.sum(axis=1, keepdims=True)

    try:
        yield infer
    finally:
        lda.random_state = saved


class _DocumentStarts:
    """Stands in for ``lda.random_state`` during inference: ``gamma`` draws each document's row from its own seed."""

    def __init__(self, random_state: int) -> None:
        self.salt = zlib.crc32(str(random_state).encode())
        self.bows: list[list[tuple[int, float]]] = []

    def gamma(self, shape: float, scale: float, size: tuple[int, int]) -> np.ndarray:
        rows, topics = size
        assert rows == len(self.bows), "inference asked for starts of other documents than it was given"
        return np.array(
            [
                np.random.RandomState(zlib.crc32(np.asarray(bow, dtype=np.float64).tobytes(), self.salt)).gamma(
                    shape, scale, topics
                )
                for bow in self.bows
            ]
        ).reshape(rows, topics)


class _ConvergenceCounter(logging.Handler):
    """Adds up gensim's "N/M documents converged within I iterations" debug lines."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.converged = 0
        self.documents = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg == CONVERGED_MESSAGE and record.args:
            self.converged += int(record.args[0])  # type: ignore[call-overload, index]
            self.documents += int(record.args[1])  # type: ignore[call-overload, index]

    @property
    def share(self) -> float | None:
        """Share of the documents inferred so far that converged; None if gensim logged none."""
        return self.converged / self.documents if self.documents else None


@contextmanager
def counting_convergence() -> Iterator[_ConvergenceCounter]:
    """Count the documents whose inference converged, from gensim's LDA log, while the block runs."""
    # The debug lines are made for the counter only: they must not reach the user's
    # log handlers, so the logger stops propagating while it counts.
    logger = logging.getLogger("gensim.models.ldamodel")
    level, propagate = logger.level, logger.propagate
    counter = _ConvergenceCounter()
    logger.addHandler(counter)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield counter
    finally:
        logger.removeHandler(counter)
        logger.setLevel(level)  # setLevel, not assignment: it clears the level cache
        logger.propagate = propagate


def coherence_per_topic(
    topic_sets: Sequence[Sequence[Sequence[str]]],
    texts: Any,
    dictionary: Any,
    measure: str,
    topn: int,
    corpus: Any = None,
) -> list[np.ndarray]:
    """Coherence of every topic of every set (``measure``), reading the reference once for all sets.

    What ``CoherenceModel.for_topics`` does (the counts of every word any set uses are
    kept, then each set is scored from them), minus its root-logger call
    (``logging.info``), which would install a handler on the user's root logger.
    ``processes=1``: gensim's multiprocessing accumulator hangs or returns NaN on some
    platforms, and a single pass is what a streamed corpus wants anyway.
    """
    from gensim.models import CoherenceModel

    union = [w for topics in topic_sets for t in topics for w in t]
    model = CoherenceModel(
        topics=[union],
        texts=texts,
        corpus=corpus,
        dictionary=dictionary,
        coherence=measure,
        topn=len(union),
        processes=1,
    )
    model.estimate_probabilities()
    model.topn = min(topn, max(len(t) for topics in topic_sets for t in topics))
    scores = []
    for topics in topic_sets:
        model.topics = topics
        scores.append(np.asarray(model.get_coherence_per_topic(), dtype=float))
    return scores


# -- saving and rebuilding (model format 2) ------------------------------------------------
def dictionary_state(dictionary: Any) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """A ``Dictionary`` as JSON (its words in id order, its counts) and arrays (document and corpus frequencies)."""
    size = len(dictionary)
    if sorted(dictionary.token2id.values()) != list(range(size)):
        raise ValueError("the dictionary's ids are not 0..n-1 (compactify it)")
    words = [""] * size
    for word, index in dictionary.token2id.items():
        words[index] = word
    state = {
        "words": words,
        "num_docs": dictionary.num_docs,
        "num_pos": dictionary.num_pos,
        "num_nnz": dictionary.num_nnz,
    }
    arrays = {
        "dfs": np.array([dictionary.dfs.get(i, 0) for i in range(size)], dtype=np.int64),
        "cfs": np.array([dictionary.cfs.get(i, 0) for i in range(size)], dtype=np.int64),
    }
    return state, arrays


def dictionary_from_state(state: dict[str, Any], dfs: np.ndarray, cfs: np.ndarray) -> Any:
    """The ``Dictionary`` :func:`dictionary_state` described (its public attributes set)."""
    from gensim.corpora import Dictionary

    dictionary = Dictionary()
    dictionary.token2id = dict(zip(state["words"], range(len(state["words"]))))
    if len(dictionary.token2id) != len(state["words"]):
        raise ValueError("the dictionary repeats a word")
    dictionary.dfs = {i: n for i, n in enumerate(dfs.tolist()) if n}
    dictionary.cfs = {i: n for i, n in enumerate(cfs.tolist()) if n}
    dictionary.num_docs, dictionary.num_pos, dictionary.num_nnz = state["num_docs"], state["num_pos"], state["num_nnz"]
    return dictionary


# LdaModel settings that a state keeps (all numbers or booleans).
_LDA_SETTINGS = (
    "num_topics",
    "chunksize",
    "passes",
    "iterations",
    "decay",
    "offset",
    "gamma_threshold",
    "minimum_probability",
    "minimum_phi_value",
    "per_word_topics",
    "eval_every",
    "update_every",
    "num_updates",
    "optimize_alpha",
    "optimize_eta",
)


def lda_state(lda: Any) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """An ``LdaModel`` (or ``LdaMulticore``) as settings and arrays: counts, priors, random generator."""
    kind, keys, position, has_gauss, gauss = lda.random_state.get_state()
    if kind != "MT19937":
        raise ValueError(f"cannot save a {kind} random generator")
    state = {name: getattr(lda, name) for name in _LDA_SETTINGS}
    state.update(
        dtype=np.dtype(lda.dtype).name,
        eta_per_topic=np.ndim(lda.eta) == 2,
        numdocs=float(lda.state.numdocs),
        random_position=int(position),
        random_has_gauss=int(has_gauss),
        random_gauss=float(gauss),
    )
    arrays = {
        "sstats": np.asarray(lda.state.sstats),
        "alpha": np.asarray(lda.alpha),
        "eta": np.asarray(lda.eta),
        # gensim's "auto" eta updates lda.eta, not the state's: the topics use the state's.
        "state_eta": np.asarray(lda.state.eta),
        "random_keys": np.asarray(keys, dtype=np.uint32),
    }
    return state, arrays


def lda_from_state(state: dict[str, Any], arrays: dict[str, np.ndarray], dictionary: Any) -> Any:
    """The ``LdaModel`` :func:`lda_state` described; inference gives what the saved model gave.

    A model trained by ``LdaMulticore`` comes back as an ``LdaModel``: the same state and
    inference, trained further (if at all) by one process.
    """
    from gensim.models import LdaModel

    lda = LdaModel(
        id2word=dictionary,
        num_topics=state["num_topics"],
        chunksize=state["chunksize"],
        passes=state["passes"],
        iterations=state["iterations"],
        decay=state["decay"],
        offset=state["offset"],
        gamma_threshold=state["gamma_threshold"],
        minimum_probability=state["minimum_probability"],
        minimum_phi_value=state["minimum_phi_value"],
        per_word_topics=state["per_word_topics"],
        eval_every=state["eval_every"],
        update_every=state["update_every"],
        alpha=arrays["alpha"],
        eta=arrays["eta"],
        dtype=np.dtype(state["dtype"]).type,
        random_state=0,
    )
    # The priors as saved (LdaModel casts them to its dtype; "auto" ones may have drifted from it).
    lda.alpha, lda.eta, lda.state.eta = arrays["alpha"], arrays["eta"], arrays["state_eta"]
    lda.optimize_alpha, lda.optimize_eta = state["optimize_alpha"], state["optimize_eta"]
    lda.num_updates = state["num_updates"]
    lda.state.numdocs = state["numdocs"]
    lda.random_state.set_state(
        ("MT19937", arrays["random_keys"], state["random_position"], state["random_has_gauss"], state["random_gauss"])
    )
    lda.state.sstats = arrays["sstats"]
    lda.sync_state()
    return lda
