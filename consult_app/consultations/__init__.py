"""Consultation rounds on a text version: dates, eligibility, publication rules."""
