"""Write consult_app/accounts/data/common_passwords.txt.gz from zxcvbn's password list.

The list is the 30,000 most frequent passwords of leaked password dumps that zxcvbn ships
(Dropbox's password strength estimator, MIT licence), lower-cased, one per line, most
frequent first. Nothing is fetched from the internet: run once after ``pip install
zxcvbn`` and commit the file.

    python scripts/make_common_passwords.py
"""

from __future__ import annotations

import gzip
from pathlib import Path

from zxcvbn.frequency_lists import FREQUENCY_LISTS

TARGET = (
    Path(__file__).resolve().parent.parent / "consult_app/accounts/data/common_passwords.txt.gz"
)


def main() -> None:
    seen: dict[str, None] = {}
    for word in FREQUENCY_LISTS["passwords"]:
        word = word.strip().lower()
        if word and "\n" not in word:
            seen.setdefault(word, None)
    data = ("\n".join(seen) + "\n").encode()
    # mtime=0: the same list gives the same bytes, so a rerun changes nothing in git.
    with open(TARGET, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
        out.write(data)
    print(f"{len(seen)} passwords written to {TARGET}")


if __name__ == "__main__":
    main()
