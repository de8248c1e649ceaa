"""The ``textkit serve`` web application: Starlette routes over a corpus index, a labeller and models.

Pages are rendered on the server (Jinja2, autoescaped: article text is untrusted and always
shown as text). Safety, in :class:`_Guard`: with a token, every request must carry it (the
first visit with ``?token=`` sets a cookie); every POST must carry the session's CSRF token
(double-submit cookie, ``SameSite=Strict``) and come from this origin; the Host header must
name this server (DNS rebinding). Static files are three fixed resources, never a path
from the request. Errors are pages with a 4xx/5xx status; the server keeps running.

Pages that only read are plain functions, which Starlette runs in its thread pool: a slow
page (a model explaining an article, a search) never holds up another annotator's request.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import secrets
import sys
import threading
from collections import OrderedDict
from concurrent.futures import Future
from dataclasses import dataclass, field
from importlib import resources
from typing import Any
from urllib.parse import urlencode, urlsplit

from jinja2 import Environment, PackageLoader
from markupsafe import Markup, escape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from textkit.errors import TextkitError
from textkit.records import ThemeRecord
from textkit.web.index import CorpusIndex
from textkit.workflows.labelling import Labeller

TOKEN_COOKIE = "textkit_token"
CSRF_COOKIE = "textkit_csrf"
NAME_COOKIE = "textkit_annotator"
_NAME = re.compile(r"^[\w .@-]{1,40}$", re.UNICODE)
_KEYS = "1234567890"
# Scripts only from this server: an injected <script> would not run even if escaping failed.
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


@dataclass
class WebState:
    """What the pages read: the index, the labeller, the models and the safety settings."""

    index: CorpusIndex
    labeller: Labeller | None = None
    topic_model: Any = None
    topic_name: str | None = None
    models_dir: str | None = None
    token: str | None = None
    allowed_hosts: list[str] = field(default_factory=lambda: ["127.0.0.1", "localhost"])
    data_name: str = ""
    model_name: str | None = None
    # The index never changes: comparisons already made are kept (the last few) for the page and its downloads.
    comparisons: OrderedDict[tuple[Any, ...], Any] = field(default_factory=OrderedDict)
    # Comparisons being computed: a request for one waits for it rather than computing it a second time.
    computing: dict[tuple[Any, ...], Future[Any]] = field(default_factory=dict)
    comparisons_lock: threading.Lock = field(default_factory=threading.Lock)


def _static(name: str) -> tuple[bytes, str]:
    if name == "plotly.min.js":
        import plotly

        return resources.files(plotly).joinpath("package_data/plotly.min.js").read_bytes(), "text/javascript"
    media = {"app.js": "text/javascript", "style.css": "text/css"}[name]
    return resources.files("textkit.web").joinpath(f"static/{name}").read_bytes(), media


_STATIC_NAMES = ("plotly.min.js", "app.js", "style.css")


class _Guard(BaseHTTPMiddleware):
    """Token, CSRF and origin checks, the CSRF cookie, and security headers on every response."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        state: WebState = request.app.state.web
        if state.token:
            given = request.query_params.get("token")
            if given is not None:
                if not secrets.compare_digest(given, state.token):
                    return _plain(403, "wrong token: use the address textkit serve printed")
                # Move the token from the address into a cookie so it does not stay in the history.
                rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
                target = request.url.path + (f"?{urlencode(rest)}" if rest else "")
                response: Response = RedirectResponse(target, status_code=303)
                _cookie(response, TOKEN_COOKIE, state.token)
                return response
            cookie = request.cookies.get(TOKEN_COOKIE, "")
            bearer = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
            if not (
                secrets.compare_digest(cookie, state.token) or (bearer and secrets.compare_digest(bearer, state.token))
            ):
                return _plain(403, "a token is required: open the address textkit serve printed (with ?token=...)")
        csrf = request.cookies.get(CSRF_COOKIE) or ""
        if request.method == "POST":
            problem = _cross_site(request)
            if problem:
                return _plain(403, problem)
        elif request.method not in ("GET", "HEAD"):
            return _plain(405, f"method {request.method} not allowed")
        if not csrf:
            csrf = secrets.token_urlsafe(24)
        request.state.csrf = csrf
        response = await call_next(request)
        if request.cookies.get(CSRF_COOKIE) != csrf:
            _cookie(response, CSRF_COOKIE, csrf)
        response.headers["Content-Security-Policy"] = _CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        return response


