"""Analyses across a corpus: near-duplicate stories (:mod:`.dedup`), shares compared across groups (:mod:`.compare`)."""
