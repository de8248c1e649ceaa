"""textkit's own model format: JSON and plain arrays, checked before anything is built.

A saved model (format 2) is two files next to its manifest:

- ``state.json``: the parameters, vocabularies, labels and other fitted values, as
  plain JSON checked against the schema of the model's kind (:func:`check_json`):
  unknown keys, wrong types and missing keys are refused;
- ``arrays.npz``: the numeric arrays (weights, IDF, topic-word counts), one ``.npy``
  member each, read without pickle: each member's header is parsed and checked (its
  dtype on an allowlist, its shape the one the JSON implies, its byte count the one the
  member holds) before its memory is allocated, and weights holding NaN or infinity are
  refused.

Nothing in either file can name a Python callable: the loader picks the code that
rebuilds a model from the manifest's ``kind`` through a fixed table
(:data:`KIND_STATES`), and the estimators are built from the values. Each refusal is
one line naming the file at fault (:class:`~textkit.errors.IntegrityError`).
"""

from __future__ import annotations

import io
import json
import math
import os
import struct
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from textkit.errors import IntegrityError

if TYPE_CHECKING:  # numpy is imported where arrays are read or written: the CLI starts without it
    import numpy as np

STATE = "state.json"
ARRAYS = "arrays.npz"
# The modules that turn each kind of model into a state and back: the only code a load runs.
KIND_STATES = {"themes": "textkit.themes.state", "topics": "textkit.topics.state"}
# Every dtype a saved array may have (little-endian numbers and booleans; never object).
DTYPES = frozenset({"<f4", "<f8", "<i4", "<i8", "<u4", "|u1", "|b1"})
_MAX_DEPTH = 32  # deeper JSON than any state has is refused before it is walked
_MAX_NPY_HEADER = 4096  # bytes; the header of any array textkit writes is under 200


class KindState(Protocol):
    """What a module of :data:`KIND_STATES` provides."""

    SCHEMA: Any

    def to_state(self, model: Any) -> tuple[dict[str, Any], dict[str, np.ndarray]]: ...

    def array_specs(self, state: dict[str, Any]) -> dict[str, ArraySpec]: ...

    def from_state(self, state: dict[str, Any], arrays: dict[str, np.ndarray]) -> Any: ...


@dataclass(frozen=True)
class ArraySpec:
    """What one array of a state must be: dtypes allowed, exact shape, finite values or not."""

    dtypes: tuple[str, ...]
    shape: tuple[int, ...]
    finite: bool = False


# -- a small JSON schema language ----------------------------------------------------------
@dataclass(frozen=True)
class Opt:
    """A dict key that may be absent."""

    spec: Any


@dataclass(frozen=True)
class MapOf:
    """A dict with any string keys, every value matching ``spec``."""

    spec: Any


@dataclass(frozen=True)
class Choice:
    """One of a few literal values."""

    values: tuple[Any, ...]


@dataclass(frozen=True)
class Variants:
    """A dict whose ``key`` (a string) picks which of ``specs`` the whole dict must match."""

    key: str
    specs: dict[str, Any]


NUMBER = (int, float)
PLAIN = "plain"  # any JSON value without dicts: str, number, bool, null, lists of them


def check_json(value: Any, spec: Any, where: str, path: str = "") -> None:
    """Check ``value`` against ``spec``; raise one line naming ``where`` and the key at fault.

    ``spec`` is a type (``str``, ``int``, ``float``: int or float, ``bool``,
    ``type(None)``), a tuple of alternatives, ``[spec]`` (a list of), ``{key: spec}``
    (exactly these keys; :class:`Opt` marks optional ones), :class:`MapOf`,
    :class:`Choice`, :class:`Variants` or :data:`PLAIN`.
    """
    if not _matches(value, spec, 0):
        raise IntegrityError(f"{where}: {_problem(value, spec, path)}; refused")


def _matches(value: Any, spec: Any, depth: int) -> bool:
    if depth > _MAX_DEPTH:
        return False
    if isinstance(spec, tuple):
        return any(_matches(value, s, depth) for s in spec)
    if spec is PLAIN:
        if isinstance(value, list):
            return all(_matches(v, PLAIN, depth + 1) for v in value)
        return value is None or isinstance(value, (str, int, float, bool))
    if isinstance(spec, Choice):
        return any(value == v and type(value) is type(v) for v in spec.values)
    if isinstance(spec, Variants):
        chosen = value.get(spec.key) if isinstance(value, dict) else None
        return isinstance(chosen, str) and chosen in spec.specs and _matches(value, spec.specs[chosen], depth)
    if isinstance(spec, list):
        if not isinstance(value, list):
            return False
        if spec[0] is str:  # vocabularies: a quarter of a million words, checked in one pass
            return all(type(v) is str for v in value)
        return all(_matches(v, spec[0], depth + 1) for v in value)
    if isinstance(spec, MapOf):
        return isinstance(value, dict) and all(_matches(v, spec.spec, depth + 1) for v in value.values())
    if isinstance(spec, dict):
        if not isinstance(value, dict) or set(value) - set(spec):
            return False
        for key, inner in spec.items():
            optional = isinstance(inner, Opt)
            if key not in value:
                if not optional:
                    return False
            elif not _matches(value[key], inner.spec if optional else inner, depth + 1):
                return False
        return True
    if spec is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if spec is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, spec)


