"""The TLS contexts of the connections awsmith makes itself.

Certificates are verified against, in this order (as botocore and the AWS CLI do):
``Config.ca_bundle``, ``AWS_CA_BUNDLE``, the profile's ``ca_bundle``, else certifi's
bundle (as botocore and httpx do). Loading a bundle reads and parses a file of a few
hundred certificates (~10 ms), so contexts are made once per process and file, in a
worker thread (see :mod:`awsmith._core.settings`, which chooses the bundle).
"""

from __future__ import annotations

import os
import ssl

from awsmith._core.errors import ConfigurationError

#: (verify, CA file) -> context, shared by every client of the process.
_CONTEXTS: dict[tuple[bool, str], ssl.SSLContext] = {}


def certifi_bundle() -> str:
    # Imported when first needed: certifi pulls in importlib.resources (~5 ms), which a
    # plain-HTTP endpoint or a caller's CA bundle never needs.
    import certifi

    return certifi.where()


def _key(verify: bool, cafile: str) -> tuple[bool, str]:
    return verify, cafile if verify else ""


def cached_tls_context(verify: bool, cafile: str) -> ssl.SSLContext | None:
    """The context :func:`tls_context` would give, if it is made already (no I/O)."""
    return _CONTEXTS.get(_key(verify, cafile))


def tls_context(verify: bool, cafile: str = "", source: str = "") -> ssl.SSLContext:
    """A client context: certificates and host names checked against ``cafile`` (else
    certifi's) unless ``verify`` is False (for a local test server only). ``source``
    names where ``cafile`` came from, for the error when it names no file. May read
    files: not on the event loop."""
    if verify and not cafile:
        cafile, source = certifi_bundle(), "certifi"
    key = _key(verify, cafile)
    context = _CONTEXTS.get(key)
    if context is None:
        if verify:
            if not os.path.isfile(cafile):
                raise ConfigurationError(f"{source or 'the CA bundle'} names no file: {cafile!r}")
            context = ssl.create_default_context(cafile=cafile)
        else:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        context.set_alpn_protocols(["http/1.1"])
        _CONTEXTS[key] = context
    return context
