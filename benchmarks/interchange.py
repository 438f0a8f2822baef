"""The cost of ``awsmith.to_dict`` on a 1,000-case DescribeCases response.

``.venv-bench/bin/python benchmarks/interchange.py`` (or ``.venv/bin/python``). One
wire body (1,000 cases, each with two communications and an attachment) is parsed once
by awsmith (typed objects) and once by botocore (plain dicts); then, best of 7 runs of
20 repetitions each:

- ``awsmith.to_dict`` of the typed response (JSON-ready: enums as strings), in Python
  and in wire names, and followed by ``json.dumps``;
- ``attrs.asdict`` of the same object (recursive, but not JSON-ready: enums stay enum
  members, timestamps and bytes would stay as they are);
- ``json.dumps`` of botocore's parsed dict (what an aiobotocore user does to export).

Ratios are to ``to_dict`` (python names); lower is faster.
"""

from __future__ import annotations

import json
import timeit
from typing import Any

import attrs
import botocore.parsers
import botocore.session

import awsmith
from awsmith._core.serde import load_json
from awsmith.support import _serde

CASES = 1000


def wire_body() -> bytes:
    cases = [
        {
            "caseId": f"case-12345678910-2013-{i:016x}",
            "displayId": str(1000000 + i),
            "subject": f"Case {i}: instance unreachable",
            "status": "opened" if i % 3 else "resolved",
            "serviceCode": "amazon-elastic-compute-cloud-linux",
            "categoryCode": "other",
            "severityCode": "low",
            "submittedBy": "ops@example.com",
            "timeCreated": "2024-05-01T10:00:00.000Z",
            "language": "en",
            "ccEmailAddresses": ["a@example.com", "b@example.com"],
            "recentCommunications": {
                "communications": [
                    {
                        "caseId": f"case-{i}",
                        "body": "The instance stopped answering at 10:00 UTC." * 3,
                        "submittedBy": "ops@example.com",
                        "timeCreated": "2024-05-01T10:00:00.000Z",
                        "attachmentSet": [{"attachmentId": f"att-{i}-{j}", "fileName": "log.txt"}],
                    }
                    for j in range(2)
                ],
                "nextToken": "t",
            },
        }
        for i in range(CASES)
    ]
    return json.dumps({"cases": cases, "nextToken": "next"}).encode()


def main() -> None:
    body = wire_body()
    typed = _serde._de_describe_cases_response(load_json(body), "")  # pyright: ignore[reportPrivateUsage]
    model = botocore.session.get_session().get_service_model("support")
    shape = model.operation_model("DescribeCases").output_shape
    parsed: dict[str, Any] = botocore.parsers.create_parser("json").parse(
        {"body": body, "headers": {}, "status_code": 200}, shape
    )
    parsed.pop("ResponseMetadata", None)
    assert awsmith.to_dict(typed, names="wire") == parsed  # the same data, both ways

    contenders: dict[str, Any] = {
        "awsmith.to_dict (python names)": lambda: awsmith.to_dict(typed),
        "awsmith.to_dict (wire names)": lambda: awsmith.to_dict(typed, names="wire"),
        "awsmith.to_dict + json.dumps": lambda: json.dumps(awsmith.to_dict(typed)),
        "attrs.asdict (not JSON-ready)": lambda: attrs.asdict(typed),
        "json.dumps(botocore parsed dict)": lambda: json.dumps(parsed),
    }
    base = None
    print(f"DescribeCases response, {CASES} cases; best of 7 x 20 runs, ms per conversion")
    for name, fn in contenders.items():
        best = min(timeit.repeat(fn, number=20, repeat=7)) / 20 * 1000
        base = base or best
        print(f"  {name:<36} {best:8.2f} ms   {best / base:5.2f}x")


if __name__ == "__main__":
    main()
