"""Topic discovery with LDA: fit, choose the number of topics, name, infer, track over time.

:class:`TopicModel` wraps gensim: a :class:`~gensim.corpora.Dictionary` filtered with
``filter_extremes``, a **streamed** bag-of-words corpus, and
:class:`~gensim.models.LdaModel` / :class:`~gensim.models.LdaMulticore`. The articles
are tokenized once: that pass counts the words and appends every article's bag of words
to a temporary binary file (word ids and counts as int32 pairs, see :class:`_BowFile`),
which the training passes then stream back from disk, renumbered to
the filtered vocabulary as they are read, so memory does not grow with the corpus
(8 bytes of offset per article) and no pass re-tokenizes. Gensim's
:class:`~gensim.corpora.MmCorpus` did the same job but formats every entry as text in
Python: on 20 Newsgroups (11k posts) writing its two files took 5.6 of the 16 s fit.
The file lives in a temporary folder (``$TMPDIR``) removed after the fit.
The topics start from scikit-learn's NMF of the tf-idf of (a sample of) that corpus
rather than gensim's random start: online LDA then refines distinct word groups instead
of settling wherever its first chunks lead (see ``TopicModel(init=...)``).
Topics are scored with gensim's :class:`~gensim.models.CoherenceModel` (``c_v``,
``c_npmi``, ``u_mass``) and topic diversity; ``num_topics="auto"`` fits a range of K
and keeps the best, with the whole curve in ``k_scores_``.

Reproducibility: with ``workers=1`` the model is fitted by one process
(``LdaModel``) and ``random_state`` makes two fits identical. With more workers
(``LdaMulticore``) chunks of documents go to whichever worker process is free, so the
order of the updates, and with it the topics, changes slightly from run to run even
with the same ``random_state``.

:mod:`textkit.workflows.topics` fits and saves, loads and relabels saved models.
"""

from __future__ import annotations

import copy
import logging
import math
import os
import re
import tempfile
import time
import warnings
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.exceptions import ConvergenceWarning

from textkit.errors import ConfigError, InputError, NotFittedError, TrainingError
from textkit.reading.articles import Article
from textkit.text.tokenize import Tokenizer

logger = logging.getLogger(__name__)

TOPICS_KIND = "topics"
MEASURES = ("c_v", "c_npmi", "u_mass")
SELECT_BY = ("quality", "c_v", "c_npmi", "u_mass")
INITS = ("nmf", "random")
DIVERSITY_TOPN = 25  # Dieng, Ruiz & Blei (2020) define topic diversity on the top 25 words
DEFAULT_NO_BELOW = 5
DEFAULT_PASSES = 3
MIN_UPDATES = 15  # online LDA needs a dozen or more updates to settle; passes are raised to reach them
NMF_SAMPLE = 20_000  # articles the NMF start is fitted on: its memory stays bounded on any corpus
NMF_ITERATIONS = 50
K_TIE = 0.01  # coherence differences below this do not justify more topics
_MONTH = re.compile(r"^\d{4}-\d{2}")
_CONVERGED_MESSAGE = "%i/%i documents converged within %i iterations"


# -- streamed corpora --------------------------------------------------------------------
def _text(item: Article | str) -> str:
    return item.full_text if isinstance(item, Article) else item


def _check_reiterable(items: Iterable[Any]) -> None:
    if iter(items) is items:
        raise ConfigError(
            "topic models read the corpus several times, and a one-shot iterator can be read only once",
            hint="pass a list or a stream from textkit.reading.articles.read_articles",
        )


class TokenStream:
    """Tokens of each text, re-tokenized on every pass (gensim ``texts``)."""

    def __init__(self, items: Iterable[Article | str], tokenizer: Tokenizer) -> None:
        self.items = items
        self.tokenizer = tokenizer

    def __iter__(self) -> Iterator[list[str]]:
        tokenize = self.tokenizer.tokenize
        for item in self.items:
            yield tokenize(_text(item))


def topic_tokenizer() -> Tokenizer:
    """The default tokenizer of topic models: ``Tokenizer(min_length=3, keep_mixed=False)``.

    Stricter than the classifiers' default because LDA has no IDF and no labels to
    down-weight junk: two-letter tokens (initials, units, "ah", "mw") and letter-digit
    strings ("g9v", "b8f": encoded attachments, part numbers) co-occur in long runs
    and form whole topics of noise, and abbreviations spread over every topic.
    """
    return Tokenizer(min_length=3, keep_mixed=False)


