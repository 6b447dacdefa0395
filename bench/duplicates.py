"""Benchmark of duplicate and campaign detection on a generated corpus with planted campaigns.

    .venv/bin/python bench/duplicates.py --comments 100000
    .venv/bin/python bench/duplicates.py --comments 1000000 --seed 1

Generates the corpus in slices (texts are never all in memory), streams it into the
detector, groups, and scores the groups against the planted campaigns. Reports the time to
generate (not part of detection), to index and to group, the peak resident memory of the
process, pairwise precision, recall and F1, item precision and recall, and group counts.
Results go to docs/benchmarks.md by hand.
"""

from __future__ import annotations

import argparse
import itertools
import json
import platform
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from consult_app.review.corpus import generate_corpus
from consult_app.review.duplicates import DuplicateDetector
from consult_app.review.evaluation import pair_scores

SLICE = 10_000


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def peak_rss_mib() -> float:
    # ru_maxrss is in KiB on Linux (bytes on macOS).
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--campaigns", type=int, default=None, help="default: comments/2000")
    parser.add_argument("--campaign-share", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threshold", type=float, default=None)
    parser.add_argument("--num-perm", type=int, default=None)
    parser.add_argument("--bands", type=int, default=None)
    parser.add_argument("--shingle", default=None, help="word3 (default), char5, ...")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)

    options: dict[str, object] = {}
    for name in ("threshold", "num_perm", "bands", "shingle"):
        if getattr(args, name) is not None:
            options[name] = getattr(args, name)
    started = time.perf_counter()
    corpus = generate_corpus(
        args.comments, args.campaigns, seed=args.seed, campaign_share=args.campaign_share
    )
    detector = DuplicateDetector(**options)  # type: ignore[arg-type]
    generate_seconds = time.perf_counter() - started
    index_seconds = 0.0
    items = corpus.items()
    while True:
        begin = time.perf_counter()
        rows = list(itertools.islice(items, SLICE))
        generate_seconds += time.perf_counter() - begin
        if not rows:
            break
        begin = time.perf_counter()
        detector.add_many(rows)
        index_seconds += time.perf_counter() - begin
    begin = time.perf_counter()
    detector.flush()
    index_seconds += time.perf_counter() - begin

    begin = time.perf_counter()
    groups = detector.groups()
    group_seconds = time.perf_counter() - begin

    scores = pair_scores((group.members for group in groups), corpus.labels)
    sizes = corpus.campaign_sizes
    result = {
        "comments": args.comments,
        "campaigns": len(sizes),
        "campaign_members": sum(sizes),
        "largest_campaign": max(sizes, default=0),
        "seed": args.seed,
        "threshold": detector.threshold,
        "shingle": f"{detector.shingle_kind}{detector.shingle_size}",
        "num_perm": detector.num_perm,
        "bands": detector.bands,
        "rows": detector.rows,
        "generate_seconds": round(generate_seconds, 1),
        "index_seconds": round(index_seconds, 1),
        "group_seconds": round(group_seconds, 1),
        "peak_rss_mib": round(peak_rss_mib()),
        "signature_mib": round(len(detector) * detector.num_perm * 4 / 2**20),
        "groups": len(groups),
        "grouped_comments": scores.grouped_items,
        "precision": round(scores.precision, 4),
        "recall": round(scores.recall, 4),
        "f1": round(scores.f1, 4),
        "item_precision": round(scores.item_precision, 4),
        "item_recall": round(scores.item_recall, 4),
        "true_pairs": scores.true_pairs,
        "predicted_pairs": scores.predicted_pairs,
        "cpu": cpu_model(),
        "python": platform.python_version(),
    }
    if args.json:
        print(json.dumps(result))
    else:
        width = max(map(len, result))
        for key, value in result.items():
            print(f"{key:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
