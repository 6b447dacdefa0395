"""`flask summaries ...`: upkeep of the figures' counts.

Registered on the summaries blueprint (``bp.cli``), so the group is ``flask summaries``.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from consult_app.consultations.models import Consultation
from consult_app.extensions import db
from consult_app.summaries.counts import compare, recount_figures

summaries_cli = AppGroup("summaries", help="Figures and summaries.")


def _consultations(consultation_id: int | None) -> list[Consultation]:
    if consultation_id is None:
        return list(db.session.scalars(select(Consultation).order_by(Consultation.id)))
    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None:
        raise click.ClickException(f"No consultation {consultation_id}.")
    return [consultation]


@summaries_cli.command("recount")
@click.option("--consultation", "consultation_id", type=int, default=None,
              help="Number of the consultation (default: every consultation).")
@click.option("--check", is_flag=True,
              help="Only compare the counts with the comments and report the differences; "
                   "exit with status 1 if there are any. Writes nothing.")
def recount_command(consultation_id: int | None, check: bool) -> None:
    """Rebuild the counts behind the dashboard and the figures from the comments.

    The database keeps them up to date by itself (triggers); this repairs them after a
    restore or a bulk load that bypassed the triggers. Each consultation is recounted and
    committed on its own, with an audit entry.
    """
    found = 0
    for consultation in _consultations(consultation_id):
        if check:
            differences = compare(consultation.id)
            db.session.rollback()
        else:
            try:
                result = recount_figures(None, consultation)
            except Exception:
                db.session.rollback()
                raise
            db.session.commit()
            differences = result.differences
        found += sum(d.rows for d in differences)
        if not differences:
            click.echo(f"consultation {consultation.id}: counts match the comments"
                       + ("" if check else f"; recounted {_rows(result.written)}"))
            continue
        for difference in differences:
            click.echo(
                f"consultation {consultation.id}: {difference.table}: "
                f"{difference.missing} rows missing or wrong, "
                f"{difference.unexpected} rows unexpected or wrong"
            )
            for example in difference.examples:
                click.echo(f"  {example}")
        if not check:
            click.echo(f"consultation {consultation.id}: recounted {_rows(result.written)}")
    if check and found:
        raise click.exceptions.Exit(1)


def _rows(written: dict[str, int]) -> str:
    return ", ".join(f"{table} {n} rows" for table, n in written.items())
