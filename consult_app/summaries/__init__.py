"""Aggregation, consensus indicators, dashboard and narrative summaries."""
