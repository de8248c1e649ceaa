"""Near-duplicate stories: the same wire copy republished with another byline, headline or a cut.

Each article's body (``Article.text``: the headline is left out, since outlets rewrite
it) becomes a set of word shingles: lower-cased ``\\w+`` words, ``shingle_size`` in a
row. A :class:`datasketch.MinHash` of the set goes into a :class:`datasketch.MinHashLSH`
index; the index's candidates are kept when the MinHash estimate of their Jaccard
similarity reaches ``threshold`` and, with ``window_days``, when their dates are at
most that many days apart. Duplicates are joined transitively (A ~ B and B ~ C: one
story, so a story can span more than the window when its copies chain).

The defaults (3-word shingles, threshold 0.2, 64 permutations) were chosen on planted
copies of real news texts (``experiments/bench_dedup.py``): copies with up to 20% of
their words changed and 30% cut have a trigram Jaccard similarity as low as 0.25.
Formulaic outlets (state media, market reports) write near-identical texts about
different events: ``window_days`` keeps those apart when they are days apart.

One story keeps one **representative**: the article with the earliest date (articles
without a date come after dated ones), then the longest body, then the first in input
order.

:func:`find_stories` reads the articles once and holds, per article, its MinHash
signature (``4 * num_perm`` bytes), its entries in the LSH index and five integers;
``Stories.index_bytes`` reports the measured total.
"""

from __future__ import annotations

import re
import zlib
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from textkit.errors import ConfigError
from textkit.reading.articles import Article

DEFAULT_THRESHOLD = 0.2
DEFAULT_SHINGLE_SIZE = 3
DEFAULT_NUM_PERM = 64
DEFAULT_MIN_SHARED = 10
_WORD = re.compile(r"\w+")
# Odd 32-bit multipliers (golden ratio and MurmurHash3 constants) that combine the
# words of a shingle into one 32-bit value; datasketch mixes it again before permuting.
_MIX = (0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F, 0x165667B1, 0xCC9E2D51, 0x1B873593, 0xE6546B64)
_NO_DATE = 10**7  # after every real date ordinal (date.max is 3,652,059)


def shingle_hashes(text: str, size: int = DEFAULT_SHINGLE_SIZE) -> Any:
    """32-bit hashes of the distinct word ``size``-grams of ``text`` (a uint32 array).

    Words are the lower-cased ``\\w+`` runs (no stop words, no stemming: a copy shares
    its exact wording). Each word is hashed once (CRC-32) and the words of a shingle
    combined in numpy, which is 3x faster than hashing the joined shingle strings.
    A text shorter than ``size`` words is one shingle; an empty text has none.
    """
    import numpy as np

    words = _WORD.findall(text.lower())
    if not words:
        return np.zeros(0, dtype=np.uint32)
    hashes = np.fromiter(map(zlib.crc32, map(str.encode, words)), dtype=np.uint32, count=len(words))
    span = min(size, len(hashes))
    count = len(hashes) - span + 1
    combined = hashes[:count] * np.uint32(_MIX[0])
    for offset in range(1, span):
        combined += hashes[offset : offset + count] * np.uint32(_MIX[offset % len(_MIX)])
    return np.unique(combined)


def _ordinal(value: str | None) -> int:
    """Days since year 1 of an ISO date (its first 10 characters), or ``_NO_DATE``."""
    if not value:
        return _NO_DATE
    try:
        return date.fromisoformat(value[:10]).toordinal()
    except ValueError:
        return _NO_DATE


@dataclass
class Stories:
    """What :func:`find_stories` found: the story of each article, in input order.

    Attributes
    ----------
    story : array of int
        ``story[i]`` is the story number (1, 2, ... in order of first appearance) of the
        i-th article.
    representative : array of int
        ``representative[s - 1]`` is the input position of story ``s``'s representative.
    sizes : array of int
        ``sizes[s - 1]`` is how many articles story ``s`` has.
    index_bytes : int
        Memory the index held at its largest (signatures, LSH tables, bookkeeping).
    """

    story: array
    representative: array
    sizes: array
    index_bytes: int = 0

    @property
    def articles(self) -> int:
        return len(self.story)

    @property
    def count(self) -> int:
        """Number of stories."""
        return len(self.representative)

    def is_representative(self, position: int) -> bool:
        return self.representative[self.story[position] - 1] == position

    def duplicate_pairs(self) -> set[tuple[int, int]]:
        """Every pair ``(i, j)``, ``i < j``, of articles in the same story (for evaluation)."""
        members: dict[int, list[int]] = {}
        for position, story in enumerate(self.story):
            members.setdefault(story, []).append(position)
        return {(a, b) for group in members.values() for n, a in enumerate(group) for b in group[n + 1 :]}

    def to_dict(self) -> dict[str, Any]:
        return {
            "articles": self.articles,
            "stories": self.count,
            "duplicates": self.articles - self.count,
            "largest_story": max(self.sizes, default=0),
            "index_bytes_per_article": round(self.index_bytes / self.articles) if self.articles else 0,
        }


