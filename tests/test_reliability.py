"""The bad-input catalogue: every way a file, a model or a run can go wrong, with the exact outcome.

The model cases run with a toy model and with a real theme classifier and topic model.
"""

import errno
import json
import os
import signal
import subprocess
import sys
import tarfile
import time
import warnings
from pathlib import Path

import pytest
from toymodel import ToyModel, fit_real, predictions

from textkit.cli import _output, main
from textkit.errors import InputError, IntegrityError, ModelStoreError
from textkit.reading.articles import Article, read_articles
from textkit.store import ARRAYS, MANIFEST, ModelStore, manifest_checksum

TESTS = Path(__file__).parent


# -- input files -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, message",
    [
        ("a.jsonl", "the file is empty (no JSON lines)"),
        ("a.csv", "the file is empty (no header row)"),
        ("a.txt", "the file is empty"),
    ],
)
@pytest.mark.parametrize("content", [b"", b"\n\n  \n\t\r\n"], ids=["empty", "blank-lines"])
def test_empty_and_blank_files(tmp_path, name, message, content):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as error:
        list(read_articles(path))
    assert str(error.value) == f"{path}: {message}"


def test_empty_folder(tmp_path):
    with pytest.raises(InputError) as error:
        list(read_articles(tmp_path))
    assert str(error.value) == f"{tmp_path}: the folder has no files"


