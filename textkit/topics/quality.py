"""How good a set of topics is: coherence against a reference corpus, topic diversity, and the rule that picks K."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from textkit.errors import ConfigError
from textkit.topics import _gensim
from textkit.topics.corpus import _BowOfTexts

MEASURES = ("c_v", "c_npmi", "u_mass")
KNOWN_MEASURES = (*MEASURES, "c_uci")
SELECT_BY = ("quality", "c_v", "c_npmi", "u_mass")
DIVERSITY_TOPN = 25  # Dieng, Ruiz & Blei (2020) define topic diversity on the top 25 words
K_TIE = 0.01  # score differences below this do not justify more topics
_SCORE_NAMES = {"quality": "c_v × topic diversity"}


def topic_diversity(topics: Sequence[Sequence[str]], topn: int = DIVERSITY_TOPN) -> float:
    """Share of distinct words among the top ``topn`` words of all topics (1.0: no overlap).

    The measure of Dieng, Ruiz & Blei, "Topic Modeling in Embedding Spaces" (TACL 2020).
    """
    words = [w for topic in topics for w in topic[:topn]]
    return len(set(words)) / len(words) if words else 0.0


def coherence_scores(
    topic_sets: Sequence[Sequence[Sequence[str]]],
    texts: Iterable[list[str]],
    dictionary: Any,
    *,
    measures: Sequence[str] = MEASURES,
    topn: int = 10,
    corpus: Iterable[Any] | None = None,
) -> list[dict[str, float]]:
    """Coherence of several sets of topics against one reference corpus.

    Each measure reads the reference once for all the topic sets, in one process.

    Parameters
    ----------
    topic_sets : list of list of list of str
        One entry per model: its topics, each a list of top words (best first).
    texts : re-iterable of list of str
        The tokenized reference corpus (sliding-window measures ``c_v``, ``c_npmi``).
    dictionary : gensim Dictionary
        Must hold every word of every topic.
    measures : sequence of str
        Any of ``c_v``, ``c_npmi``, ``u_mass``, ``c_uci``.
    topn : int
        Top words per topic that are scored.
    corpus : re-iterable of bag-of-words, optional
        For ``u_mass``; built from ``texts`` with ``dictionary`` if not given.

    Returns
    -------
    list of dict
        One ``{measure: mean coherence over topics}`` per topic set.
    """
    unknown = sorted({w for topics in topic_sets for t in topics for w in t[:topn] if w not in dictionary.token2id})
    if unknown:
        raise ConfigError(f"topic words missing from the reference dictionary: {', '.join(unknown[:10])}")
    results: list[dict[str, float]] = [{} for _ in topic_sets]
    trimmed = [[list(t[:topn]) for t in topics] for topics in topic_sets]
    for measure in measures:
        if measure == "u_mass" and corpus is None:
            corpus = _BowOfTexts(texts, dictionary)
        per_set = _gensim.coherence_per_topic(
            trimmed, texts, dictionary, measure, topn, corpus if measure == "u_mass" else None
        )
        for result, per_topic in zip(results, per_set):
            # A topic whose words never co-occur in a window gives NaN; it counts as the
            # measure's floor rather than silently vanishing from the mean.
            result[measure] = float(np.mean(np.nan_to_num(per_topic, nan=-1.0 if measure != "u_mass" else -20.0)))
    return results


def choose_k(curve: Sequence[dict[str, Any]], select_by: str) -> int:
    """Index of the K that :func:`k_rule` describes in ``curve`` (rows ``{"k", score...}`` in increasing K).

    A topic split in two coherent halves scores as well as the whole, so a larger K must
    beat the best score by more than a tie: the fewest topics within ``K_TIE`` win.
    """
    top = max(row[select_by] for row in curve)
    return min(i for i, row in enumerate(curve) if row[select_by] >= top - K_TIE)


def edge_warning(ks: Sequence[int], values: Sequence[float], measure: str) -> str | None:
    """What to say when the highest score of a K curve is at an edge of the range tried, else None.

    Judged by the highest score, not by the K the tie rule picks: a curve still rising at
    the largest K says that more topics may score higher. At the smallest K only a score
    above every other by more than a tie (``K_TIE``) counts: the rule favours the fewest
    topics anyway, and a flat curve says nothing; and not at K = 2.
    """
    top = int(np.argmax(values))
    if len(ks) > 1 and top == len(ks) - 1:
        return (
            f"the highest {measure} is at the largest K tried ({ks[-1]}): more topics may score higher; "
            "try a range above it (k_max, --max)"
        )
    if len(ks) > 1 and top == 0 and ks[0] > 2 and values[0] > max(values[1:]) + K_TIE:
        return (
            f"the highest {measure} is at the smallest K tried ({ks[0]}): fewer topics may score higher; "
            "try a range below it (k_min, --min)"
        )
    return None


def k_rule(select_by: str) -> str:
    """How ``num_topics="auto"`` chose K, in words (the report and the CLI print it)."""
    score = _SCORE_NAMES.get(select_by, select_by)
    return f"K is the fewest topics whose {score} is within {K_TIE} of the highest"
