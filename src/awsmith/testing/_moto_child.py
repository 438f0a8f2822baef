"""moto's server, run so that it ends with the process that started it.

:class:`~awsmith.testing.moto_server.MotoServer` starts ``python -m
awsmith.testing._moto_child`` with a pipe as its stdin and never writes to it. The pipe
reads end-of-file once its write end is closed, which the kernel does however the
parent ends: ``stop()``, SIGTERM (no atexit hook runs), SIGKILL or a crash. A thread
here waits for that end-of-file and ends the server at once, so no moto outlives the
test run that started it. (``PR_SET_PDEATHSIG`` would not do: it fires when the
*thread* that forked exits, and the async fixtures start the server from a worker
thread.)
"""

from __future__ import annotations

import os
import sys
import threading


def _exit_when_the_parent_goes() -> None:
    sys.stdin.buffer.read()  # returns only at end-of-file: the parent's end is closed
    os._exit(0)


def main(argv: list[str]) -> None:
    """Runs ``moto.server`` with ``argv``, watching stdin for the parent's end."""
    threading.Thread(target=_exit_when_the_parent_goes, name="parent-watch", daemon=True).start()
    from moto.server import main as moto_main

    moto_main(argv)


if __name__ == "__main__":
    main(sys.argv[1:])
