"""textkit's own model format (issue 10): round trips, hostile model files, pickles, upgrades."""

from __future__ import annotations

import io
import json
import sys
import zipfile
from pathlib import Path

import joblib
import numpy as np
import pytest
from toymodel import PROBES, fit_real, predictions, small_corpus

import textkit
from textkit.cli import main
from textkit.errors import IntegrityError, ModelStoreError
from textkit.store import ARRAYS, MANIFEST, PICKLE_ARTIFACT, STATE, ModelStore, sha256_file
from textkit.store.format import MapOf, check_json
from textkit.store.manifest import library_versions, write_manifest
from textkit.themes.classify import ThemeClassifier
from textkit.topics.model import TopicModel

PHRASED = [
    "the prime minister met the foreign minister on trade",
    "the prime minister spoke of wheat exports and the harvest",
    "the foreign minister and the prime minister discussed the border",
    "troops at the border as the prime minister visits",
    "the foreign minister warned of missile tests near the border",
    "farmers expect a record harvest of wheat and barley",
] * 4
PHRASED_LABELS = [["politics"], ["politics", "economy"], ["politics"], ["military"], ["military"], ["economy"]] * 4


def phrased_tokenizer():
    from textkit.text.tokenize import Tokenizer

    return Tokenizer().learn_phrases(PHRASED, min_count=2, threshold=0.5)


def round_trip(model, tmp_path: Path, name: str = "m"):
    store = ModelStore(tmp_path / "models")
    store.save(model, name)
    return store.load(name).model


# -- round trips: predictions bit-for-bit ------------------------------------------------------
@pytest.mark.parametrize(
    "make",
    [
        lambda: fit_real("themes"),
        lambda: ThemeClassifier(cv=2, min_df=1).fit(*small_corpus()),  # tuned thresholds, calibration
        lambda: ThemeClassifier(min_df=1, char_ngrams=True, ensure_top_label=True, tokenizer=phrased_tokenizer()).fit(
            PHRASED, PHRASED_LABELS
        ),  # a FeatureUnion of words and characters, learned phrases
        lambda: ThemeClassifier(model="logreg", min_df=1).fit(
            small_corpus()[0], [labels[0] for labels in small_corpus()[1]]
        ),  # single-label, naive Bayes blend
        lambda: ThemeClassifier(cv=None, min_df=1).fit(small_corpus()[0], np.eye(2, dtype=int)[[0] * 20 + [1] * 20]),
    ],
    ids=["plain", "tuned", "union-phrases", "single-label", "integer-classes"],
)
def test_theme_classifier_round_trip_is_bit_for_bit(make, tmp_path):
    model = make()
    loaded = round_trip(model, tmp_path)
    texts = [*PROBES, *PHRASED[:6]]
    assert np.array_equal(loaded.decision_function(texts), model.decision_function(texts))
    assert np.array_equal(loaded.predict_proba(texts), model.predict_proba(texts))
    assert np.array_equal(loaded.predict(texts), model.predict(texts))
    assert loaded.predict_labels(texts) == model.predict_labels(texts)
    assert loaded.classes_.dtype == model.classes_.dtype and list(loaded.classes_) == list(model.classes_)
    assert loaded.get_params().keys() == model.get_params().keys()
    assert repr(loaded.vectorizer_) == repr(model.vectorizer_)
    assert list(loaded.vectorizer_.get_feature_names_out()) == list(model.vectorizer_.get_feature_names_out())
    assert loaded.coef_.flags.f_contiguous == model.coef_.flags.f_contiguous
    if model.char_ngrams:
        words = loaded.vectorizer_.transformer_list[0][1].tokenizer
        assert words("the prime minister") == ["prime_minister"]
        assert loaded.tokenizer("the prime minister") == ["prime_minister"]


