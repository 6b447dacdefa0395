"""Position papers written for the tests, in four styles, built as .docx and as .pdf."""

from __future__ import annotations

import io
import re
from typing import Any

import docx

from consult_app.submissions.paper_language import ARTICLE, PREAMBLE
from consult_app.submissions.papers import Catalogue, Target, TargetParagraph

# A paper is a list of ("title" | "heading" | "p", text) and ("table", rows).
Item = tuple[str, Any]


def catalogue() -> Catalogue:
    """A small declaration: five preambular paragraphs, articles 1-4 and 7 bis."""
    targets = [
        Target(PREAMBLE, str(n), f"Recalling the importance of preambular matter number {n},")
        for n in range(1, 6)
    ]
    for number in ("1", "2", "3"):
        paragraphs = (
            TargetParagraph("1", f"Everyone has the right to the thing in article {number}."),
            TargetParagraph("2", "States shall take measures to that end."),
        )
        targets.append(
            Target(
                ARTICLE, number, "\n".join(f"{p.label}. {p.text}" for p in paragraphs), paragraphs
            )
        )
    four = (
        TargetParagraph("1", "Everyone has the right to international solidarity."),
        TargetParagraph("2", "States shall cooperate in order to:"),
        TargetParagraph("2(a)", "eliminate obstacles to development;"),
        TargetParagraph("2(b)", "ensure the participation of all peoples in development."),
    )
    targets.append(Target(ARTICLE, "4", "\n".join(p.text for p in four), four))
    seven = (TargetParagraph("1", "States shall report on the measures taken."),)
    targets.append(Target(ARTICLE, "7 bis", seven[0].text, seven))
    return Catalogue(targets)


HEADED: list[Item] = [
    ("title", "Position paper of the Republic of Testland on the revised draft declaration"),
    (
        "p",
        "The Republic of Testland thanks the Independent Expert for the revised draft. "
        "It remains committed to a constructive dialogue.",
    ),
    ("heading", "Preamble"),
    ("p", "PP3: The delegation supports this paragraph."),
    (
        "p",
        "Concerning the fifth preambular paragraph, the delegation proposes the deletion of "
        "this paragraph.",
    ),
    ("heading", "Article 1"),
    (
        "p",
        "The delegation welcomes article 1. It reflects the existing obligations of States. "
        "The words “the right to the thing” are well chosen.",
    ),
    ("heading", "Article 4 \u2013 International solidarity"),
    (
        "p",
        "The delegation proposes to amend paragraph 2(b). In paragraph 2(b), replace "
        "“all peoples” with “all peoples and individuals”.",
    ),
    ("heading", "Draft article 7 bis"),
    (
        "p",
        "The delegation cannot accept draft article 7 bis. Reporting obligations belong in "
        "a treaty, not in a declaration.",
    ),
]

PROSE: list[Item] = [
    (
        "p",
        "The Government of Testland has studied the revised draft with care. It offers "
        "the following observations.",
    ),
    (
        "p",
        "The Government supports article 1 as drafted. It objects to article 2, paragraph 2, "
        "which goes beyond customary law. With regard to art. 3(2), it proposes that "
        "“shall” be replaced by “should”.",
    ),
    (
        "p",
        "As to paragraph 3 of the preamble, the Government enters a reservation. "
        "Finally, the Government proposes that operative paragraph 4 read as follows:",
    ),
    (
        "p",
        "“Everyone has the right to international solidarity, in accordance with "
        "international law.”",
    ),
    ("p", "The Government looks forward to the next round of consultations."),
]

TABLE: list[Item] = [
    ("title", "Comments of the Friends of Testing"),
    ("p", "The table below sets out our comments article by article."),
    (
        "table",
        [
            ["Provision", "Comment", "Proposed text"],
            ["Article 1", "We support this article. It is clear.", ""],
            [
                "Article 2 (2)",
                "The obligation is too weak. We propose to amend it.",
                "States shall take all necessary measures to that end.",
            ],
            ["PP2", "This paragraph should be deleted. It repeats PP1.", ""],
            ["Article 9", "A new article on remedies is needed.", ""],
        ],
    ),
    ("p", "We remain at the disposal of the secretariat."),
]

NOTE_VERBALE: list[Item] = [
    (
        "p",
        "The Permanent Mission of the Republic of Testland to the United Nations Office at "
        "Geneva presents its compliments to the Office of the United Nations High "
        "Commissioner for Human Rights and has the honour to transmit herewith the comments "
        "of the Republic of Testland on the revised draft declaration.",
    ),
    (
        "p",
        "The Permanent Mission avails itself of this opportunity to renew to the Office the "
        "assurances of its highest consideration.",
    ),
    ("p", "Geneva, 20 January 2023"),
    ("heading", "Annex"),
    ("p", "1. The Republic of Testland welcomes OP1 and PP1."),
    (
        "p",
        "2. In article 4, insert “effectively” after “cooperate”. The Republic of Testland "
        "proposes to amend the chapeau accordingly.",
    ),
    (
        "p",
        "3. In article 3, delete “to that end”. The Republic of Testland opposes the "
        "current formulation.",
    ),
    ("p", "4. The Republic of Testland reserves its position on article 2."),
]

PAPERS = {"headed": HEADED, "prose": PROSE, "table": TABLE, "note_verbale": NOTE_VERBALE}


def as_docx(paper: list[Item]) -> bytes:
    document = docx.Document()
    for kind, content in paper:
        if kind == "title":
            document.add_heading(content, level=0)
        elif kind == "heading":
            document.add_heading(content, level=2)
        elif kind == "p":
            document.add_paragraph(content)
        else:
            table = document.add_table(rows=len(content), cols=len(content[0]))
            for r, row in enumerate(content):
                for c, text in enumerate(row):
                    table.cell(r, c).text = text
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def as_pdf(paper: list[Item]) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    styles = getSampleStyleSheet()
    body = styles["BodyText"]
    story: list[Any] = []
    for kind, content in paper:
        if kind == "title":
            story.append(Paragraph(content, styles["Title"]))
        elif kind == "heading":
            story.append(Paragraph(content, styles["Heading2"]))
        elif kind == "p":
            story.append(Paragraph(content, body))
        else:
            rows = [[Paragraph(text, body) for text in row] for row in content]
            table = Table(rows, colWidths=[90, 200, 170])
            table.setStyle(
                TableStyle(
                    [
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                    ]
                )
            )
            story.append(table)
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, invariant=1).build(story)
    return buffer.getvalue()


def sentences(paper: list[Item]) -> list[str]:
    """Every sentence of the paper's paragraphs and table cells (headings are structure)."""
    texts: list[str] = []
    for kind, content in paper:
        if kind == "p":
            texts.append(content)
        elif kind == "table":
            texts.extend(text for row in content[1:] for text in row[1:] if text)
    found = []
    for text in texts:
        found.extend(s for s in re.split(r"(?<=[.:])\s+(?=[A-Z“])", text) if s.strip())
    return found
