"""Every test of tests/config starts with no AWS setting from the machine."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.config.helpers import AwsFiles, aws_files


@pytest.fixture(autouse=True)
def aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AwsFiles:
    return aws_files(monkeypatch, tmp_path)