# -- seeds, diversity, coherence ---------------------------------------------------------
def load_seeds(path: str | Path) -> dict[str, list[str]]:
    """Read a seeds file: one topic per line, ``topic_name: word, word, word``.

    Blank lines and lines starting with ``#`` are ignored.

    Raises
    ------
    InputError
        The file is missing, or a line is not ``name: words`` (the message names the line).
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise InputError(f"{path}: no such seeds file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot read the seeds file ({error})") from None
    seeds: dict[str, list[str]] = {}
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, colon, words = line.partition(":")
        name = name.strip()
        words_list = [w.strip() for w in words.split(",") if w.strip()]
        if not colon or not name or not words_list:
            raise InputError(f"{path}:{number}: expected 'topic_name: word, word, ...', got {line[:60]!r}")
        if name in seeds:
            raise InputError(f"{path}:{number}: topic {name!r} is seeded twice", hint="merge its words into one line")
        seeds[name] = words_list
    if not seeds:
        raise InputError(f"{path}: the seeds file names no topics", hint="write lines like 'economy: trade, tariffs'")
    return seeds


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

    Each measure reads the reference once for all the topic sets (as gensim's
    ``CoherenceModel.for_topics``: the counts of every word any set uses are kept). ``processes=1``: gensim's multiprocessing accumulator hangs or returns NaN
    on some platforms, and a single pass is what a streamed corpus wants anyway.

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
    from gensim.models import CoherenceModel

    unknown = sorted({w for topics in topic_sets for t in topics for w in t[:topn] if w not in dictionary.token2id})
    if unknown:
        raise ConfigError(f"topic words missing from the reference dictionary: {', '.join(unknown[:10])}")
    results: list[dict[str, float]] = [{} for _ in topic_sets]
    trimmed = [[list(t[:topn]) for t in topics] for topics in topic_sets]
    for measure in measures:
        if measure == "u_mass" and corpus is None:
            corpus = _BowOfTexts(texts, dictionary)
        # What CoherenceModel.for_topics does, minus its root-logger call (logging.info),
        # which would install a handler on the user's root logger.
        union = [w for topics in trimmed for t in topics for w in t]
        model = CoherenceModel(
            topics=[union],
            texts=texts,
            corpus=corpus if measure == "u_mass" else None,
            dictionary=dictionary,
            coherence=measure,
            topn=len(union),
            processes=1,
        )
        model.estimate_probabilities()
        model.topn = min(topn, max(len(t) for topics in trimmed for t in topics))
        for result, topics in zip(results, trimmed):
            model.topics = topics
            per_topic = np.asarray(model.get_coherence_per_topic(), dtype=float)
            # A topic whose words never co-occur in a window gives NaN; it counts as the
            # measure's floor rather than silently vanishing from the mean.
            result[measure] = float(np.mean(np.nan_to_num(per_topic, nan=-1.0 if measure != "u_mass" else -20.0)))
    return results


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
    def __init__(self, bows: _BowFile, renumber: np.ndarray, order: np.ndarray | None) -> None:
        self.bows, self.renumber, self.order = bows, renumber, order

    def __len__(self) -> int:
        return len(self.order) if self.order is not None else len(self.bows.offsets) - 1

    def __iter__(self) -> Iterator[list[tuple[int, int]]]:
        offsets = self.bows.offsets
        with open(self.bows.path, "rb", buffering=0) as file:
            for i in self.order if self.order is not None else range(len(self)):
                file.seek(8 * int(offsets[i]))
                doc = np.frombuffer(file.read(8 * int(offsets[i + 1] - offsets[i])), dtype=np.int32).reshape(-1, 2)
                ids = self.renumber[doc[:, 0]]
                kept = ids >= 0
                yield list(zip(ids[kept].tolist(), doc[kept, 1].tolist()))


class _BowOfTexts:
    def __init__(self, texts: Iterable[list[str]], dictionary: Any) -> None:
        self.texts, self.dictionary = texts, dictionary

    def __iter__(self) -> Iterator[list[tuple[int, int]]]:
        return (self.dictionary.doc2bow(t) for t in self.texts)


# -- convergence, from gensim's own log --------------------------------------------------
class _ConvergenceCounter(logging.Handler):
    """Adds up gensim's "N/M documents converged within I iterations" debug lines."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.converged = 0
        self.documents = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg == _CONVERGED_MESSAGE and record.args:
            self.converged += int(record.args[0])
            self.documents += int(record.args[1])


class _counting_convergence:
    """Context manager: attach a :class:`_ConvergenceCounter` to gensim's LDA logger."""

    def __enter__(self) -> _ConvergenceCounter:
        # The debug lines are made for the counter only: they must not reach the user's
        # log handlers, so the logger stops propagating while it counts.
        self.logger = logging.getLogger("gensim.models.ldamodel")
        self.saved = self.logger.level, self.logger.propagate
        self.counter = _ConvergenceCounter()
        self.logger.addHandler(self.counter)
        self.logger.setLevel(logging.DEBUG)
        self.logger.propagate = False
        return self.counter

    def __exit__(self, *exc: Any) -> None:
        self.logger.removeHandler(self.counter)
        self.logger.setLevel(self.saved[0])  # setLevel, not assignment: it clears the level cache
        self.logger.propagate = self.saved[1]


