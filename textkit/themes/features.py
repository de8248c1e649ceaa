"""TF-IDF features over the shared tokenizer, built from scikit-learn's vectorizers.

:func:`make_vectorizer` gives the word n-gram block (and, if asked, a character
n-gram block joined to it); :func:`transform` computes the features of new texts
(the same matrix as the vectorizer's ``transform``, faster); :func:`feature_names`
gives the readable name of every column, which :mod:`textkit.themes.explain` shows
to analysts.
"""

from __future__ import annotations

import weakref
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
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


@dataclass
class _NgramIndex:
    """A word vectorizer's vocabulary as numbers: each n-gram is a key made of its tokens' ids.

    ``tokens`` numbers every token that occurs in some vocabulary n-gram (the id
    ``len(tokens)`` stands for "no such token"); ``unigrams[t]`` is the column of token
    ``t`` (-1 if it is not a feature on its own). The n-gram ``(t1, ..., tn)``, n >= 2,
    has the key ``((t1 * base) + t2) * base ... + tn``, and ``keys[n]`` / ``columns[n]``
    hold the sorted keys of the n-grams of length n and their columns. A text's n-grams
    are then looked up for a whole batch at once with numpy instead of being joined
    into strings and looked up one by one.
    """

    tokens: dict[str, int]
    base: int
    unigrams: np.ndarray
    keys: dict[int, np.ndarray]
    columns: dict[int, np.ndarray]


def _build_index(vocabulary: dict[str, int]) -> _NgramIndex | None:
    """The :class:`_NgramIndex` of a vocabulary, or None when the keys would not fit in 64 bits.

    Built with C-level maps and numpy, no Python loop per term.
    """
    # Tokenizer tokens hold no whitespace, so splitting on it gives an n-gram's tokens.
    parts = list(map(str.split, vocabulary))
    flat = list(chain.from_iterable(parts))
    tokens = dict(zip(dict.fromkeys(flat), range(len(flat))))  # first-seen order
    ids = np.fromiter(map(tokens.__getitem__, flat), dtype=np.int64, count=len(flat))
    lengths = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
    starts = np.cumsum(lengths) - lengths
    columns = np.fromiter(vocabulary.values(), dtype=np.int64, count=len(vocabulary))
    base = len(tokens) + 1
    if base ** int(lengths.max(initial=1)) >= 2**63:
        return None
    unigrams = np.full(base, -1, dtype=np.int64)
    keys, columns_by_n = {}, {}
    for n in np.unique(lengths).tolist():
        of_n = lengths == n
        grams = ids[starts[of_n][:, None] + np.arange(n)]  # one row per n-gram, one column per position
        if n == 1:
            unigrams[grams[:, 0]] = columns[of_n]
            continue
        key = _keys(grams.T, base)
        order = np.argsort(key)
        keys[n], columns_by_n[n] = key[order], columns[of_n][order]
    return _NgramIndex(tokens, base, unigrams, keys, columns_by_n)


def _keys(ids: Any, base: int) -> np.ndarray:
    """The key of each n-gram from the token ids of its positions (one row per position)."""
    key = np.zeros(len(ids[0]), dtype=np.int64)
    for row in ids:
        key = key * base + row
    return key


class Vocabulary(dict[str, int]):
    """A fitted vectorizer's ``vocabulary_`` (term -> column) that carries its :class:`_NgramIndex`.

    It is a plain ``dict`` otherwise (same lookups, same speed). It pickles as its index:
    the tokens joined into one string, their lengths and the n-gram keys. joblib
    unpickles in pure Python, one object at a time, so the 260,000 n-grams of a
    20 Newsgroups model as a dict were most of the time ``textkit predict`` spent
    loading it; from the index, the dict is rebuilt with C-level joins in a tenth of that.
    """

    index: _NgramIndex | None

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.index = _build_index(self)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        if self.index is None:
            return dict, (dict(self),)
        index = self.index
        tokens = list(index.tokens)  # in id order
        lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
        return _vocabulary_from_index, ("".join(tokens), lengths, index.unigrams, index.keys, index.columns)


def _vocabulary_from_index(
    joined: str, lengths: np.ndarray, unigrams: np.ndarray, keys: dict[int, np.ndarray], columns: dict[int, np.ndarray]
) -> Vocabulary:
    ends = np.cumsum(lengths).tolist()
    tokens = list(map(joined.__getitem__, map(slice, [0, *ends[:-1]], ends)))
    base = len(tokens) + 1
    names = np.array([*tokens, ""], dtype=object)
    vocabulary = Vocabulary.__new__(Vocabulary)
    is_unigram = unigrams >= 0
    dict.update(vocabulary, zip(names[is_unigram].tolist(), unigrams[is_unigram].tolist()))
    for n, key in keys.items():
        positions = []
        for _ in range(n):  # token ids from the last position to the first
            key, last = np.divmod(key, base)
            positions.append(names[last])
        dict.update(vocabulary, zip(map(" ".join, zip(*reversed(positions))), columns[n].tolist()))
    vocabulary.index = _NgramIndex(dict(zip(tokens, range(len(tokens)))), base, unigrams, keys, columns)
    return vocabulary


