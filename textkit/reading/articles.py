"""Read articles from the files analysts have: JSONL, CSV/TSV, folders of .txt, raw dumps.

:func:`read_articles` picks the reader from the path and returns an
:class:`ArticleStream`: an iterable that reopens the file on every pass (as gensim
expects of a corpus), never holds the whole file in memory, and counts what it read
and what it skipped, so nothing disappears without a number.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
import json
import os
import shutil
import sys
import tempfile
import zlib
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

from textkit.errors import ConfigError, InputError
from textkit.text.clean import clean_text

Format = Literal["jsonl", "csv", "tsv", "txt", "dir", "dump", "lines"]
FORMATS = ("jsonl", "csv", "tsv", "dump", "lines", "dir")

LABEL_SEPARATORS = (";", "|")
_CSV_FIELD_LIMIT = 2**31 - 1  # a single scraped article can exceed csv's 128 KiB default
# The longest record (JSONL or CSV line, text file) read: a real article is well under 1 MB, and a
# cap keeps one corrupt or hostile line (a 2 GiB line in a small .gz) from taking the machine's memory.
MAX_RECORD_BYTES = 64 * 2**20


@dataclass(frozen=True)
class Article:
    """One news article.

    ``text`` is the body without headline or dateline; :attr:`full_text` is what
    models read (headline and body).
    """

    id: str
    text: str
    headline: str = ""
    labels: tuple[str, ...] = ()
    date: str | None = None
    place: str | None = None
    source: str | None = None
    byline: str | None = None

    @property
    def full_text(self) -> str:
        return f"{self.headline}\n\n{self.text}" if self.headline else self.text

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict without empty optional fields."""
        record = asdict(self)
        record["labels"] = list(self.labels)
        return {k: v for k, v in record.items() if v not in (None, "") or k in ("id", "text")}


@dataclass
class ReadStats:
    """What one pass over a source read and what it left out, by reason."""

    articles: int = 0
    skipped: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)  # first messages of skipped records
    # Repeated ids are kept (outputs follow the input) but counted: a repeated article
    # inflates cross-validation scores and makes id-keyed outputs ambiguous.
    duplicate_ids: int = 0

    def skip(self, reason: str, message: str) -> None:
        self.skipped[reason] += 1
        if len(self.errors) < 20:
            self.errors.append(message)

    def summary(self) -> str:
        parts = [f"{self.articles} articles"]
        parts += [f"{n} {reason}" for reason, n in sorted(self.skipped.items())]
        if self.duplicate_ids:
            parts.append(f"{self.duplicate_ids} duplicate ids (kept)")
        return ", ".join(parts)


@dataclass
class ReadOptions:
    """How to read a source; the defaults fit the sample corpus."""

    text_field: str = "text"
    label_field: str = "labels"
    headline_field: str = "headline"
    id_field: str = "id"
    date_field: str = "date"
    encoding: str = "utf-8"
    encoding_errors: str = "strict"
    on_error: str = "raise"
    max_record_bytes: int = MAX_RECORD_BYTES


