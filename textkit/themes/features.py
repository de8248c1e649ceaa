"""TF-IDF features over the shared tokenizer, built from scikit-learn's vectorizers.

:func:`make_vectorizer` gives the word n-gram block (and, if asked, a character
n-gram block joined to it); :func:`feature_names` gives the readable name of every
column, which :mod:`textkit.themes.explain` shows to analysts.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from textkit.text.tokenize import Tokenizer

# Character n-grams inside word boundaries: robust to spelling variants and
# inflections ("sanction", "sanctions", "sanctioned") at the cost of a larger matrix.
CHAR_NGRAM_RANGE = (2, 5)


def make_vectorizer(
    *,
    tokenizer: Tokenizer | None = None,
    ngram_range: tuple[int, int] = (1, 2),
    min_df: int | float = 2,
    max_df: int | float = 0.9,
    sublinear_tf: bool = True,
    char_ngrams: bool = False,
) -> Any:
    """A TF-IDF vectorizer: word n-grams over ``tokenizer``, optionally joined with char n-grams.

    Parameters
    ----------
    tokenizer : Tokenizer, optional
        Splits text into words (default ``Tokenizer()``); it lowercases and drops
        stop words itself, so the vectorizer does neither.
    ngram_range, min_df, max_df, sublinear_tf
        As in scikit-learn's ``TfidfVectorizer``; ``min_df`` and ``max_df`` apply
        to both blocks.
    char_ngrams : bool
        Add a block of character 2–5-grams (``analyzer="char_wb"``), each block
        L2-normalised on its own.

    Returns
    -------
    TfidfVectorizer or FeatureUnion
        Unfitted; the union names its blocks ``words`` and ``chars``.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    words = TfidfVectorizer(
        tokenizer=tokenizer or Tokenizer(),
        token_pattern=None,
        lowercase=False,
        ngram_range=ngram_range,
        min_df=min_df,
        max_df=max_df,
        sublinear_tf=sublinear_tf,
    )
    if not char_ngrams:
        return words
    chars = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=CHAR_NGRAM_RANGE,
        min_df=min_df,
        max_df=max_df,
        sublinear_tf=sublinear_tf,
    )
    return FeatureUnion([("words", words), ("chars", chars)])


def feature_names(vectorizer: Any) -> np.ndarray:
    """Readable names of a fitted vectorizer's columns.

    Word features keep their n-gram text (``"foreign minister"``); character
    features are shown quoted (``"'sanct'"``) so the two blocks cannot be confused.
    """
    names = vectorizer.get_feature_names_out()
    if not hasattr(vectorizer, "transformer_list"):
        return names
    return np.array(
        [n.removeprefix("words__") if n.startswith("words__") else repr(n.removeprefix("chars__")) for n in names],
        dtype=object,
    )
