"""The ``awsmith`` logger: one DEBUG record per attempt and per backoff, a WARNING when
the retry quota is exhausted, silent unless the application configures logging. (No
secret in any record: tests/unit/test_no_secrets_in_logs.py.)"""

from __future__ import annotations

import logging
import re
import subprocess
import sys

import httpx
import pytest

import awsmith
from tests.unit.mockaws import REQUEST_ID, Script, json_reply, support

pytestmark = pytest.mark.anyio
FAST = awsmith.Config(base_backoff=0.001, max_backoff=0.001)


def awsmith_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith("awsmith")]


async def test_one_record_per_attempt_and_per_backoff(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="awsmith")
    script = Script(
        json_reply({"__type": "ServiceUnavailable", "message": "busy"}, status=503),
        httpx.ConnectError("refused"),
        json_reply({"cases": []}),
    )
    async with support(script, config=FAST) as client:
        await client.describe_cases()
    messages = [(r.name, r.levelname, r.getMessage()) for r in awsmith_records(caplog)]
    assert [m[:2] for m in messages] == [("awsmith.client", "DEBUG")] * 5
    patterns = [
        rf"DescribeCases attempt 1/3: HTTP 503, request id {REQUEST_ID}, \d+\.\d ms",
        r"DescribeCases: retrying after ServiceUnavailable \(ServiceUnavailable, HTTP 503\) in 0\.00\d s",
        r"DescribeCases attempt 2/3: ConnectionFailedError, request id None, \d+\.\d ms",
        r"DescribeCases: retrying after ConnectionFailedError in 0\.00\d s",
        rf"DescribeCases attempt 3/3: HTTP 200, request id {REQUEST_ID}, \d+\.\d ms",
    ]
    for (_, _, message), pattern in zip(messages, patterns, strict=True):
        assert re.fullmatch(pattern, message), message


async def test_a_warning_when_the_retry_quota_is_exhausted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="awsmith")
    script = Script(json_reply({"message": "busy"}, status=503))
    async with support(script, config=FAST) as client:
        client._quota.available = 0  # as after ~100 failed retries in a row
        with pytest.raises(awsmith.ServiceError):
            await client.describe_cases()
    assert len(script.requests) == 1
    (record,) = awsmith_records(caplog)
    assert record.levelname == "WARNING"
    assert record.getMessage() == (
        "DescribeCases: the retry quota is exhausted (the service is failing broadly): "
        "not retrying SupportError (503, HTTP 503) after attempt 1"
    )


async def test_nothing_below_debug_is_computed_or_logged_by_default(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="awsmith")
    script = Script(json_reply({"cases": []}))
    async with support(script) as client:
        await client.describe_cases()
    assert awsmith_records(caplog) == []


def test_silent_unless_the_application_configures_logging() -> None:
    """A script that never configures logging prints nothing from awsmith, even for a
    WARNING (no "No handlers could be found" and no last-resort stderr output)."""
    code = (
        "import logging, awsmith\n"
        "logging.getLogger('awsmith.client').warning('would be printed by lastResort')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0
    assert result.stderr == ""