@pytest.mark.parametrize(
    "params",
    [
        {"num_topics": 2, "workers": 1, "measures": ()},
        {"num_topics": 2, "workers": 1, "alpha": "auto", "eta": "auto", "init": "random", "measures": ("u_mass",)},
        {"num_topics": 3, "workers": 1, "seeds": {"Farming": ["wheat", "harvest"]}, "measures": ()},
        {"num_topics": 2, "workers": 1, "alpha": np.array([0.3, 0.6]), "phrases": True, "measures": ()},
    ],
    ids=["plain", "auto-priors", "seeded", "array-alpha-phrases"],
)
def test_topic_model_round_trip_is_bit_for_bit(params, tmp_path):
    texts, _ = small_corpus()
    model = TopicModel(**params).fit(texts)
    loaded = round_trip(model, tmp_path)
    assert np.array_equal(loaded.transform(PROBES), model.transform(PROBES))
    assert list(loaded.infer(PROBES)) == list(model.infer(PROBES))
    assert loaded.topics() == model.topics() and loaded.describe() == model.describe()
    assert loaded.summarize(texts) == model.summarize(texts)
    assert loaded.summary_ == model.summary_ and loaded.scores_ == model.scores_
    assert loaded.k_scores_ == model.k_scores_ and loaded.notes_ == model.notes_
    assert np.array_equal(loaded.lda_.get_topics(), model.lda_.get_topics())
    # Training further gives the same topics too: the counts, priors and random generator came back.
    corpus = [model.dictionary_.doc2bow(model.tokenizer_.tokenize(t)) for t in texts[:10]]
    loaded.lda_.update(corpus)
    model.lda_.update(corpus)
    assert np.array_equal(loaded.lda_.get_topics(), model.lda_.get_topics())


def test_auto_k_topic_model_keeps_its_k_curve(tmp_path):
    texts, _ = small_corpus()
    model = TopicModel(k_min=2, k_max=3, k_step=1, workers=1, measures=("u_mass",), select_by="u_mass").fit(texts)
    loaded = round_trip(model, tmp_path)
    assert len(loaded.k_scores_) == 2 and loaded.k_scores_ == model.k_scores_


def test_a_fitted_attribute_the_format_does_not_know_is_refused_at_save(tmp_path):
    model = fit_real("themes")
    model.extra_ = 1
    with pytest.raises(ModelStoreError, match="^cannot save model 'm': ThemeClassifier attribute extra_ has no place"):
        ModelStore(tmp_path).save(model, "m")
    assert not (tmp_path / "m").exists()


def test_the_vocabulary_is_its_ngram_index_and_nothing_names_a_callable(tmp_path):
    store = ModelStore(tmp_path)
    original = fit_real("themes")
    store.save(original, "n")
    model = store.load("n").model
    state = json.loads((store.path("n") / STATE).read_text())
    [block] = state["blocks"]
    assert block["options"]["analyzer"] == "word" and block["tokenizer"] is True
    assert block["terms"] == len(model.vectorizer_.vocabulary_)
    # The word block's vocabulary is stored as its n-gram index and comes back with it.
    assert dict(model.vectorizer_.vocabulary_) == dict(original.vectorizer_.vocabulary_)
    assert model.vectorizer_.vocabulary_.index.tokens == original.vectorizer_.vocabulary_.index.tokens
    with zipfile.ZipFile(store.path("n") / ARRAYS) as archive:
        names = sorted(archive.namelist())
        assert {np.lib.format.read_magic(archive.open(n)) for n in names} <= {(1, 0), (2, 0)}
    assert names == [
        "calibration.npy",
        "coef.npy",
        "columns0_2.npy",
        "idf0.npy",
        "intercept.npy",
        "keys0_2.npy",
        "thresholds.npy",
        "tokens0.npy",
        "unigrams0.npy",
    ]
    raw = (store.path("n") / STATE).read_bytes() + (store.path("n") / ARRAYS).read_bytes()
    assert b"sklearn" not in raw and b"textkit." not in raw and b"__" not in raw


# -- hostile model files: each refused in one line, before anything is built ---------------------
def tamper(store: ModelStore, name: str, state=None, arrays: bytes | None = None) -> None:
    """Rewrite a model's files as an attacker would: hashes and checksum recomputed."""
    folder = store.path(name)
    if state is not None:
        (folder / STATE).write_text(json.dumps(state))
    if arrays is not None:
        (folder / ARRAYS).write_bytes(arrays)
    manifest = json.loads((folder / MANIFEST).read_text())
    for filename in manifest["artifacts"]:
        manifest["artifacts"][filename] = {
            "sha256": sha256_file(folder / filename),
            "bytes": (folder / filename).stat().st_size,
        }
    write_manifest(folder, manifest)


