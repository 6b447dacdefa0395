"""What the dashboard shows, built from the public functions of the aggregation module."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from consult_app.accounts.models import OrgCategory, RegionalGroup
from consult_app.consultations.models import Consultation
from consult_app.core.templating import RTL_LANGUAGES
from consult_app.submissions.models import Position
from consult_app.summaries import charts
from consult_app.summaries.aggregation import provision_figures
from consult_app.summaries.consensus import ConsensusResult, classify
from consult_app.summaries.disclosure import (
    SuppressedGroup,
    min_cell_size,
    public_figures,
    public_participation,
    shown_counts,
)
from consult_app.summaries.figures import GroupFigures, Participation, ProvisionFigures
from consult_app.summaries.participation import participation
from consult_app.summaries.settings import ConsensusRule

RANKED = 5


@dataclass(frozen=True)
class HeatColumn:
    label: str
    regional_group: RegionalGroup | None = None
    category: OrgCategory | None = None

    def slice_of(self, figures: ProvisionFigures) -> GroupFigures | None:
        if self.regional_group is not None:
            return figures.by_regional_group.get(self.regional_group)
        assert self.category is not None
        return figures.by_category.get(self.category)


@dataclass(frozen=True)
class HeatRow:
    figures: ProvisionFigures
    cells: list[tuple[GroupFigures | None, charts.HeatCell]]


@dataclass
class Dashboard:
    participation: Participation
    figures: list[ProvisionFigures]
    consensus: dict[int, ConsensusResult]
    columns: list[HeatColumn]
    heat_rows: list[HeatRow]
    #: Provisions by objecting State positions (most first), bracketed ones only.
    most_objected: list[ProvisionFigures]
    #: Provisions no State objected to, the most agreed and widest first.
    without_objection: list[ProvisionFigures]
    charts: dict[str, Markup]


@dataclass(frozen=True)
class _CellTexts:
    """The heat map's texts, translated once per dashboard (hundreds of cells use them)."""

    no_position: str
    #: The translated format string, filled per cell as gettext would fill it.
    description: str
    stances: dict[Position, str]

    @classmethod
    def translated(cls) -> _CellTexts:
        return cls(
            _("no position"),
            _("%(stance)s (%(n)d of %(total)d); net support %(net)+.2f"),
            {p: p.label for p in Position},
        )


def _cell(part: GroupFigures | None, texts: _CellTexts) -> charts.HeatCell:
    if isinstance(part, SuppressedGroup):
        return charts.HeatCell(None, part.note)
    if part is None or not part.taking_position:
        return charts.HeatCell(None, texts.no_position)
    dominant = part.dominant_stance
    net = part.net_support
    return charts.HeatCell(
        net,
        texts.description
        % {
            "stance": texts.stances[dominant] if dominant else "",
            "n": part.stances[dominant] if dominant else 0,
            "total": part.taking_position,
            "net": net or 0.0,
        },
    )


def build_dashboard(
    consultation: Consultation, *, public_only: bool, rule: ConsensusRule | None = None
) -> Dashboard:
    """Participation, per-provision figures, consensus, heat map and rankings."""
    figures = provision_figures(consultation, public_only=public_only, details=False,
                                rule=rule)
    people = participation(consultation, public_only=public_only)
    consensus = {f.provision_id: classify(f) for f in figures}
    if public_only:  # small slices withheld once the indicator is read (F9)
        figures = [public_figures(f) for f in figures]
        people = public_participation(people)
    present = {c for f in figures for c in f.by_category if not c.is_state}
    columns = [HeatColumn(g.label, regional_group=g) for g in RegionalGroup] + [
        HeatColumn(c.label, category=c) for c in OrgCategory if c in present
    ]
    heat_rows = []
    texts = _CellTexts.translated()
    for f in figures:
        cells = []
        for column in columns:
            part = column.slice_of(f)
            cells.append((part, _cell(part, texts)))
        heat_rows.append(HeatRow(f, cells))
    # Rankings as the indicator reads States: objections (each State position once), then
    # the provisions without objection that most States took a position on.
    objected = sorted(
        (f for f in figures if consensus[f.provision_id].objection.positions),
        key=lambda f: (
            -consensus[f.provision_id].objection.positions,
            -consensus[f.provision_id].objection.regional_groups,
            f.position,
        ),
    )[:RANKED]
    unobjected = sorted(
        (
            f
            for f in figures
            if not consensus[f.provision_id].objection.positions
            and consensus[f.provision_id].positions
        ),
        key=lambda f: (
            consensus[f.provision_id].level.order,
            -len(consensus[f.provision_id].positions),
            f.position,
        ),
    )[:RANKED]
    rtl = str(get_locale() or "en").split("_")[0] in RTL_LANGUAGES
    withheld_note = (
        " " + _("Fewer than %(n)d are left out (see the table).", n=min_cell_size())
        if public_only and min_cell_size() > 1
        else ""
    )
    chart_map = {
        "states": charts.bar_chart(
            "chart-states",
            _("States per regional group"),
            _("Number of Member States that made a submission, by regional group.")
            + withheld_note,
            [(g.label, n) for g, n in shown_counts(people.states_by_group)],
            rtl=rtl,
        ),
        "categories": charts.bar_chart(
            "chart-categories",
            _("Organisations per category"),
            _("Number of organisations that made a submission, by category.") + withheld_note,
            [(c.label, n) for c, n in shown_counts(people.by_category)],
            rtl=rtl,
        ),
        "days": charts.column_chart(
            "chart-days",
            _("Submissions over time"),
            _("Number of submissions first submitted on each day (UTC)."),
            [(d.isoformat(), n) for d, n in people.by_day],
            rtl=rtl,
        ),
        "heat": charts.heat_map(
            "chart-heat",
            _("Positions by provision and stakeholder group"),
            _(
                "Each cell is coloured by net support among the organisations of that "
                "regional group or category that took a position: green for support, red "
                "for opposition, grey for none. The table below gives the figures."
            ),
            [f.label for f in figures],
            [c.label for c in columns],
            [[cell for _part, cell in row.cells] for row in heat_rows],
            rtl=rtl,
        ),
    }
    return Dashboard(people, figures, consensus, columns, heat_rows, objected, unobjected,
                     chart_map)
