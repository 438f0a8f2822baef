"""awsmith demo: typed async calls to AWS Support and CodeGuru Profiler, all local.

Run from the repository root with ``make demo`` (or ``.venv/bin/python examples/demo.py``).
It starts moto's server (AWS Support, and S3 behind the local Support attachment
service) and the in-memory CodeGuru Profiler stub on 127.0.0.1, uses fake credentials
(no AWS account, no network), prints what the typed responses hold, attaches a 20 MB
file to a case and downloads it back, and stops the servers before it exits.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import AsyncIterable, AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

# The local servers live in devservers/ at the repository root, next to examples/.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import awsmith
from awsmith.codeguruprofiler import CodeGuruProfilerClient
from awsmith.codeguruprofiler.shapes import AggregationPeriod, OrderBy
from awsmith.support import SupportClient
from devservers import codeguru_stub, support_attachments

REGION = "us-east-1"
MiB = 1024 * 1024
#: The local attachment service cuts files into parts of this size (AWS: up to 100 MB).
PART_SIZE = 8 * MiB
T = TypeVar("T")


def when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


def enum_text(value: object) -> str:
    """``CaseStatus.OPENED`` for an enum member, the plain value otherwise."""
    name = getattr(value, "name", None)
    return f"{type(value).__name__}.{name}" if name else repr(value)


async def support_demo(endpoint_url: str) -> None:
    print("\n== AWS Support (moto, behind the local attachment service) ==")
    credentials = awsmith.Credentials(
        access_key_id=support_attachments.FAKE_ACCESS_KEY_ID,
        secret_access_key=support_attachments.FAKE_SECRET_ACCESS_KEY,
    )
    async with SupportClient(
        region=REGION, endpoint_url=endpoint_url, credentials=credentials
    ) as support:
        subjects = [
            ("Checkout API returns 503 after deploy", "high"),
            ("Question about reserved instance billing", "low"),
        ]
        case_ids = []
        for subject, severity in subjects:
            created = await support.create_case(
                subject=subject,
                communication_body=f"Details: {subject}.",
                service_code="amazon-elastic-compute-cloud-linux",
                category_code="other",
                severity_code=severity,
                language="en",
            )
            assert created.case_id is not None
            case_ids.append(created.case_id)
            print(f"created case {created.case_id}  {subject!r} (severity {severity})")

        print("paginated listing: paginate_describe_cases(page_size=10)")
        paginator = support.paginate_describe_cases(include_resolved_cases=True, page_size=10)
        async for number, page in aenumerate(paginator, start=1):
            cases = page.cases or []
            print(f"  page {number}: {len(cases)} cases, next_token={page.next_token!r}")
            for case in cases:
                print(
                    f"    {case.case_id}  status={enum_text(case.status)}"
                    f"  severity={case.severity_code}  subject={case.subject!r}"
                )

        print("  (moto moves a case's status and severity one step on every DescribeCases)")
        resolved = await support.resolve_case(case_id=case_ids[1])
        print(
            f"resolved case {case_ids[1]}: "
            f"{resolved.initial_case_status} -> {resolved.final_case_status}"
        )


async def attachment_demo(fake: support_attachments.SupportAttachmentFake) -> None:
    print("\n== A large attachment (upload_attachment, download_attachment) ==")
    credentials = awsmith.Credentials(
        access_key_id=support_attachments.FAKE_ACCESS_KEY_ID,
        secret_access_key=support_attachments.FAKE_SECRET_ACCESS_KEY,
    )
    async with SupportClient(
        region=REGION, endpoint_url=fake.support_url, credentials=credentials
    ) as support:
        with tempfile.TemporaryDirectory() as folder:
            dump = os.path.join(folder, "crash-dump.bin")
            with open(dump, "wb") as file:
                file.write(os.urandom(20 * MiB))
            with open(dump, "rb") as file:
                sent = hashlib.sha256(file.read()).hexdigest()
            print(f"wrote crash-dump.bin: {os.path.getsize(dump) / MiB:.1f} MiB, sha256 {sent[:16]}...")

            calls = [0]

            def progress(done: int, total: int) -> None:
                calls[0] += 1

            upload_id = await support.upload_attachment(dump, concurrency=4, progress=progress)
            parts = fake.upload(upload_id).total_parts
            print(
                f"uploaded it in {parts} parts ({PART_SIZE // MiB} MiB each at most), up to 4 at "
                f"a time; progress was reported {calls[0]} times"
            )
            print(f"  upload id {upload_id}")
            created = await support.create_case(
                subject="Worker crash dump",
                communication_body="The dump of the crash at 10:02 UTC is attached.",
                upload_ids=[upload_id],
            )
            assert created.case_id is not None
            print(f"created case {created.case_id} with it attached")
            found = await support.describe_communications(case_id=created.case_id)
            communications = found.communications or []
            attachment = (communications[0].attachments or [])[0]
            assert attachment.attachment_id is not None
            back = os.path.join(folder, "downloaded.bin")
            written = await support.download_attachment(attachment.attachment_id, back)
            with open(back, "rb") as file:
                received = hashlib.sha256(file.read()).hexdigest()
            print(
                f"downloaded {attachment.file_name}: {written / MiB:.1f} MiB, sha256 "
                f"{received[:16]}..., identical={received == sent}"
            )


async def aenumerate(iterable: AsyncIterable[T], start: int = 0) -> AsyncIterator[tuple[int, T]]:
    number = start
    async for item in iterable:
        yield number, item
        number += 1


def agent_profile(samples: int) -> bytes:
    """A small profile in the agent's JSON shape (the stub only stores and scans it)."""
    return json.dumps(
        {
            "start": 0,
            "end": 300_000,
            "agentMetadata": {"sampleWeights": {"RUNNABLE": 1}},
            "callgraph": {
                "children": {
                    "com.example.Checkout.handle": {"counts": {"RUNNABLE": samples}},
                    "java.util.logging.Logger.log": {"counts": {"RUNNABLE": samples // 3}},
                }
            },
        }
    ).encode()


async def codeguru_demo(stub: codeguru_stub.CodeGuruStub) -> None:
    print("\n== Amazon CodeGuru Profiler (local stub) ==")
    credentials = awsmith.Credentials(
        access_key_id=codeguru_stub.FAKE_ACCESS_KEY_ID,
        secret_access_key=codeguru_stub.FAKE_SECRET_ACCESS_KEY,
    )
    async with CodeGuruProfilerClient(
        region=REGION, endpoint_url=stub.endpoint_url, credentials=credentials
    ) as profiler:
        created = await profiler.create_profiling_group(
            profiling_group_name="checkout-service", tags={"team": "payments"}
        )
        group = created.profiling_group
        print(
            f"created profiling group {group.name!r}  platform={enum_text(group.compute_platform)}"
            f"  created_at={when(group.created_at)}"
        )
        print(f"  arn={group.arn}")

        now = datetime.now(UTC)
        for hours_ago in (3, 2, 1):  # history an agent would have posted earlier
            stub.add_agent_profile(
                "checkout-service", agent_profile(120), received_at=now - timedelta(hours=hours_ago)
            )
        print("seeded 3 earlier agent profiles into the stub (1, 2 and 3 hours ago)")

        body = agent_profile(90)
        await profiler.post_agent_profile(
            profiling_group_name="checkout-service",
            content_type="application/json",
            agent_profile=body,
        )
        print(f"uploaded agent profile: {len(body)} bytes of application/json")

        downloaded = await profiler.get_profile(profiling_group_name="checkout-service")
        print(
            f"downloaded latest profile: {len(downloaded.profile)} bytes, "
            f"content_type={downloaded.content_type}, identical={downloaded.profile == body}"
        )

        start, end = now - timedelta(hours=4), now + timedelta(minutes=5)
        times = [
            item.start
            async for item in profiler.paginate_list_profile_times(
                profiling_group_name="checkout-service",
                start_time=start,
                end_time=end,
                period=AggregationPeriod.PT1_H,
                order_by=OrderBy.TIMESTAMP_DESCENDING,
                page_size=2,
            ).items()
        ]
        print(f"profile times (period PT1H, newest first): {len(times)}")
        for moment in times:
            print(f"  {when(moment)}")

        report = await profiler.get_recommendations(
            profiling_group_name="checkout-service", start_time=start, end_time=end
        )
        print(f"recommendations for {report.profiling_group_name!r}: {len(report.recommendations)}")
        for recommendation in report.recommendations:
            print(
                f"  {recommendation.pattern.name}: {recommendation.all_matches_count} matches"
                f" -> {recommendation.pattern.resolution_steps}"
            )


async def main() -> None:
    print("awsmith demo: local servers only, fake credentials, no AWS account")
    with (
        support_attachments.support_attachment_fake(part_size=PART_SIZE) as fake,
        codeguru_stub.codeguru_stub() as stub,
    ):
        print(f"moto server (pid {fake.moto.pid}) on {fake.moto_url}")
        print(f"AWS Support on {fake.support_url} (moto's, with the attachment workflow)")
        print(f"CodeGuru Profiler stub on {stub.endpoint_url}")
        await support_demo(fake.support_url)
        await attachment_demo(fake)
        await codeguru_demo(stub)
    print("\nservers stopped; done")


if __name__ == "__main__":
    asyncio.run(main())
