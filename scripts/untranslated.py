"""Report how many messages each catalog in consult_app/translations leaves untranslated.

Usage: ``python scripts/untranslated.py [--list LOCALE] [--max-untranslated N]``.
A message counts as untranslated when it is missing from the catalog, empty (any plural
form), or marked fuzzy (fuzzy translations are not compiled, so readers see English).
``--list fr`` prints those messages for French; ``--max-untranslated N`` exits with status 1
when some catalog has more than N untranslated messages (for CI, if wanted).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parent.parent / "consult_app" / "translations"


def _load(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def is_translated(message: Message) -> bool:
    """True when every form of the message has a non-empty, non-fuzzy translation."""
    if message.fuzzy:
        return False
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return bool(strings) and all(s for s in strings)


def missing(template: Catalog, catalog: Catalog) -> list[str]:
    """The msgids of the template that the catalog does not translate."""
    out = []
    for message in template:
        if not message.id:
            continue
        found = catalog.get(message.id, message.context)
        if found is None or not is_translated(found):
            out.append(message.id if isinstance(message.id, str) else message.id[0])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", metavar="LOCALE", help="print the untranslated messages")
    parser.add_argument("--max-untranslated", type=int, default=None)
    args = parser.parse_args(argv)

    template = _load(TRANSLATIONS / "messages.pot")
    total = sum(1 for m in template if m.id)
    worst = 0
    print(f"{'locale':<8}{'total':>7}{'translated':>12}{'untranslated':>14}{'fuzzy':>7}")
    for po in sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")):
        locale = po.parent.parent.name
        catalog = _load(po)
        todo = missing(template, catalog)
        fuzzy = sum(1 for m in catalog if m.id and m.fuzzy)
        worst = max(worst, len(todo))
        print(f"{locale:<8}{total:>7}{total - len(todo):>12}{len(todo):>14}{fuzzy:>7}")
        if args.list == locale:
            for msgid in todo:
                print("   ", msgid.replace("\n", "\\n"))
    if args.max_untranslated is not None and worst > args.max_untranslated:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
