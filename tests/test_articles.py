import gzip
import json

import pytest

from textkit.errors import ConfigError, InputError
from textkit.reading.articles import Article, fingerprint, read_articles, read_many, split_labels, write_jsonl


def write(path, content, mode="w"):
    if mode == "wb":
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


# -- JSONL ------------------------------------------------------------------------------
def test_jsonl_reads_every_field(tmp_path):
    path = write(
        tmp_path / "a.jsonl",
        json.dumps(
            {
                "id": "x1",
                "headline": "Talks Open",
                "text": "Body  text ",
                "labels": ["diplomacy"],
                "date": "2024-02-01",
                "place": "Damascus",
                "source": "NNA",
            }
        )
        + "\n\n"
        + json.dumps({"text": "Second"})
        + "\n",
    )
    stream = read_articles(path)
    articles = list(stream)
    assert articles == [
        Article(
            id="x1",
            text="Body text",
            headline="Talks Open",
            labels=("diplomacy",),
            date="2024-02-01",
            place="Damascus",
            source="NNA",
        ),
        Article(id="a:3", text="Second"),
    ]
    assert stream.stats.articles == 2
    assert articles[0].full_text == "Talks Open\n\nBody text"


def test_jsonl_gz_and_reiteration(tmp_path):
    path = tmp_path / "a.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write('{"text": "one", "labels": ["a"]}\n{"text": "two", "labels": ["b", "a"]}\n')
    stream = read_articles(path)
    assert [a.labels for a in stream] == [("a",), ("b", "a")]
    assert [a.text for a in stream] == ["one", "two"]  # a second pass rereads the file


def test_jsonl_with_bom(tmp_path):
    path = write(tmp_path / "bom.jsonl", b'\xef\xbb\xbf{"text": "hello"}\n', mode="wb")
    assert [a.text for a in read_articles(path)] == ["hello"]


def test_labels_given_as_a_string_are_split_like_csv_cells(tmp_path):
    path = write(tmp_path / "a.jsonl", '{"text": "t", "labels": "economy; diplomacy|economy"}\n')
    assert next(iter(read_articles(path))).labels == ("economy", "diplomacy")


@pytest.mark.parametrize(
    "line, message",
    [
        ("[1, 2]", "a.jsonl:2: expected a JSON object, got list"),
        ('{"headline": "x"}', "a.jsonl:2: record has no 'text' field"),
        ('{"text": 5}', "a.jsonl:2: record has a non-string 'text' field"),
        ("{not json", "a.jsonl:2: invalid JSON (Expecting property name enclosed in double quotes)"),
        ('{"text": "t", "labels": {"a": 1}}', 'a.jsonl:2: labels must be a list of strings, not {"a": 1}'),
    ],
)
def test_bad_jsonl_lines_name_file_and_line(tmp_path, line, message):
    path = write(tmp_path / "a.jsonl", '{"text": "fine"}\n' + line + "\n")
    with pytest.raises(InputError) as error:
        list(read_articles(path))
    assert str(error.value).startswith(f"{tmp_path}/{message}")
    assert "--skip-bad" in str(error.value)


def test_skip_bad_counts_what_it_skips(tmp_path):
    path = write(tmp_path / "a.jsonl", '{"text": "fine"}\n[1]\n{"x": 1}\n{oops\n{"text": "also fine"}\n')
    stream = read_articles(path, on_error="skip")
    assert [a.text for a in stream] == ["fine", "also fine"]
    assert dict(stream.stats.skipped) == {"not an object": 1, "no text": 1, "invalid JSON": 1}
    assert stream.stats.summary() == "2 articles, 1 invalid JSON, 1 no text, 1 not an object"
    assert stream.stats.errors[0].startswith(f"{path}:2:")


@pytest.mark.parametrize("content", ["", "\n\n  \n"])
def test_empty_jsonl_is_an_error(tmp_path, content):
    path = write(tmp_path / "empty.jsonl", content)
    with pytest.raises(InputError, match=r"empty\.jsonl: the file is empty \(no JSON lines\)"):
        list(read_articles(path))


