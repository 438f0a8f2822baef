"""A local Amazon CodeGuru Profiler for tests: all 23 operations, in memory, on a
loopback port (moto has no CodeGuru Profiler).

>>> with codeguruprofiler_server() as server:
...     client = CodeGuruProfilerClient(
...         region="us-east-1", endpoint_url=server.endpoint_url, credentials=CREDENTIALS
...     )

where ``CREDENTIALS`` is ``awsmith.Credentials(access_key_id=FAKE_ACCESS_KEY_ID,
secret_access_key=FAKE_SECRET_ACCESS_KEY)`` (or the key pair the server was given):
the server checks every request's SigV4 signature as the service does. From a shell,
``python -m awsmith.testing.codeguruprofiler --port 8080`` serves until interrupted.
What it covers, and where it differs from the service: docs/testing.md.

Needs the ``testing`` extra (``pip install 'awsmith[testing]'``: aiohttp).
"""

from awsmith.testing.codeguruprofiler._server import (
    AGENT_PERIOD_SECONDS,
    DEFAULT_ACCOUNT_ID,
    ERROR_STATUS,
    ERRORS_OF,
    FAKE_ACCESS_KEY_ID,
    FAKE_SECRET_ACCESS_KEY,
    OPERATIONS,
    PATTERNS,
    AnomalyInstance,
    CodeGuruProfilerServer,
    ProfilingGroup,
    RecordedRequest,
    StoredProfile,
    async_codeguruprofiler_server,
    codeguruprofiler_server,
    format_timestamp,
)

__all__ = [
    "AGENT_PERIOD_SECONDS",
    "DEFAULT_ACCOUNT_ID",
    "ERRORS_OF",
    "ERROR_STATUS",
    "FAKE_ACCESS_KEY_ID",
    "FAKE_SECRET_ACCESS_KEY",
    "OPERATIONS",
    "PATTERNS",
    "AnomalyInstance",
    "CodeGuruProfilerServer",
    "ProfilingGroup",
    "RecordedRequest",
    "StoredProfile",
    "async_codeguruprofiler_server",
    "codeguruprofiler_server",
    "format_timestamp",
]