def _cross_site(request: Request) -> str | None:
    """Why a POST from another site is refused (its Origin or Sec-Fetch-Site headers), or None."""
    origin = request.headers.get("origin")
    if origin is not None and urlsplit(origin).netloc != request.headers.get("host"):
        return f"cross-site request refused (origin {origin})"
    if request.headers.get("sec-fetch-site") not in (None, "same-origin", "none"):
        return "cross-site request refused"
    return None


async def _form(request: Request) -> Any:
    """The posted form, after checking its CSRF token against the session's cookie (every POST reads it here)."""
    try:
        form = await request.form()
    except Exception:  # the multipart parser raises its own errors on a malformed body
        raise HTTPException(400, "malformed form") from None
    given = form.get("csrf")
    csrf = request.cookies.get(CSRF_COOKIE) or ""
    if not csrf or not isinstance(given, str) or not secrets.compare_digest(given, csrf):
        raise HTTPException(403, "missing or wrong CSRF token: reload the page and try again")
    return form


def _cookie(response: Response, name: str, value: str) -> None:
    response.set_cookie(name, value, httponly=True, samesite="strict", max_age=30 * 24 * 3600)


def _plain(status: int, message: str) -> PlainTextResponse:
    return PlainTextResponse(f"{status} {message}\n", status_code=status)


# -- rendering ---------------------------------------------------------------------------
_env = Environment(loader=PackageLoader("textkit.web", "templates"), autoescape=True, trim_blocks=True)


def _render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    state: WebState = request.app.state.web
    page = _env.get_template(template).render(
        request=request,
        csrf=request.state.csrf,
        annotator=request.cookies.get(NAME_COOKIE),
        data_name=state.data_name,
        has_topics=state.topic_model is not None,
        has_labeller=state.labeller is not None,
        **context,
    )
    return HTMLResponse(page, status_code=status)


def figure_json(figure: dict[str, Any]) -> Markup:
    """A plotly figure as JSON safe inside ``<script type="application/json">`` (no ``</script>`` break-out)."""
    text = json.dumps(figure, ensure_ascii=False)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def highlight(text: str, terms: list[str]) -> Markup:
    """``text`` escaped, with each of ``terms`` (words or word n-grams, any case) in ``<mark>``."""
    words = sorted({t for t in terms if t.strip()}, key=len, reverse=True)
    if not words:
        return escape(text)
    pattern = re.compile(
        "|".join(r"\b" + r"\W+".join(re.escape(w) for w in term.split()) + r"\b" for term in words), re.IGNORECASE
    )
    parts: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        parts.append(str(escape(text[last : match.start()])))
        parts.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    parts.append(str(escape(text[last:])))
    return Markup("".join(parts))


def _int(value: str | None, name: str, default: int | None = None) -> int | None:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise HTTPException(400, f"{name} must be a whole number, not {value[:40]!r}") from None


def _state(request: Request) -> WebState:
    return request.app.state.web


def _labeller(request: Request) -> Labeller:
    labeller = _state(request).labeller
    if labeller is None:
        raise HTTPException(404, "labelling is off: start textkit serve with a theme model, labelled data or --themes")
    return labeller


def _mode(labeller: Labeller, value: str | None) -> str:
    """The requested mode, checked by the labeller (a ConfigError is a 400 page with its message)."""
    return labeller.check_mode(value or "uncertainty")


_MODE_TITLES = {"uncertainty": "uncertainty", "random": "random", "disagreement": "rule disagreement"}


# -- label -----------------------------------------------------------------------------------
def home(request: Request) -> Response:
    return RedirectResponse("/label" if _state(request).labeller else "/overview", status_code=303)