# -- summaries ---------------------------------------------------------------------------
@dataclass
class TopicSummary:
    """What the topics look like in one corpus.

    Attributes
    ----------
    documents : int
        Articles read.
    empty_documents : int
        Articles with no word of the vocabulary (they get the prior and no dominant topic).
    prevalence : list of float
        Mean share of each topic over the articles (sums to 1).
    dominant_counts : list of int
        Articles whose most probable topic is each topic.
    months : dict
        ``"YYYY-MM" -> share of each topic`` over the articles of that month (articles
        with a date only), in month order.
    month_counts : dict
        Articles per month.
    labels : dict
        ``label -> mean topic shares`` of the articles carrying that theme label.
    label_counts : dict
        Articles per label.
    converged : float or None
        Share of articles whose inference converged within ``iterations`` (from
        gensim's log); well below 1 means ``iterations`` should be raised.
    """

    documents: int = 0
    empty_documents: int = 0
    prevalence: list[float] = field(default_factory=list)
    dominant_counts: list[int] = field(default_factory=list)
    months: dict[str, list[float]] = field(default_factory=dict)
    month_counts: dict[str, int] = field(default_factory=dict)
    labels: dict[str, list[float]] = field(default_factory=dict)
    label_counts: dict[str, int] = field(default_factory=dict)
    converged: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# -- the model ---------------------------------------------------------------------------
