"""The model store: round trips, manifests, listing, versions, archives, cleanup, and ``textkit models``."""

import hashlib
import io
import json
import os
import sys
import tarfile
import time
import warnings
from datetime import datetime
from pathlib import Path

import pytest
from toymodel import ToyModel, fit_real, predictions

import textkit
from textkit.cli import main
from textkit.errors import IntegrityError, ModelStoreError
from textkit.store import (
    ARRAYS,
    MANIFEST,
    STATE,
    ModelStore,
    VersionWarning,
    library_versions,
    main_metric,
    manifest_checksum,
    sha256_file,
)
from textkit.store.store import LOCK


@pytest.fixture
def store(tmp_path):
    return ModelStore(tmp_path / "models")


def rewrite_manifest(store, name, **changes):
    """Edit a manifest the way a careful tamperer would: with a recomputed checksum."""
    path = store.path(name) / MANIFEST
    manifest = json.loads(path.read_text())
    manifest.update(changes)
    manifest["checksum"] = manifest_checksum(manifest)
    path.write_text(json.dumps(manifest))


def abandoned(store, action, name):
    """A temporary folder as a killed process leaves it: its lock file exists and nobody holds it."""
    folder = store.root / f".{action}-{name}-abcd1234"
    folder.mkdir(parents=True)
    (folder / LOCK).touch()
    return folder


# -- save and load -----------------------------------------------------------------------
def test_round_trip_and_manifest_fields(store):
    manifest = store.save(ToyModel(2.0), "toy", metrics={"cv": {"micro_f1": 0.75}}, data={"sha256": "abc", "count": 3})
    loaded = store.load("toy")
    assert loaded.model.predict(["abcd"]) == [8.0]
    assert loaded.manifest == manifest
    assert list(manifest) == [
        "format",
        "name",
        "kind",
        "created",
        "versions",
        "params",
        "labels",
        "metrics",
        "data",
        "artifacts",
        "checksum",
    ]
    assert (manifest["format"], manifest["name"], manifest["kind"]) == (2, "toy", "toy")
    assert manifest["params"] == {"weight": 2.0}
    assert manifest["labels"] == ["economy", "military"]
    assert manifest["metrics"] == {"cv": {"micro_f1": 0.75}}
    assert manifest["data"] == {"sha256": "abc", "count": 3}
    assert datetime.fromisoformat(manifest["created"]).tzinfo is not None
    assert manifest["versions"] == library_versions()
    assert set(manifest["versions"]) >= {"textkit", "python", "scikit-learn", "gensim", "numpy"}
    assert manifest["artifacts"] == {
        f: {"sha256": sha256_file(store.path("toy") / f), "bytes": (store.path("toy") / f).stat().st_size}
        for f in (STATE, ARRAYS)
    }
    assert manifest["checksum"] == manifest_checksum(manifest)
    assert sorted(p.name for p in store.root.iterdir()) == ["toy"]  # no temporary folder left


def test_top_level_save_and_load(tmp_path):
    textkit.save(ToyModel(3.0), "top", models_dir=tmp_path)
    loaded = textkit.load("top", models_dir=tmp_path)
    assert loaded.model.weight == 3.0 and loaded.manifest["name"] == "top"
    assert textkit.ModelStore is ModelStore


def test_models_dir_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("TEXTKIT_MODELS_DIR", str(tmp_path / "elsewhere"))
    textkit.save(ToyModel(), "env")
    assert (tmp_path / "elsewhere" / "env" / MANIFEST).is_file()
    assert ModelStore().names() == ["env"]


def test_saving_over_a_model_needs_force(store):
    store.save(ToyModel(1.0), "m")
    with pytest.raises(ModelStoreError) as error:
        store.save(ToyModel(2.0), "m")
    assert (
        str(error.value) == f"model 'm' already exists in {store.root} (replace it with --force (force=True in Python))"
    )
    assert store.load("m").model.weight == 1.0
    store.save(ToyModel(2.0), "m", force=True)
    assert store.load("m").model.weight == 2.0
    assert sorted(p.name for p in store.root.iterdir()) == ["m"]


@pytest.mark.parametrize("name", ["", "../evil", "a/b", ".hidden", "-x", "x" * 101, "café", "abc\n"])
def test_invalid_names_are_refused(store, name):
    with pytest.raises(ModelStoreError, match="invalid model name"):
        store.save(ToyModel(), name)
    assert not store.root.exists()


