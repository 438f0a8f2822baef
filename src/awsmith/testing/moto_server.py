"""Run moto's server (``python -m moto.server``) in a subprocess on 127.0.0.1.

>>> with moto_server() as server:
...     client = SupportClient(region="us-east-1", endpoint_url=server.endpoint_url, ...)

The process is started on a free port, polled until it answers HTTP, and stopped
(terminate, then kill) when the ``with`` block exits, however it exits. If this process
itself dies without stopping it (SIGTERM, SIGKILL, a crash), the server ends too: it
watches a pipe from this process (:mod:`awsmith.testing._moto_child`). Its output goes
to a temporary log file whose tail is included in any start-up error.
"""

from __future__ import annotations

import atexit
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from typing import IO

from awsmith.testing._lifecycle import running, running_async

HOST = "127.0.0.1"
#: Credentials moto accepts (any will do); no real AWS account is involved.
FAKE_ACCESS_KEY_ID = "AKIAMOTOFAKEKEY00000"
FAKE_SECRET_ACCESS_KEY = "moto-fake-secret-access-key"

_live: set[MotoServer] = set()


def free_port(host: str = HOST) -> int:
    """A TCP port nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


class MotoServerError(RuntimeError):
    """moto's server did not start (or exited); the message carries its log."""


class MotoServer:
    """One ``moto.server`` subprocess. Use :func:`moto_server` rather than this directly."""

    def __init__(
        self,
        *,
        python: str = sys.executable,
        start_timeout: float = 60.0,
        env: Mapping[str, str] | None = None,
    ) -> None:
        """``env``: settings of moto's own, added to this process's environment for the
        server (``S3_UPLOAD_PART_MIN_SIZE``, say)."""
        self.host = HOST
        #: The port it serves on, once started (picked free by start()).
        self.port: int = 0
        self._python = python
        self._start_timeout = start_timeout
        self._env = dict(env or {})
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        """Starts the server and returns once it answers HTTP requests."""
        if self._process is not None:
            raise MotoServerError("already started")
        for _ in range(3):  # the free port can be taken between probing and binding
            self.port = free_port(self.host)
            # closed by stop(), which every path out of start() and the ``with`` runs
            self._log = tempfile.TemporaryFile(prefix="moto-server-")  # noqa: SIM115
            env = dict(os.environ)
            env.setdefault("MOTO_ALLOW_NONEXISTENT_REGION", "true")
            env.update(self._env)
            self._process = subprocess.Popen(
                [self._python, "-m", "awsmith.testing._moto_child",
                 "-H", self.host, "-p", str(self.port)],
                # never written: its end-of-file tells the server this process is gone
                stdin=subprocess.PIPE,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                env=env,
                # a group of its own: Ctrl-C on the terminal reaches the caller alone,
                # whose ``with`` block stops the server
                process_group=0,
            )
            _live.add(self)
            try:
                self._wait_until_up()
                return
            except MotoServerError:
                log = self.log_tail()
                self.stop()
                if "Address already in use" not in log:
                    raise
        raise MotoServerError("could not bind a free port after 3 attempts")

    def _wait_until_up(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self._start_timeout
        while True:
            if self._process.poll() is not None:
                raise MotoServerError(
                    f"moto.server exited with {self._process.returncode}:\n{self.log_tail()}"
                )
            try:
                # Only moto's own answer counts: another server may have taken the port
                # between free_port() and moto's bind (then moto exits, caught above).
                url = f"{self.endpoint_url}/moto-api/data.json"
                with urllib.request.urlopen(url, timeout=2) as response:
                    if isinstance(json.loads(response.read()), dict):
                        time.sleep(0.05)
                        if self._process.poll() is None:
                            return
            except (urllib.error.URLError, OSError, ValueError):
                pass
            if time.monotonic() > deadline:
                raise MotoServerError(
                    f"moto.server did not answer within {self._start_timeout}s:\n{self.log_tail()}"
                )
            time.sleep(0.05)

    def reset(self) -> None:
        """Drops every resource moto holds (``POST /moto-api/reset``)."""
        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()

    def log_tail(self, limit: int = 4000) -> str:
        """The last ``limit`` characters of the server's output (for a failure's message)."""
        if self._log is None or self._log.closed:
            return ""
        self._log.flush()
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")[-limit:]

    def stop(self) -> None:
        """Terminates the process (kills it after 10 s) and closes the log. Idempotent."""
        process, self._process = self._process, None
        if process is not None:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            else:
                process.wait()
            if process.stdin is not None:
                process.stdin.close()
        if self._log is not None:
            self._log.close()
            self._log = None
        _live.discard(self)

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def process(self) -> subprocess.Popen[bytes] | None:
        """The server's process while it runs (None before :meth:`start` and after
        :meth:`stop`)."""
        return self._process

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None


def moto_server(
    *, start_timeout: float = 60.0, env: Mapping[str, str] | None = None
) -> AbstractContextManager[MotoServer]:
    """Starts moto's server for the ``with`` block and always stops it afterwards."""
    return running(MotoServer(start_timeout=start_timeout, env=env))


def async_moto_server(
    *, start_timeout: float = 60.0, env: Mapping[str, str] | None = None
) -> AbstractAsyncContextManager[MotoServer]:
    """:func:`moto_server` for async code (asyncio or trio): start and stop run in a worker
    thread, so the event loop is never blocked while moto boots or shuts down."""
    return running_async(MotoServer(start_timeout=start_timeout, env=env))


@atexit.register
def stop_all() -> list[subprocess.Popen[bytes]]:
    """Stops every server still running and returns their processes (registered to run
    at exit: a last resort if a caller forgot to stop one; a test runner's watchdog calls
    it before ``os._exit``)."""
    stopped: list[subprocess.Popen[bytes]] = []
    for server in list(_live):
        if server.process is not None:
            stopped.append(server.process)
        server.stop()
    return stopped


__all__ = [
    "FAKE_ACCESS_KEY_ID",
    "FAKE_SECRET_ACCESS_KEY",
    "HOST",
    "MotoServer",
    "MotoServerError",
    "async_moto_server",
    "free_port",
    "moto_server",
    "stop_all",
]
