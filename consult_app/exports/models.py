"""Tables of the exports capability."""
