"""The TLS context of the connections awsmith makes itself.

Certificates are verified against ``AWS_CA_BUNDLE`` when set (as botocore and the AWS
CLI do, for a corporate proxy's CA, say), else certifi's bundle (as botocore and httpx
do). Loading a bundle reads and parses a file of a few hundred certificates (~10 ms),
so contexts are made once per process, in a worker thread (see ``BaseClient``).
"""

from __future__ import annotations

import os
import ssl

import certifi

from awsmith._core.errors import ConfigurationError

#: (verify, CA file) -> context, shared by every client of the process.
_CONTEXTS: dict[tuple[bool, str], ssl.SSLContext] = {}


def _key(verify: bool) -> tuple[bool, str]:
    return verify, (os.environ.get("AWS_CA_BUNDLE") or certifi.where()) if verify else ""


def cached_tls_context(verify: bool) -> ssl.SSLContext | None:
    """The context :func:`tls_context` would give, if it is made already (no I/O)."""
    return _CONTEXTS.get(_key(verify))


def tls_context(verify: bool) -> ssl.SSLContext:
    """A client context: certificates and host names checked unless ``verify`` is
    False (for a local test server only). May read files: not on the event loop."""
    key = _key(verify)
    context = _CONTEXTS.get(key)
    if context is None:
        if verify:
            cafile = key[1]
            if not os.path.isfile(cafile):
                raise ConfigurationError(f"AWS_CA_BUNDLE names no file: {cafile!r}")
            context = ssl.create_default_context(cafile=cafile)
        else:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        context.set_alpn_protocols(["http/1.1"])
        _CONTEXTS[key] = context
    return context