class StoryIndex:
    """A near-duplicate index: :meth:`add` articles one by one (streamed), then :meth:`stories`.

    Parameters
    ----------
    threshold : float
        Jaccard similarity of the shingle sets from which two articles are one story.
    shingle_size : int
        Words per shingle.
    window_days : int, optional
        Only articles whose dates are at most this many days apart are duplicates
        (an article without a date matches at any date). ``None``: no window.
    num_perm : int
        MinHash permutations: more estimate the similarity more closely (standard
        error about ``sqrt(J(1-J)/num_perm)``) and cost time and memory.
    min_shared : int
        Shingles two articles must share (estimated from their similarity and sizes)
        unless they are identical: about a sentence and a half of the same wording.
        Short formulaic notices ("Qtly div 15 cts vs 15 cts prior, pay May 11") reach
        the threshold on their template alone; this keeps them apart.
    seed : int
        Seed of the MinHash permutations.
    """

    def __init__(
        self,
        threshold: float = DEFAULT_THRESHOLD,
        *,
        shingle_size: int = DEFAULT_SHINGLE_SIZE,
        window_days: int | None = None,
        num_perm: int = DEFAULT_NUM_PERM,
        min_shared: int = DEFAULT_MIN_SHARED,
        seed: int = 1,
    ) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ConfigError(f"threshold must be in (0, 1], not {threshold}", param="threshold")
        if shingle_size < 1:
            raise ConfigError(f"shingle_size must be at least 1, not {shingle_size}", param="shingle_size")
        if window_days is not None and window_days < 0:
            raise ConfigError(f"window_days must be 0 or more, not {window_days}", param="window_days")
        if min_shared < 0:
            raise ConfigError(f"min_shared must be 0 or more, not {min_shared}", param="min_shared")
        if num_perm < 16:
            raise ConfigError(f"num_perm must be at least 16, not {num_perm}", param="num_perm")
        from datasketch import MinHash, MinHashLSH

        self.threshold = threshold
        self.shingle_size = shingle_size
        self.window_days = window_days
        self.num_perm = num_perm
        self.min_shared = min_shared
        # hashfunc=int: the values are already 32-bit shingle hashes.
        self._empty = MinHash(num_perm=num_perm, seed=seed, hashfunc=int)
        self._lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self._session = self._lsh.insertion_session()
        self._signatures = array("I")  # num_perm values per article (zeros for an empty text)
        self._parent = array("q")  # union-find over input positions
        self._day = array("q")
        self._length = array("q")
        self._shingles = array("q")  # distinct shingles per article
        self._best = array("q")  # at a root: the position of its story's representative

    def __len__(self) -> int:
        return len(self._parent)

    def add(self, article: Article | str) -> None:
        """Index one article (its duplicates are joined by :meth:`stories`)."""
        import numpy as np

        text = article.text if isinstance(article, Article) else article
        position = len(self._parent)
        self._parent.append(position)
        self._best.append(position)
        self._day.append(_ordinal(article.date) if isinstance(article, Article) else _NO_DATE)
        self._length.append(len(text))
        hashes = shingle_hashes(text, self.shingle_size)
        self._shingles.append(len(hashes))
        if not len(hashes):  # an empty body matches nothing (all empty sets are "equal")
            self._signatures.extend([0] * self.num_perm)
            return
        minhash = self._empty.copy()
        minhash.update_batch(hashes.tolist())
        self._signatures.frombytes(minhash.hashvalues.astype(np.uint32).tobytes())
        self._session.insert(position, minhash, check_duplication=False)

    def _join_candidates(self) -> None:
        """Verify the articles that share an LSH bucket and join those similar enough.

        Reading the buckets once costs far less than querying the index per article.
        A pair already in one story is not compared again.
        """
        import numpy as np

        self._session.close()
        signatures = np.frombuffer(self._signatures, dtype=np.uint32).reshape(-1, self.num_perm)
        days = np.frombuffer(self._day, dtype=np.int64)
        sizes = np.frombuffer(self._shingles, dtype=np.int64)
        for table in self._lsh.hashtables:
            for key, count in table.itemcounts().items():
                if count < 2:
                    continue
                members = sorted(table.get(key))
                for n, first in enumerate(members[:-1]):
                    rest = [m for m in members[n + 1 :] if self._find(m) != self._find(first)]
                    if not rest:
                        continue
                    similarity = np.count_nonzero(signatures[rest] == signatures[first], axis=1) / self.num_perm
                    # |A & B| = J (|A| + |B|) / (1 + J)
                    shared = similarity * (sizes[rest] + sizes[first]) / (1 + similarity)
                    agree = (similarity >= self.threshold) & ((shared >= self.min_shared) | (similarity == 1.0))
                    if self.window_days is not None and days[first] != _NO_DATE:
                        gap = np.abs(days[rest] - days[first])
                        agree &= (gap <= self.window_days) | (days[rest] == _NO_DATE)
                    for other in np.asarray(rest)[agree].tolist():
                        self._union(first, other)

    def _find(self, position: int) -> int:
        parent = self._parent
        root = position
        while parent[root] != root:
            root = parent[root]
        while parent[position] != root:  # path compression
            parent[position], position = root, parent[position]
        return root

    def _rank(self, position: int) -> tuple[int, int, int]:
        """The representative rule: earliest date, then longest body, then first read."""
        return (self._day[position], -self._length[position], position)

    def _union(self, a: int, b: int) -> None:
        root_a, root_b = self._find(a), self._find(b)
        if root_a == root_b:
            return
        root, child = min(root_a, root_b), max(root_a, root_b)
        self._parent[child] = root
        self._best[root] = min(self._best[root], self._best[child], key=self._rank)

    def memory_bytes(self) -> int:
        """Bytes the index holds now: LSH tables (bucket dicts, sets, band keys) and arrays."""
        import sys

        total = sum(a.buffer_info()[1] * a.itemsize for a in self._arrays())
        tables = [t._dict for t in self._lsh.hashtables] + [self._lsh.keys._dict]
        for table in tables:
            total += sys.getsizeof(table)
            for key, value in table.items():
                total += sys.getsizeof(value)
                if isinstance(key, bytes):
                    total += sys.getsizeof(key)
        return total

    def _arrays(self) -> tuple[array, ...]:
        return (self._signatures, self._parent, self._day, self._length, self._shingles, self._best)

    def stories(self) -> Stories:
        """Story numbers in order of first appearance, representatives and sizes (once every article is added)."""
        self._join_candidates()
        memory = self.memory_bytes()
        number: dict[int, int] = {}
        story, representative, sizes = array("q"), array("q"), array("q")
        for position in range(len(self._parent)):
            root = self._find(position)
            if root not in number:
                number[root] = len(number) + 1
                representative.append(self._best[root])
                sizes.append(0)
            story.append(number[root])
            sizes[number[root] - 1] += 1
        return Stories(story, representative, sizes, memory)


