"""textkit serve over plain HTTP: escaping, token, CSRF and origin checks, malformed requests, the answers file."""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re
import sys

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

from starlette.testclient import TestClient
from web_support import SAMPLE, save_models

from textkit.web.app import SHOWN_DIFFERENCES, create_app, highlight
from textkit.web.server import ServeOptions, make_state

BASE = "http://127.0.0.1"
EVIL = '<script>alert("x")</script>'


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    save_models(folder)
    return folder


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """The sample corpus plus one article whose headline and body carry markup."""
    path = tmp_path_factory.mktemp("data") / "articles.jsonl"
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    evil = {
        "id": "evil-1",
        "headline": f"Minister {EVIL}",
        "text": f"The minister said {EVIL} & <b>more</b>.",
        "date": "2024-03-01",
        "source": "<i>src</i>",
        "place": "Damascus",
    }
    path.write_text("\n".join([json.dumps(evil), *lines]) + "\n", encoding="utf-8")
    return path


def client_for(data, models, tmp_path, host="127.0.0.1", **extra):
    options = ServeOptions(
        data=str(data),
        model="themes",
        topics="topics",
        labels=str(tmp_path / "answers.jsonl"),
        index=str(data.parent / "index.sqlite"),  # built by the first test, shared (it never changes)
        models_dir=str(models),
        host=host,
        background=False,
        **extra,
    )
    state = make_state(options)
    return TestClient(create_app(state), base_url=BASE, follow_redirects=False), state


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def named(client) -> str:
    """Give a name; the CSRF token of the session."""
    token = csrf_of(client.get("/label").text)
    response = client.post("/name", data={"name": "ana", "csrf": token})
    assert response.status_code == 303
    return token


def test_article_text_is_escaped_everywhere(data, models, tmp_path):
    client, state = client_for(data, models, tmp_path)
    n = state.index.find("evil-1").n
    for path in (f"/article/{n}", "/search?q=minister+alert", "/search?source=%3Ci%3Esrc%3C%2Fi%3E"):
        page = client.get(path).text
        assert "<script>alert" not in page and "<b>more" not in page and "<i>src" not in page, path
    page = client.get(f"/article/{n}").text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "Content-Security-Policy" in client.get("/overview").headers
    # Chart data holding a source name with markup cannot close its <script> element.
    overview = client.get("/overview").text
    assert "<i>src" not in overview and "\\u003ci\\u003esrc" in overview


def test_highlight_escapes_text_and_marks_terms():
    assert (
        str(highlight("a <b> Foreign  Minister", ["foreign minister"])) == "a &lt;b&gt; <mark>Foreign  Minister</mark>"
    )
    assert str(highlight("<x>", [])) == "&lt;x&gt;"


def test_label_loop_writes_answers_at_once_and_resumes(data, models, tmp_path):
    client, state = client_for(data, models, tmp_path)
    token = named(client)
    page = client.get("/label").text
    n = int(re.search(r'name="n" value="(\d+)"', page).group(1))
    theme = state.labeller.themes[0]
    response = client.post("/label", data={"n": n, "action": "accept", "theme": [theme], "csrf": token})
    assert response.status_code == 303
    lines = (tmp_path / "answers.jsonl").read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[-1])
    assert record["labels"] == [theme] and record["annotator"] == "ana" and record["text"]
    assert re.search(r'name="n" value="(\d+)"', client.get("/label").text).group(1) != str(n)
    # A new server on the same files never offers the answered article again.
    _, state2 = client_for(data, models, tmp_path)
    assert all(state2.labeller.next("ana", "random") != n for _ in range(50))
    assert state2.labeller.log.counts() == {theme: 1}


def test_answers_file_trains_with_textkit_train(data, models, tmp_path):
    from textkit.cli import main

    client, state = client_for(data, models, tmp_path)
    token = named(client)
    for _ in range(6):
        n = int(re.search(r'name="n" value="(\d+)"', client.get("/label?mode=random").text).group(1))
        labels = list(state.index.get(n).article.labels) or ["economy"]
        client.post("/label", data={"n": n, "action": "accept", "theme": labels, "mode": "random", "csrf": token})
    assert (
        main(["train", str(tmp_path / "answers.jsonl"), "--name", "fromweb", "--models-dir", str(tmp_path / "m")]) == 0
    )


