"""What submissions tell the layers above it (blinker signals; receivers connect at app start).

- ``submission_received``: a submission got a new revision (first submission or resubmission),
  sent by ``submit_submission`` after its flush and audit entry, before the request commits.
  Sender: the Submission; keyword arguments ``user`` (who submitted) and ``revision``. Review
  sends the receipt e-mail (``review.notifications.connect_signals``).
- ``comments_bulk_insert_starts`` and ``comments_bulk_insert_ends``: one statement is about
  to insert many comments, and has (``offline_bulk.write``, in the import's transaction;
  the second sent even when the insert failed). Sender: None; the second's keyword
  ``ids``: the first and last id of the comments inserted, None if the insert failed. The
  figures' counts (``summaries.counts.connect_signals``) are then kept for all the rows at
  once rather than row by row.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

submission_received = _signals.signal("submission-received")
comments_bulk_insert_starts = _signals.signal("comments-bulk-insert-starts")
comments_bulk_insert_ends = _signals.signal("comments-bulk-insert-ends")