def find_stories(articles: Iterable[Article | str], **params: Any) -> Stories:
    """Group ``articles`` (read once) into stories; ``params`` are :class:`StoryIndex`'s."""
    index = StoryIndex(**params)
    for article in articles:
        index.add(article)
    return index.stories()


def label_stories(articles: Iterable[Article], stories: Stories) -> Iterator[dict[str, Any]]:
    """Each article as a JSON-ready dict with ``story``, ``story_size`` and ``representative``.

    ``articles`` must be the same articles, in the same order, as ``stories`` was found on.
    """
    for position, article in enumerate(articles):
        if position >= stories.articles:
            raise ConfigError("the articles changed since their stories were found (more of them now)")
        story = stories.story[position]
        yield {
            **article.to_dict(),
            "story": story,
            "story_size": stories.sizes[story - 1],
            "representative": stories.is_representative(position),
        }


class Representatives:
    """The representatives of the stories of a re-iterable corpus: a story counts once.

    Re-iterable (each pass rereads ``articles``), so gensim's multi-pass training and
    scikit-learn's list-making both take it. The stories are found on the first pass.
    """

    def __init__(self, articles: Iterable[Article], **params: Any) -> None:
        self.articles = articles
        self.params = params
        self.stories: Stories | None = None

    def __iter__(self) -> Iterator[Article]:
        if self.stories is None:
            self.stories = find_stories(self.articles, **self.params)
        stories = self.stories
        for position, article in enumerate(self.articles):
            if position < stories.articles and stories.is_representative(position):
                yield article

    def __getattr__(self, name: str) -> Any:
        # The wrapped stream's ``source`` and ``stats`` (what the CLI reports) stay reachable.
        if name in ("source", "stats"):
            return getattr(self.articles, name)
        raise AttributeError(name)
