"""Public reading of texts and the secretariat's import (upload -> preview -> save)."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from consult_app.core.errors import NotAllowed, NotFound
from consult_app.core.forms import choices
from consult_app.core.pagination import paginate
from consult_app.extensions import db
from consult_app.texts import operations, uploads
from consult_app.texts.forms import ConfirmImportForm, ImportForm, LanguageImportForm
from consult_app.texts.importer import ImportFormatError, ImportResult, parse_document
from consult_app.texts.languages import (
    align,
    read,
    reading_language,
    save_translation,
    update_flags,
)
from consult_app.texts.models import (
    TEXT_LANGUAGES,
    Instrument,
    Provision,
    TextVersion,
    language_name,
)

bp = Blueprint("texts", __name__, url_prefix="/texts")
logger = logging.getLogger(__name__)


def _require_text_manager() -> None:
    if not current_user.can_manage_texts():
        raise NotAllowed(_("Only the secretariat can import texts."))


# --- public pages ----------------------------------------------------------------------


@bp.get("/")
def list_instruments() -> str:
    query = (
        select(Instrument)
        .options(selectinload(Instrument.versions))
        .order_by(Instrument.title, Instrument.id)
    )
    pagination = paginate(query, current_app.config["PER_PAGE"])
    version_ids = [v.id for instrument in pagination.items for v in instrument.versions]
    counts: dict[int, int] = {}
    if version_ids:
        counts = dict(
            db.session.execute(
                select(Provision.version_id, func.count(Provision.id))
                .where(Provision.version_id.in_(version_ids))
                .group_by(Provision.version_id)
            ).all()
        )
    return render_template("texts/list.html", pagination=pagination, counts=counts)


@bp.get("/versions/<int:version_id>")
def show_version(version_id: int) -> str:
    version = db.session.get(
        TextVersion,
        version_id,
        options=[
            selectinload(TextVersion.provisions).selectinload(Provision.paragraphs),
            selectinload(TextVersion.provisions).selectinload(Provision.footnotes),
            selectinload(TextVersion.footnotes),
            selectinload(TextVersion.instrument),
        ],
    )
    if version is None or not version.can_view(current_user):
        raise NotFound(_("This text does not exist."))
    readings = read(version.provisions, version, str(get_locale()))
    return render_template(
        "texts/version.html",
        version=version,
        readings={r.provision.id: r for r in readings},
        reading_language=reading_language(version, str(get_locale())) or version.language,
        language_names={code: language_name(code) for code in TEXT_LANGUAGES},
    )


# --- import (secretariat) --------------------------------------------------------------


def _instrument_choices() -> list[SelectChoice]:
    rows = db.session.execute(
        select(Instrument.id, Instrument.title).order_by(Instrument.title, Instrument.id)
    ).all()
    return choices([(0, _("A new instrument")), *((row.id, row.title) for row in rows)])


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_text() -> str | Response:
    _require_text_manager()
    form = ImportForm()
    form.instrument.choices = _instrument_choices()
    form.language.choices = _language_choices()
    if form.validate_on_submit():
        data = _read_upload(form)
        if data is not None:
            token = uploads.store(
                current_user.id,
                data,
                (form.file.data.filename or "upload")[-255:],
                form.title.data.strip(),
                (form.symbol.data or "").strip() or None,
                form.issued_on.data,
                form.instrument.data or None,
                language=form.language.data,
            )
            return redirect(url_for("texts.preview_import", token=token))
    return render_template("texts/import.html", form=form)


def _language_choices(leave_out: str | None = None) -> list[SelectChoice]:
    return choices((code, language_name(code)) for code in TEXT_LANGUAGES if code != leave_out)


def _read_upload(form: ImportForm | LanguageImportForm) -> bytes | None:
    """The uploaded bytes when within the size limit and readable; else None, with the
    form's error set."""
    upload = form.file.data
    limit = int(current_app.config["MAX_IMPORT_BYTES"])
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        form.file.errors.append(
            _("The file is too large (at most %(size)s MB).", size=round(limit / 2**20, 1))
        )
        return None
    try:
        parse_document(data, upload.filename)
    except ImportFormatError as error:
        form.file.errors.append(error.message)
        return None
    return bytes(data)


def _version_for_language(version_id: int) -> TextVersion:
    version = db.session.get(
        TextVersion,
        version_id,
        options=[selectinload(TextVersion.provisions).selectinload(Provision.paragraphs)],
    )
    if version is None:
        raise NotFound(_("This text does not exist."))
    return version


