"""Fixtures of the tests against moto's server (devservers.moto_server)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devservers.moto_server import MotoServer, moto_server


@pytest.fixture(scope="module")
def moto() -> Iterator[MotoServer]:
    """One moto server for each test module that asks for it."""
    with moto_server() as server:
        yield server


@pytest.fixture
def endpoint(moto: MotoServer) -> str:
    """The URL of the module's moto server, reset (emptied) for each test."""
    moto.reset()
    return moto.endpoint_url
