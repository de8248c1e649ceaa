"""The model store: one folder per model, written atomically, verified before loading.

Layout::

    models/<name>/manifest.json   what the model is, how it was made, sha256 of every file
    models/<name>/state.json      parameters, vocabularies, labels, fitted values (plain JSON)
    models/<name>/arrays.npz      weights and other numeric arrays (plain .npy, no pickle)

(:mod:`textkit.store.format`). A model saved by textkit before format 2 holds one
``model.joblib`` pickle instead: it loads only with ``trust_pickle=True``
(``textkit --trust-pickle``), or once through :meth:`ModelStore.upgrade`, which
re-saves it in format 2.

A save (or import) writes the model into a hidden temporary folder
(``.saving-<name>-<random>/<name>/``) and renames it into place, so an interrupted save
leaves the previous model intact. The temporary folder holds a ``.lock`` file that its
owner keeps locked (:func:`fcntl.flock`) for as long as it works there: a cleanup
removes only folders whose lock it can take, i.e. whose owner has exited or was
killed. Unlike a process id, a lock means the same thing to processes in other PID
namespaces (containers sharing a models volume).

A load reads every artifact, checks its sha256 against the manifest and only then
reads those same bytes: the hashes catch damage and accidental edits. What protects
against a malicious sender (who can write a matching manifest) is the format: a
format-2 model is values checked against a schema, from which textkit's own code builds
the estimator; nothing in it can name code to run.
"""

from __future__ import annotations

import fcntl
import glob
import hashlib
import io
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from textkit.atomic import share_like_mkdir
from textkit.errors import IntegrityError, ModelStoreError
from textkit.store.format import KIND_STATES
from textkit.store.manifest import (
    FORMAT_VERSION,
    MANIFEST,
    MAX_MANIFEST_BYTES,
    PICKLE_ARTIFACT,
    PICKLE_FORMAT,
    check_kind,
    check_loaded_type,
    check_manifest,
    check_name,
    check_versions,
    describe,
    library_versions,
    main_metric,
    sha256_file,
    short,
    write_manifest,
)

