"""Connecting to a Dask cluster: an existing scheduler, or ``local:N`` worker processes."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from textkit.errors import ConfigError, TextkitError

SCHEDULER_ENV = "TEXTKIT_DASK_SCHEDULER"
CONNECT_TIMEOUT = "5s"  # a scheduler that does not answer in 5 s is not coming: say so, do not hang
INSTALL_HINT = 'pip install "textkit[dask]"'


class ClusterError(TextkitError):
    """The Dask cluster cannot be used: Dask is not installed, or the scheduler cannot be reached."""


def parse_spec(spec: str) -> tuple[str, int | str]:
    """``("local", N)`` for ``local:N``, else ``("remote", address)``.

    Raises
    ------
    ConfigError
        ``local:`` without a positive number of workers (``param="cluster"``).
    """
    spec = spec.strip()
    if spec.startswith("local"):
        _, _, count = spec.partition(":")
        try:
            workers = int(count) if count else os.cpu_count() or 1
        except ValueError:
            workers = 0
        if workers < 1:
            raise ConfigError(
                f"{spec!r}: local needs a number of worker processes", hint="e.g. local:2", param="cluster"
            )
        return "local", workers
    if not spec:
        raise ConfigError("empty cluster address", hint="e.g. tcp://10.0.0.5:8786 or local:2", param="cluster")
    return "remote", spec


def import_distributed() -> Any:
    """The ``distributed`` module, or one line saying how to install it."""
    try:
        import distributed
    except ImportError:
        raise ClusterError(f"--cluster needs Dask, which is not installed ({INSTALL_HINT})") from None
    return distributed


@contextmanager
def connect(spec: str) -> Iterator[Any]:
    """A ``distributed.Client`` on ``spec`` (closed, and a local cluster stopped, on exit).

    ``local:N`` starts N single-threaded worker processes on this machine (threads
    would share one interpreter lock: tokenizing is Python code). Any other value is a
    scheduler address such as ``tcp://10.0.0.5:8786``.

    Raises
    ------
    ClusterError
        Dask is not installed, or the scheduler does not answer within 5 seconds.
    ConfigError
        A malformed ``local:N``.
    """
    kind, value = parse_spec(spec)
    distributed = import_distributed()
    local = (
        distributed.LocalCluster(
            n_workers=int(value),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.CRITICAL,  # a failed task is reported once, by the command,
        )
        if kind == "local"
        else nullcontext(value)
    )
    with local as target:
        try:
            client = distributed.Client(target, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as error:
            raise ClusterError(
                f"cannot reach the Dask scheduler at {value} ({_first_line(error)})",
                hint="start it with 'dask scheduler' and workers with 'dask worker ADDRESS', or use --cluster local:N",
            ) from None
        with client:
            yield client


def _first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]
