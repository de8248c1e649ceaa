"""The model store: one folder per model, written atomically, verified before loading.

Layout::

    models/<name>/manifest.json   what the model is, how it was made, sha256 of every file
    models/<name>/model.joblib    the fitted object

A save writes a hidden temporary folder (``.saving-*``) and renames it into place, so
an interrupted save leaves the previous model intact. A load reads every artifact,
checks its sha256 against the manifest and only then unpickles those same bytes:
joblib/pickle files can run code, and only files whose hash matches their manifest
are opened. Archives (``.tar.gz``) move models between stores; an import refuses
links, absolute paths and members outside the model's folder, and verifies every
hash before the model appears in the store.

The hashes protect against damage and accidental edits, not against a malicious
sender (who can write a matching manifest): import archives only from people you
trust, as you would run only their code.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
import re
import shutil
import socket
import tarfile
import tempfile
import time
import warnings
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from textkit import __version__
from textkit.atomic import atomic_write, share_like_mkdir
from textkit.errors import IntegrityError, ModelStoreError
from textkit.messages import TextkitWarning

MANIFEST = "manifest.json"
ARTIFACT = "model.joblib"
MODELS_DIR_ENV = "TEXTKIT_MODELS_DIR"
STRICT_ENV = "TEXTKIT_STRICT"  # "1": refuse models from other library versions (textkit --strict)
FORMAT_VERSION = 1
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
# Libraries whose pickles may not load (or may behave differently) across minor versions.
_PICKLE_LIBRARIES = ("textkit", "scikit-learn", "gensim", "numpy")
# Manifest keys the store writes itself; a model's describe() may not set them.
_STORE_KEYS = ("format", "name", "created", "versions", "artifacts", "checksum")
_MAX_MANIFEST_BYTES = 10 * 2**20
# Temporary folders: ".<action>-<model>-<pid>.<host>-<random>"; the owner tells a live
# save (never touched) from one that was killed (cleaned up).
_TEMPORARY = re.compile(r"^\.(saving|importing|replaced|deleting)-(.+)-(\d+)\.([A-Za-z0-9]*)-[a-z0-9_]+$")
_STALE_AFTER_SECONDS = 24 * 3600  # even with a live owner pid: the pid may have been reused
_BUSY_RETRIES = 30  # a load racing a replace waits for it, up to 30 x 0.1 s


class VersionWarning(TextkitWarning):
    """A model saved with another major/minor version of a library it pickles."""


@dataclass
class LoadedModel:
    """A model read from the store, with its manifest."""

    model: Any
    manifest: dict[str, Any]


@dataclass
class ModelInfo:
    """One row of :meth:`ModelStore.list`: what a model is, or why it is broken."""

    name: str
    kind: str | None
    created: str | None
    bytes: int
    metric: tuple[str, float] | None
    problem: str | None = None

    def to_dict(self) -> dict[str, Any]:
        record = asdict(self)
        record["metric"] = None if self.metric is None else {"name": self.metric[0], "value": self.metric[1]}
        return record


def default_models_dir() -> Path:
    """``$TEXTKIT_MODELS_DIR`` if set, else ``models/`` in the working directory."""
    return Path(os.environ.get(MODELS_DIR_ENV) or "models")


def check_name(name: str) -> str:
    """Refuse names that are not a plain folder name (no ``/``, ``..``, leading dot)."""
    if not isinstance(name, str) or not _NAME.match(name) or name in (".", ".."):
        raise ModelStoreError(
            f"invalid model name {name!r}",
            hint="use letters, digits, '.', '_' or '-', starting with a letter or digit",
        )
    return name


def library_versions() -> dict[str, str]:
    """Versions of Python and of every library a saved model depends on."""
    from importlib.metadata import PackageNotFoundError, version

    versions = {"textkit": __version__, "python": platform.python_version()}
    for package in ("scikit-learn", "gensim", "numpy", "scipy", "joblib"):
        with suppress(PackageNotFoundError):
            versions[package] = version(package)
    return versions


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest_checksum(manifest: dict[str, Any]) -> str:
    """sha256 of the manifest's canonical JSON without its ``checksum`` field."""
    body = {k: v for k, v in manifest.items() if k != "checksum"}
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# Headline numbers looked for (at any depth) when a model's metrics do not name theirs.
_CONVENTIONAL_METRICS = ("micro_f1", "f1_micro", "samples_f1", "macro_f1", "f1_macro", "coherence", "c_v", "accuracy")