def test_post_without_csrf_token_or_from_another_origin_is_refused(data, models, tmp_path):
    client, _ = client_for(data, models, tmp_path)
    token = named(client)
    form = {"n": 1, "action": "accept", "theme": ["economy"]}
    assert client.post("/label", data=form).status_code == 403
    assert client.post("/label", data={**form, "csrf": "forged"}).status_code == 403
    refused = client.post("/label", data={**form, "csrf": token}, headers={"Origin": "http://evil.example"})
    assert refused.status_code == 403 and "cross-site" in refused.text
    cross = client.post("/label", data={**form, "csrf": token}, headers={"Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 403
    assert not (tmp_path / "answers.jsonl").read_text()
    ok = client.post("/label", data={**form, "csrf": token}, headers={"Origin": BASE})
    assert ok.status_code == 303


def test_another_host_header_is_refused(data, models, tmp_path):
    client, _ = client_for(data, models, tmp_path)
    assert client.get("/overview", headers={"Host": "evil.example"}).status_code == 400


def test_token_is_required_when_listening_beyond_loopback(data, models, tmp_path):
    client, state = client_for(data, models, tmp_path, host="0.0.0.0")
    assert state.token
    assert client.get("/overview").status_code == 403
    assert client.get("/static/app.js").status_code == 403
    assert client.get("/compare").status_code == 403 and client.get("/compare.json").status_code == 403
    assert client.get("/overview?token=wrong").status_code == 403
    entry = client.get(f"/overview?token={state.token}&source=NNA")
    assert entry.status_code == 303 and entry.headers["location"] == "/overview?source=NNA"
    assert client.get("/overview").status_code == 200  # the cookie now carries it
    fresh = TestClient(client.app, base_url=BASE)
    assert fresh.get("/overview", headers={"Authorization": f"Bearer {state.token}"}).status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "form", "status", "message"),
    [
        ("get", "/article/999999", None, 404, "no article number 999999"),
        ("get", "/article/abc", None, 404, ""),
        ("get", "/topics/99", None, 404, "no topic 99"),
        ("get", "/search?topic=x", None, 400, "topic must be a whole number"),
        ("get", "/search?q=a&from=2024-13", None, 400, "is not YYYY-MM-DD"),
        ("get", "/label?mode=clever", None, 400, "unknown mode"),
        ("get", "/label?mode=disagreement", None, 400, "not trained from keyword rules"),
        ("get", "/static/../../etc/passwd", None, 404, ""),
        ("get", "/static/index.py", None, 404, "no such file"),
        ("post", "/label", {"n": "x", "action": "accept"}, 400, "n must be a whole number"),
        ("post", "/label", {"n": "1", "action": "burn"}, 400, "action must be accept or skip"),
        ("post", "/label", {"n": "1", "action": "accept", "theme": ["nonsense"]}, 400, "unknown theme(s): nonsense"),
        ("post", "/label", {"n": "1", "action": "accept"}, 400, "tick at least one theme"),
        ("post", "/label", {"n": "999999", "action": "skip"}, 404, "no article number"),
        ("post", "/name", {"name": "<script>"}, 400, "a name is 1 to 40"),
        ("post", "/topics/0/label", {"label": ""}, 400, "is empty"),
        ("put", "/label", None, 405, ""),
        ("get", "/compare?by=colour", None, 400, "by must be one of source, month, place"),
        ("get", "/compare?model=bogus", None, 400, "model must be one of themes, topics"),
        ("get", "/compare?from=2024-13", None, 400, "from must be a date YYYY-MM-DD"),
        ("get", "/compare?to=June", None, 400, "to must be a date YYYY-MM-DD"),
        ("get", "/compare?confidence=95", None, 400, "confidence must be a number between 0.5 and 0.999"),
        ("get", "/compare?confidence=x", None, 400, "confidence must be a number"),
        ("get", "/compare?resamples=5", None, 400, "resamples must be between 100 and 5000"),
        ("get", "/compare?resamples=1e9", None, 400, "resamples must be a whole number"),
        ("get", "/compare?min_group=1", None, 400, "min_group must be at least 2"),
        ("get", "/compare?source=Nowhere", None, 400, "unknown source"),
        ("get", "/compare?source=NNA", None, 400, "1 source group(s) with at least 10 articles"),
        ("get", "/compare.csv?table=words", None, 400, "table must be shares or differences"),
        ("get", "/compare.xml", None, 404, "no such download"),
    ],
)
def test_malformed_requests_get_a_4xx_with_a_message_and_the_server_keeps_going(
    data, models, tmp_path, method, path, form, status, message
):
    client, _ = client_for(data, models, tmp_path)
    token = named(client)
    if form is not None:
        form = {**form, "csrf": token}
    response = getattr(client, method)(path, data=form) if form is not None else getattr(client, method)(path)
    assert response.status_code == status
    assert message in response.text
    assert client.get("/overview").status_code == 200


