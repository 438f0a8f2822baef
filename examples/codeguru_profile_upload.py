"""Create a CodeGuru Profiler profiling group, upload an agent profile, get recommendations.

    python examples/codeguru_profile_upload.py --region eu-west-1 \\
        --group checkout-service --agent-profile profile.json

Steps:

1. ``create_profiling_group``; if a group of that name exists already
   (``ConflictException``), it is described and reused.
2. ``post_agent_profile`` with the file given by ``--agent-profile`` (the JSON an agent
   produces; ``--content-type`` for Ion), or a small sample profile in the agent's JSON
   shape if none is given. ``--gzip`` compresses it first, as agents do.
3. ``list_profile_times`` for the look-back window (``--hours``, default 1), to show
   the aggregated profiles the group has.
4. ``get_recommendations`` for the same window, printing each recommendation's pattern,
   how often it matched and what to do about it.

Credentials and region come from the standard AWS sources unless given on the command
line. Exit status: 0 on success, 1 on an error.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import awsmith
from awsmith.codeguruprofiler import CodeGuruProfilerClient
from awsmith.codeguruprofiler.errors import ConflictException
from awsmith.codeguruprofiler.shapes import (
    AggregationPeriod,
    OrderBy,
    ProfilingGroupDescription,
)


def sample_profile() -> bytes:
    """A small profile in the CodeGuru agent's JSON shape (a call graph with counts)."""
    now_ms = int(datetime.now(UTC).timestamp() * 1000)
    return json.dumps(
        {
            "start": now_ms - 300_000,
            "end": now_ms,
            "agentMetadata": {
                "agentInfo": {"type": "example", "version": "1.0"},
                "sampleWeights": {"RUNNABLE": 1.0},
                "durationInMs": 300_000,
            },
            "callgraph": {
                "children": {
                    "com.example.Checkout.handle": {
                        "counts": {"RUNNABLE": 90},
                        "children": {
                            "java.util.logging.Logger.log": {"counts": {"RUNNABLE": 30}},
                        },
                    }
                }
            },
        },
        separators=(",", ":"),
    ).encode()


async def ensure_group(
    profiler: CodeGuruProfilerClient, name: str, tags: dict[str, str]
) -> ProfilingGroupDescription:
    try:
        created = await profiler.create_profiling_group(
            profiling_group_name=name, tags=tags or None
        )
    except ConflictException:
        described = await profiler.describe_profiling_group(profiling_group_name=name)
        print(f"profiling group {name!r} already exists; using it")
        return described.profiling_group
    print(f"created profiling group {name!r}")
    return created.profiling_group


async def run(args: argparse.Namespace, profile: bytes) -> None:
    async with CodeGuruProfilerClient(
        region=args.region, endpoint_url=args.endpoint_url, profile=args.profile
    ) as profiler:
        group = await ensure_group(profiler, args.group, dict(args.tag))
        print(f"  arn: {group.arn}")
        print(f"  compute platform: {group.compute_platform}")

        await profiler.post_agent_profile(
            profiling_group_name=args.group,
            content_type=args.content_type,
            agent_profile=profile,
        )
        encoding = ", gzip" if args.gzip else ""
        print(f"uploaded agent profile: {len(profile)} bytes ({args.content_type}{encoding})")

        end = datetime.now(UTC) + timedelta(minutes=5)
        start = end - timedelta(hours=args.hours, minutes=5)
        times = [
            item.start
            async for item in profiler.paginate_list_profile_times(
                profiling_group_name=args.group,
                start_time=start,
                end_time=end,
                period=AggregationPeriod.PT5_M,
                order_by=OrderBy.TIMESTAMP_DESCENDING,
            ).items()
            if item.start is not None
        ]
        print(f"aggregated profiles in the last {args.hours:g}h: {len(times)}")
        for moment in times:
            print(f"  {moment.isoformat()}")

        report = await profiler.get_recommendations(
            profiling_group_name=args.group, start_time=start, end_time=end
        )
        print(f"recommendations: {len(report.recommendations)}")
        for recommendation in report.recommendations:
            pattern = recommendation.pattern
            print(f"- {pattern.name} (matches: {recommendation.all_matches_count})")
            if pattern.description:
                print(f"  why: {pattern.description}")
            if pattern.resolution_steps:
                print(f"  fix: {pattern.resolution_steps}")
        if report.anomalies:
            print(f"anomalies: {len(report.anomalies)}")


def tag(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"a tag is KEY=VALUE, got {text!r}")
    return key, value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--group", default="awsmith-example", help="profiling group name")
    parser.add_argument("--agent-profile", type=Path, help="agent profile file to upload")
    parser.add_argument(
        "--content-type",
        default="application/json",
        choices=["application/json", "application/x-amzn-ion"],
        help="format of the agent profile",
    )
    parser.add_argument("--gzip", action="store_true", help="gzip the profile before upload")
    parser.add_argument("--hours", type=float, default=1.0, help="look-back window in hours")
    parser.add_argument("--tag", type=tag, action="append", default=[], help="KEY=VALUE tag")
    parser.add_argument("--region", help="AWS region (default: from the environment/profile)")
    parser.add_argument("--endpoint-url", help="custom endpoint, e.g. a local server")
    parser.add_argument("--profile", help="AWS profile to use")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.hours <= 0:
        print("error: --hours must be > 0", file=sys.stderr)
        return 1
    try:
        profile = args.agent_profile.read_bytes() if args.agent_profile else sample_profile()
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.gzip:
        profile = gzip.compress(profile)
    try:
        asyncio.run(run(args, profile))
    except awsmith.AwsmithError as exc:
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
