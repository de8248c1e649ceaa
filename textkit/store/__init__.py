"""The model store: save, verify, load, export and import models.

:mod:`~textkit.store.manifest` (what a model is, its checks), :mod:`~textkit.store.store`
(the folder of models: save, load, list, delete, cleanup) and
:mod:`~textkit.store.archive` (``.tar.gz`` export and import). Importing this package
loads no scikit-learn, gensim or joblib (the CLI reads :data:`STRICT_ENV` at start-up).
"""

from textkit.store.format import ARRAYS, STATE
from textkit.store.manifest import (
    FORMAT_VERSION,
    MANIFEST,
    PICKLE_ARTIFACT,
    VersionWarning,
    check_manifest,
    check_name,
    library_versions,
    main_metric,
    manifest_checksum,
    sha256_file,
)
from textkit.store.store import (
    MODELS_DIR_ENV,
    STRICT_ENV,
    TRUST_PICKLE_ENV,
    LoadedModel,
    ModelInfo,
    ModelStore,
    default_models_dir,
    load,
    save,
)

__all__ = [
    "ARRAYS",
    "FORMAT_VERSION",
    "MANIFEST",
    "MODELS_DIR_ENV",
    "PICKLE_ARTIFACT",
    "STATE",
    "STRICT_ENV",
    "TRUST_PICKLE_ENV",
    "LoadedModel",
    "ModelInfo",
    "ModelStore",
    "VersionWarning",
    "check_manifest",
    "check_name",
    "default_models_dir",
    "library_versions",
    "load",
    "main_metric",
    "manifest_checksum",
    "save",
    "sha256_file",
]