class TopicModel(BaseEstimator, TransformerMixin):
    """LDA topics of a corpus of articles (or plain strings), over gensim.

    Parameters
    ----------
    num_topics : int or "auto"
        K, or ``"auto"``: fit every K of ``range(k_min, k_max + 1, k_step)`` and keep
        the best by ``select_by``.
    k_min, k_max, k_step : int
        The range of K tried by ``"auto"``.
    select_by : {"c_v", "c_npmi", "u_mass", "quality"}
        How ``"auto"`` picks K: the highest mean coherence, or ``"quality"``,
        ``c_v`` × topic diversity (the "topic quality" of Dieng et al. 2020 with
        ``c_v``), which leans to fewer, broader topics. Scores within 0.01 of the
        best count as a tie, won by the fewest topics: from the NMF start, surplus
        topics split a real one into halves that are just as coherent.
    tokenizer : Tokenizer, optional
        Default :func:`topic_tokenizer` (lowercase, English + news stop words, no
        numbers, no tokens shorter than 3 characters or mixing letters and digits).
        A copy is fitted (phrases) and kept with the model.
    phrases : bool
        Learn collocations (``foreign_minister``) first (one extra pass).
    no_below : int or None
        Drop words in fewer articles than this. ``None``: 5, relaxed step by step
        (2, then 1, then also ``no_above=1``) when that leaves fewer than
        ``5 × K`` words, as on a small corpus; ``notes_`` says so. An explicit
        value is applied as given.
    no_above : float
        Drop words in more than this share of the articles.
    keep_n : int
        Keep at most this many words (the most frequent). A fixed cap keeps the
        model's size (K × vocabulary) flat however large the corpus grows. 10,000
        words cover the substance of a news corpus; rarer words are names and typos
        that rarely reach a topic's top words but blur the topics: on 20 Newsgroups,
        going from its 15,000 words (seen in 5+ posts) to 10,000 raised NPMI by
        0.03–0.05 in each of three seeds (one process, 5 passes).
    alpha : "symmetric", "asymmetric", "auto", float or array
        Document-topic prior (gensim). ``"auto"`` learns it, which only the
        single-process ``LdaModel`` can: it needs ``workers=1`` (or the default).
    eta : None, "symmetric", "auto", float or array
        Topic-word prior (gensim). With ``seeds``, a float or None only.
    init : {"nmf", "random"}
        How the topics start. ``"nmf"``: from scikit-learn's NMF of the articles'
        tf-idf (50 iterations on at most 20,000 articles, about a second), so online
        LDA refines distinct word groups instead of settling wherever its first chunks
        lead. ``"random"``: gensim's own near-uniform random start. On 20 Newsgroups
        (K = 20, three seeds) the NMF start with 3 passes gave NPMI 0.11–0.12 where
        the random start with 5 gave 0.06–0.09, in about 40% less time
        (``experiments/bench_topics.py``).
    passes : int or None
        Passes over the corpus. ``None``: 3, or more on a small corpus so that
        training makes at least 15 online updates (one per ``chunksize`` articles).
        From the NMF start, 2, 3 and 5 passes gave the same coherence on 20 Newsgroups
        (11k posts, 6 updates a pass); ``summary_.converged`` shows how many articles
        converged.
    iterations : int
        Inference iterations per document and update; ``summary_.converged`` shows
        whether they were enough.
    chunksize : int
        Articles per online update (and per chunk in memory).
    workers : int or None
        Processes: 1 fits with ``LdaModel`` (reproducible); more use
        ``LdaMulticore`` with ``workers - 1`` worker processes beside the one
        reading the corpus (not reproducible, see the module notes). ``None``: as
        many as the machine has cores (gensim's advice: ``cores - 1`` workers),
        except for a corpus of one chunk, where starting worker processes costs
        more than it saves. On 2 cores (20 Newsgroups, K = 20, NMF start, 3
        passes) one worker and one process took about the same time (6 s of
        training) and gave the same coherence (NPMI 0.108–0.117 against
        0.112–0.118 over three seeds).
    random_state : int or None
        Seed for initialisation and inference.
    seeds : dict, optional
        ``{topic name: [seed words]}`` (see :func:`load_seeds`). Topic ``i`` is
        seeded with the ``i``-th entry through gensim's ``eta`` prior and labelled
        with its name; the other topics stay free.
    seed_strength : float
        Prior weight of a seed word in its topic, as a multiple of the word's count
        in the corpus (1.0: as strong as all its occurrences).
    topn : int
        Top words per topic used for labels and coherence.
    measures : sequence of str
        Coherence measures computed on the training corpus after fitting (stored in
        ``scores_``); empty to skip them (one pass each).
    """

    def __init__(
        self,
        num_topics: int | str = 10,
        *,
        k_min: int = 5,
        k_max: int = 30,
        k_step: int = 5,
        select_by: str = "c_v",
        tokenizer: Tokenizer | None = None,
        phrases: bool = False,
        no_below: int | None = None,
        no_above: float = 0.5,
        keep_n: int = 10_000,
        alpha: Any = "symmetric",
        eta: Any = None,
        init: str = "nmf",
        passes: int | None = None,
        iterations: int = 100,
        chunksize: int = 2000,
        workers: int | None = None,
        random_state: int | None = 0,
        seeds: Mapping[str, Sequence[str]] | None = None,
        seed_strength: float = 1.0,
        topn: int = 10,
        measures: Sequence[str] = MEASURES,
    ) -> None:
        self.num_topics = num_topics
        self.k_min = k_min
        self.k_max = k_max
        self.k_step = k_step
        self.select_by = select_by
        self.tokenizer = tokenizer
        self.phrases = phrases
        self.no_below = no_below
        self.no_above = no_above
        self.keep_n = keep_n
        self.alpha = alpha
        self.eta = eta
        self.init = init
        self.passes = passes
        self.iterations = iterations
        self.chunksize = chunksize
        self.workers = workers
        self.random_state = random_state
        self.seeds = seeds
        self.seed_strength = seed_strength
        self.topn = topn
        self.measures = measures

    # -- fitting -------------------------------------------------------------------------
    def fit(self, X: Iterable[Article | str], y: Any = None) -> TopicModel:
        """Fit the topics of ``X`` (articles or strings; re-iterable: it is read several times).

        Raises
        ------
        TrainingError
            No articles, no words left after tokenizing or filtering.
        ConfigError
            Parameters out of range, K larger than the number of articles, seeds
            naming more topics than K or words that are not in the corpus.
        """
        from gensim.corpora import Dictionary

        ks = self._candidate_ks()
        _check_reiterable(X)
        started = time.perf_counter()
        self.notes_: list[str] = []
        self.tokenizer_ = copy.deepcopy(self.tokenizer) if self.tokenizer is not None else topic_tokenizer()
        if self.phrases:
            self.tokenizer_.learn_phrases(_text(item) for item in X)
        with tempfile.TemporaryDirectory(prefix="textkit-topics-") as folder:
            # The one tokenizing pass: it counts the words and writes each article's bag of
            # words (ids of the unfiltered vocabulary) to disk, one article at a time.
            dictionary = Dictionary()
            bows = _BowFile.write(
                os.path.join(folder, "bows.bin"),
                (dictionary.doc2bow(t, allow_update=True) for t in TokenStream(X, self.tokenizer_)),
            )
            n_docs = dictionary.num_docs
            if n_docs == 0:
                raise TrainingError("no articles to fit topics on: the corpus is empty")
            if len(dictionary) == 0:
                raise TrainingError(
                    f"the {n_docs} articles have no words left after tokenizing (all stop words, numbers or empty)"
                )
            if max(ks) > n_docs:
                raise ConfigError(
                    f"{max(ks)} topics is more than the {n_docs} articles to fit them on",
                    hint="ask for fewer topics (--num-topics, --max) or give more articles",
                )
            seed_tokens = self._seed_tokens(max(ks) if self.num_topics == "auto" else ks[0])
            # _filtered may filter `dictionary` in place (an explicit no_below): keep its ids first.
            unfiltered_ids, unfiltered_size = dict(dictionary.token2id), len(dictionary)
            self.dictionary_ = self._filtered(
                dictionary, max(ks), [t for tokens in seed_tokens.values() for t in tokens]
            )
            # Training reads the bags of words renumbered to the filtered vocabulary, in a
            # random order. Online LDA takes each chunk for a random sample of the corpus,
            # but dumps come sorted (by date, source, label) and the topics then follow the
            # order: on 20 Newsgroups, sorted by group, NPMI fell from 0.06 to -0.03.
            renumber = np.full(unfiltered_size, -1, dtype=np.int64)
            for token, new in self.dictionary_.token2id.items():
                renumber[unfiltered_ids[token]] = new
            del dictionary, unfiltered_ids
            order = np.random.RandomState(self.random_state).permutation(n_docs)
            corpus = bows.view(renumber, order)
            start = self._start_counts(bows.view(renumber, np.sort(order[:NMF_SAMPLE]))) if self.init == "nmf" else None
            self.passes_ = self.passes or max(
                DEFAULT_PASSES, math.ceil(MIN_UPDATES / math.ceil(n_docs / self.chunksize))
            )
            texts = TokenStream(X, self.tokenizer_)
            if len(ks) > 1:
                self.lda_, self.k_scores_ = self._choose_k(ks, corpus, texts, seed_tokens, start)
            else:
                self.lda_ = self._fit_lda(corpus, ks[0], seed_tokens, start)
                self.k_scores_ = []
            self.num_topics_ = self.lda_.num_topics
            self.labels_ = self._auto_labels(list(seed_tokens))
            self.scores_ = self._final_scores(texts, corpus)
            self.summary_ = self._summary(X, bows.view(renumber))  # in input order
        if self.summary_.converged is not None and self.summary_.converged < 0.9:
            self._note(
                f"only {self.summary_.converged:.0%} of the articles converged within {self.iterations} "
                "iterations; raise iterations for steadier topics"
            )
        self.fit_seconds_ = time.perf_counter() - started
        return self

    def _candidate_ks(self) -> list[int]:
        """Check the parameters; the K (one, or the range for ``"auto"``) to fit."""
        unknown = sorted(set(self.measures) - {"c_v", "c_npmi", "u_mass", "c_uci"})
        if unknown:
            raise ConfigError(
                f"unknown coherence measure(s): {', '.join(unknown)}", hint="use c_v, c_npmi, u_mass or c_uci"
            )
        if self.init not in INITS:
            raise ConfigError(f"init must be one of {', '.join(INITS)}, not {self.init!r}")
        if self.num_topics == "auto":
            if not 2 <= self.k_min <= self.k_max or self.k_step < 1:
                raise ConfigError(
                    f"the range of K must have 2 <= min <= max and step >= 1, not min={self.k_min}, "
                    f"max={self.k_max}, step={self.k_step}"
                )
            if self.select_by not in SELECT_BY:
                raise ConfigError(f"select_by must be one of {', '.join(SELECT_BY)}, not {self.select_by!r}")
            if self.select_by != "quality" and self.select_by not in self.measures:
                raise ConfigError(f"select_by={self.select_by!r} needs {self.select_by!r} among the measures")
            return list(range(self.k_min, self.k_max + 1, self.k_step))
        if (
            isinstance(self.num_topics, bool)
            or not isinstance(self.num_topics, (int, np.integer))
            or self.num_topics < 1
        ):
            raise ConfigError(f"num_topics must be a positive whole number or 'auto', not {self.num_topics!r}")
        return [int(self.num_topics)]

    def _note(self, message: str) -> None:
        self.notes_.append(message)
        logger.warning(message)

    def _seed_tokens(self, num_topics: int) -> dict[str, list[str]]:
        """Seed words as this tokenizer sees them, checked against K (not yet the vocabulary)."""
        if not self.seeds:
            return {}
        if len(self.seeds) > num_topics:
            raise ConfigError(
                f"the seeds name {len(self.seeds)} topics ({', '.join(self.seeds)}) but the model has only "
                f"{num_topics}",
                hint="ask for more topics or seed fewer",
            )
        tokens: dict[str, list[str]] = {}
        for name, words in self.seeds.items():
            tokens[name] = list(dict.fromkeys(t for w in words for t in self.tokenizer_.tokenize(w)))
            if not tokens[name]:
                raise ConfigError(f"seed topic {name!r}: its words {', '.join(words)} are all stop words or numbers")
        return tokens

    def _filtered(self, dictionary: Any, k_max: int, keep: list[str]) -> Any:
        """``filter_extremes`` with the given bounds, or the default bounds relaxed for small corpora."""
        words_before = len(dictionary)
        missing = [w for w in keep if w not in dictionary.token2id]
        if missing:
            raise ConfigError(
                f"seed words not found in the corpus: {', '.join(missing)}",
                hint="check their spelling; seed words are matched after tokenizing (lowercase, no stop words)",
            )
        if self.no_below is not None:
            dictionary.filter_extremes(
                no_below=self.no_below, no_above=self.no_above, keep_n=self.keep_n, keep_tokens=keep
            )
            if len(dictionary) == 0:
                raise TrainingError(
                    f"filtering the vocabulary (no_below={self.no_below}, no_above={self.no_above}) removed all "
                    f"{words_before} words",
                    hint="lower no_below or raise no_above",
                )
            return dictionary
        wanted = 5 * k_max
        attempts = [(DEFAULT_NO_BELOW, self.no_above), (2, self.no_above), (1, self.no_above), (1, 1.0)]
        best = None
        for no_below, no_above in attempts:
            trial = copy.deepcopy(dictionary)
            trial.filter_extremes(no_below=no_below, no_above=no_above, keep_n=self.keep_n, keep_tokens=keep)
            if best is None or len(trial) > len(best[2]):
                best = (no_below, no_above, trial)
            if len(trial) >= wanted:
                break
        no_below, no_above, trial = best
        if (no_below, no_above) != attempts[0]:
            self._note(
                f"small corpus: keeping words in at least {no_below} articles (and at most {no_above:.0%}) instead "
                f"of {DEFAULT_NO_BELOW} (and {self.no_above:.0%}); the vocabulary has {len(trial)} words"
            )
        if not len(trial):
            raise TrainingError(f"the {dictionary.num_docs} articles share no word that could be kept as vocabulary")
        return trial

    def _eta(self, num_topics: int, seed_tokens: dict[str, list[str]]) -> Any:
        if not seed_tokens:
            return self.eta
        if self.eta is not None and not isinstance(self.eta, (int, float)):
            raise ConfigError(f"seeded topics need eta to be None or a number, not {self.eta!r}")
        base = float(self.eta) if self.eta is not None else 1.0 / num_topics
        eta = np.full((num_topics, len(self.dictionary_)), base)
        for topic, tokens in enumerate(seed_tokens.values()):
            for token in tokens:
                word = self.dictionary_.token2id[token]
                eta[topic, word] = max(base, self.seed_strength * self.dictionary_.cfs.get(word, 1))
        return eta

    def _fit_lda(self, corpus: Any, num_topics: int, seed_tokens: dict[str, list[str]], start: Any) -> Any:
        from gensim.models import LdaModel, LdaMulticore

        workers = self.workers
        if workers is None:
            workers = (os.cpu_count() or 1) if len(corpus) > self.chunksize else 1
        if workers < 1:
            raise ConfigError(f"workers must be at least 1, not {workers}")
        auto_alpha = isinstance(self.alpha, str) and self.alpha == "auto"
        if auto_alpha and self.workers is not None and self.workers > 1:
            raise ConfigError("alpha='auto' is learned by the single-process LdaModel only", hint="use workers=1")
        eta = self._eta(num_topics, seed_tokens)
        common = dict(
            id2word=self.dictionary_,
            num_topics=num_topics,
            chunksize=self.chunksize,
            passes=self.passes_,
            iterations=self.iterations,
            alpha=self.alpha,
            eta=eta,
            random_state=self.random_state,
            eval_every=None,
        )
        lda = LdaModel(**common) if workers == 1 or auto_alpha else LdaMulticore(workers=workers - 1, **common)
        topics = self._initial_topics(start, num_topics, seed_tokens) if self.init == "nmf" else lda.state.sstats
        if seed_tokens:
            # The prior alone cannot move a topic that its start put elsewhere: the seeded
            # topics also start from their seed words' prior weight.
            seeded = len(seed_tokens)
            topics[:seeded] += eta[:seeded] - eta[:seeded].min(axis=1, keepdims=True)
        lda.state.sstats = topics.astype(lda.dtype)
        lda.sync_state()
        lda.update(corpus)
        return lda

    def _start_counts(self, sample: Any) -> Any:
        """Articles × words count matrix (scipy CSR) of ``sample``, for the NMF start."""
        from gensim.matutils import corpus2csc

        return corpus2csc(sample, num_terms=len(self.dictionary_), num_docs=len(sample), dtype=np.float64).T.tocsr()

    def _initial_topics(self, counts: Any, num_topics: int, seed_tokens: dict[str, list[str]]) -> np.ndarray:
        """Starting topic-word counts from scikit-learn's NMF of the tf-idf of ``counts`` (articles × words).

        Online LDA from gensim's near-uniform random start settles in whichever local
        optimum its first chunks lead to; NMF finds distinct, coherent word groups in a
        second. Each NMF component becomes one topic's counts, scaled to the corpus
        size; a seeded topic takes the component that weighs its seed words most.
        """
        from sklearn.decomposition import NMF
        from sklearn.feature_extraction.text import TfidfTransformer

        tfidf = TfidfTransformer(sublinear_tf=True).fit_transform(counts)
        # nndsvda (deterministic SVD-based start) needs K <= min(articles, words).
        init = "nndsvda" if num_topics <= min(tfidf.shape) else "random"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # a rough start is all that is needed
            components = (
                NMF(num_topics, init=init, max_iter=NMF_ITERATIONS, random_state=self.random_state)
                .fit(tfidf)
                .components_
            )
        order: list[int] = []
        for tokens in seed_tokens.values():
            ids = [self.dictionary_.token2id[t] for t in tokens]
            free = [c for c in range(num_topics) if c not in order]
            order.append(max(free, key=lambda c: components[c, ids].sum()))
        order += [c for c in range(num_topics) if c not in order]
        topics = components[order]
        return topics / max(topics.sum(), np.finfo(float).tiny) * counts.sum()

    def _choose_k(
        self, ks: list[int], corpus: Any, texts: TokenStream, seed_tokens: dict[str, list[str]], start: Any
    ) -> tuple[Any, list[dict[str, float]]]:
        models = [self._fit_lda(corpus, k, seed_tokens, start) for k in ks]
        word_lists = [_top_word_lists(m, self.dictionary_, max(self.topn, DIVERSITY_TOPN)) for m in models]
        measures = list(dict.fromkeys([*self.measures, *(["c_v"] if self.select_by == "quality" else [])]))
        scores = coherence_scores(word_lists, texts, self.dictionary_, measures=measures, topn=self.topn, corpus=corpus)
        curve = []
        for k, words, score in zip(ks, word_lists, scores):
            diversity = topic_diversity(words)
            curve.append(
                {
                    "k": k,
                    **score,
                    "diversity": diversity,
                    "quality": score["c_v"] * diversity if "c_v" in score else None,
                }
            )
        key = "quality" if self.select_by == "quality" else self.select_by
        # A topic split in two coherent halves scores as well as the whole, so a larger K
        # must beat the best score by more than a tie: the fewest topics within K_TIE win.
        top = max(row[key] for row in curve)
        best = min(i for i in range(len(ks)) if curve[i][key] >= top - K_TIE)
        self._cached_scores = {m: curve[best][m] for m in self.measures}
        return models[best], curve

    def _final_scores(self, texts: TokenStream, corpus: Any) -> dict[str, float]:
        cached = self.__dict__.pop("_cached_scores", None)
        words = self.top_word_lists(max(self.topn, DIVERSITY_TOPN))
        if cached is None:
            cached = (
                coherence_scores(
                    [words], texts, self.dictionary_, measures=self.measures, topn=self.topn, corpus=corpus
                )[0]
                if self.measures
                else {}
            )
        return {**cached, "diversity": topic_diversity(words)}

    def _auto_labels(self, seed_names: list[str]) -> list[str]:
        labels = []
        for topic, words in enumerate(self.top_word_lists(3)):
            label = seed_names[topic] if topic < len(seed_names) else " / ".join(words)
            labels.append(label if label not in labels else f"{label} #{topic}")
        return labels

    # -- results -------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "lda_"):
            raise NotFittedError("this TopicModel is not fitted yet", hint="call fit() or load a saved model")

    def top_word_lists(self, topn: int | None = None) -> list[list[str]]:
        """The top words of every topic, best first."""
        self._check_fitted()
        return _top_word_lists(self.lda_, self.dictionary_, topn or self.topn)

    def top_words(self, topic: int, topn: int | None = None) -> list[tuple[str, float]]:
        """``(word, weight)`` pairs of one topic, best first (weights are P(word | topic))."""
        self._check_fitted()
        self._check_topic(topic)
        return [(w, float(p)) for w, p in self.lda_.show_topic(topic, topn=topn or self.topn)]

    def _check_topic(self, topic: int) -> None:
        if not 0 <= topic < self.num_topics_:
            raise ConfigError(f"no topic {topic}: the topics are numbered 0 to {self.num_topics_ - 1}")

    def rename(self, labels: Mapping[int | str, str]) -> TopicModel:
        """Give topics new labels: ``{3: "Harvest and trade"}`` (keys are topic numbers)."""
        self._check_fitted()
        new = list(self.labels_)
        for key, label in labels.items():
            try:
                topic = int(key)
            except (TypeError, ValueError):
                raise ConfigError(f"topic {key!r} is not a topic number") from None
            self._check_topic(topic)
            label = str(label).strip()
            if not label:
                raise ConfigError(f"the new label of topic {topic} is empty")
            new[topic] = label
        duplicates = sorted({label for label in new if new.count(label) > 1})
        if duplicates:
            raise ConfigError(f"two topics would share the label {duplicates[0]!r}", hint="labels must be unique")
        self.labels_ = new
        return self

    def transform(self, X: Iterable[Article | str]) -> np.ndarray:
        """Topic distributions, one row per text (rows sum to 1).

        The same text always gets the same row: inference restarts from
        ``random_state`` at each call. Texts with no known word get the prior.
        """
        self._check_fitted()
        rows = [theta for theta, _, _ in self._infer_chunks(X)]
        return np.vstack(rows) if rows else np.zeros((0, self.num_topics_))

    def _infer_chunks(
        self, X: Iterable[Article | str], bows: Iterable[list[tuple[int, float]]] | None = None
    ) -> Iterator[tuple[np.ndarray, np.ndarray, list[Article | str]]]:
        """``(topic shares, which texts had no known word, the texts)`` per chunk of ``chunksize``.

        ``bows``: the texts' bags of words in the same order, if already made (the fit's
        bag-of-words file); otherwise each chunk is tokenized here.
        """
        lda = self.lda_
        saved_state = lda.random_state
        lda.random_state = np.random.RandomState(self.random_state if self.random_state is not None else 0)
        try:
            items = iter(X)
            stored = iter(bows) if bows is not None else None
            while chunk := list(islice(items, self.chunksize)):
                if stored is not None:
                    bows_chunk = list(islice(stored, len(chunk)))
                else:
                    bows_chunk = [self.dictionary_.doc2bow(self.tokenizer_.tokenize(_text(i))) for i in chunk]
                gamma, _ = lda.inference(bows_chunk)
                yield gamma / gamma.sum(axis=1, keepdims=True), np.array([not b for b in bows_chunk]), chunk
        finally:
            lda.random_state = saved_state

    def infer(self, X: Iterable[Article | str], digits: int = 4) -> Iterator[dict[str, Any]]:
        """One record per text, lazily and in order: dominant topic and every topic's share.

        Yields ``{"id", "topic", "labels": [dominant label], "scores": {label: share}}``
        (``topic`` is None and ``labels`` empty for a text with no known word);
        the shape of theme predictions, so :func:`textkit.workflows.output.write_records`
        writes them as JSONL or CSV. Plain strings get ids ``"1"``, ``"2"``...
        """
        self._check_fitted()
        number = 0
        for theta, empty, chunk in self._infer_chunks(X):
            for item, row, is_empty in zip(chunk, theta, empty):
                number += 1
                topic = None if is_empty else int(np.argmax(row))
                yield {
                    "id": item.id if isinstance(item, Article) else str(number),
                    "topic": topic,
                    "labels": [self.labels_[topic]] if topic is not None else [],
                    "scores": {label: round(float(p), digits) for label, p in zip(self.labels_, row)},
                }

    def representative(self, X: Iterable[Article | str], n: int = 5) -> list[list[tuple[Article | str, float]]]:
        """The ``n`` texts of ``X`` with the largest share of each topic: ``[[(text, share), ...] per topic]``.

        One pass over ``X``, holding ``n`` texts per topic; best first, ties to the
        earlier text. Texts with no known word are never representative.
        """
        import heapq

        self._check_fitted()
        if n < 1:
            raise ConfigError(f"the number of representative texts must be at least 1, not {n}")
        heaps: list[list[tuple[float, int, Article | str]]] = [[] for _ in range(self.num_topics_)]
        floor = np.full(self.num_topics_, -1.0)  # the smallest kept share of each full heap
        order = 0
        for theta, empty, chunk in self._infer_chunks(X):
            for item, row, is_empty in zip(chunk, theta, empty):
                order += 1
                if is_empty:
                    continue
                for k in np.nonzero(row > floor)[0]:
                    entry = (float(row[k]), -order, item)
                    if len(heaps[k]) < n:
                        heapq.heappush(heaps[k], entry)
                    else:
                        heapq.heapreplace(heaps[k], entry)
                    if len(heaps[k]) == n:
                        floor[k] = heaps[k][0][0]
        return [[(item, share) for share, _, item in sorted(heap, key=lambda e: (-e[0], -e[1]))] for heap in heaps]

    def summarize(self, X: Iterable[Article | str]) -> TopicSummary:
        """Prevalence, monthly trends and the topics × labels table of a corpus (one pass)."""
        self._check_fitted()
        return self._summary(X, None)

    def _summary(self, X: Iterable[Article | str], bows: Iterable[list[tuple[int, float]]] | None) -> TopicSummary:
        k = self.num_topics_
        total = np.zeros(k)
        dominant = np.zeros(k, dtype=int)
        months: dict[str, np.ndarray] = {}
        month_counts: dict[str, int] = {}
        labels: dict[str, np.ndarray] = {}
        label_counts: dict[str, int] = {}
        documents = empty = 0
        with _counting_convergence() as counter:
            for theta, empties, chunk in self._infer_chunks(X, bows):
                for item, row, is_empty in zip(chunk, theta, empties):
                    documents += 1
                    if is_empty:
                        empty += 1
                        continue
                    total += row
                    dominant[int(np.argmax(row))] += 1
                    if isinstance(item, Article):
                        if item.date and _MONTH.match(item.date):
                            month = item.date[:7]
                            months[month] = months.get(month, np.zeros(k)) + row
                            month_counts[month] = month_counts.get(month, 0) + 1
                        for label in item.labels:
                            labels[label] = labels.get(label, np.zeros(k)) + row
                            label_counts[label] = label_counts.get(label, 0) + 1
        used = documents - empty
        return TopicSummary(
            documents=documents,
            empty_documents=empty,
            prevalence=[float(v) for v in (total / used if used else total)],
            dominant_counts=[int(v) for v in dominant],
            months={m: [float(v) for v in months[m] / month_counts[m]] for m in sorted(months)},
            month_counts={m: month_counts[m] for m in sorted(month_counts)},
            labels={lab: [float(v) for v in labels[lab] / label_counts[lab]] for lab in sorted(labels)},
            label_counts={lab: label_counts[lab] for lab in sorted(label_counts)},
            converged=counter.converged / counter.documents if counter.documents else None,
        )

    def coherence(self, X: Iterable[Article | str], measures: Sequence[str] = MEASURES) -> dict[str, float]:
        """Coherence of the fitted topics on ``X`` (tokenized like the training corpus) and diversity."""
        self._check_fitted()
        texts = TokenStream(X, self.tokenizer_)
        scores = coherence_scores([self.top_word_lists()], texts, self.dictionary_, measures=measures, topn=self.topn)[
            0
        ]
        return {**scores, "diversity": topic_diversity(self.top_word_lists(DIVERSITY_TOPN))}

    def topics(self, topn: int | None = None) -> list[dict[str, Any]]:
        """Every topic: ``{"id", "label", "words": [[word, weight], ...], "prevalence"}``."""
        self._check_fitted()
        prevalence = self.summary_.prevalence
        return [
            {
                "id": topic,
                "label": self.labels_[topic],
                "words": [[w, round(p, 5)] for w, p in self.top_words(topic, topn)],
                "prevalence": round(prevalence[topic], 5) if prevalence else None,
            }
            for topic in range(self.num_topics_)
        ]

    def describe(self) -> dict[str, Any]:
        """What the model store writes into the manifest: kind, parameters, topics."""
        self._check_fitted()
        params = self.get_params()
        params["tokenizer"] = self.tokenizer_.get_params()
        params["seeds"] = {k: list(v) for k, v in self.seeds.items()} if self.seeds else None
        params["measures"] = list(self.measures)
        for key in ("alpha", "eta"):
            if isinstance(params[key], np.ndarray):
                params[key] = "array"
        params.update(num_topics_fitted=self.num_topics_, passes_used=self.passes_, vocabulary=len(self.dictionary_))
        return {"kind": TOPICS_KIND, "params": params, "topics": self.topics()}


def _top_word_lists(lda: Any, dictionary: Any, topn: int) -> list[list[str]]:
    topics = lda.get_topics()
    best = np.argsort(-topics, axis=1)[:, :topn]
    return [[dictionary[int(i)] for i in row] for row in best]
