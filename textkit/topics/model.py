"""The topic model: LDA over gensim, K chosen by coherence, topics named, inferred and summarised.

:class:`TopicModel` is a scikit-learn estimator over gensim: a
:class:`~gensim.corpora.Dictionary` filtered with ``filter_extremes``, a **streamed**
bag-of-words corpus (:mod:`textkit.topics.corpus`, tokenized once, kept on disk in a
temporary folder under ``$TMPDIR`` removed after the fit), and
:class:`~gensim.models.LdaModel` / :class:`~gensim.models.LdaMulticore`, reached through
:mod:`textkit.topics._gensim` wherever gensim's internals are involved.
The topics are sampled by tomotopy's collapsed Gibbs sampler on (a random sample of) that
corpus, whose topic-word counts become the gensim model's; online LDA brings in the
articles beyond the sample. (``init="nmf"`` starts online LDA from scikit-learn's NMF of
the tf-idf instead: faster, less coherent; see ``TopicModel(init=...)``.)
Topics are scored with coherence (``c_v``, ``c_npmi``, ``u_mass``, on a sample of the
articles) and topic diversity (:mod:`textkit.topics.quality`); ``num_topics="auto"``
tries a range of K with quick fits on a sample and fits the best in full, with the whole
curve in ``k_scores_``. Each topic's words are shown by relevance (distinctive words
first, :mod:`textkit.topics.ranking`) and its most representative articles are kept
(:meth:`TopicModel.representative_docs`). :meth:`TopicModel.update` goes on training on
new articles with the topic ids kept.

Reproducibility: with ``workers=1`` the model is fitted by one process (one sampler
thread, ``LdaModel``) and ``random_state`` makes two fits identical. With more workers
the sampler's threads share the words out, and ``LdaMulticore``'s chunks go to whichever
worker process is free, so the topics can change slightly from run to run even with the
same ``random_state``.

:mod:`textkit.workflows.topics` fits and saves, loads, relabels and updates saved models.
"""

from __future__ import annotations

import copy
import math
import os
import sys
import tempfile
import time
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions

from textkit import progress
from textkit.errors import ConfigError, NotFittedError, TrainingError
from textkit.messages import note, warn
from textkit.params import validate_params
from textkit.reading.articles import Article
from textkit.records import TopicRecord
from textkit.text.tokenize import Tokenizer
from textkit.topics import _gensim
from textkit.topics.corpus import Reservoir, TokenStream, _BowFile, _Counting, check_corpus, text_of, topic_tokenizer
from textkit.topics.quality import (
    DIVERSITY_TOPN,
    KNOWN_MEASURES,
    MEASURES,
    SELECT_BY,
    choose_k,
    coherence_scores,
    edge_warning,
    topic_diversity,
)
from textkit.topics.ranking import RANKINGS, top_word_ids, word_scores
from textkit.topics.summary import TopicSummary, UpdateReport, headline, merge_summaries, summarize_chunks

TOPICS_KIND = "topics"
INITS = ("gibbs", "nmf", "random")
TERM_WEIGHTS = ("one", "idf", "pmi")  # tomotopy's TermWeight: how much each word occurrence counts in the sampler
DEFAULT_NO_BELOW = 5
DEFAULT_PASSES = 3
MIN_UPDATES = 15  # online LDA needs a dozen or more updates to settle; passes are raised to reach them
START_SAMPLE = 20_000  # articles the Gibbs or NMF start is fitted on: its memory stays bounded on any corpus
NMF_ITERATIONS = 50
GIBBS_PROGRESS_EVERY = 10  # Gibbs sweeps between two progress reports
# The Gibbs sampler's topic-word prior unless eta is a number: Griffiths & Steyvers' 0.1. On 20
# Newsgroups (K = 20, 500 sweeps, plain counts, mean of three seeds; experiments/bench_topics_levers.py)
# c_v was 0.747 with tomotopy's 0.01, 0.758 with 0.05, 0.763 with 0.1 and 0.745 with 0.2.
GIBBS_ETA = 0.1
COHERENCE_SAMPLE = 3000  # articles whose tokens are kept from the one tokenizing pass to score coherence on
AUTO_K_UPDATES = 10  # online updates of each quick fit of num_topics="auto" (gensim warns below 10)
# The quick fits of num_topics="auto" together read this share of the articles one fit reads
# (its passes included): the search's budget, fixed before any K is tried.
AUTO_K_SHARE = 0.4
AUTO_K_MIN_SAMPLE = 1000  # articles each quick fit reads at least (all of them if fewer)
POORLY_EXPLAINED_PERCENTILE = 5  # a new article explained worse than this share of the training ones is flagged
# ... by more than this (nats per word, 10% more perplexity): the training articles were fitted,
# new ones of the same subjects score slightly lower (0.01-0.02 nats on a constructed corpus).
LOGLIK_MARGIN = 0.1
REPORTED = 10  # words and articles listed in an update report
# How topics' words are ordered for display and automatic labels when no ranking is asked for
# (TopicModel.default_rank; see textkit.topics.ranking): relevance for topics of plain counts,
# probability for topics sampled from weighted words, whose weights already put the distinctive
# words first. Measured with coherence on scikit-learn's CountVectorizer tokens and the share of
# the corpus's 100 most frequent words among the top 10 (experiments/bench_topic_words.py, 3 seeds):
# - online LDA from the NMF start: relevance gave c_v 0.678 vs 0.599 (BBC, K=5) and 0.690 vs 0.673
#   (20 Newsgroups, K=20), NPMI 0.068 vs 0.054 and 0.083 vs 0.092, common words 0.53 vs 0.86 and
#   0.28 vs 0.44;
# - the Gibbs start with IDF weights: probability gave c_v 0.664 vs 0.622 and 0.766 vs 0.748, NPMI
#   0.049 vs -0.012 and 0.119 vs 0.094 (common words 0.63 and 0.24, relevance 0.40 and 0.11).
# FREX removes the most common words but lowers NPMI: its exclusive words are often rare ones.
PLAIN_RANK = "relevance"
WEIGHTED_RANK = "probability"


