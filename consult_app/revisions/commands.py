"""`flask texts compare`: a comparison of two versions as HTML or as .docx with tracked
changes (registered on the `texts` group by the application factory)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import render_template

from consult_app.core.errors import UserError
from consult_app.revisions.compare import compare_versions, load_version, template_context
from consult_app.revisions.docx_tracked import comparison_docx
from consult_app.texts.commands import texts_cli


@texts_cli.command("compare")
@click.option("--from", "from_id", type=int, required=True, help="Id of the earlier version.")
@click.option("--to", "to_id", type=int, required=True, help="Id of the later version.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "docx"]),
    default="html",
    show_default=True,
    help="HTML redline, or Word with tracked changes.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="File to write.",
)
@click.option(
    "--author",
    default="consult_app",
    show_default=True,
    help="Author of the tracked changes (.docx).",
)
def compare_command(from_id: int, to_id: int, fmt: str, output: Path, author: str) -> None:
    """Compare two versions provision by provision, following the lineage."""
    old, new = load_version(from_id), load_version(to_id)
    for wanted, found in ((from_id, old), (to_id, new)):
        if found is None:
            raise click.ClickException(f"There is no version with id {wanted}.")
    assert old is not None and new is not None
    try:
        comparison = compare_versions(old, new)
    except UserError as error:
        raise click.ClickException(error.message) from None
    if fmt == "docx":
        data = comparison_docx(comparison, author=author)
    else:
        data = render_template(
            "revisions/comparison_standalone.html", **template_context(comparison)
        ).encode()
    try:
        output.write_bytes(data)
    except OSError as error:
        raise click.ClickException(f"Cannot write {output}: {error.strerror or error}") from None
    counts = comparison.counts()
    click.echo(
        f"Compared version {old.id} with version {new.id}: "
        + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        + f". Written to {output}."
    )
