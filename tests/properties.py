"""Shared pieces of the property-based tests (hypothesis): hostile text, and the row count
of every table, so that a property can say "a refused input writes nothing".

Kept bounded: a few dozen examples per property, no deadline (the machine is shared), no
example database (each run starts from the same derandomised examples).
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from consult_app.extensions import db

BOUNDED = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

#: What attackers and clumsy pastes send: NUL and other controls, bidirectional overrides,
#: markup, SQL, huge numbers, formula prefixes, long runs, lone combining marks.
NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x1b[31m",
    "\u202etxt.exe",
    "\u200b",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    '"; DROP TABLE users; --',
    '=HYPERLINK("http://evil.example")',
    "9" * 40,
    "-1",
    "1e309",
    "x" * 5000,
    "\u0301",
    "\ufeff",
    "%00",
    "../../etc/passwd",
    "ملاحظة",
    "条约",
]

hostile_text = st.one_of(
    st.sampled_from(NASTY),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=200),
)


def row_counts(*leave_out: str) -> dict[str, Any]:
    """Rows per table (tables named in ``leave_out`` aside, e.g. deliberate counters)."""
    db.session.expire_all()
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
        if table.name not in leave_out
    }
