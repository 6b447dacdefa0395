"""Build the demo consultation: a sample draft declaration written for this project,
organisations of every category and regional group, accounts for each role, and
submissions with comments and amendments, all made through the real operations."""

from __future__ import annotations

import logging
import random
import secrets
from dataclasses import dataclass, replace
from datetime import timedelta
from importlib import resources

from sqlalchemy import func, select

from consult_app.accounts.models import (
    Organisation,
    OrgCategory,
    RegionalGroup,
    Role,
    User,
    VerificationStatus,
)
from consult_app.consultations.languages import save_content_translation
from consult_app.consultations.models import Consultation, PublicationMode
from consult_app.consultations.operations import open_consultation
from consult_app.core.models import utcnow
from consult_app.exports.models import ReportBody
from consult_app.exports.operations import save_report_settings
from consult_app.extensions import db
from consult_app.submissions.models import CommentKind, OnBehalfKind, Position
from consult_app.submissions.operations import (
    CommentFields,
    SubmissionDetails,
    add_comment,
    start_submission,
    submit_submission,
    update_submission_details,
)
from consult_app.texts.importer import parse_document
from consult_app.texts.languages import align, save_translation
from consult_app.texts.models import Provision, ProvisionKind, TextVersion
from consult_app.texts.operations import import_text

logger = logging.getLogger(__name__)

# Demo sign-in accounts, printed by `flask demo load` and listed in the README.
DEMO_ACCOUNTS = {
    Role.CONTRIBUTOR: ("contributor@example.org", "contributor-demo-2026"),
    Role.SECRETARIAT: ("secretariat@example.org", "secretariat-demo-2026"),
    Role.ADMIN: ("admin@example.org", "admin-demo-2026"),
}

# Fictional stakeholders: no real State or organisation is made to say anything.
ORGANISATIONS: list[tuple[str, OrgCategory, RegionalGroup | None, bool]] = [
    ("Republic of Kasunga", OrgCategory.MEMBER_STATE, RegionalGroup.AFRICAN, True),
    ("Federal Republic of Mboria", OrgCategory.MEMBER_STATE, RegionalGroup.AFRICAN, True),
    ("Kingdom of Lesaro", OrgCategory.MEMBER_STATE, RegionalGroup.AFRICAN, True),
    ("Republic of Tarvana", OrgCategory.MEMBER_STATE, RegionalGroup.ASIA_PACIFIC, True),
    ("Kingdom of Siravat", OrgCategory.MEMBER_STATE, RegionalGroup.ASIA_PACIFIC, True),
    ("Union of Pahari Islands", OrgCategory.MEMBER_STATE, RegionalGroup.ASIA_PACIFIC, True),
    ("Republic of Velinia", OrgCategory.MEMBER_STATE, RegionalGroup.EASTERN_EUROPEAN, True),
    ("Republic of Dravonia", OrgCategory.MEMBER_STATE, RegionalGroup.EASTERN_EUROPEAN, True),
    ("Republic of San Aurelio", OrgCategory.MEMBER_STATE, RegionalGroup.GRULAC, True),
    ("Plurinational State of Quenara", OrgCategory.MEMBER_STATE, RegionalGroup.GRULAC, True),
    ("Commonwealth of Bellamar", OrgCategory.MEMBER_STATE, RegionalGroup.GRULAC, True),
    ("Kingdom of Nordhavn", OrgCategory.MEMBER_STATE, RegionalGroup.WEOG, True),
    ("Republic of Alvera", OrgCategory.MEMBER_STATE, RegionalGroup.WEOG, True),
    ("Grand Duchy of Lorsburg", OrgCategory.MEMBER_STATE, RegionalGroup.WEOG, True),
    ("State of Meridia", OrgCategory.OBSERVER_STATE, None, True),
    ("Southern Seas Cooperation Organisation", OrgCategory.IGO, None, True),
    ("United Nations Office on Shared Risk Reduction", OrgCategory.UN_ENTITY, None, True),
    ("National Human Rights Commission of Velinia", OrgCategory.NHRI, None, True),
    ("Solidarity Without Borders Network", OrgCategory.NGO, None, True),
    ("Coalition for Climate Justice", OrgCategory.NGO, None, True),
    ("Digital Rights Collective", OrgCategory.NGO, None, False),
    (
        "Institute for International Solidarity Law, University of Alvera",
        OrgCategory.ACADEMIC,
        None,
        True,
    ),
    ("Forum of Medicine Producers", OrgCategory.BUSINESS, None, True),
    ("Dr. Amina Example", OrgCategory.INDIVIDUAL, None, True),
]

CONTRIBUTOR_ORGANISATION = "Kingdom of Nordhavn"