def label_page(request: Request) -> Response:
    labeller = _labeller(request)
    mode = _mode(labeller, request.query_params.get("mode"))
    annotator = request.cookies.get(NAME_COOKIE)
    if not annotator or not _NAME.match(annotator):
        return _render(request, "name.html", mode=mode)
    n = labeller.next(annotator, mode)  # type: ignore[arg-type]
    context = _label_status(labeller)
    if n is None:
        return _render(request, "label.html", item=None, mode=mode, **context)
    item = labeller.index.get(n)
    assert item is not None
    empty: ThemeRecord = {"id": item.article.id, "labels": [], "scores": {}, "explanation": {}}
    suggested = labeller.suggest(item.article.full_text) or empty
    scores = suggested["scores"]
    previous = labeller.previous_labels(annotator, item.article.id)
    ticked = set(previous if previous is not None else suggested["labels"])
    explanation = suggested.get("explanation", {})
    terms = {label: [t for t, _ in found] for label, found in explanation.items() if label in ticked}
    themes = [
        {"key": _KEYS[i] if i < len(_KEYS) else "", "name": t, "score": scores.get(t), "ticked": t in ticked}
        for i, t in enumerate(labeller.themes)
    ]
    return _render(
        request,
        "label.html",
        item=item,
        mode=mode,
        themes=themes,
        terms=terms,
        reopened=previous is not None,
        disagreement=labeller.index.disagreement(n) if labeller.index.rules_source else None,
        headline=highlight(item.article.headline, [w for ws in terms.values() for w in ws]),
        body=highlight(item.article.text, [w for ws in terms.values() for w in ws]),
        **context,
    )


def _label_status(labeller: Labeller) -> dict[str, Any]:
    state = labeller.state
    progress = labeller.progress()
    return {
        "modes": [(m, _MODE_TITLES[m]) for m in labeller.modes],
        "model_state": state,
        "counts": [(t, progress["counts"].get(t, 0), state.f1.get(t)) for t in labeller.themes],
        "answers": progress["answers"],
        "agreement": progress["agreement"],
    }


async def set_name(request: Request) -> Response:
    form = await _form(request)
    name = str(form.get("name", "")).strip()
    if not _NAME.match(name):
        raise HTTPException(400, "a name is 1 to 40 letters, digits, spaces or . @ - _")
    mode = _mode(_labeller(request), str(form.get("mode") or ""))
    response = RedirectResponse(f"/label?mode={mode}", status_code=303)
    _cookie(response, NAME_COOKIE, name)
    return response


def _annotator(request: Request) -> str:
    annotator = request.cookies.get(NAME_COOKIE)
    if not annotator or not _NAME.match(annotator):
        raise HTTPException(400, "no annotator name: open /label and give your name first")
    return annotator


async def answer(request: Request) -> Response:
    labeller = _labeller(request)
    annotator = _annotator(request)
    form = await _form(request)
    mode = _mode(labeller, str(form.get("mode") or ""))
    n = _int(str(form.get("n") or ""), "n")
    if n is None:
        raise HTTPException(400, "which article? the form has no n")
    action = form.get("action")
    if action == "skip":
        if labeller.index.get(n) is None:
            raise HTTPException(404, f"no article number {n}")
        labeller.skip(annotator, n)
    elif action == "accept":
        labeller.answer(annotator, n, [str(v) for v in form.getlist("theme")], mode=mode)
    else:
        raise HTTPException(400, "action must be accept or skip")
    return RedirectResponse(f"/label?mode={mode}", status_code=303)


async def undo(request: Request) -> Response:
    labeller = _labeller(request)
    annotator = _annotator(request)
    form = await _form(request)
    mode = _mode(labeller, str(form.get("mode") or ""))
    labeller.undo(annotator)
    return RedirectResponse(f"/label?mode={mode}", status_code=303)


def status(request: Request) -> Response:
    """The labelling state as JSON (the page's counts, F1 and agreement)."""
    labeller = _labeller(request)
    state = labeller.state
    return JSONResponse(
        {
            **labeller.progress(),
            "model_version": state.version,
            "trained_on": state.trained_on,
            "training": state.training,
            "f1": state.f1,
            "message": state.message,
        }
    )