def test_only_textkit_models_are_saved(store):
    with pytest.raises(ModelStoreError) as error:
        store.save(object(), "x")
    assert str(error.value) == "cannot save a object: it is not a textkit model (it has no describe())"

    class NoParams(ToyModel):
        def describe(self):
            return {"kind": "toy"}

    class Reserved(ToyModel):
        def describe(self):
            return {"kind": "toy", "params": {}, "name": "other", "versions": {}}

    with pytest.raises(ModelStoreError, match=r"describe\(\) must return at least 'kind' \(a string\) and 'params'"):
        store.save(NoParams(), "x")
    with pytest.raises(ModelStoreError, match=r"describe\(\) may not set name, versions: the store writes them"):
        store.save(Reserved(), "x")
    assert store.names() == []


def test_unknown_model_names_the_models_there(store):
    store.save(ToyModel(), "alpha")
    with pytest.raises(ModelStoreError) as error:
        store.load("beta")
    assert str(error.value) == (
        f"no model named 'beta' in {store.root} (models there: alpha) "
        "(train one, or pass --models-dir / set $TEXTKIT_MODELS_DIR)"
    )


def test_newer_format_is_refused(store):
    store.save(ToyModel(), "m")
    rewrite_manifest(store, "m", format=3)
    with pytest.raises(ModelStoreError, match="has format 3; this textkit reads formats 1 and 2 \\(upgrade textkit\\)"):
        store.load("m")


