"""Pieces every capability shares: base model, errors, audit log, formatting."""
