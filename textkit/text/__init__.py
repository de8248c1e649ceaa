"""Text processing: cleaning, tokenizing, corpus statistics."""