def test_undecodable_bytes_name_the_line_and_the_fix(tmp_path):
    path = write(tmp_path / "bad.jsonl", b'{"text": "ok"}\n{"text": "caf\xe9"}\n', mode="wb")
    with pytest.raises(InputError) as error:
        list(read_articles(path))
    assert str(error.value) == (
        f"{path}:2: bytes are not valid utf-8 (byte 0xe9) (pass --encoding (e.g. latin-1) or --encoding-errors replace)"
    )
    assert [a.text for a in read_articles(path, encoding="latin-1")] == ["ok", "café"]
    assert [a.text for a in read_articles(path, encoding_errors="replace")] == ["ok", "caf\ufffd"]


def test_unknown_encoding(tmp_path):
    with pytest.raises(ConfigError, match="unknown encoding 'utf-99'") as caught:
        read_articles(write(tmp_path / "a.jsonl", "{}"), encoding="utf-99")
    assert caught.value.param == "encoding"


@pytest.mark.parametrize(
    ("options", "param"),
    [
        ({"encoding": "rot13"}, "encoding"),  # a codec, but not a text encoding: crashed while reading
        ({"encoding_errors": "bogus"}, "encoding_errors"),
        ({"format": "xml"}, "format"),
        ({"max_record_bytes": 0}, "max_record_bytes"),
    ],
)
def test_bad_reader_options_are_refused_before_reading(tmp_path, options, param):
    with pytest.raises(ConfigError) as caught:
        read_articles(write(tmp_path / "a.jsonl", '{"text": "x"}'), **options)
    assert caught.value.param == param


def test_binary_file_is_refused(tmp_path):
    path = write(tmp_path / "model.jsonl", b"\x80\x04\x95\x00\x00binary", mode="wb")
    with pytest.raises(InputError, match="looks like a binary file"):
        list(read_articles(path))


def test_missing_path_and_unknown_suffix(tmp_path):
    with pytest.raises(InputError, match="no such file or folder"):
        read_articles(tmp_path / "nope.jsonl")
    with pytest.raises(InputError, match="cannot tell the format from the file name"):
        read_articles(write(tmp_path / "data.xml", "<a/>"))


# -- CSV / TSV --------------------------------------------------------------------------
def test_csv_with_quoted_newlines_and_label_separators(tmp_path):
    path = write(
        tmp_path / "a.csv",
        "id,headline,body,themes\n"
        'r1,Budget Passed,"First paragraph.\n\nSecond, with comma.",economy;domestic_politics\n'
        "r2,,Plain body,military | terrorism\n",
    )
    articles = list(read_articles(path, text_field="body", label_field="themes"))
    assert articles == [
        Article(
            id="r1",
            text="First paragraph.\n\nSecond, with comma.",
            headline="Budget Passed",
            labels=("economy", "domestic_politics"),
        ),
        Article(id="r2", text="Plain body", labels=("military", "terrorism")),
    ]


def test_tsv_and_default_ids(tmp_path):
    path = write(tmp_path / "b.tsv", "text\tlabels\nalpha\tx\nbeta\t\n")
    assert [(a.id, a.text, a.labels) for a in read_articles(path)] == [("b:2", "alpha", ("x",)), ("b:3", "beta", ())]


def test_csv_without_the_text_column(tmp_path):
    path = write(tmp_path / "a.csv", "title,body\nx,y\n")
    with pytest.raises(InputError) as error:
        list(read_articles(path))
    assert (
        str(error.value)
        == f"{path}:1: no column 'text'; columns are title, body (name the text column with --text-field)"
    )


def test_empty_csv(tmp_path):
    with pytest.raises(InputError, match="the file is empty"):
        list(read_articles(write(tmp_path / "a.csv", "")))


def test_csv_row_with_extra_cells(tmp_path):
    path = write(tmp_path / "a.csv", "text,labels\nok,a\nbad,b,extra\n")
    with pytest.raises(InputError, match=r"a\.csv:3: row has more cells than the header's 2"):
        list(read_articles(path))