class TopicModel(TransformerMixin, BaseEstimator):
    """LDA topics of a corpus of articles (or plain strings), over gensim.

    Parameters
    ----------
    num_topics : int or "auto", default "auto"
        K, or ``"auto"``: fit every K of ``range(k_min, k_max + 1, k_step)`` and keep
        the one :func:`~textkit.topics.quality.k_rule` describes, with the whole
        curve in ``k_scores_``. ``"auto"`` is the default (of the library and the
        CLI alike) because the number of topics is what a user exploring a corpus
        does not know yet: a fixed guess silently shapes every topic, while the
        curve shows how K was chosen. The search has a fixed budget: each K tried gets
        a quick fit (one process, 10 online updates) on one random sample of the
        articles, all of them together reading 0.4 times the articles one fit reads
        (at least 1,000 articles each; a note says what they read), scored on the
        coherence sample by ``select_by``; then the chosen K is fitted in full, exactly as
        ``num_topics=K`` would be. ``k_scores_`` is the curve of the quick fits, and a
        :class:`~textkit.messages.TextkitWarning` says when the best K is at the edge of
        the range.
    k_min, k_max, k_step : int
        The range of K tried by ``"auto"`` (``2 <= k_min <= k_max``).
    select_by : {"c_v", "c_npmi", "u_mass", "quality"}
        How ``"auto"`` picks K: the highest mean coherence, or ``"quality"``,
        ``c_v`` × topic diversity (the "topic quality" of Dieng et al. 2020 with
        ``c_v``), which leans to fewer, broader topics. Scores within
        :data:`~textkit.topics.quality.K_TIE` (0.01) of the best count as a tie,
        won by the fewest topics: from the NMF start, surplus topics split a real
        one into halves that are just as coherent.
    tokenizer : Tokenizer, optional
        Default :func:`~textkit.topics.corpus.topic_tokenizer` (lowercase, English +
        news stop words, no numbers, no tokens shorter than 3 characters or mixing
        letters and digits).
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
    keep_n : int or None
        Keep at most this many words (the most frequent; ``None``: no cap). A fixed cap keeps the
        model's size (K × vocabulary) flat however large the corpus grows. 10,000
        words cover the substance of a news corpus; rarer words are names and typos
        that rarely reach a topic's top words but blur the topics: on 20 Newsgroups,
        going from its 15,000 words (seen in 5+ posts) to 10,000 raised NPMI by
        0.03–0.05 in each of three seeds (one process, 5 passes).
    alpha : "symmetric", "asymmetric", "auto", float or array
        Document-topic prior (gensim). ``"auto"`` learns it, which only the
        single-process ``LdaModel`` can: it needs ``workers=1`` (or the default).
        The Gibbs sampler takes a float as its fixed prior; otherwise it starts from
        0.1 and learns an asymmetric prior as it samples (tomotopy's default).
    eta : None, "symmetric", "auto", float or array
        Topic-word prior (gensim). With ``seeds``, a float or None only. The Gibbs
        sampler takes a float as given, 0.1 otherwise (Griffiths & Steyvers' value;
        tomotopy's 0.01 gave less coherent topics on 20 Newsgroups).
    init : {"gibbs", "nmf", "random"}
        How the topics are found. ``"gibbs"``: tomotopy's collapsed Gibbs sampler
        (``sweeps`` sweeps) on the articles, or a random sample of 20,000 of them on a
        larger corpus, then online LDA over all of them from its topics
        (``passes``). ``"nmf"``: online LDA from scikit-learn's NMF of the tf-idf (50
        iterations on at most 20,000 articles, about a second). ``"random"``: online LDA
        from gensim's own near-uniform random start. On 20 Newsgroups (K = 20, three
        seeds, ``experiments/bench_topics.py``) Gibbs sampling gave c_v 0.784–0.820
        where the NMF start gave 0.696–0.720 and the random start 0.708 (one seed), with
        the fewest generic topics, in 25–28 s against 22 s for the NMF start's three
        passes. On BBC News (three seeds, ``experiments/bench_topics_levers.py``) it
        gave c_v 0.695 against 0.664 at K = 10 and 0.696 against 0.709 at K = 20. A
        sampler can stay in a poor arrangement: on constructed corpora of perfectly
        separate vocabularies it merged two of four for one seed in six, which the
        deterministic NMF start does not.
    passes : int or None
        Online passes over the whole corpus. ``None``: from the Gibbs start, one pass
        when the corpus is larger than the sampler's sample and none otherwise (from
        its topics more passes changed nothing on 20 Newsgroups); from the NMF or
        random start, 3, or more on a small corpus so that training makes at least 15
        online updates (one per ``chunksize`` articles). From the NMF start, 2, 3 and
        5 passes gave the same coherence on 20 Newsgroups (11k posts, 6 updates a
        pass); ``summary_.converged`` shows how many articles converged.
    term_weight : {"idf", "pmi", "one"}
        How much each occurrence of a word counts in the Gibbs sampler (tomotopy's
        ``TermWeight``): ``"idf"`` by the word's inverse document frequency, so words
        common everywhere weigh little in the topics; ``"pmi"`` by how much more
        frequent the word is in its article than in the corpus; ``"one"``: plain counts.
        Mean c_v of three seeds (``experiments/bench_topics_levers.py``) on 20 Newsgroups
        (K = 20), BBC News (K = 10) and BBC News (K = 20): ``"idf"`` 0.804, 0.695, 0.696;
        ``"pmi"`` 0.741, 0.722, 0.661; ``"one"`` 0.763, 0.632, 0.671; the NMF start 0.713,
        0.664, 0.709.
    sweeps : int
        Gibbs sampling sweeps over the sample (``init="gibbs"``). On 20 Newsgroups
        (K = 20, plain counts, mean of three seeds, ``experiments/bench_topics_levers.py``),
        300, 500 and 1,000 sweeps gave c_v 0.759, 0.763 and 0.766 in 16, 21 and 32
        seconds, tokenizing included (2 cores).
    iterations : int
        Inference iterations per document and update; ``summary_.converged`` shows
        whether they were enough.
    chunksize : int
        Articles per online update (and per chunk in memory).
    workers : int or None
        Sampler threads (``init="gibbs"``) and processes: 1 fits with ``LdaModel`` (reproducible); more use
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
        ``{topic name: [seed words]}`` (see :func:`~textkit.topics.seeds.load_seeds`). Topic ``i`` is
        seeded with the ``i``-th entry through gensim's ``eta`` prior and labelled
        with its name; the other topics stay free.
    seed_strength : float
        Prior weight of a seed word in its topic, as a multiple of the word's count
        in the corpus (1.0: as strong as all its occurrences).
    topn : int
        Top words per topic used for labels and coherence.
    measures : list or tuple of str
        Coherence measures of the fitted topics (their 10 most probable words), stored in
        ``scores_``; empty to skip them. They are computed on a uniform random sample of
        3,000 articles whose tokens the one tokenizing pass keeps in memory, so scoring
        reads no text again. ``c_v`` depends on the size of its reference: on a larger
        corpus it reads lower than over all articles (20 Newsgroups, K = 10: 0.593 on the
        sample, 0.672 over the 11,314 posts), so compare scores of one corpus, not across.

    Every parameter is checked against ``_parameter_constraints`` (and the ones that
    depend on each other together) at the start of :meth:`fit`, before any text is
    read; :meth:`check_params` runs the same checks alone.

    As a scikit-learn estimator it reads texts (tags ``input_tags.string``, not
    ``two_d_array``), so ``check_estimator`` skips its numeric-data checks; the
    checks that need no data, and text versions of the data checks, run in
    ``tests/test_topics_sklearn.py``.
    """

    # One table of what each parameter may be (scikit-learn's format), checked by fit();
    # the checks that involve two parameters are in check_params.
    _parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "num_topics": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "k_min": [Interval(Integral, 2, None, closed="left")],
        "k_max": [Interval(Integral, 2, None, closed="left")],
        "k_step": [Interval(Integral, 1, None, closed="left")],
        "select_by": [StrOptions(set(SELECT_BY))],
        "tokenizer": [HasMethods(["tokenize", "learn_phrases"]), None],
        "phrases": ["boolean"],
        "no_below": [Interval(Integral, 1, None, closed="left"), None],
        "no_above": [Interval(Real, 0, 1, closed="right")],
        "keep_n": [Interval(Integral, 1, None, closed="left"), None],
        "alpha": [
            StrOptions({"symmetric", "asymmetric", "auto"}),
            Interval(Real, 0, None, closed="neither"),
            "array-like",
        ],
        "eta": [StrOptions({"symmetric", "auto"}), Interval(Real, 0, None, closed="neither"), "array-like", None],
        "init": [StrOptions(set(INITS))],
        "passes": [Interval(Integral, 1, None, closed="left"), None],
        "sweeps": [Interval(Integral, 1, None, closed="left")],
        "term_weight": [StrOptions(set(TERM_WEIGHTS))],
        "iterations": [Interval(Integral, 1, None, closed="left")],
        "chunksize": [Interval(Integral, 1, None, closed="left")],
        "workers": [Interval(Integral, 1, None, closed="left"), None],
        "random_state": [Interval(Integral, 0, 2**32 - 1, closed="both"), None],
        "seeds": [Mapping, None],
        "seed_strength": [Interval(Real, 0, None, closed="neither")],
        "topn": [Interval(Integral, 1, None, closed="left")],
        "measures": [list, tuple],
    }

    def __init__(
        self,
        num_topics: int | str = "auto",
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
        init: str = "gibbs",
        passes: int | None = None,
        sweeps: int = 500,
        term_weight: str = "idf",
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
        self.sweeps = sweeps
        self.term_weight = term_weight
        self.iterations = iterations
        self.chunksize = chunksize
        self.workers = workers
        self.random_state = random_state
        self.seeds = seeds
        self.seed_strength = seed_strength
        self.topn = topn
        self.measures = measures

    # -- parameters ----------------------------------------------------------------------
    def check_params(self) -> TopicModel:
        """Check the parameters, each against ``_parameter_constraints`` and together; read no data.

        :meth:`fit` runs these checks first; calling them alone lets a caller (the CLI)
        refuse bad options before it opens any file.

        Raises
        ------
        ConfigError
            The first parameter at fault; ``error.param`` names it.
        """
        validate_params(self)
        if self.k_min > self.k_max:
            raise ConfigError(
                f"the largest K tried ({self.k_max}) is below the smallest ({self.k_min})",
                hint="raise the largest K or lower the smallest",
                param="k_max",
            )
        unknown = sorted(set(self.measures) - set(KNOWN_MEASURES))
        if unknown:
            raise ConfigError(
                f"unknown coherence measure(s): {', '.join(map(str, unknown))}",
                hint=f"use {', '.join(KNOWN_MEASURES)}",
                param="measures",
            )
        if self.num_topics == "auto" and self.select_by != "quality" and self.select_by not in self.measures:
            raise ConfigError(
                f"select_by={self.select_by!r} needs {self.select_by!r} among the measures", param="select_by"
            )
        if isinstance(self.alpha, str) and self.alpha == "auto" and self.workers is not None and self.workers > 1:
            raise ConfigError(
                "alpha='auto' is learned by the single-process LdaModel only", hint="use workers=1", param="alpha"
            )
        if self.seeds:
            most = max(self._candidate_ks())
            if len(self.seeds) > most:
                raise ConfigError(
                    f"the seeds name {len(self.seeds)} topics ({', '.join(self.seeds)}) but the model has only {most}",
                    hint="ask for more topics or seed fewer",
                    param="seeds",
                )
            if self.eta is not None and not isinstance(self.eta, Real):
                raise ConfigError(f"seeded topics need eta to be None or a number, not {self.eta!r}", param="eta")
        return self

    def _candidate_ks(self) -> list[int]:
        """The K to fit: ``num_topics``, or the range tried by ``"auto"``."""
        if self.num_topics == "auto":
            return list(range(self.k_min, self.k_max + 1, self.k_step))
        return [int(self.num_topics)]

    # -- fitting -------------------------------------------------------------------------
    def fit(self, X: Iterable[Article | str], y: Any = None) -> TopicModel:
        """Fit the topics of ``X`` (articles or strings; re-iterable: it is read several times).

        Raises
        ------
        ConfigError
            Parameters out of range or at odds with each other (checked before ``X``
            is read; ``error.param`` names the parameter), K larger than the number of
            articles, seed words that are not in the corpus.
        InputError
            ``X`` is one text, a one-shot iterator, or holds something else than texts.
        TrainingError
            No articles, no words left after tokenizing or filtering.
        """
        from gensim.corpora import Dictionary

        self.check_params()
        ks = self._candidate_ks()
        check_corpus(X)
        started = time.perf_counter()
        self.notes_: list[str] = []
        self.tokenizer_ = copy.deepcopy(self.tokenizer) if self.tokenizer is not None else topic_tokenizer()
        if self.phrases:
            self.tokenizer_.learn_phrases(text_of(item) for item in X)
        with tempfile.TemporaryDirectory(prefix="textkit-topics-") as folder:
            # The one tokenizing pass: it counts the words and writes each article's bag of
            # words (ids of the unfiltered vocabulary) to disk, one article at a time.
            # It also keeps the tokens of a random sample of articles in memory: the
            # reference every coherence measure is scored on, with no further pass.
            dictionary = Dictionary()
            sample = Reservoir(COHERENCE_SAMPLE, self.random_state)
            bows = _BowFile.write(
                os.path.join(folder, "bows.bin"),
                (dictionary.doc2bow(t, allow_update=True) for t in sample.keep(TokenStream(X, self.tokenizer_))),
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
            seed_tokens = self._seed_tokens()
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
            start = self._start_counts(corpus.subset(START_SAMPLE).in_file_order()) if self.init != "random" else None
            # The passes of an online fit from the NMF (or random) start; automatic K's budget is counted in them.
            online_passes = self.passes or max(
                DEFAULT_PASSES, math.ceil(MIN_UPDATES / math.ceil(n_docs / self.chunksize))
            )
            # From the Gibbs start, online passes only bring in the articles beyond its sample: one
            # by default (from a good start, more passes changed nothing on 20 Newsgroups).
            self.passes_ = online_passes if self.init != "gibbs" else self.passes or (1 if n_docs > START_SAMPLE else 0)
            texts = sample.items
            if len(ks) > 1:
                k, self.k_scores_ = self._choose_k(ks, bows.view(renumber, order), texts, seed_tokens, online_passes)
            else:
                k, self.k_scores_ = ks[0], []
            self.lda_ = self._fit_lda(corpus, k, seed_tokens, start)
            self.num_topics_ = self.lda_.num_topics
            self.labels_ = self._auto_labels(list(seed_tokens))
            self.scores_ = self._final_scores(texts)
            self.summary_ = self._summary(X, bows.view(renumber))  # in input order
            # How well the model explains its own articles: the bar new articles are held to by update().
            known = [b for b in (self.dictionary_.doc2bow(t) for t in texts) if b]
            self.loglik_floor_ = (
                float(np.percentile(self._loglik(known), POORLY_EXPLAINED_PERCENTILE)) if known else None
            )
            self.history_: list[dict[str, Any]] = []
        if self.summary_.converged is not None and self.summary_.converged < 0.9:
            self._note(
                f"only {self.summary_.converged:.0%} of the articles converged within {self.iterations} "
                "iterations; raise iterations for steadier topics"
            )
        self.fit_seconds_ = time.perf_counter() - started
        return self

    def _loglik(self, bows: list[list[tuple[int, int]]]) -> np.ndarray:
        """Log-likelihood per word of each (non-empty) bag of words under the model: how well it is explained."""
        phi = self.lda_.get_topics()
        with _gensim.seeded_inference(self.lda_, self.random_state) as infer:
            theta = infer(bows)
        result = np.empty(len(bows))
        for n, (bow, shares) in enumerate(zip(bows, theta)):
            ids = np.fromiter((i for i, _ in bow), dtype=np.int64, count=len(bow))
            counts = np.fromiter((c for _, c in bow), dtype=float, count=len(bow))
            result[n] = counts @ np.log(shares @ phi[:, ids]) / counts.sum()
        return result

    # -- updating ------------------------------------------------------------------------
    def update(self, X: Iterable[Article | str], *, new_topics: int = 0, passes: int | None = None) -> UpdateReport:
        """Go on training on new articles: the topics keep their ids; returns what changed.

        Online LDA (gensim ``LdaModel.update``) carries on from where the fit stopped: its
        learning rate goes on decreasing, so the new articles move the topics as much as
        any later chunk of a longer corpus would, and topic ``i`` stays topic ``i``.

        The vocabulary **grows**: a word the model did not know is added when it is in
        at least ``no_below`` (default 5) of the new articles and in at most ``no_above``
        of them; the old topics start with none of its weight (only the prior) and the
        training gives it to the topics it co-occurs with. Rarer unknown words are
        dropped; the report counts them.

        Parameters
        ----------
        X : re-iterable of Article or str
            The new articles (read twice: once to count, once per pass).
        new_topics : int
            Topics to add, started from an NMF of the new articles the model explains
            worst (see :class:`~textkit.topics.summary.UpdateReport`), for a subject the
            old topics do not cover; their ids follow the old ones.
        passes : int, optional
            Passes over the new articles (default: the fit's online passes, at least one).

        Returns
        -------
        UpdateReport
            Unknown words, words added, topics added, each topic's share before and after,
            and the new articles the model explained poorly before the update.
        """
        from collections import Counter

        self._check_fitted()
        if not isinstance(new_topics, Integral) or new_topics < 0:
            raise ConfigError(f"new_topics must be 0 or more, not {new_topics!r}", param="new_topics")
        if passes is not None and (not isinstance(passes, Integral) or passes < 1):
            raise ConfigError(f"passes must be 1 or more, not {passes!r}", param="passes")
        if isinstance(self.eta, np.ndarray) or (self.eta is not None and not isinstance(self.eta, (str, Real))):
            raise ConfigError("a model fitted with an eta array cannot be updated: its shape is fixed", param="eta")
        check_corpus(X)
        old = self.dictionary_
        old_size, old_cfs = len(old), dict(old.cfs)
        with tempfile.TemporaryDirectory(prefix="textkit-topics-") as folder:
            grown = copy.deepcopy(old)
            docs_before, tokens_before = grown.num_docs, grown.num_pos
            bows = _BowFile.write(
                os.path.join(folder, "bows.bin"),
                (grown.doc2bow(t, allow_update=True) for t in TokenStream(X, self.tokenizer_)),
            )
            n_docs = grown.num_docs - docs_before
            if n_docs == 0:
                raise TrainingError("no new articles to update the topics with")
            tokens = grown.num_pos - tokens_before
            known = sum(grown.cfs.get(i, 0) - old_cfs.get(i, 0) for i in range(old_size))
            unknown_words = Counter({grown[i]: grown.cfs[i] for i in range(old_size, len(grown))})
            no_below = self.no_below or DEFAULT_NO_BELOW
            # "Too common" is measured against every article the model has seen, as the fit did.
            added = [
                i for i in range(old_size, len(grown)) if no_below <= grown.dfs[i] <= self.no_above * grown.num_docs
            ]
            before_ids = dict(grown.token2id)
            names = {i: token for token, i in before_ids.items()}
            grown.filter_tokens(bad_ids=sorted(set(range(old_size, len(grown))) - set(added)))
            renumber = np.full(len(before_ids), -1, dtype=np.int64)
            for token, new in grown.token2id.items():
                renumber[before_ids[token]] = new
            in_order = bows.view(renumber)
            # Before training: how well the old model explains each new article.
            to_old = np.where(renumber < old_size, renumber, -1)
            everything = bows.view(np.arange(len(before_ids)))
            worst, flagged, flagged_words = self._poorly_explained(X, bows.view(to_old), everything, names)
            counts = _gensim.topic_word_counts(self.lda_)
            counts = np.pad(counts, ((0, 0), (0, len(grown) - old_size)))
            if new_topics:
                picked = np.array(flagged) if len(flagged) >= new_topics else np.arange(n_docs)
                start = self._nmf_topics(self._start_counts_of(in_order, picked, len(grown)), new_topics, {})
                counts = np.vstack([counts, start / start.sum(axis=1, keepdims=True) * counts.sum(axis=1).mean()])
            k_old, k_new = self.num_topics_, counts.shape[0]
            prevalence_before = list(self.summary_.prevalence) + [0.0] * new_topics
            self.dictionary_ = grown
            seed_tokens = self._seed_tokens()
            workers = self.workers or ((os.cpu_count() or 1) if n_docs > self.chunksize else 1)
            self.lda_ = _gensim.continued(
                self.lda_,
                grown,
                counts,
                workers=workers,
                alpha=self._alpha_for(k_new),
                eta=self._eta(k_new, seed_tokens),
            )
            order = np.random.RandomState(self.random_state).permutation(n_docs)
            corpus = bows.view(renumber, order)
            for _ in range(passes or self.passes_ or 1):
                with progress.task(f"updating K={k_new}", len(corpus), "articles") as step:
                    self.lda_.update(_Counting(corpus, step), passes=1)
            self.num_topics_ = k_new
            self.labels_ = self.labels_ + self._auto_labels([])[k_old:]
            fresh = self._summary(X, in_order)
        self.summary_ = merge_summaries(self.summary_, fresh)
        report = UpdateReport(
            documents=n_docs,
            tokens=int(tokens),
            unknown_tokens=int(tokens - known),
            words_added=[grown[i] for i in range(old_size, len(grown))],
            unknown_words=[[w, c] for w, c in unknown_words.most_common(REPORTED)],
            new_topics=list(range(k_old, k_new)),
            prevalence_before=prevalence_before,
            prevalence_after=list(fresh.prevalence),
            poorly_explained=len(flagged),
            poorly_explained_articles=worst,
            poorly_explained_words=[[w, c] for w, c in flagged_words.most_common(REPORTED)],
        )
        self.history_ = [
            *getattr(self, "history_", []),
            {
                "articles": n_docs,
                "words_added": len(report.words_added),
                "unknown_tokens": report.unknown_tokens,
                "new_topics": report.new_topics,
                "poorly_explained": report.poorly_explained,
            },
        ]
        return report

    def _alpha_for(self, num_topics: int) -> Any:
        """The document-topic prior for ``num_topics`` topics: the model's, extended to added topics by their mean."""
        if isinstance(self.alpha, str) and self.alpha != "auto":
            return self.alpha
        alpha = _gensim.learned_alpha(self.lda_)
        return np.concatenate([alpha, np.full(num_topics - len(alpha), alpha.mean())])

    def _start_counts_of(self, bows: Any, picked: np.ndarray, num_terms: int) -> Any:
        """Articles × words counts (CSR) of the articles numbered ``picked`` in ``bows``."""
        from gensim.matutils import corpus2csc

        wanted = set(picked.tolist())
        chosen = [bow for n, bow in enumerate(bows) if n in wanted]
        return corpus2csc(chosen, num_terms=num_terms, num_docs=len(chosen), dtype=np.float64).T.tocsr()

    def _poorly_explained(
        self, X: Iterable[Article | str], known_bows: Any, all_bows: Any, names: Any
    ) -> tuple[list[dict[str, Any]], list[int], Any]:
        """The new articles the model explains worse than 95% of its training articles (by a margin), or mostly unknown.

        ``known_bows``: their words in the model's vocabulary; ``all_bows``: all their
        words (ids of ``names``). Returns the worst ones (for the report), the numbers of all
        flagged articles, and the word counts of the flagged articles.
        """
        from collections import Counter

        floor = getattr(self, "loglik_floor_", None)
        rows: list[tuple[float, float, int, Article | str]] = []
        words: Counter[str] = Counter()
        flagged: list[int] = []
        triples = zip(X, known_bows, all_bows)
        number = 0
        while chunk := list(islice(triples, self.chunksize)):
            nonempty = [bow for _, bow, _ in chunk if bow]
            logliks = iter(self._loglik(nonempty)) if nonempty else iter(())
            for item, bow, full in chunk:
                known, total = sum(c for _, c in bow), sum(c for _, c in full) or 1
                loglik = next(logliks) if bow else -np.inf
                unknown = 1 - known / total
                if (floor is not None and loglik < floor - LOGLIK_MARGIN) or unknown > 0.5:
                    flagged.append(number)
                    words.update({names[i]: c for i, c in full})
                    rows.append((loglik, unknown, number, item))
                number += 1
        rows.sort(key=lambda r: r[0])
        worst = [
            {
                "id": item.id if isinstance(item, Article) else str(n + 1),
                "headline": headline(item),
                "loglik": round(float(ll), 3) if np.isfinite(ll) else None,  # None: no known word
                "unknown": round(u, 3),
            }
            for ll, u, n, item in rows[:REPORTED]
        ]
        return worst, flagged, words

    def _note(self, message: str) -> None:
        self.notes_.append(message)
        note(message, stacklevel=3)

    def _seed_tokens(self) -> dict[str, list[str]]:
        """Seed words as this tokenizer sees them (not yet checked against the vocabulary)."""
        if not self.seeds:
            return {}
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
        best: tuple[int, float, Any] | None = None
        for no_below, no_above in attempts:
            trial = copy.deepcopy(dictionary)
            trial.filter_extremes(no_below=no_below, no_above=no_above, keep_n=self.keep_n, keep_tokens=keep)
            if best is None or len(trial) > len(best[2]):
                best = (no_below, no_above, trial)
            if len(trial) >= wanted:
                break
        assert best is not None  # attempts is not empty
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
        base = float(self.eta) if self.eta is not None else 1.0 / num_topics
        eta = np.full((num_topics, len(self.dictionary_)), base)
        for topic, tokens in enumerate(seed_tokens.values()):
            for token in tokens:
                word = self.dictionary_.token2id[token]
                eta[topic, word] = max(base, self.seed_strength * self.dictionary_.cfs.get(word, 1))
        return eta

    def _fit_lda(
        self,
        corpus: Any,
        num_topics: int,
        seed_tokens: dict[str, list[str]],
        start: Any,
        *,
        init: str | None = None,
        passes: int | None = None,
        chunksize: int | None = None,
        workers: int | None = None,
    ) -> Any:
        """LDA with ``num_topics`` topics trained on ``corpus`` from ``start`` (the start sample's counts).

        ``init``, ``passes``, ``chunksize``, ``workers``: the model's unless given. From the
        Gibbs start, the online passes (if any) continue from the sampler's topics as if its
        sample had been read once, so the first chunk refines the topics instead of replacing them.
        """
        init = init or self.init
        passes = self.passes_ if passes is None else passes
        chunksize = chunksize or self.chunksize
        workers = workers or self.workers
        if workers is None:
            workers = (os.cpu_count() or 1) if len(corpus) > chunksize else 1
        eta = self._eta(num_topics, seed_tokens)
        lda = _gensim.new_lda(
            self.dictionary_,
            num_topics,
            workers=workers,
            chunksize=chunksize,
            passes=max(passes, 1),
            iterations=self.iterations,
            alpha=self.alpha,
            eta=eta,
            random_state=self.random_state,
        )
        if init == "gibbs":
            topics = self._gibbs_topics(start, num_topics, seed_tokens)
            _gensim.set_clock(lda, start.shape[0])
        else:
            topics = (
                self._nmf_topics(start, num_topics, seed_tokens) if init == "nmf" else _gensim.topic_word_counts(lda)
            )
            if seed_tokens:
                # The prior alone cannot move a topic that its start put elsewhere: the seeded
                # topics also start from their seed words' prior weight.
                seeded = len(seed_tokens)
                topics[:seeded] += eta[:seeded] - eta[:seeded].min(axis=1, keepdims=True)
        _gensim.set_topic_word_counts(lda, topics)
        if passes:
            with progress.task(f"fitting K={num_topics}", passes * len(corpus), "articles") as step:
                lda.update(_Counting(corpus, step))
        return lda

    def _start_counts(self, sample: Any) -> Any:
        """Articles × words count matrix (scipy CSR) of ``sample``, for the NMF start."""
        from gensim.matutils import corpus2csc

        return corpus2csc(sample, num_terms=len(self.dictionary_), num_docs=len(sample), dtype=np.float64).T.tocsr()

    def _gibbs_topics(self, counts: Any, num_topics: int, seed_tokens: dict[str, list[str]]) -> np.ndarray:
        """Topic-word counts (K × words) from tomotopy's collapsed Gibbs sampler on ``counts`` (articles × words).

        The sampler keeps every word of its sample in memory (the sample is bounded by
        :data:`START_SAMPLE`) and makes ``sweeps`` passes; its counts become the gensim
        model's, which infers, updates and is saved as any other. Priors: ``alpha`` 0.1,
        learned as it samples (tomotopy's default), unless ``alpha`` is a number;
        ``eta`` :data:`GIBBS_ETA` unless a number. A seed word's prior in its topic is
        the one :meth:`_eta` gives online LDA.
        """
        import tomotopy

        alpha = float(self.alpha) if isinstance(self.alpha, Real) else 0.1
        base = float(self.eta) if isinstance(self.eta, Real) else GIBBS_ETA
        sampler = tomotopy.LDAModel(
            tw=getattr(tomotopy.TermWeight, self.term_weight.upper()),
            k=num_topics,
            alpha=alpha,
            eta=base,
            seed=self.random_state if self.random_state is not None else np.random.randint(2**31),
        )
        if isinstance(self.alpha, Real):
            sampler.optim_interval = 0  # a given alpha stays as given
        # Words go in by their ids: no string lookups, and no two words can collide.
        indptr, indices, data = counts.indptr, counts.indices, counts.data.astype(np.int64)
        for row in range(counts.shape[0]):
            span = slice(indptr[row], indptr[row + 1])
            if span.start < span.stop:
                sampler.add_doc(np.repeat(indices[span], data[span]).astype(str).tolist())
        if seed_tokens:
            eta = self._eta(num_topics, seed_tokens)
            seeded = {self.dictionary_.token2id[t] for tokens in seed_tokens.values() for t in tokens}
            for word in sorted(seeded):
                prior = eta[:, word].copy()
                prior[prior == prior.min()] = base  # the topics it does not seed keep the sampler's prior
                sampler.set_word_prior(str(word), prior.tolist())
        workers = self.workers or os.cpu_count() or 1
        with progress.task(f"sampling K={num_topics}", self.sweeps, "sweeps") as step, warnings.catch_warnings():
            # "The training result may differ even with fixed seed if workers != 1": as with
            # LdaMulticore, and said in the module notes.
            warnings.simplefilter("ignore", RuntimeWarning)
            sampler.train(
                self.sweeps,
                workers=workers,
                callback_interval=GIBBS_PROGRESS_EVERY,
                callback=lambda _model, done, _total: step.update(done),
            )
        topics = np.zeros((num_topics, len(self.dictionary_)))
        ids = np.array([int(w) for w in sampler.used_vocabs], dtype=np.int64)
        for topic in range(num_topics):
            topics[topic, ids] = sampler.get_topic_word_dist(topic, normalize=False)
        # The priors make each seeded topic form around its words, but not always at its own index
        # (term weights rescale the counts the priors compete with): it is put there.
        topics = self._seeded_first(topics, seed_tokens)
        # Weighted counts (term_weight) scaled back to the sample's words, the weight online LDA gives them.
        return topics / max(topics.sum(), np.finfo(float).tiny) * counts.sum()

    def _nmf_topics(self, counts: Any, num_topics: int, seed_tokens: dict[str, list[str]]) -> np.ndarray:
        """Starting topic-word counts from scikit-learn's NMF of the tf-idf of ``counts`` (articles × words).

        Online LDA from gensim's near-uniform random start settles in whichever local
        optimum its first chunks lead to; NMF finds distinct, coherent word groups in a
        second. Each NMF component becomes one topic's counts, scaled to the corpus
        size; a seeded topic takes the component that weighs its seed words most.
        """
        from sklearn.decomposition import NMF
        from sklearn.feature_extraction.text import TfidfTransformer
        from threadpoolctl import threadpool_limits

        tfidf = TfidfTransformer(sublinear_tf=True).fit_transform(counts)
        # nndsvda (deterministic SVD-based start) needs K <= min(articles, words).
        init = "nndsvda" if num_topics <= min(tfidf.shape) else "random"
        # One BLAS thread: NMF's dense blocks (K x words) are too small for threads to gain, and
        # on a busy machine spinning BLAS threads made it 3-7x slower in CPU and wall time
        # (20 Newsgroups sample, K = 10 and 30, 2 shared cores).
        with warnings.catch_warnings(), threadpool_limits(limits=1):
            warnings.simplefilter("ignore", ConvergenceWarning)  # a rough start is all that is needed
            components = (
                NMF(num_topics, init=init, max_iter=NMF_ITERATIONS, random_state=self.random_state)
                .fit(tfidf)
                .components_
            )
        topics = self._seeded_first(components, seed_tokens)
        return topics / max(topics.sum(), np.finfo(float).tiny) * counts.sum()

    def _seeded_first(self, topics: np.ndarray, seed_tokens: dict[str, list[str]]) -> np.ndarray:
        """``topics`` (K × words) reordered so that seeded topic ``i`` is the one that weighs its seed words most."""
        order: list[int] = []
        for tokens in seed_tokens.values():
            ids = [self.dictionary_.token2id[t] for t in tokens]
            free = [c for c in range(len(topics)) if c not in order]
            order.append(max(free, key=lambda c: topics[c, ids].sum()))
        order += [c for c in range(len(topics)) if c not in order]
        return topics[order]

    def _choose_k(
        self,
        ks: list[int],
        shuffled: Any,
        texts: list[list[str]],
        seed_tokens: dict[str, list[str]],
        online_passes: int,
    ) -> tuple[int, list[dict[str, Any]]]:
        """The K of :func:`~textkit.topics.quality.k_rule` and the curve, from quick fits on a sample.

        The search has a fixed budget: each K is fitted once, from its NMF start (whatever
        ``init``: the NMF start with a few online updates is the cheapest fit that ranks the K),
        by one process, over the same random sample of the articles (``shuffled``: all of them
        in a random order) in :data:`AUTO_K_UPDATES` online updates, the sample (or, on a small
        corpus, the passes) sized so that all the K together read :data:`AUTO_K_SHARE` of
        the articles an online fit of ``online_passes`` reads (at least :data:`AUTO_K_MIN_SAMPLE` each); the
        candidates' topics are scored on the coherence sample (together in one process, each
        in its fit's task when the K run in parallel), by the measure K is chosen by
        (``select_by``; ``c_v`` for ``"quality"``), and diversity. The chosen K is
        then fitted as ``num_topics=K`` would be. A note says what the search read.
        """
        # Articles each quick fit may read; at least AUTO_K_MIN_SAMPLE, which on a small corpus
        # means several passes (cheap there, and steadier than a few updates of a few articles).
        budget = max(AUTO_K_MIN_SAMPLE, math.floor(AUTO_K_SHARE * len(shuffled) * online_passes / len(ks)))
        size = min(len(shuffled), budget)
        passes = max(1, budget // size)  # a small corpus is read more than once
        corpus = shuffled.subset(size)
        start = self._start_counts(corpus.in_file_order()) if self.init != "random" else None
        chunksize = max(1, math.ceil(size * passes / AUTO_K_UPDATES))
        # Only the measure K is chosen by: each other one would be a further pass over the sample.
        measure = "c_v" if self.select_by == "quality" else self.select_by
        from joblib import Parallel, delayed, effective_n_jobs

        # Coherence costs a pass over the reference whatever the words looked for: in one
        # process, every K is scored in one pass here (as fast as scoring one); when the K run
        # in parallel, each is scored in its own task. The scores are the same either way.
        in_tasks = effective_n_jobs(None) > 1
        search = _QuickFits(
            self,
            corpus,
            texts if in_tasks else [],
            seed_tokens,
            start,
            passes,
            chunksize,
            measure if in_tasks else None,
        )
        # One task per K: in turn here, or in parallel inside joblib's parallel_config (textkit
        # --cluster runs it with the dask backend, which sends `search` to the workers once:
        # the sample's bags of words go with it, see _BowView).
        fits = Parallel(return_as="generator")(delayed(_quick_fit)(search, k) for k in ks)
        done = list(progress.track(fits, "choosing K", len(ks), "values of K"))
        word_lists = [words for words, _ in done]
        scores = (
            [score for _, score in done]
            if in_tasks
            else coherence_scores(word_lists, texts, self.dictionary_, measures=[measure], topn=self.topn)
        )
        curve: list[dict[str, Any]] = []
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
        best = ks[choose_k(curve, self.select_by)]
        read, full = size * passes * len(ks), len(shuffled) * online_passes
        self._note(
            f"K chosen from quick fits on {size} of the {len(shuffled)} articles"
            + (f" ({passes} passes)" if passes > 1 else "")
            + f": the {len(ks)} quick fits together read {read / full:.2f} times the articles of one online fit "
            f"({online_passes} passes)"
        )
        message = edge_warning(ks, [row[self.select_by] for row in curve], self.select_by)
        if message:
            warn(message)
        return best, curve

    def _final_scores(self, texts: list[list[str]]) -> dict[str, float]:
        words = self.top_word_lists(max(self.topn, DIVERSITY_TOPN), rank="probability")
        scores = (
            coherence_scores([words], texts, self.dictionary_, measures=self.measures, topn=self.topn)[0]
            if self.measures
            else {}
        )
        return {**scores, "diversity": topic_diversity(words)}

    def _auto_labels(self, seed_names: list[str]) -> list[str]:
        labels = []
        for topic, words in enumerate(self.top_word_lists(3)):
            label = seed_names[topic] if topic < len(seed_names) else " / ".join(words)
            labels.append(label if label not in labels else f"{label} #{topic}")
        return labels

    # -- results -------------------------------------------------------------------------
    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "lda_")

    def _check_fitted(self) -> None:
        if not self.__sklearn_is_fitted__():
            raise NotFittedError("this TopicModel is not fitted yet", hint="call fit() or load a saved model")

    @property
    def default_rank(self) -> str:
        """The word ranking used when none is asked for: ``"probability"`` for topics sampled from weighted
        words (``init="gibbs"`` with a ``term_weight``), ``"relevance"`` otherwise (see :data:`PLAIN_RANK`)."""
        return WEIGHTED_RANK if self.init == "gibbs" and self.term_weight != "one" else PLAIN_RANK

    def word_scores(self, rank: str | None = None) -> np.ndarray:
        """Scores (topics × vocabulary, higher first) that order each topic's words under ``rank``.

        ``rank``: ``"relevance"`` (Sievert & Shirley's lambda = 0.6), ``"frex"`` (stm's
        FREX, weight 0.5) or ``"probability"`` (``p(word | topic)``); see
        :mod:`textkit.topics.ranking`; ``None``: :attr:`default_rank`. Word ``i`` is ``dictionary_[i]``.
        """
        self._check_fitted()
        rank = rank or self.default_rank
        if rank not in RANKINGS:
            raise ConfigError(f"unknown word ranking {rank!r}", hint=f"use {', '.join(RANKINGS)}", param="rank")
        cfs = self.dictionary_.cfs
        counts = np.array([cfs.get(i, 0) for i in range(len(self.dictionary_))], dtype=float)
        return word_scores(self.lda_.get_topics(), counts, rank)

    def top_word_lists(self, topn: int | None = None, rank: str | None = None) -> list[list[str]]:
        """The top words of every topic, best first under ``rank`` (see :meth:`word_scores`)."""
        ids = top_word_ids(self.word_scores(rank), topn or self.topn)
        return [[self.dictionary_[int(i)] for i in row] for row in ids]

    def top_words(self, topic: int, topn: int | None = None, rank: str | None = None) -> list[tuple[str, float]]:
        """``(word, P(word | topic))`` pairs of one topic, best first under ``rank``.

        The weights are always probabilities; ``rank`` only orders the words: by default
        (:attr:`default_rank`) probability for the Gibbs start's weighted topics, relevance
        otherwise, which puts the words distinctive of the topic before the words common
        to every topic (see :meth:`word_scores`).
        """
        self._check_topic(topic)
        phi = self.lda_.get_topics()[topic]
        ids = top_word_ids(self.word_scores(rank)[topic : topic + 1], topn or self.topn)[0]
        return [(self.dictionary_[int(i)], float(phi[i])) for i in ids]

    def _check_topic(self, topic: int) -> None:
        self._check_fitted()
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
        check_corpus(X, reread=False)
        rows = [theta for theta, _, _ in self._infer_chunks(X)]
        return np.vstack(rows) if rows else np.zeros((0, self.num_topics_))

    def _infer_chunks(
        self, X: Iterable[Article | str], bows: Iterable[list[tuple[int, int]]] | None = None
    ) -> Iterator[tuple[np.ndarray, np.ndarray, list[Article | str]]]:
        """``(topic shares, words of the vocabulary in each text, the texts)`` per chunk of ``chunksize``.

        ``bows``: the texts' bags of words in the same order, if already made (the fit's
        bag-of-words file); otherwise each chunk is tokenized here.
        """
        with _gensim.seeded_inference(self.lda_, self.random_state) as infer:
            items = iter(X)
            stored = iter(bows) if bows is not None else None
            while chunk := list(islice(items, self.chunksize)):
                if stored is not None:
                    bows_chunk = list(islice(stored, len(chunk)))
                else:
                    bows_chunk = [self.dictionary_.doc2bow(self.tokenizer_.tokenize(text_of(i))) for i in chunk]
                yield infer(bows_chunk), np.array([sum(n for _, n in b) for b in bows_chunk]), chunk

    def infer(self, X: Iterable[Article | str], digits: int = 4) -> Iterator[TopicRecord]:
        """One record per text, lazily and in order: dominant topic and every topic's share.

        Yields ``{"id", "topic", "labels": [dominant label], "scores": {label: share}}``
        (``topic`` is None and ``labels`` empty for a text with no known word);
        the shape of theme predictions, so :func:`textkit.workflows.output.write_records`
        writes them as JSONL or CSV. Plain strings get ids ``"1"``, ``"2"``...
        """
        self._check_fitted()
        check_corpus(X, reread=False)
        number = 0
        for theta, lengths, chunk in self._infer_chunks(X):
            for item, row, length in zip(chunk, theta, lengths):
                number += 1
                topic = int(np.argmax(row)) if length else None
                yield {
                    "id": item.id if isinstance(item, Article) else str(number),
                    "topic": topic,
                    "labels": [self.labels_[topic]] if topic is not None else [],
                    "scores": {label: round(float(p), digits) for label, p in zip(self.labels_, row)},
                }

    def summarize(self, X: Iterable[Article | str]) -> TopicSummary:
        """Prevalence, monthly trends, the topics × labels table and representative articles of a corpus (one pass)."""
        self._check_fitted()
        check_corpus(X, reread=False)
        return self._summary(X, None)

    def _summary(self, X: Iterable[Article | str], bows: Iterable[list[tuple[int, int]]] | None) -> TopicSummary:
        with _gensim.counting_convergence() as counter:
            summary = summarize_chunks(self._infer_chunks(X, bows), self.num_topics_)
        summary.converged = counter.share
        return summary

    def representative_docs(
        self, topic: int, n: int = 5, X: Iterable[Article | str] | None = None
    ) -> list[dict[str, Any]]:
        """The articles that stand for ``topic``: the highest share of it, best first.

        Without ``X``, from the training corpus: the model keeps, from the fit, up to 10
        per topic as ``{"id", "headline", "share", "words"}`` (``headline``: the article's,
        else the first 160 characters of its text; ``id``: the article's, or ``"1"``,
        ``"2"``... for plain strings; ``words``: its words in the vocabulary), so a saved
        model answers without its data. With ``X``, from those articles (one pass).
        Articles with fewer than 20 words of the vocabulary come after the longer ones.
        """
        self._check_topic(topic)
        if X is None:
            summary = self.summary_
        else:
            check_corpus(X, reread=False)
            summary = summarize_chunks(self._infer_chunks(X), self.num_topics_)
        representatives = getattr(summary, "representatives", None)  # absent from models saved before it existed
        return representatives[topic][:n] if representatives else []

    def coherence(self, X: Iterable[Article | str], measures: Sequence[str] = MEASURES) -> dict[str, float]:
        """Coherence of the fitted topics on ``X`` (tokenized like the training corpus) and diversity."""
        self._check_fitted()
        check_corpus(X)
        texts = TokenStream(X, self.tokenizer_)
        words = self.top_word_lists(max(self.topn, DIVERSITY_TOPN), rank="probability")
        scores = coherence_scores([words], texts, self.dictionary_, measures=measures, topn=self.topn)[0]
        return {**scores, "diversity": topic_diversity(words)}

    def topics(self, topn: int | None = None, rank: str | None = None) -> list[dict[str, Any]]:
        """Every topic: ``{"id", "label", "words": [[word, P(word | topic)], ...], "prevalence"}`` (words under ``rank``)."""
        self._check_fitted()
        prevalence = self.summary_.prevalence
        return [
            {
                "id": topic,
                "label": self.labels_[topic],
                "words": [[w, round(p, 5)] for w, p in self.top_words(topic, topn, rank)],
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
        return {
            "kind": TOPICS_KIND,
            "params": params,
            "topics": self.topics(),
            "history": list(getattr(self, "history_", [])),
        }

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        # It reads texts (strings or Articles), not a numeric matrix.
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        # Several worker processes take the chunks in whatever order they finish.
        tags.non_deterministic = self.workers != 1
        return tags


@dataclass
class _QuickFits:
    """What every quick fit of ``num_topics="auto"`` shares (one object: a cluster receives it once, not per K)."""

    model: TopicModel
    corpus: Any  # the sample: a _BowView here, its articles in memory once pickled to a worker
    texts: list[list[str]]  # the coherence reference
    seed_tokens: dict[str, list[str]]
    start: Any
    passes: int
    chunksize: int
    measure: str | None  # the coherence each task scores, or None: scored by the caller

    def __sizeof__(self) -> int:
        # Roughly its pickled size: joblib's dask backend scatters an argument dask's sizeof puts above 1 kB.
        return sys.getsizeof(self.corpus) + 8 * sum(map(len, self.texts))


def _quick_fit(search: _QuickFits, k: int) -> tuple[list[list[str]], dict[str, float]]:
    """One K of ``num_topics="auto"``: its quick fit's top words and, if asked, their coherence (one task)."""
    model = search.model
    # One process (LdaModel): LdaMulticore merges the chunks of all its workers into one update,
    # so on a machine with more cores it would make fewer than AUTO_K_UPDATES updates, and on
    # chunks this small its worker processes cost more CPU time than they save.
    lda = model._fit_lda(
        search.corpus,
        k,
        search.seed_tokens,
        search.start,
        init="nmf" if model.init == "gibbs" else None,
        passes=search.passes,
        chunksize=search.chunksize,
        workers=1,
    )
    words = _gensim.top_word_lists(lda, model.dictionary_, max(model.topn, DIVERSITY_TOPN))
    if search.measure is None:
        return words, {}
    # Scored alone, a K gets the scores it gets among all K: gensim counts every window of the
    # reference, whatever the words looked for (checked on 20 Newsgroups, and by the tests).
    score = coherence_scores([words], search.texts, model.dictionary_, measures=[search.measure], topn=model.topn)
    return words, score[0]
