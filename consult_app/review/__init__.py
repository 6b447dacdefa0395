"""Review of comments."""
