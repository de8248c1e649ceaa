"""Shared set-up of the web tests: small saved models of the sample corpus, a running server."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "articles.jsonl"


def save_models(models_dir: Path) -> None:
    """A theme model and a 4-topic model of the sample corpus, saved as ``themes`` and ``topics``."""
    from textkit.reading.articles import read_articles
    from textkit.store import ModelStore
    from textkit.themes.classify import ThemeClassifier
    from textkit.topics.model import TopicModel

    articles = list(read_articles(SAMPLE))
    store = ModelStore(models_dir)
    themes = ThemeClassifier().fit(articles, [list(a.labels) for a in articles])
    store.save(themes, "themes")
    topics = TopicModel(num_topics=4, workers=1, passes=2, measures=()).fit(articles)
    store.save(topics, "topics")


class Server:
    """``textkit serve`` in a child process; :meth:`kill` is SIGKILL, as a crash would be."""

    def __init__(self, *args: str, env: dict[str, str]) -> None:
        command = [sys.executable, "-m", "textkit", "serve", *args, "--no-open"]
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **env}, cwd=ROOT
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()  # the first line is the address
        match = re.search(r"(http://\S+)", line)
        if not match:
            self.process.kill()
            raise AssertionError(f"no address printed: {line!r} {self.process.stderr.read()}")  # type: ignore[union-attr]
        self.url = match.group(1).rstrip("/")
        self._wait_ready()

    def _wait_ready(self) -> None:
        import urllib.request

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/static/style.css", timeout=2)
                return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("the server did not answer within 30 s")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> int:
        """Ctrl-C; the exit code."""
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=20)
