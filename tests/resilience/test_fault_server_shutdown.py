"""The fault server closes every connection's socket when it stops, so no socket of
one test is found unclosed in a later one (a ResourceWarning, which the suite turns
into a failure of whatever test runs when it is collected)."""

from __future__ import annotations

import contextlib
import socket
import ssl
from pathlib import Path

from devservers.fault_server import fault_server
from tests.certs import make_ca_and_server, server_context


def test_a_tls_connection_whose_peer_never_answers_close_notify(tmp_path: Path) -> None:
    """A proxy tunnel may keep the server's side open after its client left: the
    server's TLS close then waits for a close_notify that never comes. Stopping must
    still close the socket (before: it stayed open with the closed loop until the
    garbage collector found it, 1 of 6 full runs of the suite)."""
    ca, cert, key = make_ca_and_server(tmp_path)
    client = ssl.create_default_context(cafile=str(ca))
    # Every socket is closed however the test ends (before: a refused handshake left
    # the watcher open, to be found by the garbage collector in a later test).
    with contextlib.ExitStack() as sockets:
        with fault_server(ssl_context=server_context(cert, key)) as server:
            port = int(server.url.rsplit(":", 1)[1])
            raw = sockets.enter_context(socket.create_connection(("127.0.0.1", port), timeout=10))
            watcher = sockets.enter_context(raw.dup())  # the TCP connection, under the TLS one
            tls = sockets.enter_context(client.wrap_socket(raw, server_hostname="127.0.0.1"))
            tls.do_handshake()
        # The server's handler was cancelled: it closed TLS (its close_notify arrives)
        # and, though this side never answers, the socket (EOF on the raw connection).
        assert tls.recv(1) == b""
        watcher.settimeout(10)  # a hang bound: without the fix, recv waits for GC
        assert watcher.recv(1) == b""
