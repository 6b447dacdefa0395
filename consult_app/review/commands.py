"""`flask review ...`: review tools for the secretariat."""

from __future__ import annotations

import json
import logging

import click
from flask.cli import AppGroup

from consult_app.consultations.models import Consultation
from consult_app.core.errors import UserError
from consult_app.extensions import db

logger = logging.getLogger(__name__)

review_cli = AppGroup("review", help="Review of comments.")


@review_cli.command("duplicates")
@click.option("--consultation", "consultation_id", type=int, required=True,
              help="Id of the consultation whose comments are compared.")
@click.option("--threshold", type=click.FloatRange(0.0, 1.0, min_open=True), default=None,
              help="Estimated Jaccard similarity (word 3-grams) from which two comments "
                   "are near-identical; default 0.6.")
@click.option("--json", "as_json", is_flag=True, help="Print the groups as JSON.")
@click.option("--save/--no-save", default=True, show_default=True,
              help="Store the suggested groups (--no-save only prints what would be stored).")
def duplicates(
    consultation_id: int, threshold: float | None, as_json: bool, save: bool
) -> None:
    """Find near-identical comments and campaigns of a consultation and print the groups.

    Confirmed and dismissed groups are kept; earlier suggestions are replaced. Streams the
    comments from the database, so it suits consultations of any size.
    """
    from consult_app.review.grouping import detect_duplicates, groups_report

    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None:
        raise click.ClickException(f"Consultation {consultation_id} does not exist.")
    try:
        result = detect_duplicates(None, consultation, threshold)
        groups = groups_report(consultation)
    except UserError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    except Exception:
        db.session.rollback()
        raise
    if save:
        db.session.commit()
    else:
        db.session.rollback()
        # Groups created by this run were not stored: they have no id.
        for group in groups:
            if group["id"] in result.created_ids:
                group["id"] = None
    if as_json:
        click.echo(
            json.dumps(
                {
                    "consultation": consultation_id,
                    "threshold": result.threshold,
                    "groups": groups,
                    "comments_scanned": result.comments_scanned,
                }
            )
        )
        return
    for group in groups:
        click.echo(
            "group {id}\t{kind}\t{status}\t{size} comments\t{organisations} organisations\t"
            "similarity {similarity}\trepresentative {representative_comment_id}".format(
                **{**group, "id": group["id"] if group["id"] is not None else "(new)"}
            )
        )
    click.echo(
        f"{result.comments_scanned} comments scanned at threshold {result.threshold}: "
        f"{result.suggested} groups suggested ({result.campaigns} campaigns), "
        f"{result.reviewed_kept} reviewed groups kept, "
        f"{result.not_resuggested} dismissed sets not suggested again"
        + ("." if save else "; nothing was saved (--no-save).")
    )
