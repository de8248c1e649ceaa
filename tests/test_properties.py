"""Property tests: arbitrary input to every reader, the tokenizer and the model store never
raises anything but a :class:`~textkit.errors.TextkitError`."""

import contextlib
import csv
import gzip
import io
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from textkit.errors import TextkitError
from textkit.reading.articles import Article, read_articles
from textkit.reading.segment import segment_dump
from textkit.store import ModelStore, check_manifest
from textkit.text.clean import clean_text
from textkit.text.tokenize import Tokenizer

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text that may hold lone surrogates (st.text leaves them out by default): json.dumps writes
# them as escapes such as \ud800, which decode to strings no file can store.
any_text = st.text(st.characters(exclude_categories=()), max_size=20)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | any_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4),
    max_leaves=10,
)
# JSON nested deeper than Python's recursion limit (json.loads raises RecursionError).
deep_json = st.builds(
    lambda depth, kind: ("[" * depth + "]" * depth) if kind else ('{"a":' * depth + "1" + "}" * depth),
    st.integers(min_value=500, max_value=50_000),
    st.booleans(),
)
# Records that look like articles, with every field possibly the wrong type.
records = st.fixed_dictionaries(
    {},
    optional={
        "id": json_values,
        "text": st.text() | any_text | json_values,
        "labels": json_values,
        "headline": json_values,
        "date": json_values,
    },
)
jsonl_lines = st.lists(
    st.one_of(records.map(json.dumps), json_values.map(json.dumps), deep_json, st.text(max_size=40)), max_size=8
)
csv_rows = st.lists(st.lists(st.text(max_size=30), min_size=1, max_size=4), max_size=6)
reader_options = st.fixed_dictionaries(
    {"on_error": st.sampled_from(["raise", "skip"]), "encoding_errors": st.sampled_from(["strict", "replace"])}
)


def read_all(path, **options):
    """Read everything; only a TextkitError may stop it, and what is read must be Articles."""
    try:
        articles = list(read_articles(path, **options))
    except TextkitError:
        return None
    assert all(isinstance(a, Article) and isinstance(a.text, str) for a in articles)
    return articles


@SETTINGS
@given(
    data=st.binary(max_size=3000),
    name=st.sampled_from(["a.jsonl", "a.csv", "a.tsv", "a.txt", "a.jsonl.gz"]),
    options=reader_options,
)
def test_readers_on_arbitrary_bytes(tmp_path_factory, data, name, options):
    path = tmp_path_factory.mktemp("bytes") / name
    path.write_bytes(data)
    read_all(path, **options)


@SETTINGS
@given(lines=jsonl_lines, options=reader_options, bom=st.booleans(), gz=st.booleans())
def test_jsonl_reader_on_arbitrary_records(tmp_path_factory, lines, options, bom, gz):
    data = ("\ufeff" if bom else "").encode() + "\n".join(lines).encode("utf-8")
    path = tmp_path_factory.mktemp("jsonl") / ("a.jsonl.gz" if gz else "a.jsonl")
    path.write_bytes(gzip.compress(data) if gz else data)
    read_all(path, **options)


@SETTINGS
@given(
    rows=csv_rows,
    header=st.lists(st.sampled_from(["text", "labels", "id", "date", "x", ""]), min_size=1, max_size=4),
    delimiter=st.sampled_from([",", "\t"]),
    options=reader_options,
    raw=st.text(max_size=200),
)
def test_csv_reader_on_arbitrary_tables(tmp_path_factory, rows, header, delimiter, options, raw):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    path = tmp_path_factory.mktemp("csv") / ("a.csv" if delimiter == "," else "a.tsv")
    path.write_text(buffer.getvalue() + raw, encoding="utf-8")  # a tail of arbitrary text: broken quotes...
    read_all(path, **options)


@SETTINGS
@given(
    files=st.dictionaries(
        st.sampled_from(["a.txt", "b.txt", "sub/c.txt", "sub/d"]), st.binary(max_size=500), max_size=4
    ),
    options=reader_options,
)
def test_folder_reader_on_arbitrary_files(tmp_path_factory, files, options):
    root = tmp_path_factory.mktemp("dir")
    for name, data in files.items():
        (root / name).parent.mkdir(exist_ok=True)
        (root / name).write_bytes(data)
    read_all(root, **options)


@SETTINGS
@given(text=st.text())
def test_dump_segmenter_and_cleaner_on_arbitrary_text(text):
    result = segment_dump(text)
    assert all(isinstance(a.text, str) and a.text for a in result.articles)
    assert isinstance(clean_text(text), str)


@SETTINGS
@given(
    text=st.text(),
    numbers=st.sampled_from(["drop", "keep", "token"]),
    stem=st.booleans(),
    lowercase=st.booleans(),
    stop_words=st.sampled_from(["english", None]),
)
def test_tokenizer_never_raises_on_arbitrary_unicode(text, numbers, stem, lowercase, stop_words):
    tokens = Tokenizer(numbers=numbers, stem=stem, lowercase=lowercase, stop_words=stop_words)(text)
    assert all(isinstance(t, str) and t and not any(c.isspace() for c in t) for t in tokens)


@SETTINGS
@given(raw=st.binary(max_size=400) | json_values.map(lambda v: json.dumps(v).encode()))
def test_manifest_check_on_arbitrary_bytes(raw):
    with contextlib.suppress(TextkitError):
        check_manifest(raw, "manifest.json")


@SETTINGS
@given(data=st.binary(max_size=2000), gz=st.booleans())
def test_archive_import_on_arbitrary_bytes(tmp_path_factory, data, gz):
    root = tmp_path_factory.mktemp("archive")
    archive = root / "x.tar.gz"
    archive.write_bytes(gzip.compress(data) if gz else data)
    with contextlib.suppress(TextkitError):
        ModelStore(root / "models").import_archive(archive)
    assert not (root / "models").exists() or not any((root / "models").iterdir())
