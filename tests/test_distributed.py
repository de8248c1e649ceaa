"""``--cluster``: the same output on a Dask LocalCluster (2 worker processes) as in one process.

One cluster for the module (starting worker processes takes seconds); the commands are
pointed at its address, as at a remote scheduler.
"""

import csv
import itertools
import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

from textkit.cli import main

distributed = pytest.importorskip("distributed")

SAMPLE = os.path.join(os.path.dirname(__file__), "..", "data", "articles.jsonl")
with open(SAMPLE, encoding="utf-8") as _sample:
    SAMPLE_LINES = _sample.read().splitlines()


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=50
    ) as local:
        yield local.scheduler_address


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    from textkit.reading.articles import read_articles
    from textkit.workflows.themes import train_model
    from textkit.workflows.topics import fit_topics

    folder = tmp_path_factory.mktemp("models")
    articles = read_articles(SAMPLE)
    train_model(articles, "themes", models_dir=folder)
    fit_topics(articles, "topics", models_dir=folder, num_topics=4, workers=1, passes=2, measures=())
    return str(folder)


def lines(path):
    return path.read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("command", [["predict"], ["topics", "infer"]])
def test_cli_output_is_the_single_process_output(cluster, models, tmp_path, command, capsys):
    one, many = tmp_path / "one.jsonl", tmp_path / "many.jsonl"
    assert main([*command, "--models-dir", models, "-i", SAMPLE, "-o", str(one)]) == 0
    assert main([*command, "--models-dir", models, "-i", SAMPLE, "-o", str(many), "--cluster", cluster]) == 0
    assert lines(many) == lines(one)
    assert len(lines(one)) == 455
    assert "455 articles" in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["predict", "infer"])
def test_uneven_parts_give_the_single_process_output(cluster, models, kind):
    from textkit.distributed import run
    from textkit.reading.articles import read_articles
    from textkit.themes.predict import predict_stream
    from textkit.workflows.themes import load_classifier
    from textkit.workflows.topics import load_topic_model

    if kind == "predict":
        expected = list(predict_stream(load_classifier("themes", models), read_articles(SAMPLE)))
        job = run.predict(cluster, SAMPLE, models_dir=models, target_bytes=7_777)
    else:
        expected = list(load_topic_model("topics", models)[0].infer(read_articles(SAMPLE)))
        job = run.infer(cluster, SAMPLE, models_dir=models, target_bytes=7_777)
    with job as running:
        got = list(running.records)
    assert running.parts > 30  # ~318 KB in parts of ~8 KB, cut wherever a line ends
    assert got == expected
    assert running.stats.articles == 455


def test_csv_parts_keep_the_header_and_the_line_numbers(cluster, models, tmp_path):
    """Default ids are file:LINE: a part read alone numbers its lines as the whole file does."""
    from textkit.distributed import run
    from textkit.reading.articles import read_articles
    from textkit.themes.predict import predict_stream
    from textkit.workflows.themes import load_classifier

    rows = [json.loads(line) for line in SAMPLE_LINES][:120]
    csv_file = tmp_path / "news.csv"
    with open(csv_file, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["headline", "text"])
        writer.writerows([r["headline"], r["text"].replace("\n", " ")] for r in rows)
    expected = list(predict_stream(load_classifier("themes", models), read_articles(csv_file)))
    with run.predict(cluster, str(csv_file), models_dir=models, target_bytes=5_000) as job:
        got = list(job.records)
    assert job.parts > 10
    assert got == expected
    assert got[0]["id"] == "news:2" and got[-1]["id"] == "news:121"


def test_unordered_gives_every_record_once(cluster, models):
    from textkit.distributed import run

    with run.predict(cluster, SAMPLE, models_dir=models, target_bytes=20_000, ordered=False) as job:
        ids = [r["id"] for r in job.records]
    assert sorted(ids) == sorted(json.loads(line)["id"] for line in SAMPLE_LINES)


def test_a_killed_worker_still_gives_complete_identical_output(cluster, models):
    from textkit.distributed import run
    from textkit.distributed.tasks import predict_part

    ref, _ = run.model_ref("themes", "themes", models)
    with distributed.Client(cluster) as client:
        parts = run.partitions(client, [SAMPLE], target_bytes=4_000)
        expected = [r for part in parts for r in predict_part(part, {}, ref, {})[0]]
        before = client.run(os.getpid)
        results = run.gather(client, predict_part, parts, {}, ref, {})
        got = list(next(results)[0])
        os.kill(next(iter(before.values())), signal.SIGKILL)  # a worker dies with parts in flight
        for records, _ in results:
            got += records
        assert len(parts) > 50
        assert got == expected
        client.wait_for_workers(2)
        assert set(client.run(os.getpid).values()) != set(before.values())  # the nanny started a new one