# -- versions ----------------------------------------------------------------------------
def test_other_library_version_warns_once_or_refuses_when_strict(store):
    store.save(ToyModel(), "old")
    versions = dict(library_versions(), textkit="0.0.9")
    rewrite_manifest(store, "old", versions=versions)
    current = library_versions()["textkit"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert store.load("old").model.weight == 1.0
        store.load("old")
    assert [str(w.message) for w in caught if w.category is VersionWarning] == [
        f"model 'old' was saved with textkit 0.0.9, this is textkit {current}; "
        "its predictions may differ or it may fail to load"
    ]
    with pytest.raises(ModelStoreError, match=r"saved with textkit 0\.0\.9.*install textkit==0\.0\.9"):
        store.load("old", strict=True)


@pytest.mark.parametrize("kind", ["themes", "topics"])
def test_a_model_saved_with_other_scikit_learn_gensim_numpy_versions_loads_silently_and_identically(tmp_path, kind):
    # Format 2 holds values, not pickled classes: other library versions neither warn nor change a prediction.
    store = ModelStore(tmp_path)
    model = fit_real(kind)
    store.save(model, "m")
    versions = dict(library_versions(), **{"scikit-learn": "0.24.2", "gensim": "3.8.3", "numpy": "1.19.5"})
    rewrite_manifest(store, "m", versions=versions)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = store.load("m", strict=True).model
    assert predictions(loaded) == predictions(model)


def test_same_minor_version_is_silent(store):
    store.save(ToyModel(), "m")
    major, minor = library_versions()["numpy"].split(".")[:2]
    rewrite_manifest(store, "m", versions=dict(library_versions(), numpy=f"{major}.{minor}.999"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        store.load("m", strict=True)


# -- list and delete ---------------------------------------------------------------------
def test_list_shows_kind_created_size_metric_and_broken_folders(store):
    store.save(ToyModel(), "a", metrics={"train_seconds": 2.0, "cv": {"micro_f1": 0.8125}})
    store.save(ToyModel(), "b", metrics={"main": "topics", "topics": 12})
    (store.root / "c").mkdir()
    rows = store.list()
    assert [(r.name, r.kind, r.metric) for r in rows] == [
        ("a", "toy", ("cv.micro_f1", 0.8125)),
        ("b", "toy", ("topics", 12.0)),
        ("c", None, None),
    ]
    folder = store.path("a")
    assert rows[0].bytes == sum(p.stat().st_size for p in folder.iterdir())
    assert rows[0].created == store.manifest("a")["created"]
    assert rows[2].problem.startswith(f"{store.root / 'c'} has no manifest.json")
    assert store.names() == ["a", "b"]


def test_main_metric():
    assert main_metric({"train_seconds": 3, "cv": {"folds": 5, "micro_f1": 0.7}}) == ("cv.micro_f1", 0.7)
    assert main_metric({"main": "cv.folds", "cv": {"folds": 5}}) == ("cv.folds", 5.0)
    assert main_metric({"train_seconds": 3}) is None
    assert main_metric(None) is None


def test_delete(store):
    store.save(ToyModel(), "m")
    store.delete("m")
    assert store.names() == [] and list(store.root.iterdir()) == []
    with pytest.raises(ModelStoreError, match=f"no model named 'm' in {store.root}"):
        store.delete("m")


# -- archives ----------------------------------------------------------------------------
def test_export_import_round_trip(store, tmp_path):
    store.save(ToyModel(1.5), "m", metrics={"micro_f1": 0.5})
    archive = store.export_archive("m", tmp_path / "out" / "m.tar.gz")
    with tarfile.open(archive) as opened:
        assert opened.getnames() == ["m/manifest.json", "m/state.json", "m/arrays.npz"]
    other = ModelStore(tmp_path / "other")
    manifest = other.import_archive(archive)
    assert manifest == store.manifest("m")
    assert other.load("m").model.predict(["xy"]) == [3.0]
    renamed = other.import_archive(archive, name="copy")
    assert renamed["name"] == "copy" and other.load("copy").manifest["checksum"] == manifest_checksum(renamed)
    with pytest.raises(ModelStoreError, match="model 'm' already exists"):
        other.import_archive(archive)
    other.import_archive(archive, force=True)
    assert sorted(p.name for p in other.root.iterdir()) == ["copy", "m"]


def test_export_refuses_overwrite_and_damaged_models(store, tmp_path):
    store.save(ToyModel(), "m")
    target = tmp_path / "m.tar.gz"
    target.write_bytes(b"keep me")
    with pytest.raises(ModelStoreError, match="already exists"):
        store.export_archive("m", target)
    assert target.read_bytes() == b"keep me"
    (store.path("m") / ARRAYS).write_bytes(b"damaged")
    with pytest.raises(IntegrityError):
        store.export_archive("m", target, force=True)
    assert target.read_bytes() == b"keep me" and sorted(p.name for p in tmp_path.iterdir()) == ["m.tar.gz", "models"]


def make_archive(path, members):
    """A .tar.gz from (TarInfo fields, bytes or None) pairs."""
    with tarfile.open(path, "w:gz") as archive:
        for fields, data in members:
            info = tarfile.TarInfo(fields.pop("name"))
            for key, value in fields.items():
                setattr(info, key, value)
            if data is not None:
                info.size = len(data)
            archive.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def exported_files(store, name="m"):
    """The model's files, its manifest first (as export writes them)."""
    folder = store.path(name)
    return {n: (folder / n).read_bytes() for n in (MANIFEST, *store.manifest(name)["artifacts"])}


@pytest.mark.parametrize(
    "member, message",
    [
        ({"name": "/etc/evil"}, "member '/etc/evil' points outside the store; refused"),
        ({"name": "m/../../evil"}, "member 'm/../../evil' points outside the store; refused"),
        ({"name": "m/link", "type": tarfile.SYMTYPE, "linkname": "/etc/passwd"}, "member 'm/link' is a link or device"),
        (
            {"name": "m/hard", "type": tarfile.LNKTYPE, "linkname": "m/model.joblib"},
            "member 'm/hard' is a link or device",
        ),
        ({"name": "m/sub/deep"}, "member 'm/sub/deep' is not a file of the model's folder 'm'; refused"),
        ({"name": "other/file"}, "member 'other/file' is not a file of the model's folder 'm'; refused"),
        ({"name": "m/extra.py"}, "member 'm/extra.py' is not a file its manifest lists; refused"),
    ],
)
def test_unsafe_archives_are_refused(store, tmp_path, member, message):
    store.save(ToyModel(), "m")
    files = exported_files(store)
    is_link = member.get("type") in (tarfile.SYMTYPE, tarfile.LNKTYPE)
    archive = make_archive(
        tmp_path / "bad.tar.gz",
        [({"name": f"m/{n}"}, d) for n, d in files.items()] + [(dict(member), None if is_link else b"print('hi')")],
    )
    other = ModelStore(tmp_path / "other")
    with pytest.raises(ModelStoreError) as error:
        other.import_archive(archive)
    assert message in str(error.value)
    assert not (tmp_path / "evil").exists() and not other.path("m").exists()


def test_tampered_archive_is_refused_before_it_enters_the_store(store, tmp_path):
    store.save(ToyModel(), "m")
    files = exported_files(store)
    flipped = bytearray(files[ARRAYS])
    flipped[len(flipped) // 2] ^= 0xFF
    archive = make_archive(
        tmp_path / "t.tar.gz",
        [
            ({"name": "m/manifest.json"}, files[MANIFEST]),
            ({"name": "m/state.json"}, files[STATE]),
            ({"name": "m/arrays.npz"}, bytes(flipped)),
        ],
    )
    other = ModelStore(tmp_path / "other")
    with pytest.raises(IntegrityError, match="arrays.npz does not match its manifest's sha256"):
        other.import_archive(archive)
    assert not other.root.exists()


@pytest.mark.parametrize("content", [b"", b"not an archive at all", None])
def test_unreadable_archives_are_refused(store, tmp_path, content):
    store.save(ToyModel(), "m")
    path = tmp_path / "x.tar.gz"
    if content is None:  # a real archive cut in half
        content = store.export_archive("m", tmp_path / "full.tar.gz").read_bytes()[:200]
    path.write_bytes(content)
    with pytest.raises(ModelStoreError, match="is not a readable .tar.gz archive|has no manifest.json"):
        ModelStore(tmp_path / "other").import_archive(path)


# -- cleanup of killed saves -------------------------------------------------------------
def test_cleanup_removes_dead_saves_and_keeps_live_ones(store):
    store.save(ToyModel(), "m")
    dead = abandoned(store, "saving", "m")
    (dead / "m").mkdir()
    (dead / "m" / ARRAYS).write_bytes(b"half")
    unlocked_young = store.root / ".saving-m-young123"  # an older textkit's save, maybe still running
    unlocked_old = store.root / ".importing-m-old12345"
    for folder in (unlocked_young, unlocked_old):
        folder.mkdir()
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(unlocked_old, (two_days_ago, two_days_ago))
    with store._temporary("saving", "m") as live:  # held by this process: a save under way
        assert store.cleanup() == [f"removed {unlocked_old.name}", f"removed {dead.name}"]
        assert live.is_dir() and unlocked_young.is_dir()
    assert not live.exists()
    assert store.names() == ["m"]


def test_a_replace_killed_between_its_renames_is_undone(store):
    store.save(ToyModel(4.0), "m")
    retired = abandoned(store, "replaced", "m")
    store.path("m").rename(retired / "m")
    assert store.load("m").model.weight == 4.0  # put back on first use
    assert sorted(p.name for p in store.root.iterdir()) == ["m"]


def test_an_older_textkits_killed_replace_is_undone_after_a_day(store):
    """Older textkits named temporary folders ``.<action>-<name>-<pid>.<host>-<random>`` and made no lock."""
    store.save(ToyModel(4.0), "m-1.x")
    retired = store.root / ".replaced-m-1.x-4242.somehost-abcd1234"
    retired.mkdir()
    store.path("m-1.x").rename(retired / "m-1.x")
    assert store.cleanup() == []  # it may be an older textkit's replace under way
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(retired, (two_days_ago, two_days_ago))
    assert store.cleanup() == ["restored model 'm-1.x' from an interrupted replace", f"removed {retired.name}"]
    assert store.load("m-1.x").model.weight == 4.0


# -- the command line --------------------------------------------------------------------
def test_cli_list_show_export_import_delete(tmp_path, capsys):
    store = ModelStore(tmp_path / "models")
    store.save(ToyModel(), "m", metrics={"micro_f1": 0.8125})
    created = store.manifest("m")["created"]
    size = sum(p.stat().st_size for p in store.path("m").iterdir())
    where = ["--models-dir", str(store.root)]

    assert main(["models", "list", *where]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["name", "kind", "created", "size", "main", "metric"]
    assert out[2].split() == ["m", "toy", created, str(size), "B", "micro_f1=0.812"]

    assert main(["models", "list", *where, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {
            "name": "m",
            "kind": "toy",
            "created": created,
            "bytes": size,
            "metric": {"name": "micro_f1", "value": 0.8125},
            "problem": None,
        }
    ]

    assert main(["models", "show", "m", *where]) == 0
    shown = capsys.readouterr().out
    assert "kind: toy\n" in shown and "params:\n  weight: 1.0\n" in shown and "labels: economy, military\n" in shown
    assert shown.endswith("integrity: ok: every file matches its sha256\n")
    assert main(["models", "show", "m", *where, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == store.manifest("m")

    archive = tmp_path / "m.tar.gz"
    assert main(["models", "export", "m", str(archive), *where]) == 0
    assert capsys.readouterr().err.startswith(f"exported model 'm' to {archive} (")
    other = ["--models-dir", str(tmp_path / "other")]
    assert main(["models", "import", str(archive), *other, "--name", "n"]) == 0
    assert capsys.readouterr().err == f"imported model 'n' (toy) into {tmp_path / 'other'}\n"
    assert main(["models", "import", str(archive), *other, "--name", "n"]) == 1
    assert capsys.readouterr().err == (
        f"error: model 'n' already exists in {tmp_path / 'other'} (replace it with --force (force=True in Python))\n"
    )

    assert main(["models", "delete", "m", *where]) == 0
    assert capsys.readouterr().err == f"deleted model 'm' from {store.root}\n"
    assert main(["models", "list", *where]) == 0
    assert capsys.readouterr().err == f"no models in {store.root}\n"


def test_cli_show_reports_a_damaged_model_and_exits_1(tmp_path, capsys):
    store = ModelStore(tmp_path)
    store.save(ToyModel(), "m")
    (store.path("m") / ARRAYS).write_bytes(b"x")
    assert main(["models", "show", "m", "--models-dir", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert captured.out.endswith("integrity: FAILED\n")
    assert captured.err.startswith(f"error: {store.path('m') / ARRAYS}: sha256 does not match the manifest")


def test_show_renders_nested_manifests_readably():
    from textkit.cli.models import _readable

    manifest = {
        "name": "t",
        "labels": ["a", "b"],
        "params": {"tokenizer": {"stem": False}, "seeds": None, "empty": {}},
        "topics": [{"id": 0, "words": [["war", 0.5], ["army", 0.25]]}, {}],
        "checksum": "x",
    }
    assert _readable(manifest, "ok") == (
        "name: t\nlabels: a, b\nparams:\n  tokenizer:\n    stem: False\n  seeds: None\n  empty: -\n"
        "topics:\n  - id: 0\n    words: war 0.5, army 0.25\n  - {}\nintegrity: ok"
    )


# -- is the name free? (checked before any fitting) ----------------------------------------
def test_ensure_free_refuses_a_store_that_cannot_hold_a_model(tmp_path, monkeypatch):
    a_file = tmp_path / "file"
    a_file.write_text("not a folder")
    with pytest.raises(ModelStoreError, match=f"^the model store {a_file} is a file, not a folder"):
        ModelStore(a_file).ensure_free("m")
    dangling = tmp_path / "link"
    dangling.symlink_to(tmp_path / "nowhere")
    with pytest.raises(ModelStoreError, match=f"^the model store {dangling} is a link to nothing"):
        ModelStore(dangling).ensure_free("m")
    read_only = tmp_path / "read-only"
    read_only.mkdir()
    read_only.chmod(0o555)
    if os.geteuid() == 0:  # root may write anywhere: deny it the way the kernel denies a user
        real_access = os.access
        monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != read_only and real_access(path, mode))
    for root in (read_only, read_only / "models"):  # the store, or the folder it would be made in
        with pytest.raises(ModelStoreError, match=f"^cannot write to the model store {root} \\(permission denied\\)"):
            ModelStore(root).ensure_free("m")
    assert list(read_only.iterdir()) == []


def test_ensure_free_counts_a_broken_folder_or_link_of_that_name_as_taken(store):
    store.root.mkdir()
    (store.root / "broken").mkdir()  # no manifest: a save cut short by an older textkit, a stray copy...
    (store.root / "gone").symlink_to(store.root / "nowhere")
    for name in ("broken", "gone"):
        with pytest.raises(ModelStoreError, match=f"^model '{name}' already exists in {store.root}"):
            store.ensure_free(name)
        store.ensure_free(name, force=True)
        store.save(ToyModel(3.0), name, force=True)
        assert store.load(name).model.weight == 3.0
    store.ensure_free("free")


def test_a_kind_changed_with_a_recomputed_checksum_is_refused_in_one_line(tmp_path, capsys):
    store = ModelStore(tmp_path)
    store.save(fit_real("topics"), "m")
    rewrite_manifest(store, "m", kind="themes")
    with pytest.raises(ModelStoreError) as error:
        store.load("m", kind="themes")
    # The state is checked against the schema of the kind its manifest names, before anything is built.
    assert (
        str(error.value)
        == f"{store.path('m') / STATE}: the top level has features None, not one of tfidf, hashing; refused"
    )
    assert main(["predict", "troops at the border", "--model", "m", "--models-dir", str(tmp_path)]) == 1
    assert capsys.readouterr().err == f"error: {error.value}\n"


# -- listing survives unreadable folders -------------------------------------------------
def test_list_reports_an_unreadable_model_folder_as_broken_and_goes_on(store, capsys):
    store.save(ToyModel(), "a")
    store.save(ToyModel(), "z")
    loop = store.path("loop")
    loop.mkdir()
    (loop / MANIFEST).symlink_to(loop / MANIFEST)  # unreadable for root too
    rows = store.list()
    assert [(r.name, r.kind) for r in rows] == [("a", "toy"), ("loop", None), ("z", "toy")]
    assert rows[1].problem == f"cannot read {loop / MANIFEST} (Too many levels of symbolic links)"
    assert main(["models", "list", "--models-dir", str(store.root)]) == 0
    captured = capsys.readouterr()
    assert [line.split()[:2] for line in captured.out.splitlines()[2:]] == [
        ["a", "toy"],
        ["loop", "BROKEN"],
        ["z", "toy"],
    ]
    assert captured.err == f"loop: {rows[1].problem}\n"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder")
def test_list_reports_a_folder_without_read_permission(store):
    store.save(ToyModel(), "a")
    store.save(ToyModel(), "b")
    store.path("a").chmod(0)
    try:
        rows = store.list()
    finally:
        store.path("a").chmod(0o755)
    assert [(r.name, r.kind) for r in rows] == [("a", None), ("b", "toy")]
    assert rows[0].problem == f"cannot read {store.path('a') / MANIFEST} (Permission denied)"


# -- delete asks on a terminal -----------------------------------------------------------
class Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize("answer, code", [("n\n", 1), ("\n", 1), ("y\n", 0)])
def test_cli_delete_answered_no_keeps_the_model_and_exits_1(tmp_path, capsys, monkeypatch, answer, code):
    store = ModelStore(tmp_path)
    store.save(ToyModel(), "m")
    monkeypatch.setattr(sys, "stdin", Terminal(answer))
    assert main(["models", "delete", "m", "--models-dir", str(tmp_path)]) == code
    captured = capsys.readouterr()
    assert captured.out == f"delete model 'm' from {tmp_path}? [y/N]: "
    if code:
        assert captured.err == "error: kept model 'm': deletion not confirmed\n"
        assert store.names() == ["m"]
    else:
        assert captured.err == f"deleted model 'm' from {tmp_path}\n"
        assert store.names() == []


# -- hostile archives --------------------------------------------------------------------
MIB = 2**20


def tar_header(name, size, kind=tarfile.REGTYPE):
    info = tarfile.TarInfo(name)
    info.size, info.type, info.mode = size, kind, 0o644
    return info.tobuf(tarfile.USTAR_FORMAT)


def padded(data):
    return data + b"\0" * (-len(data) % 512)


def gzip_of_zeros(path, prefix, zeros_mib):
    """A valid .tar.gz stream: ``prefix`` then ``zeros_mib`` MiB of zeros, without compressing them one by one.

    A fully flushed deflate block of 1 MiB of zeros (1 KB) repeated is valid deflate:
    200 MiB of zeros costs 200 KB and no time to build.
    """
    import struct
    import zlib

    def deflate(data, mode):
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        return packer.compress(data) + packer.flush(mode)

    zero_block = deflate(b"\0" * MIB, zlib.Z_FULL_FLUSH)
    tail = b"\0" * 1024  # the tar's end-of-archive blocks
    crc = zlib.crc32(prefix)
    for _ in range(zeros_mib):
        crc = zlib.crc32(b"\0" * MIB, crc)
    crc = zlib.crc32(tail, crc)
    size = (len(prefix) + zeros_mib * MIB + len(tail)) & 0xFFFFFFFF
    body = deflate(prefix, zlib.Z_FULL_FLUSH) + zero_block * zeros_mib + deflate(tail, zlib.Z_FINISH)
    path.write_bytes(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + body + struct.pack("<II", crc, size))
    return path


def forged_manifest(store, **artifact):
    """The saved model's manifest with its artifact entry changed and its checksum recomputed."""
    manifest = store.manifest("m")
    manifest["artifacts"][ARRAYS].update(artifact)
    manifest["checksum"] = manifest_checksum(manifest)
    return json.dumps(manifest).encode()


def import_measured(store, archive):
    """Import ``archive``; return the error and the peak of Python memory meanwhile."""
    import tracemalloc

    tracemalloc.start()
    try:
        with pytest.raises(ModelStoreError) as error:
            store.import_archive(archive)
        return str(error.value), tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_decompression_bomb_is_refused_before_it_is_decompressed(store, tmp_path):
    store.save(ToyModel(), "m")
    manifest = forged_manifest(store, bytes=200 * MIB, sha256=hashlib.sha256(b"").hexdigest())
    prefix = tar_header(f"m/{MANIFEST}", len(manifest)) + padded(manifest) + tar_header(f"m/{ARRAYS}", 200 * MIB)
    bomb = gzip_of_zeros(tmp_path / "bomb.tar.gz", prefix, 200)
    assert bomb.stat().st_size < MIB
    other = ModelStore(tmp_path / "other")
    message, peak = import_measured(other, bomb)
    assert message == (
        f"{bomb} declares {200 * MIB + store.manifest('m')['artifacts'][STATE]['bytes']:,} bytes of model files "
        f"in {bomb.stat().st_size:,} bytes, "
        "more than 100 times its size (a decompression bomb?); refused"
    )
    assert peak < 5 * MIB
    assert not other.root.exists()


def test_a_member_larger_than_its_manifest_says_is_refused_unread(store, tmp_path):
    store.save(ToyModel(), "m")
    manifest = forged_manifest(store)
    prefix = tar_header(f"m/{MANIFEST}", len(manifest)) + padded(manifest) + tar_header(f"m/{ARRAYS}", 200 * MIB)
    archive = gzip_of_zeros(tmp_path / "big.tar.gz", prefix, 200)
    other = ModelStore(tmp_path / "other")
    message, peak = import_measured(other, archive)
    expected = store.manifest("m")["artifacts"][ARRAYS]["bytes"]
    assert message == f"{archive}: {ARRAYS} has 209,715,200 bytes, its manifest says {expected:,}; refused"
    assert peak < 5 * MIB and not other.root.exists()


def test_a_huge_extended_header_is_refused_without_reading_it(store, tmp_path):
    # tarfile reads a pax header whole, whatever size it states: the import caps each read.
    archive = gzip_of_zeros(tmp_path / "pax.tar.gz", tar_header("PaxHeader", 200 * MIB, tarfile.XHDTYPE), 200)
    message, peak = import_measured(ModelStore(tmp_path / "other"), archive)
    assert message == f"{archive} has a tar header of more than 20,971,520 bytes; refused"
    assert peak < 30 * MIB


def tar_bytes(members, end=True):
    """An uncompressed tar of (name, data or None for a folder) pairs; without its end blocks if not ``end``."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as archive:
        for name, data in members:
            info = tarfile.TarInfo(name)
            if data is None:
                info.type = tarfile.DIRTYPE
            else:
                info.size = len(data)
            archive.addfile(info, None if data is None else io.BytesIO(data))
        unfinished = out.getvalue()
    return out.getvalue() if end else unfinished


def test_an_import_stops_at_the_first_unexpected_member(store, tmp_path):
    import gzip

    store.save(ToyModel(), "m")
    files = [(f"m/{n}", d) for n, d in exported_files(store).items()]
    # Past the first unexpected member there are 5,000 folders and then garbage: neither is read.
    beyond = b"".join(tar_header(f"m/sub{i}/", 0, tarfile.DIRTYPE) for i in range(5_000)) + b"garbage" * 1000
    for unexpected in [("m/sub/", None), ("m/extra", b"x"), (f"m/{ARRAYS}", b"twice")]:
        body = tar_bytes([*files, unexpected], end=False) + beyond
        archive = tmp_path / "hostile.tar.gz"
        archive.write_bytes(gzip.compress(body, compresslevel=1))
        other = ModelStore(tmp_path / "other")
        with pytest.raises(ModelStoreError) as error:
            other.import_archive(archive)
        name = unexpected[0].rstrip("/")
        assert str(error.value) in (
            f"{archive}: member {name!r} is not a file its manifest lists; refused",
            f"{archive}: member {name!r} is not a file of the model's folder 'm'; refused",
        )
        assert not other.root.exists()


def test_the_manifest_must_come_first(store, tmp_path):
    import gzip

    store.save(ToyModel(), "m")
    files = exported_files(store)
    archive = tmp_path / "late.tar.gz"
    archive.write_bytes(gzip.compress(tar_bytes([("m/", None), (f"m/{ARRAYS}", files[ARRAYS])])))
    with pytest.raises(ModelStoreError) as error:
        ModelStore(tmp_path / "other").import_archive(archive)
    assert str(error.value) == (
        f"{archive}: its first file must be <model>/manifest.json (as 'textkit models export' writes it), "
        f"not 'm/{ARRAYS}'; refused"
    )
    # A folder entry first, as tar writes it, is fine.
    archive.write_bytes(
        gzip.compress(tar_bytes([("./", None), ("m/", None), *((f"m/{n}", d) for n, d in files.items())]))
    )
    assert ModelStore(tmp_path / "other").import_archive(archive)["name"] == "m"


@pytest.mark.parametrize(
    "content",
    [b"not an archive at all\nsecond line\n", b"\x1f\x8b not really gzip", "gzip-text", b"\0" * 4096],
)
def test_a_file_that_is_not_a_model_archive_gives_one_line(tmp_path, capsys, content):
    import gzip

    path = tmp_path / "x.tar.gz"
    path.write_bytes(gzip.compress(b"plain text, not a tar " * 100) if content == "gzip-text" else content)
    assert main(["models", "import", str(path), "--models-dir", str(tmp_path / "models")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"error: {path} ") and len(err) < 200


def test_hostile_names_make_short_errors(store, tmp_path, capsys):
    import gzip

    store.save(ToyModel(), "m")
    files = [(f"m/{n}", d) for n, d in exported_files(store).items()]
    long_name = "m/" + "x" * 10_000
    archive = tmp_path / "long.tar.gz"
    archive.write_bytes(gzip.compress(tar_bytes([*files, (long_name, b"x")])))
    assert main(["models", "import", str(archive), "--models-dir", str(tmp_path / "other")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and len(err) < 250 + len(str(archive)), err


def test_a_fifo_in_place_of_a_file_is_refused_without_waiting(store, tmp_path):
    store.save(ToyModel(), "a")
    store.save(ToyModel(), "b")
    os.unlink(store.path("a") / MANIFEST)
    os.mkfifo(store.path("a") / MANIFEST)  # reading it would wait for a writer forever
    os.unlink(store.path("b") / ARRAYS)
    os.mkfifo(store.path("b") / ARRAYS)
    rows = store.list()
    assert [(r.name, r.problem) for r in rows] == [
        ("a", f"{store.path('a') / MANIFEST} is not a regular file"),
        ("b", None),
    ]
    for action in (store.verify, store.load):
        with pytest.raises(ModelStoreError, match=f"^{store.path('b') / ARRAYS} is not a regular file$"):
            action("b")


def train_data(tmp_path):
    data = tmp_path / "train.jsonl"
    records = [{"id": str(i), "text": f"wheat harvest {i}", "labels": ["economy"]} for i in range(6)]
    data.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return data


@pytest.mark.parametrize("command", [["train"], ["topics", "fit"]])
def test_an_unusable_store_is_refused_before_any_fitting(tmp_path, capsys, monkeypatch, command):
    from textkit.themes.classify import ThemeClassifier
    from textkit.topics.model import TopicModel

    def no_fitting(*_args, **_kwargs):
        raise AssertionError("fitted before the store was checked")

    monkeypatch.setattr(ThemeClassifier, "fit", no_fitting)
    monkeypatch.setattr(TopicModel, "fit", no_fitting)
    data = train_data(tmp_path)
    a_file = tmp_path / "file"
    a_file.write_text("x")
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")
    broken = tmp_path / "models"
    (broken / "m").mkdir(parents=True)
    for models_dir, message in [
        (a_file, f"the model store {a_file} is a file, not a folder (choose another --models-dir)"),
        (dangling, f"the model store {dangling} is a link to nothing (fix the link or choose another --models-dir)"),
        (broken, f"model 'm' already exists in {broken} (replace it with --force (force=True in Python))"),
    ]:
        argv = [*command, str(data), "--name", "m", "--models-dir", str(models_dir)]
        assert main(argv) == 1
        assert capsys.readouterr().err.splitlines()[-1] == f"error: {message}"