@bp.route("/versions/<int:version_id>/languages", methods=["GET", "POST"])
@login_required
def import_language(version_id: int) -> str | Response:
    """Upload the same version in another language; the preview shows the alignment."""
    _require_text_manager()
    version = _version_for_language(version_id)
    form = LanguageImportForm()
    form.language.choices = _language_choices(leave_out=version.language)
    if form.validate_on_submit():
        data = _read_upload(form)
        if data is not None:
            token = uploads.store(
                current_user.id,
                data,
                (form.file.data.filename or "upload")[-255:],
                version.title,
                None,
                None,
                None,
                language=form.language.data,
                version_id=version.id,
            )
            return redirect(url_for("texts.preview_import", token=token))
    return render_template(
        "texts/import_language.html",
        form=form,
        version=version,
        update_flags=update_flags(version),
        language_names={code: language_name(code) for code in TEXT_LANGUAGES},
    )


def _pending(token: str) -> uploads.PendingImport:
    pending = uploads.load(token, current_user.id)
    if pending is None:
        raise NotFound(_("This import preview is no longer available. Upload the file again."))
    return pending


@bp.get("/import/<token>")
@login_required
def preview_import(token: str) -> str | Response:
    _require_text_manager()
    saved = uploads.saved_version(token, current_user.id)
    if saved is not None:
        return redirect(url_for("texts.show_version", version_id=saved))
    pending = _pending(token)
    try:
        result: ImportResult = parse_document(pending.data(), pending.filename)
    except (ImportFormatError, OSError) as error:
        raise NotFound(
            _("This import preview is no longer available. Upload the file again.")
        ) from error
    form = ConfirmImportForm(token=token)
    if pending.version_id is not None:
        version = _version_for_language(pending.version_id)
        return render_template(
            "texts/preview_language.html",
            pending=pending,
            result=result,
            counts=result.counts(),
            version=version,
            language=language_name(pending.language or ""),
            alignment=align(version, result, pending.language or ""),
            form=form,
        )
    instrument = (
        db.session.get(Instrument, pending.instrument_id) if pending.instrument_id else None
    )
    return render_template(
        "texts/preview.html",
        pending=pending,
        result=result,
        counts=result.counts(),
        instrument=instrument,
        form=form,
    )


@bp.post("/import/save")
@login_required
def save_import() -> Response:
    _require_text_manager()
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        raise NotFound(_("This import preview is no longer available. Upload the file again."))
    token = form.token.data
    saved = uploads.saved_version(token, current_user.id)
    if saved is not None:
        flash(_("This text was already saved."), "info")
        return redirect(url_for("texts.show_version", version_id=saved))
    pending = _pending(token)
    if pending.version_id is not None:
        return _save_language(token, pending)
    instrument = None
    if pending.instrument_id:
        instrument = db.session.get(Instrument, pending.instrument_id)
        if instrument is None:
            raise NotFound(_("The instrument chosen for this import no longer exists."))
    if not uploads.claim(token):
        raise NotFound(_("This import preview is no longer available. Upload the file again."))
    try:
        try:
            result = parse_document(pending.data(), pending.filename)
        except (ImportFormatError, OSError) as error:
            raise NotFound(
                _("This import preview is no longer available. Upload the file again.")
            ) from error
        version = operations.import_text(
            current_user,
            result,
            title=pending.title,
            symbol=pending.symbol,
            issued_on=pending.issued_on,
            instrument=instrument,
            source_filename=pending.filename,
            language=pending.language or "en",
        )
    except Exception:
        uploads.release(token)
        raise
    uploads.finish(token, current_user.id, version.id)
    flash(_("The text was saved as a new version."), "success")
    return redirect(url_for("texts.show_version", version_id=version.id))


def _save_language(token: str, pending: uploads.PendingImport) -> Response:
    version = _version_for_language(pending.version_id or 0)
    if not uploads.claim(token):
        raise NotFound(_("This import preview is no longer available. Upload the file again."))
    try:
        try:
            result = parse_document(pending.data(), pending.filename)
        except (ImportFormatError, OSError) as error:
            raise NotFound(
                _("This import preview is no longer available. Upload the file again.")
            ) from error
        language = pending.language or ""
        save_translation(
            current_user,
            version,
            language,
            result,
            align(version, result, language),
            source_filename=pending.filename,
        )
    except Exception:
        uploads.release(token)
        raise
    uploads.finish(token, current_user.id, version.id)
    flash(
        _("The %(language)s version of the text was saved.", language=language_name(language)),
        "success",
    )
    return redirect(url_for("texts.show_version", version_id=version.id))