def test_evaluate_and_stats_match(cluster, models, tmp_path, capsys):
    assert main(["evaluate", SAMPLE, "--models-dir", models, "--json"]) == 0
    one = json.loads(capsys.readouterr().out)
    assert main(["evaluate", SAMPLE, "--models-dir", models, "--json", "--cluster", cluster]) == 0
    assert json.loads(capsys.readouterr().out) == one
    assert main(["stats", SAMPLE, "--json"]) == 0
    one = json.loads(capsys.readouterr().out)
    assert main(["stats", SAMPLE, "--json", "--cluster", cluster]) == 0
    assert json.loads(capsys.readouterr().out) == one


def test_segment_several_dumps_in_order(cluster, tmp_path, capsys):
    dump = os.path.join(os.path.dirname(__file__), "..", "data", "sample_dump.txt")
    one, many = tmp_path / "one.jsonl", tmp_path / "many.jsonl"
    assert main(["segment", dump, dump, "-o", str(one)]) == 0
    assert main(["segment", dump, dump, "-o", str(many), "--cluster", cluster]) == 0
    assert lines(many) == lines(one) and len(lines(one)) > 10


def test_unreachable_scheduler_is_one_line_exit_1(models, tmp_path, capsys):
    out = tmp_path / "out.jsonl"
    code = main(["predict", "--models-dir", models, "-i", SAMPLE, "-o", str(out), "--cluster", "tcp://127.0.0.1:9"])
    err = capsys.readouterr().err.strip()
    assert code == 1
    assert err.startswith("error: cannot reach the Dask scheduler at tcp://127.0.0.1:9")
    assert len(err.splitlines()) == 1
    assert not out.exists()


def test_bad_local_spec_is_a_usage_error(models, capsys):
    assert main(["predict", "--models-dir", models, "-i", SAMPLE, "--cluster", "local:none"]) == 2
    assert "--cluster" in capsys.readouterr().err


def test_cluster_needs_a_file(models, capsys):
    assert main(["predict", "some text", "--models-dir", models, "--cluster", "local:1"]) == 2
    assert "--input" in capsys.readouterr().err


def test_without_dask_the_option_says_how_to_install(models, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    assert main(["predict", "--models-dir", models, "-i", SAMPLE, "--cluster", "local:2"]) == 1
    err = capsys.readouterr().err.strip()
    assert err == 'error: --cluster needs Dask, which is not installed (pip install "textkit[dask]")'


def test_without_the_option_dask_is_never_imported(models):
    script = (
        "import sys; from textkit.cli import main; "
        f"code = main(['predict', '--models-dir', {models!r}, '-i', {SAMPLE!r}, '-o', '/dev/null']); "
        f"main(['stats', {SAMPLE!r}, '--json']); "
        "assert code == 0; print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))"
    )
    env = {**os.environ, "PYTHONPATH": os.path.join(os.path.dirname(__file__), "..")}
    env.pop("TEXTKIT_DASK_SCHEDULER", None)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_hashing_trained_on_the_cluster_is_the_model_fitted_on_the_same_parts(cluster, tmp_path):
    """Counts and features made by the workers, partial_fit here: the same model as fit_parts on the same parts."""
    from textkit.distributed import run
    from textkit.distributed.partitions import read_partition
    from textkit.themes.hashing import HashingThemeClassifier
    from textkit.workflows.themes import load_classifier

    params = {"n_features": 2**14, "epochs": 2}
    manifest = run.train_hashing(cluster, [SAMPLE], "hashed", models_dir=tmp_path, params=params, target_bytes=30_000)
    assert manifest["data"]["count"] == 455 and manifest["data"]["parts"] > 5
    with distributed.Client(cluster) as client:
        parts = run.partitions(client, [SAMPLE], target_bytes=30_000)

    def local_parts():
        for part in parts:
            articles = list(read_partition(part))
            yield [a.full_text for a in articles], [a.labels for a in articles]

    local = HashingThemeClassifier(**params).fit_parts(local_parts)
    texts = [json.loads(line)["text"] for line in SAMPLE_LINES[:30]]
    np.testing.assert_array_equal(load_classifier("hashed", tmp_path).predict_proba(texts), local.predict_proba(texts))


AUTO_K = {"k_min": 2, "k_max": 4, "k_step": 1, "workers": 1, "passes": 1, "measures": ("c_v",)}


@pytest.mark.slow  # three LDA fits twice: ~30 s on a loaded machine
def test_auto_k_one_task_per_k_scores_coherence_in_the_task(cluster, monkeypatch):
    """Each K's fit and its c_v in one task: the client scores only the final model, and the curve is the same."""
    from textkit.distributed.run import parallel
    from textkit.reading.articles import read_articles
    from textkit.topics import _gensim
    from textkit.topics.model import TopicModel

    scored_here = []
    real = _gensim.coherence_per_topic
    monkeypatch.setattr(
        _gensim, "coherence_per_topic", lambda sets, *a, **k: scored_here.append(len(sets)) or real(sets, *a, **k)
    )
    texts = [a.full_text for a in read_articles(SAMPLE)]
    sequential = TopicModel("auto", **AUTO_K).fit(texts)
    assert scored_here == [3, 1]  # in one process, the 3 K in one pass over the reference; then the final model
    scored_here.clear()
    with parallel(cluster) as client, distributed.get_task_stream(client) as tasks:
        distributed_fit = TopicModel("auto", **AUTO_K).fit(texts)
    assert scored_here == [1]  # the final model only
    assert sum("_quick_fit" in task["key"] for task in tasks.data) == 3
    assert [row["k"] for row in distributed_fit.k_scores_] == [2, 3, 4]
    assert distributed_fit.k_scores_ == sequential.k_scores_
    assert distributed_fit.num_topics_ == sequential.num_topics_


@pytest.mark.slow  # a cluster of its own and three LDA fits twice
def test_auto_k_on_workers_that_cannot_read_the_clients_files(tmp_path, monkeypatch, capsys):
    """A remote cluster: the workers have their own folders and may not open the client's temporary corpus."""
    import tempfile

    client_tmp = tmp_path / "client-tmp"
    client_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(client_tmp))  # where TopicModel.fit writes its bags of words

    def forbid(folder, cwd):
        import builtins

        real_open = builtins.open

        def guarded(file, *args, **kwargs):
            if str(file).startswith(folder):
                raise PermissionError(f"a worker opened the client's file {file}")
            return real_open(file, *args, **kwargs)

        builtins.open = guarded
        os.makedirs(cwd, exist_ok=True)
        os.chdir(cwd)

    args = ["topics", "fit", SAMPLE, "-k", "auto", "--min", "2", "--max", "4", "--step", "1", "--passes", "1"]
    assert main([*args, "--workers", "1", "--models-dir", str(tmp_path / "one")]) == 0
    one = capsys.readouterr().out
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=50,
        local_directory=str(tmp_path / "workers"),
    ) as remote:
        with distributed.Client(remote.scheduler_address) as client:
            client.run(forbid, str(client_tmp), str(tmp_path / "workers-cwd"))
            with pytest.raises(PermissionError):  # the guard works
                client.submit(lambda path: open(path).close(), str(client_tmp / "x")).result()
        assert main([*args, "--models-dir", str(tmp_path / "many"), "--cluster", remote.scheduler_address]) == 0
    many = capsys.readouterr().out
    assert "chosen: K =" in one
    assert many.split("saved topic model")[0] == one.split("saved topic model")[0]  # the K table and the topics


