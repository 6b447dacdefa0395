"""Instruments, their versions and provisions; import from files; redlines."""
