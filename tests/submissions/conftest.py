"""Fixtures for the submission tests: a consultation, its text and three kinds of user."""

from __future__ import annotations

import io
from dataclasses import dataclass

import docx
import pytest
from sqlalchemy import select

from consult_app.accounts.models import Organisation, OrgCategory, RegionalGroup, Role, User
from consult_app.consultations.models import Consultation
from consult_app.extensions import db
from consult_app.submissions.models import Submission
from consult_app.texts.models import Provision, ProvisionKind
from tests.conftest import make_consultation, make_org, make_user


def pdf_bytes(text: str = "Note verbale of the delegation.") -> bytes:
    """A real one-page PDF (attachments are opened, not only sniffed)."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=1)
    page.drawString(72, 720, text)
    page.showPage()
    page.save()
    return buffer.getvalue()


PDF_BYTES = pdf_bytes()


def docx_bytes(text: str = "Comments of the delegation.") -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@dataclass
class World:
    consultation: Consultation
    org: Organisation
    author: User
    colleague: User
    other_org: Organisation
    outsider: User
    secretariat: User

    @property
    def articles(self) -> list[Provision]:
        return list(
            db.session.scalars(
                select(Provision)
                .where(
                    Provision.version_id == self.consultation.version_id,
                    Provision.kind == ProvisionKind.ARTICLE,
                )
                .order_by(Provision.position)
            )
        )

    @property
    def preamble(self) -> list[Provision]:
        return list(
            db.session.scalars(
                select(Provision)
                .where(
                    Provision.version_id == self.consultation.version_id,
                    Provision.kind == ProvisionKind.PREAMBLE,
                )
                .order_by(Provision.position)
            )
        )


@pytest.fixture
def world() -> World:
    consultation = make_consultation()
    org = make_org("Republic of Testland", category=OrgCategory.MEMBER_STATE,
                   group=RegionalGroup.GRULAC)
    other_org = make_org("Friends of Testing")
    return World(
        consultation=consultation,
        org=org,
        author=make_user(organisation=org),
        colleague=make_user(organisation=org),
        other_org=other_org,
        outsider=make_user(organisation=other_org),
        secretariat=make_user(role=Role.SECRETARIAT),
    )


def count_submissions() -> int:
    return len(db.session.scalars(select(Submission)).all())
