"""The one tokenizer shared by the theme classifiers and the topic models.

A model stores the tokenizer it was trained with, so training and prediction
always process text the same way. The tokenizer is a plain, picklable class
(no lambdas) that scikit-learn's vectorizers take as ``tokenizer=`` and gensim
takes as a token stream.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any, Literal

from textkit.errors import ConfigError
from textkit.text.clean import normalize_unicode

# A word: letters/digits with inner hyphens kept (al-assad, s-300). Possessive 's is
# removed and other apostrophes dropped (don't -> dont) before matching.
_TOKEN = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
# The same on ASCII text, where [^\W_] is exactly [a-zA-Z0-9]: an explicit class skips the
# Unicode category lookups and makes tokenizing ~20% faster (most news text is ASCII).
_ASCII_TOKEN = re.compile(r"[a-zA-Z0-9]+(?:-[a-zA-Z0-9]+)*")
_POSSESSIVE = re.compile(r"'s\b")
# Letters and digits mixed in one hyphen-less token: "mp3", but mostly encoding junk
# ("g9v", "b8f") in scraped or mailed text.
_MIXED = re.compile(r"(?=[^\W_]*\d)(?=[^\W_]*[^\W\d_])[^\W_]+")
# Encoded binaries mailed or pasted as text (``drop_junk``), checked per whitespace-free
# chunk: a uuencoded line ("M" then 60 characters of ASCII 33-96) or a base64 run (40+
# characters of its alphabet, which no word written in ASCII reaches); or a chunk with three
# or more lower-to-upper case switches ("aGVsbG8gV29y"), which no name has ("McDonald",
# "iPhone": one).
_UUENCODED = re.compile(r"M[!-`]{59,61}")
_BASE64 = re.compile(r"[A-Za-z0-9+/]{40,}={0,2}")
_RANDOM_CASE = re.compile(r"(?:[a-z][A-Z].*){3}")
# After lowercasing: an ASCII word of 5+ letters without a vowel ("nrhjq"; "bbc", "nhl",
# "html" stay), or with 6 consonants in a row ("qxbvnm"; "strengths" has 5).
_UNPRONOUNCEABLE = re.compile(r"[b-df-hj-np-tv-xz]{5,}|[a-z]*[b-df-hj-np-tv-xz]{6}[a-z]*")

NUMBER_TOKEN = "#num"

# Words that carry no theme in wire copy: reporting verbs, weekdays, and contractions
# as they come out once apostrophes are dropped (don't -> dont). They add to
# scikit-learn's English list, they do not replace it.
NEWS_STOP_WORDS = frozenset(
    [
        "said",
        "says",
        "say",
        "saying",
        "told",
        "tells",
        "according",
        "added",
        "adding",
        "also",
        "would",
        "could",
        "mr",
        "mrs",
        "ms",
        "dr",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "today",
        "yesterday",
        "tomorrow",
        "dont",
        "doesnt",
        "didnt",
        "isnt",
        "arent",
        "wasnt",
        "werent",
        "wont",
        "wouldnt",
        "cant",
        "couldnt",
        "shouldnt",
        "hasnt",
        "havent",
        "hadnt",
        "im",
        "ive",
        "youre",
        "youve",
        "youll",
        "hes",
        "shes",
        "theyre",
        "theyve",
        "weve",
        "lets",
        "thats",
        "theres",
        "whats",
        "ll",
        "ve",
    ]
)

# Words of scikit-learn's list that carry meaning in news ("UN envoy").
NEWS_KEEP_WORDS = frozenset({"un"})

NumbersPolicy = Literal["drop", "keep", "token"]


def english_stop_words() -> frozenset[str]:
    """scikit-learn's English stop-word list plus :data:`NEWS_STOP_WORDS`."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return (frozenset(ENGLISH_STOP_WORDS) - NEWS_KEEP_WORDS) | NEWS_STOP_WORDS


_ADDRESS_MARKERS = ("@", "://", "www.")
_NON_SPACE = re.compile(r"\S*")


def _non_space_end(text: str, at: int) -> int:
    """Where the run of non-whitespace characters starting at ``at`` ends."""
    match = _NON_SPACE.match(text, at)
    assert match is not None  # \S* matches at every position, if only the empty string
    return match.end()


