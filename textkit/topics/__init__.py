"""Topic models: LDA on a streamed corpus, its quality, its summary and its HTML report.

:mod:`~textkit.topics.corpus` (texts, tokens, bags of words on disk) →
:mod:`~textkit.topics.model` (:class:`~textkit.topics.model.TopicModel`, the estimator),
scored by :mod:`~textkit.topics.quality` (coherence, diversity, the rule that picks K),
summarised by :mod:`~textkit.topics.summary` and reported by :mod:`~textkit.topics.report`;
:mod:`~textkit.topics.seeds` reads seeds files. :mod:`~textkit.topics._gensim` alone
touches gensim's internals.
"""
