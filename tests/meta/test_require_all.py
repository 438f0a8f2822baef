"""``AWSMITH_REQUIRE_ALL=1`` (set by .ci/run) turns every skip into a failure that keeps
the skip's reason; without it a skip stays a skip. Run on a small suite in a subprocess
with the real ``tests/conftest.py``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CONFTEST = Path(__file__).resolve().parents[1] / "conftest.py"

SUITE = {
    "test_resources.py": '''
import pytest

def test_runs():
    pass

def test_skips_inside():
    pytest.skip("the reference text is missing: put shared/ beside the checkout")

@pytest.mark.skipif(True, reason="needs chromium (apt-get install chromium)")
def test_skipif_mark():
    pass

@pytest.mark.xfail(reason="a known bug", strict=True)
def test_expected_failure():
    raise AssertionError
''',
    "test_module_skip.py": '''
import pytest

pytest.importorskip("no_such_module_here", reason="needs no_such_module_here (pip install it)")

def test_never_collected():
    pass
''',
}


#: Each test runs pytest in a subprocess or two (each given 120 s below).
pytestmark = pytest.mark.timeout(300)


def run_suite(
    tmp_path: Path, require_all: str | None, files: tuple[str, ...] = tuple(SUITE)
) -> subprocess.CompletedProcess[str]:
    for name in files:
        (tmp_path / name).write_text(SUITE[name])
    shutil.copy(CONFTEST, tmp_path / "conftest.py")
    env = {k: v for k, v in os.environ.items() if k != "AWSMITH_REQUIRE_ALL"}
    if require_all is not None:
        env["AWSMITH_REQUIRE_ALL"] = require_all
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def summary(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize("value", [None, "", "0"])
def test_skips_stay_skips_without_it(tmp_path: Path, value: str | None) -> None:
    result = run_suite(tmp_path, value)
    assert result.returncode == 0, result.stdout
    assert summary(result).startswith("1 passed, 3 skipped, 1 xfailed in ")


def test_every_skip_is_a_failure_with_its_reason_under_it(tmp_path: Path) -> None:
    result = run_suite(tmp_path, "1", files=("test_resources.py",))
    assert result.returncode == 1, result.stdout
    # A skip in the test body fails it; a skipif mark (evaluated in setup) is an error.
    assert summary(result).startswith("1 failed, 1 passed, 1 xfailed, 1 error in ")
    out = result.stdout
    for node, reason in [
        (
            "test_resources.py::test_skips_inside",
            "the reference text is missing: put shared/ beside the checkout",
        ),
        ("test_resources.py::test_skipif_mark", "needs chromium (apt-get install chromium)"),
    ]:
        assert f"{node} skipped while AWSMITH_REQUIRE_ALL=1 (CI)" in out
        assert f"Skip reason: {reason}\n" in out
    # An expected failure is not a skip: it stays what it is.
    assert "XFAIL test_resources.py::test_expected_failure" in out


def test_a_module_skipped_at_collection_is_an_error_under_it(tmp_path: Path) -> None:
    result = run_suite(tmp_path, "1")
    assert result.returncode == 2, result.stdout  # pytest's "interrupted": nothing ran
    assert "ERROR test_module_skip.py - test_module_skip.py skipped while" in result.stdout
    assert "Skip reason: needs no_such_module_here (pip install it)\n" in result.stdout
