"""Tables of the summaries capability."""