def test_threshold_folds_run_one_per_task_and_give_the_sequential_model(cluster):
    """The internal cross-validation behind the per-label thresholds: each fold one task, the same model."""
    from textkit.distributed.run import parallel
    from textkit.reading.articles import read_articles
    from textkit.themes.classify import ThemeClassifier

    articles = list(read_articles(SAMPLE))
    texts, labels = [a.full_text for a in articles], [a.labels for a in articles]
    sequential = ThemeClassifier(cv=3).fit(texts, labels)
    with parallel(cluster) as client, distributed.get_task_stream(client) as tasks:
        on_cluster = ThemeClassifier(cv=3).fit(texts, labels)
    assert sum("_fold_scores" in task["key"] for task in tasks.data) == 3
    assert sequential.multilabel_ and len(set(sequential.thresholds_.tolist())) > 3  # tuned, not defaults
    np.testing.assert_array_equal(on_cluster.thresholds_, sequential.thresholds_)
    np.testing.assert_array_equal(on_cluster.calibration_, sequential.calibration_)
    np.testing.assert_array_equal(on_cluster.coef_, sequential.coef_)
    assert on_cluster.predict_labels(texts[:60]) == sequential.predict_labels(texts[:60])


@pytest.mark.slow  # two trainings with 3-fold cross-validation
def test_train_cv_folds_on_the_cluster_give_the_same_report(cluster, tmp_path, capsys):
    """--cv folds one per task, and inside each the threshold folds (joblib nests them as tasks of tasks)."""
    from textkit.workflows.themes import load_classifier

    args = ["train", SAMPLE, "--cv", "3"]
    assert main([*args, "--models-dir", str(tmp_path / "a")]) == 0
    one = capsys.readouterr().out.split("saved model")[0]
    assert main([*args, "--models-dir", str(tmp_path / "b"), "--cluster", cluster]) == 0
    assert capsys.readouterr().out.split("saved model")[0] == one
    saved = [load_classifier("themes", tmp_path / folder) for folder in ("a", "b")]
    np.testing.assert_array_equal(saved[1].thresholds_, saved[0].thresholds_)


def test_parts_cover_the_file_on_line_breaks_without_a_blank_tail(tmp_path):
    from textkit.distributed.partitions import plan

    data = tmp_path / "a.jsonl"
    data.write_bytes(b"".join(b'{"text": "%s"}\n' % (b"x" * (i % 7)) for i in range(50)) + b"\n\n")
    parts = plan([str(data)], target_bytes=100)
    content = data.read_bytes()
    assert parts[0].start == 0 and parts[-1].end is None
    assert all(a.end == b.start for a, b in itertools.pairwise(parts))
    assert all(content[p.start - 1 : p.start] == b"\n" for p in parts[1:])
    assert content[parts[-1].start :].strip()  # the trailing blank lines stay with the last real part
    assert len(parts) > 5
