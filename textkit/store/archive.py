"""Model archives (``.tar.gz``): move a model between stores.

An archive holds one folder, ``<name>/``, with ``manifest.json`` first and then the
artifacts the manifest lists. An import reads it as a stream and trusts nothing
before checking it: the manifest must come first, and caps what follows (the files
it lists, each of its stated size, nothing else), so a hostile archive is refused at
its first unexpected member. Artifacts are streamed to disk while they are hashed
(memory stays flat whatever their size), and an archive declaring far more data than
its compressed size can plausibly hold (a decompression bomb) is refused before
anything is decompressed.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import tarfile
import time
import zlib
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING, Any

from textkit.atomic import atomic_write
from textkit.errors import IntegrityError, ModelStoreError
from textkit.store.manifest import MANIFEST, MAX_MANIFEST_BYTES, check_manifest, check_name, short, write_manifest

if TYPE_CHECKING:
    from textkit.store.store import ModelStore

# What an archive may declare per byte of its own size. Models are compressed already
# (joblib's zlib), so a genuine archive holds about as much as it weighs; a gzip of
# zeros holds 1,000 times more.
MAX_EXPANSION = 100
EXPANSION_FLOOR = 64 * 2**20  # below this, any ratio: small models of repetitive text compress well
_BLOCK = 1 << 20
# tarfile reads a pax or GNU long-name header in one read of the size the header
# states (gigabytes if it says so): no single read may be larger than this.
_MAX_READ = 2 * MAX_MANIFEST_BYTES
# Errors of a damaged, cut-short or foreign file, from tarfile, gzip (an OSError) or zlib;
# RecursionError from tarfile's recursion over a long chain of extended headers.
_UNREADABLE = (tarfile.TarError, EOFError, zlib.error, OSError, RecursionError)


class _BoundedReads:
    """A read-only stream whose reads are capped at ``limit`` bytes each (see ``_MAX_READ``)."""

    def __init__(self, stream: Any, where: str, limit: int = _MAX_READ) -> None:
        self._stream, self._where, self._limit = stream, where, limit

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0 or size > self._limit:
            raise IntegrityError(f"{self._where} has a tar header of more than {self._limit:,} bytes; refused")
        return self._stream.read(size)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self._stream.seek(offset, whence)

    def tell(self) -> int:
        return self._stream.tell()


def export_archive(store: ModelStore, name: str, path: str | Path, *, force: bool = False) -> Path:
    """Write the model ``name`` (verified first) to a ``.tar.gz`` archive; return its path.

    The archive holds one folder, ``<name>/``, with the manifest first and then the
    artifacts. It is written to a temporary file and renamed, so a failed export leaves
    no partial archive.
    """
    manifest = store.verify(name)
    target = Path(path)
    if target.exists() and not force:
        raise ModelStoreError(f"{target} already exists", hint="overwrite it with --force (force=True in Python)")
    folder = store.path(name)
    try:
        with atomic_write(target, "wb") as handle, tarfile.open(fileobj=handle, mode="w:gz") as archive:
            for filename in (MANIFEST, *manifest["artifacts"]):
                with open(folder / filename, "rb") as source:
                    member = tarfile.TarInfo(f"{name}/{filename}")
                    member.size = os.fstat(source.fileno()).st_size
                    member.mode, member.mtime = 0o644, int(time.time())
                    archive.addfile(member, source)
    except OSError as error:
        raise ModelStoreError(f"cannot write {target} ({error.strerror or error})") from None
    return target


def import_archive(
    store: ModelStore, path: str | Path, *, name: str | None = None, force: bool = False
) -> dict[str, Any]:
    """Add a model from a ``.tar.gz`` made by :func:`export_archive`; return its manifest.

    Nothing is unpickled. The archive must hold one model folder of plain files, its
    manifest first: absolute paths, ``..``, links, devices, sub-folders, files the
    manifest does not list and files of another size are refused at the first one met,
    and every artifact must match the manifest's sha256 before the model is renamed
    into the store. ``name`` stores it under another name.

    Raises
    ------
    ModelStoreError, IntegrityError
        The archive is unreadable, unsafe, incomplete, implausibly large for its size,
        or does not match its manifest (one short line says which).
    """
    source = Path(path)
    if not source.is_file():
        raise ModelStoreError(f"{source}: no such file")
    where = str(source)
    with open(source, "rb") as raw:
        gzipped = raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        stream = gzip.GzipFile(fileobj=raw, mode="rb") if gzipped else raw
        try:  # opening reads the first header: its errors say "not an archive"
            # A reader is all tarfile needs in mode "r" (typeshed asks for a writer too).
            archive = tarfile.TarFile(fileobj=_BoundedReads(stream, where), mode="r")  # type: ignore[arg-type]
        except _UNREADABLE:
            raise ModelStoreError(f"{where} is not a readable .tar.gz archive") from None
        with archive:
            return _import(store, archive, source, name, force)


def _import(store: ModelStore, archive: tarfile.TarFile, source: Path, name: str | None, force: bool) -> dict[str, Any]:
    """Read a model from an opened archive into the store (see :func:`import_archive`)."""
    where = str(source)
    folder, first = _manifest_member(archive, where)
    target_name = check_name(name or folder)
    store.ensure_free(target_name, force)
    manifest = check_manifest(_read(archive, first, where, MAX_MANIFEST_BYTES), f"{where}:{MANIFEST}")
    expected = {filename: info for filename, info in manifest["artifacts"].items()}
    declared = sum(info["bytes"] for info in expected.values())
    if declared > max(EXPANSION_FLOOR, MAX_EXPANSION * source.stat().st_size):
        raise IntegrityError(
            f"{where} declares {declared:,} bytes of model files in {source.stat().st_size:,} bytes, "
            f"more than {MAX_EXPANSION} times its size (a decompression bomb?); refused"
        )
    with store._staging("importing", target_name) as staging:
        free = shutil.disk_usage(staging).free
        if declared > free:
            raise ModelStoreError(f"{where} needs {declared:,} bytes, {store.root} has {free:,} free")
        while expected:
            member = _next(archive, where)
            if member is None:
                raise IntegrityError(f"{where} lacks {', '.join(sorted(expected)[:5])}; refused")
            filename = _file_of(member, folder, where)
            if filename not in expected:
                raise IntegrityError(
                    f"{where}: member {short(member.name)} is not a file its manifest lists (or comes twice); refused"
                )
            _copy_verified(archive, member, staging / filename, expected.pop(filename), where)
        extra = _next(archive, where)
        if extra is not None:
            _file_of(extra, folder, where)  # an unsafe member is refused as such
            raise IntegrityError(f"{where}: member {short(extra.name)} is not a file its manifest lists; refused")
        manifest["name"] = target_name
        manifest = write_manifest(staging, manifest)
        store._install(staging, target_name, force)
    return manifest


def _next(archive: tarfile.TarFile, where: str) -> tarfile.TarInfo | None:
    """The next member's header (its data is skipped, not kept), or None at the end."""
    try:
        return archive.next()
    except _UNREADABLE:
        raise ModelStoreError(f"{where} is not a readable .tar.gz archive (damaged or cut short)") from None


