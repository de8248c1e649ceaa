"""Keyword rules that vote for or against themes: a cold start when there are no labels.

A rules file (TOML) lists, per theme, words and phrases that vote for it, words that
vote against it, optional regular expressions and a weight::

    exclusive = false            # true: every article has exactly one theme

    [themes.terrorism]
    words = ["terroris*", "car bomb", "explosive*"]   # vote for the theme
    against = ["anniversary"]                         # vote against it
    regex = ['\\bsleeper[- ]cells?\\b']               # vote for it (matched on the text)
    weight = 1.0                                      # weight of these votes in a plain vote

Every word, phrase and expression is one rule. Words and phrases are matched on the
tokens of :class:`~textkit.text.tokenize.Tokenizer` (lowercased, Unicode-normalised,
stop words removed on both sides, hyphenated words also as their parts), a phrase as a
sequence of consecutive tokens; a trailing ``*`` matches any word that starts with what
precedes it. Regular expressions are searched case-insensitively in the normalised text.

:meth:`RuleSet.votes` turns articles into a sparse vote matrix (articles x rules:
+1 for, -1 against, 0 abstain) in one pass; :mod:`textkit.themes.label_model`
turns the votes into probabilistic labels.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from textkit.errors import ConfigError, InputError
from textkit.reading.articles import Article
from textkit.text.clean import normalize_unicode
from textkit.text.tokenize import Tokenizer

_THEME_KEYS = {"words": 1, "against": -1, "regex": 1}
_ALLOWED_THEME_KEYS = set(_THEME_KEYS) | {"weight"}
_ALLOWED_TOP_KEYS = {"themes", "exclusive"}

# A pattern is a tuple of (token, is_prefix) pairs: one pair for a word, several for a phrase.
Pattern = tuple[tuple[str, bool], ...]


@dataclass(frozen=True)
class Rule:
    """One word, phrase or regular expression that votes for (+1) or against (-1) a theme."""

    theme: str
    kind: str  # "words", "against" or "regex": the key it was written under
    text: str  # as written in the file
    polarity: int
    weight: float = 1.0

    @property
    def name(self) -> str:
        """A short readable name: ``terrorism +car bomb``, ``terrorism -anniversary``, ``terrorism /re/``."""
        if self.kind == "regex":
            return f"{self.theme} /{self.text}/"
        return f"{self.theme} {'+' if self.polarity > 0 else '-'}{self.text}"


@dataclass
class RuleSet:
    """Validated rules of one file, ready to vote on articles.

    Attributes
    ----------
    rules : list of Rule
        In file order, theme by theme; column ``j`` of :meth:`votes` is ``rules[j]``.
    themes : list of str
        The themes, in file order.
    exclusive : bool
        Every article has exactly one theme (single-label data such as news sections).
    source : str
        The file the rules came from (for messages and the manifest).
    text : str
        The file's content, kept so a model can record exactly which rules made it.
    """

    rules: list[Rule]
    themes: list[str]
    exclusive: bool = False
    source: str = "<rules>"
    text: str = ""
    tokenizer: Tokenizer = field(default_factory=Tokenizer)
    _patterns: list[Pattern | None] = field(default_factory=list, repr=False)
    _regexes: list[re.Pattern[str] | None] = field(default_factory=list, repr=False)

    @property
    def sha256(self) -> str:
        """sha256 of the rules file's content."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def theme_index(self) -> np.ndarray:
        """For each rule, the index of its theme in :attr:`themes`."""
        index = {t: k for k, t in enumerate(self.themes)}
        return np.array([index[r.theme] for r in self.rules], dtype=int)

    @property
    def polarity(self) -> np.ndarray:
        """For each rule, +1 (votes for its theme) or -1 (against)."""
        return np.array([r.polarity for r in self.rules], dtype=int)

    @property
    def weights(self) -> np.ndarray:
        return np.array([r.weight for r in self.rules], dtype=float)

    def check_themes(self, known: Iterable[str]) -> None:
        """Refuse rules for themes outside ``known`` (the labels a model or a corpus uses).

        Raises
        ------
        ConfigError
            Naming the file, the unknown theme and the known ones.
        """
        known = sorted({str(k) for k in known})
        unknown = [t for t in self.themes if t not in known]
        if unknown:
            raise ConfigError(
                f"{self.source}: [themes.{unknown[0]}]: unknown theme {unknown[0]!r}",
                hint=f"the known themes are {', '.join(known)}",
            )

    # -- matching ----------------------------------------------------------------------
    def votes(self, articles: Iterable[str | Article]) -> Any:
        """The sparse vote matrix (``scipy.sparse.csr_matrix``, int8) of shape (n_articles, n_rules).

        Each article is tokenized once; a token's matching rules are looked up once per
        distinct token in the corpus, so the cost is the tokenizer's plus a dictionary
        look-up per distinct token of each article.
        """
        from scipy import sparse

        matcher = _Matcher(self)
        indptr: list[int] = [0]
        indices: list[int] = []
        data: list[int] = []
        for item in articles:
            hits = matcher.match(item.full_text if isinstance(item, Article) else item)
            columns = sorted(hits)
            indices.extend(columns)
            data.extend(self.rules[j].polarity for j in columns)
            indptr.append(len(indices))
        return sparse.csr_matrix(
            (np.array(data, dtype=np.int8), np.array(indices, dtype=np.int32), np.array(indptr, dtype=np.int64)),
            shape=(len(indptr) - 1, len(self.rules)),
        )

    def snippet(self, rule: int, text: str, width: int = 40) -> str | None:
        """Where rule ``rule`` matches in ``text``, with ``width`` characters of context each side."""
        text = _normal(text)
        found = self._snippet_regex(rule).search(text)
        if found is None:
            return None
        start, end = max(found.start() - width, 0), min(found.end() + width, len(text))
        before, after = ("..." if start > 0 else ""), ("..." if end < len(text) else "")
        middle = f"[{text[found.start() : found.end()]}]"
        core = " ".join(f"{text[start : found.start()]}{middle}{text[found.end() : end]}".split())
        return f"{before}{core}{after}"

    def _snippet_regex(self, rule: int) -> re.Pattern[str]:
        compiled = self._regexes[rule]
        if compiled is not None:
            return compiled
        pattern = self._patterns[rule]
        assert pattern is not None
        # Stop words and punctuation the tokenizer dropped may sit between a phrase's words.
        words = [re.escape(tok) + (r"[^\W_]*" if prefix else r"(?:'s)?\b") for tok, prefix in pattern]
        return re.compile(r"\b" + r"(?:[\W_]+[^\W_]+){0,3}?[\W_]+".join(words), re.IGNORECASE)


