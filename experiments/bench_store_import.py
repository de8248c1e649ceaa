"""Importing a model archive: time and peak memory, next to what a hand-written script does.

Usage: python experiments/bench_store_import.py [--mib 200] [--bomb-mib 1024]

Builds, in a temporary folder, a genuine archive whose artifact is ``--mib`` MiB of
random bytes (a large model; its manifest lists the true size and sha256) and a
decompression bomb (a ~1 MB archive whose manifest declares ``--bomb-mib`` MiB of
zeros, as a hostile sender would). Each contender runs in its own process; its peak
resident memory (ru_maxrss) and wall time are recorded:

- ``textkit models import`` (``ModelStore.import_archive``: streams to disk while hashing);
- ``tarfile extractall + sha256``: what a careful script does by hand (extract with the
  "data" filter, then hash the file from disk);
- ``read member whole + sha256``: what textkit's import did before it streamed.

Writes experiments/results/store_import.md and store_import.json.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import platform
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
TESTS = Path(__file__).resolve().parent.parent / "tests"

CONTENDERS = {
    "textkit models import": (
        "from textkit.store import ModelStore\n"
        "try:\n"
        "    ModelStore(DEST).import_archive(ARCHIVE)\n"
        "    print('imported')\n"
        "except Exception as error:\n"
        "    print(type(error).__name__ + ': ' + str(error))\n"
    ),
    "tarfile extractall + sha256": (
        "import hashlib, tarfile, pathlib\n"
        "with tarfile.open(ARCHIVE) as archive:\n"
        "    archive.extractall(DEST, filter='data')\n"
        "digest = hashlib.sha256()\n"
        "with open(pathlib.Path(DEST) / 'm' / 'arrays.npz', 'rb') as handle:\n"
        "    for block in iter(lambda: handle.read(1 << 20), b''):\n"
        "        digest.update(block)\n"
        "print('extracted')\n"
    ),
    "read member whole + sha256": (
        "import hashlib, tarfile\n"
        "with tarfile.open(ARCHIVE) as archive:\n"
        "    data = archive.extractfile('m/arrays.npz').read()\n"
        "hashlib.sha256(data).hexdigest()\n"
        "print('read')\n"
    ),
}


def genuine_archive(folder: Path, mib: int) -> Path:
    """A real toy model's manifest and state, its arrays replaced by ``mib`` MiB of random bytes."""
    sys.path.insert(0, str(TESTS))
    from toymodel import ToyModel

    from textkit.store import ARRAYS, MANIFEST, STATE, ModelStore, manifest_checksum

    store = ModelStore(folder / "source")
    store.save(ToyModel(), "m")
    manifest = store.manifest("m")
    blob = os.urandom(mib * 2**20)
    manifest["artifacts"][ARRAYS] = {"sha256": hashlib.sha256(blob).hexdigest(), "bytes": len(blob)}
    manifest["checksum"] = manifest_checksum(manifest)
    path = folder / "genuine.tar.gz"
    with tarfile.open(path, "w:gz", compresslevel=1) as archive:
        state = (store.path("m") / STATE).read_bytes()
        for name, data in ((MANIFEST, json.dumps(manifest).encode()), (STATE, state), (ARRAYS, blob)):
            info = tarfile.TarInfo(f"m/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def bomb_archive(folder: Path, mib: int) -> Path:
    """A gzip of a tar: a manifest declaring ``mib`` MiB of zeros, then those zeros (1 KB of gzip per MiB)."""
    import struct
    import zlib

    from textkit.store import ARRAYS, MANIFEST, ModelStore, manifest_checksum

    manifest = ModelStore(folder / "source").manifest("m")
    manifest["artifacts"][ARRAYS] = {"sha256": hashlib.sha256(b"").hexdigest(), "bytes": mib * 2**20}
    manifest["checksum"] = manifest_checksum(manifest)
    raw = json.dumps(manifest).encode()

    def header(name: str, size: int) -> bytes:
        info = tarfile.TarInfo(f"m/{name}")
        info.size = size
        return info.tobuf(tarfile.USTAR_FORMAT)

    def deflate(data: bytes, mode: int) -> bytes:
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        return packer.compress(data) + packer.flush(mode)

    prefix = header(MANIFEST, len(raw)) + raw + b"\0" * (-len(raw) % 512) + header(ARRAYS, mib * 2**20)
    zeros, tail = b"\0" * 2**20, b"\0" * 1024
    crc = zlib.crc32(prefix)
    for _ in range(mib):
        crc = zlib.crc32(zeros, crc)
    crc = zlib.crc32(tail, crc)
    body = deflate(prefix, zlib.Z_FULL_FLUSH) + deflate(zeros, zlib.Z_FULL_FLUSH) * mib + deflate(tail, zlib.Z_FINISH)
    length = (len(prefix) + mib * 2**20 + len(tail)) & 0xFFFFFFFF
    path = folder / "bomb.tar.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + body + struct.pack("<II", crc, length))
    return path


def run(code: str, archive: Path, dest: Path) -> dict[str, object]:
    """Run ``code`` in a fresh process; its wall time, peak RSS and last output line."""
    script = f"ARCHIVE = {str(archive)!r}\nDEST = {str(dest)!r}\n" + code
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    assert child.stdout is not None
    out = child.stdout.read().strip()
    child.stdout.close()
    assert os.waitstatus_to_exitcode(status) == 0, out
    return {"seconds": round(seconds, 2), "peak_rss_mib": round(usage.ru_maxrss / 1024, 1), "outcome": out[:160]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=200, help="size of the genuine artifact")
    parser.add_argument("--bomb-mib", type=int, default=1024, help="what the bomb declares and expands to")
    parser.add_argument("--build", help=argparse.SUPPRESS)  # internal: build the archives in this folder
    args = parser.parse_args()
    if args.build:
        genuine_archive(Path(args.build), args.mib)
        bomb_archive(Path(args.build), args.bomb_mib)
        return
    rows = []
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        # Built in another process: a forked child's peak RSS starts at its parent's size at
        # the fork, so this process must stay small.
        build = [
            sys.executable,
            __file__,
            "--mib",
            str(args.mib),
            "--bomb-mib",
            str(args.bomb_mib),
            "--build",
            temporary,
        ]
        subprocess.run(build, check=True)
        genuine, bomb = folder / "genuine.tar.gz", folder / "bomb.tar.gz"
        cases = [(f"genuine, {args.mib} MiB artifact", genuine, list(CONTENDERS))]
        # Only textkit meets the bomb: the hand-written ways would fill memory or disk with it.
        cases.append((f"bomb, {args.bomb_mib} MiB of zeros", bomb, ["textkit models import"]))
        for case, archive, contenders in cases:
            for contender in contenders:
                result = run(CONTENDERS[contender], archive, folder / f"dest-{len(rows)}")
                size = archive.stat().st_size
                rows.append({"archive": case, "archive_bytes": size, "contender": contender, **result})
                print(rows[-1], flush=True)
    RESULTS.mkdir(exist_ok=True)
    meta = {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count()}
    (RESULTS / "store_import.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n")
    lines = [
        "# Importing a model archive",
        "",
        f"`python experiments/bench_store_import.py --mib {args.mib} --bomb-mib {args.bomb_mib}`; "
        f"Python {meta['python']}, {meta['cpus']} CPUs (shared). Peak RSS of the whole process "
        "(interpreter and imports included).",
        "",
        "| archive | archive size | contender | wall s | peak RSS MiB | outcome |",
        "|---|---:|---|---:|---:|---|",
    ]
    for row in rows:
        outcome = str(row["outcome"]).replace("|", "\\|")
        if len(outcome) > 90:
            outcome = outcome[:87] + "..."
        lines.append(
            f"| {row['archive']} | {row['archive_bytes'] / 2**20:.2f} MiB | {row['contender']} | "
            f"{row['seconds']} | {row['peak_rss_mib']} | {outcome} |"
        )
    (RESULTS / "store_import.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
