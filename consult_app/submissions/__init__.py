"""Submissions of organisations: comments, amendments, attachments, receipts, revisions."""