def main_metric(metrics: Any) -> tuple[str, float] | None:
    """The headline number of a manifest's metrics, as ``(dotted key, value)``.

    ``metrics["main"]`` may name it with a dotted path (``"cv.micro_f1"``); otherwise
    the first of :data:`_CONVENTIONAL_METRICS` found is used, else ``None``.
    """
    found: dict[str, float] = {}

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{path}.{key}" if path else str(key))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            found.setdefault(path, float(value))

    walk(metrics, "")
    main = metrics.get("main") if isinstance(metrics, dict) else None
    if isinstance(main, str) and main in found:
        return main, found[main]
    for wanted in _CONVENTIONAL_METRICS:
        for path, value in found.items():
            if path.rsplit(".", 1)[-1] == wanted:
                return path, value
    return None


class ModelStore:
    """A folder of saved models.

    Parameters
    ----------
    root : str or Path, optional
        The store's folder; default :func:`default_models_dir`.
    """

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else default_models_dir()

    def path(self, name: str) -> Path:
        return self.root / check_name(name)

    def exists(self, name: str) -> bool:
        return (self.path(name) / MANIFEST).is_file()

    def names(self) -> list[str]:
        """Names of the saved models (folders with a manifest), sorted."""
        return [p.name for p in self._folders() if (p / MANIFEST).is_file()]

    def _folders(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        return sorted(p for p in self.root.iterdir() if p.is_dir() and not p.name.startswith("."))

    # -- saving ----------------------------------------------------------------------------
    def save(
        self,
        model: Any,
        name: str,
        *,
        force: bool = False,
        metrics: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Save a fitted model atomically and return its manifest.

        ``model`` describes itself through ``model.describe()`` (at least ``kind``
        and ``params``; labels or topics). ``metrics`` (``metrics["main"]`` may name
        the headline number) and ``data`` (the training-data fingerprint) go into
        the manifest as given.

        Raises
        ------
        ModelStoreError
            The name exists and ``force`` is false, the model is not a textkit
            model, or the disk refused the write (the previous model is then intact).
        """
        import joblib

        self.ensure_free(name, force)
        description = _describe(model)
        with self._staging("saving", name) as staging:
            artifact = staging / ARTIFACT
            with open(artifact, "wb") as handle:
                joblib.dump(model, handle, compress=3)
                handle.flush()
                os.fsync(handle.fileno())
            manifest = {
                "format": FORMAT_VERSION,
                "name": name,
                "kind": description.pop("kind"),
                "created": datetime.now(UTC).isoformat(timespec="seconds"),
                "versions": library_versions(),
                **description,
                "metrics": metrics if metrics is not None else description.get("metrics", {}),
                "data": data if data is not None else description.get("data", {}),
                "artifacts": {ARTIFACT: {"sha256": sha256_file(artifact), "bytes": artifact.stat().st_size}},
            }
            manifest = _write_manifest(staging, manifest)
            self._install(staging, name, force)
        return manifest

    def ensure_free(self, name: str, force: bool = False) -> None:
        """Refuse, before any work, a name that is taken (unless ``force``) or a store that cannot be written.

        A folder of that name counts as taken even when it is broken (no or a bad
        manifest): replacing it needs ``force`` like replacing a working model.

        Raises
        ------
        ModelStoreError
            The name is taken and ``force`` is false, or the store's folder is a file,
            a dangling link, or not writable.
        """
        check_name(name)
        root = self.root
        if root.is_symlink() and not root.exists():
            raise ModelStoreError(
                f"the model store {root} is a link to nothing", hint="fix the link or choose another --models-dir"
            )
        if root.exists() and not root.is_dir():
            raise ModelStoreError(f"the model store {root} is a file, not a folder", hint="choose another --models-dir")
        probe = root if root.exists() else next((p for p in root.absolute().parents if p.exists()), Path("/"))
        if not os.access(probe, os.W_OK | os.X_OK):
            raise ModelStoreError(
                f"cannot write to the model store {root} (permission denied)", hint="choose another --models-dir"
            )
        if self.path(name).exists() and not force:
            raise ModelStoreError(
                f"model {name!r} already exists in {self.root}", hint="replace it with --force (force=True in Python)"
            )

    @contextmanager
    def _staging(self, action: str, name: str) -> Iterator[Path]:
        """A temporary folder in the store, removed unless it was installed; disk errors become ModelStoreError."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            self.cleanup()
            staging = Path(tempfile.mkdtemp(prefix=f".{action}-{name}-{_owner()}-", dir=self.root))
            share_like_mkdir(staging)  # it becomes the model's folder: others in the team must read it
        except OSError as error:
            raise ModelStoreError(f"cannot write to the model store {self.root} ({error.strerror or error})") from None
        try:
            yield staging
        except OSError as error:
            raise ModelStoreError(
                f"could not write model {name!r} in {self.root} ({error.strerror or error}); "
                "nothing was changed in the store",
                hint="free disk space or choose another --models-dir",
            ) from None
        finally:
            shutil.rmtree(staging, ignore_errors=True)  # already gone when it was installed

    def _install(self, staging: Path, name: str, force: bool) -> None:
        """Rename a complete staging folder into place, swapping out an existing model when forced.

        Concurrent saves of one name race here; each round either installs this save
        or sees that another process moved the target first and tries again (the last
        save wins, and no save fails because of another).
        """
        target = self.path(name)
        for _ in range(100):
            self.ensure_free(name, force)
            if not target.exists():
                try:
                    staging.rename(target)
                    return
                except OSError:
                    if not target.exists():
                        raise
                    continue  # another process installed this name in between
            retired = Path(tempfile.mkdtemp(prefix=f".replaced-{name}-{_owner()}-", dir=self.root))
            try:
                target.rename(retired / name)
            except FileNotFoundError:
                continue  # another process retired it first
            finally:
                if not (retired / name).exists():
                    retired.rmdir()
            try:
                staging.rename(target)
            except BaseException as error:
                if isinstance(error, OSError) and target.exists():
                    shutil.rmtree(retired, ignore_errors=True)
                    continue  # another save went in after ours retired the old model
                (retired / name).rename(target)  # put the old model back
                raise
            shutil.rmtree(retired, ignore_errors=True)
            return
        raise ModelStoreError(f"could not save model {name!r}: other processes keep replacing it", hint="try again")

    def cleanup(self) -> list[str]:
        """Remove temporary folders left by killed saves, imports and deletes; return what was done.

        A model swapped out by a replace that was killed before the new model went in
        is put back. Folders of saves still running (owner process alive on this
        host, younger than a day) are left alone.
        """
        done = []
        if not self.root.is_dir():
            return done
        for folder in sorted(self.root.iterdir()):
            match = _TEMPORARY.match(folder.name)
            if not match or not folder.is_dir() or not _is_stale(folder, int(match[3]), match[4]):
                continue
            action, name = match[1], match[2]
            old, target = folder / name, self.root / name
            try:
                if action == "replaced" and (old / MANIFEST).is_file() and not target.exists():
                    old.rename(target)
                    done.append(f"restored model {name!r} from an interrupted replace")
                shutil.rmtree(folder)
                done.append(f"removed {folder.name}")
            except OSError:
                continue  # a read-only store: leave it for someone who may write
        return done

    # -- loading ---------------------------------------------------------------------------
    def manifest(self, name: str) -> dict[str, Any]:
        """Read and check a model's manifest (without touching its artifacts).

        Raises
        ------
        ModelStoreError
            No such model, no manifest, or a manifest that is not valid, was edited
            by hand (its checksum does not match) or is from a newer textkit.
        """
        folder = self.path(name)
        if not folder.is_dir() and any("restored" in done for done in self.cleanup()):
            folder = self.path(name)
        if not folder.is_dir():
            known = ", ".join(self.names()) or "none"
            raise ModelStoreError(
                f"no model named {name!r} in {self.root} (models there: {known})",
                hint="train one, or pass --models-dir / set $TEXTKIT_MODELS_DIR",
            )
        path = folder / MANIFEST
        try:
            # Read in one try: a save replacing this model may rename its folder away at any
            # moment, and load() retries on ModelStoreError, not on a raw FileNotFoundError.
            if path.stat().st_size > _MAX_MANIFEST_BYTES:
                raise ModelStoreError(f"{path} is too large to be a textkit manifest")
            data = path.read_bytes()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise ModelStoreError(
                f"{folder} has no {MANIFEST}: it is not a textkit model (or its save was cut short)",
                hint=f"delete it with 'textkit models delete {name}'",
            ) from None
        return check_manifest(data, str(path))

    def verify(self, name: str) -> dict[str, Any]:
        """Check every artifact's presence and sha256 against the manifest; return the manifest."""
        manifest = self.manifest(name)
        for filename in manifest["artifacts"]:
            self._read_artifact(name, manifest, filename)
        return manifest

    def _read_artifact(self, name: str, manifest: dict[str, Any], filename: str) -> bytes:
        """The bytes of one artifact, after checking them against the manifest's sha256."""
        artifact = self.path(name) / filename
        try:
            data = artifact.read_bytes()
        except FileNotFoundError:
            raise IntegrityError(
                f"model {name!r} is missing {filename}", hint="re-train or re-import the model"
            ) from None
        except OSError as error:
            raise ModelStoreError(f"cannot read {artifact} ({error.strerror or error})") from None
        if hashlib.sha256(data).hexdigest() != manifest["artifacts"][filename]["sha256"]:
            raise IntegrityError(
                f"{artifact}: sha256 does not match the manifest; the file was changed or damaged, "
                "and textkit will not unpickle it",
                hint="re-train or re-import the model",
            )
        return data

    def load(self, name: str, *, kind: str | None = None, strict: bool | None = None) -> LoadedModel:
        """Verify, then load a model (its manifest is read once).

        Parameters
        ----------
        kind : str, optional
            The kind wanted (``"themes"``, ``"topics"``): another kind is refused on the
            manifest, before anything is loaded, and the loaded object must be of the
            class that kind names.
        strict : bool, optional
            Refuse (instead of warning about) a model saved with another major/minor
            version of textkit, scikit-learn, gensim or numpy. Default: true when
            ``$TEXTKIT_STRICT`` is ``1`` (what ``textkit --strict`` sets).

        Raises
        ------
        ModelStoreError, IntegrityError
            The model is missing, incomplete, tampered with, or (``strict``) from
            other library versions.
        """
        manifest: dict[str, Any] | None = None
        for attempt in range(_BUSY_RETRIES + 1):
            try:
                manifest = self.manifest(name)
                _check_kind(name, manifest, kind)
                # Hash and unpickle the same bytes: the file cannot change between check and load.
                data = self._read_artifact(name, manifest, ARTIFACT)
                break
            except ModelStoreError:
                # Another process may be replacing this model (or just did, between our reading
                # its manifest and its artifact): wait for it and read the new one.
                if attempt == _BUSY_RETRIES or not (self._busy(name) or self._replaced(name, manifest)):
                    raise
                time.sleep(0.1)
        if strict is None:
            strict = os.environ.get(STRICT_ENV) == "1"
        _check_versions(name, manifest["versions"], strict)
        model = _unpickle(name, data)
        _check_loaded_type(name, manifest, model)
        return LoadedModel(model, manifest)

    def _replaced(self, name: str, manifest: dict[str, Any] | None) -> bool:
        """Whether the model's manifest differs from ``manifest`` (read earlier)."""
        try:
            return manifest is not None and self.manifest(name)["checksum"] != manifest["checksum"]
        except ModelStoreError:
            return False

    def _busy(self, name: str) -> bool:
        """Whether a live save, import or replace of ``name`` is under way."""
        for folder in self.root.glob(f".*-{name}-*"):
            match = _TEMPORARY.match(folder.name)
            if match and match[2] == name and not _is_stale(folder, int(match[3]), match[4]):
                return True
        return False

    # -- listing and deleting -----------------------------------------------------------------
    def list(self) -> list[ModelInfo]:
        """Every model folder with its kind, creation time, size and main metric (hashes not checked).

        Folders that are not valid models are listed too, with the ``problem``.
        """
        rows = []
        for folder in self._folders():
            size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
            try:
                manifest = self.manifest(folder.name)
            except ModelStoreError as error:
                rows.append(ModelInfo(folder.name, None, None, size, None, problem=str(error)))
                continue
            rows.append(
                ModelInfo(
                    folder.name, manifest["kind"], manifest.get("created"), size, main_metric(manifest.get("metrics"))
                )
            )
        return rows

    def delete(self, name: str) -> None:
        """Remove a model (also a broken one); the folder disappears from the store at once."""
        folder = self.path(name)
        if not folder.is_dir():
            raise ModelStoreError(f"no model named {name!r} in {self.root}")
        trash = Path(tempfile.mkdtemp(prefix=f".deleting-{name}-{_owner()}-", dir=self.root))
        folder.rename(trash / name)
        shutil.rmtree(trash, ignore_errors=True)

    # -- archives -----------------------------------------------------------------------------
    def export_archive(self, name: str, path: str | Path, *, force: bool = False) -> Path:
        """Write the model ``name`` (verified first) to a ``.tar.gz`` archive; return its path.

        The archive holds one folder, ``<name>/``, with the manifest and artifacts.
        It is written to a temporary file and renamed, so a failed export leaves no
        partial archive.
        """
        manifest = self.verify(name)
        target = Path(path)
        if target.exists() and not force:
            raise ModelStoreError(f"{target} already exists", hint="overwrite it with --force (force=True in Python)")
        folder = self.path(name)
        try:
            with atomic_write(target, "wb") as handle, tarfile.open(fileobj=handle, mode="w:gz") as archive:
                for filename in (MANIFEST, *manifest["artifacts"]):
                    data = (folder / filename).read_bytes()
                    member = tarfile.TarInfo(f"{name}/{filename}")
                    member.size, member.mode, member.mtime = len(data), 0o644, int(time.time())
                    archive.addfile(member, io.BytesIO(data))
        except OSError as error:
            raise ModelStoreError(f"cannot write {target} ({error.strerror or error})") from None
        return target

    def import_archive(self, path: str | Path, *, name: str | None = None, force: bool = False) -> dict[str, Any]:
        """Add a model from a ``.tar.gz`` made by :meth:`export_archive`; return its manifest.

        Nothing is unpickled. The archive must hold exactly one model folder of plain
        files: absolute paths, ``..``, links and devices are refused, and every
        artifact must match the manifest's size and sha256 before the model is
        renamed into the store. ``name`` stores it under another name.

        Raises
        ------
        ModelStoreError, IntegrityError
            The archive is unreadable, unsafe, incomplete or does not match its manifest.
        """
        source = Path(path)
        if not source.is_file():
            raise ModelStoreError(f"{source}: no such file")
        try:
            with tarfile.open(source, "r:*") as archive:
                folder_name, members = _safe_members(archive, str(source))
                target_name = check_name(name or folder_name)
                self.ensure_free(target_name, force)
                raw = _member_bytes(archive, members[MANIFEST], None)
                manifest = check_manifest(raw, f"{source}:{MANIFEST}")
                unexpected = set(members) - {MANIFEST, *manifest["artifacts"]}
                missing = set(manifest["artifacts"]) - set(members)
                if missing or unexpected:
                    problem = (
                        f"lacks {', '.join(sorted(missing))}"
                        if missing
                        else f"has files the manifest does not list: {', '.join(sorted(unexpected))}"
                    )
                    raise IntegrityError(f"{source} {problem}; refused")
                with self._staging("importing", target_name) as staging:
                    for filename, info in manifest["artifacts"].items():
                        data = _member_bytes(archive, members[filename], info.get("bytes"))
                        if hashlib.sha256(data).hexdigest() != info["sha256"]:
                            raise IntegrityError(
                                f"{source}: {filename} does not match its manifest's sha256; the archive was "
                                "changed or damaged; refused"
                            )
                        (staging / filename).write_bytes(data)
                    if target_name != manifest["name"]:
                        manifest["name"] = target_name
                    manifest = _write_manifest(staging, manifest)
                    self._install(staging, target_name, force)
        except (tarfile.TarError, EOFError, zlib.error) as error:
            raise ModelStoreError(f"{source} is not a readable .tar.gz archive ({error})") from None
        except OSError as error:  # gzip.BadGzipFile and read errors
            raise ModelStoreError(f"{source} is not a readable .tar.gz archive ({error.strerror or error})") from None
        return manifest


# The class each kind of model must load as: a manifest whose kind was changed (and its
# checksum recomputed) must not hand a topic model to code that expects a classifier.
KIND_CLASSES = {
    "themes": ("textkit.themes.classify.ThemeClassifier", "textkit.themes.hashing.HashingThemeClassifier"),
    "topics": ("textkit.topics.model.TopicModel",),
}


_KIND_TEXT = {
    "themes": ("a theme classifier", "name a model trained with 'textkit train'"),
    "topics": ("a topic model", "name a model fitted with 'textkit topics fit'"),
}


def _check_kind(name: str, manifest: dict[str, Any], kind: str | None) -> None:
    found = manifest.get("kind")
    if kind is not None and found != kind:
        what, hint = _KIND_TEXT.get(kind, (f"a {kind!r} model", "name a model of that kind"))
        raise ModelStoreError(f"model {name!r} is a {found!r} model, not {what}", hint=hint)


def _check_loaded_type(name: str, manifest: dict[str, Any], model: Any) -> None:
    expected = KIND_CLASSES.get(str(manifest.get("kind")))
    actual = f"{type(model).__module__}.{type(model).__qualname__}"
    if expected is not None and actual not in expected:
        raise ModelStoreError(
            f"model {name!r} says it is a {manifest.get('kind')!r} model but holds a {actual}",
            hint="the model folder was altered: delete it and train or import it again",
        )


# -- helpers ----------------------------------------------------------------------------------
def _describe(model: Any) -> dict[str, Any]:
    describe = getattr(model, "describe", None)
    if describe is None:
        raise ModelStoreError(f"cannot save a {type(model).__name__}: it is not a textkit model (it has no describe())")
    description = dict(describe())
    if not isinstance(description.get("kind"), str) or "params" not in description:
        raise ModelStoreError(f"{type(model).__name__}.describe() must return at least 'kind' (a string) and 'params'")
    reserved = sorted(set(description) & set(_STORE_KEYS))
    if reserved:
        raise ModelStoreError(
            f"{type(model).__name__}.describe() may not set {', '.join(reserved)}: the store writes them"
        )
    return description


def _owner() -> str:
    """``<pid>.<host>`` for temporary folder names."""
    host = re.sub(r"[^A-Za-z0-9]", "", socket.gethostname())[:20]
    return f"{os.getpid()}.{host}"


def _is_stale(folder: Path, pid: int, host: str) -> bool:
    try:
        age = time.time() - folder.stat().st_mtime
    except OSError:
        return False
    if age > _STALE_AFTER_SECONDS:
        return True
    if host != _owner().split(".", 1)[1]:
        return False  # another machine's save on a shared store: we cannot tell, wait for the age limit
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, another user's
    return False


def _write_manifest(folder: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    """Write the manifest with its checksum; return it as it will be read back."""
    manifest = json.loads(json.dumps(manifest, default=str))  # what a reader will see (tuples -> lists...)
    manifest["checksum"] = manifest_checksum(manifest)
    with open(folder / MANIFEST, "w", encoding="utf-8") as handle:
        json.dump(manifest, handle, indent=2, ensure_ascii=False)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    return manifest


def check_manifest(raw: bytes, where: str) -> dict[str, Any]:
    """Parse and check a manifest's bytes: valid JSON, required fields, plain artifact names, checksum."""
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelStoreError(f"{where} is not valid JSON ({error}); the manifest was damaged or edited") from None
    required = ("format", "name", "kind", "versions", "artifacts", "checksum")
    if not isinstance(manifest, dict) or any(k not in manifest for k in required):
        raise ModelStoreError(f"{where} is not a textkit manifest (it needs {', '.join(required)})")
    if not isinstance(manifest["format"], int) or manifest["format"] > FORMAT_VERSION:
        raise ModelStoreError(
            f"{where} has format {manifest['format']!r}; this textkit reads format {FORMAT_VERSION}",
            hint="upgrade textkit",
        )
    if manifest_checksum(manifest) != manifest["checksum"]:
        raise IntegrityError(
            f"{where} was edited by hand or damaged: its checksum does not match its content",
            hint="restore the original manifest, or re-train or re-import the model",
        )
    artifacts = manifest["artifacts"]
    if not isinstance(artifacts, dict) or ARTIFACT not in artifacts or not isinstance(manifest["versions"], dict):
        raise ModelStoreError(f"{where} lists no {ARTIFACT} artifact")
    for filename, info in artifacts.items():
        if (
            Path(filename).name != filename
            or filename in (MANIFEST, ".", "..")
            or not isinstance(info, dict)
            or not isinstance(info.get("sha256"), str)
        ):
            raise IntegrityError(f"{where}: artifact entry {filename!r} is not a plain file name with a sha256")
    return manifest


def _safe_members(archive: tarfile.TarFile, where: str) -> tuple[str, dict[str, tarfile.TarInfo]]:
    """The archive's one model folder and its files by name; anything unsafe is refused."""
    files: dict[str, tarfile.TarInfo] = {}
    folders = set()
    for member in archive.getmembers():
        parts = PurePosixPath(member.name).parts
        if member.name.startswith(("/", "\\")) or ".." in parts or "\\" in member.name or ":" in member.name:
            raise ModelStoreError(f"{where}: member {member.name!r} points outside the store; refused")
        if not (member.isfile() or member.isdir()):
            raise ModelStoreError(f"{where}: member {member.name!r} is a link or device, not a plain file; refused")
        parts = tuple(p for p in parts if p != ".")
        if not parts:
            continue
        folders.add(parts[0])
        if member.isfile():
            if len(parts) != 2:
                raise ModelStoreError(f"{where}: member {member.name!r} is not a file of the model's folder; refused")
            files[parts[1]] = member
    if len(folders) != 1:
        raise ModelStoreError(f"{where} must hold exactly one model folder, it has {len(folders)}")
    if MANIFEST not in files:
        raise ModelStoreError(f"{where} has no {MANIFEST}: it is not a textkit model archive")
    return folders.pop(), files


def _member_bytes(archive: tarfile.TarFile, member: tarfile.TarInfo, expected: int | None) -> bytes:
    """A member's bytes; its size is checked first, so a huge member is refused unread."""
    limit = _MAX_MANIFEST_BYTES if expected is None else expected
    if member.size > limit or (expected is not None and member.size != expected):
        raise IntegrityError(f"archive member {member.name!r} has {member.size} bytes, expected {limit}; refused")
    handle = archive.extractfile(member)
    assert handle is not None  # _safe_members admits regular files only
    return handle.read()


def _unpickle(name: str, data: bytes) -> Any:
    import joblib

    try:
        model = joblib.load(io.BytesIO(data))
    except Exception as error:  # an unpickling failure has many exception types
        raise ModelStoreError(
            f"model {name!r} could not be loaded ({type(error).__name__}: {error})",
            hint="it may need the library versions it was saved with (see 'textkit models show')",
        ) from error
    if getattr(model, "describe", None) is None:
        raise ModelStoreError(f"model {name!r} holds a {type(model).__name__}, not a textkit model")
    return model


def _minor(version: str) -> tuple[str, ...]:
    return tuple(version.split(".")[:2])


_warned: set[tuple[str, str]] = set()


def _check_versions(name: str, saved: dict[str, str], strict: bool) -> None:
    current = library_versions()
    for package in _PICKLE_LIBRARIES:
        if package in saved and package in current and _minor(str(saved[package])) != _minor(current[package]):
            message = (
                f"model {name!r} was saved with {package} {saved[package]}, this is {package} {current[package]}; "
                "its predictions may differ or it may fail to load"
            )
            if strict:
                raise ModelStoreError(message, hint=f"install {package}=={saved[package]} or re-train the model")
            if (name, package) not in _warned:
                _warned.add((name, package))
                warnings.warn(message, VersionWarning, stacklevel=3)


def save(
    model: Any, name: str, *, models_dir: str | Path | None = None, force: bool = False, **info: Any
) -> dict[str, Any]:
    """Save ``model`` as ``name`` in the store (see :meth:`ModelStore.save`); return the manifest."""
    return ModelStore(models_dir).save(model, name, force=force, **info)


def load(
    name: str, *, kind: str | None = None, models_dir: str | Path | None = None, strict: bool | None = None
) -> LoadedModel:
    """Load the model ``name`` with its manifest (see :meth:`ModelStore.load`)."""
    return ModelStore(models_dir).load(name, kind=kind, strict=strict)
