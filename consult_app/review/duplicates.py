"""Near-duplicate and campaign detection with MinHash signatures and LSH banding.

The method, in the order the data flows:

1. **Normalise** each text: Unicode NFKC, case folding, every run of punctuation, symbols
   and whitespace turned into one space. "Dear  Chair," and "dear chair" become equal.
2. **Shingle**: the set of overlapping word 3-grams (``shingle="word3"``, the default) or
   character k-grams (``"char5"``); a text shorter than k units is one shingle. Word
   3-grams were chosen by measurement (docs/benchmarks.md): on the generated corpus they
   reach the same precision and recall as character 5-grams at a sixth of the indexing
   time, and keep organic comments on the same topics further apart (character 5-grams
   group a few of them at 0.6). Character k-grams suit scripts written without spaces.
3. **MinHash**: ``num_perm`` seeded multiply-shift hash functions; the signature of a text
   is the minimum of each function over its shingles (32 bits per value). The fraction of
   equal positions in two signatures estimates the Jaccard similarity of the shingle sets
   (standard error ``sqrt(J(1-J)/num_perm)``).
4. **LSH banding**: the signature is cut into ``bands`` bands of ``rows`` values; texts
   whose band is equal in at least one band become candidates. The chance that a pair with
   similarity ``s`` becomes a candidate is ``1 - (1 - s**rows)**bands``; by default the
   banding is chosen from the threshold so that this is close to 1 above it.
5. **Verification**: inside each bucket every member is compared with its neighbour and
   with the bucket's first member (linear in the bucket size, never all pairs); a pair is
   kept only if its estimated Jaccard similarity is at least ``threshold``. The estimate
   is used rather than the exact shingle sets so that no text or shingle set is kept.
   The default threshold, 0.6, comes from the measurements: members of a campaign (a
   template with its own salutation, signature and a few edited words) have a word 3-gram
   similarity of 0.55 to 0.9 with one another, organic comments on the same provisions
   stay below 0.3; at 0.8 half of the campaign pairs are missed.
6. **Groups**: the connected components of the kept pairs (union-find by hooking with path
   compression, vectorised). A group's representative is its best-connected member.

The detector is streaming: ``add`` takes one comment at a time and keeps, per comment,
only its id and its signature (``4 * num_perm`` bytes); texts are normalised and hashed in
batches of ``batch_size`` and then dropped. Hash functions are drawn from a seeded
generator, so the same input in the same order always gives the same groups.
"""

from __future__ import annotations

import itertools
import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

logger = logging.getLogger(__name__)

U64 = npt.NDArray[np.uint64]
U32 = npt.NDArray[np.uint32]
I64 = npt.NDArray[np.int64]

_NON_WORD = re.compile(r"[\W_]+")
_SHINGLE = re.compile(r"^(word|char)([1-9][0-9]?)$")
_MASK64 = (1 << 64) - 1
_POLY_BASE = 0x100000001B3  # odd: invertible modulo 2**64
_MIX1 = np.uint64(0xFF51AFD7ED558CCD)
_MIX2 = np.uint64(0xC4CEB9FE1A85EC53)
_SHIFT33 = np.uint64(33)
_SHIFT32 = np.uint64(32)
# Odd multipliers that combine the k units of a shingle (position-dependent, so "a b c"
# and "c b a" differ).
_UNIT_WEIGHTS = np.array(
    [
        0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB, 0xD6E8FEB86659FD93,
        0xA0761D6478BD642F, 0xE7037ED1A0B428DB, 0x8EBC6AF09C88C6E3, 0x589965CC75374CC3,
        0x1D8E4E27C47D124F, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5,
    ],
    dtype=np.uint64,
)  # fmt: skip


def normalise(text: str) -> str:
    """Text reduced for comparison: NFKC, case-folded, punctuation and spaces as one space."""
    return _NON_WORD.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


# For ASCII texts (already NFKC; casefold is lower) a byte table does what the regular
# expression does, three times faster: letters and digits kept, everything else a space.
_ASCII_TABLE = bytes(c if chr(c).isalnum() and c < 128 else 32 for c in range(256))


