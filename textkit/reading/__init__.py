"""Reading articles: files, folders, raw dumps."""
