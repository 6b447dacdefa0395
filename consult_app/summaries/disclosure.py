"""Small-count suppression of the figures the public sees (security finding F9).

A participant that asked not to be published must not be identifiable from the public
figures: "business: 1 organisation, 1 reservation" on one article names it to anyone who
knows which company took part. Every figure the public sees is therefore passed through
:func:`public_figures` / :func:`public_participation`, which withhold each slice of
participants (a category, a regional group, the States, the other stakeholders, the
organisations not yet verified) counting fewer than ``PUBLIC_MIN_CELL_SIZE`` organisations
(but at least one). Where a breakdown would let a withheld slice be worked out by
subtraction from the others and the total (one slice withheld alone), the next smallest
slice is withheld too. Groupings (on behalf of a group, joint submissions) of fewer than
that many organisations are left out and counted as withheld.

The counting itself (:mod:`consult_app.summaries.aggregation`) is unchanged: the consensus
indicator is read from the full figures first (it speaks of States' positions, which are
public acts), and the secretariat sees every figure as counted.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import current_app, has_app_context
from flask_babel import gettext as _

from consult_app.accounts.models import OrgCategory, RegionalGroup
from consult_app.summaries.figures import GroupFigures, Participation, ProvisionFigures

DEFAULT_MIN_CELL_SIZE = 3

K = TypeVar("K", bound=Hashable)


def min_cell_size() -> int:
    """The smallest number of organisations a public figure may count (1: no suppression)."""
    if not has_app_context():
        return DEFAULT_MIN_CELL_SIZE
    value = current_app.config.get("PUBLIC_MIN_CELL_SIZE", DEFAULT_MIN_CELL_SIZE)
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return DEFAULT_MIN_CELL_SIZE


@dataclass
class SuppressedGroup(GroupFigures):
    """A slice withheld from the public: every count zero, ``below`` says "fewer than"."""

    below: int = DEFAULT_MIN_CELL_SIZE

    @property
    def note(self) -> str:
        return _("fewer than %(n)d", n=self.below)


@dataclass(frozen=True)
class SmallCount:
    """A withheld count in a simple table (participation): prints as "fewer than N"."""

    below: int

    def __str__(self) -> str:
        return _("fewer than %(n)d", n=self.below)


def is_suppressed(value: Any) -> bool:
    return isinstance(value, (SuppressedGroup, SmallCount))


def _withheld_keys(sizes: Mapping[K, int], n: int) -> set[K]:
    """Keys whose size is in 1..n-1, plus the next smallest when one alone is withheld
    (so that it cannot be worked out by subtraction)."""
    withheld = {key for key, size in sizes.items() if 0 < size < n}
    if len(withheld) == 1:
        rest = sorted(
            ((size, str(key)) for key, size in sizes.items() if key not in withheld and size),
        )
        if rest:
            smallest = rest[0][1]
            withheld |= {key for key in sizes if str(key) == smallest}
    return withheld


def _suppress_map(
    parts: Mapping[K, GroupFigures], n: int, size: Callable[[GroupFigures], int]
) -> tuple[dict[K, GroupFigures], set[K]]:
    withheld = _withheld_keys({key: size(part) for key, part in parts.items()}, n)
    return (
        {
            key: (SuppressedGroup(below=n) if key in withheld else part)
            for key, part in parts.items()
        },
        withheld,
    )


def _organisations(part: GroupFigures) -> int:
    return part.organisations


@dataclass
class PublicFigures(ProvisionFigures):
    """Figures of one provision as the public sees them."""

    min_cell_size: int = DEFAULT_MIN_CELL_SIZE
    #: Categories and regional groups withheld: unnamed reservations do not show them.
    withheld_categories: frozenset[OrgCategory] = frozenset()
    withheld_groups: frozenset[RegionalGroup] = frozenset()
    #: Groupings (on behalf, joint) left out because they are too small.
    withheld_groupings: int = 0
    #: Whether anything at all was withheld (the page then says why).
    any_withheld: bool = False


def public_figures(figures: ProvisionFigures, n: int | None = None) -> PublicFigures:
    """``figures`` with every slice of fewer than ``n`` organisations withheld."""
    n = min_cell_size() if n is None else n
    values = {f.name: getattr(figures, f.name) for f in dataclasses.fields(ProvisionFigures)}
    values["public_only"] = True
    if n <= 1:
        return PublicFigures(**values, min_cell_size=1)
    by_category, categories = _suppress_map(figures.by_category, n, _organisations)
    by_group, groups = _suppress_map(figures.by_regional_group, n, _organisations)
    pair, pair_withheld = _suppress_map(
        {"states": figures.states, "others": figures.other_stakeholders}, n, _organisations
    )
    unverified = figures.unverified
    unverified_withheld = 0 < unverified.organisations < n
    if unverified_withheld:
        unverified = SuppressedGroup(below=n)
    on_behalf = [item for item in figures.on_behalf if item.submissions >= n]
    joint = [item for item in figures.joint if item.submissions * item.organisations >= n]
    dropped = len(figures.on_behalf) - len(on_behalf) + len(figures.joint) - len(joint)
    values.update(
        by_category=by_category,
        by_regional_group=by_group,
        states=pair["states"],
        other_stakeholders=pair["others"],
        unverified=unverified,
        on_behalf=on_behalf,
        joint=joint,
    )
    return PublicFigures(
        **values,
        min_cell_size=n,
        withheld_categories=frozenset(categories),
        withheld_groups=frozenset(groups),
        withheld_groupings=dropped,
        any_withheld=bool(categories or groups or pair_withheld or unverified_withheld or dropped),
    )


def public_participation(people: Participation, n: int | None = None) -> Participation:
    """Participation with each category or regional group of fewer than ``n`` organisations
    shown as "fewer than n" (:class:`SmallCount`) in its tables and left out of its charts."""
    n = min_cell_size() if n is None else n
    if n <= 1:
        return people
    categories = _withheld_keys(people.by_category, n)
    groups = _withheld_keys(people.states_by_group, n)
    by_category: dict[Any, Any] = {
        c: (SmallCount(n) if c in categories else count) for c, count in people.by_category.items()
    }
    by_group: dict[Any, Any] = {
        g: (SmallCount(n) if g in groups else count) for g, count in people.states_by_group.items()
    }
    return dataclasses.replace(people, by_category=by_category, states_by_group=by_group)


def shown_counts(items: Mapping[K, Any]) -> list[tuple[K, int]]:
    """The counts of a participation table that a chart may draw (withheld ones left out)."""
    return [(key, value) for key, value in items.items() if isinstance(value, int)]
