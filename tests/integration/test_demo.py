"""Runs examples/demo.py (what ``make demo`` runs) and checks what it prints."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
CASE_ID = r"case-12345678910-2020-\w{16}"


def test_demo_runs_and_prints_typed_results() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    result = subprocess.run(
        [sys.executable, "examples/demo.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    lines = out.splitlines()

    created = [line for line in lines if line.startswith("created case ") and "(severity" in line]
    assert len(created) == 2
    assert all(re.fullmatch(rf"created case {CASE_ID}  '.+' \(severity \w+\)", c) for c in created)
    assert "  page 1: 2 cases, next_token=None" in lines
    assert not any(line.startswith("  page 2") for line in lines)
    listed = [line for line in lines if re.match(rf"    {CASE_ID}  status=CaseStatus\.\w+", line)]
    assert len(listed) == 2
    assert re.search(rf"^resolved case {CASE_ID}: [a-z-]+ -> resolved$", out, re.M)

    # a 20 MiB file attached to a new case and downloaded back, the same bytes
    wrote = re.search(r"^wrote crash-dump\.bin: 20\.0 MiB, sha256 ([0-9a-f]{16})\.\.\.$", out, re.M)
    assert wrote is not None, out
    assert re.search(
        r"^uploaded it in 3 parts \(8 MiB each at most\), up to 4 at a time; progress was "
        r"reported (\d+) times$", out, re.M
    )
    assert re.search(r"^  upload id attachment-upload-[0-9a-f]{32}$", out, re.M)
    assert re.search(rf"^created case {CASE_ID} with it attached$", out, re.M)
    assert (
        f"downloaded crash-dump.bin: 20.0 MiB, sha256 {wrote.group(1)}..., identical=True" in lines
    )

    assert "created profiling group 'checkout-service'  platform=ComputePlatform.DEFAULT" in out
    assert (
        "  arn=arn:aws:codeguru-profiler:us-east-1:123456789012:profilingGroup/checkout-service"
        in lines
    )
    assert re.search(r"^uploaded agent profile: \d+ bytes of application/json$", out, re.M)
    assert re.search(r"content_type=application/json, identical=True$", out, re.M)
    assert "profile times (period PT1H, newest first): 4" in lines
    assert "recommendations for 'checkout-service': 1" in lines
    assert "  Excessive time spent in logging: 4 matches -> " in out
    assert lines[-1] == "servers stopped; done"

    # moto ran as the demo's child process; it must be gone, not orphaned.
    pid = int(re.search(r"^moto server \(pid (\d+)\)", out, re.M).group(1))  # type: ignore[union-attr]
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