def _normalise_words(text: str) -> bytes:
    """``normalise(text)`` as UTF-8, except that runs of spaces may remain (words unchanged)."""
    if text.isascii():
        return text.encode("ascii").lower().translate(_ASCII_TABLE)
    return normalise(text).encode("utf-8")


def _fmix64(x: U64) -> U64:
    """MurmurHash3's finaliser: every input bit affects every output bit (in place)."""
    x ^= x >> _SHIFT33
    x *= _MIX1
    x ^= x >> _SHIFT33
    x *= _MIX2
    x ^= x >> _SHIFT33
    return x


_power_cache: dict[int, U64] = {}


def _powers(base: int, count: int) -> U64:
    """``base**0 .. base**(count-1)`` modulo 2**64 (cached, grown by doubling)."""
    cached = _power_cache.get(base)
    if cached is None or cached.size < count:
        size = max(count, 2 * (cached.size if cached is not None else 1 << 16))
        cached = np.full(size, base, dtype=np.uint64)
        cached[0] = 1
        cached = np.cumprod(cached, dtype=np.uint64)
        _power_cache[base] = cached
    return cached[:count]


def _word_units(texts: list[bytes]) -> tuple[U64, I64]:
    """A 64-bit hash per word of each normalised text, and the number of words per text."""
    data = np.frombuffer(b" ".join(texts), dtype=np.uint8)
    word = data != 32
    edge = np.diff(word.astype(np.int8), prepend=np.int8(0), append=np.int8(0))
    starts = np.flatnonzero(edge == 1)
    ends = np.flatnonzero(edge == -1)
    text_starts = np.cumsum([0] + [len(text) + 1 for text in texts[:-1]])
    owner = np.searchsorted(text_starts, starts, side="right") - 1
    counts = np.bincount(owner, minlength=len(texts)).astype(np.int64)
    # Polynomial hash of each word from prefix sums: (P[end] - P[start]) / base**start.
    prefix = np.zeros(data.size + 1, dtype=np.uint64)
    np.cumsum(data.astype(np.uint64) * _powers(_POLY_BASE, data.size), out=prefix[1:])
    inverse = pow(_POLY_BASE, -1, 1 << 64)
    words = (prefix[ends] - prefix[starts]) * _powers(inverse, data.size + 1)[starts]
    return _fmix64(words), counts


def _char_units(texts: list[bytes]) -> tuple[U64, I64]:
    """Each character (code point) of each normalised text, and the length of each text."""
    decoded = [text.decode("utf-8") for text in texts]
    counts = np.array([len(text) for text in decoded], dtype=np.int64)
    data = np.frombuffer("".join(decoded).encode("utf-32-le"), dtype=np.uint32)
    return data.astype(np.uint64), counts


def _shingles(units: U64, counts: I64, k: int) -> tuple[U64, I64]:
    """Hashes of the k-grams of units within each text, and each text's first shingle index.

    A text with fewer than k units (but at least one) yields one shingle of all its units.
    """
    per_text = np.maximum(counts - k + 1, 1)
    text_start = np.concatenate(([0], np.cumsum(counts)[:-1]))
    shingle_start = np.concatenate(([0], np.cumsum(per_text)[:-1]))
    total = int(per_text.sum())
    owner = np.repeat(np.arange(counts.size), per_text)
    position = np.arange(total, dtype=np.int64) - shingle_start[owner] + text_start[owner]
    length = counts[owner]
    local = position - text_start[owner]
    combined = np.zeros(total, dtype=np.uint64)
    for t in range(k):
        present = local + t < length
        index = np.minimum(position + t, units.size - 1)
        combined += np.where(present, units[index] * _UNIT_WEIGHTS[t], np.uint64(0))
    return _fmix64(combined), shingle_start


@dataclass(frozen=True)
class Group:
    """Comments found to be near-identical: ids, a representative, and how similar they are.

    ``similarity`` is the mean, and ``min_similarity`` the lowest, estimated Jaccard
    similarity of the other members to the representative.
    """

    members: tuple[int, ...]
    representative: int
    similarity: float
    min_similarity: float

    @property
    def size(self) -> int:
        return len(self.members)

    def as_dict(self) -> dict[str, Any]:
        return {
            "representative": self.representative,
            "members": list(self.members),
            "size": self.size,
            "similarity": round(self.similarity, 4),
            "min_similarity": round(self.min_similarity, 4),
        }


