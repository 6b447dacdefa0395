"""Bulk import of submissions received outside the platform: operation and command."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import openpyxl
import pytest
from sqlalchemy import select

from consult_app.accounts.models import RegionalGroup
from consult_app.core.audit import AuditEntry, verify_chain
from consult_app.core.errors import UserError
from consult_app.core.spreadsheets import MAX_ROWS
from consult_app.extensions import db
from consult_app.submissions.models import (
    Channel,
    Comment,
    CommentKind,
    OnBehalfKind,
    Position,
    Submission,
    SubmissionRevision,
)
from consult_app.submissions.offline_import import ImportRejected, import_offline_file, plan_import
from tests.submissions.conftest import count_submissions

HEADER = [
    "organisation", "channel", "channel_detail", "received_at", "provision", "paragraph",
    "position", "kind", "comment", "proposed_wording", "rationale", "publishable", "on_behalf",
]
MEETING = "Global consultation, Geneva, January 2023"


def good_rows(world) -> list[list[str]]:
    return [
        [world.org.name, "oral", MEETING, "2023-01-20", "PP1", "", "support", "general",
         "We welcome the preamble.", "", "", "yes", "grulac"],
        [world.org.name, "oral", MEETING, "2023-01-20", "Article 2", "1",
         "support_with_amendments", "drafting", "Add peoples.",
         "Everyone and all peoples have the right.", "Clarity.", "yes", "grulac"],
        [world.other_org.name, "letter", "Ref. FT/4", "2023-02-03T10:00+01:00", "3", "",
         "oppose", "", "=Article 3 goes too far.", "", "", "no", ""],
    ]


def csv_bytes(rows: list[list[str]], header: list[str] = HEADER, bom: bool = True) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode()


def xlsx_bytes(rows: list[list[object]], header: list[str] = HEADER) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def nothing_imported() -> bool:
    return (
        count_submissions() == 0
        and db.session.scalars(select(Comment)).first() is None
        and db.session.scalars(select(SubmissionRevision)).first() is None
        and db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "record_offline_submission")
        ).first() is None
    )


def test_csv_import_creates_one_submission_per_organisation_channel_and_detail(world):
    result = import_offline_file(world.secretariat, world.consultation, csv_bytes(good_rows(world)))
    assert len(result.submissions) == 2 and result.comment_count == 3
    assert result.created_count == 2
    submissions = {s.organisation_id: s for s in db.session.scalars(select(Submission))}
    oral = submissions[world.org.id]
    assert oral.channel is Channel.ORAL and oral.channel_detail == MEETING
    assert oral.received_at == datetime(2023, 1, 19, 23, 0, tzinfo=UTC)  # midnight in Zurich
    assert oral.on_behalf_kind is OnBehalfKind.REGIONAL_GROUP
    assert oral.on_behalf_group is RegionalGroup.GRULAC
    assert oral.receipt_number in {s.receipt_number for s in result.submissions}
    letter = submissions[world.other_org.id]
    assert letter.channel is Channel.LETTER
    assert letter.received_at == datetime(2023, 2, 3, 9, 0, tzinfo=UTC)
    assert letter.publishable is False
    comments = db.session.scalars(select(Comment).order_by(Comment.id)).all()
    assert comments[1].paragraph_id == world.articles[1].paragraphs[0].id
    assert comments[1].position is Position.SUPPORT_WITH_AMENDMENTS
    assert comments[1].kind is CommentKind.DRAFTING
    assert comments[1].proposed_wording == "Everyone and all peoples have the right."
    assert comments[2].provision_id == world.articles[2].id
    assert comments[2].body == "=Article 3 goes too far."
    assert comments[2].kind is CommentKind.SUBSTANTIVE
    assert len(db.session.scalars(select(SubmissionRevision)).all()) == 2
    assert verify_chain() == []


def test_xlsx_import(world):
    rows: list[list[object]] = [
        [world.org.name, "Note verbale", "NV 12/2023", datetime(2023, 1, 20), "Article 1", 2.0,
         "Reservation", "substantive", "We reserve our position.", None, None, "no", None],
        [world.org.name, "note_verbale", "NV 12/2023", "2023-01-20", 3, None,
         "propose deletion", "general", "Delete it.", None, None, "No", None],
    ]
    result = import_offline_file(world.secretariat, world.consultation, xlsx_bytes(rows))
    assert len(result.submissions) == 1 and result.comment_count == 2
    submission = db.session.scalars(select(Submission)).one()
    assert submission.channel is Channel.NOTE_VERBALE
    assert submission.publishable is False
    comments = db.session.scalars(select(Comment).order_by(Comment.id)).all()
    assert comments[0].paragraph_id == world.articles[0].paragraphs[1].id
    assert comments[0].position is Position.RESERVATION
    assert comments[1].position is Position.PROPOSE_DELETION
    assert comments[1].provision_id == world.articles[2].id


def test_an_existing_submission_receives_the_rows_as_a_new_revision(world):
    import_offline_file(world.secretariat, world.consultation, csv_bytes(good_rows(world)[:1]))
    result = import_offline_file(
        world.secretariat, world.consultation, csv_bytes(good_rows(world)[1:2])
    )
    assert result.added_count == 1 and result.created_count == 0
    assert result.submissions[0].revision == 2
    assert count_submissions() == 1


BAD_CASES = [
    ("organisation", "Nobody Ltd", "No registered organisation"),
    ("provision", "Article 99", "no provision"),
    ("position", "maybe", "Unknown position"),
    ("received_at", "20/01/2023", "is not a date"),
    ("received_at", "2023-01-20T10:00", "no UTC offset"),
    ("received_at", "2999-01-01", "future"),
    ("channel", "carrier pigeon", "Unknown channel"),
    ("paragraph", "9", "no paragraph"),
    ("comment", "", "Write your comment"),
    ("publishable", "perhaps", "yes or no"),
]


@pytest.mark.parametrize(("column", "value", "message"), BAD_CASES,
                         ids=[f"{c}-{v}" for c, v, _m in BAD_CASES])
def test_a_bad_row_is_reported_with_line_and_column_and_nothing_is_imported(
    world, column, value, message
):
    rows = good_rows(world)
    rows[1][HEADER.index(column)] = value  # line 3 of the file (after the header and row 1)
    with pytest.raises(ImportRejected) as caught:
        import_offline_file(world.secretariat, world.consultation, csv_bytes(rows))
    errors = caught.value.errors
    assert [(e.line, e.column) for e in errors] == [(3, column)]
    assert message in errors[0].message
    assert nothing_imported()


def test_every_bad_row_is_reported(world):
    rows = good_rows(world)
    rows[0][HEADER.index("organisation")] = "Nobody Ltd"
    rows[2][HEADER.index("provision")] = "PP42"
    rows[2][HEADER.index("position")] = "meh"
    with pytest.raises(ImportRejected) as caught:
        import_offline_file(world.secretariat, world.consultation, csv_bytes(rows))
    assert [(e.line, e.column) for e in caught.value.errors] == [
        (2, "organisation"), (4, "provision"), (4, "position")
    ]
    assert nothing_imported()


def test_rows_of_one_submission_must_agree(world):
    rows = good_rows(world)
    rows[1][HEADER.index("received_at")] = "2023-01-21"
    with pytest.raises(ImportRejected) as caught:
        import_offline_file(world.secretariat, world.consultation, csv_bytes(rows))
    assert [(e.line, e.column) for e in caught.value.errors] == [(3, "received_at")]
    assert nothing_imported()


def test_a_failure_while_recording_rolls_back_the_whole_file(world):
    # The second group is refused only when recorded (an online draft would be submitted).
    from consult_app.submissions import operations as ops

    ops.start_submission(world.outsider, world.consultation)
    drafts = count_submissions()
    with pytest.raises(ImportRejected) as caught:
        import_offline_file(world.secretariat, world.consultation, csv_bytes(good_rows(world)))
    assert caught.value.errors[0].line == 4
    assert count_submissions() == drafts
    assert db.session.scalars(select(Comment)).first() is None


def test_header_problems(world):
    header = [h for h in HEADER if h != "position"] + ["colour"]
    rows = [r[:6] + r[7:] + ["blue"] for r in good_rows(world)]
    with pytest.raises(ImportRejected) as caught:
        import_offline_file(world.secretariat, world.consultation, csv_bytes(rows, header))
    found = {(e.line, e.column) for e in caught.value.errors}
    assert found == {(1, "colour"), (1, "position")}
    assert nothing_imported()


def test_dry_run_imports_nothing(world):
    result = import_offline_file(
        world.secretariat, world.consultation, csv_bytes(good_rows(world)), dry_run=True
    )
    assert result.dry_run and len(result.submissions) == 2 and result.comment_count == 3
    assert nothing_imported()


def test_not_a_table(world):
    with pytest.raises(UserError):
        import_offline_file(world.secretariat, world.consultation, b"%PDF-1.4\x00\x01\x02")
    assert nothing_imported()


# --- the command -----------------------------------------------------------------------


def run(app, *args: str):
    db.session.commit()
    return app.test_cli_runner().invoke(args=["submissions", "import", *args])


def test_cli_import(app, world, tmp_path):
    path = tmp_path / "letters.csv"
    path.write_bytes(csv_bytes(good_rows(world)))
    result = run(app, str(path), "--consultation", str(world.consultation.id),
                 "--recorded-by", world.secretariat.email)
    assert result.exit_code == 0, result.output + result.stderr
    assert "Imported 2 submissions" in result.output
    assert "3 comments" in result.output
    db.session.expire_all()
    receipts = [s.receipt_number for s in db.session.scalars(select(Submission))]
    assert len(receipts) == 2
    for receipt in receipts:
        assert receipt in result.output


def test_cli_dry_run(app, world, tmp_path):
    rows = good_rows(world)
    rows[2][HEADER.index("comment")] = "Article 3 goes too far."  # "=…" is a formula in Excel
    path = tmp_path / "letters.xlsx"
    path.write_bytes(xlsx_bytes(rows))
    result = run(app, str(path), "--consultation", str(world.consultation.id),
                 "--recorded-by", world.secretariat.email, "--dry-run")
    assert result.exit_code == 0, result.output + result.stderr
    assert "would record 2 submissions" in result.output
    db.session.expire_all()
    assert nothing_imported()


def test_cli_bad_row_exits_non_zero_and_imports_nothing(app, world, tmp_path):
    rows = good_rows(world)
    rows[2][HEADER.index("received_at")] = "yesterday"
    path = tmp_path / "letters.csv"
    path.write_bytes(csv_bytes(rows))
    result = run(app, str(path), "--consultation", str(world.consultation.id),
                 "--recorded-by", world.secretariat.email)
    assert result.exit_code == 1
    assert "line 4, column received_at" in result.stderr
    db.session.expire_all()
    assert nothing_imported()


def test_cli_refuses_a_contributor_and_an_unknown_consultation(app, world, tmp_path):
    path = tmp_path / "letters.csv"
    path.write_bytes(csv_bytes(good_rows(world)))
    result = run(app, str(path), "--consultation", str(world.consultation.id),
                 "--recorded-by", world.author.email)
    assert result.exit_code != 0
    result = run(app, str(path), "--consultation", "999999",
                 "--recorded-by", world.secretariat.email)
    assert result.exit_code != 0
    db.session.expire_all()
    assert nothing_imported()


def test_control_characters_of_an_imported_file_are_dropped(world):
    rows = good_rows(world)
    rows[0][8] = "We wel\x01come\x07 the pre\x1bamble.\tIndeed."
    rows[1][10] = "Clar\x0bity."
    import_offline_file(world.secretariat, world.consultation, csv_bytes(rows))
    bodies = set(db.session.scalars(select(Comment.body)))
    assert "We welcome the preamble.\tIndeed." in bodies
    assert "Clarity." in set(db.session.scalars(select(Comment.rationale)))


def _rows_of(world, count: int) -> list[list[str]]:
    row = [world.org.name, "letter", "Ref. 20k", "2023-01-20", "Article 1", "", "support", "",
           "", "", "", "yes", ""]
    return [[*row[:8], f"Comment number {n}.", *row[9:]] for n in range(1, count + 1)]


def test_a_file_of_exactly_the_maximum_rows_is_accepted(world):
    # The check of every row (what refused the file), not the recording of 20,000 comments.
    plans = plan_import(world.consultation, csv_bytes(_rows_of(world, MAX_ROWS)))
    assert MAX_ROWS == 20_000
    assert sum(len(plan.comments) for plan in plans) == MAX_ROWS


def test_a_file_of_one_row_more_is_refused(world):
    rows = _rows_of(world, MAX_ROWS + 1)
    with pytest.raises(UserError, match="too many rows"):
        import_offline_file(world.secretariat, world.consultation, csv_bytes(rows))
    assert nothing_imported()


def _formula_workbook(world, *, cached: str | None) -> bytes:
    """A workbook whose `comment` cell is a formula; ``cached``: the value a spreadsheet
    program stored for it (openpyxl stores none; XlsxWriter stores the one given)."""
    row = [world.org.name, "letter", "Ref. F/1", "2023-01-20", "Article 1", "", "support", ""]
    formula = '=CONCATENATE("We support ", "article 1.")'
    if cached is None:
        return xlsx_bytes([[*row, formula]], HEADER[:9])
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, HEADER[:9])
    sheet.write_row(1, 0, row)
    sheet.write_formula(1, 8, formula, None, cached)
    workbook.close()
    return buffer.getvalue()


def test_a_formula_cell_gives_the_value_the_workbook_stores(world):
    data = _formula_workbook(world, cached="We support article 1.")
    import_offline_file(world.secretariat, world.consultation, data)
    assert db.session.scalars(select(Comment.body)).one() == "We support article 1."


def test_a_formula_without_a_stored_value_is_refused_clearly(world):
    data = _formula_workbook(world, cached=None)
    with pytest.raises(UserError) as caught:
        import_offline_file(world.secretariat, world.consultation, data)
    message = caught.value.message
    assert "Cell I2" in message and "Formulas are not accepted" in message
    assert "Write your comment" not in message
    assert nothing_imported()
