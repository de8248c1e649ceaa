"""``textkit serve``: a local web application to label articles (active learning) and explore a corpus.

Needs the ``web`` extra (``pip install -e ".[web]"``) for :mod:`textkit.web.app`;
:mod:`textkit.web.index` uses only the standard library.
"""