def _problem(value: Any, spec: Any, path: str) -> str:
    """Walk down to the first key at fault, so the message names it."""
    label = path or "the top level"
    if isinstance(spec, Variants) and isinstance(value, dict):
        chosen = value.get(spec.key)
        if not isinstance(chosen, str) or chosen not in spec.specs:
            return f"{label} has {spec.key} {_short(chosen)}, not one of {', '.join(spec.specs)}"
        return _problem(value, spec.specs[chosen], path)
    if isinstance(spec, tuple):  # alternatives: follow the one of the value's shape, if only one is
        shaped = [
            s
            for s in spec
            if (isinstance(value, dict) and isinstance(s, dict | MapOf))
            or (isinstance(value, list) and isinstance(s, list))
        ]
        if len(shaped) == 1:
            return _problem(value, shaped[0], path)
    if isinstance(spec, dict) and isinstance(value, dict):
        extra = sorted(set(value) - set(spec))
        if extra:
            return f"{label} has unknown key {_short(extra[0])}"
        for key, inner in spec.items():
            optional = isinstance(inner, Opt)
            if key not in value:
                if not optional:
                    return f"{label} lacks key {key!r}"
                continue
            inner = inner.spec if optional else inner
            if not _matches(value[key], inner, 0):
                return _problem(value[key], inner, f"{path}.{key}" if path else key)
    if isinstance(spec, (list, MapOf)) and isinstance(value, (list, dict)):
        inner = spec[0] if isinstance(spec, list) else spec.spec
        items = enumerate(value) if isinstance(value, list) else value.items()
        for key, item in items:
            if not _matches(item, inner, 0):
                return _problem(item, inner, f"{path}[{_short(key)}]")
    return f"{label} is {_short(value)}, not what a model holds"


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 5]}...{text[-1]}"


# -- writing -------------------------------------------------------------------------------
def write_state(folder: Path, state: dict[str, Any], arrays: Mapping[str, np.ndarray]) -> list[str]:
    """Write ``state.json`` and ``arrays.npz`` in ``folder``; return their names.

    The arrays are stored uncompressed: loading then copies bytes, with no inflating,
    and an array's size is bounded by the file's (see :func:`read_arrays`).
    """
    import numpy as np

    with open(folder / STATE, "w", encoding="utf-8") as text:
        # NaN allowed: scores such as coherence may be NaN; weights are arrays, checked finite.
        json.dump(state, text, ensure_ascii=False, separators=(",", ":"))
        text.flush()
        os.fsync(text.fileno())
    with open(folder / ARRAYS, "wb") as binary:
        np.savez(binary, allow_pickle=False, **{name: np.asarray(a) for name, a in arrays.items()})
        binary.flush()
        os.fsync(binary.fileno())
    return [STATE, ARRAYS]


def encode_terms(terms: list[str]) -> np.ndarray:
    """A vocabulary as one UTF-8 array of its terms joined by line breaks.

    Rebuilding a 262,807-word vocabulary from it is one ``decode`` and one ``split``
    (tens of milliseconds), where a JSON list costs a parse and a type check per word.
    """
    import numpy as np

    if any("\n" in term for term in terms):
        raise ValueError("a vocabulary term contains a line break")
    return np.frombuffer("\n".join(terms).encode("utf-8"), dtype=np.uint8)


def decode_terms(blob: np.ndarray, count: int) -> list[str]:
    """The ``count`` terms :func:`encode_terms` stored; a blob of another count is refused."""
    terms = blob.tobytes().decode("utf-8").split("\n") if count else []
    if len(terms) != count:
        raise ValueError(f"the vocabulary holds {len(terms)} terms, the state says {count}")
    return terms


# -- reading -------------------------------------------------------------------------------
def read_state(data: bytes, where: str, schema: Any) -> dict[str, Any]:
    """Parse ``state.json``'s bytes and check them against ``schema``."""
    try:
        state = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        reason = "too deeply nested" if isinstance(error, RecursionError) else str(error)[:80]
        raise IntegrityError(f"{where} is not valid JSON ({reason}); refused") from None
    check_json(state, schema, where)
    return state


