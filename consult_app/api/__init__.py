"""The public JSON read API, version 1."""
