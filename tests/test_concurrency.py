"""Many processes using one store at once: identical predictions, and loads that survive replaces."""

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from toymodel import ToyModel, fit_real, predictions

from textkit.store import ModelStore

TESTS = Path(__file__).parent


def start_together(code: str, processes: int, go: Path) -> list[subprocess.Popen]:
    """Start ``processes`` children that wait for ``go`` to exist, then run ``code``."""
    prelude = f"import pathlib, time\nwhile not pathlib.Path({str(go)!r}).exists(): time.sleep(0.01)\n"
    children = [
        subprocess.Popen(
            [sys.executable, "-c", prelude + code], cwd=TESTS, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(processes)
    ]
    time.sleep(0.5)
    go.touch()
    return children


def finish(children: list[subprocess.Popen]) -> list[str]:
    outputs = []
    for child in children:
        out, err = child.communicate(timeout=300)
        assert child.returncode == 0, err
        outputs.append(out)
    return outputs


@pytest.mark.parametrize("kind", ["toy", "themes", "topics"])
def test_many_processes_predict_identically_with_one_model(tmp_path, kind):
    model = ToyModel(0.5) if kind == "toy" else fit_real(kind)
    store = ModelStore(tmp_path / "models")
    store.save(model, "shared")
    code = (
        "import json; from textkit.store import ModelStore; from toymodel import predictions\n"
        f"print(json.dumps(predictions(ModelStore({str(store.root)!r}).load('shared').model)))\n"
    )
    outputs = finish(start_together(code, 4, tmp_path / "go"))
    assert [json.loads(out) for out in outputs] == [predictions(model)] * 4


def test_loads_succeed_while_another_process_keeps_replacing_the_model(tmp_path):
    store = ModelStore(tmp_path / "models")
    store.save(ToyModel(1.0), "m")
    done = tmp_path / "done"
    writer_code = (
        "from toymodel import ToyModel; from textkit.store import ModelStore\n"
        f"store = ModelStore({str(store.root)!r})\n"
        "for i in range(40): store.save(ToyModel(float(1 + i % 2)), 'm', force=True)\n"
        f"open({str(done)!r}, 'w').close()\n"
    )
    reader_code = (
        "import os, toymodel; from textkit.store import ModelStore\n"
        f"store = ModelStore({str(store.root)!r}); weights = set(); loads = 0\n"
        f"while not os.path.exists({str(done)!r}) or loads == 0:\n"
        "    weights.add(store.load('m').model.weight); loads += 1\n"
        "print(sorted(weights), loads)\n"
    )
    go = tmp_path / "go"
    readers = start_together(reader_code, 3, go)
    writer = subprocess.Popen([sys.executable, "-c", writer_code], cwd=TESTS, stderr=subprocess.PIPE, text=True)
    _, err = writer.communicate(timeout=300)
    assert writer.returncode == 0, err
    for out in finish(readers):
        weights, loads = out.rsplit(" ", 1)
        assert set(json.loads(weights)) <= {1.0, 2.0} and int(loads) > 0
    assert store.load("m").model.weight == 2.0  # the last save (i = 39) won
    assert sorted(p.name for p in store.root.iterdir()) == ["m"]


def test_concurrent_saves_of_one_name_leave_one_complete_model(tmp_path):
    store = ModelStore(tmp_path / "models")
    code = (
        "import os; from toymodel import ToyModel; from textkit.store import ModelStore\n"
        f"ModelStore({str(store.root)!r}).save(ToyModel(float(os.getpid())), 'm', force=True)\n"
    )
    finish(start_together(code, 4, tmp_path / "go"))
    loaded = store.load("m")
    assert loaded.manifest["params"]["weight"] == loaded.model.weight
    assert sorted(p.name for p in store.root.iterdir()) == ["m"]


def test_cleanup_in_another_process_keeps_a_live_save_whatever_its_pid_says(tmp_path):
    """A live save is kept by its lock, not judged by a process id.

    Two containers sharing a models volume (same hostname, separate PID namespaces) see
    each other's process ids as meaningless numbers. The saving child here reports the
    id of an exited process as its own, as the other namespace would see it; a cleanup
    in another process must still leave its folder alone, and remove it once the child
    is killed.
    """
    exited = subprocess.Popen([sys.executable, "-c", "pass"])
    exited.wait()
    store = ModelStore(tmp_path / "models")
    saver_code = (
        "import os, sys\n"
        f"os.getpid = lambda: {exited.pid}\n"
        "from textkit.store import ModelStore\n"
        f"with ModelStore({str(store.root)!r})._staging('saving', 'm') as staging:\n"
        "    (staging / 'model.joblib').write_bytes(b'half a model')\n"
        "    print('ready', flush=True)\n"
        "    sys.stdin.read()\n"
    )
    cleanup_code = f"from textkit.store import ModelStore; print(ModelStore({str(store.root)!r}).cleanup())"
    saver = subprocess.Popen(
        [sys.executable, "-c", saver_code], cwd=TESTS, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert saver.stdout.readline() == "ready\n"
        [staging] = store.root.iterdir()
        cleaner = subprocess.run([sys.executable, "-c", cleanup_code], capture_output=True, text=True, check=True)
        assert cleaner.stdout == "[]\n"
        assert staging.is_dir() and list(staging.rglob("model.joblib"))
    finally:
        saver.kill()
        saver.wait()
    cleaner = subprocess.run([sys.executable, "-c", cleanup_code], capture_output=True, text=True, check=True)
    assert cleaner.stdout == f"['removed {staging.name}']\n"
    assert list(store.root.iterdir()) == []
