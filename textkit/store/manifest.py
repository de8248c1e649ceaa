"""The manifest of a saved model: its format, checks, checksum, names and library versions.

``manifest.json`` says what a model is (kind, parameters, labels or topics, metrics),
how it was made (library versions, training data fingerprint) and the size and sha256
of every artifact file; its ``checksum`` (sha256 of its own canonical JSON) tells a
damaged or hand-edited manifest from a genuine one.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import warnings
from contextlib import suppress
from pathlib import Path
from typing import Any

from textkit import __version__
from textkit.errors import IntegrityError, ModelStoreError
from textkit.messages import TextkitWarning
from textkit.store.format import ARRAYS, STATE

MANIFEST = "manifest.json"
PICKLE_ARTIFACT = "model.joblib"
# Format 2: state.json + arrays.npz (textkit.store.format), nothing that can run code.
# Format 1: one joblib pickle, loaded only by `models upgrade` or with trust_pickle.
FORMAT_VERSION = 2
PICKLE_FORMAT = 1
ARTIFACTS = {PICKLE_FORMAT: (PICKLE_ARTIFACT,), FORMAT_VERSION: (STATE, ARRAYS)}
MAX_MANIFEST_BYTES = 10 * 2**20
# A model is a handful of files; a manifest listing thousands is a hostile one.
MAX_ARTIFACTS = 100
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
# Libraries whose pickles may not load (or may behave differently) across minor versions.
_PICKLE_LIBRARIES = ("textkit", "scikit-learn", "gensim", "numpy")
# A format-2 model holds values, not classes: only textkit's own code interprets them
# (tokenizing rules, how a state is rebuilt), so only its major.minor is compared.
_STATE_LIBRARIES = ("textkit",)
# Manifest keys the store writes itself; a model's describe() may not set them.
_STORE_KEYS = ("format", "name", "created", "versions", "artifacts", "checksum")
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
# Headline numbers looked for (at any depth) when a model's metrics do not name theirs.
_CONVENTIONAL_METRICS = ("micro_f1", "f1_micro", "samples_f1", "macro_f1", "f1_macro", "coherence", "c_v", "accuracy")


class VersionWarning(TextkitWarning):
    """A model saved with another major/minor version of textkit (or, pickled, of a library it pickles)."""


def short(value: Any, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters: hostile names must not make a 10 MB error line."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 5]}...{text[-1]}"


def check_name(name: str) -> str:
    """Refuse names that are not a plain folder name (no ``/``, ``..``, leading dot, newline)."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ModelStoreError(
            f"invalid model name {short(name)}",
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


def describe(model: Any) -> dict[str, Any]:
    """What a model says about itself for its manifest (``kind``, ``params``...), checked."""
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


def write_manifest(folder: Path, manifest: dict[str, Any]) -> dict[str, Any]:
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
    """Parse and check a manifest's bytes: valid JSON, required fields, checksum, plain artifact entries.

    Every artifact entry is a plain file name with a sha256 and a size in bytes, so a
    reader can cap what it reads by the manifest.
    """
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        reason = "too deeply nested" if isinstance(error, RecursionError) else error
        raise ModelStoreError(f"{where} is not valid JSON ({reason}); the manifest was damaged or edited") from None
    required = ("format", "name", "kind", "versions", "artifacts", "checksum")
    if not isinstance(manifest, dict) or any(k not in manifest for k in required):
        raise ModelStoreError(f"{where} is not a textkit manifest (it needs {', '.join(required)})")
    if not isinstance(manifest["format"], int) or manifest["format"] not in ARTIFACTS:
        raise ModelStoreError(
            f"{where} has format {short(manifest['format'])}; this textkit reads formats {PICKLE_FORMAT} and "
            f"{FORMAT_VERSION}",
            hint="upgrade textkit",
        )
    if manifest_checksum(manifest) != manifest["checksum"]:
        raise IntegrityError(
            f"{where} was edited by hand or damaged: its checksum does not match its content",
            hint="restore the original manifest, or re-train or re-import the model",
        )
    artifacts = manifest["artifacts"]
    if not isinstance(artifacts, dict) or not isinstance(manifest["versions"], dict):
        raise ModelStoreError(f"{where} is not a textkit manifest (its artifacts or versions are not a mapping)")
    if len(artifacts) > MAX_ARTIFACTS:
        raise IntegrityError(f"{where} lists {len(artifacts)} artifacts, more than a model has ({MAX_ARTIFACTS})")
    for filename, info in artifacts.items():
        if (
            len(filename) > 255
            or not _NAME.fullmatch(filename)
            or filename == MANIFEST
            or not isinstance(info, dict)
            or not isinstance(info.get("sha256"), str)
            or not isinstance(info.get("bytes"), int)
            or isinstance(info["bytes"], bool)
            or info["bytes"] < 0
        ):
            raise IntegrityError(
                f"{where}: artifact entry {short(filename)} is not a plain file name with a sha256 and a size"
            )
    wanted = ARTIFACTS[manifest["format"]]
    if set(artifacts) != set(wanted):
        raise ModelStoreError(
            f"{where} does not list exactly the files of a format-{manifest['format']} model ({', '.join(wanted)})"
        )
    return manifest


def check_kind(name: str, manifest: dict[str, Any], kind: str | None) -> None:
    """Refuse a model of another kind than the one wanted, on its manifest (before loading anything)."""
    found = manifest.get("kind")
    if kind is not None and found != kind:
        what, hint = _KIND_TEXT.get(kind, (f"a {kind!r} model", "name a model of that kind"))
        raise ModelStoreError(f"model {name!r} is a {short(found)} model, not {what}", hint=hint)


def check_loaded_type(name: str, manifest: dict[str, Any], model: Any) -> None:
    """Refuse a loaded object whose class is not the one its manifest's kind names."""
    expected = KIND_CLASSES.get(str(manifest.get("kind")))
    actual = f"{type(model).__module__}.{type(model).__qualname__}"
    if expected is not None and actual not in expected:
        raise ModelStoreError(
            f"model {name!r} says it is a {short(manifest.get('kind'))} model but holds a {actual}",
            hint="the model folder was altered: delete it and train or import it again",
        )


def _minor(version: str) -> tuple[str, ...]:
    return tuple(version.split(".")[:2])


_warned: set[tuple[str, str]] = set()


def check_versions(name: str, saved: dict[str, Any], strict: bool, pickled: bool = False) -> None:
    """Warn about (or, ``strict``, refuse) a model saved with another major.minor version of textkit.

    A ``pickled`` (format 1) model also depends on the classes of scikit-learn, gensim
    and numpy, so their versions are compared too.
    """
    current = library_versions()
    for package in _PICKLE_LIBRARIES if pickled else _STATE_LIBRARIES:
        if package in saved and package in current and _minor(str(saved[package])) != _minor(current[package]):
            message = (
                f"model {name!r} was saved with {package} {str(saved[package])[:30]}, this is {package} "
                f"{current[package]}; its predictions may differ or it may fail to load"
            )
            if strict:
                raise ModelStoreError(
                    message, hint=f"install {package}=={str(saved[package])[:30]} or re-train the model"
                )
            if (name, package) not in _warned:
                _warned.add((name, package))
                warnings.warn(message, VersionWarning, stacklevel=3)