def test_csv_bad_bytes_name_the_line(tmp_path):
    path = write(tmp_path / "a.csv", b"text\nok\ncaf\xe9\n", mode="wb")
    with pytest.raises(InputError, match=r"a\.csv:3: bytes are not valid utf-8"):
        list(read_articles(path))


def test_csv_with_a_huge_field(tmp_path):
    body = "word " * 100_000  # 500 KB, beyond csv's default field limit
    path = write(tmp_path / "a.csv", f'text\n"{body}"\n')
    assert len(next(iter(read_articles(path))).text) == len(body.strip())


# -- folders ----------------------------------------------------------------------------
def test_folder_of_txt_files(tmp_path):
    write(tmp_path / "one.txt", "Army Graduates Officers\n\nThe ceremony was held.\n")
    write(tmp_path / "two.txt", "Just a body with no headline.")
    articles = list(read_articles(tmp_path))
    assert articles == [
        Article(id="one", text="The ceremony was held.", headline="Army Graduates Officers"),
        Article(id="two", text="Just a body with no headline."),
    ]


def test_load_files_layout_takes_labels_from_folders(tmp_path):
    (tmp_path / "economy").mkdir()
    (tmp_path / "military").mkdir()
    write(tmp_path / "economy" / "1.txt", "Wheat prices rose.")
    write(tmp_path / "military" / "7.txt", "Units advanced.")
    assert [(a.id, a.labels) for a in read_articles(tmp_path)] == [
        ("economy/1", ("economy",)),
        ("military/7", ("military",)),
    ]


def test_folder_counts_empty_files(tmp_path):
    write(tmp_path / "a.txt", "Body.")
    write(tmp_path / "b.txt", "   \n")
    stream = read_articles(tmp_path, on_error="skip")
    assert [a.id for a in stream] == ["a"]
    assert dict(stream.stats.skipped) == {"empty file": 1}
    with pytest.raises(InputError, match=r"b\.txt: the file is empty"):
        list(read_articles(tmp_path))


def test_empty_folder(tmp_path):
    with pytest.raises(InputError, match="the folder has no files"):
        list(read_articles(tmp_path))


# -- dumps, several sources, output -------------------------------------------------------
def test_txt_file_is_read_as_a_dump(tmp_path):
    path = write(
        tmp_path / "dump.txt",
        "Wheat Harvest Begins in Hama\n\nHAMA, (NNA)- Farmers began harvesting wheat in the plain on Sunday, "
        "the directorate said, expecting a larger crop than last year's after good rains.\n\n Rana Issa\n",
    )
    stream = read_articles(path)
    [article] = list(stream)
    assert (article.headline, article.place, article.source) == ("Wheat Harvest Begins in Hama", "Hama", "NNA")
    assert article.text.startswith("Farmers began harvesting")
    assert article.id.startswith("dump-") and len(article.id) == len("dump-") + 10
    assert stream.stats.summary() == "1 articles, 1 noise blocks"


def test_empty_dump(tmp_path):
    with pytest.raises(InputError, match="the file is empty"):
        list(read_articles(write(tmp_path / "d.txt", "\n \n")))


def test_read_many_chains_sources_and_stats(tmp_path):
    a = write(tmp_path / "a.jsonl", '{"text": "x"}\n')
    b = write(tmp_path / "b.csv", "text\ny\nz\n")
    stream = read_many([a, b])
    assert [x.text for x in stream] == ["x", "y", "z"]
    assert stream.stats.articles == 3


def test_duplicate_ids_are_counted_across_sources_and_anew_each_pass(tmp_path):
    a = write(tmp_path / "a.jsonl", '{"id": "1", "text": "x"}\n{"id": "2", "text": "y"}\n')
    b = write(
        tmp_path / "b.jsonl",
        '{"id": "2", "text": "y again"}\n{"id": "2", "text": "y thrice"}\n{"id": "3", "text": "z"}\n',
    )
    stream = read_many([a, b])
    for _ in range(2):
        assert len(list(stream)) == 5
        assert stream.stats.duplicate_ids == 2
        assert stream.streams[1].stats.duplicate_ids == 1  # within b alone


