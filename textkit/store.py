"""The model store: one folder per model, written atomically, verified before loading.

Layout::

    models/<name>/manifest.json   what the model is, how it was made, sha256 of every file
    models/<name>/model.joblib    the fitted object

A save writes a hidden temporary folder and renames it into place, so an interrupted
save leaves the previous model intact. A load checks every artifact's sha256
against the manifest *before* unpickling it: joblib/pickle files can run code, and
only files whose hash matches their manifest are opened.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import shutil
import tempfile
import warnings
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from textkit import __version__
from textkit.errors import IntegrityError, ModelStoreError

MANIFEST = "manifest.json"
ARTIFACT = "model.joblib"
MODELS_DIR_ENV = "TEXTKIT_MODELS_DIR"
FORMAT_VERSION = 1
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
# Libraries whose pickles may not load across minor versions.
_PICKLE_LIBRARIES = ("scikit-learn", "gensim", "numpy")


class VersionWarning(UserWarning):
    """A model saved with another major/minor version of a library it pickles."""


@dataclass
class LoadedModel:
    """A model read from the store, with its manifest."""

    model: Any
    manifest: dict[str, Any]


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
        try:
            versions[package] = version(package)
        except PackageNotFoundError:
            pass
    return versions


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
        """Names of the saved models, sorted."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if not p.name.startswith(".") and (p / MANIFEST).is_file())

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

        ``model`` describes itself through ``model.describe()`` (kind, parameters,
        labels or topics). ``metrics`` and ``data`` (the training-data fingerprint)
        go into the manifest as given.

        Raises
        ------
        ModelStoreError
            The name exists and ``force`` is false, or the model is not a textkit model.
        """
        import joblib

        target = self.path(name)
        if target.exists() and not force:
            raise ModelStoreError(f"model {name!r} already exists in {self.root}", hint="pass --force to replace it")
        describe = getattr(model, "describe", None)
        if describe is None:
            raise ModelStoreError(f"cannot save a {type(model).__name__}: it is not a textkit model")
        description = describe()
        self.root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".saving-{name}-", dir=self.root))
        try:
            artifact = staging / ARTIFACT
            with open(artifact, "wb") as handle:
                joblib.dump(model, handle, compress=3)
                handle.flush()
                os.fsync(handle.fileno())
            manifest = {
                "format": FORMAT_VERSION,
                "name": name,
                "kind": description.pop("kind"),
                "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "versions": library_versions(),
                **description,
                "metrics": metrics or {},
                "data": data or {},
                "artifacts": {ARTIFACT: {"sha256": sha256_file(artifact), "bytes": artifact.stat().st_size}},
            }
            _write_json(staging / MANIFEST, manifest)
            _replace_folder(staging, target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return manifest

    # -- loading ---------------------------------------------------------------------------
    def manifest(self, name: str) -> dict[str, Any]:
        """Read and check a model's manifest (without touching its artifacts)."""
        folder = self.path(name)
        if not folder.is_dir():
            known = ", ".join(self.names()) or "none"
            raise ModelStoreError(
                f"no model named {name!r} in {self.root} (models there: {known})",
                hint="train one with 'textkit train --name NAME' or pass --models-dir",
            )
        path = folder / MANIFEST
        if not path.is_file():
            raise ModelStoreError(f"{folder} has no {MANIFEST}: it is not a textkit model (or its save was cut short)")
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ModelStoreError(f"{path} is not valid JSON ({error}); the manifest was damaged or edited") from None
        required = ("name", "kind", "versions", "artifacts")
        if not isinstance(manifest, dict) or any(k not in manifest for k in required):
            raise ModelStoreError(f"{path} is not a textkit manifest (it needs {', '.join(required)})")
        if not isinstance(manifest["artifacts"], dict) or not manifest["artifacts"]:
            raise ModelStoreError(f"{path} lists no artifacts")
        return manifest

    def verify(self, name: str) -> dict[str, Any]:
        """Check every artifact's presence and sha256 against the manifest; return the manifest."""
        manifest = self.manifest(name)
        folder = self.path(name)
        for filename, info in manifest["artifacts"].items():
            if not isinstance(filename, str) or Path(filename).name != filename or not isinstance(info, dict):
                raise IntegrityError(f"{folder / MANIFEST}: artifact entry {filename!r} is not a plain file name")
            artifact = folder / filename
            if not artifact.is_file():
                raise IntegrityError(f"model {name!r} is missing {filename}", hint="re-train or re-import the model")
            if sha256_file(artifact) != info.get("sha256"):
                raise IntegrityError(
                    f"{artifact}: sha256 does not match the manifest; the file was changed or damaged, "
                    "and textkit will not unpickle it",
                    hint="re-train or re-import the model",
                )
        return manifest

    def load(self, name: str, *, strict: bool = False) -> LoadedModel:
        """Verify, then load a model.

        Parameters
        ----------
        strict : bool
            Refuse (instead of warning about) a model saved with another major/minor
            version of scikit-learn, gensim or numpy.
        """
        import joblib

        manifest = self.verify(name)
        _check_versions(name, manifest.get("versions", {}), strict)
        try:
            model = joblib.load(self.path(name) / ARTIFACT)
        except Exception as error:  # an unpickling failure has many exception types
            raise ModelStoreError(f"model {name!r} could not be loaded ({type(error).__name__}: {error})") from error
        if getattr(model, "describe", None) is None:
            raise ModelStoreError(f"model {name!r} holds a {type(model).__name__}, not a textkit model")
        return LoadedModel(model, manifest)

    def delete(self, name: str) -> None:
        folder = self.path(name)
        if not folder.is_dir():
            raise ModelStoreError(f"no model named {name!r} in {self.root}")
        trash = Path(tempfile.mkdtemp(prefix=f".deleting-{name}-", dir=self.root))
        folder.rename(trash / name)
        shutil.rmtree(trash, ignore_errors=True)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, ensure_ascii=False, default=str)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())


def _replace_folder(staging: Path, target: Path) -> None:
    """Move ``staging`` to ``target``; an existing target is swapped out, then removed."""
    if target.exists():
        retired = Path(tempfile.mkdtemp(prefix=f".replaced-{target.name}-", dir=target.parent))
        target.rename(retired / target.name)
        staging.rename(target)
        shutil.rmtree(retired, ignore_errors=True)
    else:
        staging.rename(target)


def _minor(version: str) -> tuple[str, ...]:
    return tuple(version.split(".")[:2])


_warned: set[tuple[str, str]] = set()


def _check_versions(name: str, saved: dict[str, str], strict: bool) -> None:
    current = library_versions()
    for package in _PICKLE_LIBRARIES:
        if package in saved and package in current and _minor(saved[package]) != _minor(current[package]):
            message = (
                f"model {name!r} was saved with {package} {saved[package]}, this is {package} {current[package]}; "
                "its predictions may differ or it may fail to load"
            )
            if strict:
                raise ModelStoreError(message, hint=f"install {package}=={saved[package]} or re-train the model")
            if (name, package) not in _warned:
                _warned.add((name, package))
                warnings.warn(message, VersionWarning, stacklevel=3)


def save(model: Any, name: str, *, models_dir: str | Path | None = None, force: bool = False, **info: Any) -> dict[str, Any]:
    """Save ``model`` as ``name`` in the store (see :meth:`ModelStore.save`)."""
    return ModelStore(models_dir).save(model, name, force=force, **info)


def load(name: str, *, models_dir: str | Path | None = None, strict: bool = False) -> LoadedModel:
    """Load the model ``name`` with its manifest (see :meth:`ModelStore.load`)."""
    return ModelStore(models_dir).load(name, strict=strict)