def test_pages_render(data, models, tmp_path):
    client, _ = client_for(data, models, tmp_path)
    overview = client.get("/overview").text
    assert overview.count('type="application/json"') == 5  # month, source, themes x2, topics
    assert client.get("/overview?source=NNA").status_code == 200
    topic = client.get("/topics/0").text
    assert topic.count('href="/article/') == 10
    results = client.get("/search?q=wheat+harvest").text
    assert "wheat" in results.lower() and 'href="/article/' in results
    assert "0 articles" in client.get("/search?q=zzzqqq").text
    assert client.get("/search?theme=economy&source=NNA&from=2024-01-01&to=2024-06-30").status_code == 200
    assert client.get("/static/plotly.min.js").headers["content-type"].startswith("text/javascript")


def test_relabel_a_topic_from_the_page_saves_the_model(data, models, tmp_path):
    import shutil

    from textkit.workflows.topics import load_topic_model

    own = tmp_path / "models"
    shutil.copytree(models, own)
    client, _ = client_for(data, own, tmp_path)
    token = csrf_of(client.get("/topics/1").text)
    response = client.post("/topics/1/label", data={"label": "Harvest <and> trade", "csrf": token})
    assert response.status_code == 303 and response.headers["location"] == "/topics/1"
    assert "Topic 1: Harvest &lt;and&gt; trade" in client.get("/topics/1").text
    assert load_topic_model("topics", own)[0].labels_[1] == "Harvest <and> trade"


