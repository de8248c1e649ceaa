"""An on-disk index of a corpus (sqlite3 + FTS5) so the web pages never hold every text in memory.

:func:`build_index` streams the articles once into a sqlite file: the fields of each
article, its predicted themes (when a theme model is given), its topic mixture and
dominant topic (when a topic model is given), how much keyword rules disagree on it
(when the theme model was trained from rules), and a full-text index for search.
:class:`CorpusIndex` answers what the pages ask: one article, a random one, counts per
month/source/theme/topic, search. sqlite3 is in the standard library, so this module
needs no web extra and :mod:`textkit.workflows.labelling` can use it too.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

from textkit.errors import ConfigError, InputError
from textkit.reading.articles import Article

SCHEMA_VERSION = "5"
_T = TypeVar("_T")
SHARE_FLOOR = 0.1  # topic shares kept per article for the representative articles
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_WORD = re.compile(r"\w+", re.UNICODE)
COMPARE_GROUPINGS = ("source", "month", "place")  # the groupings the index keeps for each article

_SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE articles(
    n INTEGER PRIMARY KEY, id TEXT NOT NULL, headline TEXT, text TEXT, date TEXT, month TEXT,
    source TEXT, place TEXT, labels TEXT, topic INTEGER, topic_share REAL, topic_mix BLOB
);
CREATE TABLE themes(n INTEGER NOT NULL, theme TEXT NOT NULL, score REAL, month TEXT, source TEXT);
CREATE TABLE topic_shares(topic INTEGER NOT NULL, n INTEGER NOT NULL, share REAL NOT NULL);
CREATE TABLE disagreement(n INTEGER PRIMARY KEY, score REAL NOT NULL, rules TEXT NOT NULL);
CREATE VIRTUAL TABLE fts USING fts5(headline, text, content='articles', content_rowid='n');
"""
_INDEXES = """
CREATE INDEX articles_id ON articles(id);
CREATE INDEX articles_month ON articles(month, source);
CREATE INDEX articles_source ON articles(source);
CREATE INDEX articles_topic ON articles(topic, month, source);
CREATE INDEX themes_theme ON themes(theme, n);
CREATE INDEX themes_month ON themes(theme, month, source);
CREATE INDEX themes_n ON themes(n, theme);
CREATE INDEX articles_groups ON articles(source, month, place, date, topic, topic_mix);
CREATE INDEX topic_shares_topic ON topic_shares(topic, share);
CREATE INDEX disagreement_score ON disagreement(score DESC, n);
"""


@dataclass(frozen=True)
class IndexedArticle:
    """An article as the index returns it: the :class:`Article` fields plus what was predicted."""

    n: int
    article: Article
    themes: dict[str, float]
    topic: int | None
    topic_share: float | None
    topic_mix: list[float] | None


def cache_path(data: str | Path, *parts: Any, cache_dir: str | Path | None = None) -> Path:
    """Where the index of ``data`` (with these models) is kept: a name from the file's path, size and mtime.

    The same data and models reuse the index built before; any change builds a new one.
    """
    stat = Path(data).stat()
    key = json.dumps([SCHEMA_VERSION, str(Path(data).resolve()), stat.st_size, stat.st_mtime_ns, *parts], default=str)
    folder = Path(cache_dir or os.environ.get("TEXTKIT_CACHE_DIR") or Path.home() / ".cache" / "textkit")
    return folder / f"index-{hashlib.sha256(key.encode()).hexdigest()[:20]}.sqlite"


