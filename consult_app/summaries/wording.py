"""The words the consensus reasons and the drafted summaries share.

Counts in words, the way United Nations reports give them: "one delegation", "a few",
"some", "several", "many", "most" (the bounds are settings of the consultation, see
:class:`~consult_app.summaries.settings.ConsensusRule` and docs/consensus.md), never a
percentage of States. Every phrase that holds a number goes through ``ngettext``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from consult_app.accounts.models import RegionalGroup
from consult_app.summaries.figures import StateVoice, VoiceKind
from consult_app.summaries.settings import DEFAULT_RULE, ConsensusRule

#: Official names of the regional groups, as in "on behalf of the Group of African States".
GROUP_NAMES = {
    RegionalGroup.AFRICAN: _l("the Group of African States"),
    RegionalGroup.ASIA_PACIFIC: _l("the Group of Asia-Pacific States"),
    RegionalGroup.EASTERN_EUROPEAN: _l("the Group of Eastern European States"),
    RegionalGroup.GRULAC: _l("the Group of Latin American and Caribbean States"),
    RegionalGroup.WEOG: _l("the Group of Western European and other States"),
}


class Quantity(enum.Enum):
    """The quantifier words, from one to most."""

    ONE = "one"
    A_FEW = "a_few"
    SOME = "some"
    SEVERAL = "several"
    MANY = "many"
    MOST = "most"


def quantity(n: int, total: int | None = None, rule: ConsensusRule = DEFAULT_RULE) -> Quantity:
    """The quantifier of ``n`` among ``total`` (those who took a position), by ``rule``."""
    if n <= 1:
        return Quantity.ONE
    if total is not None and n >= rule.most_min and n * 2 > total:
        return Quantity.MOST
    if n <= rule.few_max:
        return Quantity.A_FEW
    if n <= rule.some_max:
        return Quantity.SOME
    if n <= rule.several_max:
        return Quantity.SEVERAL
    return Quantity.MANY


_DELEGATIONS = {
    Quantity.ONE: _l("one delegation"),
    Quantity.A_FEW: _l("a few delegations"),
    Quantity.SOME: _l("some delegations"),
    Quantity.SEVERAL: _l("several delegations"),
    Quantity.MANY: _l("many delegations"),
    Quantity.MOST: _l("most delegations"),
}
_OBSERVERS = {
    Quantity.ONE: _l("one observer State"),
    Quantity.A_FEW: _l("a few observer States"),
    Quantity.SOME: _l("some observer States"),
    Quantity.SEVERAL: _l("several observer States"),
    Quantity.MANY: _l("many observer States"),
    Quantity.MOST: _l("most observer States"),
}
_BARE = {
    Quantity.ONE: _l("one"),
    Quantity.A_FEW: _l("a few"),
    Quantity.SOME: _l("some"),
    Quantity.SEVERAL: _l("several"),
    Quantity.MANY: _l("many"),
    Quantity.MOST: _l("most"),
}


def delegations(n: int, total: int | None = None, rule: ConsensusRule = DEFAULT_RULE) -> str:
    """ "one delegation", "a few delegations", ... "most delegations"."""
    return str(_DELEGATIONS[quantity(n, total, rule)])


def observer_states(n: int, total: int | None = None, rule: ConsensusRule = DEFAULT_RULE) -> str:
    """ "one observer State", "a few observer States", ..."""
    return str(_OBSERVERS[quantity(n, total, rule)])


def others_quantifier(n: int, total: int | None = None, rule: ConsensusRule = DEFAULT_RULE) -> str:
    """ "one", "a few", "some", "several", "many" or "most" (other stakeholders)."""
    return str(_BARE[quantity(n, total, rule)])


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def join_words(items: Iterable[object]) -> str:
    """ "a", "a and b", "a, b and c"."""
    words = [str(i) for i in items]
    if not words:
        return ""
    if len(words) == 1:
        return words[0]
    return _("%(first)s and %(last)s", first=", ".join(words[:-1]), last=words[-1])


#: Beyond this many after one quantifier, a summary or a reason gives the number alone and
#: no names (a chair's summary never lists dozens of delegations; the figures, the
#: compilation and the report's participants annex say who). One limit for every list of
#: names the platform writes: summaries, consensus reasons, the report.
NAMES_AT_MOST = 10


def names_note(names: Sequence[str], count: int) -> str:
    """ " (A and B)" when every one is named, " (including A)" when only some may be,
    nothing when more than ``NAMES_AT_MOST`` hold the position."""
    if not names or count > NAMES_AT_MOST:
        return ""
    listed = join_words(sorted(names))
    if len(names) >= count:
        return f" ({listed})"
    return " " + _("(including %(names)s)", names=listed)


def regional_groups(n: int) -> str:
    return ngettext("%(num)d regional group", "%(num)d regional groups", n)


def state_positions(n: int) -> str:
    return ngettext("%(num)d State position", "%(num)d State positions", n)


def group_statement(voice: StateVoice, named: bool) -> str:
    """A statement for a group of States, as the group: "the Group of African States"."""
    if voice.kind is VoiceKind.REGIONAL_GROUP and voice.group is not None:
        return str(GROUP_NAMES[voice.group])
    if voice.group_name and named:
        return _("%(name)s (a group of States)", name=voice.group_name)
    if voice.member_ids and not voice.group_name and voice.kind is VoiceKind.GROUP_OF_STATES:
        states = len(voice.member_ids) + 1
        phrase = ngettext(
            "a joint statement by %(num)d State", "a joint statement by %(num)d States", states
        )
        names = [voice.name, *voice.member_names] if voice.name else []
        return phrase + (names_note(names, states) if named else "")
    return _("a group of States")


def describe_voices(voices: Sequence[StateVoice], named: bool) -> str:
    """Who holds a position, in numbers and (when ``named``) names, observers apart:
    "the Group of African States, 2 States of 1 regional group (Aland and Bland) and
    1 observer State"."""
    parts = [group_statement(v, named) for v in voices if v.kind.is_group]
    states = [v for v in voices if v.kind is VoiceKind.STATE]
    if states:
        groups = {v.regional_group for v in states if v.regional_group is not None}
        phrase = ngettext("%(num)d State", "%(num)d States", len(states))
        if groups:
            phrase = _(
                "%(states)s of %(groups)s", states=phrase, groups=regional_groups(len(groups))
            )
        names = [v.name for v in states if v.name] if named else []
        parts.append(phrase + names_note(names, len(states)))
    observers = [v for v in voices if v.kind is VoiceKind.OBSERVER_STATE]
    if observers:
        phrase = ngettext("%(num)d observer State", "%(num)d observer States", len(observers))
        names = [v.name for v in observers if v.name] if named else []
        parts.append(phrase + names_note(names, len(observers)))
    return join_words(parts)


def voice_names(voices: Sequence[StateVoice], named: bool) -> list[str]:
    """The names that may be said of States speaking for themselves."""
    if not named:
        return []
    return [v.name for v in voices if v.name and not v.kind.is_group]
