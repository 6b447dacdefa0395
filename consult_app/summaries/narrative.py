"""Narrative summaries drafted in the wording of United Nations reports.

Counts are in words, never percentages of States: "one delegation", "a few", "some",
"several", "many", "most" (:mod:`consult_app.summaries.wording`, with the consultation's
bounds). States are read as the consensus indicator reads them: each State position once,
a statement on behalf of a group said as the group's, observer States apart, paragraph by
paragraph. Non-State participants are "other stakeholders", with their categories.
Organisations are named only when the consultation allows attribution and chose named
summaries, and never when their submission is not for publication (the figures carry only
names that may be published, see :func:`counted.may_name`). Every phrase that holds a
number goes through ``ngettext``, so that each sentence fits every count.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from consult_app.accounts.models import OrgCategory, RegionalGroup
from consult_app.consultations.models import Consultation
from consult_app.submissions.models import OnBehalfKind, Position
from consult_app.summaries.consensus import ConsensusLevel, ConsensusResult, Tally, classify
from consult_app.summaries.figures import (
    OnBehalf,
    Participation,
    ProvisionFigures,
    StateVoice,
    VoiceKind,
)
from consult_app.summaries.settings import DEFAULT_RULE, ConsensusRule
from consult_app.summaries.wording import (
    GROUP_NAMES,
    capitalise,
    delegations,
    group_statement,
    join_words,
    names_note,
    observer_states,
    others_quantifier,
    regional_groups,
)

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

STANCE_ORDER = (
    Position.SUPPORT,
    Position.SUPPORT_WITH_AMENDMENTS,
    Position.RESERVATION,
    Position.OPPOSE,
    Position.PROPOSE_DELETION,
    Position.NO_POSITION,
)

# --- counted phrases ----------------------------------------------------------------------


def did(stance: Position, n: int, who: str, what: str) -> str:
    """What ``who`` (``n`` of them) did about ``what``, as a clause without a full stop:
    "a few delegations supported paragraph 2 as drafted"."""
    if stance is Position.SUPPORT:
        return ngettext(
            "%(who)s supported %(what)s as drafted",
            "%(who)s supported %(what)s as drafted",
            n,
            who=who,
            what=what,
        )
    if stance is Position.SUPPORT_WITH_AMENDMENTS:
        return ngettext(
            "%(who)s supported %(what)s subject to amendments",
            "%(who)s supported %(what)s subject to amendments",
            n,
            who=who,
            what=what,
        )
    if stance is Position.RESERVATION:
        return ngettext(
            "%(who)s expressed reservations on %(what)s",
            "%(who)s expressed reservations on %(what)s",
            n,
            who=who,
            what=what,
        )
    if stance is Position.OPPOSE:
        return ngettext(
            "%(who)s opposed %(what)s", "%(who)s opposed %(what)s", n, who=who, what=what
        )
    if stance is Position.PROPOSE_DELETION:
        return ngettext(
            "%(who)s proposed the deletion of %(what)s",
            "%(who)s proposed the deletion of %(what)s",
            n,
            who=who,
            what=what,
        )
    return ngettext(
        "%(who)s commented on %(what)s without taking a position",
        "%(who)s commented on %(what)s without taking a position",
        n,
        who=who,
        what=what,
    )


def _sentence(clause: str) -> str:
    return capitalise(clause) + "."


def group_count(group: RegionalGroup, n: int) -> str:
    """ "3 African States", "1 Western European or other State"."""
    if group is RegionalGroup.AFRICAN:
        return ngettext("%(num)d African State", "%(num)d African States", n)
    if group is RegionalGroup.ASIA_PACIFIC:
        return ngettext("%(num)d Asia-Pacific State", "%(num)d Asia-Pacific States", n)
    if group is RegionalGroup.EASTERN_EUROPEAN:
        return ngettext("%(num)d Eastern European State", "%(num)d Eastern European States", n)
    if group is RegionalGroup.GRULAC:
        return ngettext(
            "%(num)d Latin American or Caribbean State",
            "%(num)d Latin American and Caribbean States",
            n,
        )
    return ngettext(
        "%(num)d Western European or other State", "%(num)d Western European and other States", n
    )


def category_count(category: OrgCategory, n: int) -> str:
    """ "1 observer State", "2 civil society organisations"."""
    if category is OrgCategory.MEMBER_STATE:
        return ngettext("%(num)d Member State", "%(num)d Member States", n)
    if category is OrgCategory.OBSERVER_STATE:
        return ngettext("%(num)d observer State", "%(num)d observer States", n)
    if category is OrgCategory.IGO:
        return ngettext(
            "%(num)d intergovernmental organisation", "%(num)d intergovernmental organisations", n
        )
    if category is OrgCategory.UN_ENTITY:
        return ngettext("%(num)d United Nations entity", "%(num)d United Nations entities", n)
    if category is OrgCategory.NHRI:
        return ngettext(
            "%(num)d national human rights institution",
            "%(num)d national human rights institutions",
            n,
        )
    if category is OrgCategory.NGO:
        return ngettext(
            "%(num)d civil society organisation", "%(num)d civil society organisations", n
        )
    if category is OrgCategory.ACADEMIC:
        return ngettext("%(num)d academic institution", "%(num)d academic institutions", n)
    if category is OrgCategory.BUSINESS:
        return ngettext("%(num)d business enterprise", "%(num)d business enterprises", n)
    return ngettext("%(num)d individual", "%(num)d individuals", n)


def category_list(categories: Sequence[OrgCategory]) -> str:
    return join_words([str(CATEGORY_PLURALS[c]) for c in categories])


def _part(target: int | None, result: ConsensusResult) -> str:
    """ "the provision", or "paragraph 2 (b)" (as the reading labels it)."""
    if target is None:
        return _("the provision")
    return next(t.label for t in result.targets if t.paragraph_id == target)


# --- one provision ------------------------------------------------------------------------


def _opening(label: str, consensus: ConsensusResult, rule: ConsensusRule) -> str:
    level = consensus.level
    parts = [t.label for t in consensus.holding_back if t.paragraph_id is not None]
    whole = any(t.paragraph_id is None for t in consensus.holding_back)
    if level is ConsensusLevel.AGREED:
        return _("There was broad support among States for %(p)s, with no objection.", p=label)
    if level is ConsensusLevel.NO_OBJECTION:
        groups = len({g for v in consensus.positions for g in v.regional_groups})
        return _(
            "No State objected to %(p)s, on which States of %(groups)s took a position.",
            p=label,
            groups=regional_groups(groups),
        )
    if level is ConsensusLevel.SUPPORTED_WITH_AMENDMENTS:
        if whole or not parts:
            return _("States supported %(p)s subject to amendments, without objection.", p=label)
        return _(
            "States supported %(p)s without objection, subject to amendments to %(parts)s.",
            p=label,
            parts=join_words(parts),
        )
    if level is ConsensusLevel.BRACKETED:
        if whole or not parts:
            return _(
                "%(p)s did not command agreement among States and remains in square brackets.",
                p=capitalise(label),
            )
        return ngettext(
            "%(p)s did not command full agreement among States: %(parts)s remains in square "
            "brackets.",
            "%(p)s did not command full agreement among States: %(parts)s remain in square "
            "brackets.",
            len(parts),
            p=capitalise(label),
            parts=join_words(parts),
        )
    return _("Too few States commented on %(p)s to assess the degree of agreement.", p=label)


def _direct(reading: Tally, target: int | None) -> dict[Position, list[StateVoice]]:
    """The counted State positions taken on ``target`` itself (not inherited)."""
    by_position: dict[Position, list[StateVoice]] = {}
    for voices in reading.by_position.values():
        for voice in voices:
            if target in voice.positions:
                by_position.setdefault(voice.positions[target], []).append(voice)
    return by_position


def listed(names: Sequence[str], count: int) -> str:
    """Names after a quantifier, unless there are too many to read (then counts only)."""
    return names_note(names, count)


def _state_sentences(consensus: ConsensusResult, rule: ConsensusRule) -> list[str]:
    named = rule.named
    sentences: list[str] = []
    for target in consensus.targets:
        what = _part(target.paragraph_id, consensus)
        direct = _direct(target.tally, target.paragraph_id)
        # "Most" is of the delegations (States and group statements) that spoke to this
        # part; observer States are counted among themselves.
        delegations_total = sum(1 for vs in direct.values() for v in vs if not v.is_observer)
        observers_total = sum(1 for vs in direct.values() for v in vs if v.is_observer)
        for stance in STANCE_ORDER:
            voices = direct.get(stance, [])
            statements: dict[str, int] = {}
            for voice in (v for v in voices if v.kind.is_group):
                joint = (
                    voice.kind is VoiceKind.GROUP_OF_STATES
                    and not voice.group_name
                    and (bool(voice.member_ids))
                )
                if joint:
                    who = group_statement(voice, named)
                    sentences.append(_sentence(did(stance, 1, who, what)))
                else:
                    phrase = group_statement(voice, named)
                    statements[phrase] = statements.get(phrase, 0) + 1
            for phrase, n in statements.items():
                if n == 1:
                    who = _("one delegation, speaking on behalf of %(group)s,", group=phrase)
                else:
                    who = _(
                        "%(who)s, each speaking on behalf of %(group)s,",
                        who=delegations(n, delegations_total, rule),
                        group=phrase,
                    )
                sentences.append(_sentence(did(stance, n, who, what)))
            states = [v for v in voices if v.kind is VoiceKind.STATE]
            if states:
                names = [v.name for v in states if v.name] if named else []
                who = delegations(len(states), delegations_total, rule) + listed(names, len(states))
                sentences.append(_sentence(did(stance, len(states), who, what)))
            observers = [v for v in voices if v.kind is VoiceKind.OBSERVER_STATE]
            if observers:
                names = [v.name for v in observers if v.name] if named else []
                who = observer_states(len(observers), observers_total, rule) + listed(
                    names, len(observers)
                )
                sentences.append(_sentence(did(stance, len(observers), who, what)))
        sentences += _aligned_sentences(target.tally, target.paragraph_id, rule)
    return sentences


def _aligned_sentences(reading: Tally, target: int | None, rule: ConsensusRule) -> list[str]:
    by_group: dict[int, tuple[StateVoice, list[StateVoice]]] = {}
    for member, group in reading.aligned:
        if target in member.positions:
            by_group.setdefault(group.submission_id, (group, []))[1].append(member)
    sentences = []
    for group, members in by_group.values():
        names = [m.name for m in members if m.name] if rule.named else []
        who = capitalise(delegations(len(members), None, rule)) + listed(names, len(members))
        sentences.append(
            ngettext(
                "%(who)s aligned itself with the statement made on behalf of %(group)s.",
                "%(who)s aligned themselves with the statement made on behalf of %(group)s.",
                len(members),
                who=who,
                group=group_statement(group, rule.named),
            )
        )
    return sentences


def _others_sentences(figures: ProvisionFigures, rule: ConsensusRule) -> list[str]:
    others = figures.other_stakeholders
    if not others.organisations:
        return []
    categories = [c for c in figures.by_category if not c.is_state]
    what = _("the provision")
    clauses: list[str] = []
    total = others.organisations
    for stance in STANCE_ORDER:
        n = others.stances[stance]
        if not n:
            continue
        names = (
            [s.name for s in figures.named if not s.category.is_state and s.stance is stance]
            if rule.named
            else []
        )
        clauses.append(did(stance, n, others_quantifier(n, total, rule) + listed(names, n), what))
    sentences = [
        _(
            "Among other stakeholders (%(categories)s), %(clauses)s.",
            categories=category_list(categories),
            clauses=join_words(clauses),
        )
    ]
    for joint in figures.joint:
        if joint.lead_category.is_state:
            continue  # said with the States, as one State position
        if joint.submissions == 1:
            who = ngettext(
                "a joint submission by %(num)d organisation, counted once above,",
                "a joint submission by %(num)d organisations, counted once above,",
                joint.organisations,
            )
        else:
            who = ngettext(
                "%(num)d joint submissions, each by %(n)d organisations and counted once above,",
                "%(num)d joint submissions, each by %(n)d organisations and counted once above,",
                joint.submissions,
                n=joint.organisations,
            )
        sentences.append(_sentence(did(joint.stance, joint.submissions, who, what)))
    for item in figures.on_behalf:
        if item.lead_category.is_state:
            continue
        group = _on_behalf_phrase(item)
        if item.submissions == 1:
            who = _("one other stakeholder, speaking on behalf of %(group)s,", group=group)
        else:
            who = _(
                "%(who)s other stakeholders, each speaking on behalf of %(group)s,",
                who=others_quantifier(item.submissions, None, rule),
                group=group,
            )
        sentences.append(_sentence(did(item.stance, item.submissions, who, what)))
    return sentences


def _on_behalf_phrase(item: OnBehalf) -> str:
    if item.kind is OnBehalfKind.REGIONAL_GROUP and item.regional_group is not None:
        return str(GROUP_NAMES[item.regional_group])
    if item.name:
        return item.name
    return _("a group of organisations")


def _extra_sentences(figures: ProvisionFigures) -> list[str]:
    sentences: list[str] = []
    for campaign in figures.campaigns:
        sentences.append(
            ngettext(
                "A campaign contributed %(num)d near-identical comment from one text, counted "
                "as %(num)d item.",
                "A campaign contributed %(num)d near-identical comments from one text, counted "
                "as %(num)d items.",
                campaign.items,
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
        wordings = sum(len(c.variants) for c in figures.amendments)
        sentence = ngettext(
            "%(num)d amended wording was proposed",
            "%(num)d amended wordings were proposed",
            wordings,
        )
        if wordings > 1:
            sentence = _(
                "%(wordings)s; %(groups)s",
                wordings=sentence,
                groups=ngettext(
                    "they fall into %(num)d group of similar wording",
                    "they fall into %(num)d groups of similar wording",
                    len(figures.amendments),
                ),
            )
        sentences.append(sentence + ".")
    if figures.themes:
        themes = join_words([t.name for t in figures.themes[:3]])
        if len(figures.themes) > 3:
            sentences.append(_("Themes raised included %(themes)s.", themes=themes))
        else:
            sentences.append(
                ngettext(
                    "The theme raised was %(themes)s.",
                    "The themes raised were %(themes)s.",
                    len(figures.themes),
                    themes=themes,
                )
            )
    return sentences


def draft_provision_summary(
    consultation: Consultation, figures: ProvisionFigures, consensus: ConsensusResult
) -> str:
    """The drafted summary of one provision: paragraphs separated by blank lines."""
    label = figures.label
    rule = figures.rule
    if not figures.organisations:
        return _("No comments were received on %(p)s.", p=label)
    paragraphs: list[str] = []
    if figures.states.organisations:
        paragraphs.append(
            " ".join([_opening(label, consensus, rule), *_state_sentences(consensus, rule)])
        )
    else:
        paragraphs.append(_("No State commented on %(p)s.", p=label))
    others = _others_sentences(figures, rule)
    if others:
        paragraphs.append(" ".join(others))
    extra = _extra_sentences(figures)
    if extra:
        paragraphs.append(" ".join(extra))
    return "\n\n".join(paragraphs)


# --- the whole consultation ---------------------------------------------------------------


def _states_detail(participation: Participation) -> list[str]:
    parts = [group_count(g, n) for g, n in participation.states_by_group.items() if n]
    if participation.states_without_group:
        parts.append(
            ngettext(
                "%(num)d Member State outside the regional groups",
                "%(num)d Member States outside the regional groups",
                participation.states_without_group,
            )
        )
    if participation.observer_states:
        parts.append(category_count(OrgCategory.OBSERVER_STATE, participation.observer_states))
    return parts


def participation_sentences(participation: Participation) -> list[str]:
    """Who made submissions, and how many comments they made (States and others apart)."""
    if not participation.submissions:
        return [_("No submissions were received.")]
    states = participation.states
    others = participation.other_stakeholders
    state_detail = _states_detail(participation)
    other_detail = [
        category_count(c, n) for c, n in participation.by_category.items() if not c.is_state and n
    ]
    states_phrase = ngettext("%(num)d State", "%(num)d States", states) + (
        f" ({join_words(state_detail)})" if state_detail else ""
    )
    others_phrase = ngettext("%(num)d other stakeholder", "%(num)d other stakeholders", others) + (
        f" ({join_words(other_detail)})" if other_detail else ""
    )
    if states and others:
        received = _(
            "Submissions were received from %(states)s and %(others)s.",
            states=states_phrase,
            others=others_phrase,
        )
    elif states:
        received = _(
            "Submissions were received from %(states)s, and from no other stakeholder.",
            states=states_phrase,
        )
    else:
        received = _(
            "Submissions were received from %(others)s, and from no State.", others=others_phrase
        )
    sentences = [
        received,
        _(
            "Comments received: %(total)d, of which %(states)d from States and %(others)d "
            "from other stakeholders.",
            total=participation.comments,
            states=participation.state_comments,
            others=participation.other_comments,
        ),
    ]
    behalf = participation.on_behalf_of_regional_group
    if behalf == 1:
        sentences.append(_("One delegation spoke on behalf of a regional group."))
    elif behalf:
        sentences.append(
            ngettext(
                "%(num)d delegation spoke on behalf of a regional group.",
                "%(num)d delegations spoke on behalf of a regional group.",
                behalf,
            )
        )
    if participation.on_behalf_of_coalition:
        sentences.append(
            ngettext(
                "%(num)d submission was made on behalf of a group or coalition.",
                "%(num)d submissions were made on behalf of a group or coalition.",
                participation.on_behalf_of_coalition,
            )
        )
    if participation.joint_submissions:
        sentences.append(
            _(
                "%(joint)s, %(cosigners)s.",
                joint=ngettext(
                    "%(num)d submission was made jointly",
                    "%(num)d submissions were made jointly",
                    participation.joint_submissions,
                ),
                cosigners=ngettext(
                    "with %(num)d co-signing organisation",
                    "with %(num)d co-signing organisations",
                    participation.cosigning_organisations,
                ),
            )
        )
    if participation.unverified_organisations:
        sentences.append(
            ngettext(
                "%(num)d participating organisation had not yet been verified.",
                "%(num)d participating organisations had not yet been verified.",
                participation.unverified_organisations,
            )
        )
    return sentences


def _where(figures: ProvisionFigures, result: ConsensusResult) -> str:
    """ "Article 3", or "Article 3 (paragraph 2)" when parts of it hold it back."""
    parts = [t.label for t in result.holding_back if t.paragraph_id is not None]
    if not parts or any(t.paragraph_id is None for t in result.holding_back):
        return figures.label
    return _("%(p)s (%(parts)s)", p=figures.label, parts=join_words(parts))


def _level_sentence(level: ConsensusLevel, items: list[str], rule: ConsensusRule) -> str:
    n, p = len(items), join_words(items)
    if level is ConsensusLevel.AGREED:
        return ngettext(
            "There was broad support among States, without objection, for %(p)s.",
            "There was broad support among States, without objection, for %(p)s.",
            n,
            p=p,
        )
    if level is ConsensusLevel.NO_OBJECTION:
        return ngettext(
            "No State objected to %(p)s, on which States of fewer than %(groups)s took a position.",
            "No State objected to %(p)s, on which States of fewer than %(groups)s took a position.",
            n,
            p=p,
            groups=regional_groups(rule.agreed_min_groups),
        )
    if level is ConsensusLevel.SUPPORTED_WITH_AMENDMENTS:
        return ngettext(
            "States supported %(p)s subject to amendments, without objection.",
            "States supported %(p)s subject to amendments, without objection.",
            n,
            p=p,
        )
    if level is ConsensusLevel.BRACKETED:
        return ngettext(
            "%(p)s did not command agreement and remains in square brackets.",
            "%(p)s did not command agreement and remain in square brackets.",
            n,
            p=capitalise(p),
        )
    return ngettext(
        "Too few States commented on %(p)s to assess the degree of agreement.",
        "Too few States commented on %(p)s to assess the degree of agreement.",
        n,
        p=p,
    )


def _objection_words(result: ConsensusResult, rule: ConsensusRule) -> str:
    """ "several delegations from 3 regional groups", "the Group of African States"."""
    voices = result.objection.voices
    parts = [group_statement(v, rule.named) for v in voices if v.kind.is_group]
    states = [v for v in voices if v.kind is VoiceKind.STATE]
    if states:
        phrase = delegations(len(states), None, rule)
        groups = len({v.regional_group for v in states if v.regional_group is not None})
        if len(states) > 1 and groups:
            phrase = _("%(who)s from %(groups)s", who=phrase, groups=regional_groups(groups))
        parts.append(phrase)
    observers = [v for v in voices if v.kind is VoiceKind.OBSERVER_STATE]
    if observers:
        parts.append(observer_states(len(observers), None, rule))
    return join_words(parts)


def draft_consultation_summary(
    consultation: Consultation,
    participation: Participation,
    figures_list: Sequence[ProvisionFigures],
) -> str:
    """The drafted summary of the whole consultation (participation, then provisions by
    consensus level, then those that drew objections)."""
    results = [(f, classify(f)) for f in figures_list]
    rule = figures_list[0].rule if figures_list else DEFAULT_RULE
    paragraphs = [" ".join(participation_sentences(participation))]
    by_level: dict[ConsensusLevel, list[str]] = {}
    for figures, result in results:
        if figures.organisations:
            by_level.setdefault(result.level, []).append(_where(figures, result))
    sentences = [
        _level_sentence(level, by_level[level], rule)
        for level in ConsensusLevel
        if by_level.get(level)
    ]
    if sentences:
        paragraphs.append(" ".join(sentences))
    objected = sorted(
        ((f, r) for f, r in results if r.objection.positions),
        key=lambda item: (
            -item[1].objection.positions,
            -item[1].objection.regional_groups,
            item[0].position,
        ),
    )
    if objected:
        listed = [
            ngettext(
                "%(p)s (objection by %(who)s)",
                "%(p)s (objections by %(who)s)",
                r.objection.positions,
                p=f.label,
                who=_objection_words(r, rule),
            )
            for f, r in objected[:3]
        ]
        if len(objected) > 3:
            paragraphs.append(
                _(
                    "The provisions that drew the most objections were %(list)s.",
                    list=join_words(listed),
                )
            )
        else:
            paragraphs.append(
                ngettext(
                    "The provision that drew objections was %(list)s.",
                    "The provisions that drew objections were %(list)s.",
                    len(listed),
                    list=join_words(listed),
                )
            )
    return "\n\n".join(paragraphs)