# -- explore -----------------------------------------------------------------------------------
def _line_figure(
    series: dict[str, dict[str, int]], title: str, months: list[str], share_of: dict[str, int] | None
) -> Markup:
    data = []
    for name, values in series.items():
        y: list[float] = [values.get(m, 0) for m in months]
        if share_of is not None:
            y = [round(v / share_of[m], 4) if share_of.get(m) else 0.0 for v, m in zip(y, months)]
        data.append({"type": "scatter", "mode": "lines+markers", "name": name, "x": months, "y": y})
    layout = {"title": {"text": title}, "height": 340, "margin": {"t": 40, "l": 50, "r": 10, "b": 40}}
    if share_of is not None:
        layout["yaxis"] = {"tickformat": ".0%"}
    return figure_json({"data": data, "layout": layout})


def _bar_figure(x: list[Any], y: list[Any], title: str, horizontal: bool = False) -> Markup:
    trace = {"type": "bar", "x": y, "y": x, "orientation": "h"} if horizontal else {"type": "bar", "x": x, "y": y}
    layout: dict[str, Any] = {"title": {"text": title}, "height": 340, "margin": {"t": 40, "l": 120, "r": 10, "b": 40}}
    if horizontal:
        layout["yaxis"] = {"autorange": "reversed"}
    return figure_json({"data": [trace], "layout": layout})


def overview(request: Request) -> Response:
    state = _state(request)
    index = state.index
    source = request.query_params.get("source") or None
    per_month = index.per_month(source)
    months = sorted(per_month)
    per_source = index.per_source()
    figures = [
        _bar_figure(months, [per_month[m] for m in months], "Articles per month"),
        _bar_figure(list(per_source), list(per_source.values()), "Articles per source (top 30)", horizontal=True),
    ]
    themes = index.themes_per_month(source)
    if themes:
        figures.append(_line_figure(themes, "Themes over time: articles", months, None))
        figures.append(_line_figure(themes, "Themes over time: share of the month's articles", months, per_month))
    topics = index.topics_per_month(source)
    if topics and state.topic_model is not None:
        labels = state.topic_model.labels_
        named = {labels[k]: v for k, v in sorted(topics.items())}
        figures.append(_line_figure(named, "Topics over time: share of the month's articles", months, per_month))
    return _render(
        request,
        "overview.html",
        figures=figures,
        count=index.count,
        source=source,
        sources=sorted(index.sources()),
        has_themes=bool(themes),
    )


def _topic_model(request: Request) -> Any:
    model = _state(request).topic_model
    if model is None:
        raise HTTPException(404, "no topic model: start textkit serve with --topics NAME")
    return model


def topics_page(request: Request) -> Response:
    model = _topic_model(request)
    return _render(request, "topics.html", topics=model.topics(10))


def topic_page(request: Request) -> Response:
    model = _topic_model(request)
    k = request.path_params["k"]
    if not 0 <= k < model.num_topics_:
        raise HTTPException(404, f"no topic {k}: the topics are numbered 0 to {model.num_topics_ - 1}")
    words = model.top_words(k, 15)
    figure = _bar_figure([w for w, _ in words], [round(p, 4) for _, p in words], "Top words", horizontal=True)
    representative = _state(request).index.representative(k, 10)
    return _render(request, "topic.html", k=k, label=model.labels_[k], figure=figure, representative=representative)


async def relabel_topic(request: Request) -> Response:
    state = _state(request)
    _topic_model(request)
    k = request.path_params["k"]
    form = await _form(request)
    from textkit.workflows.topics import relabel

    state.topic_model = relabel(state.topic_name or "topics", {k: str(form.get("label", ""))}, state.models_dir)
    return RedirectResponse(f"/topics/{k}", status_code=303)