# The consultation's title and description in French and Arabic (language, title,
# description), written for the demo.
DEMO_CONTENT = [
    (
        "fr",
        "Consultation mondiale sur le projet révisé de déclaration",
        "Les États, les organisations intergouvernementales, les entités des Nations Unies, "
        "les institutions nationales des droits de l'homme, la société civile, les milieux "
        "universitaires et les autres parties prenantes sont invités à commenter le projet "
        "révisé, article par article, et à proposer des amendements.",
    ),
    (
        "ar",
        "المشاورة العالمية بشأن مشروع الإعلان المنقح",
        "الدول والمنظمات الحكومية الدولية وكيانات الأمم المتحدة والمؤسسات الوطنية لحقوق "
        "الإنسان والمجتمع المدني والأوساط الأكاديمية وسائر أصحاب المصلحة مدعوون إلى التعليق "
        "على المشروع المنقح، مادةً مادة، واقتراح التعديلات.",
    ),
]

COMMENT_TEXTS: dict[Position, list[str]] = {
    Position.SUPPORT: [
        "We support {label} as drafted. It reflects obligations that States have already "
        "accepted and should be retained without change.",
        "{label} is balanced and clear. We encourage the Independent Expert to keep it in "
        "the next version.",
    ],
    Position.SUPPORT_WITH_AMENDMENTS: [
        "We support the purpose of {label} but propose the wording below, which states the "
        "scope of the obligation more precisely.",
        "{label} is welcome. A small change would align it with the language agreed in "
        "earlier resolutions of the Council.",
    ],
    Position.OPPOSE: [
        "We cannot support {label}. It presents as a legal duty what is, in our view, a "
        "policy commitment without a basis in State practice.",
    ],
    Position.RESERVATION: [
        "We reserve our position on {label} until its relationship with existing treaty "
        "obligations has been clarified.",
    ],
    Position.PROPOSE_DELETION: [
        "We propose deleting {label}: its content is already covered elsewhere in the draft "
        "and repeating it weakens the text.",
    ],
    Position.NO_POSITION: [
        "We take note of {label} and ask the secretariat to explain how it would relate to "
        "the work of existing mechanisms.",
    ],
}

AMENDMENTS = [
    ("shall", "should"),
    ("States", "States, in accordance with their national legislation,"),
    ("everyone", "every person"),
    ("Everyone", "Every person"),
    ("international cooperation", "international cooperation and assistance"),
]

RATIONALES = [
    "The proposed wording follows language already agreed by consensus.",
    "This change avoids creating obligations beyond existing international law.",
    "The amendment makes the provision easier to implement at the national level.",
]


@dataclass
class DemoSummary:
    consultation: Consultation
    organisations: int
    submissions: int
    comments: int


def database_is_empty() -> bool:
    return not db.session.scalar(select(func.count()).select_from(User))


def _make_user(
    email: str, password: str, name: str, role: Role, organisation: Organisation | None
) -> User:
    user = User(
        email=email, name=name, role=role, organisation=organisation, timezone="Europe/Zurich"
    )
    user.set_password(password)
    db.session.add(user)
    return user


def _amend(text: str, rng: random.Random) -> str | None:
    candidates = [(old, new) for old, new in AMENDMENTS if old in text]
    if not candidates:
        suffix = ", with particular attention to persons in vulnerable situations."
        return text.rstrip(".;,") + suffix
    old, new = rng.choice(candidates)
    return text.replace(old, new, 1)


