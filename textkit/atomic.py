"""Atomic file writes: a temporary file beside the target, renamed into place on success.

A reader never sees half a file, and an error, Ctrl-C or a termination signal leaves no
partial file behind. The writer holds a lock on its temporary file while it writes; a
temporary file left by a process killed outright (``kill -9``, a power cut) has no holder,
and the next write to the same target removes it.
The temporary file and folder functions of :mod:`tempfile` create private entries
(0600/0700); what textkit writes is meant to be shared like any file the user makes (a
report, a model in a team's models folder), so permissions follow the umask as
``open()`` and ``mkdir()`` would.
"""

from __future__ import annotations

import fcntl
import glob
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


def _umask() -> int:
    mask = os.umask(0)  # reading the umask means setting it: put it back at once
    os.umask(mask)
    return mask


def share_like_mkdir(folder: str | Path) -> None:
    """Give a folder made by :func:`tempfile.mkdtemp` the permissions ``mkdir()`` would."""
    os.chmod(folder, 0o777 & ~_umask())


@contextmanager
def atomic_write(path: str | Path, mode: str = "w", **open_options: Any) -> Iterator[IO[Any]]:
    """Open a temporary file next to ``path`` for writing; on success rename it to ``path``.

    ``mode`` and ``open_options`` go to :func:`open` (``"w"``/``"wb"``, encoding...). The
    folder is created if needed. ``OSError`` (disk full, permission denied) propagates:
    callers say which file could not be written.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    sweep_partial(target)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)  # held until closed: marks the file as live
        os.chmod(temporary, 0o666 & ~_umask())
        with os.fdopen(descriptor, mode, **open_options) as handle:
            yield handle
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def sweep_partial(target: str | Path) -> list[Path]:
    """Remove temporary files of ``target`` that no live process is writing (their lock is free).

    Returns the files removed.
    """
    target = Path(target)
    removed = []
    for candidate in target.parent.glob(f".{glob.escape(target.name)}.*.part"):
        try:
            descriptor = os.open(candidate, os.O_RDONLY)
        except OSError:
            continue
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            continue  # a live writer holds it
        else:
            candidate.unlink(missing_ok=True)
            removed.append(candidate)
        finally:
            os.close(descriptor)
    return removed