def build_index(
    articles: Iterable[Article],
    path: str | Path,
    *,
    model: Any = None,
    topic_model: Any = None,
    rules: Any = None,
    batch_size: int = 1000,
) -> Path:
    """Write the index of ``articles`` to ``path`` (built in a temporary file, then renamed).

    Parameters
    ----------
    articles : iterable of Article
        Read once, ``batch_size`` at a time.
    model : ThemeClassifier, optional
        Predicted themes and their scores are stored for the overview and search filters.
    topic_model : TopicModel, optional
        Each article's topic mixture and dominant topic are stored.
    rules : RuleSet, optional
        The keyword rules ``model`` was trained from: each article on which they disagree
        (:func:`~textkit.themes.weak.rule_disagreement`, against ``model``'s themes) is
        stored with its score and the rules that fired, for the label queue's rule
        disagreement order.

    Raises
    ------
    InputError
        No articles.
    """
    import numpy as np

    from textkit.analysis.compare import group_key

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    partial.unlink(missing_ok=True)
    connection = sqlite3.connect(partial)
    try:
        connection.executescript(_SCHEMA)
        n = 0
        stream = iter(articles)
        while batch := list(islice(stream, batch_size)):
            texts = [a.full_text for a in batch]
            predicted = model.predict_labels(texts) if model is not None else None
            proba = model.predict_proba(texts) if model is not None else None
            mixes = known = None
            if topic_model is not None:
                # Shares and how many words of the vocabulary each text has: a text with none has
                # no dominant topic (as in TopicModel.infer, which textkit compare reads).
                parts = list(topic_model._infer_chunks(batch))
                mixes = np.vstack([shares for shares, _, _ in parts])
                known = np.concatenate([lengths for _, lengths, _ in parts])
            if rules is not None:
                connection.executemany(
                    "INSERT INTO disagreement VALUES (?,?,?)", _disagreements(rules, texts, predicted, n)
                )
            rows, theme_rows, share_rows = [], [], []
            for i, article in enumerate(batch):
                n += 1
                topic = share = mix = None
                if mixes is not None and known is not None:
                    topic = int(np.argmax(mixes[i])) if known[i] else None
                    share = float(mixes[i][topic]) if topic is not None else None
                    mix = np.asarray(mixes[i], dtype=np.float64).tobytes()  # exact: compare rounds as infer does
                    # Shares below the floor never make a topic's representative articles: not stored.
                    share_rows += [(int(k), n, float(mixes[i][k])) for k in np.nonzero(mixes[i] >= SHARE_FLOOR)[0]]
                month = group_key(article, "month")  # textkit compare's rule, so both give the same groups
                rows.append(
                    (
                        n,
                        article.id,
                        article.headline,
                        article.text,
                        article.date,
                        month,
                        article.source,
                        article.place,
                        json.dumps(list(article.labels)),
                        topic,
                        share,
                        mix,
                    )
                )
                if predicted is not None and proba is not None:
                    column = {str(c): j for j, c in enumerate(model.classes_)}
                    # Month and source repeated here so the overview counts read one covering index.
                    theme_rows += [
                        (n, str(t), float(proba[i][column[str(t)]]), month, article.source) for t in predicted[i]
                    ]
            connection.executemany("INSERT INTO articles VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
            connection.executemany("INSERT INTO themes VALUES (?,?,?,?,?)", theme_rows)
            connection.executemany("INSERT INTO topic_shares VALUES (?,?,?)", share_rows)
            connection.executemany(
                "INSERT INTO fts(rowid, headline, text) VALUES (?,?,?)", [(r[0], r[2], r[3]) for r in rows]
            )
        if n == 0:
            raise InputError("no articles to index", hint="check the data file and the --text-field option")
        connection.executescript(_INDEXES)
        labels = list(topic_model.labels_) if topic_model is not None else []
        classes = [str(c) for c in model.classes_] if model is not None else []
        connection.executemany(
            "INSERT INTO meta VALUES (?,?)",
            [
                ("schema", SCHEMA_VERSION),
                ("count", str(n)),
                ("topics", json.dumps(labels)),
                ("themes", json.dumps(classes)),
                ("rules", "" if rules is None else rules.source),
            ],
        )
        connection.commit()
    finally:
        connection.close()
    os.replace(partial, path)
    return path


def _disagreements(rules: Any, texts: list[str], predicted: Any, first: int) -> list[tuple[int, float, str]]:
    """Rows of the disagreement table for a batch numbered from ``first + 1``: articles scoring above 0."""
    import numpy as np

    from textkit.themes.weak import rule_disagreement

    votes = rules.votes(texts)
    scores = rule_disagreement(votes, rules, predicted)
    return [
        (first + int(i) + 1, float(scores[i]), json.dumps([rules.rules[j].name for j in votes[i].indices]))
        for i in np.flatnonzero(scores > 0)
    ]


class CorpusIndex:
    """Read access to an index written by :func:`build_index`, safe to share between threads."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise InputError(f"{self.path}: no such index")
        self._local = threading.local()
        self._cache: dict[tuple[Any, ...], Any] = {}
        meta = dict(self._db().execute("SELECT key, value FROM meta").fetchall())
        if meta.get("schema") != SCHEMA_VERSION:
            raise InputError(f"{self.path}: an index of another textkit version", hint="delete it to rebuild it")
        self.count = int(meta["count"])
        self.topic_labels: list[str] = json.loads(meta["topics"])
        self.model_themes: list[str] = json.loads(meta["themes"])
        self.rules_source: str | None = meta["rules"] or None
        """The rules file the theme model was trained from (None: no rule disagreement stored)."""

    def _db(self) -> sqlite3.Connection:
        # One read-only connection per thread: sqlite3 connections are not shared across threads.
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
            # Document frequencies of the full-text index, for similar articles (temp: the file is read-only).
            connection.execute("CREATE VIRTUAL TABLE temp.vocab USING fts5vocab(main, fts, 'row')")
            self._local.connection = connection
        return connection

    def get(self, n: int) -> IndexedArticle | None:
        """The article numbered ``n`` (1 to :attr:`count`), or None."""
        row = self._db().execute("SELECT * FROM articles WHERE n = ?", (n,)).fetchone()
        return self._article(row) if row else None

    def find(self, article_id: str) -> IndexedArticle | None:
        """The first article with this id, or None."""
        row = self._db().execute("SELECT * FROM articles WHERE id = ? ORDER BY n LIMIT 1", (article_id,)).fetchone()
        return self._article(row) if row else None

    def _article(self, row: tuple) -> IndexedArticle:
        n, aid, headline, text, date, _month, source, place, labels, topic, share, mix = row
        article = Article(
            id=aid,
            text=text or "",
            headline=headline or "",
            labels=tuple(json.loads(labels or "[]")),
            date=date,
            place=place,
            source=source,
        )
        themes = dict(self._db().execute("SELECT theme, score FROM themes WHERE n = ? ORDER BY score DESC", (n,)))
        mixture = None
        if mix is not None:
            import numpy as np

            mixture = [float(v) for v in np.frombuffer(mix, dtype=np.float64)]
        return IndexedArticle(n, article, themes, topic, share, mixture)

    def texts(self, numbers: list[int]) -> list[str]:
        """Full texts (headline and body, as models read them) of the articles ``numbers``, in that order."""
        found: dict[int, str] = {}
        for chunk in _chunks(numbers, 500):
            marks = ",".join("?" * len(chunk))
            for n, headline, text in self._db().execute(
                f"SELECT n, headline, text FROM articles WHERE n IN ({marks})", chunk
            ):
                found[n] = Article(id="", text=text or "", headline=headline or "").full_text
        return [found[n] for n in numbers]

    def ids(self, numbers: list[int]) -> dict[int, str]:
        """``{n: article id}`` of the articles ``numbers``."""
        result: dict[int, str] = {}
        for chunk in _chunks(numbers, 500):
            marks = ",".join("?" * len(chunk))
            result.update(self._db().execute(f"SELECT n, id FROM articles WHERE n IN ({marks})", chunk))
        return result

    def numbers(self, article_ids: Iterable[str]) -> dict[str, int]:
        """``{article id: n}`` (the first article of each id) of the ids that are in the index."""
        result: dict[str, int] = {}
        for chunk in _chunks(list(article_ids), 500):
            marks = ",".join("?" * len(chunk))
            for aid, n in self._db().execute(
                f"SELECT id, MIN(n) FROM articles WHERE id IN ({marks}) GROUP BY id", chunk
            ):
                result[aid] = n
        return result

    def disagreement_order(self) -> list[int]:
        """Numbers of the articles the rules disagree on, most disagreement first (ties: index order)."""
        return [n for (n,) in self._db().execute("SELECT n FROM disagreement ORDER BY score DESC, n")]

    def disagreement(self, n: int) -> tuple[float, list[str]] | None:
        """Article ``n``'s rule disagreement score and the rules that fired on it; None if they agree."""
        row = self._db().execute("SELECT score, rules FROM disagreement WHERE n = ?", (n,)).fetchone()
        return (float(row[0]), json.loads(row[1])) if row else None

    def data_labels(self) -> list[str]:
        """The labels present in the data itself (gold or earlier labels), sorted."""
        labels: set[str] = set()
        for (value,) in self._db().execute("SELECT DISTINCT labels FROM articles WHERE labels != '[]'"):
            labels.update(json.loads(value))
        return sorted(labels)

    # -- aggregates for the overview ---------------------------------------------------
    # The index never changes once built, so each aggregate is computed once per server.
    def _cached(self, key: tuple[Any, ...], compute: Callable[[], _T]) -> _T:
        source = key[-1]
        if isinstance(source, str) and source not in self.sources():
            return compute()  # never cache what a request names freely: the cache would grow without bound
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def per_month(self, source: str | None = None) -> dict[str, int]:
        """``{month: articles}``, of one source or all."""
        return self._cached(("month", source), lambda: self._per_month(source))

    def per_source(self, limit: int = 30) -> dict[str, int]:
        """``{source: articles}``, the ``limit`` largest sources."""
        return self._cached(("source", limit), lambda: self._per_source(limit))

    def sources(self) -> list[str]:
        """Every source, sorted."""
        if ("sources",) not in self._cache:
            self._cache[("sources",)] = self._sources()
        return self._cache[("sources",)]

    def themes_per_month(self, source: str | None = None) -> dict[str, dict[str, int]]:
        """``{theme: {month: articles predicted with it}}``, of one source or all."""
        return self._cached(("themes", source), lambda: self._themes_per_month(source))

    def topics_per_month(self, source: str | None = None) -> dict[int, dict[str, int]]:
        """``{topic: {month: articles whose dominant topic it is}}``, of one source or all."""
        return self._cached(("topics", source), lambda: self._topics_per_month(source))

    def _per_month(self, source: str | None = None) -> dict[str, int]:
        where, args = _source_filter(source)
        sql = f"SELECT month, COUNT(*) FROM articles WHERE month IS NOT NULL{where} GROUP BY month ORDER BY month"
        return dict(self._db().execute(sql, args))

    def _per_source(self, limit: int = 30) -> dict[str, int]:
        sql = "SELECT COALESCE(source, '(none)'), COUNT(*) AS c FROM articles GROUP BY source ORDER BY c DESC LIMIT ?"
        return dict(self._db().execute(sql, (limit,)))

    def _sources(self) -> list[str]:
        sql = "SELECT DISTINCT source FROM articles WHERE source IS NOT NULL ORDER BY source"
        return [s for (s,) in self._db().execute(sql)]

    def _themes_per_month(self, source: str | None = None) -> dict[str, dict[str, int]]:
        where, args = _source_filter(source)
        sql = (
            "SELECT theme, month, COUNT(*) FROM themes "
            f"WHERE month IS NOT NULL{where} GROUP BY theme, month ORDER BY month"
        )
        result: dict[str, dict[str, int]] = {}
        for theme, month, count in self._db().execute(sql, args):
            result.setdefault(theme, {})[month] = count
        return result

    def _topics_per_month(self, source: str | None = None) -> dict[int, dict[str, int]]:
        where, args = _source_filter(source)
        sql = (
            "SELECT topic, month, COUNT(*) FROM articles WHERE month IS NOT NULL AND topic IS NOT NULL"
            f"{where} GROUP BY topic, month ORDER BY month"
        )
        result: dict[int, dict[str, int]] = {}
        for topic, month, count in self._db().execute(sql, args):
            result.setdefault(topic, {})[month] = count
        return result

    def representative(self, topic: int, n: int = 10) -> list[tuple[IndexedArticle, float]]:
        """The ``n`` articles with the largest share of ``topic``, best first, ties to the earlier article.

        The same choice as :meth:`textkit.topics.model.TopicModel.representative`, read from the index.
        """
        rows = (
            self._db()
            .execute(
                "SELECT a.*, s.share FROM topic_shares s JOIN articles a ON a.n = s.n "
                "WHERE s.topic = ? ORDER BY s.share DESC, s.n LIMIT ?",
                (topic, n),
            )
            .fetchall()
        )
        return [(self._article(r[:-1]), float(r[-1])) for r in rows]

    def similar(self, n: int, k: int = 5, terms: int = 12) -> list[IndexedArticle]:
        """Up to ``k`` articles most like article ``n``: "more like this" over the full-text index.

        The ``terms`` words of the article with the highest tf-idf (document frequencies
        from the index) are searched for together (any of them), ranked by BM25; the
        article itself is left out.
        """
        import math

        item = self.get(n)
        if item is None:
            return []
        counts: dict[str, int] = {}
        for word in _WORD.findall(item.article.full_text.lower()):
            if len(word) > 2 and not word.isdigit():
                counts[word] = counts.get(word, 0) + 1
        if not counts:
            return []
        candidates = sorted(counts, key=lambda w: -counts[w])[:200]
        db = self._db()
        marks = ",".join("?" * len(candidates))
        frequency = dict(db.execute(f"SELECT term, doc FROM temp.vocab WHERE term IN ({marks})", candidates))
        weight = {w: counts[w] * math.log(self.count / frequency[w]) for w in candidates if frequency.get(w)}
        chosen = sorted(weight, key=lambda w: -weight[w])[:terms]
        if not chosen:
            return []
        query = " OR ".join(f'"{w}"' for w in chosen)
        rows = db.execute(
            "WITH hits AS MATERIALIZED (SELECT rowid AS n, bm25(fts) AS rank FROM fts WHERE fts MATCH ? "
            "AND rowid != ? ORDER BY rank LIMIT ?) SELECT a.* FROM hits JOIN articles a ON a.n = hits.n ORDER BY hits.rank",
            (query, n, k),
        ).fetchall()
        return [self._article(r) for r in rows]

    # -- comparisons -------------------------------------------------------------------
    def group_rows(
        self,
        kind: str,
        by: str,
        *,
        sources: Iterable[str] = (),
        date_from: str | None = None,
        date_to: str | None = None,
    ) -> tuple[list[str | None], Any, dict[str, int]]:
        """Each article's group and row, in the articles' order: what :func:`~textkit.analysis.compare.compare_groups` takes.

        ``kind`` ``themes``: 0/1 per theme of :attr:`model_themes` (the themes predicted
        at indexing). ``topics``: the topic shares, rounded to 4 decimals as
        :meth:`~textkit.topics.model.TopicModel.infer` gives them to ``textkit compare``;
        articles with no word of the model's vocabulary are left out and counted
        (``no known word``), as there. One query over a covering index: the texts are never read.

        Raises
        ------
        ConfigError
            ``by`` not source, place or month; ``kind`` not themes or topics, or not indexed.
        InputError
            A date that is not ``YYYY-MM-DD``.
        """
        import numpy as np

        if by not in COMPARE_GROUPINGS:
            raise ConfigError(f"cannot group by {by!r}", hint=f"use one of {', '.join(COMPARE_GROUPINGS)}", param="by")
        if kind not in ("themes", "topics") or not (self.model_themes if kind == "themes" else self.topic_labels):
            raise ConfigError(
                f"no {kind} in this index", hint="start textkit serve with --model or --topics", param="model"
            )
        conditions: list[str] = []
        args: list[Any] = []
        chosen = list(sources)
        if chosen:
            conditions.append(f"a.source IN ({','.join('?' * len(chosen))})")
            args += chosen
        dates, values = _date_filter(date_from, date_to)
        conditions += dates
        args += values
        where = (" WHERE " + " AND ".join(conditions)) if conditions else ""
        group = f"NULLIF(a.{by}, '')"  # an empty field is no group, as in textkit compare
        db = self._db()
        if kind == "topics":
            sql = f"SELECT a.n, {group}, a.topic IS NOT NULL, a.topic_mix FROM articles a{where}"
            found = db.execute(sql, args).fetchall()
            if not found:
                return [], np.zeros((0, len(self.topic_labels))), {}
            numbers, keys, known, mixes = zip(*found)
            order = np.argsort(np.array(numbers), kind="stable")
            has_key = np.array([keys[i] is not None for i in order], dtype=bool)
            words = np.array(known, dtype=bool)[order]
            shares = np.frombuffer(b"".join(mixes[i] for i in order), dtype=np.float64).reshape(len(order), -1)
            kept = ~has_key | words  # no group: counted as such first, as compare does before the model
            unknown = int((~kept).sum())
            return (
                [keys[i] for i, keep in zip(order, kept) if keep],
                np.round(shares[kept], 4),
                {"no known word": unknown} if unknown else {},
            )
        sql = f"SELECT a.n, {group}, t.theme FROM articles a LEFT JOIN themes t ON t.n = a.n{where}"
        column = {t: j for j, t in enumerate(self.model_themes)}
        row_of: dict[int, int] = {}
        group_of: list[str | None] = []
        numbers_of: list[int] = []
        cells: list[tuple[int, int]] = []
        for n, key, theme in db.execute(sql, args):
            row = row_of.get(n)
            if row is None:
                row = row_of[n] = len(group_of)
                group_of.append(key)
                numbers_of.append(n)
            if theme is not None:
                cells.append((row, column[theme]))
        matrix = np.zeros((len(group_of), len(self.model_themes)))
        if cells:
            matrix[tuple(np.array(cells).T)] = 1.0
        order = np.argsort(np.array(numbers_of, dtype=np.int64), kind="stable")
        return [group_of[i] for i in order], matrix[order], {}

    # -- search ------------------------------------------------------------------------
    def search(
        self,
        words: str = "",
        *,
        theme: str | None = None,
        topic: int | None = None,
        source: str | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        limit: int = 50,
    ) -> tuple[list[IndexedArticle], int]:
        """Articles matching every word (best first), filtered; and how many match in all.

        ``words`` is split into words, each matched as a whole word (FTS5's default
        tokenizer: case and accents folded); the user's text never reaches FTS5's query
        syntax. Dates are ``YYYY-MM-DD``, inclusive.

        Raises
        ------
        InputError
            A date that is not ``YYYY-MM-DD``.
        """
        conditions: list[str] = []
        args: list[Any] = []
        tokens = _WORD.findall(words)
        prefix, joins = "", ""
        if tokens:
            # The full-text matches first (materialized), then the filters on them: otherwise
            # sqlite may walk a filter's index and test MATCH row by row (seconds on 100k articles).
            prefix = "WITH hits AS MATERIALIZED (SELECT rowid AS n, bm25(fts) AS rank FROM fts WHERE fts MATCH ?) "
            joins = " JOIN hits ON hits.n = a.n"
            # Each word quoted: FTS5 operators and column filters typed by a user stay plain words.
            args.append(" ".join('"' + t.replace('"', "") + '"' for t in tokens))
        if theme:
            conditions.append("a.n IN (SELECT n FROM themes WHERE theme = ?)")
            args.append(theme)
        if topic is not None:
            conditions.append("a.topic = ?")
            args.append(topic)
        if source:
            conditions.append("a.source = ?")
            args.append(source)
        dates, values = _date_filter(date_from, date_to)
        conditions += dates
        args += values
        where = (" WHERE " + " AND ".join(conditions)) if conditions else ""
        db = self._db()
        total = db.execute(f"{prefix}SELECT COUNT(*) FROM articles a{joins}{where}", args).fetchone()[0]
        order = " ORDER BY hits.rank" if tokens else " ORDER BY a.n"
        sql = f"{prefix}SELECT a.* FROM articles a{joins}{where}{order} LIMIT ?"
        rows = db.execute(sql, [*args, limit]).fetchall()
        return [self._article(r) for r in rows], total


def _date_filter(date_from: str | None, date_to: str | None) -> tuple[list[str], list[Any]]:
    """SQL conditions and their values for a date range (inclusive); InputError for a date not ``YYYY-MM-DD``."""
    conditions: list[str] = []
    values: list[Any] = []
    for value, op in ((date_from, ">="), (date_to, "<=")):
        if value:
            if not _DATE.match(value):
                raise InputError(f"the date {value!r} is not YYYY-MM-DD")
            conditions.append(f"substr(a.date, 1, 10) {op} ?")
            values.append(value)
    return conditions, values


def _source_filter(source: str | None, prefix: str = "") -> tuple[str, list[Any]]:
    return (f" AND {prefix}source = ?", [source]) if source else ("", [])


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def open_or_build(
    articles: Iterable[Article],
    path: str | Path,
    *,
    model: Any = None,
    topic_model: Any = None,
) -> CorpusIndex:
    """The index at ``path``, built first if it is not there yet."""
    if not Path(path).is_file():
        build_index(articles, path, model=model, topic_model=topic_model)
    return CorpusIndex(path)
