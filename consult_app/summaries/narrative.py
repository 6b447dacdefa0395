"""Narrative summaries drafted in the wording of United Nations reports.

Quantifiers follow the number of delegations (States), with the cut-offs defined once in
:data:`QUANTIFIER_CUTOFFS`: 1 "one delegation", 2-3 "a few delegations", 4-9 "several
delegations", 10 or more "many delegations". Non-State participants are "other
stakeholders", with their categories. Organisations are named only when the consultation
allows attribution, and never when their submission is not for publication (the figures
carry only names that may be published, see :func:`aggregation.may_name`).
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from consult_app.accounts.models import OrgCategory, RegionalGroup
from consult_app.consultations.models import Consultation
from consult_app.submissions.models import OnBehalfKind, Position
from consult_app.summaries.aggregation import (
    GroupFigures,
    OnBehalf,
    Participation,
    ProvisionFigures,
)
from consult_app.summaries.consensus import (
    ConsensusLevel,
    ConsensusResult,
    classify,
    rule_from_config,
)

#: The one place where quantifier cut-offs live: (largest count, delegations, others).
#: A count above the last bound is "many".
QUANTIFIER_CUTOFFS: tuple[tuple[int, object, object], ...] = (
    (1, _l("one delegation"), _l("one")),
    (3, _l("a few delegations"), _l("a few")),
    (9, _l("several delegations"), _l("several")),
)
MANY_DELEGATIONS = _l("many delegations")
MANY_OTHERS = _l("many")

#: Categories of other stakeholders, in the plural, as reports name them.
CATEGORY_PLURALS = {
    OrgCategory.MEMBER_STATE: _l("Member States"),
    OrgCategory.OBSERVER_STATE: _l("observer States"),
    OrgCategory.IGO: _l("intergovernmental organisations"),
    OrgCategory.UN_ENTITY: _l("United Nations entities"),
    OrgCategory.NHRI: _l("national human rights institutions"),
    OrgCategory.NGO: _l("civil society organisations"),
    OrgCategory.ACADEMIC: _l("academic institutions"),
    OrgCategory.BUSINESS: _l("business enterprises"),
    OrgCategory.INDIVIDUAL: _l("individuals"),
}

CATEGORY_SINGULARS = {
    OrgCategory.MEMBER_STATE: _l("Member State"),
    OrgCategory.OBSERVER_STATE: _l("observer State"),
    OrgCategory.IGO: _l("intergovernmental organisation"),
    OrgCategory.UN_ENTITY: _l("United Nations entity"),
    OrgCategory.NHRI: _l("national human rights institution"),
    OrgCategory.NGO: _l("civil society organisation"),
    OrgCategory.ACADEMIC: _l("academic institution"),
    OrgCategory.BUSINESS: _l("business enterprise"),
    OrgCategory.INDIVIDUAL: _l("individual"),
}

#: Official names of the regional groups, as in "on behalf of the Group of African States".
GROUP_NAMES = {
    RegionalGroup.AFRICAN: _l("the Group of African States"),
    RegionalGroup.ASIA_PACIFIC: _l("the Group of Asia-Pacific States"),
    RegionalGroup.EASTERN_EUROPEAN: _l("the Group of Eastern European States"),
    RegionalGroup.GRULAC: _l("the Group of Latin American and Caribbean States"),
    RegionalGroup.WEOG: _l("the Group of Western European and other States"),
}

#: What a delegation or stakeholder with each stance did, as a verb phrase.
STANCE_PHRASES = {
    Position.SUPPORT: _l("supported the provision as drafted"),
    Position.SUPPORT_WITH_AMENDMENTS: _l("supported the provision subject to amendments"),
    Position.RESERVATION: _l("expressed reservations"),
    Position.OPPOSE: _l("opposed the provision"),
    Position.PROPOSE_DELETION: _l("proposed its deletion"),
    Position.NO_POSITION: _l("commented without taking a position"),
}
STANCE_ORDER = (
    Position.SUPPORT,
    Position.SUPPORT_WITH_AMENDMENTS,
    Position.RESERVATION,
    Position.OPPOSE,
    Position.PROPOSE_DELETION,
    Position.NO_POSITION,
)


def delegations(n: int) -> str:
    """"one delegation", "a few delegations", "several delegations" or "many delegations"."""
    for bound, wording, _others in QUANTIFIER_CUTOFFS:
        if n <= bound:
            return str(wording)
    return str(MANY_DELEGATIONS)


def others_quantifier(n: int) -> str:
    """"one", "a few", "several" or "many" (for other stakeholders), same cut-offs."""
    for bound, _wording, others in QUANTIFIER_CUTOFFS:
        if n <= bound:
            return str(others)
    return str(MANY_OTHERS)


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def join_words(items: Sequence[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    items = [str(i) for i in items]
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return _("%(first)s and %(last)s", first=", ".join(items[:-1]), last=items[-1])


def category_list(categories: Sequence[OrgCategory]) -> str:
    return join_words([str(CATEGORY_PLURALS[c]) for c in categories])


def _names_note(names: list[str], count: int) -> str:
    if not names:
        return ""
    listed = join_words(sorted(names))
    if len(names) >= count:
        return f" ({listed})"
    return " " + _("(including %(names)s)", names=listed)


def _on_behalf_phrase(item: OnBehalf) -> str:
    if item.kind is OnBehalfKind.REGIONAL_GROUP and item.regional_group is not None:
        return str(GROUP_NAMES[item.regional_group])
    if item.name:
        return item.name
    return _("a group of organisations") if not item.lead_category.is_state else _(
        "a group of States"
    )


def _opening(label: str, consensus: ConsensusResult) -> str:
    level = consensus.level
    if level is ConsensusLevel.AGREED:
        return _("There was broad support among States for %(p)s, with no objection.", p=label)
    if level is ConsensusLevel.BROADLY_SUPPORTED:
        return _("There was broad support among States for %(p)s.", p=label)
    if level is ConsensusLevel.SUPPORTED_WITH_AMENDMENTS:
        return _("States broadly supported %(p)s, subject to amendments.", p=label)
    if level is ConsensusLevel.CONTESTED:
        return _("Views among States on %(p)s were divided.", p=label)
    if level is ConsensusLevel.BRACKETED:
        return _(
            "%(p)s did not command agreement among States and remains in square brackets.",
            p=capitalise(label),
        )
    return _(
        "Too few States commented on %(p)s to assess the degree of agreement.", p=label
    )


def _state_sentences(figures: ProvisionFigures) -> list[str]:
    sentences: list[str] = []
    behalf_by_stance: dict[Position, int] = {}
    for item in figures.on_behalf:
        if item.lead_category.is_state:
            behalf_by_stance[item.stance] = behalf_by_stance.get(item.stance, 0) + item.submissions
    for stance in STANCE_ORDER:
        n = figures.states.stances[stance] - behalf_by_stance.get(stance, 0)
        if n <= 0:
            continue
        names = [
            s.name for s in figures.named
            if s.category.is_state and s.stance is stance and not s.on_behalf
        ]
        sentences.append(
            capitalise(delegations(n)) + _names_note(names, n) + " "
            + str(STANCE_PHRASES[stance]) + "."
        )
    for item in figures.on_behalf:
        if not item.lead_category.is_state:
            continue
        who = (
            _("One delegation, speaking on behalf of %(group)s,", group=_on_behalf_phrase(item))
            if item.submissions == 1
            else _(
                "%(who)s, each speaking on behalf of %(group)s,",
                who=capitalise(delegations(item.submissions)),
                group=_on_behalf_phrase(item),
            )
        )
        sentences.append(who + " " + str(STANCE_PHRASES[item.stance]) + ".")
    return sentences


def _others_sentences(figures: ProvisionFigures) -> list[str]:
    others: GroupFigures = figures.other_stakeholders
    if not others.organisations:
        return []
    categories = [c for c in figures.by_category if not c.is_state]
    clauses: list[str] = []
    for stance in STANCE_ORDER:
        n = others.stances[stance]
        if not n:
            continue
        clause = others_quantifier(n) + " " + str(STANCE_PHRASES[stance])
        names = [
            s.name for s in figures.named
            if not s.category.is_state and s.stance is stance
        ]
        if names:
            clause += _names_note(names, n)
        clauses.append(clause)
    sentences = [
        _(
            "Among other stakeholders (%(categories)s), %(clauses)s.",
            categories=category_list(categories),
            clauses=join_words(clauses),
        )
    ]
    for joint in figures.joint:
        phrase = str(STANCE_PHRASES[joint.stance])
        if joint.submissions == 1:
            sentences.append(
                _("A joint submission by %(n)d organisations, counted once above, %(what)s.",
                  n=joint.organisations, what=phrase)
            )
        else:
            sentences.append(
                _(
                    "%(k)d joint submissions, each by %(n)d organisations and counted once "
                    "above, %(what)s.",
                    k=joint.submissions,
                    n=joint.organisations,
                    what=phrase,
                )
            )
    for item in figures.on_behalf:
        if item.lead_category.is_state:
            continue
        who = (
            _("One other stakeholder, speaking on behalf of %(group)s,",
              group=_on_behalf_phrase(item))
            if item.submissions == 1
            else _(
                "%(who)s other stakeholders, each speaking on behalf of %(group)s,",
                who=capitalise(others_quantifier(item.submissions)),
                group=_on_behalf_phrase(item),
            )
        )
        sentences.append(who + " " + str(STANCE_PHRASES[item.stance]) + ".")
    return sentences


def _extra_sentences(figures: ProvisionFigures) -> list[str]:
    sentences: list[str] = []
    for campaign in figures.campaigns:
        sentences.append(
            _(
                "A campaign contributed %(n)d near-identical comments from one text, counted "
                "as %(n)d items.",
                n=campaign.items,
            )
        )
    if figures.unverified.comments:
        sentences.append(
            ngettext(
                "%(num)d comment came from an organisation whose registration had not been "
                "verified; it is included in the figures above.",
                "%(num)d comments came from organisations whose registration had not been "
                "verified; they are included in the figures above.",
                figures.unverified.comments,
            )
        )
    if figures.amendments:
        sentences.append(
            _(
                "The proposed amendments fell into %(n)d groups of similar wording.",
                n=len(figures.amendments),
            )
            if len(figures.amendments) > 1
            else _("The proposed amendments shared similar wording.")
        )
    if figures.themes:
        sentences.append(
            _("Themes raised included %(themes)s.",
              themes=join_words([t.name for t in figures.themes[:3]]))
        )
    return sentences


def draft_provision_summary(
    consultation: Consultation, figures: ProvisionFigures, consensus: ConsensusResult
) -> str:
    """The drafted summary of one provision: paragraphs separated by blank lines."""
    label = figures.label
    if not figures.organisations:
        return _("No comments were received on %(p)s.", p=label)
    paragraphs: list[str] = []
    if figures.states.organisations:
        paragraphs.append(" ".join([_opening(label, consensus), *_state_sentences(figures)]))
    else:
        paragraphs.append(_("No State commented on %(p)s.", p=label))
    others = _others_sentences(figures)
    if others:
        paragraphs.append(" ".join(others))
    extra = _extra_sentences(figures)
    if extra:
        paragraphs.append(" ".join(extra))
    return "\n\n".join(paragraphs)


def _participation_paragraph(participation: Participation) -> str:
    if not participation.submissions:
        return _("No submissions were received.")
    groups = [
        f"{n} {group.label}" for group, n in participation.states_by_group.items() if n
    ]
    if participation.states_without_group:
        groups.append(
            f"{participation.states_without_group} {CATEGORY_PLURALS[OrgCategory.OBSERVER_STATE]}"
        )
    others = [
        f"{n} {CATEGORY_SINGULARS[c] if n == 1 else CATEGORY_PLURALS[c]}"
        for c, n in participation.by_category.items()
        if not c.is_state and n
    ]
    parts = [
        ngettext("Submissions were received from %(num)d State", "Submissions were received "
                 "from %(num)d States", participation.states)
        + (f" ({join_words(groups)})" if groups else "")
        + " "
        + ngettext("and %(num)d other stakeholder", "and %(num)d other stakeholders",
                   participation.other_stakeholders)
        + (f" ({join_words(others)})" if others else "")
        + "."
    ]
    if participation.on_behalf_of_regional_group:
        parts.append(
            _(
                "%(n)d delegations spoke on behalf of a regional group.",
                n=participation.on_behalf_of_regional_group,
            )
            if participation.on_behalf_of_regional_group > 1
            else _("One delegation spoke on behalf of a regional group.")
        )
    if participation.on_behalf_of_coalition:
        parts.append(
            ngettext("%(num)d submission was made on behalf of a group or coalition.",
                     "%(num)d submissions were made on behalf of a group or coalition.",
                     participation.on_behalf_of_coalition)
        )
    if participation.joint_submissions:
        parts.append(
            ngettext("%(num)d submission was made jointly", "%(num)d submissions were made "
                     "jointly", participation.joint_submissions)
            + ", "
            + ngettext("with %(num)d co-signing organisation.",
                       "with %(num)d co-signing organisations.",
                       participation.cosigning_organisations)
        )
    if participation.unverified_organisations:
        parts.append(
            ngettext("%(num)d participating organisation had not yet been verified.",
                     "%(num)d participating organisations had not yet been verified.",
                     participation.unverified_organisations)
        )
    return " ".join(parts)


def draft_consultation_summary(
    consultation: Consultation,
    participation: Participation,
    figures_list: Sequence[ProvisionFigures],
) -> str:
    """The drafted summary of the whole consultation (participation, then provisions by
    consensus level, then the most contested provisions)."""
    rule = rule_from_config(current_app.config)
    results = [(f, classify(f, rule)) for f in figures_list]
    paragraphs = [_participation_paragraph(participation)]
    by_level: dict[ConsensusLevel, list[str]] = {}
    for figures, result in results:
        if figures.organisations:
            by_level.setdefault(result.level, []).append(figures.label)
    sentences: list[str] = []
    level_sentences = {
        ConsensusLevel.AGREED: _l("Broad support among States, without objection, was expressed "
                                  "for %(p)s."),
        ConsensusLevel.BROADLY_SUPPORTED: _l("Broad support among States was expressed for "
                                             "%(p)s."),
        ConsensusLevel.SUPPORTED_WITH_AMENDMENTS: _l("States broadly supported %(p)s, subject "
                                                     "to amendments."),
        ConsensusLevel.CONTESTED: _l("Views among States were divided on %(p)s."),
        ConsensusLevel.BRACKETED: _l("No agreement emerged on %(p)s, which remain in square "
                                     "brackets."),
        ConsensusLevel.NO_BASIS: _l("Too few States commented on %(p)s to assess the degree of "
                                    "agreement."),
    }
    for level in ConsensusLevel:
        labels = by_level.get(level)
        if labels:
            sentences.append(str(level_sentences[level]) % {"p": join_words(labels)})
    if sentences:
        paragraphs.append(" ".join(sentences))
    contested = sorted(
        (f for f, _r in results if f.contestation),
        key=lambda f: (-(f.contestation or 0), f.position),
    )[:3]
    if contested:
        paragraphs.append(
            _(
                "The most contested provisions were %(list)s.",
                list=join_words(
                    [
                        _("%(p)s (%(share)d %% of positions opposing or with reservations)",
                          p=f.label, share=round((f.contestation or 0) * 100))
                        for f in contested
                    ]
                ),
            )
        )
    return "\n\n".join(paragraphs)
