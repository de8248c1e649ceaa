"""The raw sample dump segments back into exactly the corpus articles it was made from."""

import json
from pathlib import Path

from textkit.reading.articles import read_articles
from textkit.text.clean import clean_text

ROOT = Path(__file__).resolve().parents[1]


def test_every_article_of_the_sample_dump_is_recovered_without_noise():
    # The last seven come from pages like real state-media ones: sub-headings inside
    # bodies (kept as paragraphs of their article), "Check Also" boxes and photo captions
    # (noise), a caption between headline and dateline.
    expected = [json.loads(line) for line in (Path(__file__).parent / "fixtures" / "sample_dump_expected.jsonl").open()]
    corpus = {a.id: a for a in read_articles(ROOT / "data" / "articles.jsonl")}
    stream = read_articles(ROOT / "data" / "sample_dump.txt")
    found = list(stream)
    assert len(found) == len(expected) == 52
    for article, want in zip(found, expected):
        # Two headlines carry a final stop in the dump only; the segmenter keeps what it sees.
        assert article.headline.rstrip(".") == want["headline"].rstrip("."), want["id"]
        assert (article.place, article.source) == (want["place"], want["source"]), want["id"]
        assert article.text.split()[:8] == want["text_start"].split(), want["id"]
        assert article.text == clean_text(corpus[want["id"]].text), want["id"]
    assert stream.stats.skipped["noise blocks"] == 102


def test_sub_headings_of_the_sample_dump_stay_inside_their_articles():
    found = {a.headline: a for a in read_articles(ROOT / "data" / "sample_dump.txt")}
    corpus = {a.id: a for a in read_articles(ROOT / "data" / "articles.jsonl")}
    for article_id, sub_heading in [
        ("r4-001", "People's Assembly condemns the terrorist attack on the workers"),
        ("r4-003", "Families describe the return"),
        ("r5-004", "Workers' representatives raise their demands"),
        ("r5-002", "Council members call for faster housing projects"),
        ("r5-001", "Minister affirms support"),
    ]:
        article = found[corpus[article_id].headline]
        assert sub_heading in article.text.split("\n\n")[1:-1], article_id
        assert sub_heading not in found
    captions = ("Photo: NNA", "(File photo)", "Check Also")
    assert not any(c in a.text for a in found.values() for c in captions)