def article_page(request: Request) -> Response:
    state = _state(request)
    n = request.path_params["n"]
    item = state.index.get(n)
    if item is None:
        raise HTTPException(404, f"no article number {n}")
    suggested = state.labeller.suggest(item.article.full_text, explain=10) if state.labeller else None
    explained = {k: [t for t, _ in v] for k, v in suggested["explanation"].items()} if suggested else {}
    scores = suggested["scores"] if suggested else {}
    terms = [t for ts in explained.values() for t in ts]
    mixture = None
    if item.topic_mix is not None and state.topic_model is not None:
        pairs = sorted(zip(state.topic_model.labels_, item.topic_mix), key=lambda p: -p[1])
        mixture = _bar_figure([p[0] for p in pairs], [round(p[1], 4) for p in pairs], "Topic mixture", True)
    answers = []
    if state.labeller is not None:
        answers = [r for (aid, _), r in state.labeller.log.resolved().items() if aid == item.article.id]
    return _render(
        request,
        "article.html",
        item=item,
        headline=highlight(item.article.headline, terms),
        body=highlight(item.article.text, terms),
        explained=explained,
        scores=scores,
        mixture=mixture,
        answers=answers,
        similar=state.index.similar(n),
    )


def search_page(request: Request) -> Response:
    state = _state(request)
    params = request.query_params
    topic = _int(params.get("topic"), "topic")
    words = params.get("q", "")
    filters = {
        "theme": params.get("theme") or None,
        "topic": topic,
        "source": params.get("source") or None,
        "date_from": params.get("from") or None,
        "date_to": params.get("to") or None,
    }
    searched = bool(words.strip()) or any(v is not None for v in filters.values())
    results, total = state.index.search(words, **filters) if searched else ([], 0)  # type: ignore[arg-type]
    labeller = state.labeller
    return _render(
        request,
        "search.html",
        q=words,
        filters=filters,
        results=results,
        total=total,
        searched=searched,
        themes=state.index.model_themes or (labeller.themes if labeller else []),
        topics=state.topic_model.labels_ if state.topic_model is not None else [],
        sources=sorted(state.index.sources()),
    )


# -- compare ---------------------------------------------------------------------------------
MAX_RESAMPLES = 5000  # a request cannot hold the server for minutes
CONFIDENCE_LEVELS = (0.8, 0.9, 0.95, 0.99)
SHOWN_DIFFERENCES = 50  # rows of the page's table; the CSV has them all
_KEPT_COMPARISONS = 16
# The defaults of a compare request (textkit compare's), and the views computed at start (warm_comparisons).
DEFAULT_CONFIDENCE, DEFAULT_RESAMPLES, DEFAULT_MIN_GROUP, DEFAULT_SEED = 0.95, 1000, 10, 0
WARMED_GROUPINGS = ("source", "month")
WARM_UP_NICENESS = 10  # added to the warm-up thread's nice value (Linux): the pages asked for meanwhile come first


@dataclass(frozen=True)
class CompareRequest:
    """The validated options of a compare request (each one as ``textkit compare`` names it)."""

    kind: str
    by: str
    sources: tuple[str, ...]
    date_from: str | None
    date_to: str | None
    confidence: float
    resamples: int
    min_group: int
    seed: int

    def query(self, **extra: str) -> str:
        """The query string that asks for this comparison again."""
        pairs: list[tuple[str, Any]] = [("model", self.kind), ("by", self.by)]
        pairs += [("source", s) for s in self.sources]
        pairs += [(k, v) for k, v in (("from", self.date_from), ("to", self.date_to)) if v]
        pairs += [("confidence", self.confidence), ("resamples", self.resamples)]
        pairs += [("min_group", self.min_group), ("seed", self.seed), *extra.items()]
        return urlencode(pairs)


