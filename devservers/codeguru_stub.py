"""The in-memory CodeGuru Profiler server the demo and the integration tests use: the
one awsmith's test kit ships (:mod:`awsmith.testing.codeguruprofiler`), under the names
the repository's tests know it by."""

from awsmith.testing.codeguruprofiler import *  # noqa: F403
from awsmith.testing.codeguruprofiler import (
    CodeGuruProfilerServer,
    async_codeguruprofiler_server,
    codeguruprofiler_server,
)
from awsmith.testing.codeguruprofiler import __all__ as _kit

CodeGuruStub = CodeGuruProfilerServer
codeguru_stub = codeguruprofiler_server
async_codeguru_stub = async_codeguruprofiler_server

__all__ = [*_kit, "CodeGuruStub", "async_codeguru_stub", "codeguru_stub"]
