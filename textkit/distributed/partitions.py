"""Input files cut into parts that Dask workers read themselves.

Each input file is one part, and a large uncompressed file of one record per line
(JSONL, CSV/TSV, ``lines``) is cut into byte ranges of about ``target_bytes`` that
start and end on line boundaries. What is not cut: ``.gz`` files (a gzip stream cannot
be entered in the middle), raw dumps (``segment_dump`` needs a whole dump to find its
articles), UTF-16/32 files (a newline is not one byte), and CSV with a line break
inside a quoted cell (not detected: such a file must be read with ``--cluster``
off, or converted to JSONL first). A folder of data files gives its files' parts; a
folder of ``.txt`` articles (``load_files`` layout) is one part.

Every part keeps the line numbers of the whole file (``line_offset``), so errors and
the default ids (``file:LINE``) are the same as in a single-process read.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any

from textkit.errors import ConfigError
from textkit.reading.articles import ArticleStream, read_articles

TARGET_BYTES = 8 * 2**20  # ~8 MB of JSONL: ~5,000 news articles, seconds of work per part
_SPLITTABLE = ("jsonl", "csv", "tsv", "lines")


@dataclass(frozen=True)
class Partition:
    """Bytes ``[start, end)`` of ``path`` (``end=None``: to the end; a folder or dump: the whole of it)."""

    path: str
    format: str
    start: int = 0
    end: int | None = None
    header: bytes = b""  # a CSV part after the first: the header row, read before its own lines
    line_offset: int = 0  # lines of the file before this part


def plan(
    paths: Sequence[str], *, format: str | None = None, encoding: str = "utf-8", target_bytes: int = TARGET_BYTES
) -> list[Partition]:
    """The parts of ``paths`` (made absolute), in input order (line offsets not yet counted: see :func:`count_lines`)."""
    from textkit.reading.articles import _is_wide, _suffix_format, detect_format

    parts: list[Partition] = []
    for path in paths:
        if str(path) == "-":
            raise ConfigError(
                "--cluster reads files, not standard input", hint="give the file with --input", param="cluster"
            )
        path = os.path.abspath(path)  # workers may run in another folder (or on another machine)
        fmt = "dump" if format == "txt" else format or detect_format(path)
        if fmt == "dir":
            files = _data_files(Path(path))
            if files is None:
                parts.append(Partition(str(path), "dir"))
                continue
            entries = [(str(f), _suffix_format(f.name) or "jsonl") for f in files]
        else:
            entries = [(str(path), fmt)]
        for file, file_format in entries:
            if file_format in _SPLITTABLE and not file.endswith(".gz") and not _is_wide(encoding):
                parts += _byte_ranges(file, file_format, target_bytes)
            else:
                parts.append(Partition(file, file_format))
    return parts


def _data_files(root: Path) -> list[Path] | None:
    """The data files of a folder in the order its reader takes them, or None if it holds other files."""
    from textkit.reading.articles import _suffix_format, _walk_files

    files = [p for p in _walk_files(read_articles(root, format="dir"), root) if p.is_file()]
    if files and all(_suffix_format(p.name) in ("jsonl", "csv", "tsv") for p in files):
        return files
    return None


def _byte_ranges(path: str, format: str, target_bytes: int) -> list[Partition]:
    """``path`` cut at the first line break after every ``target_bytes``."""
    size = os.path.getsize(path)
    header = b""
    with open(path, "rb") as handle:
        if format in ("csv", "tsv"):
            header = handle.readline()
        cuts = [0]
        while cuts[-1] + target_bytes < size:
            handle.seek(max(cuts[-1] + target_bytes, len(header)) - 1)
            handle.readline()  # to the end of the line the cut falls in
            if handle.tell() >= size:
                break
            cuts.append(handle.tell())
        if len(cuts) > 1 and not handle.read(target_bytes + 1).strip():
            cuts.pop()  # only blank lines after the last cut: they stay with the part before
    ends: list[int | None] = [*cuts[1:], None]
    return [
        Partition(path, format, start, end, header if index else b"")
        for index, (start, end) in enumerate(zip(cuts, ends))
    ]


def count_lines(part: Partition) -> int:
    """Line breaks in a part's bytes (what the parts after it start from)."""
    count = 0
    with open(part.path, "rb") as handle:
        handle.seek(part.start)
        remaining = None if part.end is None else part.end - part.start
        while chunk := handle.read(1 << 20 if remaining is None else min(1 << 20, remaining)):
            count += chunk.count(b"\n")
            if remaining is not None:
                remaining -= len(chunk)
    return count


def with_line_offsets(parts: list[Partition], counts: Sequence[int]) -> list[Partition]:
    """``parts`` with the lines before each one in its file (``counts``: the lines in each part)."""
    numbered, before, previous = [], 0, None
    for part, count in zip(parts, counts):
        before = before if part.path == previous else 0
        # A CSV part after the first reads its header row first: the reader counts it as one line.
        offset = before - 1 if part.header else before
        numbered.append(replace(part, line_offset=offset))
        before, previous = before + count, part.path
    return numbered


def read_partition(part: Partition, **options: Any) -> ArticleStream:
    """The articles of one part, numbered as in the whole file (``options``: :func:`read_articles`'s)."""
    stream = read_articles(part.path, **{**options, "format": part.format})
    if part.start or part.end is not None:
        stream = _RangeStream(stream, part)
    return stream


class _RangeStream(ArticleStream):
    """An :class:`ArticleStream` that opens only its part's bytes (after the CSV header)."""

    def __init__(self, whole: ArticleStream, part: Partition):
        super().__init__(whole.source, whole._reader, whole.options, whole.format)
        self.part = part
        self.line_offset = part.line_offset

    def open(self, path: str) -> IO[bytes]:
        handle = _RangeReader(path, self.part)
        self._handles.append(handle)  # type: ignore[arg-type]
        return handle  # type: ignore[return-value]


class _RangeReader:
    """The bytes ``header + file[start:end]`` with the ``readline``/``read`` a reader uses."""

    def __init__(self, path: str, part: Partition):
        self._file = open(path, "rb")  # noqa: SIM115  # closed by close(), as a file is
        self._file.seek(part.start)
        self._header = part.header
        self._left = None if part.end is None else part.end - part.start

    def readline(self, size: int = -1) -> bytes:
        if self._header:
            line, self._header = self._header, b""
            return line
        if self._left is not None:
            size = self._left if size < 0 else min(size, self._left)
        line = self._file.readline(size)
        if self._left is not None:
            self._left -= len(line)
        return line

    def read(self, size: int = -1) -> bytes:
        data, self._header = self._header, b""
        if self._left is not None:
            size = self._left if size < 0 else min(size, self._left)
        rest = self._file.read(size)
        if self._left is not None:
            self._left -= len(rest)
        return data + rest

    def tell(self) -> int:
        return self._file.tell()

    @property
    def closed(self) -> bool:
        return self._file.closed

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> _RangeReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