def test_two_annotators_and_their_agreement(data, models, tmp_path):
    client, _ = client_for(data, models, tmp_path)
    other = TestClient(client.app, base_url=BASE, follow_redirects=False)
    tokens = {}
    for name, who in (("ana", client), ("ben", other)):
        tokens[name] = csrf_of(who.get("/label").text)
        who.post("/name", data={"name": name, "csrf": tokens[name]})
    for n, (a, b) in zip(
        (5, 6, 7, 8),
        [("economy", "economy"), ("economy", "military"), ("military", "military"), ("military", "military")],
    ):
        client.post("/label", data={"n": n, "action": "accept", "theme": [a], "csrf": tokens["ana"]})
        other.post("/label", data={"n": n, "action": "accept", "theme": [b], "csrf": tokens["ben"]})
    status = client.get("/status").json()
    assert status["answers"] == 8 and status["agreement"]["annotators"] == ["ana", "ben"]
    (pair,) = status["agreement"]["pairs"]
    assert pair["articles"] == 4 and pair["kappa"]["economy"] == 0.5 and pair["kappa"]["military"] == 0.5
    lines = [json.loads(line) for line in (tmp_path / "answers.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["annotator"] for r in lines] == ["ana", "ben"] * 4
    assert "Agreement" in client.get("/label").text


def _cli_comparison(data, models, kind, by, **options):
    from textkit.reading.articles import read_articles
    from textkit.workflows.analysis import compare_saved

    return compare_saved(read_articles(data), kind, by, models_dir=str(models), **options).to_dict()


@pytest.mark.parametrize(
    ("query", "kind", "by", "options"),
    [
        ("", "themes", "source", {}),
        ("?model=topics&by=month&resamples=300", "topics", "month", {"resamples": 300}),
        (
            "?model=themes&by=place&min_group=5&confidence=0.9&seed=3",
            "themes",
            "place",
            {"min_group": 5, "confidence": 0.9, "seed": 3},
        ),
    ],
)
def test_compare_page_gives_the_numbers_of_textkit_compare(data, models, tmp_path, query, kind, by, options):
    client, _ = client_for(data, models, tmp_path)
    expected = _cli_comparison(data, models, kind, by, **options)
    assert client.get(f"/compare.json{query}").json() == json.loads(json.dumps(expected))
    page = client.get(f"/compare{query}")
    assert page.status_code == 200 and page.text.count('type="application/json"') == 1
    supported = sorted((d for d in expected["differences"] if d["supported"]), key=lambda d: -abs(d["difference"]))
    shown = supported[:SHOWN_DIFFERENCES]  # largest first; the CSV has them all
    assert page.text.count("<tr><td>") == len(shown) + len(expected["groups"])  # differences, then shares
    cells = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td>", page.text)
    assert cells[: len(shown)] == [
        (html.escape(d["column"]), d["group_a"], d["group_b"], f"{d['difference']:+.3f}") for d in shown
    ]
    assert (f"the first {SHOWN_DIFFERENCES} shown" in page.text) == (len(supported) > SHOWN_DIFFERENCES)
    shares = client.get(f"/compare.csv{query}{'&' if query else '?'}table=shares")
    assert (
        shares.headers["content-type"].startswith("text/csv") and "attachment" in shares.headers["content-disposition"]
    )
    rows = list(csv.DictReader(io.StringIO(shares.text)))
    assert [(r["group"], r["column"], float(r["share"]), float(r["low"])) for r in rows] == [
        (r["group"], r["column"], r["share"], r["low"]) for r in expected["shares"]
    ]


def test_compare_page_filters_are_textkit_compare_on_the_filtered_articles(data, models, tmp_path):
    client, _ = client_for(data, models, tmp_path)
    kept = [
        line
        for line in data.read_text(encoding="utf-8").splitlines()
        if json.loads(line)["source"] == "NNA" and "2024-02-01" <= json.loads(line)["date"][:10] <= "2024-09-30"
    ]
    part = tmp_path / "part.jsonl"
    part.write_text("\n".join(kept) + "\n", encoding="utf-8")
    expected = _cli_comparison(part, models, "topics", "month", resamples=200)
    query = "model=topics&by=month&source=NNA&from=2024-02-01&to=2024-09-30&resamples=200"
    assert client.get(f"/compare.json?{query}").json() == json.loads(json.dumps(expected))
    page = client.get(f"/compare?{query}").text
    assert re.findall(r"<tr><td>(\d{4}-\d{2})</td>", page) == [g["group"] for g in expected["groups"]]
    assert 'id="command"' not in page  # filtered: no single textkit compare command gives this
    # The download link asks for the same comparison.
    link = html.unescape(re.search(r'href="(/compare\.json\?[^"]+)"', page).group(1))
    assert client.get(link).json() == json.loads(json.dumps(expected))


def test_compare_page_links_and_escapes(data, models, tmp_path):
    client, _ = client_for(data, models, tmp_path)
    overview = client.get("/overview").text
    assert overview.count('href="/compare"') == 2  # the navigation and the overview
    assert 'href="/compare?model=topics&amp;by=month"' in overview  # topic prevalence over time, with intervals
    one = client.get("/overview?source=NNA").text
    assert 'href="/compare?source=NNA&amp;by=month"' in one
    assert (
        client.get(html.unescape(re.search(r'href="(/compare\?model=topics[^"]*)"', one).group(1))).status_code == 200
    )
    assert "textkit compare articles.jsonl -m themes --by source" in client.get("/compare").text
    # A source named with markup (in a group too small to compare) is an option of the form, escaped.
    page = client.get("/compare?min_group=2&by=source").text
    assert "<i>src" not in page and "&lt;i&gt;src&lt;/i&gt;" in page
    assert client.get("/compare?model=topics&by=place&min_group=2").status_code == 200


def test_warm_up_computes_the_default_comparisons_once_and_a_request_waits_for_one_under_way(
    data, models, tmp_path, monkeypatch
):
    import threading

    from textkit.analysis import compare
    from textkit.web.app import warm_comparisons

    client, state = client_for(data, models, tmp_path)
    expected = json.loads(json.dumps(_cli_comparison(data, models, "themes", "source")))
    compute = compare.compare_groups
    calls = []
    release = threading.Event()

    def counted(keys, rows, columns, **options):
        calls.append((options["measure"], options["by"]))
        if len(calls) == 1:
            release.wait(10)  # the first view (themes by source) is still being computed when the page asks for it
        return compute(keys, rows, columns, **options)

    monkeypatch.setattr(compare, "compare_groups", counted)
    warming = warm_comparisons(state)
    asked = {}
    asking = threading.Thread(target=lambda: asked.update(response=client.get("/compare.json")))
    asking.start()
    asking.join(0.5)  # the request is waiting: without the warm-up's result it would have computed its own
    if sys.platform == "linux":  # the warm-up runs at a lower priority than the pages
        assert os.getpriority(os.PRIO_PROCESS, warming.native_id) > os.getpriority(os.PRIO_PROCESS, 0)
    release.set()
    asking.join(30)
    warming.join(60)
    assert warming.daemon and not warming.is_alive()
    themes, topics = compare.MEASURES["themes"], compare.MEASURES["topics"]
    assert calls == [(themes, "source"), (topics, "source"), (themes, "month"), (topics, "month")]
    assert asked["response"].json() == expected
    assert len(state.comparisons) == 4 and not state.computing
    for query in ("", "?model=topics", "?by=month", "?model=topics&by=month"):  # the defaults: read, not computed
        assert client.get(f"/compare{query}").status_code == 200
    assert len(calls) == 4


def test_a_request_waiting_for_a_comparison_that_fails_gets_the_same_error(data, models, tmp_path, monkeypatch):
    import threading

    from textkit.analysis import compare

    client, state = client_for(data, models, tmp_path)
    compute = compare.compare_groups
    calls = []
    release = threading.Event()

    def counted(*args, **options):
        calls.append(options["by"])
        release.wait(10)
        return compute(*args, **options)

    monkeypatch.setattr(compare, "compare_groups", counted)
    answers = []
    asking = [threading.Thread(target=lambda: answers.append(client.get("/compare.json?source=NNA"))) for _ in range(2)]
    for thread in asking:
        thread.start()
        thread.join(0.5)
    release.set()
    for thread in asking:
        thread.join(30)
    assert len(calls) == 1  # one source: nothing to compare, found once
    (status, text), *others = [(a.status_code, a.text) for a in answers]
    assert status == 400 and "1 source group(s) with at least 10 articles" in text and others == [(status, text)]
    assert not state.comparisons and not state.computing  # an error is not kept: asked again, computed again
    assert client.get("/compare?source=NNA").status_code == 400 and len(calls) == 2


RULES = """
[themes.sport]
words = ["football", "stadium", "goal*"]
against = ["betting"]
[themes.economy]
words = ["inflation", "shares", "bank"]
"""


def test_rule_disagreement_mode_for_a_model_trained_from_rules(models, tmp_path):
    import random

    from textkit.reading.articles import Article
    from textkit.workflows.themes import train_model

    rng = random.Random(0)
    sport = ["football", "stadium", "goals", "players", "coach", "league", "season", "fans"]
    economy = ["inflation", "shares", "bank", "prices", "market", "rates", "growth", "exports"]
    records = [{"id": "conflict", "text": "football betting ring exposed by reporters"}]
    for i in range(60):
        words = rng.sample(sport if i % 2 else economy, 5) + rng.sample(["city", "week", "report", "said", "new"], 3)
        records.append({"id": f"a{i}", "text": " ".join(words)})
    data = tmp_path / "corpus.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    (tmp_path / "rules.toml").write_text(RULES, encoding="utf-8")
    articles = [Article(id=r["id"], text=r["text"]) for r in records]
    train_model(articles, "weak", models_dir=models, rules=tmp_path / "rules.toml")
    options = ServeOptions(
        data=str(data),
        model="weak",
        labels=str(tmp_path / "answers.jsonl"),
        index=str(tmp_path / "index.sqlite"),
        models_dir=str(models),
        background=False,
    )
    state = make_state(options)
    client = TestClient(create_app(state), base_url=BASE, follow_redirects=False)
    token = named(client)
    page = client.get("/label").text
    assert '<a href="/label?mode=disagreement">rule disagreement</a>' in page
    order = state.index.disagreement_order()
    assert order[0] == 1 and len(order) > 1  # one rule for sport, one against: 0.5, and first of the ties
    for n in order[1:]:
        # The others: unanimous rules the classifier contradicts (0.5 too).
        score, fired = state.index.disagreement(n)  # type: ignore[misc]
        themes = {name.split()[0] for name in fired}
        assert score == 0.5 and len(themes) == 1 and not themes & set(state.index.get(n).themes)
    page = client.get("/label?mode=disagreement").text
    assert 'data-id="conflict"' in page and "<strong>rule disagreement</strong>" in page
    assert "Rules disagree (0.50): sport +football, sport -betting" in page
    form = {"n": "1", "action": "skip", "mode": "disagreement", "csrf": token}
    assert client.post("/label", data=form).headers["location"] == "/label?mode=disagreement"
    assert f'data-n="{order[1]}"' in client.get("/label?mode=disagreement").text


def test_rule_disagreement_mode_is_not_offered_for_a_model_trained_on_labels(data, models, tmp_path):
    client, _ = client_for(data, models, tmp_path)
    named(client)
    page = client.get("/label").text
    assert 'href="/label?mode=random"' in page and "disagreement" not in page


def test_a_skip_survives_a_restart_of_the_server(data, models, tmp_path):
    client, _ = client_for(data, models, tmp_path)
    token = named(client)
    first = re.search(r'data-n="(\d+)"', client.get("/label").text).group(1)
    response = client.post("/label", data={"n": first, "action": "skip", "mode": "uncertainty", "csrf": token})
    assert response.status_code == 303
    # A new server on the same answers file (uncertainty order: the same queue as before).
    client, state = client_for(data, models, tmp_path)
    named(client)
    assert f'data-n="{first}"' not in client.get("/label").text
    assert (tmp_path / "answers.jsonl").read_text() == ""  # a skip is not an answer
    assert state.labeller.log.skipped() == {"ana": [state.index.get(int(first)).article.id]}