def choose_banding(threshold: float, num_perm: int) -> tuple[int, int]:
    """``(bands, rows)`` with ``bands * rows <= num_perm`` that best separate at ``threshold``.

    Minimises a weighted sum of the expected share of pairs below the threshold that become
    candidates and of pairs above it that are missed. Misses weigh more: a spurious candidate
    only costs one verification, a miss loses a duplicate.
    """
    grid = np.linspace(0.0, 1.0, 1001)
    step = 1.0 / 1000
    below = grid < threshold
    best: tuple[float, int, int] | None = None
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            collide = 1.0 - (1.0 - grid**rows) ** bands
            false_pos = float(collide[below].sum()) * step
            false_neg = float((1.0 - collide[~below]).sum()) * step
            cost = 0.1 * false_pos + 0.9 * false_neg
            if best is None or cost < best[0] - 1e-12:
                best = (cost, bands, rows)
    assert best is not None
    return best[1], best[2]


class DuplicateDetector:
    """Streaming MinHash/LSH near-duplicate detector (see the module docstring)."""

    def __init__(
        self,
        threshold: float = 0.6,
        num_perm: int = 64,
        bands: int | None = None,
        shingle: str = "word3",
        *,
        seed: int = 1,
        batch_size: int = 2000,
    ) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError("threshold must be in (0, 1]")
        if num_perm < 1:
            raise ValueError("num_perm must be positive")
        match = _SHINGLE.match(shingle)
        if match is None:
            raise ValueError("shingle must be 'word<k>' or 'char<k>' with k from 1 to 12")
        self.shingle_kind = match.group(1)
        self.shingle_size = int(match.group(2))
        if self.shingle_size > _UNIT_WEIGHTS.size:
            raise ValueError("shingle size must be at most 12")
        if bands is None:
            bands, rows = choose_banding(threshold, num_perm)
        elif 1 <= bands <= num_perm:
            rows = num_perm // bands  # the last num_perm % bands values are not banded
        else:
            raise ValueError("bands must be between 1 and num_perm")
        self.threshold = threshold
        self.num_perm = num_perm
        self.bands = bands
        self.rows = rows
        self.batch_size = max(1, batch_size)
        generator = np.random.default_rng(seed)
        self._mul = generator.integers(0, 1 << 63, num_perm, dtype=np.uint64) * np.uint64(2)
        self._mul += np.uint64(1)  # odd multipliers
        self._add = generator.integers(0, 1 << 63, num_perm, dtype=np.uint64)
        self._band_seeds = generator.integers(1, 1 << 63, num_perm, dtype=np.uint64)
        self._pending_ids: list[int] = []
        self._pending_texts: list[bytes] = []
        self._id_chunks: list[I64] = []
        self._sig_chunks: list[U32] = []
        self.skipped = 0  # texts with no word at all, never grouped

    # -- indexing ---------------------------------------------------------------------------

    def add(self, item_id: int, text: str) -> None:
        """Index one comment. Texts wait in a batch of at most ``batch_size``, then only the
        signature is kept."""
        normal = self._prepare(text)
        if not normal:
            self.skipped += 1
            return
        self._pending_ids.append(item_id)
        self._pending_texts.append(normal)
        if len(self._pending_ids) >= self.batch_size:
            self.flush()

    def add_many(self, rows: Iterable[tuple[int, str]]) -> None:
        """Index ``(id, text)`` pairs from any iterable (for example a ``yield_per`` query)."""
        for item_id, text in rows:
            self.add(item_id, text)

    def flush(self) -> None:
        """Compute the signatures of the pending batch."""
        if not self._pending_ids:
            return
        self._sig_chunks.append(self._signatures(self._pending_texts))
        self._id_chunks.append(np.array(self._pending_ids, dtype=np.int64))
        self._pending_ids = []
        self._pending_texts = []

    def __len__(self) -> int:
        return sum(chunk.size for chunk in self._id_chunks) + len(self._pending_ids)

    def _prepare(self, text: str) -> bytes:
        """The normalised text as UTF-8, or ``b""`` when it has no word."""
        if self.shingle_kind == "word":
            normal = _normalise_words(text)
            return b"" if normal.isspace() else normal
        return normalise(text).encode("utf-8")

    def signatures(self, texts: list[str]) -> U32:
        """MinHash signatures (one row of ``num_perm`` uint32 per text) of non-empty texts."""
        prepared = [self._prepare(text) for text in texts]
        if not all(prepared):
            raise ValueError("texts must not be empty after normalisation")
        return self._signatures(prepared)

    def _signatures(self, texts: list[bytes]) -> U32:
        out = np.empty((self.num_perm, len(texts)), dtype=np.uint32)
        if not texts:
            return out.T
        if self.shingle_kind == "word":
            units, counts = _word_units(texts)
        else:
            units, counts = _char_units(texts)
        hashes, starts = _shingles(units, counts, self.shingle_size)
        # Multiply-shift hashing, (hash functions x shingles) in blocks small enough to stay
        # in the processor's cache: about 8,192 shingles and 256k values at a time.
        bounds = np.unique(np.searchsorted(starts, np.arange(0, hashes.size, 8192)))
        bounds = np.append(bounds[bounds < len(texts)], len(texts))
        ends = np.append(starts[1:], hashes.size)
        for first_text, last_text in itertools.pairwise(bounds):
            low, high = starts[first_text], ends[last_text - 1]
            chunk = hashes[low:high]
            local = starts[first_text:last_text] - low
            step = max(1, (1 << 18) // chunk.size)
            for first in range(0, self.num_perm, step):
                last = min(self.num_perm, first + step)
                values = np.multiply.outer(self._mul[first:last], chunk)
                values += self._add[first:last, None]
                values >>= _SHIFT32
                out[first:last, first_text:last_text] = np.minimum.reduceat(values, local, axis=1)
        return np.ascontiguousarray(out.T)

    def _index(self) -> tuple[I64, U32]:
        self.flush()
        if len(self._sig_chunks) > 1:
            self._sig_chunks = [np.concatenate(self._sig_chunks)]
            self._id_chunks = [np.concatenate(self._id_chunks)]
        if not self._sig_chunks:
            return np.empty(0, dtype=np.int64), np.empty((0, self.num_perm), dtype=np.uint32)
        return self._id_chunks[0], self._sig_chunks[0]

    # -- grouping ---------------------------------------------------------------------------

    def _band_keys(self, signatures: U32, band: int) -> U64:
        key = np.zeros(signatures.shape[0], dtype=np.uint64)
        for column in range(band * self.rows, (band + 1) * self.rows):
            key += signatures[:, column].astype(np.uint64) * self._band_seeds[column]
            key = _fmix64(key)
        return key

    def _candidates(self, signatures: U32) -> I64:
        """Candidate pairs packed as ``low * n + high``, deduplicated."""
        n = signatures.shape[0]
        packed: list[I64] = []
        positions = np.arange(n, dtype=np.int64)
        for band in range(self.bands):
            key = self._band_keys(signatures, band)
            order = np.argsort(key, kind="stable")
            sorted_key = key[order]
            same = sorted_key[1:] == sorted_key[:-1]
            if not same.any():
                continue
            # Neighbour pairs inside each bucket (a chain) ...
            left, right = order[:-1][same], order[1:][same]
            # ... and every member with the first member of its bucket (a star).
            is_head = np.concatenate(([True], ~same))
            head = np.maximum.accumulate(np.where(is_head, positions, 0))
            star = ~is_head & (head != positions - 1)
            left = np.concatenate((left, order[head[star]]))
            right = np.concatenate((right, order[star]))
            packed.append(np.minimum(left, right) * n + np.maximum(left, right))
        if not packed:
            return np.empty(0, dtype=np.int64)
        pairs = np.concatenate(packed)
        pairs.sort()
        return pairs[np.concatenate(([True], pairs[1:] != pairs[:-1]))]

    def _similarity(self, signatures: U32, left: I64, right: I64) -> npt.NDArray[np.float64]:
        """Estimated Jaccard similarity of each pair (share of equal signature values)."""
        out = np.empty(left.size, dtype=np.float64)
        step = max(1, (1 << 22) // self.num_perm)
        for first in range(0, left.size, step):
            last = first + step
            equal = signatures[left[first:last]] == signatures[right[first:last]]
            out[first:last] = equal.mean(axis=1)
        return out

    def groups(self, min_size: int = 2) -> list[Group]:
        """Groups of at least ``min_size`` near-identical comments, largest first."""
        ids, signatures = self._index()
        n = ids.size
        sorted_ids = np.sort(ids)
        if np.any(sorted_ids[1:] == sorted_ids[:-1]):
            raise ValueError("each item id must be added only once")
        packed = self._candidates(signatures)
        left, right = packed // max(n, 1), packed % max(n, 1)
        similarity = self._similarity(signatures, left, right)
        keep = similarity >= self.threshold - 1e-9
        left, right = left[keep], right[keep]
        logger.info(
            "duplicates: %d comments, %d candidate pairs, %d verified",
            n,
            packed.size,
            left.size,
        )
        root = connected_components(n, left, right)
        sizes = np.bincount(root, minlength=n)
        in_group = np.flatnonzero(sizes[root] >= max(min_size, 2))
        if in_group.size == 0:
            return []
        degree = np.bincount(np.concatenate((left, right)), minlength=n)
        # Within each component: the best-connected member first, then the smallest id.
        order = in_group[np.lexsort((ids[in_group], -degree[in_group], root[in_group]))]
        group_of = root[order]
        first = np.concatenate(([True], group_of[1:] != group_of[:-1]))
        bounds = np.append(np.flatnonzero(first), order.size)
        rep = order[first][np.cumsum(first) - 1]
        to_rep = self._similarity(signatures, order, rep)
        result: list[Group] = []
        for start, stop in itertools.pairwise(bounds):
            others = to_rep[start + 1 : stop]
            result.append(
                Group(
                    members=tuple(sorted(ids[order[start:stop]].tolist())),
                    representative=int(ids[order[start]]),
                    similarity=float(others.mean()),
                    min_similarity=float(others.min()),
                )
            )
        result.sort(key=lambda group: (-group.size, group.representative))
        return result


def connected_components(n: int, left: I64, right: I64) -> I64:
    """The root (smallest index) of each of ``n`` nodes' component, given undirected edges.

    Union-find in vectorised rounds: hook the larger root of every edge under the smaller,
    then compress paths by pointer jumping, until every edge joins equal roots.
    """
    parent = np.arange(n, dtype=np.int64)
    while left.size:
        a, b = parent[left], parent[right]
        apart = a != b
        if not apart.any():
            break
        left, right = left[apart], right[apart]
        np.minimum.at(parent, np.maximum(a[apart], b[apart]), np.minimum(a[apart], b[apart]))
        while True:
            grand = parent[parent]
            if np.array_equal(grand, parent):
                break
            parent = grand
    return parent


def find_groups(
    rows: Iterable[tuple[int, str]], *, min_size: int = 2, **options: Any
) -> list[Group]:
    """Groups of near-identical texts among ``(id, text)`` rows, read in one streaming pass.

    ``rows`` may be any iterable, such as a SQLAlchemy query with ``yield_per``; only the
    current batch of texts is held in memory. ``options`` go to ``DuplicateDetector``.
    """
    detector = DuplicateDetector(**options)
    detector.add_many(rows)
    return detector.groups(min_size=min_size)


def find_groups_within(
    rows: Iterable[tuple[int, str, str]], *, min_size: int = 2, **options: Any
) -> list[Group]:
    """Groups of near-identical texts among ``(id, text, key)`` rows, never across keys (a
    key is a language: duplicates and campaigns are found within each language).

    One streaming pass with one detector per key (each keeps only ids and signatures); the
    groups come out in the order their keys were first met.
    """
    detectors: dict[str, DuplicateDetector] = {}
    for item_id, text, key in rows:
        detector = detectors.get(key)
        if detector is None:
            detector = detectors[key] = DuplicateDetector(**options)
        detector.add(item_id, text)
    return [
        group for detector in detectors.values() for group in detector.groups(min_size=min_size)
    ]