def test_write_jsonl_round_trip(tmp_path):
    articles = [Article(id="1", text="t", headline="H", labels=("a", "b"), date="2024-01-02")]
    path = tmp_path / "out.jsonl"
    with open(path, "w", encoding="utf-8") as handle:
        assert write_jsonl(articles, handle) == 1
    assert json.loads(path.read_text()) == {
        "id": "1",
        "text": "t",
        "headline": "H",
        "labels": ["a", "b"],
        "date": "2024-01-02",
    }
    assert list(read_articles(path)) == articles


def test_split_labels_and_fingerprint():
    assert split_labels(" a | b;a ;; ") == ("a", "b")
    one = [Article(id="1", text="t", labels=("a",))]
    assert fingerprint(one) == fingerprint(list(one))
    assert fingerprint(one)["count"] == 1
    assert fingerprint(one)["sha256"] != fingerprint([Article(id="1", text="t", labels=("b",))])["sha256"]


# -- readers added for real folders and files ---------------------------------------------
def test_lines_reader_gives_one_article_per_line(tmp_path):
    path = write(tmp_path / "heads.txt", "Talks open in Geneva\n\n  Wheat harvest begins  \nQuake hits the coast\n")
    stream = read_articles(path, format="lines")
    assert [(a.id, a.text) for a in stream] == [
        ("heads:1", "Talks open in Geneva"),
        ("heads:3", "Wheat harvest begins"),
        ("heads:4", "Quake hits the coast"),
    ]
    assert stream.format == "lines"
    assert read_articles(path).format == "dump"  # a .txt is a raw dump unless told otherwise


def test_folder_of_jsonl_gz_files_reads_their_records(tmp_path):
    folder = tmp_path / "months"
    folder.mkdir()
    for month in ("2024-01", "2024-02"):
        with gzip.open(folder / f"{month}.jsonl.gz", "wt", encoding="utf-8") as handle:
            handle.write(json.dumps({"id": f"{month}-a", "text": "one"}) + "\n")
            handle.write(json.dumps({"id": f"{month}-b", "text": "two", "labels": ["x"]}) + "\n")
    stream = read_articles(folder)
    assert [(a.id, a.text, a.labels) for a in stream] == [
        ("2024-01-a", "one", ()),
        ("2024-01-b", "two", ("x",)),
        ("2024-02-a", "one", ()),
        ("2024-02-b", "two", ("x",)),
    ]
    assert stream.stats.articles == 4


def test_label_folder_behind_a_link_is_read_and_a_loop_is_not(tmp_path):
    real = tmp_path / "elsewhere" / "sport"
    real.mkdir(parents=True)
    write(real / "a.txt", "Match report\n\nThe home side won.")
    corpus = tmp_path / "corpus"
    (corpus / "economy").mkdir(parents=True)
    write(corpus / "economy" / "b.txt", "Prices\n\nPrices rose.")
    (corpus / "sport").symlink_to(real, target_is_directory=True)
    (real / "loop").symlink_to(corpus, target_is_directory=True)  # a link back up: must not recurse forever
    articles = list(read_articles(corpus))
    assert sorted((a.id, a.labels) for a in articles) == [("economy/b", ("economy",)), ("sport/a", ("sport",))]


def test_unreadable_sub_folder_is_counted_not_silently_lost(tmp_path, monkeypatch):
    import os

    corpus = tmp_path / "corpus"
    (corpus / "locked").mkdir(parents=True)
    write(corpus / "locked" / "a.txt", "x")
    write(corpus / "b.txt", "y")
    scandir = os.scandir

    def refusing(path="."):  # as for a folder without read permission (tests run as root in CI)
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refusing)
    with pytest.raises(InputError, match=r"locked: cannot read the folder \(Permission denied\)"):
        list(read_articles(corpus))
    stream = read_articles(corpus, on_error="skip")
    assert [a.id for a in stream] == ["b"]
    assert stream.stats.skipped["unreadable folder"] == 1


