"""Build the demo consultation: a sample draft declaration written for this project,
organisations of every category and regional group, accounts for each role, submissions
with comments, amendments and written submissions, and the secretariat's work under way
(documents reviewed, a campaign confirmed, dispositions and summaries published), all made
through the real operations. Deterministic: the same data on every load."""

from __future__ import annotations

import io
import logging
import random
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from importlib import resources
from zoneinfo import ZoneInfo

import docx
from sqlalchemy import func, select

from consult_app.accounts.models import (
    Organisation,
    OrgCategory,
    RegionalGroup,
    Role,
    User,
    VerificationStatus,
)
from consult_app.consultations.models import Consultation, PublicationMode
from consult_app.consultations.operations import open_consultation
from consult_app.core.models import utcnow
from consult_app.exports.models import ReportBody
from consult_app.exports.operations import save_report_settings
from consult_app.extensions import db
from consult_app.review.dispositions import publish_dispositions, record_disposition
from consult_app.review.grouping import answer_group, confirm_group, detect_duplicates
from consult_app.review.models import DuplicateGroup, GroupKind, Outcome, WithheldReason
from consult_app.review.moderation import moderate_attachment
from consult_app.submissions.attachments import add_attachment
from consult_app.submissions.commenting import CommentFields, add_comment
from consult_app.submissions.models import (
    Attachment,
    Comment,
    CommentKind,
    ModerationStatus,
    OnBehalfKind,
    Position,
)
from consult_app.submissions.operations import (
    SubmissionDetails,
    start_submission,
    update_submission_details,
)
from consult_app.submissions.submitting import submit_submission
from consult_app.summaries.content_languages import save_content_translation
from consult_app.summaries.models import SummaryDraft
from consult_app.summaries.operations import generate_summaries, publish_summary
from consult_app.texts.importer import parse_document
from consult_app.texts.languages import align, save_translation
from consult_app.texts.models import Provision, TextVersion
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
# Not a hash of any password ("method$salt$hash"): checking any password against it fails.
UNUSABLE_PASSWORD = "!unusable"  # noqa: S105  (a marker, not a secret)

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

# The demo's comments are written from three parts (an opening, the position, a closing),
# each chosen by the organisation and the provision, so that no two organisations write the
# same text by accident: the duplicate detection then finds only the planned campaign and
# the planned pair of duplicates.
OPENINGS = [
    "Having studied {label} with its capital, the delegation offers the following view.",
    "Our experts examined {label} against national practice.",
    "On {label}, we draw on consultations held with our line ministries.",
    "We have considered {label} in the light of our constitutional framework.",
    "Turning to {label}, our delegation recalls its statements at earlier sessions.",
    "With respect to {label}, our comments reflect the work of an interministerial group.",
    "Concerning {label}, we build on the views expressed during the regional consultation.",
    "As regards {label}, our position results from a review by our legal advisers.",
    "Regarding {label}, we speak from the experience of recent emergencies at home.",
    "In relation to {label}, our parliament's committee on foreign affairs was consulted.",
    "Our reading of {label} is informed by the practice of our courts.",
    "On the question addressed by {label}, we consulted civil society at home.",
    "Looking at {label} as a whole, we wish to place three points on record.",
]

