"""The raw sample dump segments back into exactly the corpus articles it was made from."""

import json
from pathlib import Path

from textkit.reading.articles import read_articles
from textkit.text.clean import clean_text

ROOT = Path(__file__).resolve().parents[1]


def test_every_article_of_the_sample_dump_is_recovered_without_noise():
    expected = [json.loads(line) for line in (Path(__file__).parent / "fixtures" / "sample_dump_expected.jsonl").open()]
    corpus = {a.id: a for a in read_articles(ROOT / "data" / "articles.jsonl")}
    stream = read_articles(ROOT / "data" / "sample_dump.txt")
    found = list(stream)
    assert len(found) == len(expected) == 45
    for article, want in zip(found, expected):
        # Two headlines carry a final stop in the dump only; the segmenter keeps what it sees.
        assert article.headline.rstrip(".") == want["headline"].rstrip("."), want["id"]
        assert (article.place, article.source) == (want["place"], want["source"]), want["id"]
        assert article.text.split()[:8] == want["text_start"].split(), want["id"]
        assert article.text == clean_text(corpus[want["id"]].text), want["id"]
    assert stream.stats.skipped["noise blocks"] == 86