def _bounded(value: str | None, name: str, default: int, low: int, high: int | None = None) -> int:
    """A whole-number parameter within its bounds, else a 400 naming it."""
    number = _int(value, name, default)
    assert number is not None
    if number < low or (high is not None and number > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise HTTPException(400, f"{name} must be {bounds}, not {number}")
    return number


def _compare_kinds(state: WebState) -> list[str]:
    """The models a comparison can use: themes when the index has predicted themes, topics when a model is loaded."""
    kinds = ["themes"] if state.index.model_themes else []
    return kinds + (["topics"] if state.topic_model is not None and state.index.topic_labels else [])


def _compare_request(request: Request) -> CompareRequest:
    """The compare options of ``request``, checked: a bad one is a 400 naming it."""
    from textkit.web.index import COMPARE_GROUPINGS

    state = _state(request)
    params = request.query_params
    kinds = _compare_kinds(state)
    if not kinds:
        raise HTTPException(404, "nothing to compare: start textkit serve with --model NAME or --topics NAME")
    kind = params.get("model") or kinds[0]
    if kind not in kinds:
        raise HTTPException(400, f"model must be one of {', '.join(kinds)}, not {kind[:40]!r}")
    by = params.get("by") or "source"
    if by not in COMPARE_GROUPINGS:
        raise HTTPException(400, f"by must be one of {', '.join(COMPARE_GROUPINGS)}, not {by[:40]!r}")
    known = set(state.index.sources())
    sources = tuple(sorted({s for s in params.getlist("source") if s}))
    unknown = [s for s in sources if s not in known]
    if unknown:
        raise HTTPException(400, f"unknown source {unknown[0][:40]!r}")
    dates = []
    for name in ("from", "to"):
        value = params.get(name) or None
        if value is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise HTTPException(400, f"{name} must be a date YYYY-MM-DD, not {value[:40]!r}")
        dates.append(value)
    raw = params.get("confidence") or str(DEFAULT_CONFIDENCE)
    try:
        confidence = float(raw)
    except ValueError:
        confidence = float("nan")
    if not 0.5 <= confidence <= 0.999:
        raise HTTPException(400, f"confidence must be a number between 0.5 and 0.999, not {raw[:40]!r}")
    resamples = _bounded(params.get("resamples"), "resamples", DEFAULT_RESAMPLES, 100, MAX_RESAMPLES)
    min_group = _bounded(params.get("min_group"), "min_group", DEFAULT_MIN_GROUP, 2)
    seed = _bounded(params.get("seed"), "seed", DEFAULT_SEED, 0, 2**32 - 1)
    return CompareRequest(kind, by, sources, dates[0], dates[1], confidence, resamples, min_group, seed)


def _comparison(state: WebState, options: CompareRequest) -> Any:
    """The :class:`~textkit.analysis.compare.Comparison` for ``options``: the index's rows, textkit compare's function.

    One kept is read; one being computed (by the warm-up or another request) is waited for;
    otherwise this request computes it (seconds on 100,000 articles) and keeps it.

    Raises
    ------
    TextkitError
        Nothing to compare (fewer than two groups large enough).
    """
    from textkit.analysis.compare import MEASURES, compare_groups

    columns = list(state.index.model_themes if options.kind == "themes" else state.topic_model.labels_)
    key = (options, tuple(columns))  # a topic renamed on its page gives the new names
    with state.comparisons_lock:
        if key in state.comparisons:
            state.comparisons.move_to_end(key)
            return state.comparisons[key]
        pending = state.computing.get(key)
        if pending is not None:
            computed_elsewhere = True
        else:
            computed_elsewhere, pending = False, Future()
            state.computing[key] = pending
    if computed_elsewhere:
        return pending.result()  # its result, or the same error (nothing to compare)
    try:
        keys, rows, skipped = state.index.group_rows(
            options.kind, options.by, sources=options.sources, date_from=options.date_from, date_to=options.date_to
        )
        result = compare_groups(
            keys,
            rows,
            columns,
            by=options.by,
            min_group=options.min_group,
            resamples=options.resamples,
            confidence=options.confidence,
            seed=options.seed,
            measure=MEASURES[options.kind],
            skipped=skipped,
        )
    except BaseException as error:
        with state.comparisons_lock:
            del state.computing[key]
        pending.set_exception(error)
        raise
    with state.comparisons_lock:
        state.comparisons[key] = result
        while len(state.comparisons) > _KEPT_COMPARISONS:
            state.comparisons.popitem(last=False)
        del state.computing[key]
    pending.set_result(result)
    return result


def warm_comparisons(state: WebState) -> threading.Thread:
    """Compute the Compare page's default views (each model by source, then by month) in a daemon thread.

    The results are kept as a request's would be, so the first visit of the page reads them;
    a request for one still being computed waits for it. On Linux the thread runs at a lower
    priority (:data:`WARM_UP_NICENESS`): on a busy machine the other pages keep their latency
    and the warm-up takes longer. Returns the thread (started).
    """
    options = [
        CompareRequest(kind, by, (), None, None, DEFAULT_CONFIDENCE, DEFAULT_RESAMPLES, DEFAULT_MIN_GROUP, DEFAULT_SEED)
        for by in WARMED_GROUPINGS
        for kind in _compare_kinds(state)
    ]

    def warm() -> None:
        if sys.platform == "linux":  # a thread has its own nice value there (elsewhere it is the process's)
            niceness = min(19, os.getpriority(os.PRIO_PROCESS, 0) + WARM_UP_NICENESS)
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), niceness)
        for option in options:
            with contextlib.suppress(TextkitError):  # nothing to compare this way: the page says why when asked
                _comparison(state, option)

    thread = threading.Thread(target=warm, name="textkit-compare-warm-up", daemon=True)
    thread.start()
    return thread


