"""Junk filtering of the topic tokenizer (``Tokenizer(drop_junk=True)``): exact on small inputs."""

from __future__ import annotations

import base64

from textkit.text.tokenize import Tokenizer
from textkit.topics.corpus import topic_tokenizer

UU_LINE = "M" + "'XU,3W4)..<VW8<VW8V,K*RLISECQMV',\\V-AM/&U!/,I!<W-M<VW8RMC*ECS8"[:60]


def test_uuencoded_lines_are_dropped_and_the_words_around_them_kept():
    assert len(UU_LINE) == 61
    text = f"begin 644 picture.gif\n{UU_LINE}\n{UU_LINE}\nend of the picture"
    assert topic_tokenizer().tokenize(text) == ["begin", "picture", "gif", "end", "picture"]
    # without the filter the line leaves encoded fragments
    assert "mxu" in Tokenizer(min_length=3, keep_mixed=False).tokenize(text)


def test_base64_runs_and_random_case_words_are_dropped():
    encoded = base64.b64encode(b"hello world, this is a base64 test string").decode()
    text = f"attachment {encoded} aGVsbG8gV29y follows"
    assert topic_tokenizer().tokenize(text) == ["attachment", "follows"]


def test_unpronounceable_words_go_but_abbreviations_and_names_stay():
    text = "The NHL and BBC strengths HTML nrhjq qxbvnm McDonald iPhone"
    assert topic_tokenizer().tokenize(text) == ["nhl", "bbc", "strengths", "html", "mcdonald", "iphone"]


def test_non_latin_text_is_untouched():
    text = "Москва столица России"
    assert topic_tokenizer().tokenize(text) == Tokenizer(min_length=3, keep_mixed=False).tokenize(text)
    assert topic_tokenizer().get_params()["drop_junk"] is True
