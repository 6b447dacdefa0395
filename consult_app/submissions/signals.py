"""What submissions tell the layers above it (blinker signals; receivers connect at app start).

- ``submission_received``: a submission got a new revision (first submission or resubmission),
  sent by ``submit_submission`` after its flush and audit entry, before the request commits.
  Sender: the Submission; keyword arguments ``user`` (who submitted) and ``revision``. Review
  sends the receipt e-mail (``review.notifications.connect_signals``).
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

submission_received = _signals.signal("submission-received")
