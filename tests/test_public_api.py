"""The public surface of ``import textkit``: stable, listable, and light to import."""

from __future__ import annotations

import subprocess
import sys


def run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_evaluate_stays_the_function_after_its_module_is_imported():
    out = run(
        "import textkit, inspect\n"
        "a = inspect.isfunction(textkit.evaluate)\n"
        "import textkit.themes.evaluate\n"
        "textkit.load\n"
        "print(a, inspect.isfunction(textkit.evaluate))"
    )
    assert out == "True True"


def test_dir_lists_every_public_name_and_each_resolves():
    import textkit

    names = dir(textkit)
    for name in textkit.__all__:
        assert name in names
        assert getattr(textkit, name) is not None
    assert {"ThemeClassifier", "TopicModel", "load", "train_model", "TextkitError", "read_articles"} <= set(names)


def test_import_textkit_loads_no_heavy_library():
    out = run(
        "import sys, textkit\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'sklearn', 'gensim', 'scipy', 'numpy', 'matplotlib'}))"
    )
    assert out == "[]"
