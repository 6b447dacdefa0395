"""The headings of United Nations lists of participants, in their order: States Members,
observer States, United Nations entities, intergovernmental organizations, national human
rights institutions, non-governmental organizations (in consultative status with ECOSOC, then
others), academic institutions, business, individuals. The report's participants annex and the
consultation's public record of contributors list organisations under them.
"""

from __future__ import annotations

from flask_babel import gettext as _

from consult_app.accounts.models import OrgCategory


#: (key, heading) of the participants annex, in the order of United Nations lists.
def participant_headings() -> list[tuple[str, str]]:
    return [
        ("member_state", _("States Members of the United Nations")),
        ("observer_state", _("Non-member States represented by observers")),
        ("un_entity", _("United Nations entities, funds, programmes and specialized agencies")),
        ("igo", _("Intergovernmental organizations")),
        ("nhri", _("National human rights institutions")),
        (
            "ngo_ecosoc",
            _(
                "Non-governmental organizations in consultative status with the "
                "Economic and Social Council"
            ),
        ),
        ("ngo", _("Other non-governmental organizations")),
        ("academic", _("Academic and research institutions")),
        ("business", _("Business enterprises")),
        ("individual", _("Individuals")),
    ]


def participant_key(category: OrgCategory, ecosoc: bool) -> str:
    """The key of the participants heading an organisation is listed under."""
    if category is OrgCategory.NGO and ecosoc:
        return "ngo_ecosoc"
    return category.value
