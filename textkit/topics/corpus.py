"""The corpus a topic model reads: texts, their tokens, and bags of words streamed from disk.

The articles are tokenized once: that pass counts the words and appends every article's
bag of words to a temporary binary file (word ids and counts as int32 pairs, see
:class:`_BowFile`), which the training passes then stream back from disk, renumbered to
the filtered vocabulary as they are read, so memory does not grow with the corpus
(8 bytes of offset per article) and no pass re-tokenizes. Gensim's
:class:`~gensim.corpora.MmCorpus` did the same job but formats every entry as text in
Python: on 20 Newsgroups (11k posts) writing its two files took 5.6 of the 16 s fit.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator
from itertools import pairwise
from typing import Any

import numpy as np

from textkit.errors import ConfigError, InputError
from textkit.reading.articles import Article
from textkit.text.tokenize import Tokenizer


def text_of(item: Article | str) -> str:
    """The text a topic model reads of an article (title and body) or a plain string."""
    if isinstance(item, str):
        return item
    if isinstance(item, Article):
        return item.full_text
    raise InputError(f"expected texts (strings or Articles), got a {type(item).__name__}: {str(item)[:40]!r}")


def check_corpus(items: Iterable[Any], reread: bool = True) -> None:
    """Refuse one text where a corpus is expected and, when it is read several times (``reread``), a one-shot iterator."""
    if isinstance(items, (str, Article)):
        raise InputError("expected a list of texts, got a single text", hint="wrap it in a list: [text]")
    if reread and iter(items) is items:
        raise ConfigError(
            "topic models read the corpus several times, and a one-shot iterator can be read only once",
            hint="pass a list or a stream from textkit.reading.articles.read_articles",
        )


def topic_tokenizer() -> Tokenizer:
    """The default tokenizer of topic models: ``Tokenizer(min_length=3, keep_mixed=False, drop_junk=True)``.

    Stricter than the classifiers' default because LDA has no IDF and no labels to
    down-weight junk: two-letter tokens (initials, units, "ah", "mw") and letter-digit
    strings ("g9v", "b8f": encoded attachments, part numbers) co-occur in long runs
    and form whole topics of noise, and abbreviations spread over every topic; for the
    same reason uuencoded and base64 lines and unpronounceable words are dropped
    (``drop_junk``): on 20 Newsgroups they made a topic of ``max bhj giz bxn qax``.
    """
    return Tokenizer(min_length=3, keep_mixed=False, drop_junk=True)


class TokenStream:
    """Tokens of each text, re-tokenized on every pass (gensim ``texts``)."""

    def __init__(self, items: Iterable[Article | str], tokenizer: Tokenizer) -> None:
        self.items = items
        self.tokenizer = tokenizer

    def __iter__(self) -> Iterator[list[str]]:
        tokenize = self.tokenizer.tokenize
        for item in self.items:
            yield tokenize(text_of(item))


class _BowFile:
    """Bags of words on disk: every article's ``(word id, count)`` pairs as int32, one after the other.

    :meth:`write` makes the file in one pass; :meth:`view` streams it back (gensim corpus
    protocol: re-iterable, with ``len``), one article per read, so only the offsets
    (8 bytes per article) stay in memory. Plain reads, not a memory map: in a shuffled
    order every article touched through a map pulls its neighbours' pages into the
    process's resident memory too (the kernel maps 64 KB around each fault), which
    grew with the file (+43 MB over 150,000 articles).
    """

    def __init__(self, path: str, offsets: np.ndarray) -> None:
        self.path, self.offsets = path, offsets

    @classmethod
    def write(cls, path: str, bows: Iterable[list[tuple[int, int]]]) -> _BowFile:
        offsets = array("q", [0])
        with open(path, "wb") as out:
            for bow in bows:
                out.write(np.asarray(bow, dtype=np.int32).tobytes())
                offsets.append(offsets[-1] + len(bow))
        return cls(path, np.frombuffer(offsets, dtype=np.int64))

    def view(self, renumber: np.ndarray, order: np.ndarray | None = None) -> _BowView:
        """The articles (in ``order``, else as written) with word ``i`` renamed ``renumber[i]``; -1 drops it."""
        return _BowView(self, renumber, order)


class _BowView:
    """Articles of a :class:`_BowFile`, renumbered, in some order (a gensim corpus: re-iterable, with ``len``).

    Pickled (sent to another process: a Dask worker, perhaps on a machine that cannot
    open the file), a view becomes its articles in memory, a :class:`_BowArrays`.
    """

    def __init__(self, bows: _BowFile, renumber: np.ndarray, order: np.ndarray | None) -> None:
        self.bows, self.renumber, self.order = bows, renumber, order

    def __len__(self) -> int:
        return len(self.order) if self.order is not None else len(self.bows.offsets) - 1

    def subset(self, size: int) -> _BowView:
        """The first ``size`` articles of this view (a random sample when its order is a random permutation)."""
        order = self.order if self.order is not None else np.arange(len(self))
        return _BowView(self.bows, self.renumber, order[:size])

    def in_file_order(self) -> _BowView:
        """The same articles read in the file's order (sequential reads)."""
        return _BowView(self.bows, self.renumber, np.sort(self.order) if self.order is not None else None)

    def _articles(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """``(word ids, counts)`` of each article, the words the renumbering drops left out."""
        offsets = self.bows.offsets
        with open(self.bows.path, "rb", buffering=0) as file:
            for i in self.order if self.order is not None else range(len(self)):
                file.seek(8 * int(offsets[i]))
                doc = np.frombuffer(file.read(8 * int(offsets[i + 1] - offsets[i])), dtype=np.int32).reshape(-1, 2)
                ids = self.renumber[doc[:, 0]]
                kept = ids >= 0
                yield ids[kept], doc[kept, 1]

    def __iter__(self) -> Iterator[list[tuple[int, int]]]:
        for ids, counts in self._articles():
            yield list(zip(ids.tolist(), counts.tolist()))

    def _pairs(self) -> int:
        """Word entries of this view's articles in the file (before the renumbering drops any)."""
        starts = self.bows.offsets[:-1] if self.order is None else self.bows.offsets[self.order]
        ends = self.bows.offsets[1:] if self.order is None else self.bows.offsets[self.order + 1]
        return int((ends - starts).sum())

    def __sizeof__(self) -> int:
        # What it weighs pickled, not the file offsets it holds: joblib's dask backend sends an
        # argument that dask's sizeof puts above 1 kB to the workers once, not with every task.
        return 8 * self._pairs()

    def __reduce__(self) -> tuple[Any, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        ids = np.empty(self._pairs(), dtype=np.int32)
        counts = np.empty_like(ids)
        offsets = np.zeros(len(self) + 1, dtype=np.int64)
        end = 0
        for n, (doc_ids, doc_counts) in enumerate(self._articles(), 1):
            ids[end : end + len(doc_ids)], counts[end : end + len(doc_ids)] = doc_ids, doc_counts
            end += len(doc_ids)
            offsets[n] = end
        return _BowArrays, (ids[:end], counts[:end], offsets)


class _BowArrays:
    """Bags of words in memory: word ids and counts one article after the other, and where each article starts.

    What a pickled :class:`_BowView` becomes: the same articles, in the same order.
    """

    def __init__(self, ids: np.ndarray, counts: np.ndarray, offsets: np.ndarray) -> None:
        self.ids, self.counts, self.offsets = ids, counts, offsets

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __iter__(self) -> Iterator[list[tuple[int, int]]]:
        ends = self.offsets.tolist()
        for start, end in pairwise(ends):
            yield list(zip(self.ids[start:end].tolist(), self.counts[start:end].tolist()))

    def __sizeof__(self) -> int:
        return int(self.ids.nbytes + self.counts.nbytes + self.offsets.nbytes)


class Reservoir:
    """A uniform random sample of at most ``size`` items of a stream, taken as it passes (Algorithm R)."""

    def __init__(self, size: int, random_state: int | None) -> None:
        self.size = size
        self.items: list[Any] = []
        self._rng = np.random.RandomState(random_state)

    def keep(self, stream: Iterable[Any]) -> Iterator[Any]:
        """Yield ``stream`` unchanged, keeping the sample in :attr:`items`."""
        for seen, item in enumerate(stream):
            if seen < self.size:
                self.items.append(item)
            else:
                slot = self._rng.randint(seen + 1)
                if slot < self.size:
                    self.items[slot] = item
            yield item


class _Counting:
    """A corpus that advances a progress step by one for each article read (re-iterable, with ``len``)."""

    def __init__(self, corpus: Any, step: Any) -> None:
        self.corpus, self.step = corpus, step

    def __len__(self) -> int:
        return len(self.corpus)

    def __iter__(self) -> Iterator[Any]:
        advance = self.step.advance
        for bow in self.corpus:
            yield bow
            advance()


class _BowOfTexts:
    """Bags of words of tokenized texts, made on every pass with ``dictionary.doc2bow``."""

    def __init__(self, texts: Iterable[list[str]], dictionary: Any) -> None:
        self.texts, self.dictionary = texts, dictionary

    def __iter__(self) -> Iterator[list[tuple[int, int]]]:
        return (self.dictionary.doc2bow(t) for t in self.texts)