def _normal(text: str) -> str:
    return text if text.isascii() else normalize_unicode(text)


class _Matcher:
    """Finds the rules that fire on a text; caches each distinct token's matches."""

    def __init__(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset
        self.tokenize = ruleset.tokenizer.tokenize
        self.exact: dict[str, list[int]] = {}
        self.prefixes: dict[str, list[int]] = {}
        self.regexes = [(j, r) for j, r in enumerate(ruleset._regexes) if r is not None]
        for j, pattern in enumerate(ruleset._patterns):
            if pattern is None:
                continue
            token, prefix = pattern[0]
            (self.prefixes if prefix else self.exact).setdefault(token, []).append(j)
        self.prefix_lengths = sorted({len(p) for p in self.prefixes})
        self.cache: dict[str, list[int]] = {}

    def _first(self, token: str) -> list[int]:
        """Rules whose first pattern token matches ``token``."""
        found = list(self.exact.get(token, ()))
        for length in self.prefix_lengths:
            if length > len(token):
                break
            found.extend(self.prefixes.get(token[:length], ()))
        self.cache[token] = found
        return found

    def match(self, text: str) -> set[int]:
        tokens = self.tokenize(text)
        distinct = set(tokens)
        if any("-" in t for t in distinct):
            # The tokenizer keeps "car-bomb" whole; the rules "bomb" and "car bomb" match it too.
            tokens = [part for t in tokens for part in t.split("-") if part]
            distinct.update(tokens)
        patterns = self.ruleset._patterns
        hits: set[int] = set()
        phrase_starts: list[int] = []
        for token in distinct:
            candidates = self.cache.get(token)
            if candidates is None:
                candidates = self._first(token)
            for j in candidates:
                if len(patterns[j]) == 1:  # type: ignore[arg-type]
                    hits.add(j)
                else:
                    phrase_starts.append(j)
        if phrase_starts:
            hits.update(_phrases(tokens, [(j, patterns[j]) for j in set(phrase_starts)]))  # type: ignore[misc]
        if self.regexes:
            normal = _normal(text)
            hits.update(j for j, regex in self.regexes if regex.search(normal))
        return hits


def _phrases(tokens: list[str], phrases: list[tuple[int, Pattern]]) -> set[int]:
    """The phrases that occur in ``tokens`` as consecutive tokens."""
    found = set()
    for j, pattern in phrases:
        n = len(pattern)
        for start in range(len(tokens) - n + 1):
            if all(
                tokens[start + k].startswith(tok) if prefix else tokens[start + k] == tok
                for k, (tok, prefix) in enumerate(pattern)
            ):
                found.add(j)
                break
    return found


# -- reading and validating ------------------------------------------------------------
def load_rules(path: str | Path, known_themes: Iterable[str] | None = None) -> RuleSet:
    """Read and validate a rules file (TOML; YAML too when PyYAML is installed).

    Parameters
    ----------
    path : str or Path
        ``.toml``, or ``.yaml``/``.yml``.
    known_themes : iterable of str, optional
        Refuse themes outside these (e.g. the labels of a partly labelled corpus).

    Raises
    ------
    InputError
        The file is missing or unreadable.
    ConfigError
        Bad syntax, an unknown key, a value of the wrong type, a bad regular expression,
        a word that can never match, or no rules at all: the message names the file and the rule.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"rules file {path} not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read rules file {path}: {error}") from None
    return parse_rules(text, source=str(path), known_themes=known_themes)


def parse_rules(
    text: str, source: str = "<rules>", known_themes: Iterable[str] | None = None, tokenizer: Tokenizer | None = None
) -> RuleSet:
    """Validate the rules in ``text`` (TOML, or YAML for a ``source`` ending in .yaml/.yml); see :func:`load_rules`."""
    data = _parse(text, source)
    unknown_keys = sorted(set(data) - _ALLOWED_TOP_KEYS)
    if unknown_keys:
        raise ConfigError(
            f"{source}: unknown key {unknown_keys[0]!r}", hint="a rules file holds 'exclusive' and [themes.NAME] tables"
        )
    exclusive = data.get("exclusive", False)
    if not isinstance(exclusive, bool):
        raise ConfigError(f"{source}: 'exclusive' must be true or false, not {exclusive!r}")
    themes = data.get("themes")
    if not isinstance(themes, dict) or not themes:
        raise ConfigError(f"{source}: no rules", hint='add a table per theme: [themes.NAME] with words = ["...", ...]')
    tokenizer = tokenizer or Tokenizer()
    rules: list[Rule] = []
    patterns: list[Pattern | None] = []
    regexes: list[re.Pattern[str] | None] = []
    for theme, table in themes.items():
        where = f"{source}: [themes.{theme}]"
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: must be a table of words, against, regex and weight")
        bad = sorted(set(table) - _ALLOWED_THEME_KEYS)
        if bad:
            raise ConfigError(f"{where}: unknown key {bad[0]!r}", hint="use words, against, regex and weight")
        weight = table.get("weight", 1.0)
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not weight > 0:
            raise ConfigError(f"{where}: weight must be a positive number, not {weight!r}")
        n_before = len(rules)
        for key, polarity in _THEME_KEYS.items():
            entries = table.get(key, [])
            if isinstance(entries, str):
                entries = [entries]
            if not isinstance(entries, list):
                raise ConfigError(f"{where}: {key} must be a list of strings, not {type(entries).__name__}")
            for i, entry in enumerate(entries):
                at = f"{where} {key}[{i}]"
                if not isinstance(entry, str) or not entry.strip():
                    raise ConfigError(f"{at}: must be a non-empty string, not {entry!r}")
                if key == "regex":
                    try:
                        regexes.append(re.compile(entry, re.IGNORECASE))
                    except re.error as error:
                        raise ConfigError(f"{at}: bad regular expression {entry!r}: {error}") from None
                    patterns.append(None)
                else:
                    patterns.append(_pattern(entry, tokenizer, at))
                    regexes.append(None)
                rules.append(Rule(str(theme), key, entry.strip(), polarity, float(weight)))
        if len(rules) == n_before:
            raise ConfigError(f"{where}: no rules", hint="give it words, against or regex")
    ruleset = RuleSet(rules, [str(t) for t in themes], exclusive, source, text, tokenizer, patterns, regexes)
    if known_themes is not None:
        ruleset.check_themes(known_themes)
    return ruleset


def _parse(text: str, source: str) -> dict[str, Any]:
    if source.lower().endswith((".yaml", ".yml")):
        try:
            import yaml
        except ImportError:
            raise ConfigError(f"{source}: YAML rules need PyYAML", hint="pip install pyyaml, or write TOML") from None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise ConfigError(f"{source}: not valid YAML: {error}".replace("\n", " ")) from None
    else:
        import tomllib

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"{source}: not valid TOML: {error}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: a rules file must hold a table, not {type(data).__name__}")
    return data


def _pattern(entry: str, tokenizer: Tokenizer, where: str) -> Pattern:
    """A word or phrase as tokens, each with a flag for a trailing ``*`` (prefix match)."""
    pattern: list[tuple[str, bool]] = []
    for word in entry.split():
        prefix = word.endswith("*")
        tokens = tokenizer.tokenize(word.rstrip("*"))
        if prefix and len(tokens) > 1:
            raise ConfigError(f"{where}: {word!r}: '*' must end a single word")
        pattern.extend((t, prefix) for t in tokens)
    if not pattern:
        raise ConfigError(
            f"{where}: {entry!r} is only stop words or numbers, which the tokenizer drops: it can never match",
            hint="use a regex for it",
        )
    return tuple(pattern)
