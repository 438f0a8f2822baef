"""awsmith's pytest plugin as a user's pytest run meets it: pytest in a subprocess, in a
directory of its own (no conftest of this repository), finding the plugin through the
``pytest11`` entry point."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"

#: pytest in a subprocess: its start-up and a server's, on a loaded 2-core machine.
pytestmark = pytest.mark.timeout(240)


def run_pytest(folder: Path, source: str, *options: str) -> subprocess.CompletedProcess[str]:
    (folder / "test_user.py").write_text(source)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
         *options, "test_user.py"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=200,
    )


def test_the_documented_plugin_example_passes(tmp_path: Path) -> None:
    page = (DOCS / "testing.md").read_text(encoding="utf-8")
    [source] = re.findall(r"<!-- tested: pytest plugin -->\n```python\n(.*?)\n```", page, re.DOTALL)
    result = run_pytest(tmp_path, source)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1].startswith("2 passed in ")


TRIO = """
import pytest

@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request):
    return request.param

@pytest.mark.anyio
async def test_client(codeguruprofiler_client, anyio_backend):
    created = await codeguruprofiler_client.create_profiling_group(profiling_group_name=anyio_backend)
    assert created.profiling_group.name == anyio_backend
"""


def test_the_client_fixture_runs_on_asyncio_and_trio(tmp_path: Path) -> None:
    result = run_pytest(tmp_path, TRIO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1].startswith("2 passed in ")


WITHOUT_THE_EXTRA = """
import sys

sys.modules["aiohttp"] = None  # as if awsmith[testing] were not installed

def test_server(codeguruprofiler_server):
    pass

def test_unrelated():
    assert "awsmith.testing.codeguruprofiler" not in sys.modules
"""


def test_without_the_extra_only_a_test_using_a_server_fails_saying_why(tmp_path: Path) -> None:
    result = run_pytest(tmp_path, WITHOUT_THE_EXTRA, "-rE")
    assert result.returncode == 1
    assert "1 passed, 1 error in " in result.stdout.splitlines()[-1]
    assert (
        "UsageError: awsmith's test servers need the testing extra: "
        "pip install 'awsmith[testing]' (import of aiohttp halted; None in sys.modules)"
    ) in result.stdout


#: What loading the plugin adds to sys.modules, pytest being loaded already (as it is
#: when pytest loads its plugins).
ADDED_BY_THE_PLUGIN = (
    "import sys, pytest\n"
    "before = set(sys.modules)\n"
    "import awsmith_pytest\n"
    "print(sorted(set(sys.modules) - before))\n"
)


def test_loading_the_plugin_imports_no_module_but_its_own() -> None:
    """pytest loads the plugin in every run wherever awsmith is installed: it must cost
    nothing (not awsmith's runtime, not the servers) until a test asks for a fixture."""
    result = subprocess.run(
        [sys.executable, "-I", "-c", ADDED_BY_THE_PLUGIN],
        capture_output=True, text=True, check=True, timeout=60,
    )
    assert result.stdout == "['awsmith_pytest']\n"


def test_pytest_finds_the_plugin_under_the_module_name() -> None:
    from importlib.metadata import entry_points

    [plugin] = [e for e in entry_points(group="pytest11") if e.value.startswith("awsmith")]
    assert (plugin.name, plugin.value) == ("awsmith_pytest", "awsmith_pytest")


def test_the_plugin_can_also_be_named_in_pytest_plugins(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["awsmith_pytest"]\n')
    result = run_pytest(tmp_path, "def test_x(codeguruprofiler_server):\n    pass\n")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1].startswith("1 passed in ")


def test_the_plugin_can_be_turned_off(tmp_path: Path) -> None:
    result = run_pytest(tmp_path, "def test_x(codeguruprofiler_server):\n    pass\n", "-p", "no:awsmith_pytest")
    assert result.returncode == 1
    assert "fixture 'codeguruprofiler_server' not found" in result.stdout