POSITION_SENTENCES: dict[Position, list[str]] = {
    Position.SUPPORT: [
        "The provision on {topic} reflects obligations already accepted and should be "
        "retained as drafted.",
        "We find the text on {topic} balanced and clear, and encourage the Independent "
        "Expert to keep it unchanged.",
        "This wording on {topic} is consistent with agreed language; we support it fully.",
        "We welcome the treatment of {topic} and would not reopen it.",
    ],
    Position.SUPPORT_WITH_AMENDMENTS: [
        "We support the purpose of the text on {topic} but propose the wording below, which "
        "states the scope of the obligation more precisely.",
        "A drafting change would align the language on {topic} with resolutions adopted by "
        "consensus; our proposal follows.",
        "We could accept the approach to {topic} if it were qualified as proposed below.",
        "The idea behind {topic} is sound; the amendment below would make it workable.",
    ],
    Position.OPPOSE: [
        "We cannot support the text on {topic}: it presents as a legal duty what is a policy "
        "commitment without a basis in State practice.",
        "The language on {topic} goes beyond existing international law and we object to it.",
    ],
    Position.RESERVATION: [
        "We reserve our position on {topic} until its relationship with treaty obligations "
        "has been clarified.",
        "Pending instructions, our delegation places a reservation on the text on {topic}.",
    ],
    Position.PROPOSE_DELETION: [
        "We propose deleting the text on {topic}: its content is covered elsewhere and "
        "repeating it weakens the declaration.",
    ],
    Position.NO_POSITION: [
        "We take note of the text on {topic} and ask how it would relate to the work of "
        "existing mechanisms.",
    ],
}

CLOSINGS = [
    "We remain available to discuss this with the secretariat.",
    "We look forward to the next round of informal consultations.",
    "These remarks are without prejudice to our final position on the declaration.",
    "We thank the Independent Expert for the open process.",
    "Our delegation will elaborate orally at the next session.",
    "We hope other delegations can join this understanding.",
    "Further written input may follow after consultations at home.",
    "We would welcome a reply in the disposition of comments.",
    "Similar concerns have been raised by partners in our region.",
    "This view is shared across our government.",
    "We trust the next version will reflect this.",
]

# The campaign: near-identical texts sent by several organisations (a confirmed group).
CAMPAIGN_TEXT = (
    "{greeting} Climate change is the defining shared risk of our time. Article 6 must "
    "recognise the duty of States to provide climate finance, technology transfer and "
    "capacity-building to those who contributed least to the crisis and suffer its effects "
    "most. We urge the Independent Expert to keep Article 6 and to strengthen it. {sign}"
)
CAMPAIGN = [
    ("Coalition for Climate Justice", "Dear Independent Expert,", "On behalf of our members."),
    ("Solidarity Without Borders Network", "Dear Sir or Madam,", "With our thanks."),
    ("Digital Rights Collective", "To the secretariat,", "Sincerely."),
    ("Dr. Amina Example", "Dear colleagues,", "Kind regards."),
]
# A pair of duplicates left for the secretariat to confirm or dismiss.
DUPLICATE_TEXT = (
    "{greeting} Participation must be meaningful: Article 7 should require that persons "
    "affected by shared risks, including those in vulnerable situations, are consulted "
    "before decisions are taken, with accessible information in local languages and "
    "feedback on how their views were taken into account."
)
DUPLICATES = [
    ("National Human Rights Commission of Velinia", "We note with appreciation:"),
    ("Institute for International Solidarity Law, University of Alvera", "In our view,"),
]

S = Position.SUPPORT
A = Position.SUPPORT_WITH_AMENDMENTS
O = Position.OPPOSE  # noqa: E741
R = Position.RESERVATION
D = Position.PROPOSE_DELETION
N = Position.NO_POSITION