def pack_vocabularies(vectorizer: Any) -> None:
    """Make the ``vocabulary_`` of a fitted vectorizer (or of each block of a union) a :class:`Vocabulary`."""
    for block in [vectorizer] + [v for _, v in getattr(vectorizer, "transformer_list", [])]:
        if isinstance(getattr(block, "vocabulary_", None), dict):
            block.vocabulary_ = Vocabulary(block.vocabulary_)


# The index of a plain-dict vocabulary (a model saved before Vocabulary existed), built once.
_INDEXES: weakref.WeakKeyDictionary[Any, _NgramIndex | None] = weakref.WeakKeyDictionary()


def _ngram_index(vectorizer: Any) -> _NgramIndex | None:
    vocabulary = vectorizer.vocabulary_
    if isinstance(vocabulary, Vocabulary):
        return vocabulary.index
    if vectorizer not in _INDEXES:
        _INDEXES[vectorizer] = _build_index(vocabulary)
    return _INDEXES[vectorizer]


def transform(vectorizer: Any, texts: Sequence[str]) -> Any:
    """``vectorizer.transform(texts)`` of a fitted vectorizer: the same matrix, for word n-grams faster.

    scikit-learn counts the n-grams of a fixed vocabulary in a Python loop that joins
    every n-gram into a string and raises a ``KeyError`` for each one missing from
    the vocabulary (most bigrams of a new text): for unigrams and bigrams that loop
    cost as much as tokenizing. For the word block that :func:`make_vectorizer` builds
    (a :class:`~textkit.text.tokenize.Tokenizer`, no preprocessing), this looks each
    token up once and finds the batch's n-grams with numpy (:class:`_NgramIndex`),
    then lets the vectorizer's own TF-IDF step weight and normalise the counts, so
    the result is identical. Any other vectorizer (e.g. the union with character
    n-grams) uses its ``transform``.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    index = None
    if (
        type(vectorizer) is TfidfVectorizer
        and vectorizer.analyzer == "word"
        and isinstance(vectorizer.tokenizer, Tokenizer)  # its tokens never hold the space that joins n-grams
        and vectorizer.preprocessor is None
        and not vectorizer.lowercase
        and vectorizer.strip_accents is None
        and vectorizer.stop_words is None
        and vectorizer.input == "content"
        and not vectorizer.binary
        and hasattr(vectorizer, "vocabulary_")
        and len(texts) > 0
    ):
        index = _ngram_index(vectorizer)
    if index is None:
        return vectorizer.transform(texts)
    from scipy.sparse import csr_matrix

    tokenize, lookup = vectorizer.tokenizer, index.tokens.get
    ids = array("q")  # token id of every token of every text, -1 for a token in no n-gram
    ends = array("q")
    for text in texts:
        ids.extend(map(lookup, tokenize(text), repeat(-1)))
        ends.append(len(ids))
    tokens = np.asarray(memoryview(ids))
    text_of = np.repeat(np.arange(len(texts)), np.diff(np.asarray(memoryview(ends)), prepend=0))
    # tokens that are features on their own (-1 maps to the last entry, which is -1)
    unigrams = index.unigrams[tokens]
    rows, columns = [text_of[unigrams >= 0]], [unigrams[unigrams >= 0]]
    for n, keys in index.keys.items():
        starts = len(tokens) - n + 1
        if starts < 1:
            continue
        window = [tokens[k : k + starts] for k in range(n)]
        # an n-gram lies within one text and is made of known tokens
        valid = (text_of[:starts] == text_of[n - 1 :]) & np.logical_and.reduce([w >= 0 for w in window])
        key = _keys([w[valid] for w in window], index.base)
        found = np.minimum(np.searchsorted(keys, key), len(keys) - 1)
        hit = keys[found] == key
        rows.append(text_of[:starts][valid][hit])
        columns.append(index.columns[n][found[hit]])
    row, column = np.concatenate(rows), np.concatenate(columns)
    counts = csr_matrix(
        (np.ones(len(row), dtype=vectorizer.dtype), (row, column)), shape=(len(texts), len(vectorizer.vocabulary_))
    )
    counts.sum_duplicates()  # the count of each n-gram, indices sorted as scikit-learn's
    return vectorizer._tfidf.transform(counts, copy=False)  # the vectorizer's own TF-IDF weighting