class _IdTally:
    """Counts repeated ids in bounded memory, however long the stream.

    Up to :attr:`EXACT` ids it keeps one 64-bit hash per id (8 MB for a million, not the
    ~90 MB of a set of the strings) and counts exactly, sorting them in place at the end.
    Past that it moves them into a Bloom filter of fixed size (16 MiB), fed in batches, and
    counts an id as repeated when all its bits are already set: :attr:`exact` turns false,
    and the count may include a few false repeats (about 1 in 100,000 ids at 3 million).
    A 64-bit hash collision among the ids of one corpus is negligible.
    """

    EXACT = 1 << 20
    BLOOM_BITS = 1 << 27
    BLOOM_HASHES = 4

    def __init__(self) -> None:
        self.hashes = array("q")
        self.bloom: bytearray | None = None
        self.repeats = 0

    @property
    def exact(self) -> bool:
        return self.bloom is None

    BATCH = 1 << 16

    def add(self, article_id: str) -> None:
        self.hashes.append(hash(article_id))
        if len(self.hashes) >= (self.EXACT if self.bloom is None else self.BATCH):
            self._into_bloom()

    def _into_bloom(self) -> None:
        """Move the hashes kept so far into the Bloom filter (made on first use), a batch at a time."""
        import numpy as np

        if self.bloom is None:
            self.bloom = bytearray(self.BLOOM_BITS // 8)
        kept = np.asarray(memoryview(self.hashes)).view(np.uint64)
        for start in range(0, len(kept), self.BATCH):
            self._add_batch(kept[start : start + self.BATCH])
        self.hashes = array("q")

    def _add_batch(self, values: Any) -> None:
        import numpy as np

        assert self.bloom is not None
        bloom = np.frombuffer(self.bloom, dtype=np.uint8)
        # Bit positions from one 64-bit hash (Kirsch & Mitzenmacher: h1 + i*h2 works as k hashes).
        h1, h2 = values & 0xFFFFFFFF, (values >> np.uint64(32)) | np.uint64(1)
        bits = (h1[:, None] + np.arange(self.BLOOM_HASHES, dtype=np.uint64) * h2[:, None]) % np.uint64(self.BLOOM_BITS)
        masks = (np.uint8(1) << (bits & np.uint64(7)).astype(np.uint8)).astype(np.uint8)
        seen = (bloom[bits >> np.uint64(3)] & masks).all(axis=1)
        new = values[~seen]
        self.repeats += int(seen.sum()) + len(new) - len(np.unique(new))  # repeats within the batch too
        np.bitwise_or.at(bloom, bits >> np.uint64(3), masks)

    def duplicates(self) -> int:
        import numpy as np  # only at the end of a pass: keeps numpy off the CLI's start-up path

        if self.bloom is not None:
            if self.hashes:
                self._into_bloom()
            return self.repeats
        values = np.asarray(memoryview(self.hashes))
        values.sort()  # in place: no copy of the hashes
        return int(np.count_nonzero(values[1:] == values[:-1]))


class ArticleStream:
    """A re-iterable stream of :class:`Article` read from one source.

    Iterate it as often as needed (each pass rereads the source, except stdin);
    :attr:`stats` describes the last pass (its duplicate ids once the pass is complete).
    """

    def __init__(
        self,
        source: str | Path,
        reader: Callable[[ArticleStream], Iterator[Article]],
        options: ReadOptions,
        format: str = "jsonl",
    ):
        self.source = str(source)
        self.options = options
        self.format = format  # the reader used, said in summaries ("read as a raw dump")
        self.stats = ReadStats()
        # Lines before the first one read: a part of a file read alone (a byte range, see
        # textkit.distributed) numbers its lines, and so its default ids, as in the whole file.
        self.line_offset = 0
        self._reader = reader
        self._handles: list[IO[bytes]] = []
        self._stdin: _StdinCopy | None = None

    def __iter__(self) -> Iterator[Article]:
        from textkit import progress

        self.stats = ReadStats()
        self._handles = []
        ids = _IdTally()
        size = _size(self.source)
        try:
            with progress.task(f"reading {Path(self.source).name}", size, "bytes" if size else "articles") as step:
                for article in self._reader(self):
                    self.stats.articles += 1
                    ids.add(article.id)
                    if size is None:
                        step.advance()
                    elif self.stats.articles % 64 == 0:
                        step.update(self._position())
                    yield article
            self.stats.duplicate_ids = ids.duplicates()
        except (OSError, EOFError, zlib.error) as error:  # unreadable file, a .gz that is not gzip or is cut short
            raise InputError(f"{self.source}: cannot read it ({error})") from None

    def open(self, path: str) -> IO[bytes]:
        """Open ``path`` (or stdin for ``-``) as bytes, ``.gz`` decompressed; its position feeds the progress bar."""
        if path == "-":
            if self._stdin is None:
                self._stdin = _StdinCopy()
            handle = self._stdin.open()
        else:
            handle = _open_binary(path)
        self._handles.append(handle)
        return handle

    def _position(self) -> float:
        """Bytes of the source read so far (compressed bytes for ``.gz``)."""
        if not self._handles:
            return 0
        handle = self._handles[-1]
        try:
            raw = getattr(handle, "fileobj", handle)  # a GzipFile's compressed file
            return float(raw.tell()) if not raw.closed else 0
        except (OSError, ValueError):
            return 0

    def bad_record(self, where: str, reason: str, message: str) -> None:
        """Raise for a bad record, or count it when the stream skips bad records."""
        full = f"{where}: {message}"
        if self.options.on_error == "raise":
            raise InputError(full, hint="fix the record or pass --skip-bad to skip and count it")
        self.stats.skip(reason, full)


def read_articles(
    path: str | Path,
    *,
    format: Format | None = None,
    text_field: str = "text",
    label_field: str = "labels",
    headline_field: str = "headline",
    id_field: str = "id",
    date_field: str = "date",
    encoding: str = "utf-8",
    encoding_errors: str = "strict",
    on_error: str = "raise",
    max_record_bytes: int = MAX_RECORD_BYTES,
) -> ArticleStream:
    """Stream the articles of a file or folder, choosing the reader from the path.

    Parameters
    ----------
    path : str or Path
        ``.jsonl``/``.jsonl.gz``/``.ndjson``; ``.csv``/``.tsv`` (optionally ``.gz``);
        a ``.txt`` raw dump (segmented into articles); a folder (its ``.txt`` files one
        article each, in sub-folders labelled by the sub-folder's name as in
        scikit-learn's ``load_files``; its JSONL/CSV/TSV files read with their own
        reader; folder links followed once); ``-`` for JSONL on standard input.
    format : str, optional
        Force a reader: ``jsonl``, ``csv``, ``tsv``, ``dump`` (raw dump), ``lines``
        (one text per line), ``dir``.
    text_field, label_field, headline_field, id_field, date_field : str
        Field (JSONL) or column (CSV) names. Several labels in one CSV cell are
        separated by ``;`` or ``|``.
    encoding, encoding_errors : str
        How bytes are decoded; ``encoding_errors="replace"`` reads files with stray
        bytes instead of refusing them.
    on_error : {"raise", "skip"}
        A malformed record stops the read with its file and line (default), or is
        skipped and counted in ``stream.stats``.
    max_record_bytes : int
        Longest record read (a JSONL/CSV line or a text file); a longer one is a
        malformed record. Default 64 MiB.

    Raises
    ------
    InputError
        The path does not exist, the format is unknown, or (while iterating) a
        record is malformed.
    """
    check_read_options(format, encoding, encoding_errors, on_error, max_record_bytes)
    options = ReadOptions(
        text_field,
        label_field,
        headline_field,
        id_field,
        date_field,
        encoding,
        encoding_errors,
        on_error,
        max_record_bytes,
    )
    if str(path) != "-" and not Path(path).exists():
        raise InputError(f"{path}: no such file or folder")
    fmt = "dump" if format == "txt" else format or detect_format(path)
    return ArticleStream(path, _READERS[fmt], options, fmt)


def check_read_options(
    format: str | None, encoding: str, encoding_errors: str, on_error: str, max_record_bytes: int
) -> None:
    """Refuse reader options that cannot work, before anything is read (``param`` names the option)."""
    if format is not None and format not in (*FORMATS, "txt"):
        raise ConfigError(f"unknown input format {format!r}", hint=f"use one of {', '.join(FORMATS)}", param="format")
    try:
        # rot13 and base64 are codecs too, but not text encodings: bytes.decode refuses them.
        if not codecs.lookup(encoding)._is_text_encoding:
            raise LookupError(encoding)
    except LookupError:
        raise ConfigError(
            f"unknown encoding {encoding!r}", hint="try utf-8, utf-8-sig, utf-16, latin-1 or cp1252", param="encoding"
        ) from None
    if encoding_errors not in ("strict", "replace", "ignore"):
        raise ConfigError(
            f"unknown encoding errors handler {encoding_errors!r}",
            hint="use strict, replace or ignore",
            param="encoding_errors",
        )
    if on_error not in ("raise", "skip"):
        raise ConfigError(f"on_error must be 'raise' or 'skip', not {on_error!r}", param="on_error")
    if max_record_bytes < 1:
        raise ConfigError(f"max_record_bytes must be positive, not {max_record_bytes}", param="max_record_bytes")


def read_many(paths: Iterable[str | Path], **options: Any) -> ChainedStream:
    """Stream the articles of several sources one after another (same options for all)."""
    return ChainedStream([read_articles(p, **options) for p in paths])


class ChainedStream:
    """Several :class:`ArticleStream` read in order, as one re-iterable stream."""

    def __init__(self, streams: list[ArticleStream]):
        self.streams = streams
        self._duplicate_ids = 0

    def __iter__(self) -> Iterator[Article]:
        self._duplicate_ids = 0
        ids = _IdTally()  # across files too: the same article in two dumps
        for stream in self.streams:
            for article in stream:
                ids.add(article.id)
                yield article
        self._duplicate_ids = ids.duplicates()

    @property
    def source(self) -> str:
        return ", ".join(s.source for s in self.streams)

    @property
    def stats(self) -> ReadStats:
        total = ReadStats()
        for stream in self.streams:
            total.articles += stream.stats.articles
            total.skipped.update(stream.stats.skipped)
            total.errors.extend(stream.stats.errors)
        total.duplicate_ids = self._duplicate_ids
        return total


def detect_format(path: str | Path) -> str:
    """The reader for a path, from its suffix (``-`` is JSONL on stdin)."""
    if str(path) == "-":
        return "jsonl"
    p = Path(path)
    if p.is_dir():
        return "dir"
    fmt = _suffix_format(p.name)
    if fmt is not None:
        return fmt
    raise InputError(
        f"{path}: cannot tell the format from the file name",
        hint="name it .jsonl, .csv, .tsv or .txt, or pass --format-in",
    )


def _suffix_format(name: str) -> str | None:
    name = name.lower().removesuffix(".gz")
    for suffix, fmt in (
        (".jsonl", "jsonl"),
        (".ndjson", "jsonl"),
        (".json", "jsonl"),
        (".csv", "csv"),
        (".tsv", "tsv"),
        (".txt", "dump"),
    ):
        if name.endswith(suffix):
            return fmt
    return None


class _StdinCopy:
    """Standard input, copied to a temporary file as it is read, so that the stream can be read again.

    A topic fit or a dedup reads its corpus several times; a pipe can be read once. The first
    pass reads the pipe (streaming, as any pass) and appends what it reads to the copy; a later
    pass first copies whatever the first pass left unread, then reads the copy. The file is
    removed with the stream.
    """

    def __init__(self) -> None:
        self.copy: IO[bytes] | None = None
        self.complete = False

    def open(self) -> IO[bytes]:
        if self.copy is None:
            self.copy = tempfile.NamedTemporaryFile(prefix="textkit-stdin-")  # noqa: SIM115 (lives with the stream)
            return _Tee(sys.stdin.buffer, self.copy, self)  # type: ignore[return-value]
        if not self.complete:
            self.copy.seek(0, os.SEEK_END)
            shutil.copyfileobj(sys.stdin.buffer, self.copy, 1 << 20)
            self.copy.flush()
            self.complete = True
        return open(self.copy.name, "rb")


class _Tee:
    """Reads from ``source`` and appends what it read to ``sink`` (a file handle for :class:`_StdinCopy`)."""

    closed = False

    def __init__(self, source: IO[bytes], sink: IO[bytes], owner: _StdinCopy) -> None:
        self.source, self.sink, self.owner = source, sink, owner

    def _keep(self, data: bytes) -> bytes:
        if data:
            self.sink.write(data)
        else:
            self.owner.complete = True
        return data

    def read(self, size: int = -1) -> bytes:
        return self._keep(self.source.read(size))

    def readline(self, size: int = -1) -> bytes:
        return self._keep(self.source.readline(size))

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.readline, b"")

    def tell(self) -> int:
        return self.sink.tell()

    def close(self) -> None:
        self.sink.flush()  # standard input itself stays open: the copy serves the next pass

    def __enter__(self) -> _Tee:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# -- low-level helpers -------------------------------------------------------------------