def npz(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def members(store: ModelStore, name: str = "m") -> dict[str, bytes]:
    with zipfile.ZipFile(store.path(name) / ARRAYS) as archive:
        return {n: archive.read(n) for n in archive.namelist()}


def huge_header(shape: tuple[int, ...]) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": "<f4", "fortran_order": True, "shape": shape})
    return buffer.getvalue() + b"\0" * 64


@pytest.fixture()
def saved(tmp_path, monkeypatch):
    """A saved classifier, and a guard that fails if any classifier is built while loading."""
    store = ModelStore(tmp_path / "models")
    model = fit_real("themes")
    store.save(model, "m")
    state = json.loads((store.path("m") / STATE).read_text())
    n_features = model.coef_.shape[1]

    def no_build(*args, **kwargs):
        raise AssertionError("a model was built from a refused file")

    monkeypatch.setattr("textkit.themes.state.from_state", no_build)
    return store, state, n_features


def test_an_object_array_is_refused(saved):
    store, _, _ = saved
    files = members(store)
    files["coef.npy"] = npy(np.array([[print]], dtype=object))
    tamper(store, "m", arrays=npz(files))
    with pytest.raises(IntegrityError) as error:
        store.load("m")
    assert str(error.value) == f"{store.path('m') / ARRAYS}: coef.npy has dtype object, not <f4 or <f8; refused"


def test_a_huge_shape_is_refused_from_the_header_before_any_allocation(saved):
    store, _, n_features = saved
    files = members(store)
    files["coef.npy"] = huge_header((2, 10**15))
    tamper(store, "m", arrays=npz(files))
    with pytest.raises(IntegrityError) as error:
        store.load("m")
    assert str(error.value) == (
        f"{store.path('m') / ARRAYS}: coef.npy has shape (2, 1000000000000000), the model says (2, {n_features}); "
        "refused"
    )


def test_a_header_claiming_more_bytes_than_the_member_holds_is_refused(saved):
    store, _, n_features = saved
    files = members(store)
    files["coef.npy"] = huge_header((2, n_features))
    tamper(store, "m", arrays=npz(files))
    with pytest.raises(IntegrityError) as error:
        store.load("m")
    assert str(error.value) == (
        f"{store.path('m') / ARRAYS}: coef.npy holds 64 bytes of data, its header says {8 * n_features:,}; refused"
    )


def test_nan_coefficients_are_refused(saved):
    store, _, _ = saved
    files = members(store)
    coef = np.load(io.BytesIO(files["coef.npy"]))
    coef[0, 0] = np.nan
    files["coef.npy"] = npy(coef)
    tamper(store, "m", arrays=npz(files))
    with pytest.raises(IntegrityError) as error:
        store.load("m")
    assert str(error.value) == f"{store.path('m') / ARRAYS}: coef.npy holds NaN or infinite values; refused"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s.update(__class__="subprocess.Popen"), "the top level has unknown key '__class__'"),
        (
            lambda s: s.update(tokenizer={"py/object": "os.system"}),
            "tokenizer has unknown key 'py/object'",
        ),
        (
            lambda s: s["blocks"][0]["options"].update(preprocessor="os.system"),
            "blocks[0].options has unknown key 'preprocessor'",
        ),
        (lambda s: s.update(multilabel="yes"), "multilabel is 'yes', not what a model holds"),
        (lambda s: s.pop("classes"), "the top level lacks key 'classes'"),
        (
            lambda s: s["fitted_tokenizer"].update(numbers="exec"),
            "fitted_tokenizer.numbers is 'exec', not what a model holds",
        ),
    ],
    ids=["names-a-class", "tokenizer-object", "extra-option", "wrong-type", "missing-key", "bad-choice"],
)
def test_state_json_is_checked_against_its_schema(saved, change, message):
    store, state, _ = saved
    change(state)
    tamper(store, "m", state=state)
    with pytest.raises(IntegrityError) as error:
        store.load("m")
    assert str(error.value) == f"{store.path('m') / STATE}: {message}; refused"


def test_sizes_that_do_not_match_are_refused(saved):
    store, state, n_features = saved
    state["blocks"][0]["terms"] -= 1
    tamper(store, "m", state=state)
    with pytest.raises(IntegrityError) as error:
        store.load("m")
    assert str(error.value) == (
        f"{store.path('m') / ARRAYS}: idf0.npy has shape ({n_features},), the model says ({n_features - 1},); refused"
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.update({"evil.npy": npy(np.zeros(1))}), "holds 'evil.npy', which is not part of this model"),
        (lambda f: f.pop("thresholds.npy"), "lacks thresholds.npy"),
    ],
    ids=["extra-member", "missing-member"],
)
def test_npz_members_must_be_exactly_the_models(saved, change, message):
    store, _, _ = saved
    files = members(store)
    change(files)
    tamper(store, "m", arrays=npz(files))
    with pytest.raises(IntegrityError) as error:
        store.load("m")
    assert str(error.value) == f"{store.path('m') / ARRAYS} {message}; refused"