MODELS_DIR_ENV = "TEXTKIT_MODELS_DIR"
STRICT_ENV = "TEXTKIT_STRICT"  # "1": refuse models from another textkit major.minor (textkit --strict)
TRUST_PICKLE_ENV = "TEXTKIT_TRUST_PICKLE"  # "1": load format-1 (pickle) models (textkit --trust-pickle)
# Where modules of pickled (format 1) models moved since: tried in order for the class named.
_MOVED_MODULES = {
    "textkit.classify": ("textkit.themes.classify",),
    "textkit.features": ("textkit.themes.features",),
    "textkit.tokenize": ("textkit.text.tokenize",),
    "textkit.clean": ("textkit.text.clean",),
    "textkit.articles": ("textkit.reading.articles",),
    "textkit.topics": ("textkit.topics.model", "textkit.topics.summary", "textkit.topics.corpus"),
}
LOCK = ".lock"
# Temporary folders: ".<action>-<model>-<8 random characters>" (tempfile.mkdtemp's), each
# holding LOCK and a folder named after the model.
_TEMPORARY = re.compile(r"\.(saving|importing|replaced|deleting)-(.+)-[a-z0-9_]{8}")
# A temporary folder without a lock file was left by an older textkit, or by a process
# killed between creating the folder and its lock (a few microseconds): removed once
# it is this old, in case it is an older textkit's save still under way.
_UNLOCKED_STALE_AFTER_SECONDS = 24 * 3600
_BUSY_RETRIES = 30  # a load racing a replace waits for it, up to 30 x 0.1 s


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
        from textkit.store.format import kind_state, write_state

        self.ensure_free(name, force)
        description = describe(model)
        kind = description["kind"]
        if kind not in KIND_STATES:
            raise ModelStoreError(
                f"cannot save a {short(kind)} model: textkit saves {' and '.join(map(repr, KIND_STATES))} models"
            )
        try:
            state, arrays = kind_state(kind).to_state(model)
        except (TypeError, ValueError) as error:
            raise ModelStoreError(f"cannot save model {name!r}: {error}") from None
        with self._staging("saving", name) as staging:
            files = write_state(staging, state, arrays)
            manifest = {
                "format": FORMAT_VERSION,
                "name": name,
                "kind": description.pop("kind"),
                "created": datetime.now(UTC).isoformat(timespec="seconds"),
                "versions": library_versions(),
                **description,
                "metrics": metrics if metrics is not None else description.get("metrics", {}),
                "data": data if data is not None else description.get("data", {}),
                "artifacts": {
                    f: {"sha256": sha256_file(staging / f), "bytes": (staging / f).stat().st_size} for f in files
                },
            }
            manifest = write_manifest(staging, manifest)
            self._install(staging, name, force)
        return manifest

    def ensure_free(self, name: str, force: bool = False) -> None:
        """Refuse, before any work, a name that is taken (unless ``force``) or a store that cannot be written.

        A folder (or link) of that name counts as taken even when it is broken (no or a
        bad manifest): replacing it needs ``force`` like replacing a working model.

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
        if os.path.lexists(self.path(name)) and not force:
            raise ModelStoreError(
                f"model {name!r} already exists in {self.root}", hint="replace it with --force (force=True in Python)"
            )

    @contextmanager
    def _temporary(self, action: str, name: str) -> Iterator[Path]:
        """A new locked temporary folder in the store, removed on exit.

        The lock is held until the folder is removed, so no cleanup (in any process,
        on any PID namespace sharing the store) takes it for a dead one's.
        """
        for _ in range(10):
            folder = Path(tempfile.mkdtemp(prefix=f".{action}-{name}-", dir=self.root))
            share_like_mkdir(folder)  # others in the team must be able to clean it up if we die
            try:
                lock = os.open(folder / LOCK, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o666)
            except FileNotFoundError:
                continue  # a cleanup took the new folder for an older textkit's: make another
            fcntl.flock(lock, fcntl.LOCK_EX)
            if os.fstat(lock).st_nlink:
                break
            os.close(lock)  # a cleanup removed it between creating and locking the lock file
        else:
            raise ModelStoreError(f"could not make a temporary folder in {self.root}: it keeps disappearing")
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)
            os.close(lock)

    @contextmanager
    def _staging(self, action: str, name: str) -> Iterator[Path]:
        """The folder to write a model in before :meth:`_install`; disk errors become ModelStoreError.

        A store folder made for a save or import that fails is removed again (when empty).
        """
        made_root = not self.root.exists()
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            self.cleanup()
            with self._temporary(action, name) as folder:
                staging = folder / name
                staging.mkdir()  # it becomes the model's folder: made like any folder the user makes
                yield staging
        except BaseException as error:
            if made_root:
                with suppress(OSError):
                    self.root.rmdir()
            if isinstance(error, OSError):
                raise ModelStoreError(
                    f"could not write model {name!r} in {self.root} ({error.strerror or error}); "
                    "nothing was changed in the store",
                    hint="free disk space or choose another --models-dir",
                ) from None
            raise

    def _install(self, staging: Path, name: str, force: bool) -> None:
        """Rename a complete staging folder into place, swapping out an existing model when forced.

        Concurrent saves of one name race here; each round either installs this save
        or sees that another process moved the target first and tries again (the last
        save wins, and no save fails because of another).
        """
        target = self.path(name)
        for _ in range(100):
            self.ensure_free(name, force)
            if not os.path.lexists(target):
                try:
                    staging.rename(target)
                    return
                except OSError:
                    if not os.path.lexists(target):
                        raise
                    continue  # another process installed this name in between
            with self._temporary("replaced", name) as retired:
                try:
                    target.rename(retired / name)
                except FileNotFoundError:
                    continue  # another process retired it first
                try:
                    staging.rename(target)
                except BaseException as error:
                    if isinstance(error, OSError) and os.path.lexists(target):
                        continue  # another save went in after ours retired the old model
                    (retired / name).rename(target)  # put the old model back
                    raise
                return
        raise ModelStoreError(f"could not save model {name!r}: other processes keep replacing it", hint="try again")

    def cleanup(self) -> list[str]:
        """Remove temporary folders left by killed saves, imports and deletes; return what was done.

        A model swapped out by a replace that was killed before the new model went in
        is put back. Folders whose owner still holds their lock are left alone.
        """
        done: list[str] = []
        if not self.root.is_dir():
            return done
        for folder in sorted(self.root.iterdir()):
            match = _TEMPORARY.fullmatch(folder.name)
            if not match or folder.is_symlink() or not folder.is_dir():
                continue
            with _claim(folder) as abandoned:
                if not abandoned:
                    continue
                try:
                    if match[1] == "replaced":
                        done += self._restore(folder)
                    shutil.rmtree(folder)
                    done.append(f"removed {folder.name}")
                except OSError:
                    continue  # a read-only store: leave it for someone who may write
        return done

    def _restore(self, retired: Path) -> list[str]:
        """Put back the model an interrupted replace moved into ``retired``, unless its name was taken since.

        The model is the sub-folder whose name the folder's name starts with (older
        textkits put ``-<pid>.<host>`` after it, so the name is not read from the pattern).
        """
        done = []
        for old in retired.iterdir():
            target = self.root / old.name
            if (
                retired.name.startswith(f".replaced-{old.name}-")
                and (old / MANIFEST).is_file()
                and not os.path.lexists(target)
            ):
                old.rename(target)
                done.append(f"restored model {old.name!r} from an interrupted replace")
        return done

    def _busy(self, name: str) -> bool:
        """Whether a live save, import or replace of ``name`` is under way."""
        for folder in self.root.glob(f".*-{glob.escape(name)}-*"):
            match = _TEMPORARY.fullmatch(folder.name)
            if match and match[2] == name and folder.is_dir():
                with _claim(folder) as abandoned:
                    if not abandoned:
                        return True
        return False

    # -- loading ---------------------------------------------------------------------------
    def manifest(self, name: str) -> dict[str, Any]:
        """Read and check a model's manifest (without touching its artifacts).

        Raises
        ------
        ModelStoreError
            No such model, no manifest, a manifest that cannot be read, is not valid,
            was edited by hand (its checksum does not match) or is from a newer textkit.
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
            if _regular_file(path).st_size > MAX_MANIFEST_BYTES:
                raise ModelStoreError(f"{path} is too large to be a textkit manifest")
            data = path.read_bytes()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise ModelStoreError(
                f"{folder} has no {MANIFEST}: it is not a textkit model (or its save was cut short)",
                hint=f"delete it with 'textkit models delete {name}'",
            ) from None
        except OSError as error:  # permission denied, a link loop...
            raise ModelStoreError(f"cannot read {path} ({error.strerror or error})") from None
        return check_manifest(data, str(path))

    def verify(self, name: str) -> dict[str, Any]:
        """Check every artifact's presence and sha256 against the manifest; return the manifest."""
        manifest = self.manifest(name)
        for filename in manifest["artifacts"]:
            self._artifact(name, manifest, filename, read=False)
        return manifest

    def _artifact(self, name: str, manifest: dict[str, Any], filename: str, *, read: bool) -> bytes:
        """Check one artifact against the manifest's sha256; its bytes if ``read`` (else it is hashed streaming)."""
        artifact = self.path(name) / filename
        try:
            _regular_file(artifact)
            data = artifact.read_bytes() if read else b""
            digest = hashlib.sha256(data).hexdigest() if read else sha256_file(artifact)
        except FileNotFoundError:
            raise IntegrityError(
                f"model {name!r} is missing {filename}", hint="re-train or re-import the model"
            ) from None
        except OSError as error:
            raise ModelStoreError(f"cannot read {artifact} ({error.strerror or error})") from None
        if digest != manifest["artifacts"][filename]["sha256"]:
            raise IntegrityError(
                f"{artifact}: sha256 does not match the manifest; the file was changed or damaged, "
                "and textkit will not unpickle it",
                hint="re-train or re-import the model",
            )
        return data

    def load(
        self, name: str, *, kind: str | None = None, strict: bool | None = None, trust_pickle: bool | None = None
    ) -> LoadedModel:
        """Verify, then load a model (its manifest is read once).

        Parameters
        ----------
        kind : str, optional
            The kind wanted (``"themes"``, ``"topics"``): another kind is refused on the
            manifest, before anything is loaded, and the loaded object must be of the
            class that kind names.
        strict : bool, optional
            Refuse (instead of warning about) a model saved with another major.minor
            version of textkit (of scikit-learn, gensim and numpy too for a pickled
            model). Default: true when ``$TEXTKIT_STRICT`` is ``1`` (what ``textkit
            --strict`` sets).
        trust_pickle : bool, optional
            Load a model saved in the old pickle format (format 1), which can run any
            code while it loads: only for a model from a source you trust; better,
            convert it once with :meth:`upgrade`. Default: true when
            ``$TEXTKIT_TRUST_PICKLE`` is ``1`` (what ``textkit --trust-pickle`` sets).

        Raises
        ------
        ModelStoreError, IntegrityError
            The model is missing, incomplete, tampered with, holds values that are not a
            valid model (each refused in one line naming the file, before anything is
            built), is a pickle not trusted, or (``strict``) from another textkit version.
        """
        from textkit.store.format import load_state

        if trust_pickle is None:
            trust_pickle = os.environ.get(TRUST_PICKLE_ENV) == "1"
        manifest: dict[str, Any] | None = None
        for attempt in range(_BUSY_RETRIES + 1):
            try:
                manifest = self.manifest(name)
                check_kind(name, manifest, kind)
                if manifest["format"] == PICKLE_FORMAT and not trust_pickle:
                    raise ModelStoreError(
                        f"model {name!r} is in the old pickle format (format 1), which can run any code when "
                        "loaded; textkit loads it only if you say you trust it",
                        hint=f"if it comes from a source you trust, convert it once with 'textkit models upgrade "
                        f"{name}' (or load it with --trust-pickle, trust_pickle=True in Python)",
                    )
                # Hash and read the same bytes: the files cannot change between check and load.
                files = {f: self._artifact(name, manifest, f, read=True) for f in manifest["artifacts"]}
                break
            except ModelStoreError as error:
                # Another process may be replacing this model (or just did, between our reading
                # its manifest and its artifact): wait for it and read the new one.
                if (
                    attempt == _BUSY_RETRIES
                    or "pickle format" in str(error)
                    or not (self._busy(name) or self._replaced(name, manifest))
                ):
                    raise
                time.sleep(0.1)
        assert manifest is not None  # the loop either breaks with it or raises
        if strict is None:
            strict = os.environ.get(STRICT_ENV) == "1"
        pickled = manifest["format"] == PICKLE_FORMAT
        check_versions(name, manifest["versions"], strict, pickled=pickled)
        if pickled:
            model = _unpickle(name, files[PICKLE_ARTIFACT])
        else:
            model = load_state(manifest["kind"], files, lambda filename: str(self.path(name) / filename))
        check_loaded_type(name, manifest, model)
        return LoadedModel(model, manifest)

    def upgrade(self, name: str) -> dict[str, Any] | None:
        """Re-save a model of the old pickle format (format 1) in format 2; return the new manifest.

        The pickle is loaded, so this runs whatever code it holds: upgrade only models
        from a source you trust. Classes are found under the modules they moved to since
        (``textkit.classify`` -> ``textkit.themes.classify``...). The metrics and data
        fingerprint are kept. Returns ``None`` for a model already in format 2.
        """
        manifest = self.manifest(name)
        if manifest["format"] != PICKLE_FORMAT:
            return None
        loaded = self.load(name, trust_pickle=True, strict=False)
        return self.save(loaded.model, name, force=True, metrics=manifest.get("metrics"), data=manifest.get("data"))

    def _replaced(self, name: str, manifest: dict[str, Any] | None) -> bool:
        """Whether the model's manifest differs from ``manifest`` (read earlier)."""
        try:
            return manifest is not None and self.manifest(name)["checksum"] != manifest["checksum"]
        except ModelStoreError:
            return False

    # -- listing and deleting -----------------------------------------------------------------
    def list(self) -> list[ModelInfo]:
        """Every model folder with its kind, creation time, size and main metric (hashes not checked).

        Folders that are not valid models, or cannot be read, are listed too, with the ``problem``.
        """
        rows = []
        for folder in self._folders():
            size = _folder_bytes(folder)
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
        with self._temporary("deleting", name) as trash:
            folder.rename(trash / name)

    # -- archives -----------------------------------------------------------------------------
    def export_archive(self, name: str, path: str | Path, *, force: bool = False) -> Path:
        """Write the model ``name`` (verified first) to a ``.tar.gz`` archive; return its path.

        See :func:`textkit.store.archive.export_archive`.
        """
        from textkit.store.archive import export_archive

        return export_archive(self, name, path, force=force)

    def import_archive(self, path: str | Path, *, name: str | None = None, force: bool = False) -> dict[str, Any]:
        """Add a model from a ``.tar.gz`` made by :meth:`export_archive`; return its manifest.

        See :func:`textkit.store.archive.import_archive`.
        """
        from textkit.store.archive import import_archive

        return import_archive(self, path, name=name, force=force)