#: What each State says of each provision: (State, position, paragraph label or None for
#: the provision as a whole). Chosen so that the consensus indicator (docs/consensus.md,
#: 5 State positions from 2 regional groups for a basis, 4 groups for "agreed") shows every
#: level: agreed, no objection with limited participation, supported subject to amendments,
#: bracketed (by an objection on the whole or on one paragraph, or a proposed deletion) and
#: no basis. Kasunga speaks on behalf of the African Group.
STATE_PLAN: dict[str, list[tuple[str, Position, str | None]]] = {
    "PP1": [("Kasunga", S, None), ("Tarvana", S, None), ("Velinia", S, None),
            ("San Aurelio", S, None), ("Alvera", S, None), ("Quenara", S, None)],
    "PP2": [("Kasunga", S, None), ("Siravat", S, None), ("Dravonia", S, None),
            ("Bellamar", S, None), ("Lorsburg", S, None), ("Alvera", A, None)],
    "PP3": [("Tarvana", S, None), ("Siravat", S, None), ("Pahari", S, None),
            ("San Aurelio", S, None), ("Quenara", A, None)],
    "PP4": [("Kasunga", S, None), ("Pahari", S, None), ("Velinia", S, None),
            ("Bellamar", S, None), ("Lorsburg", S, None), ("Meridia", S, None),
            ("Dravonia", R, None)],
    "PP5": [("Kasunga", A, None), ("Tarvana", A, None), ("Velinia", A, None),
            ("Quenara", A, None), ("Alvera", S, None), ("Lorsburg", S, None)],
    "PP6": [("Alvera", S, None), ("Lorsburg", A, None)],
    "PP7": [("Siravat", S, None), ("Bellamar", S, None), ("Velinia", N, None)],
    "Article 1": [("Kasunga", S, None), ("Tarvana", S, None), ("Siravat", S, None),
                  ("Velinia", S, None), ("Dravonia", S, None), ("San Aurelio", S, None),
                  ("Quenara", S, None), ("Alvera", S, None), ("Lorsburg", A, None),
                  ("Meridia", S, None)],
    "Article 2": [("Kasunga", A, None), ("Mboria", A, None), ("Pahari", A, None),
                  ("Dravonia", A, None), ("Bellamar", A, None), ("Alvera", S, None)],
    "Article 3": [("Kasunga", S, None), ("Tarvana", S, None), ("San Aurelio", S, None),
                  ("Quenara", S, None), ("Velinia", S, None), ("Alvera", O, None),
                  ("Lorsburg", R, None)],
    "Article 4": [("Kasunga", S, None), ("Siravat", S, None), ("Velinia", S, None),
                  ("Bellamar", S, None), ("Alvera", S, None), ("Dravonia", O, "2"),
                  ("Lorsburg", A, "1")],
    "Article 5": [("Kasunga", A, None), ("Tarvana", A, None), ("Pahari", A, "1"),
                  ("San Aurelio", A, None), ("Velinia", S, None), ("Lorsburg", A, "2"),
                  ("Meridia", S, None), ("Alvera", A, None)],
    "Article 6": [("Kasunga", S, None), ("Pahari", S, None), ("Quenara", S, None),
                  ("Bellamar", S, None), ("Lorsburg", D, None), ("Dravonia", R, None)],
    "Article 7": [("Kasunga", S, None), ("Siravat", S, None), ("Velinia", S, None),
                  ("San Aurelio", S, None), ("Alvera", S, None), ("Meridia", A, None)],
    "Article 8": [("Velinia", S, None), ("Dravonia", S, None), ("Alvera", S, None),
                  ("Lorsburg", S, None), ("Bellamar", A, None)],
    "Article 9": [("Tarvana", S, None), ("Quenara", S, None), ("Meridia", R, None),
                  ("Kasunga", A, "1")],
    "Article 10": [("Kasunga", S, None), ("Tarvana", S, None), ("Dravonia", S, None),
                   ("San Aurelio", S, None), ("Lorsburg", S, None), ("Siravat", R, None)],
}  # fmt: skip

