"""The model store: round trips, manifests, listing, versions, archives, cleanup, and ``textkit models``."""

import io
import json
import os
import subprocess
import sys
import tarfile
import warnings
from datetime import datetime

import pytest
from toymodel import ToyModel

import textkit
from textkit.cli import main
from textkit.errors import IntegrityError, ModelStoreError
from textkit.store.modelstore import (
    ARTIFACT,
    MANIFEST,
    ModelStore,
    VersionWarning,
    library_versions,
    main_metric,
    manifest_checksum,
    sha256_file,
)


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


def dead_pid():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def hostname_slug():
    import re
    import socket

    return re.sub(r"[^A-Za-z0-9]", "", socket.gethostname())[:20]


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
    assert (manifest["format"], manifest["name"], manifest["kind"]) == (1, "toy", "toy")
    assert manifest["params"] == {"weight": 2.0}
    assert manifest["labels"] == ["economy", "military"]
    assert manifest["metrics"] == {"cv": {"micro_f1": 0.75}}
    assert manifest["data"] == {"sha256": "abc", "count": 3}
    assert datetime.fromisoformat(manifest["created"]).tzinfo is not None
    assert manifest["versions"] == library_versions()
    assert set(manifest["versions"]) >= {"textkit", "python", "scikit-learn", "gensim", "numpy"}
    artifact = store.path("toy") / ARTIFACT
    assert manifest["artifacts"] == {ARTIFACT: {"sha256": sha256_file(artifact), "bytes": artifact.stat().st_size}}
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


@pytest.mark.parametrize("name", ["", "../evil", "a/b", ".hidden", "-x", "x" * 101, "café"])
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
    rewrite_manifest(store, "m", format=2)
    with pytest.raises(ModelStoreError, match="has format 2; this textkit reads format 1 \\(upgrade textkit\\)"):
        store.load("m")


# -- versions ----------------------------------------------------------------------------
def test_other_library_version_warns_once_or_refuses_when_strict(store):
    store.save(ToyModel(), "old")
    versions = dict(library_versions(), **{"scikit-learn": "0.24.2"})
    rewrite_manifest(store, "old", versions=versions)
    current = library_versions()["scikit-learn"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert store.load("old").model.weight == 1.0
        store.load("old")
    assert [str(w.message) for w in caught if w.category is VersionWarning] == [
        f"model 'old' was saved with scikit-learn 0.24.2, this is scikit-learn {current}; "
        "its predictions may differ or it may fail to load"
    ]
    with pytest.raises(ModelStoreError, match=r"saved with scikit-learn 0\.24\.2.*install scikit-learn==0\.24\.2"):
        store.load("old", strict=True)


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
        assert opened.getnames() == ["m/manifest.json", "m/model.joblib"]
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
    (store.path("m") / ARTIFACT).write_bytes(b"damaged")
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
    return {p.name: p.read_bytes() for p in store.path(name).iterdir()}


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
        ({"name": "m/sub/deep"}, "member 'm/sub/deep' is not a file of the model's folder; refused"),
        ({"name": "other/file"}, "must hold exactly one model folder, it has 2"),
        ({"name": "m/extra.py"}, "has files the manifest does not list: extra.py; refused"),
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
    flipped = bytearray(files[ARTIFACT])
    flipped[len(flipped) // 2] ^= 0xFF
    archive = make_archive(
        tmp_path / "t.tar.gz",
        [({"name": "m/manifest.json"}, files[MANIFEST]), ({"name": "m/model.joblib"}, bytes(flipped))],
    )
    other = ModelStore(tmp_path / "other")
    with pytest.raises(IntegrityError, match="model.joblib does not match its manifest's sha256"):
        other.import_archive(archive)
    assert list(other.root.iterdir()) == []


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
    host = hostname_slug()
    dead = store.root / f".saving-m-{dead_pid()}.{host}-abc123"
    live = store.root / f".saving-m-{os.getpid()}.{host}-def456"
    foreign = store.root / f".saving-m-{dead_pid()}.someotherhost-ghi789"
    for folder in (dead, live, foreign):
        folder.mkdir()
        (folder / ARTIFACT).write_bytes(b"half")
    assert store.cleanup() == [f"removed {dead.name}"]
    assert live.is_dir() and foreign.is_dir()
    assert store.names() == ["m"]


def test_a_replace_killed_between_its_renames_is_undone(store):
    store.save(ToyModel(4.0), "m")
    retired = store.root / f".replaced-m-{dead_pid()}.{hostname_slug()}-abc123"
    retired.mkdir()
    store.path("m").rename(retired / "m")
    assert store.load("m").model.weight == 4.0  # put back on first use
    assert sorted(p.name for p in store.root.iterdir()) == ["m"]


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
    (store.path("m") / ARTIFACT).write_bytes(b"x")
    assert main(["models", "show", "m", "--models-dir", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert captured.out.endswith("integrity: FAILED\n")
    assert captured.err.startswith(f"error: {store.path('m') / ARTIFACT}: sha256 does not match the manifest")


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