def _open_binary(source: str) -> IO[bytes]:
    if source == "-":
        return sys.stdin.buffer
    if source.endswith(".gz"):
        return gzip.open(source, "rb")  # type: ignore[return-value]  # a GzipFile reads like IO[bytes]
    return open(source, "rb")


def _size(source: str) -> int | None:
    """The size of a regular file, for a progress bar in bytes; ``None`` for stdin and folders."""
    try:
        return os.path.getsize(source) if source != "-" and os.path.isfile(source) else None
    except OSError:
        return None


def _is_wide(encoding: str) -> bool:
    """UTF-16/32: a newline is not the byte 0x0a and text has NUL bytes, so lines are found after decoding."""
    return codecs.lookup(encoding).name.startswith(("utf-16", "utf-32"))


def _lines(stream: ArticleStream, handle: IO[bytes]) -> Iterator[tuple[int, bytes | None]]:
    """``(line number, bytes)`` of each line, read at most ``max_record_bytes`` at a time.

    A longer line is drained without being held, reported as a bad record and given as
    ``None``. UTF-16/32 input is decoded here and handed on as UTF-8 (see :func:`_decode`).
    """
    limit = stream.options.max_record_bytes
    readline: Callable[[int], bytes]
    if _is_wide(stream.options.encoding):
        text = io.TextIOWrapper(handle, encoding=stream.options.encoding, errors=stream.options.encoding_errors)
        readline = lambda size: text.readline(size).encode("utf-8", "surrogatepass")  # noqa: E731
    else:
        readline = handle.readline
    number = stream.line_offset
    while raw := readline(limit + 1):
        number += 1
        if len(raw) > limit and not raw.endswith(b"\n"):
            while (rest := readline(1 << 20)) and not rest.endswith(b"\n"):
                pass
            stream.bad_record(
                f"{stream.source}:{number}",
                "record too long",
                f"record longer than {limit:,} bytes",
            )
            yield number, None
            continue
        yield number, raw


