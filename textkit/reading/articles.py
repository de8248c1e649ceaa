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
import json
import sys
import zlib
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

from textkit.errors import InputError
from textkit.text.clean import clean_text

Format = Literal["jsonl", "csv", "tsv", "txt", "dir", "dump"]
OnError = Literal["raise", "skip"]

LABEL_SEPARATORS = (";", "|")
_CSV_FIELD_LIMIT = 2**31 - 1  # a single scraped article can exceed csv's 128 KiB default


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
    encoding_errors: Literal["strict", "replace", "ignore"] = "strict"
    on_error: OnError = "raise"


class _IdTally:
    """Counts repeated ids in 8 bytes per article (a hash each), not a set of the strings.

    A set of a million ids holds ~90 MB; the hashes, sorted once at the end of the pass,
    hold 8 MB. A 64-bit hash collision among the ids of one corpus is negligible.
    """

    def __init__(self) -> None:
        self.hashes = array("q")

    def add(self, article_id: str) -> None:
        self.hashes.append(hash(article_id))

    def duplicates(self) -> int:
        import numpy as np  # only at the end of a pass: keeps numpy off the CLI's start-up path

        return len(self.hashes) - len(np.unique(np.frombuffer(self.hashes, dtype=np.int64)))


class ArticleStream:
    """A re-iterable stream of :class:`Article` read from one source.

    Iterate it as often as needed (each pass rereads the source, except stdin);
    :attr:`stats` describes the last pass (its duplicate ids once the pass is complete).
    """

    def __init__(self, source: str | Path, reader: Callable[[ArticleStream], Iterator[Article]], options: ReadOptions):
        self.source = str(source)
        self.options = options
        self.stats = ReadStats()
        self._reader = reader

    def __iter__(self) -> Iterator[Article]:
        self.stats = ReadStats()
        ids = _IdTally()
        try:
            for article in self._reader(self):
                self.stats.articles += 1
                ids.add(article.id)
                yield article
            self.stats.duplicate_ids = ids.duplicates()
        except (OSError, EOFError, zlib.error) as error:  # unreadable file, a .gz that is not gzip or is cut short
            raise InputError(f"{self.source}: cannot read it ({error})") from None

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
    encoding_errors: Literal["strict", "replace", "ignore"] = "strict",
    on_error: OnError = "raise",
) -> ArticleStream:
    """Stream the articles of a file or folder, choosing the reader from the path.

    Parameters
    ----------
    path : str or Path
        ``.jsonl``/``.jsonl.gz``/``.ndjson``; ``.csv``/``.tsv`` (optionally ``.gz``);
        a ``.txt`` raw dump (segmented into articles); a folder of ``.txt`` files
        (one article each; in sub-folders, the sub-folder name is the label, as in
        scikit-learn's ``load_files``); ``-`` for JSONL on standard input.
    format : str, optional
        Force a reader: ``jsonl``, ``csv``, ``tsv``, ``dump`` (raw dump), ``dir``.
    text_field, label_field, headline_field, id_field, date_field : str
        Field (JSONL) or column (CSV) names. Several labels in one CSV cell are
        separated by ``;`` or ``|``.
    encoding, encoding_errors : str
        How bytes are decoded; ``encoding_errors="replace"`` reads files with stray
        bytes instead of refusing them.
    on_error : {"raise", "skip"}
        A malformed record stops the read with its file and line (default), or is
        skipped and counted in ``stream.stats``.

    Raises
    ------
    InputError
        The path does not exist, the format is unknown, or (while iterating) a
        record is malformed.
    """
    codec_check(encoding)
    options = ReadOptions(
        text_field, label_field, headline_field, id_field, date_field, encoding, encoding_errors, on_error
    )
    fmt = format or detect_format(path)
    if str(path) != "-" and not Path(path).exists():
        raise InputError(f"{path}: no such file or folder")
    readers: dict[str, Callable[[ArticleStream], Iterator[Article]]] = {
        "jsonl": _read_jsonl,
        "csv": _read_csv,
        "tsv": _read_csv,
        "dump": _read_dump,
        "txt": _read_dump,
        "dir": _read_dir,
    }
    if fmt not in readers:
        raise InputError(f"{path}: unknown format {fmt!r}", hint="use jsonl, csv, tsv, dump or dir")
    stream = ArticleStream(path, readers[fmt], options)
    stream.format = fmt  # type: ignore[attr-defined]
    return stream


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


