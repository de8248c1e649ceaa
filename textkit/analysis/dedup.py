"""Near-duplicate stories: the same wire copy republished with another byline, headline or a cut.

Each article's body (``Article.text``: the headline is left out, since outlets rewrite
it) becomes a set of word shingles: lower-cased ``\\w+`` words, ``shingle_size`` in a
row. Its :class:`datasketch.MinHash` signature is cut into the bands
:class:`datasketch.MinHashLSH` picks for ``threshold``; articles with one band equal
are candidates, kept when the MinHash estimate of their Jaccard similarity reaches
``threshold`` and, with ``window_days``, when their dates are at
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
signature (``4 * num_perm`` bytes) and five integers; the LSH bands are keyed once
all articles are in, one band at a time, and candidate pairs verified 8,192 at a
time. ``Stories.index_bytes`` reports the total at its largest.

Speed (``experiments/bench_dedup.py``: 11,238 planted articles, CPU microseconds per
article). The signatures are datasketch's own (its ``affine32`` scheme: MurmurHash3
finalizer, then ``a * h + b mod 2^32`` with ``datasketch.MinHash``'s permutations; a
test checks they are equal) computed in one numpy expression per article: 27 us,
where ``MinHash.generator`` / ``update_batch`` take 80 us (a Python call of
``hashfunc`` per shingle, a MinHash object per article). The bands (the ``b`` and ``r``
``MinHashLSH`` picks for the threshold) are keyed and sorted in numpy: 2.5 us, where
``MinHashLSH.insertion_session`` takes 101 us (a bytes key and a set per band per
article) and holds about 7.5 KB per article. With them, textkit found 2,700-2,900
articles per CPU-second; now about 7,000, with the same stories.
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
_BAND_MIX = 0x9E3779B97F4A7C15  # odd 64-bit multiplier of the band keys of more than 2 rows
_PAIR_CHUNK = 8192  # candidate pairs verified at once (about 5 MB of signatures)
_SMALL_BUCKET = 16  # buckets up to this size have all their pairs verified in numpy
_NO_DATE = 10**7  # after every real date ordinal (date.max is 3,652,059)


def shingle_hashes(text: str, size: int = DEFAULT_SHINGLE_SIZE) -> Any:
    """32-bit hashes of the distinct word ``size``-grams of ``text`` (a uint32 array).

    Words are the lower-cased ``\\w+`` runs (no stop words, no stemming: a copy shares
    its exact wording). Each word is hashed once (CRC-32) and the words of a shingle
    combined in numpy, which is 3x faster than hashing the joined shingle strings.
    A text shorter than ``size`` words is one shingle; an empty text has none.
    """
    import numpy as np

    return np.unique(_shingles(text, size))


def _shingles(text: str, size: int) -> Any:
    """:func:`shingle_hashes` with repeats (a MinHash needs no distinct values)."""
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
    return combined


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
        Memory the index held at its largest (signatures, per-article integers, the band
        keys of one band and the candidate pairs being verified).
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
        # datasketch's permutations (affine32 scheme) and its LSH's choice of b bands of r rows.
        self._a, self._b = MinHash(num_perm=num_perm, seed=seed).permutations
        try:
            lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
            self._bands, self._rows = lsh.b, lsh.r
        except ValueError:
            # Near 1 (0.97 at 64 permutations) datasketch finds no banding of 2 bands or more.
            # Bands of 4 rows make a pair at J >= 0.9 a candidate all but surely
            # (1 - (1 - 0.9^4)^16 > 0.9999 at 64 permutations); verification applies the threshold.
            self._bands, self._rows = num_perm // 4, 4
        self._signatures = array("I")  # num_perm values per article (zeros for an empty text)
        self._parent = array("q")  # union-find over input positions
        self._day = array("q")
        self._length = array("q")
        self._shingles = array("q")  # distinct shingles per article
        self._best = array("q")  # at a root: the position of its story's representative
        self._peak_bytes = 0  # the banding's largest temporary arrays

    def __len__(self) -> int:
        return len(self._parent)

    def add(self, article: Article | str) -> None:
        """Index one article (its duplicates are joined by :meth:`stories`)."""
        text = article.text if isinstance(article, Article) else article
        position = len(self._parent)
        self._parent.append(position)
        self._best.append(position)
        self._day.append(_ordinal(article.date) if isinstance(article, Article) else _NO_DATE)
        self._length.append(len(text))
        hashes = _shingles(text, self.shingle_size)
        self._shingles.append(len(set(hashes.tolist())))  # a set beats np.unique on a few hundred values
        if not len(hashes):  # an empty body matches nothing (all empty sets are "equal")
            self._signatures.extend([0] * self.num_perm)
            return
        self._signatures.frombytes(self._signature(hashes).tobytes())

    def _signature(self, hashes: Any) -> Any:
        """``datasketch.MinHash(hashfunc=int).update_batch(hashes)``'s hash values, in one numpy pass."""
        import numpy as np

        # The MurmurHash3 32-bit finalizer, as datasketch's affine32 scheme pre-mixes its input.
        mixed = hashes ^ (hashes >> np.uint32(16))
        mixed *= np.uint32(0x85EBCA6B)
        mixed ^= mixed >> np.uint32(13)
        mixed *= np.uint32(0xC2B2AE35)
        mixed ^= mixed >> np.uint32(16)
        return (mixed[:, None] * self._a + self._b).min(axis=0)

    def _buckets(self, signatures: Any) -> Iterator[tuple[Any, Any, Any]]:
        """Per band, the LSH buckets holding 2 or more (non-empty) articles.

        Yields ``(members, starts, ends)``: ``members[starts[k]:ends[k]]`` is one bucket,
        in input order. Each band's values become one 64-bit key (exact for ``r <= 2``;
        otherwise a polynomial hash whose rare collisions only add a candidate that
        verification judges), sorted once: numpy's sort instead of a Python dict per band.
        """
        import numpy as np

        live = np.flatnonzero(np.frombuffer(self._shingles, dtype=np.int64) > 0)
        for band in range(self._bands):
            rows = signatures[live, band * self._rows : (band + 1) * self._rows].astype(np.uint64)
            key = rows[:, 0].copy()
            for column in range(1, self._rows):
                if self._rows == 2:
                    key = (key << np.uint64(32)) | rows[:, 1]
                else:
                    key = key * np.uint64(_BAND_MIX) + rows[:, column]
            order = np.argsort(key, kind="stable")  # stable: members in input order
            key = key[order]
            bounds = np.concatenate(([0], np.flatnonzero(key[1:] != key[:-1]) + 1, [len(key)]))
            self._peak_bytes = max(self._peak_bytes, rows.nbytes + 2 * key.nbytes + order.nbytes + 2 * bounds.nbytes)
            shared = np.diff(bounds) >= 2
            yield live[order], bounds[:-1][shared], bounds[1:][shared]

    def _agree(self, first: Any, others: Any, signatures: Any) -> Any:
        """Which ``first[k]``, ``others[k]`` pairs are duplicates (``first`` may be one position)."""
        import numpy as np

        days = np.frombuffer(self._day, dtype=np.int64)
        sizes = np.frombuffer(self._shingles, dtype=np.int64)
        similarity = np.count_nonzero(signatures[others] == signatures[first], axis=-1) / self.num_perm
        # |A & B| = J (|A| + |B|) / (1 + J)
        shared = similarity * (sizes[others] + sizes[first]) / (1 + similarity)
        agree = (similarity >= self.threshold) & ((shared >= self.min_shared) | (similarity == 1.0))
        if self.window_days is not None:
            gap = np.abs(days[others] - days[first])
            agree &= (gap <= self.window_days) | (days[others] == _NO_DATE) | (days[first] == _NO_DATE)
        return agree

    def _join_candidates(self) -> None:
        """Verify the articles that share an LSH bucket and join those similar enough.

        The pairs of small buckets (nearly all) are verified together in numpy, each pair
        once however many bands it shares; in a large bucket (formulaic texts) a pair
        already in one story is not compared again, which keeps it from costing k^2.
        """
        import numpy as np

        signatures = np.frombuffer(self._signatures, dtype=np.uint32).reshape(-1, self.num_perm)
        count = len(self._parent)
        pairs = []
        for members, starts, ends in self._buckets(signatures):
            size = ends - starts
            for k in np.unique(size[size <= _SMALL_BUCKET]).tolist():
                at = starts[size == k][:, None]
                left, right = np.triu_indices(k, 1)
                pairs.append((members[at + left] * count + members[at + right]).ravel())
            large = size > _SMALL_BUCKET
            for start, end in zip(starts[large].tolist(), ends[large].tolist()):
                bucket = members[start:end].tolist()
                for n, first in enumerate(bucket[:-1]):
                    rest = [m for m in bucket[n + 1 :] if self._find(m) != self._find(first)]
                    if rest:
                        for other in np.asarray(rest)[self._agree(first, rest, signatures)].tolist():
                            self._union(first, other)
        codes = np.unique(np.concatenate(pairs)) if pairs else np.zeros(0, dtype=np.int64)
        for chunk in range(0, len(codes), _PAIR_CHUNK):
            first, other = np.divmod(codes[chunk : chunk + _PAIR_CHUNK], count)
            agree = self._agree(first, other, signatures)
            for a, b in zip(first[agree].tolist(), other[agree].tolist()):
                self._union(a, b)
        chunk_bytes = min(len(codes), _PAIR_CHUNK) * (2 * self.num_perm * 4 + self.num_perm + 64)
        self._peak_bytes = max(self._peak_bytes, sum(p.nbytes for p in pairs) + 2 * codes.nbytes + chunk_bytes)

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
        """Bytes the index holds now (signatures and per-article integers)."""
        return sum(a.buffer_info()[1] * a.itemsize for a in self._arrays())

    def _arrays(self) -> tuple[array, ...]:
        return (self._signatures, self._parent, self._day, self._length, self._shingles, self._best)

    def stories(self) -> Stories:
        """Story numbers in order of first appearance, representatives and sizes (once every article is added)."""
        self._join_candidates()
        memory = self.memory_bytes() + self._peak_bytes
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