def _decode(data: bytes, where: str, stream: ArticleStream, line: int | None = None) -> str:
    options = stream.options
    # Lines of UTF-16/32 files were decoded by _lines and arrive as UTF-8.
    encoding = "utf-8" if line is not None and _is_wide(options.encoding) else options.encoding
    try:
        text = data.decode(encoding, options.encoding_errors)
    except UnicodeDecodeError as error:
        line = line if line is not None else data[: error.start].count(b"\n") + 1
        raise InputError(
            f"{where}:{line}: bytes are not valid {options.encoding} (byte 0x{data[error.start]:02x})",
            hint="pass --encoding (e.g. latin-1) or --encoding-errors replace",
        ) from None
    return text.removeprefix("\ufeff")


def _check_not_binary(data: bytes, where: str, encoding: str = "utf-8") -> None:
    if not _is_wide(encoding) and b"\x00" in data[:8192]:
        raise InputError(f"{where}: looks like a binary file (it has NUL bytes), not text")


def _labels(value: Any, where: str, stream: ArticleStream) -> tuple[str, ...] | None:
    """Labels from a list, or from a string with ``;``/``|`` separators (as CSV cells)."""
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        return split_labels(value)
    if isinstance(value, list) and all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value):
        labels = tuple(dict.fromkeys(str(v).strip() for v in value if str(v).strip()))
        return labels
    stream.bad_record(where, "bad labels", f"labels must be a list of strings, not {json.dumps(value)[:60]}")
    return None


