"""A real TLS front for the tests: Debian's nginx with its stream module, on 127.0.0.1,
terminating TLS and passing the bytes on to a plain TCP server behind it (tinyproxy:
together, an ``https://`` forward proxy).

With ``client_ca`` it requires a client certificate that CA signed
(``ssl_verify_client on``: a handshake without one fails). Its log has one line per
connection: the client certificate's subject (``-`` for none), the verification's
outcome and the session's status.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from devservers.forward_proxy import free_port
from devservers.web_server import NGINX, running_nginx

STREAM_MODULE = Path("/usr/lib/nginx/modules/ngx_stream_module.so")
INSTALL_HINT = "apt-get install nginx-light libnginx-mod-stream (Debian's nginx, stream module)"

CONFIG = """
load_module {module};
daemon off;
master_process on;
worker_processes 1;
user root;
pid {dir}/nginx.pid;
error_log {dir}/error.log info;
events {{ worker_connections 256; }}
stream {{
    log_format front '$ssl_client_s_dn|$ssl_client_verify|$status';
    access_log {dir}/access.log front;
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        {client_ca}
        proxy_pass 127.0.0.1:{upstream};
    }}
}}
"""


def available() -> bool:
    return shutil.which(NGINX) is not None and STREAM_MODULE.exists()


@dataclass
class TlsFront:
    port: int
    folder: Path

    def connections(self) -> list[str]:
        """The subject of each connection's client certificate (``-`` for none), in
        the order nginx logged them (when they closed), the start-up probe's first."""
        path = self.folder / "access.log"
        if not path.exists():
            return []
        lines = path.read_text(encoding="utf-8").splitlines()
        return [line.split("|")[0] for line in lines]


@contextmanager
def tls_front(
    upstream: int, cert: Path, key: Path, *, client_ca: Path | None = None
) -> Iterator[TlsFront]:
    """A started nginx on 127.0.0.1 speaking TLS (``cert``/``key``) and passing each
    connection to 127.0.0.1:``upstream``."""
    if not available():
        raise FileNotFoundError(f"nginx's stream module is not installed: {INSTALL_HINT}")
    port = free_port()
    mtls = ""
    if client_ca is not None:
        mtls = f"ssl_client_certificate {client_ca}; ssl_verify_client on;"
    settings = {
        "module": STREAM_MODULE,
        "port": port,
        "cert": cert,
        "key": key,
        "client_ca": mtls,
        "upstream": upstream,
    }
    with running_nginx(CONFIG, settings, (port,)) as directory:
        front = TlsFront(port, directory)
        # The probe that saw it listen is a connection too: logged once nginx sees it
        # closed, it would otherwise land among the test's own.
        deadline = time.monotonic() + 10
        while not front.connections() and time.monotonic() < deadline:
            time.sleep(0.01)
        yield front
