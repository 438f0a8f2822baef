"""A real forward proxy for the tests: Debian's tinyproxy on 127.0.0.1, from a config
generated per test, in the foreground, stopped afterwards.

``with forward_proxy(auth=("alice", "s3cret")) as proxy:`` gives a started
:class:`ForwardProxy`; :meth:`ForwardProxy.requests` lists the request lines it
received (``CONNECT 127.0.0.1:443 HTTP/1.1``, ``GET http://... HTTP/1.1``), read from
its log.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from devservers import processes

TINYPROXY = "tinyproxy"
INSTALL_HINT = "apt-get install tinyproxy-bin (Debian's tinyproxy)"

_REQUEST = re.compile(r"Request \(file descriptor \d+\): (.+)$")


def available() -> bool:
    return shutil.which(TINYPROXY) is not None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class ForwardProxy:
    def __init__(self, port: int, log: Path, auth: tuple[str, str] | None) -> None:
        self.port = port
        self.log = log
        self.auth = auth

    @property
    def url(self) -> str:
        """The proxy's URL, with its credentials if it asks for some."""
        userinfo = f"{self.auth[0]}:{self.auth[1]}@" if self.auth else ""
        return f"http://{userinfo}127.0.0.1:{self.port}"

    @property
    def display(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def requests(self) -> list[str]:
        """The request lines the proxy received, in order."""
        if not self.log.exists():
            return []
        lines = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        return [m.group(1) for line in lines if (m := _REQUEST.search(line))]


@contextmanager
def forward_proxy(
    *, auth: tuple[str, str] | None = None, connect_ports: tuple[int, ...] = ()
) -> Iterator[ForwardProxy]:
    """A started tinyproxy on 127.0.0.1. ``auth``: (user, password) it requires (Basic);
    ``connect_ports``: the only ports it tunnels to (``CONNECT`` elsewhere gets 403);
    empty for any."""
    if not available():
        raise FileNotFoundError(f"tinyproxy is not installed: {INSTALL_HINT}")
    with tempfile.TemporaryDirectory(prefix="awsmith-proxy-") as folder:
        directory = Path(folder)
        port = free_port()
        log = directory / "tinyproxy.log"
        lines = [
            f"Port {port}",
            "Listen 127.0.0.1",
            "Timeout 30",
            "MaxClients 200",
            "LogLevel Connect",
            f'LogFile "{log}"',
            f'PidFile "{directory / "tinyproxy.pid"}"',
            "Allow 127.0.0.1",
            "DisableViaHeader Yes",
            *(f"ConnectPort {p}" for p in connect_ports),
        ]
        if auth is not None:
            lines.append(f"BasicAuth {auth[0]} {auth[1]}")
        config = directory / "tinyproxy.conf"
        config.write_text("\n".join(lines) + "\n", encoding="utf-8")
        process = processes.spawn(
            [TINYPROXY, "-d", "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            wait_for_port(port, process, "tinyproxy")
            yield ForwardProxy(port, log, auth)
        finally:
            processes.stop(process)


def wait_for_port(
    port: int, process: subprocess.Popen[bytes], name: str, timeout: float = 10.0
) -> None:
    """Until ``process`` (called ``name``) accepts on 127.0.0.1:``port``; raises with
    its error output if it exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            error = process.stderr.read().decode(errors="replace") if process.stderr else ""
            raise RuntimeError(f"{name} exited with {process.returncode}: {error.strip()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"{name} did not listen on 127.0.0.1:{port} within {timeout} s")