@contextmanager
def _claim(folder: Path) -> Iterator[bool]:
    """Whether a temporary folder is abandoned (its owner is gone); its lock is held meanwhile.

    Holding the lock while the caller removes the folder matters: an owner that created
    the lock file but has not locked it yet sees it was unlinked and starts over.
    """
    lock = None
    try:
        lock = os.open(folder / LOCK, os.O_RDWR)
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        abandoned = True
    except FileNotFoundError:
        try:
            abandoned = time.time() - folder.stat().st_mtime > _UNLOCKED_STALE_AFTER_SECONDS
        except OSError:
            abandoned = False
    except OSError:
        abandoned = False  # its owner holds the lock, or it is another user's folder we may not touch
    try:
        yield abandoned
    finally:
        if lock is not None:
            os.close(lock)


def _regular_file(path: Path) -> os.stat_result:
    """``path``'s stat; a FIFO, device or folder in its place is refused (reading a FIFO would wait forever)."""
    status = path.stat()
    if not stat.S_ISREG(status.st_mode):
        raise ModelStoreError(f"{path} is not a regular file")
    return status


def _folder_bytes(folder: Path) -> int:
    """Total size of the files under ``folder``; what cannot be read counts as nothing."""
    total = 0
    for parent, _, files in os.walk(folder):
        for filename in files:
            try:
                total += os.lstat(os.path.join(parent, filename)).st_size
            except OSError:
                continue
    return total


