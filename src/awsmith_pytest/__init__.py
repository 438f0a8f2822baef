"""pytest fixtures of awsmith's test kit: local servers, and clients configured for them.

pytest loads this plugin by itself wherever awsmith is installed (the ``pytest11`` entry
point ``awsmith_pytest``; ``-p no:awsmith_pytest`` turns it off, and
``pytest_plugins = ["awsmith_pytest"]`` names the same plugin). It is a top-level module,
not part of the ``awsmith`` package, because importing ``awsmith`` would load the whole
client runtime into every pytest run: loading this module imports pytest and nothing
else. awsmith, its servers (aiohttp, moto) and its clients are imported only when a test
asks for one of the fixtures; without the ``testing`` extra, that test fails saying what
to install.

Fixtures:

- ``codeguruprofiler_server``: a :class:`~awsmith.testing.codeguruprofiler.CodeGuruProfilerServer`,
  one per session, emptied (:meth:`~awsmith.testing.codeguruprofiler.CodeGuruProfilerServer.reset`)
  before each test that uses it.
- ``codeguruprofiler_client``: an open ``CodeGuruProfilerClient`` for that server
  (async: the test runs under anyio's plugin, ``@pytest.mark.anyio``, on asyncio or on
  trio as its ``anyio_backend`` fixture says).
- ``support_attachment_server``: a :class:`~awsmith.testing.support_attachments.SupportAttachmentFake`
  (moto's server behind it: seconds to start), one per session, its faults and records
  cleared before each test.
- ``support_attachment_client``: an open ``SupportClient`` for that server.
- ``codeguruprofiler_credentials`` / ``support_attachment_credentials``: the fake key
  pairs the servers accept, for clients a test builds itself.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from awsmith import Credentials
    from awsmith.codeguruprofiler import CodeGuruProfilerClient
    from awsmith.support import SupportClient
    from awsmith.testing.codeguruprofiler import CodeGuruProfilerServer
    from awsmith.testing.support_attachments import SupportAttachmentFake

#: The fixtures (tests ask for them by name; nothing needs importing) and the region.
__all__ = [
    "REGION",
    "codeguruprofiler_client",
    "codeguruprofiler_credentials",
    "codeguruprofiler_server",
    "support_attachment_client",
    "support_attachment_credentials",
    "support_attachment_server",
]

#: The region the fixtures' clients use (the servers accept any).
REGION = "us-east-1"
_MISSING = "awsmith's test servers need the testing extra: pip install 'awsmith[testing]' ({})"


def _kit_import_error(error: ImportError) -> pytest.UsageError:
    said = str(error)  # the kit's own error already says what to install
    return pytest.UsageError(said if "awsmith[testing]" in said else _MISSING.format(error))


@pytest.fixture(scope="session")
def _awsmith_codeguruprofiler_server() -> Generator[CodeGuruProfilerServer]:
    try:
        from awsmith.testing.codeguruprofiler import codeguruprofiler_server
    except ImportError as error:
        raise _kit_import_error(error) from error
    with codeguruprofiler_server() as server:
        yield server


@pytest.fixture
def codeguruprofiler_server(
    _awsmith_codeguruprofiler_server: CodeGuruProfilerServer,
) -> CodeGuruProfilerServer:
    """The session's local CodeGuru Profiler, empty."""
    _awsmith_codeguruprofiler_server.reset()
    return _awsmith_codeguruprofiler_server


def _credentials_of(server: CodeGuruProfilerServer | SupportAttachmentFake) -> Credentials:
    """The key pair ``server`` checks signatures with."""
    from awsmith import Credentials

    return Credentials(
        access_key_id=server.access_key_id, secret_access_key=server.secret_access_key
    )


@pytest.fixture
def codeguruprofiler_credentials(codeguruprofiler_server: CodeGuruProfilerServer) -> Credentials:
    """The key pair ``codeguruprofiler_server`` checks signatures with."""
    return _credentials_of(codeguruprofiler_server)


@pytest.fixture
async def codeguruprofiler_client(
    codeguruprofiler_server: CodeGuruProfilerServer, codeguruprofiler_credentials: Credentials
) -> AsyncGenerator[CodeGuruProfilerClient]:
    """An open CodeGuru Profiler client of ``codeguruprofiler_server``."""
    from awsmith.codeguruprofiler import CodeGuruProfilerClient

    async with CodeGuruProfilerClient(
        region=REGION,
        endpoint_url=codeguruprofiler_server.endpoint_url,
        credentials=codeguruprofiler_credentials,
    ) as client:
        yield client


@pytest.fixture(scope="session")
def _awsmith_support_attachment_server() -> Generator[SupportAttachmentFake]:
    try:
        from awsmith.testing.support_attachments import support_attachment_fake
    except ImportError as error:
        raise _kit_import_error(error) from error
    with support_attachment_fake() as fake:
        yield fake


@pytest.fixture
def support_attachment_server(
    _awsmith_support_attachment_server: SupportAttachmentFake,
) -> SupportAttachmentFake:
    """The session's Support attachment fake, its faults and records cleared and its
    settings as started (:meth:`~awsmith.testing.support_attachments.SupportAttachmentFake.next_test`;
    its uploads and cases, and moto's, stay for the session)."""
    _awsmith_support_attachment_server.next_test()
    return _awsmith_support_attachment_server


@pytest.fixture
def support_attachment_credentials(support_attachment_server: SupportAttachmentFake) -> Credentials:
    """The key pair ``support_attachment_server`` checks signatures with."""
    return _credentials_of(support_attachment_server)


@pytest.fixture
async def support_attachment_client(
    support_attachment_server: SupportAttachmentFake, support_attachment_credentials: Credentials
) -> AsyncGenerator[SupportClient]:
    """An open AWS Support client of ``support_attachment_server``."""
    from awsmith.support import SupportClient

    async with SupportClient(
        region=REGION,
        endpoint_url=support_attachment_server.support_url,
        credentials=support_attachment_credentials,
    ) as client:
        yield client
