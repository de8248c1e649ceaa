"""TF-IDF features over the shared tokenizer, built from scikit-learn's vectorizers.

:func:`make_vectorizer` gives the word n-gram block (and, if asked, a character
n-gram block joined to it); :func:`transform` computes the features of new texts
(the same matrix as the vectorizer's ``transform``, faster); :func:`feature_names`
gives the readable name of every column, which :mod:`textkit.themes.explain` shows
to analysts.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from itertools import chain, repeat
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


def transform(vectorizer: Any, texts: Sequence[str]) -> Any:
    """``vectorizer.transform(texts)`` of a fitted vectorizer: the same matrix, for word n-grams about 2x faster.

    scikit-learn counts the n-grams of a fixed vocabulary in a Python loop that builds
    every n-gram string one by one and raises a ``KeyError`` for each one missing from
    the vocabulary (most bigrams of a new text). For the word block that
    :func:`make_vectorizer` builds (a tokenizer, no preprocessing), this builds the
    n-grams and looks them up with C-level ``map`` calls, then lets the vectorizer's
    own TF-IDF step weight and normalise the counts, so the result is identical.
    Any other vectorizer (e.g. the union with character n-grams) uses its ``transform``.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    if not (
        type(vectorizer) is TfidfVectorizer
        and vectorizer.analyzer == "word"
        and callable(vectorizer.tokenizer)
        and vectorizer.preprocessor is None
        and not vectorizer.lowercase
        and vectorizer.strip_accents is None
        and vectorizer.stop_words is None
        and vectorizer.input == "content"
        and not vectorizer.binary
        and hasattr(vectorizer, "vocabulary_")
    ):
        return vectorizer.transform(texts)
    from scipy.sparse import csr_matrix

    tokenize, lookup = vectorizer.tokenizer, vectorizer.vocabulary_.get
    min_n, max_n = vectorizer.ngram_range
    columns = array("q")  # vocabulary index of every n-gram of every text, -1 if unknown
    ends = array("q")
    for text in texts:
        tokens = tokenize(text)
        grams = [tokens] if min_n == 1 else []
        # n-grams exactly as scikit-learn's _word_ngrams joins them
        grams.extend(map(" ".join, zip(*(tokens[k:] for k in range(n)))) for n in range(max(min_n, 2), max_n + 1))
        columns.extend(map(lookup, chain.from_iterable(grams), repeat(-1)))
        ends.append(len(columns))
    found = np.asarray(memoryview(columns))
    rows = np.repeat(np.arange(len(texts)), np.diff(np.asarray(memoryview(ends)), prepend=0))
    known = found >= 0
    counts = csr_matrix(
        (np.ones(int(known.sum()), dtype=vectorizer.dtype), (rows[known], found[known])),
        shape=(len(texts), len(vectorizer.vocabulary_)),
    )
    counts.sum_duplicates()  # the count of each n-gram, indices sorted as scikit-learn's
    return vectorizer._tfidf.transform(counts, copy=False)  # the vectorizer's own tf-idf weighting