@contextmanager
def _moved_modules() -> Iterator[None]:
    """While unpickling, find classes of :data:`_MOVED_MODULES` under their new modules.

    joblib builds its ``NumpyUnpickler`` by name in ``joblib.numpy_pickle``, so a subclass
    put there for the call is what unpickles.
    """
    import importlib

    from joblib import numpy_pickle

    original = numpy_pickle.NumpyUnpickler

    class Unpickler(original):  # type: ignore[misc, valid-type]
        def find_class(self, module: str, name: str) -> Any:
            for moved in _MOVED_MODULES.get(module, ()):
                found = getattr(importlib.import_module(moved), name, None)
                if found is not None:
                    return found
            return super().find_class(module, name)

    numpy_pickle.NumpyUnpickler = Unpickler
    try:
        yield
    finally:
        numpy_pickle.NumpyUnpickler = original


def _unpickle(name: str, data: bytes) -> Any:
    import joblib

    try:
        with _moved_modules():
            model = joblib.load(io.BytesIO(data))
    except Exception as error:  # an unpickling failure has many exception types
        raise ModelStoreError(
            f"model {name!r} could not be loaded ({type(error).__name__}: {error})",
            hint="it may need the library versions it was saved with (see 'textkit models show')",
        ) from error
    if getattr(model, "describe", None) is None:
        raise ModelStoreError(f"model {name!r} holds a {type(model).__name__}, not a textkit model")
    return model


def save(
    model: Any, name: str, *, models_dir: str | Path | None = None, force: bool = False, **info: Any
) -> dict[str, Any]:
    """Save ``model`` as ``name`` in the store (see :meth:`ModelStore.save`); return the manifest."""
    return ModelStore(models_dir).save(model, name, force=force, **info)


def load(
    name: str,
    *,
    kind: str | None = None,
    models_dir: str | Path | None = None,
    strict: bool | None = None,
    trust_pickle: bool | None = None,
) -> LoadedModel:
    """Load the model ``name`` with its manifest (see :meth:`ModelStore.load`)."""
    return ModelStore(models_dir).load(name, kind=kind, strict=strict, trust_pickle=trust_pickle)
