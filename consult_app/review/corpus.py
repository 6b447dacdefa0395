"""A synthetic consultation corpus with planted campaigns, for measuring duplicate detection.

Organic comments are written sentence by sentence from a vocabulary of consultation
language (rights, provisions, positions, reasons), so that they share topic words and
common phrases ("the right to privacy", "draft article 7") without being duplicates of one
another. A campaign is a longer template written from the same vocabulary; each member is
the template with small edits: a different salutation and signature, a few words
substituted, inserted or deleted, and sometimes a personal sentence added.

Everything is drawn from one ``random.Random(seed)``: the same arguments give the same
corpus. Texts are produced lazily (``Corpus.items()``) so that a million comments can be
streamed into the detector without being held in memory.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field

ORGANIC = -1  # ground-truth label of a comment that belongs to no campaign

_OPENERS = (
    "We",
    "Our organisation",
    "The coalition",
    "Our members",
    "The national human rights institution",
    "The delegation",
    "Civil society organisations in our region",
    "The association",
    "Indigenous peoples' organisations",
    "The network",
    "Our legal team",
    "The working group",
    "The committee of our federation",
    "Several trade unions",
)
_VERBS = (
    "welcome",
    "support",
    "are concerned about",
    "strongly oppose",
    "call for the deletion of",
    "recommend strengthening",
    "propose amending",
    "question",
    "urge States to clarify",
    "ask the drafters to reconsider",
    "cannot accept",
    "fully endorse",
    "suggest narrowing",
    "suggest broadening",
    "regret the omission of",
    "note with appreciation",
)
_OBJECTS = (
    "the reference to",
    "the wording on",
    "the obligations of States regarding",
    "the scope of",
    "the protection of",
    "the limitations placed on",
    "the definition of",
    "the reporting duties concerning",
    "the safeguards for",
    "the monitoring of",
    "the remedies available for violations of",
    "the language used to describe",
)
_TOPICS = (
    "the right to privacy",
    "freedom of expression",
    "freedom of peaceful assembly",
    "freedom of association",
    "the rights of persons with disabilities",
    "non-discrimination",
    "gender equality",
    "access to justice",
    "the right to an effective remedy",
    "the rights of indigenous peoples",
    "the right to health",
    "the right to education",
    "the right to adequate housing",
    "the right to food",
    "the right to water and sanitation",
    "due diligence obligations of business enterprises",
    "the rights of the child",
    "the right to a clean, healthy and sustainable environment",
    "the rights of migrant workers",
    "the protection of human rights defenders",
    "persons displaced by climate change",
    "digital surveillance",
    "the principle of non-refoulement",
    "the prohibition of torture",
    "the right to participate in public affairs",
    "the rights of older persons",
    "the right to development",
    "free, prior and informed consent",
    "the right to social security",
    "the independence of the judiciary",
)
_PLACES = (
    "in the preamble",
    "in draft article {n}",
    "in paragraph {m} of article {n}",
    "in the general provisions",
    "in the final clauses",
    "in the section on implementation",
    "in article {n}",
    "throughout the draft",
)
_REASONS = (
    "because it falls short of existing international standards",
    "as it would weaken protections that are already established",
    "in line with the Universal Declaration of Human Rights",
    "consistent with general comment No. {n} of the treaty body",
    "taking into account the jurisprudence of regional courts",
    "so that no one is left behind",
    "since the current text is ambiguous",
    "given the experience of affected communities",
    "to ensure coherence with the Sustainable Development Goals",
    "in order to avoid conflicting interpretations",
    "which several States have already recognised in their national law",
    "as recommended by the special procedures",
    "because enforcement has proved difficult in practice",
    "to reflect the views expressed during the regional consultations",
)
_ADJECTIVES = (
    "essential",
    "insufficient",
    "unclear",
    "too narrow",
    "too broad",
    "welcome",
    "outdated",
    "ambitious",
    "premature",
    "necessary",
    "inconsistent",
    "balanced",
)
_GROUPS = (
    "women",
    "children",
    "persons with disabilities",
    "indigenous peoples",
    "migrants",
    "refugees",
    "older persons",
    "rural communities",
    "journalists",
    "minorities",
    "young people",
    "workers in the informal economy",
)
_CONNECTORS = (
    "", "", "", "Moreover, ", "In addition, ", "However, ", "Finally, ", "For this reason, ",
    "In particular, ", "At the same time, ", "Above all, ", "Secondly, ",
)  # fmt: skip
_HEDGES = (
    "", "", "in our view", "we believe", "as a matter of principle", "in practice",
    "in many countries", "at national level", "without delay", "as a priority",
)  # fmt: skip
_DUTIES = ("guaranteed", "respected", "protected", "fulfilled", "promoted", "ensured")
_MODALS = ("should", "must", "could", "are invited to", "are encouraged to", "shall")
_SOURCES = (
    "practice", "case law", "national legislation", "treaty body recommendations",
    "academic research", "regional standards", "the work of the special procedures",
    "lessons learned",
)  # fmt: skip
_PATTERNS = (
    "{connector}{opener} {verb} {object} {topic} {place} {reason}.",
    "{connector}{opener} {verb} {object} {topic} {place}, {hedge}.",
    "{connector}in our experience, {topic} is {adjective} for {group} {place}.",
    "{connector}the current text on {topic} is {adjective}, {reason}.",
    "{connector}{topic} must be {duty} for {group} {place}, {hedge}.",
    "{connector}{opener} {verb} {object} {topic}, which is {adjective} {place}.",
    "{connector}States {modal} report on {topic} and on the situation of {group} {hedge}.",
    "{connector}the drafters {modal} draw on {source} concerning {topic} {reason}.",
    "{connector}{opener} {verb} the proposal to address {topic} together with {topic2}.",
    "{connector}{group} {modal} be consulted on {topic} {place}, {hedge}.",
    "{connector}{object} {topic} {place} is {adjective} and {adjective2} for {group}.",
)

_SALUTATIONS = (
    "",
    "Dear Secretariat,",
    "Dear members of the drafting committee,",
    "To whom it may concern,",
    "Dear Chair,",
    "Dear colleagues,",
    "Dear Special Rapporteur,",
    "Hello,",
)
_CLOSINGS = ("", "Yours sincerely,", "Kind regards,", "Respectfully,", "In solidarity,", "Best,")
_FIRST_NAMES = (
    "Amina", "Carlos", "Mei", "Olga", "Kwame", "Priya", "Jonas", "Fatima", "Luis", "Sara",
    "Tomasz", "Aiko", "Nadia", "Pierre", "Zanele", "Omar", "Ingrid", "Ravi", "Lucia", "Yusuf",
)  # fmt: skip
_LAST_NAMES = (
    "Okafor", "Garcia", "Chen", "Ivanova", "Mensah", "Sharma", "Berg", "Haddad", "Morales",
    "Nilsson", "Kowalski", "Tanaka", "Rahman", "Dubois", "Dlamini", "Farouk", "Larsen",
    "Patel", "Rossi", "Demir",
)  # fmt: skip
_CITIES = (
    "Geneva", "Nairobi", "Bogota", "Manila", "Warsaw", "Dakar", "Lima", "Jakarta", "Tunis",
    "Oslo", "Accra", "Quito",
)  # fmt: skip
_ROLES = ("teacher", "lawyer", "nurse", "social worker", "student", "farmer", "journalist")
_INSERTIONS = (
    "strongly", "also", "indeed", "urgently", "fully", "clearly", "really", "therefore",
    "moreover", "particularly",
)  # fmt: skip


@dataclass(frozen=True)
class EditRates:
    """How much a campaign member departs from its template (all counts are per member)."""

    max_substitutions: int = 3
    max_insertions: int = 2
    max_deletions: int = 2
    added_sentence: float = 0.3  # probability that the member adds a sentence of their own


@dataclass
class Corpus:
    """A planned corpus: ``labels[i]`` is the campaign of comment ``i`` or ``ORGANIC``."""

    size: int
    seed: int
    templates: list[str]
    labels: list[int]
    edits: EditRates = field(default_factory=EditRates)

    @property
    def campaign_sizes(self) -> list[int]:
        sizes = [0] * len(self.templates)
        for label in self.labels:
            if label != ORGANIC:
                sizes[label] += 1
        return sizes

    def items(self) -> Iterator[tuple[int, str]]:
        """Yield ``(index, text)`` for every comment, generated on the fly, in index order."""
        rng = random.Random(f"{self.seed}:texts")
        for index, label in enumerate(self.labels):
            if label == ORGANIC:
                yield index, organic_comment(rng)
            else:
                yield index, campaign_member(rng, self.templates[label], self.edits)

    def texts(self) -> list[str]:
        """All texts in index order (holds them in memory: for small corpora)."""
        return [text for _, text in self.items()]


def _fill(rng: random.Random, pattern: str) -> str:
    values = {
        "connector": rng.choice(_CONNECTORS),
        "hedge": rng.choice(_HEDGES),
        "opener": rng.choice(_OPENERS),
        "verb": rng.choice(_VERBS),
        "object": rng.choice(_OBJECTS),
        "topic": rng.choice(_TOPICS),
        "topic2": rng.choice(_TOPICS),
        "place": rng.choice(_PLACES),
        "reason": rng.choice(_REASONS),
        "adjective": rng.choice(_ADJECTIVES),
        "adjective2": rng.choice(_ADJECTIVES),
        "group": rng.choice(_GROUPS),
        "duty": rng.choice(_DUTIES),
        "modal": rng.choice(_MODALS),
        "source": rng.choice(_SOURCES),
    }
    text = pattern.format(**values).replace(", .", ".").replace(" .", ".")
    text = text.replace("{n}", str(rng.randint(1, 40))).replace("{m}", str(rng.randint(1, 9)))
    return text[0].upper() + text[1:]


def sentence(rng: random.Random) -> str:
    """One sentence of consultation language."""
    return _fill(rng, rng.choice(_PATTERNS))


def organic_comment(rng: random.Random) -> str:
    """An individual comment: three to seven sentences, sometimes with a salutation."""
    parts = [sentence(rng) for _ in range(rng.randint(3, 7))]
    if rng.random() < 0.2:
        parts.insert(0, rng.choice(_SALUTATIONS[1:]))
    return " ".join(parts)


def campaign_template(rng: random.Random) -> str:
    """The shared text of a campaign: six to twelve sentences."""
    return " ".join(sentence(rng) for _ in range(rng.randint(6, 12)))


def _signature(rng: random.Random) -> str:
    closing = rng.choice(_CLOSINGS)
    name = f"{rng.choice(_FIRST_NAMES)} {rng.choice(_LAST_NAMES)}"
    if rng.random() < 0.4:
        name += f", {rng.choice(_CITIES)}"
    return f"{closing} {name}".strip()


def campaign_member(rng: random.Random, template: str, edits: EditRates) -> str:
    """The template with a member's own salutation, signature and small edits."""
    words = template.split()
    for _ in range(rng.randint(0, edits.max_substitutions)):
        words[rng.randrange(len(words))] = rng.choice(rng.choice((_ADJECTIVES, _GROUPS)))
    for _ in range(rng.randint(0, edits.max_insertions)):
        words.insert(rng.randrange(len(words) + 1), rng.choice(_INSERTIONS))
    for _ in range(rng.randint(0, edits.max_deletions)):
        if len(words) > 1:
            del words[rng.randrange(len(words))]
    body = " ".join(words)
    if rng.random() < edits.added_sentence:
        own = (
            f"As a {rng.choice(_ROLES)} in {rng.choice(_CITIES)}, I see this every day."
            if rng.random() < 0.5
            else sentence(rng)
        )
        body = f"{own} {body}" if rng.random() < 0.5 else f"{body} {own}"
    salutation = rng.choice(_SALUTATIONS)
    return " ".join(part for part in (salutation, body, _signature(rng)) if part)