def _compare_figure(result: Any) -> Markup:
    """Each column's value per group with its interval (error bars): lines over months, grouped bars otherwise."""
    import numpy as np

    # The largest columns (lines over months) or groups (bars) drawn at first; the others one click away in the legend.
    shown = 5 if result.by == "month" else 8
    order = [int(c) for c in np.argsort(-result.share.mean(axis=0), kind="stable")]
    level = f"{result.confidence:.0%}"

    def bars(values: Any, low: Any, high: Any) -> dict[str, Any]:
        up = [round(float(h - v), 4) for v, h in zip(values, high)]
        down = [round(float(v - lo), 4) for v, lo in zip(values, low)]
        return {"type": "data", "symmetric": False, "array": up, "arrayminus": down, "thickness": 1.2, "width": 4}

    data: list[dict[str, Any]] = []
    if result.by == "month":
        for rank, c in enumerate(order):
            values = result.share[:, c]
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines+markers",
                    "name": result.columns[c],
                    "x": result.groups,
                    "y": [round(float(v), 4) for v in values],
                    "error_y": bars(values, result.low[:, c], result.high[:, c]),
                    "visible": True if rank < shown else "legendonly",
                }
            )
        xaxis: dict[str, Any] = {"title": {"text": "month"}, "type": "category"}
    else:
        largest = set(np.argsort(-np.array(result.counts), kind="stable")[:shown].tolist())
        for g, group in enumerate(result.groups):
            data.append(
                {
                    "type": "bar",
                    "name": f"{group} ({result.counts[g]:,})",
                    "x": [result.columns[c] for c in order],
                    "y": [round(float(result.share[g, c]), 4) for c in order],
                    "error_y": bars(result.share[g, order], result.low[g, order], result.high[g, order]),
                    "visible": True if g in largest else "legendonly",
                }
            )
        xaxis = {"type": "category"}
    layout = {
        "title": {"text": f"{result.measure} per {result.by}, {level} bootstrap intervals"},
        "height": 460,
        "margin": {"t": 40, "l": 60, "r": 10, "b": 90},
        "barmode": "group",
        "xaxis": xaxis,
        "yaxis": {"tickformat": ".0%", "rangemode": "tozero", "title": {"text": result.measure}},
        "legend": {"orientation": "v"},
    }
    return figure_json({"data": data, "layout": layout})


