"""Run the benchmarks: ``python -m bench [suite] [--database D] [--scale] [--duration S]``.

Each benchmark prints absolute figures and, more usefully on a shared machine, ratios to
anchors measured in the same run by the same Python.
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

from bench import insights, matching, reports
from bench.harness import postgres_cluster


@contextlib.contextmanager
def sqlite_url() -> Iterator[str]:
    yield f"sqlite:///{Path(tempfile.mkdtemp(prefix='haven-bench-sqlite-')) / 'bench.sqlite'}"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument(
        "suite", nargs="?", default="reports", choices=["reports", "matching", "insights"]
    )
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument(
        "--responses",
        type=int,
        default=1_000_000,
        help="insights: check-in responses (also measured at a tenth of it)",
    )
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="reports: rounds of naive insert / POST / list, taking turns (median reported)",
    )
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument(
        "--scale", action="store_true", help="also list latency at 10k vs 1M reports"
    )
    parser.add_argument(
        "--measure-url",
        action="append",
        default=[],
        help="insights: measure a database an earlier run seeded (give the 1/10 size first)",
    )
    args = parser.parse_args()
    if args.suite == "insights" and args.measure_url:
        sizes = [args.responses // 10, args.responses][-len(args.measure_url) :]
        insights.remeasure(args.measure_url, sizes=sizes, duration=args.duration)
        return
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    if args.suite == "matching":
        matching.run(None, label="pure")
        for db in databases:
            with (sqlite_url if db == "sqlite" else postgres_cluster)() as url:
                matching.run(url, label=db)
        return
    for db in databases:
        factory = sqlite_url if db == "sqlite" else postgres_cluster
        if args.suite == "insights":
            insights.run(factory, label=db, responses=args.responses, duration=args.duration)
            continue
        with factory() as url:
            reports.run(
                url, label=db, reports=args.reports, duration=args.duration, rounds=args.rounds
            )
        if args.scale:
            reports.scale(factory, label=db, duration=args.duration)


if __name__ == "__main__":
    main()
