"""The audit log's pages (trail, filters, CSV export) and what the capabilities' codes mean in
it (the log itself and its labels are in core: every capability writes to it)."""