#: Other stakeholders (reported beside the States' consensus): provisions they comment on.
STAKEHOLDER_PLAN: dict[str, list[tuple[str, Position, str | None]]] = {
    "Southern Seas Cooperation Organisation": [
        ("PP3", S, None), ("Article 4", A, "2"), ("Article 6", S, None)],
    "United Nations Office on Shared Risk Reduction": [
        ("Article 2", A, None), ("Article 4", S, None), ("Article 9", A, "2")],
    "National Human Rights Commission of Velinia": [
        ("Article 3", S, "2"), ("Article 9", A, "2")],
    "Solidarity Without Borders Network": [
        ("Article 3", S, None), ("Article 5", A, "1"), ("Article 8", O, None)],
    "Coalition for Climate Justice": [("PP4", S, None), ("Article 5", A, "2")],
    "Digital Rights Collective": [("Article 2", A, None), ("Article 8", R, None)],
    "Institute for International Solidarity Law, University of Alvera": [
        ("Article 1", A, None), ("Article 3", A, "1"), ("Article 10", S, None)],
    "Forum of Medicine Producers": [("Article 5", O, "2"), ("Article 8", S, None)],
    "Dr. Amina Example": [("PP6", S, None), ("Article 9", S, None)],
}  # fmt: skip

#: Written submissions: (organisation, file name, agreed to publication, withheld as).
DOCUMENTS: list[tuple[str, str, bool, str | None]] = [
    ("Republic of Kasunga", "Statement of the African Group.pdf", True, None),
    ("Republic of Velinia", "Note verbale of Velinia.pdf", False, None),
    ("Republic of Alvera", "Position paper of Alvera on the revised draft.docx", True, None),
    ("Solidarity Without Borders Network", "Joint NGO submission.pdf", True, None),
    ("National Human Rights Commission of Velinia", "NHRI contribution.pdf", True, None),
    (
        "Institute for International Solidarity Law, University of Alvera",
        "Research note on solidarity obligations.docx",
        True,
        "confidential",
    ),
    ("Forum of Medicine Producers", "Industry views.pdf", True, None),
]

#: The secretariat's answers, by position; for amendments, in turn.
ANSWERS: dict[Position, list[tuple[Outcome, str]]] = {
    Position.SUPPORT: [(Outcome.NOTED, "The support for the provision is noted.")],
    Position.SUPPORT_WITH_AMENDMENTS: [
        (Outcome.ACCEPTED, "The proposal is reflected in the next version."),
        (Outcome.ACCEPTED_IN_PART, "The proposal is partly reflected; the scope was kept."),
        (Outcome.NOT_ACCEPTED, "The proposal would narrow the provision beyond its purpose."),
    ],
    Position.OPPOSE: [
        (Outcome.NOT_ACCEPTED, "The provision is retained; informal consultations will continue."),
    ],
    Position.RESERVATION: [(Outcome.NOTED, "The reservation is recorded.")],
    Position.PROPOSE_DELETION: [
        (Outcome.NOT_ACCEPTED, "Most delegations asked that the provision be kept.")
    ],
    Position.NO_POSITION: [(Outcome.OUT_OF_SCOPE, "The question concerns other mechanisms.")],
}

#: Provisions whose summary the secretariat has not yet published (work waiting).
UNPUBLISHED_SUMMARIES = {"Article 9", "Article 10"}
#: Provisions whose comments the secretariat has not yet answered (work waiting).
UNANSWERED = {"PP6", "PP7", "Article 9", "Article 10"}


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
    email: str, password: str | None, name: str, role: Role, organisation: Organisation | None
) -> User:
    """A demo account; ``password`` None: an account nobody signs in to (the fictional
    delegates), given a hash no password matches instead of a costly real one."""
    user = User(
        email=email, name=name, role=role, organisation=organisation, timezone="Europe/Zurich"
    )
    if password is None:
        user.password_hash = UNUSABLE_PASSWORD
    else:
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


