"""``python -m awsmith.testing.codeguruprofiler``: the local CodeGuru Profiler server
from a shell, for tests in another language or process, until Ctrl-C or SIGTERM.

It prints one line, ``CodeGuru Profiler server at http://127.0.0.1:PORT (access key
...)``, once it accepts connections (so a script can wait for it), and exits with
status 0 when interrupted, having closed its port.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from awsmith.testing.codeguruprofiler._server import (
    DEFAULT_ACCOUNT_ID,
    FAKE_ACCESS_KEY_ID,
    FAKE_SECRET_ACCESS_KEY,
    HOST,
    CodeGuruProfilerServer,
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m awsmith.testing.codeguruprofiler",
        description="An in-memory Amazon CodeGuru Profiler server for tests (all 23 "
        "operations, SigV4 checked). Serves until Ctrl-C or SIGTERM.",
    )
    parser.add_argument("--port", type=int, default=0, help="TCP port (default 0: any free one)")
    parser.add_argument("--host", default=HOST, help=f"address to listen on (default {HOST})")
    parser.add_argument("--region", default="us-east-1", help="region of the ARNs (default us-east-1)")
    parser.add_argument(
        "--account-id", default=DEFAULT_ACCOUNT_ID, help="account of the ARNs (default %(default)s)"
    )
    parser.add_argument(
        "--access-key", default=FAKE_ACCESS_KEY_ID, help="the access key id requests must be signed with"
    )
    parser.add_argument(
        "--secret-key",
        default=FAKE_SECRET_ACCESS_KEY,
        help="the secret access key requests must be signed with",
    )
    parser.add_argument(
        "--no-signature-check",
        action="store_true",
        help="accept any AWS4-HMAC-SHA256 Authorization header without checking it",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the server until SIGINT or SIGTERM; the exit status."""
    options = _parser().parse_args(argv)
    if not 0 <= options.port <= 65535:
        _parser().error(f"--port must be from 0 to 65535, got {options.port}")
    server = CodeGuruProfilerServer(
        access_key_id=options.access_key,
        secret_access_key=options.secret_key,
        region=options.region,
        account_id=options.account_id,
        check_signatures=not options.no_signature_check,
        host=options.host,
        port=options.port,
    )
    stop = threading.Event()

    def interrupted(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, interrupted)
    signal.signal(signal.SIGTERM, interrupted)
    try:
        server.start()
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    try:
        print(
            f"CodeGuru Profiler server at {server.endpoint_url} "
            f"(access key {server.access_key_id}, region {server.region})",
            flush=True,
        )
        while not stop.wait(3600):
            pass
    finally:
        server.stop()
    print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
