"""A real web server for the tests: Debian's nginx on 127.0.0.1, from a config
generated per test, in the foreground, stopped afterwards.

It answers every ``POST /`` with canned AWS Support JSON chosen by ``X-Amz-Target``
(the request body is read and discarded, as nginx does), over plain HTTP and over TLS
with a certificate the test made, and keeps connections alive only briefly
(``keepalive_timeout``, ``keepalive_requests``), so that clients meet closed kept-alive
connections all the time. Its access log has one line per request: method, target
operation, status and the request's SigV4 signature, which is unique per signed
request, so a request sent twice shows up twice.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from devservers import processes
from devservers.forward_proxy import free_port, wait_for_port

NGINX = "nginx"
INSTALL_HINT = "apt-get install nginx-light (Debian's nginx)"

#: How every nginx of the tests and benchmarks starts (benchmarks/attachments.py too): in
#: the foreground, one worker, everything it writes in ``{dir}``; a config goes on with
#: its own settings of the open ``http`` block, and closes it.
HTTP_HEAD = """
daemon off;
master_process on;
worker_processes 1;
user root;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
"""

CONFIG = HTTP_HEAD + """    keepalive_timeout {keepalive_timeout};
    keepalive_requests {keepalive_requests};
    map $http_authorization $signature {{
        "~Signature=(?<sig>[0-9a-f]+)" $sig;
        default "-";
    }}
    map $http_x_amz_target $reply {{
        "AWSSupport_20130415.CreateCase" '{{"caseId": "case-created"}}';
        default '{{"cases": [{{"caseId": "case-1", "subject": "{subject}"}}]}}';
    }}
    log_format soak '$request_method $http_x_amz_target $status $signature';
    access_log {dir}/access.log soak;
    server {{
        listen 127.0.0.1:{http_port};
        listen 127.0.0.1:{https_port} ssl;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        {client_ca}
        location / {{
            default_type application/x-amz-json-1.1;
            add_header x-amzn-RequestId $request_id always;
            return 200 $reply;
        }}
    }}
}}
"""


def available() -> bool:
    return shutil.which(NGINX) is not None


@dataclass(frozen=True)
class LogLine:
    method: str
    target: str
    status: int
    signature: str


@dataclass
class WebServer:
    http_url: str
    https_url: str
    folder: Path

    def access_log(self) -> list[LogLine]:
        path = self.folder / "access.log"
        if not path.exists():
            return []
        lines = []
        for line in path.read_text(encoding="utf-8").splitlines():
            method, target, status, signature = line.split(" ")
            lines.append(LogLine(method, target.rpartition(".")[2], int(status), signature))
        return lines


@contextmanager
def web_server(
    cert: Path,
    key: Path,
    *,
    keepalive_timeout: str = "1s",
    keepalive_requests: int = 5,
    client_ca: Path | None = None,
) -> Iterator[WebServer]:
    """A started nginx serving http and https (``cert``/``key``) on 127.0.0.1. With
    ``client_ca`` its https port requires a TLS client certificate that CA signed
    (``ssl_verify_client on``: without one it answers 400), and the cases it lists
    have the certificate's subject (``CN=...``) as their subject."""
    mtls = ""
    subject = "hello"
    if client_ca is not None:
        mtls = f"ssl_client_certificate {client_ca}; ssl_verify_client on;"
        subject = "$ssl_client_s_dn"
    if not available():
        raise FileNotFoundError(f"nginx is not installed: {INSTALL_HINT}")
    http_port, https_port = free_port(), free_port()
    settings = {
        "http_port": http_port,
        "https_port": https_port,
        "cert": cert,
        "key": key,
        "keepalive_timeout": keepalive_timeout,
        "keepalive_requests": keepalive_requests,
        "client_ca": mtls,
        "subject": subject,
    }
    with running_nginx(CONFIG, settings, (http_port, https_port)) as directory:
        yield WebServer(
            f"http://127.0.0.1:{http_port}", f"https://127.0.0.1:{https_port}", directory
        )


@contextmanager
def running_nginx(
    template: str, settings: dict[str, object], ports: tuple[int, ...]
) -> Iterator[Path]:
    """nginx in the foreground with ``template`` filled in (``{dir}``: its own
    temporary folder, given back for its logs), until it listens on every one of
    ``ports``; stopped afterwards."""
    with tempfile.TemporaryDirectory(prefix="awsmith-nginx-") as folder:
        directory = Path(folder)
        config = directory / "nginx.conf"
        config.write_text(template.format(dir=directory, **settings), encoding="utf-8")
        process = processes.spawn(
            [NGINX, "-c", str(config), "-p", str(directory), "-e", str(directory / "error.log")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            for port in ports:
                wait_for_port(port, process, "nginx")
            yield directory
        finally:
            processes.stop(process)