def test_compressed_members_and_non_zip_files_are_refused(saved):
    store, _, _ = saved
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members(store).items():
            archive.writestr(name, data)
    tamper(store, "m", arrays=buffer.getvalue())
    with pytest.raises(IntegrityError, match=r"arrays.npz: \w+\.npy is compressed; .* refused$"):
        store.load("m")
    tamper(store, "m", arrays=b"\x80\x04cos\nsystem\n.")
    with pytest.raises(IntegrityError, match=r"arrays.npz is not an .npz archive \(.*\); refused$"):
        store.load("m")


def test_deeply_nested_state_is_refused(saved):
    store, _, _ = saved
    (store.path("m") / STATE).write_text("[" * 100_000 + "]" * 100_000)
    tamper(store, "m")
    with pytest.raises(IntegrityError, match=r"state.json is not valid JSON \(too deeply nested\); refused$"):
        store.load("m")


def test_a_hostile_model_is_one_error_line_in_the_cli(saved, capsys):
    store, state, _ = saved
    state["__reduce__"] = ["os.system", ["echo pwned"]]
    tamper(store, "m", state=state)
    assert main(["predict", "troops", "--model", "m", "--models-dir", str(store.root)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"error: {store.path('m') / STATE}: the top level has unknown key '__reduce__'; refused\n"


def test_check_json_depth_is_bounded():
    nested: list = []
    for _ in range(100):
        nested = [nested]
    with pytest.raises(IntegrityError, match="refused"):
        check_json({"a": nested}, MapOf([[[str]]]), "x")


# -- old pickles ---------------------------------------------------------------------------
class RunsACommand:
    """What the attacker of issue 10 put in model.joblib: unpickling it runs a command."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        import subprocess

        return subprocess.call, (["touch", str(self.marker)],)


def pickled_model(store: ModelStore, name: str, payload, kind: str = "themes", renames=()) -> None:
    """A format-1 model folder, as textkit wrote before format 2 (``renames``: old module paths)."""
    folder = store.path(name)
    folder.mkdir(parents=True)
    buffer = io.BytesIO()
    joblib.dump(payload, buffer, protocol=2)  # protocol 2 names classes as "c<module>\n<name>\n"
    data = buffer.getvalue()
    for new, old in renames:
        data = data.replace(f"c{new}\n".encode(), f"c{old}\n".encode())
    (folder / PICKLE_ARTIFACT).write_bytes(data)
    manifest = {
        "format": 1,
        "name": name,
        "kind": kind,
        "created": "2026-01-01T00:00:00+00:00",
        "versions": dict(library_versions(), **{"scikit-learn": "1.5.0"}),
        "params": {},
        "metrics": {"micro_f1": 0.5},
        "data": {"count": 40},
        "artifacts": {PICKLE_ARTIFACT: {"sha256": sha256_file(folder / PICKLE_ARTIFACT), "bytes": len(data)}},
    }
    write_manifest(folder, manifest)


def test_a_pickle_that_runs_a_command_never_runs_without_trust_pickle(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("TEXTKIT_TRUST_PICKLE", raising=False)
    store = ModelStore(tmp_path / "models")
    marker = tmp_path / "pwned"
    pickled_model(store, "m", RunsACommand(marker))
    refusal = (
        "model 'm' is in the old pickle format (format 1), which can run any code when loaded; textkit loads it "
        "only if you say you trust it (if it comes from a source you trust, convert it once with 'textkit models "
        "upgrade m' (or load it with --trust-pickle, trust_pickle=True in Python))"
    )
    with pytest.raises(ModelStoreError) as error:
        textkit.load("m", models_dir=store.root)
    assert str(error.value) == refusal
    for strict in ([], ["--strict"]):
        assert main([*strict, "predict", "troops", "--model", "m", "--models-dir", str(store.root)]) == 1
        assert capsys.readouterr().err == f"error: {refusal}\n"
    assert main(["models", "show", "m", "--models-dir", str(store.root)]) == 0  # reading a manifest is safe
    assert not marker.exists()
    # With trust, it runs: that is what the option says.
    assert main(["--trust-pickle", "predict", "troops", "--model", "m", "--models-dir", str(store.root)]) == 1
    assert marker.exists()
    assert "TEXTKIT_TRUST_PICKLE" not in __import__("os").environ  # --trust-pickle lasts one command


@pytest.mark.parametrize(
    ("kind", "renames"),
    [
        ("themes", [("textkit.themes.classify", "textkit.classify"), ("textkit.text.tokenize", "textkit.tokenize")]),
        ("topics", [("textkit.topics.model", "textkit.topics"), ("textkit.topics.summary", "textkit.topics")]),
    ],
)
def test_upgrade_converts_a_trusted_pickle_with_its_old_module_paths(kind, renames, tmp_path, capsys):
    store = ModelStore(tmp_path / "models")
    model = fit_real(kind)
    pickled_model(store, "m", model, kind=kind, renames=renames)
    assert any(old.encode() + b"\n" in (store.path("m") / PICKLE_ARTIFACT).read_bytes() for _, old in renames)
    where = ["--models-dir", str(store.root)]
    assert main(["models", "upgrade", "m", *where]) == 0
    assert capsys.readouterr().err == "upgraded model 'm': it no longer needs --trust-pickle\n"
    manifest = store.manifest("m")
    assert manifest["format"] == 2 and sorted(manifest["artifacts"]) == [ARRAYS, STATE]
    assert manifest["metrics"] == {"micro_f1": 0.5} and manifest["data"] == {"count": 40}
    assert predictions(store.load("m").model) == predictions(model)
    assert main(["models", "upgrade", "m", *where]) == 0
    assert capsys.readouterr().err == "model 'm' is already in textkit's own format: nothing to do\n"


def test_trust_pickle_loads_an_old_model_in_python(tmp_path):
    store = ModelStore(tmp_path / "models")
    model = fit_real("themes")
    pickled_model(store, "m", model)
    loaded = textkit.load("m", models_dir=store.root, trust_pickle=True)
    assert predictions(loaded.model) == predictions(model)
    assert sys.modules.get("textkit.classify") is None  # the old paths were mapped, not installed


def test_a_vocabulary_blob_must_hold_its_stated_count_of_utf8_terms():
    from textkit.store.format import decode_terms, encode_terms

    blob = encode_terms(["foreign minister", "żubr", "#num"])
    assert decode_terms(blob, 3) == ["foreign minister", "żubr", "#num"]
    assert decode_terms(encode_terms([]), 0) == []
    with pytest.raises(ValueError, match="^the vocabulary holds 3 terms, the state says 4$"):
        decode_terms(blob, 4)
    with pytest.raises(UnicodeDecodeError):
        decode_terms(np.frombuffer(b"\xff\xfe", dtype=np.uint8), 1)
    with pytest.raises(ValueError, match="line break"):
        encode_terms(["two\nlines"])


def test_a_manifest_must_list_exactly_its_formats_files(tmp_path):
    store = ModelStore(tmp_path)
    store.save(fit_real("themes"), "m")
    folder = store.path("m")
    manifest = json.loads((folder / MANIFEST).read_text())
    manifest["format"] = 1  # a format-2 model passed off as a pickle, or the reverse: refused on the manifest
    write_manifest(folder, manifest)
    with pytest.raises(ModelStoreError) as error:
        store.load("m", trust_pickle=True)
    assert str(error.value) == (
        f"{folder / MANIFEST} does not list exactly the files of a format-1 model (model.joblib)"
    )


def test_an_ngram_index_that_does_not_number_every_column_once_is_refused(tmp_path):
    store = ModelStore(tmp_path)
    store.save(fit_real("themes"), "m")
    files = members(store)
    columns = np.load(io.BytesIO(files["columns0_2.npy"]))
    columns[0] = columns[1]  # two bigrams in one column, one column left empty
    files["columns0_2.npy"] = npy(columns)
    tamper(store, "m", arrays=npz(files))
    n_features = json.loads((store.path("m") / STATE).read_text())["blocks"][0]["terms"]
    with pytest.raises(IntegrityError) as error:
        store.load("m")
    assert str(error.value) == (
        f"{store.path('m') / STATE}: block 0's n-gram index does not number its {n_features} columns once each; refused"
    )


def test_hashing_classifier_round_trip_is_bit_for_bit(tmp_path):
    from textkit.themes.hashing import HashingThemeClassifier

    texts, labels = small_corpus()
    model = HashingThemeClassifier(n_features=2**10, epochs=2, batch_size=16).fit(texts, labels)
    loaded = round_trip(model, tmp_path)
    assert type(loaded) is HashingThemeClassifier and loaded.get_params() == model.get_params()
    assert np.array_equal(loaded.predict_proba(PROBES), model.predict_proba(PROBES))
    assert loaded.predict_labels(PROBES) == model.predict_labels(PROBES)
    assert list(loaded.classes_) == list(model.classes_) and loaded.n_docs_ == model.n_docs_


def test_an_unknown_features_variant_is_refused(saved):
    store, state, _ = saved
    state["features"] = "pickle"
    tamper(store, "m", state=state)
    with pytest.raises(IntegrityError) as error:
        store.load("m")
    assert (
        str(error.value)
        == f"{store.path('m') / STATE}: the top level has features 'pickle', not one of tfidf, hashing; refused"
    )