def split_labels(cell: str) -> tuple[str, ...]:
    """``"a; b|c"`` -> ``("a", "b", "c")``, duplicates and blanks removed."""
    for separator in LABEL_SEPARATORS[1:]:
        cell = cell.replace(separator, LABEL_SEPARATORS[0])
    return tuple(dict.fromkeys(p.strip() for p in cell.split(LABEL_SEPARATORS[0]) if p.strip()))


def _optional_str(record: dict, key: str) -> str | None:
    value = record.get(key)
    return None if value is None or value == "" else str(value)


def _from_record(record: dict, where: str, default_id: str, stream: ArticleStream) -> Article | None:
    options = stream.options
    text = record.get(options.text_field)
    if not isinstance(text, str):
        problem = "has no" if text is None else "has a non-string"
        stream.bad_record(where, "no text", f"record {problem} {options.text_field!r} field")
        return None
    labels = _labels(record.get(options.label_field), where, stream)
    if labels is None:
        return None
    return Article(
        id=_optional_str(record, options.id_field) or default_id,
        text=clean_text(text),
        headline=clean_text(str(record.get(options.headline_field) or "")),
        labels=labels,
        date=_optional_str(record, options.date_field),
        place=_optional_str(record, "place"),
        source=_optional_str(record, "source"),
        byline=_optional_str(record, "byline"),
    )


# -- readers -----------------------------------------------------------------------------
def _read_jsonl(stream: ArticleStream) -> Iterator[Article]:
    source = stream.source
    stem = _stem(source)
    seen_content = False
    with stream.open(source) as handle:
        for number, raw in _lines(stream, handle):
            if raw is None:
                seen_content = True
                continue
            if number == stream.line_offset + 1:
                _check_not_binary(raw, source)
            line = _decode(raw, source, stream, line=number).strip()
            if not line:
                continue
            seen_content = True
            where = f"{source}:{number}"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                stream.bad_record(where, "invalid JSON", f"invalid JSON ({error.msg})")
                continue
            except RecursionError:
                stream.bad_record(where, "invalid JSON", "invalid JSON (nested too deeply)")
                continue
            if not isinstance(record, dict):
                stream.bad_record(where, "not an object", f"expected a JSON object, got {type(record).__name__}")
                continue
            if "\\ud" in line.lower() and _has_lone_surrogate(record):
                stream.bad_record(where, "invalid text", "a lone surrogate escape (such as \\ud800) is not text")
                continue
            article = _from_record(record, where, f"{stem}:{number}", stream)
            if article is not None:
                yield article
    if not seen_content:
        raise InputError(f"{source}: the file is empty (no JSON lines)")