def load_demo(seed: int = 2023) -> DemoSummary:
    """Create the demo consultation (the caller commits)."""
    rng = random.Random(seed)
    now = utcnow()

    organisations: dict[str, Organisation] = {}
    for name, category, group, verified in ORGANISATIONS:
        org = Organisation(
            name=name,
            category=category,
            regional_group=group,
            ecosoc_status=category is OrgCategory.NGO and verified,
            verification_status=(
                VerificationStatus.VERIFIED if verified else VerificationStatus.PENDING
            ),
            verified_at=now if verified else None,
        )
        db.session.add(org)
        organisations[name] = org
    db.session.flush()

    email, password = DEMO_ACCOUNTS[Role.SECRETARIAT]
    secretariat = _make_user(email, password, "Secretariat Officer", Role.SECRETARIAT, None)
    email, password = DEMO_ACCOUNTS[Role.ADMIN]
    _make_user(email, password, "Platform Administrator", Role.ADMIN, None)
    email, password = DEMO_ACCOUNTS[Role.CONTRIBUTOR]
    _make_user(
        email,
        password,
        "Delegate of Nordhavn",
        Role.CONTRIBUTOR,
        organisations[CONTRIBUTOR_ORGANISATION],
    )
    db.session.flush()

    source = resources.files("consult_app.demo").joinpath("declaration.md").read_bytes()
    result = parse_document(source, "declaration.md")
    version: TextVersion = import_text(
        secretariat,
        result,
        title="Revised draft declaration on international solidarity in the face of shared risks",
        symbol="A/HRC/DEMO/1",
        issued_on=(now - timedelta(days=40)).date(),
        source_filename="declaration.md",
    )
    # French and Arabic language versions, written for the demo: the preamble and the first
    # articles only, so that the other articles show the note that they are in English.
    for language in ("fr", "ar"):
        name = f"declaration.{language}.md"
        translated = parse_document(
            resources.files("consult_app.demo").joinpath(name).read_bytes(), name
        )
        save_translation(
            secretariat,
            version,
            language,
            translated,
            align(version, translated, language),
            source_filename=name,
        )
    consultation = open_consultation(
        secretariat,
        version,
        title="Global consultation on the revised draft declaration",
        description=(
            "States, intergovernmental organisations, United Nations entities, national "
            "human rights institutions, civil society, academia and other stakeholders are "
            "invited to comment on the revised draft, article by article, and to propose "
            "amendments."
        ),
        opens_at=now - timedelta(days=30),
        closes_at=now + timedelta(days=60),
        timezone="Europe/Zurich",
        categories=list(OrgCategory),
        publication_mode=PublicationMode.IMMEDIATE,
        publish_submissions=True,
        allow_attribution=True,
        instructions=(
            "Comment on each provision separately. Give your position, your comment and, "
            "where you propose new wording, the wording itself: it is shown as a redline "
            "against the current text. You may write in any of the six official languages."
        ),
    )
    db.session.flush()
    # Its title and description in French and Arabic, written for the demo; the
    # instructions are left in English so that readers see the marked fallback.
    for language, title, description in DEMO_CONTENT:
        save_content_translation(
            secretariat,
            consultation,
            language,
            {"title": title, "description": description, "instructions": None},
            {},
            {},
        )
    # The masthead of the consensus report, as a secretariat would fill it in.
    save_report_settings(
        secretariat,
        consultation,
        symbol="A/HRC/DEMO/2",
        body=ReportBody.HUMAN_RIGHTS_COUNCIL,
        session="Sixty-second session",
        session_dates="15 June to 10 July 2026",
        agenda_item="3",
        agenda_title=(
            "Promotion and protection of all human rights, civil, political, economic, social "
            "and cultural rights, including the right to development"
        ),
        title="Outcome of the global consultation on the revised draft declaration on "
        "international solidarity in the face of shared risks",
        subtitle="Report of the secretariat",
    )

    provisions = list(
        db.session.scalars(
            select(Provision).where(Provision.version_id == version.id).order_by(Provision.position)
        )
    )
    articles = [p for p in provisions if p.kind is ProvisionKind.ARTICLE]
    positions = list(Position)
    weights = [30, 28, 10, 10, 6, 6]

    submissions = comments = 0
    for index, (name, _category, _group, _verified) in enumerate(ORGANISATIONS):
        if name == CONTRIBUTOR_ORGANISATION:
            continue  # left empty for whoever signs in as the demo contributor
        org = organisations[name]
        delegate = _make_user(
            f"delegate{index + 1}@example.org",
            secrets.token_urlsafe(16),
            f"Focal point of {name}",
            Role.CONTRIBUTOR,
            org,
        )
        db.session.flush()
        submission = start_submission(delegate, consultation)
        chosen = rng.sample(provisions, k=min(len(provisions), rng.randint(2, 6)))
        if name == "Republic of Kasunga":
            chosen = articles[:]  # a full, article-by-article statement
        for provision in sorted(chosen, key=lambda p: p.position):
            position = rng.choices(positions, weights)[0]
            paragraphs = [p for p in provision.paragraphs if p.level == 0] or None
            paragraph = rng.choice(paragraphs) if paragraphs and rng.random() < 0.6 else None
            base = paragraph.text if paragraph else provision.plain_text()
            proposed = _amend(base, rng) if position is Position.SUPPORT_WITH_AMENDMENTS else None
            add_comment(
                delegate,
                submission,
                provision,
                CommentFields(
                    position=position,
                    kind=CommentKind.DRAFTING
                    if proposed and rng.random() < 0.3
                    else CommentKind.SUBSTANTIVE,
                    body=rng.choice(COMMENT_TEXTS[position]).format(label=provision.label),
                    paragraph=paragraph,
                    proposed_wording=proposed,
                    rationale=rng.choice(RATIONALES) if proposed else None,
                ),
            )
            comments += 1
        remarks = (
            f"{name} thanks the Independent Expert for the revised draft and for the "
            "open and transparent consultation process."
        )
        details = SubmissionDetails(general_remarks=remarks)
        if name == "Republic of Kasunga":
            details = replace(
                details,
                on_behalf_kind=OnBehalfKind.REGIONAL_GROUP,
                on_behalf_group=RegionalGroup.AFRICAN,
            )
        elif name == "Coalition for Climate Justice":
            details = replace(
                details,
                on_behalf_kind=OnBehalfKind.COALITION,
                on_behalf_name="the Climate and Solidarity Coalition (42 organisations)",
            )
        elif name == "Solidarity Without Borders Network":
            cosigners = ["Digital Rights Collective", ORGANISATIONS[21][0]]
            details = replace(details, cosigner_ids=[organisations[n].id for n in cosigners])
        elif name == "Forum of Medicine Producers":
            # Asked not to be published: counted in the figures, never named.
            details = replace(details, publishable=False)
        update_submission_details(delegate, submission, details)
        db.session.flush()
        submit_submission(delegate, submission, submission.lock_version)
        submissions += 1

    db.session.flush()
    return DemoSummary(consultation, len(organisations), submissions, comments)
