"""Labelling with active learning: what ``textkit serve``'s label page does, callable from Python.

- :class:`AnswerLog` is the append-only JSONL file of answers: each answer is written,
  flushed and fsynced before the call returns, so a killed process loses nothing answered;
  opening the file again resumes. Each line is an article (``id``, ``headline``, ``text``,
  ``labels``...) plus ``annotator``, ``time`` and ``mode``, so ``textkit train`` reads it.
  An answer given again to the same article by the same annotator (after an undo)
  supersedes the earlier line: :meth:`AnswerLog.resolved` is what retraining uses.
  Skips go to a sidecar file next to it (``labels.jsonl.skips``, same guarantees), so the
  answers file stays a plain labelled corpus that ``textkit train`` reads unchanged.
- :class:`Labeller` picks the next article (most uncertain for the current model among a
  scored pool of unanswered articles; where the keyword rules the model was trained from
  disagree most, :func:`~textkit.themes.weak.rule_disagreement`; or at random), records
  answers and retrains the model every ``retrain_every`` answers in a separate process, so a
  retrain never blocks answering.
- :func:`agreement` is Cohen's kappa per theme between annotators on the articles they both answered.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from textkit.errors import ConfigError, InputError, TextkitError
from textkit.reading.articles import Article
from textkit.records import ThemeRecord

Mode = Literal["uncertainty", "random", "disagreement"]
MODES: tuple[str, ...] = ("uncertainty", "random", "disagreement")


class AnswerLog:
    """The append-only answers file; thread-safe.

    Parameters
    ----------
    path : str or Path
        A JSONL file; created if missing, read (resumed) if present.

    Raises
    ------
    InputError
        A line that is not a JSON object with ``id``, ``labels`` and ``annotator``.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.skips_path = self.path.with_name(self.path.name + ".skips")
        self._lock = threading.Lock()
        self.lines: list[dict[str, Any]] = []
        self._latest: dict[tuple[str, str], dict[str, Any]] = {}
        self._by_article: dict[str, dict[str, Any]] = {}  # the latest answer of anyone to each article
        self._skips: dict[tuple[str, str], bool] = {}  # the latest skip state of (article id, annotator)
        if self.path.is_file():
            for record in _records(self.path, _answer_record):
                self._add(record)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.touch()
        if self.skips_path.is_file():
            for record in _records(self.skips_path, _skip_record):
                self._skips[record["id"], record["annotator"]] = record["skip"]

    def append(self, article: Article, labels: Sequence[str], annotator: str, **extra: Any) -> dict[str, Any]:
        """Write one answer at once (flush and fsync) and return its record."""
        if not annotator:
            raise ConfigError("an answer needs an annotator name")
        record = {
            **article.to_dict(),
            "labels": list(labels),
            "annotator": annotator,
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            **extra,
        }
        with self._lock:
            _append_line(self.path, record)
            self._add(record)
        return record

    def _add(self, record: dict[str, Any]) -> None:
        # Kept up to date here so that no page rescans every answer (each label page reads them).
        self.lines.append(record)
        self._latest[record["id"], record["annotator"]] = record
        self._by_article[record["id"]] = record

    def skip(self, article_id: str, annotator: str, skipped: bool = True) -> None:
        """Record that ``annotator`` skipped the article (or, ``skipped=False``, took the skip back), at once.

        The record ``{"id", "annotator", "skip", "time"}`` goes to :attr:`skips_path`,
        flushed and fsynced like an answer; the latest record of an annotator and an
        article is what counts when the file is read again.
        """
        if not annotator:
            raise ConfigError("a skip needs an annotator name")
        record = {
            "id": article_id,
            "annotator": annotator,
            "skip": skipped,
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        with self._lock:
            _append_line(self.skips_path, record)
            self._skips[article_id, annotator] = skipped

    def skipped(self) -> dict[str, list[str]]:
        """``{annotator: ids they skipped}``, for every annotator who skipped something."""
        result: dict[str, list[str]] = {}
        with self._lock:
            for (aid, who), skipped in self._skips.items():
                if skipped:
                    result.setdefault(who, []).append(aid)
        return result

    def resolved(self) -> dict[tuple[str, str], dict[str, Any]]:
        """``{(article id, annotator): record}``: the latest answer of each annotator to each article."""
        with self._lock:
            return dict(self._latest)

    def latest(self, article_id: str, annotator: str) -> dict[str, Any] | None:
        """The latest answer of ``annotator`` to this article, if any."""
        with self._lock:
            return self._latest.get((article_id, annotator))

    def answered_by(self, annotator: str) -> list[str]:
        """Ids this annotator answered, in answer order (the first answer of each)."""
        with self._lock:
            seen: dict[str, None] = {}
            for r in self.lines:
                if r["annotator"] == annotator:
                    seen.setdefault(r["id"], None)
            return list(seen)

    def training_set(self) -> tuple[list[str], list[list[str]]]:
        """Texts and label lists to train on: one per article, the latest answer of anyone."""
        with self._lock:
            records = list(self._by_article.values())
        texts = [Article(id=r["id"], text=r.get("text", ""), headline=r.get("headline", "")).full_text for r in records]
        return texts, [list(r["labels"]) for r in records]

    @property
    def articles(self) -> int:
        """How many articles are answered (what :meth:`training_set` would return)."""
        return len(self._by_article)

    def counts(self) -> dict[str, int]:
        """Articles answered with each theme (latest answer per article)."""
        with self._lock:
            counts = Counter(label for r in self._by_article.values() for label in r["labels"])
        return dict(sorted(counts.items()))


def _append_line(path: Path, record: dict[str, Any]) -> None:
    """Append one JSON line, flushed and fsynced: a killed process loses nothing written."""
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def _records(path: Path, check: Callable[[str, str], dict[str, Any]]) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield check(line, f"{path}:{number}")


def _json_object(line: str, where: str) -> Any:
    try:
        return json.loads(line)
    except json.JSONDecodeError as error:
        raise InputError(f"{where}: invalid JSON ({error.msg})", hint="the answers file must be JSONL") from None


def _answer_record(line: str, where: str) -> dict[str, Any]:
    record = _json_object(line, where)
    if not isinstance(record, dict) or not {"id", "labels", "annotator"} <= set(record):
        raise InputError(f"{where}: not an answer (an object with id, labels and annotator)")
    return record


def _skip_record(line: str, where: str) -> dict[str, Any]:
    record = _json_object(line, where)
    if (
        not isinstance(record, dict)
        or not {"id", "annotator", "skip"} <= set(record)
        or not isinstance(record["skip"], bool)
    ):
        raise InputError(f"{where}: not a skip (an object with id, annotator and skip true or false)")
    return record


def uncertainty(model: Any, texts: list[str]) -> list[float]:
    """How sure ``model`` is of each text, lower is less sure (texts to ask about first).

    Single-label: the margin between the two best probabilities. Multi-label: the
    smallest distance of a label's score to its decision threshold.
    """
    import numpy as np

    if model.multilabel_:
        return [float(v) for v in np.abs(model.decision_function(texts)).min(axis=1)]
    proba = np.sort(model.predict_proba(texts), axis=1)
    return [float(v) for v in proba[:, -1] - proba[:, -2]]


@dataclass
class ModelState:
    """The current model and what the page shows about it."""

    model: Any = None
    version: int = 0
    trained_on: int = 0
    f1: dict[str, float] = field(default_factory=dict)
    cv_folds: int | None = None
    message: str = ""
    training: bool = False
    seconds: float | None = None


def _retrain_job(
    texts: list[str], labels: list[list[str]], params: dict[str, Any], pool_texts: list[str], cv: int | None
) -> tuple[Any, dict[str, float] | None, int | None, list[float], float]:
    """Fit on the answers, cross-validate, score the pool: run in a worker process."""
    from textkit.workflows.themes import make_classifier

    started = time.perf_counter()
    classifier = make_classifier(params)
    with warnings.catch_warnings():
        # "label X has a single example" on every early retrain: the page shows the counts instead.
        warnings.simplefilter("ignore", UserWarning)
        return _fit_and_score(classifier, texts, labels, pool_texts, cv, started)


def _fit_and_score(
    classifier: Any, texts: list[str], labels: list[list[str]], pool_texts: list[str], cv: int | None, started: float
) -> tuple[Any, dict[str, float] | None, int | None, list[float], float]:
    from sklearn.base import clone

    from textkit.themes.evaluate import cross_validate

    model = clone(classifier).fit(texts, labels)
    f1: dict[str, float] | None = None
    folds: int | None = None
    if cv:
        try:
            report = cross_validate(clone(classifier), texts, labels, cv=cv)
            f1 = {str(k): round(float(v["f1"]), 3) for k, v in report.per_label.items()}
            folds = cv
        except TextkitError:
            pass  # too few answers of some theme to split into folds: the page says so
    scores = uncertainty(model, pool_texts) if pool_texts else []
    return model, f1, folds, scores, time.perf_counter() - started


class Labeller:
    """Next article, answers and background retraining over a :class:`~textkit.web.index.CorpusIndex`.

    The next article comes in one of :attr:`modes`: ``"uncertainty"`` (the current model's
    least certain first), ``"random"`` (an unbiased evaluation sample), and, when the index
    holds the rule disagreement of a model trained from rules, ``"disagreement"`` (most
    disagreement first, :meth:`CorpusIndex.disagreement_order`, scored against the served
    model when the index was built, so retrains leave the order as it is; once those are
    answered, as ``"uncertainty"``). None ever repeats an article the annotator answered or
    skipped.

    Parameters
    ----------
    index : CorpusIndex
    log : AnswerLog
    themes : sequence of str
        The themes offered (the model's, those in the data or the answers, or given).
    model : ThemeClassifier, optional
        The starting model; without one, articles come at random until the first retrain.
    retrain_every : int
        Retrain after this many new answers (0: never).
    pool_size : int
        Unanswered articles scored by the model at each retrain; the most uncertain come first.
    model_params : dict, optional
        Parameters of the retrained :class:`~textkit.themes.classify.ThemeClassifier`.
    cv : int or None
        Folds of the cross-validated F1 shown per theme (None: no cross-validation).
    background : bool
        Retrain in a worker process (the server); False retrains in the caller (scripts, tests).
    seed : int
        Seed of the random choices.
    """

    def __init__(
        self,
        index: Any,
        log: AnswerLog,
        themes: Sequence[str],
        *,
        model: Any = None,
        retrain_every: int = 20,
        pool_size: int = 2000,
        model_params: dict[str, Any] | None = None,
        cv: int | None = 3,
        background: bool = True,
        seed: int = 0,
    ) -> None:
        if retrain_every < 0:
            raise ConfigError(f"retrain_every must be at least 0, not {retrain_every}", param="retrain_every")
        if pool_size < 1:
            raise ConfigError(f"pool_size must be at least 1, not {pool_size}", param="pool_size")
        if not themes:
            raise ConfigError("no themes to label with", hint="give a theme model, labelled data or a list of themes")
        self.index = index
        self.log = log
        self.themes = list(themes)
        self.retrain_every = retrain_every
        self.pool_size = pool_size
        self.model_params = dict(model_params or {})
        self.cv = cv
        self.background = background
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self.state = ModelState(model=model, message="starting model" if model is not None else "no model yet")
        self._queue: list[int] = []  # pool article numbers, most uncertain first
        # Read once: the index never changes (a list of ints, ~1 MB for 100k articles).
        self.disagreement_order: list[int] = index.disagreement_order() if index.rules_source else []
        """Articles the rules disagree on, most disagreement first (empty without rules)."""
        self.modes: tuple[str, ...] = MODES if index.rules_source else ("uncertainty", "random")
        """The modes :meth:`next` offers here."""
        self._skipped: dict[str, set[int]] = {}
        self._reopened: dict[str, int] = {}
        self._answered: dict[str, set[int]] = {}
        self._history: dict[str, list[int]] = {}
        self._answers_at_train = log.articles if model is None else 0
        self._executor: ProcessPoolExecutor | None = None
        self._future: Future | None = None
        self._progress: tuple[int, dict[str, Any]] | None = None
        self._resume()
        if model is not None:
            self._queue = self._score_pool(model)

    def _resume(self) -> None:
        """Rebuild who answered and skipped what from the answers file and its skips (a restart resumes here)."""
        skipped = self.log.skipped()
        numbers = self.index.numbers({r["id"] for r in self.log.lines} | {i for ids in skipped.values() for i in ids})
        for record in self.log.lines:
            n = numbers.get(record["id"])
            if n is not None:
                self._answered.setdefault(record["annotator"], set()).add(n)
                history = self._history.setdefault(record["annotator"], [])
                if n not in history:
                    history.append(n)
        for annotator, ids in skipped.items():
            self._skipped[annotator] = {numbers[i] for i in ids if i in numbers}

    # -- choosing ----------------------------------------------------------------------
    def next(self, annotator: str, mode: Mode = "uncertainty") -> int | None:
        """The number of the next article for ``annotator``: never one they answered or skipped.

        Returns None when every article is answered.
        """
        self.check_mode(mode)
        with self._lock:
            if annotator in self._reopened:
                return self._reopened[annotator]
            done = self._answered.get(annotator, set()) | self._skipped.get(annotator, set())
            if mode == "disagreement":
                for n in self.disagreement_order:
                    if n not in done:
                        return n
            if mode != "random" and self.state.model is not None:
                for n in self._queue:
                    if n not in done:
                        return n
            return self._random_unanswered(done)

    def check_mode(self, mode: str) -> str:
        """``mode`` if :meth:`next` offers it here.

        Raises
        ------
        ConfigError
            An unknown mode, or ``"disagreement"`` without rules, saying why.
        """
        if mode in self.modes:
            return mode
        if mode == "disagreement":
            raise ConfigError(
                "no rule disagreement here: the theme model was not trained from keyword rules",
                hint="train one with `textkit train --rules RULES`, or use uncertainty or random",
                param="mode",
            )
        raise ConfigError(f"unknown mode {mode[:40]!r}", hint=f"use {' or '.join(self.modes)}", param="mode")

    def _random_unanswered(self, done: set[int]) -> int | None:
        count = self.index.count
        if len(done) >= count:
            return None
        # Random probes are O(1) while most articles are unanswered; a scan only near the end.
        for _ in range(64):
            n = self._random.randint(1, count)
            if n not in done:
                return n
        rest = [n for n in range(1, count + 1) if n not in done]
        return self._random.choice(rest) if rest else None

    def suggest(self, text: str, explain: int = 8) -> ThemeRecord | None:
        """The current model's record for ``text`` (``labels``, ``scores`` of every theme, ``explanation``
        of the predicted ones, see :func:`~textkit.themes.predict.predict_stream`); None without a model."""
        from textkit.themes.predict import predict_stream

        model = self.state.model
        return next(predict_stream(model, [text], explain=explain, digits=3)) if model is not None else None

    # -- answering ---------------------------------------------------------------------
    def answer(self, annotator: str, n: int, labels: Sequence[str], mode: str = "uncertainty") -> dict[str, Any]:
        """Record ``annotator``'s themes for article ``n`` (at once, on disk) and maybe start a retrain.

        Raises
        ------
        InputError
            No such article, no theme ticked, or a theme that is not offered.
        """
        item = self.index.get(n)
        if item is None:
            raise InputError(f"no article number {n}")
        unknown = sorted(set(labels) - set(self.themes))
        if unknown:
            raise InputError(f"unknown theme(s): {', '.join(unknown)}", hint=f"themes: {', '.join(self.themes)}")
        if not labels:
            raise InputError("tick at least one theme, or skip the article")
        record = self.log.append(
            item.article, sorted(set(labels)), annotator, mode=mode, model_version=self.state.version
        )
        with self._lock:
            self._answered.setdefault(annotator, set()).add(n)
            self._push(annotator, n)
            self._reopened.pop(annotator, None)
        self.maybe_retrain()
        return record

    def skip(self, annotator: str, n: int) -> None:
        """Do not show article ``n`` to ``annotator`` again (recorded at once: a restart keeps it); undo brings it back.

        Raises
        ------
        InputError
            No such article.
        """
        article_id = self.index.ids([n]).get(n)
        if article_id is None:
            raise InputError(f"no article number {n}")
        self.log.skip(article_id, annotator)
        with self._lock:
            self._skipped.setdefault(annotator, set()).add(n)
            self._push(annotator, n)

    def _push(self, annotator: str, n: int) -> None:
        """``n`` is ``annotator``'s latest answer or skip (the first an undo reaches); lock held."""
        history = self._history.setdefault(annotator, [])
        if n in history:
            history.remove(n)
        history.append(n)
        if self._reopened.get(annotator) == n:
            del self._reopened[annotator]

    def undo(self, annotator: str) -> int | None:
        """Show ``annotator``'s last answered or skipped article again.

        A new answer to it supersedes the old one; a skip is taken back at once (on disk too).
        """
        with self._lock:
            history = self._history.get(annotator, [])
            current = self._reopened.get(annotator)
            candidates = [n for n in history if n != current]
            if not candidates:
                return None
            n = candidates[-1]
            # Move it back so a second undo reaches the answer before.
            history.remove(n)
            history.insert(0, n)
            self._reopened[annotator] = n
            unskip = n in self._skipped.get(annotator, set())
            if unskip:
                self._skipped[annotator].discard(n)
        if unskip:
            self.log.skip(self.index.ids([n])[n], annotator, skipped=False)
        return n

    def progress(self) -> dict[str, Any]:
        """``{"answers", "counts", "agreement"}``, recomputed only when answers came in (each page shows them)."""
        size = len(self.log.lines)
        if self._progress is None or self._progress[0] != size:
            counts = self.log.counts()
            self._progress = (size, {"answers": size, "counts": counts, "agreement": agreement(self.log, self.themes)})
        return self._progress[1]

    def previous_labels(self, annotator: str, article_id: str) -> list[str] | None:
        """The labels ``annotator`` gave this article last, if any."""
        record = self.log.latest(article_id, annotator)
        return list(record["labels"]) if record else None

    # -- retraining ----------------------------------------------------------------------
    def maybe_retrain(self, force: bool = False) -> bool:
        """Start a retrain if ``retrain_every`` new answers came in (or ``force``); True if one started."""
        # Counted before the training set is built: most answers start no retrain.
        answered = self.log.articles
        with self._lock:
            due = force or (self.retrain_every and answered - self._answers_at_train >= self.retrain_every)
            if not due or self.state.training or answered < 2:
                return False
            self.state.training = True
            self._answers_at_train = answered
            done = set().union(*self._answered.values()) if self._answered else set()
        texts, labels = self.log.training_set()
        pool = self._pool_numbers(done)
        pool_texts = self.index.texts(pool)
        args = (texts, labels, self.model_params, pool_texts, self.cv)
        if not self.background:
            self._finish(pool, len(texts), _run(args))
            return True
        if self._executor is None:
            import multiprocessing

            # spawn, not fork: the server has threads, and a forked copy of their locks can deadlock.
            self._executor = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
        future = self._executor.submit(_run, args)
        future.add_done_callback(lambda f: self._finish(pool, len(texts), f.result()))
        self._future = future
        return True

    def _pool_numbers(self, done: set[int]) -> list[int]:
        count = self.index.count
        if count - len(done) <= self.pool_size:
            return [n for n in range(1, count + 1) if n not in done]
        pool: set[int] = set()
        while len(pool) < self.pool_size:
            n = self._random.randint(1, count)
            if n not in done:
                pool.add(n)
        return sorted(pool)

    def _score_pool(self, model: Any) -> list[int]:
        done = set().union(*self._answered.values()) if self._answered else set()
        pool = self._pool_numbers(done)
        scores = uncertainty(model, self.index.texts(pool)) if pool else []
        return [n for _, n in sorted(zip(scores, pool))]

    def _finish(self, pool: list[int], trained_on: int, outcome: tuple[Any, ...]) -> None:
        error, result = outcome
        with self._lock:
            self.state.training = False
            if error is not None:
                self.state.message = f"retrain on {trained_on} answers failed: {error}"
                return
            model, f1, folds, scores, seconds = result
            self.state = ModelState(
                model=model,
                version=self.state.version + 1,
                trained_on=trained_on,
                f1=f1 or {},
                cv_folds=folds,
                message=f"retrained on {trained_on} answers"
                + ("" if f1 or not self.cv else f" (too few answers per theme for {self.cv}-fold F1)"),
                seconds=round(seconds, 2),
            )
            self._queue = [n for _, n in sorted(zip(scores, pool))]

    def wait(self, timeout: float | None = None) -> None:
        """Block until a running background retrain has finished (scripts and tests)."""
        future = self._future
        if future is not None:
            future.result(timeout=timeout)
            # The done-callback runs right after the result is set; let it finish.
            deadline = time.monotonic() + 5
            while self.state.training and time.monotonic() < deadline:
                time.sleep(0.01)

    def close(self) -> None:
        """Stop the worker process (a running retrain is abandoned)."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None


def _run(args: tuple[Any, ...]) -> tuple[str | None, Any]:
    """``(None, result)`` or ``(error message, None)``: a failed retrain must not take the server down."""
    try:
        return None, _retrain_job(*args)
    except TextkitError as error:
        return str(error), None


def agreement(log: AnswerLog, themes: Iterable[str]) -> dict[str, Any]:
    """Cohen's kappa per theme between each pair of annotators on the articles both answered.

    Returns
    -------
    dict
        ``{"annotators": [...], "pairs": [{"a", "b", "articles", "kappa": {theme: value or None}}]}``;
        a kappa is None where it is undefined (both annotators gave one constant answer).
    """
    import math
    from itertools import combinations

    from sklearn.metrics import cohen_kappa_score

    answers = log.resolved()
    by_annotator: dict[str, dict[str, set[str]]] = {}
    for (aid, annotator), record in answers.items():
        by_annotator.setdefault(annotator, {})[aid] = set(record["labels"])
    pairs = []
    for a, b in combinations(sorted(by_annotator), 2):
        shared = sorted(set(by_annotator[a]) & set(by_annotator[b]))
        kappa: dict[str, float | None] = {}
        for theme in themes:
            x = [theme in by_annotator[a][i] for i in shared]
            y = [theme in by_annotator[b][i] for i in shared]
            # Undefined when both gave one constant answer (e.g. nobody ticked the theme).
            value = float(cohen_kappa_score(x, y)) if len(set(x) | set(y)) == 2 else math.nan
            kappa[theme] = None if math.isnan(value) else round(value, 3)
        pairs.append({"a": a, "b": b, "articles": len(shared), "kappa": kappa})
    return {"annotators": sorted(by_annotator), "pairs": pairs}
