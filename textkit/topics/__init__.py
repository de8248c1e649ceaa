"""Topic models: LDA on a streamed corpus, its summary and its HTML report."""