@pytest.mark.parametrize("name", ["a.jsonl", "a.csv", "a.txt"])
def test_binary_file(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(bytes(range(256)) * 16)
    with pytest.raises(InputError) as error:
        list(read_articles(path))
    assert str(error.value) == f"{path}: looks like a binary file (it has NUL bytes), not text"


@pytest.mark.parametrize(
    "name, content, line",
    [
        ("a.jsonl", '{"text": "ok"}\n{"text": "caf\xe9"}\n', 2),
        ("a.csv", "text\nok\ncaf\xe9\n", 3),
        ("a.txt", "Headline\n\nDAMASCUS, (SANA)- The caf\xe9 reopened on Monday after the works ended.\n", 3),
    ],
)
def test_non_utf8_bytes_name_the_line_and_can_be_replaced(tmp_path, name, content, line):
    path = tmp_path / name
    path.write_bytes(content.encode("latin-1"))
    with pytest.raises(InputError) as error:
        list(read_articles(path))
    assert str(error.value) == (
        f"{path}:{line}: bytes are not valid utf-8 (byte 0xe9) "
        "(pass --encoding (e.g. latin-1) or --encoding-errors replace)"
    )
    assert "café" in list(read_articles(path, encoding="latin-1"))[-1].full_text
    assert "caf\ufffd" in list(read_articles(path, encoding_errors="replace"))[-1].full_text


@pytest.mark.parametrize("name", ["big.jsonl", "big.csv"])
def test_a_50_mb_single_article(tmp_path, name):
    body = "word " * (10 * 2**20)  # 50 MiB, one article
    path = tmp_path / name
    if name.endswith(".jsonl"):
        path.write_text(json.dumps({"id": "big", "text": body, "labels": ["economy"]}) + "\n", encoding="utf-8")
    else:
        path.write_text(f'id,text,labels\nbig,"{body}",economy\n', encoding="utf-8")
    start = time.perf_counter()
    [article] = list(read_articles(path))
    assert (article.id, article.labels, len(article.text)) == (
        "big",
        ("economy",),
        len(body) - 1,
    )  # trailing space cleaned
    assert time.perf_counter() - start < 20


def test_csv_with_quoted_newlines_keeps_records_and_line_numbers(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text(
        'id,text,labels\n1,"line one\nline two, with a comma\n\nafter a blank line","economy;military"\n'
        "2,plain,diplomacy\n3,bad,x,extra\n",
        encoding="utf-8",
    )
    stream = read_articles(path, on_error="skip")
    assert list(stream) == [
        Article(id="1", text="line one\nline two, with a comma\n\nafter a blank line", labels=("economy", "military")),
        Article(id="2", text="plain", labels=("diplomacy",)),
    ]
    assert stream.stats.errors == [f"{path}:7: row has more cells than the header's 3"]


@pytest.mark.parametrize(
    "name, content", [("b.jsonl", '{"text": "hi", "labels": ["a"]}\n'), ("b.csv", "text,labels\nhi,a\n")]
)
def test_bom_is_ignored(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(b"\xef\xbb\xbf" + content.encode("utf-8"))
    assert [(a.text, a.labels) for a in read_articles(path)] == [("hi", ("a",))]


def test_labels_given_as_a_string(tmp_path):
    path = tmp_path / "l.jsonl"
    path.write_text(
        '{"text": "a", "labels": "economy"}\n{"text": "b", "labels": "economy; military|economy"}\n'
        '{"text": "c", "labels": 7}\n',
        encoding="utf-8",
    )
    stream = read_articles(path, on_error="skip")
    assert [a.labels for a in stream] == [("economy",), ("economy", "military")]
    assert stream.stats.errors == [f"{path}:3: labels must be a list of strings, not 7"]


def test_duplicate_ids_are_kept_and_counted(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text('{"id": "x", "text": "one"}\n{"id": "y", "text": "two"}\n{"id": "x", "text": "three"}\n')
    stream = read_articles(path)
    assert [a.text for a in stream] == ["one", "two", "three"]
    assert stream.stats.duplicate_ids == 1
    assert stream.stats.summary() == "3 articles, 1 duplicate ids (kept)"


# -- models ------------------------------------------------------------------------------
_FITTED: dict = {}


@pytest.fixture(params=["toy", "themes", "topics"])
def saved(request, tmp_path):
    """A store holding model "m" (toy, theme classifier or topic model), and what the model predicts."""
    if request.param not in _FITTED:
        _FITTED[request.param] = ToyModel(1.0) if request.param == "toy" else fit_real(request.param)
    model = _FITTED[request.param]
    store = ModelStore(tmp_path / "models")
    store.save(model, "m")
    return store, predictions(model)


@pytest.fixture
def store(saved):
    return saved[0]


@pytest.fixture
def no_unpickling(monkeypatch):
    """Fail the test if anything is unpickled."""
    import joblib

    def refuse(*args, **kwargs):
        raise AssertionError("unpickled a file that failed verification")

    monkeypatch.setattr(joblib, "load", refuse)


def test_unknown_model(tmp_path, capsys):
    store = ModelStore(tmp_path)
    store.save(ToyModel(), "m")
    assert main(["models", "show", "nope", "--models-dir", str(store.root)]) == 1
    assert capsys.readouterr().err == (
        f"error: no model named 'nope' in {store.root} (models there: m) "
        "(train one, or pass --models-dir / set $TEXTKIT_MODELS_DIR)\n"
    )


def test_corrupted_artifact_is_refused_by_hash_before_unpickling(store, no_unpickling):
    artifact = store.path("m") / ARRAYS
    data = bytearray(artifact.read_bytes())
    data[len(data) // 2] ^= 0x01
    artifact.write_bytes(bytes(data))
    with pytest.raises(IntegrityError) as error:
        store.load("m")
    assert str(error.value) == (
        f"{artifact}: sha256 does not match the manifest; the file was changed or damaged, "
        "and textkit will not unpickle it (re-train or re-import the model)"
    )


def test_manifest_edited_by_hand_is_refused(store, no_unpickling):
    path = store.path("m") / MANIFEST
    text = path.read_text()
    assert '"kind": "' in text
    path.write_text(text.replace('"kind": "', '"kind": "edited-', 1))
    with pytest.raises(IntegrityError) as error:
        store.load("m")
    assert str(error.value) == (
        f"{path} was edited by hand or damaged: its checksum does not match its content "
        "(restore the original manifest, or re-train or re-import the model)"
    )


def test_manifest_hash_swapped_with_a_recomputed_checksum_is_still_refused(store, no_unpickling):
    path = store.path("m") / MANIFEST
    manifest = json.loads(path.read_text())
    manifest["artifacts"][ARRAYS]["sha256"] = "0" * 64
    manifest["checksum"] = manifest_checksum(manifest)
    path.write_text(json.dumps(manifest))
    with pytest.raises(IntegrityError, match="sha256 does not match the manifest"):
        store.load("m")


def test_manifest_that_is_not_json(store):
    path = store.path("m") / MANIFEST
    path.write_text("{ oops")
    with pytest.raises(ModelStoreError, match=r"is not valid JSON \(.*\); the manifest was damaged or edited$"):
        store.load("m")


def test_model_folder_missing_its_artifact(store):
    (store.path("m") / ARRAYS).unlink()
    with pytest.raises(IntegrityError) as error:
        store.load("m")
    assert str(error.value) == "model 'm' is missing arrays.npz (re-train or re-import the model)"


def test_model_folder_missing_its_manifest(store):
    (store.path("m") / MANIFEST).unlink()
    with pytest.raises(ModelStoreError) as error:
        store.load("m")
    assert str(error.value) == (
        f"{store.path('m')} has no manifest.json: it is not a textkit model (or its save was cut short) "
        "(delete it with 'textkit models delete m')"
    )


def test_archive_with_parent_directory_members_is_refused(store, tmp_path, capsys):
    archive = tmp_path / "evil.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(store.path("m") / MANIFEST, arcname="m/manifest.json")
        tar.add(store.path("m") / ARRAYS, arcname="m/../../escaped.joblib")
    other = tmp_path / "other"
    assert main(["models", "import", str(archive), "--models-dir", str(other)]) == 1
    assert capsys.readouterr().err == (
        f"error: {archive}: member 'm/../../escaped.joblib' points outside the store; refused\n"
    )
    assert not list(tmp_path.rglob("escaped.joblib")) and not other.exists()


def test_disk_full_during_save_leaves_the_old_model(saved, monkeypatch):
    store, before = saved
    import numpy

    def write_half_then_fail(handle, *args, **kwargs):
        handle.write(b"half a model")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(numpy, "savez", write_half_then_fail)
    with pytest.raises(ModelStoreError) as error:
        store.save(ToyModel(2.0), "m", force=True)
    assert str(error.value) == (
        f"could not write model 'm' in {store.root} (No space left on device); nothing was changed in the store "
        "(free disk space or choose another --models-dir)"
    )
    monkeypatch.undo()
    assert predictions(store.load("m").model) == before
    assert sorted(p.name for p in store.root.iterdir()) == ["m"]


def test_kill_during_save_leaves_the_old_model_loadable(saved, tmp_path):
    store, before = saved
    signal_file = tmp_path / "writing"
    # The child re-saves the model with a writer that stalls halfway: it is killed mid-write.
    code = (
        "import pathlib, time, numpy, toymodel\n"
        "from textkit.store import ModelStore\n"
        f"store = ModelStore({str(store.root)!r})\n"
        "model = store.load('m').model\n"
        "def stalling_dump(handle, *args, **kwargs):\n"
        "    handle.write(b'half a model'); handle.flush()\n"
        f"    pathlib.Path({str(signal_file)!r}).touch(); time.sleep(120)\n"
        "numpy.savez = stalling_dump\n"
        "store.save(model, 'm', force=True)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], cwd=TESTS)
    try:
        deadline = time.monotonic() + 120
        while not signal_file.exists():
            assert child.poll() is None and time.monotonic() < deadline, "the save never started"
            time.sleep(0.05)
        [staging] = [p for p in store.root.iterdir() if p.name.startswith(".saving-m-")]
        assert (staging / "m" / ARRAYS).read_bytes() == b"half a model"
    finally:
        child.kill()
        child.wait()
    assert predictions(store.load("m").model) == before
    assert store.cleanup() == [f"removed {staging.name}"]
    assert sorted(p.name for p in store.root.iterdir()) == ["m"]


def test_a_saved_model_predicts_exactly_as_before(saved):
    store, before = saved
    assert predictions(store.load("m").model) == before


# -- the command line --------------------------------------------------------------------
def test_usage_errors_exit_2(capsys):
    assert main(["models", "show"]) == 2
    assert "Missing argument 'name'" in capsys.readouterr().err


def test_errors_are_one_plain_line_without_colour_when_not_a_terminal(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert main(["models", "delete", "x", "--models-dir", str(tmp_path)]) == 1
    assert capsys.readouterr().err == f"error: no model named 'x' in {tmp_path}\n"


def test_no_color_is_respected_on_a_terminal(monkeypatch):
    class Terminal:
        def isatty(self):
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert _output.use_colour(Terminal())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not _output.use_colour(Terminal())


def test_debug_shows_the_traceback(tmp_path):
    with pytest.raises(ModelStoreError, match="no model named 'x'"):
        main(["--debug", "models", "delete", "x", "--models-dir", str(tmp_path)])


def test_an_os_error_is_one_line(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    dump = tmp_path / "d.txt"
    dump.write_text("Headline Words Here\n\nDAMASCUS, (SANA)- A body long enough to be an article, said the source.\n")
    assert main(["segment", str(dump), "-o", str(blocker / "out.jsonl")]) == 1
    assert capsys.readouterr().err == f"error: {blocker}: File exists\n"  # mkdir of the output folder


def test_a_bug_is_one_line_pointing_to_debug(tmp_path, capsys, monkeypatch):
    import textkit.store

    monkeypatch.setattr(textkit.store.ModelStore, "list", lambda self: 1 / 0)
    assert main(["models", "list", "--models-dir", str(tmp_path)]) == 1
    assert capsys.readouterr().err == (
        "error: internal error (ZeroDivisionError: division by zero); this is a bug in textkit: "
        "run the command again with --debug and report the traceback\n"
    )


def test_quiet_silences_notes(tmp_path, capsys):
    store = ModelStore(tmp_path / "models")
    store.save(ToyModel(), "m")
    assert main(["--quiet", "models", "export", "m", str(tmp_path / "m.tar.gz"), "--models-dir", str(store.root)]) == 0
    assert capsys.readouterr().err == ""


@pytest.fixture
def old_sklearn_model(tmp_path):
    """A real theme model whose manifest says it was saved with scikit-learn 0.24.2."""
    store = ModelStore(tmp_path / "models")
    store.save(fit_real("themes"), "themes")
    path = store.path("themes") / MANIFEST
    manifest = json.loads(path.read_text())
    # A format-2 model depends on no pickled class: only textkit's own version is compared.
    manifest["versions"].update({"scikit-learn": "0.24.2", "gensim": "3.8.3", "textkit": "0.0.9"})
    manifest["checksum"] = manifest_checksum(manifest)
    path.write_text(json.dumps(manifest))
    return store


def test_other_library_version_warns_in_one_line_or_is_refused_with_strict(old_sklearn_model, capsys, monkeypatch):
    from textkit import __version__

    monkeypatch.delenv("TEXTKIT_STRICT", raising=False)
    where = ["--models-dir", str(old_sklearn_model.root)]
    assert main(["predict", "-m", "themes", *where, "-f", "jsonl", "wheat harvest"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["labels"] == ["economy"]
    assert captured.err.splitlines() == [
        f"warning: model 'themes' was saved with textkit 0.0.9, this is textkit {__version__}; "
        "its predictions may differ or it may fail to load"
    ]
    assert main(["--strict", "predict", "-m", "themes", *where, "wheat harvest"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"error: model 'themes' was saved with textkit 0.0.9, this is textkit {__version__}; "
        "its predictions may differ or it may fail to load (install textkit==0.0.9 or re-train the model)\n"
    )
    assert "TEXTKIT_STRICT" not in os.environ  # --strict lasts one command
    monkeypatch.setenv("TEXTKIT_STRICT", "1")  # cron jobs can set it once
    with pytest.raises(ModelStoreError, match="saved with textkit 0.0.9"):
        old_sklearn_model.load("themes")


def test_warnings_are_shown_as_one_line(capsys):
    with _output.warnings_as_lines():
        warnings.warn("model 'm' was saved with scikit-learn 0.24.2", UserWarning, stacklevel=2)
    assert capsys.readouterr().err == "warning: model 'm' was saved with scikit-learn 0.24.2\n"


def test_ctrl_c_exits_130_and_leaves_no_partial_output(tmp_path, capsys, monkeypatch):
    import textkit.reading.articles

    dump = tmp_path / "d.txt"
    dump.write_text("Headline Words Here\n\nDAMASCUS, (SANA)- A body long enough to be an article, said the source.\n")

    def write_some_then_interrupt(articles, handle):
        handle.write('{"id": "partial"}\n')
        raise KeyboardInterrupt

    monkeypatch.setattr(textkit.reading.articles, "write_jsonl", write_some_then_interrupt)
    assert main(["segment", str(dump), "-o", str(tmp_path / "out.jsonl")]) == 130
    assert capsys.readouterr().err == "error: interrupted\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.txt"]


def test_a_real_sigint_exits_130_without_a_traceback(tmp_path):
    out = tmp_path / "out.jsonl"
    # `segment -` waits on standard input, like a long run, with its temporary output open; then Ctrl-C.
    child = subprocess.Popen(
        [sys.executable, "-m", "textkit", "segment", "-", "-o", str(out)],
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".out.jsonl.*.part")):  # the output is open, the input being read
        assert child.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=30)
    child.stdin.close()
    # Under `python -m`, CPython sometimes ends a process that handled a Ctrl-C by re-sending
    # itself SIGINT after main() returned 130 (the message is already printed): a shell sees
    # status 130 either way, so both count as "interrupted".
    assert child.returncode in (130, -signal.SIGINT), err.decode()
    assert err.decode().strip().splitlines()[-1] == "error: interrupted"
    assert "Traceback" not in err.decode()
    assert list(tmp_path.iterdir()) == []


def test_a_reader_that_stops_early_gets_exit_141_and_no_traceback(tmp_path):
    """`textkit segment big_dump.txt | head -1`: the closed pipe is not reported as an error."""
    dump = tmp_path / "big.txt"
    dump.write_text(
        (Path(__file__).parents[1] / "data" / "sample_dump.txt").read_text(encoding="utf-8") * 20, encoding="utf-8"
    )
    child = subprocess.Popen(
        [sys.executable, "-m", "textkit", "segment", str(dump)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdout.readline().startswith(b'{"id": ')
    child.stdout.close()  # far more than a pipe buffer is still to come
    err = child.stderr.read().decode()
    assert child.wait(timeout=60) == 141
    assert "Traceback" not in err and "Exception ignored" not in err and "error:" not in err


def test_shell_completion_is_installable():
    # A process of its own: typer's completion reads the environment and process state of the caller.
    done = subprocess.run(
        [sys.executable, "-m", "textkit", "--show-completion", "bash"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "complete -o default -F _textkit_completion textkit" in done.stdout


def test_saved_models_outputs_reports_and_archives_follow_the_umask(tmp_path):
    """Shared like any file the user makes: tempfile's private 0600/0700 must not leak into the results."""
    from textkit.atomic import atomic_write
    from textkit.store import ModelStore

    old = os.umask(0o022)
    try:
        store = ModelStore(tmp_path / "models")
        store.save(ToyModel(1.0), "m")
        with atomic_write(tmp_path / "out" / "predictions.jsonl") as handle:
            handle.write("{}\n")
        store.export_archive("m", tmp_path / "m.tar.gz")
    finally:
        os.umask(old)
    assert (store.root / "m").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "out" / "predictions.jsonl").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "m.tar.gz").stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["predictions.jsonl"]


def _segment_waiting_on_stdin(out, stale=()):
    """`textkit segment - -o out` with its output open, blocked on a stdin that never ends."""
    child = subprocess.Popen(
        [sys.executable, "-m", "textkit", "segment", "-", "-o", str(out)],
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    child.stdin.write("Talks Open\n\nDAMASCUS, (NNA) - Talks opened on Monday.\n")
    child.stdin.flush()
    deadline = time.monotonic() + 60
    while not set(out.parent.glob(f".{out.name}.*.part")) - set(stale):
        assert child.poll() is None and time.monotonic() < deadline, child.stderr.read()
        time.sleep(0.05)
    return child


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_termination_signals_exit_like_ctrl_c_and_leave_no_partial_file(tmp_path, signum, code):
    out = tmp_path / "out.jsonl"
    child = _segment_waiting_on_stdin(out)
    child.send_signal(signum)
    _, err = child.communicate(timeout=60)
    assert child.returncode == code
    assert err == f"error: terminated ({signal.Signals(signum).name})\n"
    assert list(tmp_path.iterdir()) == []


def test_a_partial_file_of_a_killed_process_is_swept_by_the_next_write(tmp_path):
    out = tmp_path / "out.jsonl"
    child = _segment_waiting_on_stdin(out)
    child.kill()  # SIGKILL: nothing in the process can clean up
    child.communicate(timeout=60)
    [partial] = tmp_path.glob(".out.jsonl.*.part")
    live = _segment_waiting_on_stdin(out, stale=[partial])  # a live writer's file is left alone...
    try:
        assert not partial.exists()  # ...while the dead one's was removed when the new write began
        assert len(list(tmp_path.glob(".out.jsonl.*.part"))) == 1
    finally:
        live.kill()
        live.communicate(timeout=60)