def _is_encoded(chunk: str) -> bool:
    """Whether a whitespace-free chunk of 8+ characters is encoded data rather than words."""
    if len(chunk) >= 40 and (_UUENCODED.fullmatch(chunk) or _BASE64.fullmatch(chunk)):
        return True
    # islower/isupper/istitle are C calls that clear almost every chunk before the regex.
    return not (chunk.islower() or chunk.isupper() or chunk.istitle()) and bool(_RANDOM_CASE.search(chunk))


def _drop_encoded(text: str) -> str:
    """``text`` without its encoded chunks (see :func:`_is_encoded`)."""
    chunks = text.split()
    kept = [c for c in chunks if len(c) < 8 or not _is_encoded(c)]
    return " ".join(kept) if len(kept) < len(chunks) else text


def _drop_addresses(text: str) -> str:
    """Remove every whitespace-separated chunk that holds a URL or an e-mail address.

    Only the chunks around a marker (``@``, ``://``, ``www.``, found with ``str.find``)
    are looked at, each bounded by C-level matches forward in the text and backward in
    its reverse: mail (20 Newsgroups) has a few addresses per text among thousands of
    words, so splitting the whole text into words, or one regex over it, costs several
    times more. The whitespace around a removed chunk is kept: tokens never span it.
    """
    reverse = ""
    chunks = set()  # (start, end); two markers in one chunk give the same pair
    for marker in _ADDRESS_MARKERS:
        at = text.find(marker)
        while at != -1:
            reverse = reverse or text[::-1]
            # The chunk runs back from the marker to the previous whitespace (forward in the reverse).
            start = len(text) - _non_space_end(reverse, len(text) - at)
            end = _non_space_end(text, at)
            chunks.add((start, end))
            at = text.find(marker, end)
    pieces = []
    kept_from = 0
    for start, end in sorted(chunks):
        pieces.append(text[kept_from:start])
        kept_from = end
    pieces.append(text[kept_from:])
    return "".join(pieces)