def _geneva(day: datetime, hour: int, minute: int) -> datetime:
    """``day``'s date at ``hour``:``minute`` in Geneva (Europe/Zurich), in UTC."""
    zone = ZoneInfo("Europe/Zurich")
    local = day.astimezone(zone).replace(hour=hour, minute=minute, second=0, microsecond=0)
    return local.astimezone(UTC)


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
        # As a secretariat sets them: opening at 09:00 and closing at midnight, Geneva time.
        opens_at=_geneva(now - timedelta(days=30), 9, 0),
        closes_at=_geneva(now + timedelta(days=60), 23, 59),
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
    by_label = {p.label: p for p in provisions}
    index_of = {p.id: i for i, p in enumerate(provisions)}
    org_index = {name: i for i, (name, *_rest) in enumerate(ORGANISATIONS)}

    def full_name(short: str) -> str:
        return next(
            name for name, category, *_rest in ORGANISATIONS if short in name and category.is_state
        )

    # What each organisation says: (provision, position, paragraph label, text or None).
    said: dict[str, list[tuple[Provision, Position, str | None, str | None]]] = {}
    for label, voices in STATE_PLAN.items():
        for short, position, paragraph_label in voices:
            said.setdefault(full_name(short), []).append(
                (by_label[label], position, paragraph_label, None)
            )
    for name, planned in STAKEHOLDER_PLAN.items():
        for label, position, paragraph_label in planned:
            said.setdefault(name, []).append((by_label[label], position, paragraph_label, None))
    for name, greeting, sign in CAMPAIGN:
        text = CAMPAIGN_TEXT.format(greeting=greeting, sign=sign)
        said.setdefault(name, []).append((by_label["Article 6"], S, None, text))
    for name, greeting in DUPLICATES:
        text = DUPLICATE_TEXT.format(greeting=greeting)
        said.setdefault(name, []).append((by_label["Article 7"], A, None, text))

    def body_of(name: str, provision: Provision, position: Position) -> str:
        o, p = org_index[name], index_of[provision.id]
        topic = (provision.title or provision.plain_text()[:60].rsplit(" ", 1)[0]).lower()
        sentences = POSITION_SENTENCES[position]
        return " ".join(
            [
                OPENINGS[(o + 2 * p) % len(OPENINGS)].format(label=provision.label),
                sentences[(o + p) % len(sentences)].format(topic=topic),
                CLOSINGS[(3 * o + p) % len(CLOSINGS)],
            ]
        )

    submissions = comments = 0
    delegates: dict[str, User] = {}
    for index, (name, _category, _group, _verified) in enumerate(ORGANISATIONS):
        if name == CONTRIBUTOR_ORGANISATION:
            continue  # left empty for whoever signs in as the demo contributor
        org = organisations[name]
        delegate = _make_user(
            f"delegate{index + 1}@example.org",
            None,
            f"Focal point of {name}",
            Role.CONTRIBUTOR,
            org,
        )
        delegates[name] = delegate
        db.session.flush()
        # Submissions arrive over the weeks the consultation has been open.
        moment = now - timedelta(days=27) + timedelta(days=index, hours=(index * 5) % 11)
        submission = start_submission(delegate, consultation, now=moment)
        items = sorted(said.get(name, []), key=lambda item: item[0].position)
        for provision, position, paragraph_label, written in items:
            paragraph = next(
                (p for p in provision.paragraphs if p.level == 0 and p.label == paragraph_label),
                None,
            )
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
                    body=written or body_of(name, provision, position),
                    paragraph=paragraph,
                    proposed_wording=proposed,
                    rationale=rng.choice(RATIONALES) if proposed else None,
                ),
                now=moment,
            )
            comments += 1
        for owner, filename, consent, _withheld in DOCUMENTS:
            if owner == name:
                add_attachment(
                    delegate,
                    submission,
                    filename,
                    _document(filename, name),
                    publish_consent=consent,
                    now=moment,
                )
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
            cosigners = [
                "Digital Rights Collective",
                "Institute for International Solidarity Law, University of Alvera",
            ]
            details = replace(details, cosigner_ids=[organisations[n].id for n in cosigners])
        elif name == "Forum of Medicine Producers":
            # Asked not to be published: counted in the figures, never named.
            details = replace(details, publishable=False)
        update_submission_details(delegate, submission, details, now=moment)
        db.session.flush()
        submit_submission(delegate, submission, submission.lock_version, now=moment)
        submissions += 1
    db.session.flush()

    _review(secretariat, consultation, by_label)
    db.session.flush()
    return DemoSummary(consultation, len(organisations), submissions, comments)


