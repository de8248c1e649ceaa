"""Use cases the shells (CLI, web page) call: one function per command."""
