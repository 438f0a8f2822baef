"""The protocol cases read nothing from the environment (the fixture tests/unit uses),
and share one folder of generated packages per session."""

from __future__ import annotations

import pytest

from tests.protocols.harness import Generator
from tests.unit.conftest import _no_aws_environment  # noqa: F401  # pyright: ignore[reportUnusedImport]  # an autouse fixture


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Generator:
    return Generator(tmp_path_factory.mktemp("protocol-cases"))