def _document(filename: str, author: str) -> bytes:
    """A small, real PDF or Word document standing for a written submission."""
    title = filename.rsplit(".", 1)[0]
    lines = [
        title,
        f"Submitted by {author} to the global consultation on the revised draft declaration.",
        "This document was written for the demonstration of the platform.",
    ]
    buffer = io.BytesIO()
    if filename.endswith(".docx"):
        document = docx.Document()
        document.add_heading(title, level=1)
        for line in lines[1:]:
            document.add_paragraph(line)
        document.core_properties.created = datetime(2026, 1, 1, tzinfo=UTC)
        document.save(buffer)
    else:
        buffer.write(_pdf(lines))
    return buffer.getvalue()


def _pdf(lines: list[str]) -> bytes:
    """A one-page PDF of plain lines (Helvetica), written directly: no PDF library needed."""

    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    shown = "".join(
        f"BT /F1 {14 if n == 0 else 11} Tf 72 {720 - 22 * n} Td ({escape(line)}) Tj ET\n"
        for n, line in enumerate(lines)
    ).encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(shown) + shown + b"endstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _review(secretariat: User, consultation: Consultation, by_label: dict[str, Provision]) -> None:
    """The secretariat's work so far: documents reviewed, duplicates grouped, dispositions
    recorded and published, summaries drafted and published (some work left waiting)."""
    for _owner, filename, _consent, withheld in DOCUMENTS:
        if withheld:
            attachment = db.session.scalars(
                select(Attachment).where(Attachment.display_name == filename)
            ).one()
            moderate_attachment(
                secretariat, attachment, ModerationStatus.WITHHELD, WithheldReason(withheld)
            )

    # The campaign on Article 6 is confirmed and answered at once; the pair on Article 7
    # is left suggested, for the secretariat to decide.
    detect_duplicates(secretariat, consultation)
    groups = db.session.scalars(
        select(DuplicateGroup).where(DuplicateGroup.consultation_id == consultation.id)
    ).all()
    for group in groups:
        if group.kind is GroupKind.CAMPAIGN:
            confirm_group(secretariat, group)
            answer_group(
                secretariat,
                group,
                Outcome.ACCEPTED_IN_PART,
                "Climate finance and technology transfer are now named in Article 6; the "
                "duty is framed as cooperation rather than as an obligation of result.",
            )

    answered = {by_label[label].id for label in by_label if label not in UNANSWERED}
    turns: dict[Position, int] = {}
    pending = db.session.scalars(
        select(Comment)
        .where(
            Comment.consultation_id == consultation.id,
            Comment.provision_id.in_(answered),
            ~Comment.disposition.has(),
        )
        .order_by(Comment.id)
    ).all()
    # Answered together where the answer is the same (one call per answer, as the bulk
    # dispositions page does).
    batches: dict[tuple[Outcome, str], list[Comment]] = {}
    for comment in pending:
        answers = ANSWERS[comment.position]
        turn = turns.get(comment.position, 0)
        turns[comment.position] = turn + 1
        batches.setdefault(answers[turn % len(answers)], []).append(comment)
    for (outcome, explanation), batch in batches.items():
        record_disposition(secretariat, batch, outcome, explanation)
    publish_dispositions(secretariat, consultation)

    generate_summaries(secretariat, consultation)
    unpublished = {by_label[label].id for label in UNPUBLISHED_SUMMARIES}
    for draft in db.session.scalars(
        select(SummaryDraft)
        .where(SummaryDraft.consultation_id == consultation.id)
        .order_by(SummaryDraft.scope_key)
    ):
        if draft.provision_id not in unpublished:
            publish_summary(secretariat, draft, draft.lock_version)
