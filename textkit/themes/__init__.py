"""Themes: a multi-label classifier, its features, evaluation and explanations."""