class Tokenizer:
    """Turn news text into a list of tokens.

    Parameters
    ----------
    lowercase : bool
        Lowercase before tokenizing.
    numbers : {"drop", "keep", "token"}
        What to do with tokens made only of digits: drop them, keep them, or map
        each to the single token ``"#num"``.
    stop_words : "english", None or iterable of str
        ``"english"`` is scikit-learn's list (less "un") plus a few reporting
        verbs and weekdays (:data:`NEWS_STOP_WORDS`); ``None`` keeps every word.
    extra_stop_words : iterable of str
        Added to ``stop_words`` (e.g. the name of your agency).
    min_length : int
        Shortest token kept, in characters.
    keep_mixed : bool
        Keep tokens that mix letters and digits without a hyphen (``mp3``, ``g9v``);
        hyphenated ones (``s-300``) are always kept.
    drop_junk : bool
        Drop text that is no language: uuencoded and base64 lines, words with
        random case (three or more lower-to-upper switches), and ASCII words of 5+
        letters without a vowel or with 6 consonants in a row. Encoded attachments
        otherwise make a topic of their own (``max bhj giz bxn`` on 20 Newsgroups).
    stem : bool
        Reduce words to their Snowball (Porter2) stem.
    phrases : gensim ``FrozenPhrases`` or None
        Learned collocations joined with ``_`` (``foreign_minister``); set by
        :meth:`learn_phrases`.
    normalize : bool
        Apply NFKC and quote/dash normalisation first (see :mod:`textkit.text.clean`).
    """

    def __init__(
        self,
        *,
        lowercase: bool = True,
        numbers: NumbersPolicy = "drop",
        stop_words: str | Iterable[str] | None = "english",
        extra_stop_words: Iterable[str] = (),
        min_length: int = 2,
        keep_mixed: bool = True,
        drop_junk: bool = False,
        stem: bool = False,
        phrases: Any = None,
        normalize: bool = True,
    ) -> None:
        if numbers not in ("drop", "keep", "token"):
            raise ConfigError(f"numbers must be 'drop', 'keep' or 'token', not {numbers!r}")
        if min_length < 1:
            raise ConfigError(f"min_length must be at least 1, not {min_length}")
        if isinstance(stop_words, str) and stop_words != "english":
            raise ConfigError(f"stop_words must be 'english', None or a list of words, not {stop_words!r}")
        self.lowercase = lowercase
        self.numbers = numbers
        self.stop_words = stop_words if stop_words is None or isinstance(stop_words, str) else tuple(stop_words)
        self.extra_stop_words = tuple(extra_stop_words)
        self.min_length = min_length
        self.keep_mixed = keep_mixed
        self.drop_junk = drop_junk
        self.stem = stem
        self.phrases = phrases
        self.normalize = normalize
        self._stops: frozenset[str] | None = None
        self._stem_cache: dict[str, str] = {}
        self._stemmer: Any = None

    # -- configuration -----------------------------------------------------------------
    def get_params(self) -> dict[str, Any]:
        """The constructor arguments, for manifests and ``repr``."""
        return {
            "lowercase": self.lowercase,
            "numbers": self.numbers,
            "stop_words": self.stop_words,
            "extra_stop_words": self.extra_stop_words,
            "min_length": self.min_length,
            "keep_mixed": self.keep_mixed,
            "drop_junk": self.drop_junk,
            "stem": self.stem,
            "phrases": None if self.phrases is None else f"{len(self.phrases.phrasegrams)} learned phrases",
            "normalize": self.normalize,
        }

    def __repr__(self) -> str:
        shown = {k: v for k, v in self.get_params().items() if k != "stop_words" or v != "english"}
        return "Tokenizer(" + ", ".join(f"{k}={v!r}" for k, v in shown.items()) + ")"

    def __getstate__(self) -> dict[str, Any]:
        # Caches are rebuilt on demand; the stemmer object is not picklable.
        state = self.__dict__.copy()
        state.update(_stops=None, _stem_cache={}, _stemmer=None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        # A tokenizer pickled by an older textkit lacks options added since: they take
        # their defaults, which are the behaviour it was saved with.
        self.__dict__.update(Tokenizer().__dict__)
        self.__dict__.update(state)

    @property
    def stop_word_set(self) -> frozenset[str]:
        """Every word this tokenizer drops."""
        if self._stops is None:
            base: Iterable[str] = ()
            if self.stop_words == "english":
                base = english_stop_words()
            elif self.stop_words is not None:
                base = self.stop_words
            words = set(base) | set(self.extra_stop_words)
            self._stops = frozenset(w.lower() for w in words) if self.lowercase else frozenset(words)
        return self._stops

    # -- tokenizing --------------------------------------------------------------------
    def __call__(self, text: str) -> list[str]:
        """Tokenize one text (so an instance works as a vectorizer's ``tokenizer``)."""
        return self.tokenize(text)

    def tokenize(self, text: str) -> list[str]:
        """Return the tokens of ``text``, phrases joined if any were learned."""
        tokens = self._words(text)
        if self.phrases is not None and len(tokens) > 1:
            tokens = self.phrases[tokens]
        return tokens

    def _words(self, text: str) -> list[str]:
        # Pure-ASCII text needs no normalisation: the characters it would change in
        # ASCII (tabs, CR) are not word characters anyway. This keeps the common case fast.
        if self.normalize and not text.isascii():
            text = normalize_unicode(text)
        if self.drop_junk:
            text = _drop_encoded(text)  # before lowercasing: random case is a sign of encoding
        if self.lowercase:
            text = text.lower()
        if "@" in text or "://" in text or "www." in text:
            text = _drop_addresses(text)
        if "'" in text:
            text = _POSSESSIVE.sub("", text).replace("'", "")
        stops, min_length = self.stop_word_set, self.min_length
        # One comprehension per policy: a per-token branch would cost a third of the time.
        words = (_ASCII_TOKEN if text.isascii() else _TOKEN).findall(text)
        if self.numbers == "drop":
            tokens = [w for w in words if w not in stops and len(w) >= min_length and not w.isdigit()]
        elif self.numbers == "token":
            tokens = [
                NUMBER_TOKEN if w.isdigit() else w
                for w in words
                if w not in stops and (len(w) >= min_length or w.isdigit())
            ]
        else:
            tokens = [w for w in words if w not in stops and len(w) >= min_length]
        if not self.keep_mixed:
            tokens = [t for t in tokens if not _MIXED.fullmatch(t)]
        if self.drop_junk:
            tokens = [t for t in tokens if not _UNPRONOUNCEABLE.fullmatch(t)]
        if self.stem:
            tokens = [self._stem(t) for t in tokens]
        return tokens

    def _stem(self, token: str) -> str:
        stem = self._stem_cache.get(token)
        if stem is None:
            if self._stemmer is None:
                import snowballstemmer

                self._stemmer = snowballstemmer.stemmer("english")
            # Hyphenated names keep their shape: only the last part is stemmed.
            head, _, last = token.rpartition("-")
            stem = (head + "-" if head else "") + self._stemmer.stemWord(last) if not token.isdigit() else token
            self._stem_cache[token] = stem
        return stem

    def stream(self, texts: Iterable[str]) -> Iterator[list[str]]:
        """Tokenize texts lazily, one list of tokens per text (gensim-style stream)."""
        for text in texts:
            yield self.tokenize(text)

    # -- saving ------------------------------------------------------------------------
    def to_state(self) -> dict[str, Any]:
        """The options and learned phrases as plain JSON values (see :mod:`textkit.store.format`)."""
        state: dict[str, Any] = {k: v for k, v in self.get_params().items() if k != "phrases"}
        state["stop_words"] = (
            self.stop_words if self.stop_words is None or isinstance(self.stop_words, str) else list(self.stop_words)
        )
        state["extra_stop_words"] = list(self.extra_stop_words)
        state["phrases"] = None
        if self.phrases is not None:
            from gensim.models.phrases import npmi_scorer, original_scorer

            phrases = self.phrases
            scoring = {original_scorer: "default", npmi_scorer: "npmi"}.get(phrases.scoring, phrases.scoring)
            if scoring not in ("default", "npmi"):
                raise ConfigError("cannot save a tokenizer whose phrases use a custom scoring function")
            state["phrases"] = {
                "phrasegrams": {str(k): float(v) for k, v in phrases.phrasegrams.items()},
                "threshold": float(phrases.threshold),
                "min_count": int(phrases.min_count),
                "delimiter": str(phrases.delimiter),
                "scoring": scoring,
                "connector_words": sorted(phrases.connector_words),
            }
        return state

    @staticmethod
    def state_schema() -> dict[str, Any]:
        """What :meth:`to_state` writes, in :mod:`textkit.store.format`'s schema language."""
        from textkit.store.format import Choice, MapOf, Opt

        return {
            "lowercase": bool,
            "numbers": Choice(("drop", "keep", "token")),
            "stop_words": (Choice(("english",)), type(None), [str]),
            "extra_stop_words": [str],
            "min_length": int,
            "keep_mixed": bool,
            "drop_junk": Opt(bool),  # absent from models saved before it existed
            "stem": bool,
            "normalize": bool,
            "phrases": (
                type(None),
                {
                    "phrasegrams": MapOf(float),
                    "threshold": float,
                    "min_count": int,
                    "delimiter": str,
                    "scoring": Choice(("default", "npmi")),
                    "connector_words": [str],
                },
            ),
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Tokenizer:
        """The tokenizer :meth:`to_state` described (checked against :meth:`state_schema` first)."""
        options = {k: v for k, v in state.items() if k != "phrases"}
        tokenizer = cls(**options)
        saved = state["phrases"]
        if saved is not None:
            from gensim.models.phrases import Phrases

            # An empty Phrases frozen, then given the saved phrases: gensim's public API only.
            frozen = Phrases(
                min_count=saved["min_count"],
                threshold=saved["threshold"],
                delimiter=saved["delimiter"],
                scoring=saved["scoring"],
                connector_words=frozenset(saved["connector_words"]),
            ).freeze()
            frozen.phrasegrams = dict(saved["phrasegrams"])
            tokenizer.phrases = frozen
        return tokenizer

    # -- phrases -----------------------------------------------------------------------
    def learn_phrases(self, texts: Iterable[str], *, min_count: int = 5, threshold: float = 10.0) -> Tokenizer:
        """Learn collocations (``foreign_minister``) from ``texts`` with gensim ``Phrases``.

        Returns ``self`` with :attr:`phrases` set; ``texts`` may be a stream, it is
        read once.
        """
        from gensim.models.phrases import Phrases

        learner = Phrases((self._words(t) for t in texts), min_count=min_count, threshold=threshold, delimiter="_")
        self.phrases = learner.freeze()
        return self
