"""Start ``textkit serve``: load the models, open or build the index, run uvicorn on a free port."""

from __future__ import annotations

import os
import secrets
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textkit.errors import ConfigError

LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass
class ServeOptions:
    """What ``textkit serve`` was asked for (see the command's help)."""

    data: str
    model: str | None = None
    topics: str | None = None
    labels: str = "labels.jsonl"
    themes: list[str] | None = None
    retrain_every: int = 20
    host: str = "127.0.0.1"
    port: int = 0
    open_browser: bool = True
    index: str | None = None
    models_dir: str | None = None
    reader: dict[str, Any] = field(default_factory=dict)
    background: bool = True


def make_state(options: ServeOptions, say: Callable[[str], None] = lambda _: None) -> Any:
    """The :class:`~textkit.web.app.WebState` for ``options``: models loaded, index opened or built, labeller ready."""
    from textkit.reading.articles import read_articles
    from textkit.web.app import WebState
    from textkit.web.index import CorpusIndex, build_index, cache_path
    from textkit.workflows.labelling import AnswerLog, Labeller

    if not Path(options.data).exists():
        raise ConfigError(f"{options.data}: no such file or folder", param="DATA")
    model = topic_model = rules = None
    manifests: list[Any] = []
    if options.model:
        from textkit.store import load
        from textkit.workflows.themes import rules_of

        loaded = load(options.model, kind="themes", models_dir=options.models_dir)
        model = loaded.model
        rules = rules_of(loaded.manifest)
        manifests.append(loaded.manifest)
    if options.topics:
        from textkit.workflows.topics import load_topic_model

        topic_model, manifest = load_topic_model(options.topics, options.models_dir)
        manifests.append(manifest)
    index_path = Path(options.index) if options.index else cache_path(options.data, options.reader, *manifests)
    if not index_path.is_file():
        say(f"indexing {options.data} into {index_path} ...")
        build_index(
            read_articles(options.data, **options.reader), index_path, model=model, topic_model=topic_model, rules=rules
        )
    index = CorpusIndex(index_path)
    say(f"{index.count} articles indexed")
    log = AnswerLog(options.labels)
    if log.lines:
        say(f"resuming: {len(log.lines)} answers in {options.labels}")
    themes = options.themes
    if not themes:
        found = {str(c) for c in model.classes_} if model is not None else set(index.data_labels())
        found.update(label for record in log.lines for label in record["labels"])
        themes = sorted(found)
    labeller = None
    if themes:
        labeller = Labeller(
            index, log, themes, model=model, retrain_every=options.retrain_every, background=options.background
        )
        if index.rules_source:
            say(f"the rules of {index.rules_source} disagree on {len(labeller.disagreement_order)} articles")
    else:
        say("no themes (no --model, --themes or labelled data): the label page is off")
    loopback = options.host in LOOPBACK
    return WebState(
        index=index,
        labeller=labeller,
        topic_model=topic_model,
        topic_name=options.topics,
        models_dir=options.models_dir,
        token=None if loopback else secrets.token_urlsafe(24),
        allowed_hosts=["127.0.0.1", "localhost", "::1"] if loopback else ["*"],
        data_name=Path(options.data).name,
        model_name=options.model,
    )


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named, not left 0: asyncio sets TCP_NODELAY only on sockets that say they are TCP,
    # and without it every page larger than one write waited ~40 ms for a delayed ACK (Nagle).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        raise ConfigError(f"cannot listen on {host}:{port}: {error.strerror}", param="--port") from None
    sock.listen(128)
    return sock


def _has_display() -> bool:
    return sys.platform in ("darwin", "win32") or bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run(options: ServeOptions, say: Callable[[str], None]) -> None:
    """Serve until Ctrl-C (or SIGTERM), then stop the retrain worker."""
    import uvicorn

    from textkit.web.app import create_app, warm_comparisons

    state = make_state(options, say)
    warm_comparisons(state)  # the Compare page's default views, computed while the first pages are read
    sock = _listen(options.host, options.port)
    port = sock.getsockname()[1]
    shown = f"[{options.host}]" if ":" in options.host else options.host
    url = f"http://{shown}:{port}/" + (f"?token={state.token}" if state.token else "")
    print(f"textkit serve: {url}", flush=True)
    say("Ctrl-C stops the server")
    if options.open_browser and _has_display():
        import webbrowser

        webbrowser.open(url)
    server = uvicorn.Server(uvicorn.Config(create_app(state), log_level="warning", lifespan="off"))
    try:
        server.run(sockets=[sock])
    finally:
        if state.labeller is not None:
            state.labeller.close()
        sock.close()