def compare_page(request: Request) -> Response:
    """Shares per group with intervals (chart), the supported differences and the shares (tables)."""
    from textkit.analysis.compare import CORRECTION

    state = _state(request)
    options = _compare_request(request)
    context: dict[str, Any] = {
        "options": options,
        "kinds": _compare_kinds(state),
        "groupings": ("source", "month", "place"),
        "levels": CONFIDENCE_LEVELS,
        "sources": state.index.sources(),
        "max_resamples": MAX_RESAMPLES,
        "correction": CORRECTION,
    }
    try:
        result = _comparison(state, options)
    except TextkitError as error:  # nothing to compare here: the form stays, with why
        return _render(request, "compare.html", status=400, result=None, message=str(error), **context)
    model = state.model_name if options.kind == "themes" else state.topic_name
    command = None
    if model and not (options.sources or options.date_from or options.date_to):
        command = (
            f"textkit compare {state.data_name} -m {model} --by {options.by} --confidence {options.confidence} "
            f"--resamples {options.resamples} --min-group {options.min_group} --seed {options.seed}"
        )
    return _render(
        request,
        "compare.html",
        result=result,
        figure=_compare_figure(result),
        supported=result.supported()[:SHOWN_DIFFERENCES],
        supported_count=len(result.supported()),
        skipped=", ".join(f"{n:,} {reason}" for reason, n in result.skipped.items()),
        command=command,
        **context,
    )


def compare_download(request: Request) -> Response:
    """The page's comparison as CSV (``table``: shares or differences) or JSON (everything), as textkit compare writes them."""
    state = _state(request)
    options = _compare_request(request)
    form = request.path_params["format"]
    if form not in ("csv", "json"):
        raise HTTPException(404, "no such download: use /compare.csv or /compare.json")
    table = request.query_params.get("table") or "shares"
    if form == "csv" and table not in ("shares", "differences"):
        raise HTTPException(400, f"table must be shares or differences, not {table[:40]!r}")
    try:
        result = _comparison(state, options)
    except TextkitError as error:
        return _plain(400, str(error))
    handle = io.StringIO()
    if form == "json":
        result.write_json(handle)
        return Response(handle.getvalue(), media_type="application/json")
    result.write_csv(handle, table)
    name = f"compare-{options.kind}-{options.by}-{table}.csv"  # made of checked values only
    return Response(
        handle.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def static(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in _STATIC_NAMES:
        raise HTTPException(404, "no such file")
    body, media = _static(name)
    return Response(body, media_type=media, headers={"Cache-Control": "max-age=3600"})


# -- errors ------------------------------------------------------------------------------------
async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    return _error_page(request, error.status_code, str(error.detail))


async def _textkit_error(request: Request, error: Exception) -> Response:
    return _error_page(request, 400, str(error))


async def _server_error(request: Request, error: Exception) -> Response:
    return _plain(500, f"internal error ({type(error).__name__}: {error}); this is a bug in textkit")


def _error_page(request: Request, status: int, message: str) -> Response:
    if not hasattr(request.state, "csrf"):  # refused before the guard (e.g. by the trusted host check)
        return _plain(status, message)
    return _render(request, "error.html", status=status, code=status, message=message)


def create_app(state: WebState) -> Starlette:
    """The ASGI application serving ``state``."""
    routes = [
        Route("/", home),
        Route("/label", label_page),
        Route("/label", answer, methods=["POST"]),
        Route("/name", set_name, methods=["POST"]),
        Route("/undo", undo, methods=["POST"]),
        Route("/status", status),
        Route("/overview", overview),
        Route("/topics", topics_page),
        Route("/topics/{k:int}", topic_page),
        Route("/topics/{k:int}/label", relabel_topic, methods=["POST"]),
        Route("/article/{n:int}", article_page),
        Route("/search", search_page),
        Route("/compare", compare_page),
        Route("/compare.{format:str}", compare_download),
        Route("/static/{name}", static),
    ]
    middleware = [
        Middleware(TrustedHostMiddleware, allowed_hosts=state.allowed_hosts),
        Middleware(_Guard),
    ]
    handlers: dict[Any, Any] = {HTTPException: _http_error, TextkitError: _textkit_error, Exception: _server_error}
    app = Starlette(routes=routes, middleware=middleware, exception_handlers=handlers)
    app.state.web = state
    return app