def read_arrays(data: bytes, where: str, specs: Mapping[str, ArraySpec]) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz``'s bytes, each checked against its spec before it is allocated.

    The archive must hold exactly one ``<name>.npy`` per spec. Each member's header is
    read first: a dtype off the allowlist (an object array), a shape other than the
    spec's, or a byte count other than the member's own is refused before any memory
    is allocated for it; members must be stored uncompressed (what textkit writes), so
    no member can expand beyond the file's size.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise IntegrityError(f"{where} is not an .npz archive ({error}); refused") from None
    names = [m.filename for m in members]
    expected = {f"{name}.npy" for name in specs}
    extra, missing = sorted(set(names) - expected), sorted(expected - set(names))
    if extra:
        raise IntegrityError(f"{where} holds {_short(extra[0])}, which is not part of this model; refused")
    if missing:
        raise IntegrityError(f"{where} lacks {missing[0]}; refused")
    if len(names) != len(set(names)):
        raise IntegrityError(f"{where} holds a member twice; refused")
    arrays = {}
    view = memoryview(data)
    for member in members:
        name = member.filename.removesuffix(".npy")
        arrays[name] = _read_member(view, member, specs[name], f"{where}: {member.filename}")
    return arrays


def _read_member(data: memoryview, member: zipfile.ZipInfo, spec: ArraySpec, where: str) -> np.ndarray:
    """One stored member's array, sliced straight out of the archive's bytes and copied once.

    (zipfile's reader would copy it twice and compute a CRC the archive's sha256 made
    redundant: a third of the load time of a large classifier.)
    """
    import numpy as np
    from numpy.lib import format as npy

    if member.compress_type != zipfile.ZIP_STORED or member.file_size != member.compress_size:
        raise IntegrityError(f"{where} is compressed; textkit writes arrays uncompressed; refused")
    try:
        local = bytes(data[member.header_offset : member.header_offset + 30])
        if len(local) != 30 or local[:4] != b"PK\x03\x04":
            raise ValueError("no local file header where the directory says")
        name_length, extra_length = struct.unpack("<HH", local[26:30])
        start = member.header_offset + 30 + name_length + extra_length
        payload = data[start : start + member.file_size]
        if len(payload) != member.file_size:
            raise ValueError("cut short")
        handle = io.BytesIO(payload[:_MAX_NPY_HEADER])
        version = npy.read_magic(handle)
        if version not in ((1, 0), (2, 0), (3, 0)):
            raise ValueError(f"npy version {version}")
        reader = npy.read_array_header_1_0 if version == (1, 0) else npy.read_array_header_2_0
        shape, fortran, dtype = reader(handle, max_header_size=_MAX_NPY_HEADER - 16)
        header_bytes = handle.tell()
        descr = dtype.str if not dtype.hasobject and dtype.fields is None else "object"
        if descr not in DTYPES or descr not in spec.dtypes:
            raise IntegrityError(f"{where} has dtype {descr}, not {' or '.join(spec.dtypes)}; refused")
        if tuple(shape) != spec.shape:
            raise IntegrityError(f"{where} has shape {_short(tuple(shape))}, the model says {spec.shape}; refused")
        size = math.prod(shape) * dtype.itemsize  # Python integers: no overflow on a hostile shape
        if header_bytes + size != member.file_size:
            raise IntegrityError(
                f"{where} holds {member.file_size - header_bytes:,} bytes of data, its header says {size:,}; refused"
            )
        flat = np.frombuffer(payload, dtype=dtype, count=math.prod(shape), offset=header_bytes)
        # A copy: the array owns writable memory (gensim updates its counts in place).
        array = flat.reshape(shape, order="F" if fortran else "C").copy(order="K")
    except IntegrityError:
        raise
    except (ValueError, struct.error, EOFError) as error:
        raise IntegrityError(f"{where} is not a valid .npy array ({_short(str(error), 80)}); refused") from None
    if spec.finite and array.dtype.kind == "f" and not np.isfinite(array).all():
        raise IntegrityError(f"{where} holds NaN or infinite values; refused")
    return array


def kind_state(kind: str) -> KindState:
    """The module that saves and rebuilds models of ``kind`` (from the fixed table)."""
    import importlib

    module: Any = importlib.import_module(KIND_STATES[kind])
    return module


def load_state(kind: str, files: Mapping[str, bytes], where: Callable[[str], str]) -> Any:
    """Check a kind's ``state.json`` and ``arrays.npz`` bytes, then build the model from them."""
    if kind not in KIND_STATES:
        raise IntegrityError(f"{where(STATE)}: unknown model kind {_short(kind)}; refused")
    module = kind_state(kind)
    state = read_state(files[STATE], where(STATE), module.SCHEMA)
    try:
        specs = module.array_specs(state)
    except (ValueError, KeyError, TypeError) as error:
        raise IntegrityError(f"{where(STATE)}: {error}; refused") from None
    arrays = read_arrays(files[ARRAYS], where(ARRAYS), specs)
    try:
        return module.from_state(state, arrays)
    except (ValueError, KeyError, TypeError) as error:
        raise IntegrityError(f"{where(STATE)}: {str(error)[:200]}; refused") from None