def _has_lone_surrogate(record: dict) -> bool:
    """Whether a JSON escape such as ``\\ud800`` left half a character that no file can store."""
    try:
        json.dumps(record, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _read_csv(stream: ArticleStream) -> Iterator[Article]:
    source, options = stream.source, stream.options
    delimiter = "\t" if source.lower().removesuffix(".gz").endswith(".tsv") else ","
    csv.field_size_limit(_CSV_FIELD_LIMIT)
    stem = _stem(source)
    with stream.open(source) as handle:
        # Decoding line by line (not through TextIOWrapper) names the exact bad line.
        lines = (
            _decode(raw, source, stream, line=number)
            if number > stream.line_offset + 1
            else _first_line(raw, source, stream)
            for number, raw in _lines(stream, handle)
            if raw is not None
        )
        reader = csv.DictReader(lines, delimiter=delimiter)
        try:
            columns = reader.fieldnames
            if not columns:
                raise InputError(f"{source}: the file is empty (no header row)")
            if options.text_field not in columns:
                raise InputError(
                    f"{source}:1: no column {options.text_field!r}; columns are {', '.join(columns)}",
                    hint="name the text column with --text-field",
                )
            for row in reader:
                line = reader.line_num + stream.line_offset
                where = f"{source}:{line}"
                if None in row:
                    stream.bad_record(where, "extra cells", f"row has more cells than the header's {len(columns)}")
                    continue
                if not any((v or "").strip() for v in row.values()):
                    continue
                article = _from_record(row, where, f"{stem}:{line}", stream)
                if article is not None:
                    yield article
        except csv.Error as error:
            raise InputError(f"{source}:{reader.line_num + stream.line_offset}: malformed CSV ({error})") from None


def _first_line(raw: bytes, source: str, stream: ArticleStream) -> str:
    _check_not_binary(raw, source)
    return _decode(raw, source, stream, line=1)


def _read_whole(stream: ArticleStream, path: str) -> str:
    limit = stream.options.max_record_bytes
    with stream.open(path) as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"{path}: longer than {limit:,} bytes", hint="split it, or raise max_record_bytes")
    _check_not_binary(data, path, stream.options.encoding)
    return _decode(data, path, stream)


def _read_dump(stream: ArticleStream) -> Iterator[Article]:
    from textkit.reading.segment import segment_dump

    source = stream.source
    text = _read_whole(stream, source)
    if not text.strip():
        raise InputError(f"{source}: the file is empty")
    result = segment_dump(text)
    stream.stats.skipped["noise blocks"] += result.noise_blocks
    lines = sum(1 for line in text.splitlines() if line.strip())
    if len(result.articles) <= 1 and lines > 5 and stream.format == "dump":
        # A list of headlines or sentences, one per line, reads as a dump of noise: say which reader ran.
        from textkit.messages import warn

        warn(
            f"{source} was read as a raw dump (a .txt file) and gave {len(result.articles)} article(s) from "
            f"{lines} lines; if it holds one text per line, read it with --format-in lines (format='lines')"
        )
    stem = _stem(source)
    ids: Counter = Counter()
    for segment in result.articles:
        article_id = content_id(stem, segment.headline + "\n" + segment.text)
        ids[article_id] += 1
        if ids[article_id] > 1:  # the same article pasted twice keeps a distinct id
            article_id = f"{article_id}-{ids[article_id]}"
        yield Article(
            id=article_id,
            text=segment.text,
            headline=segment.headline,
            date=segment.date,
            place=segment.place,
            source=segment.source,
        )


def _read_lines(stream: ArticleStream) -> Iterator[Article]:
    """One article per non-empty line (``--format-in lines``): a list of headlines, tweets, sentences."""
    source = stream.source
    stem = _stem(source)
    with stream.open(source) as handle:
        for number, raw in _lines(stream, handle):
            if raw is None:
                continue
            if number == stream.line_offset + 1:
                _check_not_binary(raw, source)
            text = clean_text(_decode(raw, source, stream, line=number))
            if text:
                yield Article(id=f"{stem}:{number}", text=text)