def generate_corpus(
    size: int,
    campaigns: int | None = None,
    *,
    seed: int = 0,
    campaign_share: float = 0.3,
    min_campaign_size: int = 3,
    edits: EditRates | None = None,
) -> Corpus:
    """Plan a corpus of ``size`` comments, ``campaign_share`` of them in ``campaigns`` campaigns.

    Campaign sizes are heavy-tailed (log-normal weights): a few campaigns hold most members,
    many have a handful, none is smaller than ``min_campaign_size``. Members are spread
    at random through the corpus. ``campaigns`` defaults to one per 2,000 comments.
    """
    if size < 0:
        raise ValueError("size must not be negative")
    if not 0.0 <= campaign_share <= 1.0:
        raise ValueError("campaign_share must be between 0 and 1")
    if campaigns is None:
        campaigns = max(1, size // 2000)
    rng = random.Random(f"{seed}:plan")
    members_total = int(size * campaign_share)
    campaigns = max(0, min(campaigns, members_total // max(1, min_campaign_size)))
    sizes = [min_campaign_size] * campaigns
    if campaigns:
        weights = [rng.lognormvariate(0.0, 2.0) for _ in range(campaigns)]
        spare = members_total - min_campaign_size * campaigns
        total_weight = sum(weights)
        for i, weight in enumerate(weights):
            sizes[i] += int(spare * weight / total_weight)
    labels = [ORGANIC] * (size - sum(sizes))
    for campaign, count in enumerate(sizes):
        labels.extend([campaign] * count)
    rng.shuffle(labels)
    templates = [campaign_template(rng) for _ in range(campaigns)]
    return Corpus(size, seed, templates, labels, edits or EditRates())
