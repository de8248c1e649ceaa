"""Which words stand for a topic: by probability, relevance (LDAvis) or FREX (stm).

A topic's most probable words include the words common to every topic (``new``,
``year``, ``people`` in news): they are probable everywhere. Two standard rankings
weigh how much a word belongs to this topic rather than to the corpus:

- relevance (Sievert & Shirley, "LDAvis", 2014):
  ``lambda * log p(w|k) + (1 - lambda) * log(p(w|k) / p(w))``, with ``p(w)`` the
  word's share of the corpus; ``lambda = 0.6`` is the value their user study found
  best for reading topics;
- FREX (Roberts et al., R's stm ``calcfrex``; Bischof & Airoldi 2012): the weighted
  harmonic mean of the word's rank (empirical CDF over the vocabulary) within the
  topic by exclusivity ``p(w|k) / sum_j p(w|j)`` and by frequency ``p(w|k)``, weight
  0.5.
"""

from __future__ import annotations

import numpy as np

RANKINGS = ("relevance", "frex", "probability")
RELEVANCE_LAMBDA = 0.6
FREX_WEIGHT = 0.5


def _ecdf_rows(values: np.ndarray) -> np.ndarray:
    """Each entry's empirical CDF within its row (rank / row length; ties share the highest rank)."""
    from scipy.stats import rankdata

    return rankdata(values, method="max", axis=1) / values.shape[1]


def word_scores(
    topic_word: np.ndarray,
    word_freq: np.ndarray,
    rank: str,
    *,
    lam: float = RELEVANCE_LAMBDA,
    frex_weight: float = FREX_WEIGHT,
) -> np.ndarray:
    """Scores (K × words, higher first) that order each topic's words under ``rank``.

    Parameters
    ----------
    topic_word : array (K, V)
        ``p(word | topic)``, rows summing to 1.
    word_freq : array (V,)
        Each word's count in the corpus (``p(w)`` for relevance; only its proportions matter).
    rank : {"relevance", "frex", "probability"}
    """
    tiny = np.finfo(float).tiny
    phi = np.maximum(np.asarray(topic_word, dtype=float), tiny)
    if rank == "probability":
        return phi
    if rank == "relevance":
        p_w = np.maximum(np.asarray(word_freq, dtype=float), tiny)
        p_w = p_w / p_w.sum()
        log_phi = np.log(phi)
        return lam * log_phi + (1 - lam) * (log_phi - np.log(p_w))
    if rank == "frex":
        exclusivity = phi / phi.sum(axis=0, keepdims=True)
        return 1.0 / (frex_weight / _ecdf_rows(exclusivity) + (1 - frex_weight) / _ecdf_rows(phi))
    raise ValueError(f"unknown ranking {rank!r}")


def top_word_ids(scores: np.ndarray, topn: int) -> np.ndarray:
    """Ids of the ``topn`` best words of every topic, best first (ties: the lower id)."""
    return np.argsort(-scores, axis=1, kind="stable")[:, :topn]