def codec_check(encoding: str) -> None:
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise InputError(f"unknown encoding {encoding!r}", hint="try utf-8, utf-8-sig, latin-1 or cp1252") from None


def detect_format(path: str | Path) -> str:
    """The reader for a path, from its suffix (``-`` is JSONL on stdin)."""
    if str(path) == "-":
        return "jsonl"
    p = Path(path)
    if p.is_dir():
        return "dir"
    name = p.name.lower().removesuffix(".gz")
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
    raise InputError(
        f"{path}: cannot tell the format from the file name",
        hint="name it .jsonl, .csv, .tsv or .txt, or pass --format",
    )


# -- low-level helpers -------------------------------------------------------------------
def _open_binary(source: str) -> IO[bytes]:
    if source == "-":
        return sys.stdin.buffer
    if source.endswith(".gz"):
        return gzip.open(source, "rb")
    return open(source, "rb")


def _decode(data: bytes, where: str, stream: ArticleStream, line: int | None = None) -> str:
    options = stream.options
    try:
        text = data.decode(options.encoding, options.encoding_errors)
    except UnicodeDecodeError as error:
        line = line if line is not None else data[: error.start].count(b"\n") + 1
        raise InputError(
            f"{where}:{line}: bytes are not valid {options.encoding} (byte 0x{data[error.start]:02x})",
            hint="pass --encoding (e.g. latin-1) or --encoding-errors replace",
        ) from None
    return text.removeprefix("\ufeff")


def _check_not_binary(data: bytes, where: str) -> None:
    if b"\x00" in data[:8192]:
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
    with _open_binary(source) as handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1:
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
            if not isinstance(record, dict):
                stream.bad_record(where, "not an object", f"expected a JSON object, got {type(record).__name__}")
                continue
            article = _from_record(record, where, f"{stem}:{number}", stream)
            if article is not None:
                yield article
    if not seen_content:
        raise InputError(f"{source}: the file is empty (no JSON lines)")


def _read_csv(stream: ArticleStream) -> Iterator[Article]:
    source, options = stream.source, stream.options
    delimiter = "\t" if source.lower().removesuffix(".gz").endswith(".tsv") else ","
    csv.field_size_limit(_CSV_FIELD_LIMIT)
    stem = _stem(source)
    with _open_binary(source) as handle:
        # Decoding line by line (not through TextIOWrapper) names the exact bad line.
        lines = (
            _decode(raw, source, stream, line=number) if number > 1 else _first_line(raw, source, stream)
            for number, raw in enumerate(handle, start=1)
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
                where = f"{source}:{reader.line_num}"
                if None in row:
                    stream.bad_record(where, "extra cells", f"row has more cells than the header's {len(columns)}")
                    continue
                if not any((v or "").strip() for v in row.values()):
                    continue
                article = _from_record(row, where, f"{stem}:{reader.line_num}", stream)
                if article is not None:
                    yield article
        except csv.Error as error:
            raise InputError(f"{source}:{reader.line_num}: malformed CSV ({error})") from None


def _first_line(raw: bytes, source: str, stream: ArticleStream) -> str:
    _check_not_binary(raw, source)
    return _decode(raw, source, stream, line=1)


def _read_whole(stream: ArticleStream, path: str) -> str:
    with _open_binary(path) as handle:
        data = handle.read()
    _check_not_binary(data, path)
    return _decode(data, path, stream)


def _read_dump(stream: ArticleStream) -> Iterator[Article]:
    from textkit.reading.segment import segment_dump

    source = stream.source
    text = _read_whole(stream, source)
    if not text.strip():
        raise InputError(f"{source}: the file is empty")
    result = segment_dump(text)
    stream.stats.skipped["noise blocks"] += result.noise_blocks
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


def _read_dir(stream: ArticleStream) -> Iterator[Article]:
    root = Path(stream.source)
    files = sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))
    if not files:
        raise InputError(f"{root}: the folder has no files")
    for path in files:
        relative = path.relative_to(root)
        # load_files layout: root/<label>/<file>; files directly in root carry no label.
        labels = (relative.parts[0],) if len(relative.parts) > 1 else ()
        text = _read_whole(stream, str(path))
        if not text.strip():
            stream.bad_record(str(path), "empty file", "the file is empty")
            continue
        headline, body = split_headline(text)
        yield Article(id=relative.with_suffix("").as_posix(), text=body, headline=headline, labels=labels)


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