def _parts(member: tarfile.TarInfo, where: str) -> tuple[str, ...]:
    """A safe member's path parts (``.`` dropped); unsafe names and types are refused."""
    name = member.name
    parts = PurePosixPath(name).parts
    if name.startswith(("/", "\\")) or ".." in parts or "\\" in name or ":" in name:
        raise ModelStoreError(f"{where}: member {short(name)} points outside the store; refused")
    if not (member.isfile() or member.isdir()):
        raise ModelStoreError(f"{where}: member {short(name)} is a link or device, not a plain file; refused")
    return tuple(p for p in parts if p != ".")


def _manifest_member(archive: tarfile.TarFile, where: str) -> tuple[str, tarfile.TarInfo]:
    """The model's folder name and its manifest's member, which must be the first file.

    Before it, only the entries of that folder itself (``./``, ``<name>/``, as ``tar``
    writes them) are allowed, at most two.
    """
    for _ in range(3):
        member = _next(archive, where)
        if member is None:
            break
        parts = _parts(member, where)
        if member.isdir() and len(parts) <= 1:
            continue
        if member.isfile() and len(parts) == 2 and parts[1] == MANIFEST:
            return parts[0], member
        raise ModelStoreError(
            f"{where}: its first file must be <model>/{MANIFEST} (as 'textkit models export' writes it), "
            f"not {short(member.name)}; refused"
        )
    raise ModelStoreError(f"{where} has no {MANIFEST} first: it is not a textkit model archive")


def _file_of(member: tarfile.TarInfo, folder: str, where: str) -> str:
    """The file name of a member that must be a plain file directly in the model's folder."""
    parts = _parts(member, where)
    if not member.isfile() or len(parts) != 2 or parts[0] != folder:
        raise ModelStoreError(
            f"{where}: member {short(member.name)} is not a file of the model's folder {short(folder)}; refused"
        )
    return parts[1]


def _member_stream(archive: tarfile.TarFile, member: tarfile.TarInfo) -> IO[bytes]:
    handle = archive.extractfile(member)
    assert handle is not None  # _file_of admits regular files only
    return handle


def _read(archive: tarfile.TarFile, member: tarfile.TarInfo, where: str, limit: int) -> bytes:
    """A small member's bytes (the manifest); its header's size is checked first, so a huge one is refused unread."""
    if member.size > limit:
        raise IntegrityError(f"{where}: member {short(member.name)} has {member.size:,} bytes, over {limit:,}; refused")
    try:
        return _member_stream(archive, member).read()
    except _UNREADABLE:
        raise ModelStoreError(f"{where} is not a readable .tar.gz archive (damaged or cut short)") from None


def _copy_verified(
    archive: tarfile.TarFile, member: tarfile.TarInfo, target: Path, info: dict[str, Any], where: str
) -> None:
    """Stream a member to ``target`` while hashing it; refuse it unless its size and sha256 are the manifest's."""
    filename = target.name
    if member.size != info["bytes"]:
        raise IntegrityError(
            f"{where}: {filename} has {member.size:,} bytes, its manifest says {info['bytes']:,}; refused"
        )
    digest = hashlib.sha256()
    stream = _member_stream(archive, member)
    with open(target, "wb") as handle:
        while True:
            try:
                block = stream.read(_BLOCK)
            except _UNREADABLE:
                raise ModelStoreError(f"{where} is not a readable .tar.gz archive (damaged or cut short)") from None
            if not block:
                break
            digest.update(block)
            handle.write(block)
        handle.flush()
        os.fsync(handle.fileno())
    if digest.hexdigest() != info["sha256"]:
        raise IntegrityError(
            f"{where}: {filename} does not match its manifest's sha256; the archive was changed or damaged; refused"
        )
