"""The secretariat's home, the work waiting (``review.home``, ``review.consultation_home``):
what is left to do in a consultation, from moderation to summaries. It reads the summaries'
state too, so it sits above summaries and joins the review blueprint from here, before the
app factory registers it.
"""

from __future__ import annotations

from flask import render_template
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_login import login_required

from consult_app.consultations.models import Consultation
from consult_app.core.errors import NotAllowed
from consult_app.home import work
from consult_app.review.views import MINE, TO_ANSWER, _load_consultation, _user, bp


def _render_home(consultation: Consultation | None) -> str:
    user = _user()
    if not user.can_see_work_waiting():
        raise NotAllowed(_("Only the secretariat sees the work waiting."))
    waiting = work.work_waiting(user, consultation)
    current = waiting.consultation
    time_left = None
    if current is not None and current.time_left is not None:
        time_left = format_timedelta(current.time_left, granularity="minute")
    return render_template(
        "review/home.html",
        waiting=waiting,
        work=current,
        consultation=current.consultation if current else None,
        time_left=time_left,
        TO_ANSWER=TO_ANSWER,
        MINE=MINE,
        states={
            work.NOT_DRAFTED: _("not drafted"),
            work.UNPUBLISHED: _("not published"),
            work.CHANGED: _("changed since publication"),
            work.PUBLISHED: _("published"),
        },
    )


@bp.get("/")
@login_required
def home() -> str:
    """The work waiting in the consultation a reviewer most likely works on."""
    return _render_home(None)


@bp.get("/<int:consultation_id>/home")
@login_required
def consultation_home(consultation_id: int) -> str:
    return _render_home(_load_consultation(consultation_id))
