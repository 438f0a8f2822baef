"""The test kit is part of the installed package, and the repository's devservers use it
rather than a copy of their own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import devservers.codeguru_stub
import devservers.listener
import devservers.moto_server
import devservers.support_attachments
from awsmith.testing import _listener, codeguruprofiler, moto_server, support_attachments


def test_the_kit_imports_from_any_directory(tmp_path: Path) -> None:
    """From a directory outside the repository, with no path of its own (``-I``): the
    servers and the plugin import, the repository's devservers do not."""
    probe = (
        "import awsmith.testing.codeguruprofiler, awsmith.testing.support_attachments, "
        "awsmith.testing.moto_server, awsmith_pytest\n"
        "try:\n    import devservers\nexcept ModuleNotFoundError as e:\n    print(e)\n"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-c", probe], cwd=tmp_path, capture_output=True, text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        "No module named 'devservers'\n",
        "",
    )


def test_devservers_are_the_kits_servers_under_their_old_names() -> None:
    stub = devservers.codeguru_stub
    assert stub.CodeGuruStub is codeguruprofiler.CodeGuruProfilerServer
    assert stub.codeguru_stub is codeguruprofiler.codeguruprofiler_server
    assert stub.async_codeguru_stub is codeguruprofiler.async_codeguruprofiler_server
    assert devservers.listener.Listener is _listener.Listener
    for name in moto_server.__all__:
        assert getattr(devservers.moto_server, name) is getattr(moto_server, name)
    for name in support_attachments.__all__:
        assert getattr(devservers.support_attachments, name) is getattr(support_attachments, name)


WITHOUT_THE_EXTRA = "import runpy, sys\nsys.modules['aiohttp'] = None\n"
SAYS_WHAT_TO_INSTALL = (
    "ModuleNotFoundError: awsmith's test servers need the testing extra: "
    "pip install 'awsmith[testing]' (import of aiohttp halted; None in sys.modules)"
)


@pytest.mark.parametrize(
    "use",
    [
        "runpy.run_module('awsmith.testing.codeguruprofiler', run_name='__main__')",
        "import awsmith.testing.codeguruprofiler",
        "import awsmith.testing.support_attachments",
    ],
    ids=["command-line", "codeguruprofiler", "support_attachments"],
)
def test_without_the_extra_the_kit_says_what_to_install(use: str) -> None:
    """As if awsmith[testing] were not installed (aiohttp missing): not a bare
    ModuleNotFoundError, but one naming the extra."""
    result = subprocess.run(
        [sys.executable, "-I", "-c", WITHOUT_THE_EXTRA + use],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == SAYS_WHAT_TO_INSTALL
