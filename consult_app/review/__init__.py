"""Secretariat review: queue, moderation, themes, dispositions, duplicates and campaigns.

``duplicates`` finds near-identical comments (form letters, copy-pasted campaign text, the
same text with small edits) with MinHash signatures and locality-sensitive hashing, in a
streaming pass that stores a fixed-size signature per comment and never the texts.
``corpus`` generates a synthetic consultation corpus with planted campaigns and
``evaluation`` scores predicted groups against its ground truth (pairwise precision and
recall); ``bench/duplicates.py`` runs both at 100,000 and 1,000,000 comments.
"""