def _walk_files(stream: ArticleStream, root: Path) -> list[Path]:
    """Every file below ``root``, sorted; folder links followed once each, unreadable folders counted."""
    seen: set[tuple[int, int]] = set()
    files: list[Path] = []

    def unreadable(error: OSError) -> None:
        stream.bad_record(str(error.filename), "unreadable folder", f"cannot read the folder ({error.strerror})")

    for folder, folders, names in os.walk(root, onerror=unreadable, followlinks=True):
        info = os.stat(folder)
        if (info.st_dev, info.st_ino) in seen:  # a link back to a folder already read: a loop
            folders.clear()
            continue
        seen.add((info.st_dev, info.st_ino))
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        files += (Path(folder) / name for name in names if not name.startswith("."))
    return sorted(files)


def _read_dir(stream: ArticleStream) -> Iterator[Article]:
    root = Path(stream.source)
    files = [path for path in _walk_files(stream, root) if path.is_file()]
    if not files and not stream.stats.skipped:
        raise InputError(f"{root}: the folder has no files")
    for path in files:
        relative = path.relative_to(root)
        fmt = _suffix_format(path.name)
        if fmt in ("jsonl", "csv", "tsv"):
            # A folder of data files (monthly .jsonl.gz dumps): each read with its own reader.
            child = ArticleStream(path, _READERS[fmt], stream.options, fmt)
            child.stats, child._handles = stream.stats, stream._handles
            yield from _READERS[fmt](child)
            continue
        # load_files layout: root/<label>/<file>; files directly in root carry no label.
        labels = (relative.parts[0],) if len(relative.parts) > 1 else ()
        text = _read_whole(stream, str(path))
        if not text.strip():
            stream.bad_record(str(path), "empty file", "the file is empty")
            continue
        headline, body = split_headline(text)
        yield Article(id=relative.with_suffix("").as_posix(), text=body, headline=headline, labels=labels)


_READERS: dict[str, Callable[[ArticleStream], Iterator[Article]]] = {
    "jsonl": _read_jsonl,
    "csv": _read_csv,
    "tsv": _read_csv,
    "dump": _read_dump,
    "lines": _read_lines,
    "dir": _read_dir,
}


def split_headline(text: str) -> tuple[str, str]:
    """``(headline, body)`` when the text opens with one short line and a blank line, else ``("", text)``."""
    text = clean_text(text)
    first, separator, rest = text.partition("\n\n")
    if separator and "\n" not in first and len(first) <= 200 and rest.strip():
        return first, rest
    return "", text


def _stem(source: str) -> str:
    if source == "-":
        return "stdin"
    name = Path(source).name
    for suffix in (".gz", ".jsonl", ".ndjson", ".json", ".csv", ".tsv", ".txt"):
        name = name.removesuffix(suffix)
    return name


def content_id(prefix: str, content: str) -> str:
    """A stable id from content: ``prefix-`` and 10 hex digits of its sha1."""
    return f"{prefix}-{hashlib.sha1(content.encode('utf-8')).hexdigest()[:10]}"


def write_jsonl(articles: Iterable[Article], handle: IO[str]) -> int:
    """Write articles as JSON lines; returns how many were written."""
    count = 0
    for article in articles:
        handle.write(json.dumps(article.to_dict(), ensure_ascii=False) + "\n")
        count += 1
    return count


def fingerprint(articles: Iterable[Article]) -> dict[str, Any]:
    """sha256 and count of a training set (ids, texts and labels, in order), for manifests."""
    digest = hashlib.sha256()
    count = 0
    for article in articles:
        record = [article.id, article.headline, article.text, list(article.labels)]
        digest.update(json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n")
        count += 1
    return {"sha256": digest.hexdigest(), "count": count}


def sample_corpus_path() -> Path:
    """The project's own sample corpus, ``data/articles.jsonl`` (in the working tree or the checkout)."""
    for root in (Path.cwd(), Path(__file__).resolve().parents[2]):
        candidate = root / "data" / "articles.jsonl"
        if candidate.is_file():
            return candidate
    raise InputError(
        "the sample corpus data/articles.jsonl was not found",
        hint="run from the textkit checkout (pip install -e .) or name a data file",
    )
