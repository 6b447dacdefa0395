"""Organisations, users, registration, sign-in and roles."""