def test_utf16_input_is_read_with_its_encoding(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(("\ufeff" + json.dumps({"id": "1", "text": "Données"}) + "\n").encode("utf-16-le"))
    assert [a.text for a in read_articles(path, encoding="utf-16")] == ["Données"]
    csv_path = tmp_path / "a.csv"
    csv_path.write_text("id,text\n1,Données\n", encoding="utf-16")
    assert [a.text for a in read_articles(csv_path, encoding="utf-16")] == ["Données"]


def test_deeply_nested_json_is_a_bad_record_not_a_crash(tmp_path):
    path = write(tmp_path / "a.jsonl", "[" * 100_000 + "]" * 100_000 + "\n" + json.dumps({"text": "ok"}) + "\n")
    with pytest.raises(InputError, match=r"a.jsonl:1: invalid JSON \(nested too deeply\)"):
        list(read_articles(path))
    stream = read_articles(path, on_error="skip")
    assert [a.text for a in stream] == ["ok"]
    assert stream.stats.skipped["invalid JSON"] == 1


@pytest.mark.parametrize("field", ["id", "text", "labels"])
def test_lone_surrogate_escape_is_refused_when_read(tmp_path, field):
    record = {"id": "a", "text": "body", "labels": ["x"]}
    record[field] = ["\ud800"] if field == "labels" else "\ud800"
    path = write(tmp_path / "a.jsonl", json.dumps(record) + "\n" + json.dumps({"text": "fine"}) + "\n")
    with pytest.raises(InputError, match=r"a.jsonl:1: a lone surrogate escape"):
        list(read_articles(path))
    assert [a.text for a in read_articles(path, on_error="skip")] == ["fine"]


def test_a_record_over_the_size_limit_is_skipped_without_holding_it(tmp_path):
    path = write(tmp_path / "a.jsonl", json.dumps({"text": "x" * 5000}) + "\n" + json.dumps({"text": "small"}) + "\n")
    with pytest.raises(InputError, match=r"a.jsonl:1: record longer than 1,000 bytes"):
        list(read_articles(path, max_record_bytes=1000))
    stream = read_articles(path, max_record_bytes=1000, on_error="skip")
    assert [a.text for a in stream] == ["small"]
    assert stream.stats.skipped["record too long"] == 1


def test_id_tally_is_exact_then_bounded():
    from textkit.reading.articles import _IdTally

    tally = _IdTally()
    for i in range(3000):
        tally.add(str(i % 1000))
    assert (tally.exact, tally.duplicates()) == (True, 2000)

    small = _IdTally()
    small.EXACT, small.BATCH = 500, 200  # past 500 ids: a fixed-size Bloom filter, fed 200 at a time
    for i in range(20_000):
        small.add(str(i % 5000))
        assert len(small.hashes) <= 500
    assert not small.exact
    assert len(small.bloom) == _IdTally.BLOOM_BITS // 8  # does not grow with the stream
    assert small.duplicates() == 15_000  # no false repeat at this size (the filter's error is ~1e-5 at 3 million)


def test_standard_input_can_be_read_twice(monkeypatch):
    """A topic fit reads its corpus several times; `topics fit -` once failed on the second pass."""
    import io
    import sys

    lines = "".join(json.dumps({"id": str(i), "text": f"text {i}"}) + "\n" for i in range(5))

    class Stdin:
        buffer = io.BytesIO(lines.encode())

    monkeypatch.setattr(sys, "stdin", Stdin)
    stream = read_articles("-")
    first = iter(stream)
    assert next(first).id == "0"  # a pass stopped early...
    assert [a.id for a in stream] == ["0", "1", "2", "3", "4"]  # ...and the next pass still sees everything
    assert [a.id for a in stream] == ["0", "1", "2", "3", "4"]


def test_a_text_per_line_file_read_as_a_dump_says_which_reader_ran(tmp_path):
    from textkit.messages import TextkitWarning

    path = write(tmp_path / "heads.txt", "".join(f"Headline number {i} about the harvest\n" for i in range(10)))
    with pytest.warns(TextkitWarning, match=r"heads.txt was read as a raw dump .* --format-in lines"):
        list(read_articles(path))
    assert len(list(read_articles(path, format="lines"))) == 10
