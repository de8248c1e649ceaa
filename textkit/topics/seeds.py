"""Seeds files: the topics a user wants found, each named and given a few words."""

from __future__ import annotations

from pathlib import Path

from textkit.errors import InputError


def load_seeds(path: str | Path) -> dict[str, list[str]]:
    """Read a seeds file: one topic per line, ``topic_name: word, word, word``.

    Blank lines and lines starting with ``#`` are ignored.

    Raises
    ------
    InputError
        The file is missing, or a line is not ``name: words`` (the message names the line).
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise InputError(f"{path}: no such seeds file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot read the seeds file ({error})") from None
    seeds: dict[str, list[str]] = {}
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, colon, words = line.partition(":")
        name = name.strip()
        words_list = [w.strip() for w in words.split(",") if w.strip()]
        if not colon or not name or not words_list:
            raise InputError(f"{path}:{number}: expected 'topic_name: word, word, ...', got {line[:60]!r}")
        if name in seeds:
            raise InputError(f"{path}:{number}: topic {name!r} is seeded twice", hint="merge its words into one line")
        seeds[name] = words_list
    if not seeds:
        raise InputError(f"{path}: the seeds file names no topics", hint="write lines like 'economy: trade, tariffs'")
    return seeds
