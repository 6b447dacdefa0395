"""Backup and restore of the whole platform: every table, the stored files, the audit chain
checked and the counts rebuilt on restore. Above every capability (it rebuilds the
summaries' counts).
"""
