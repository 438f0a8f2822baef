"""The TLS contexts of the connections awsmith makes itself.

Certificates are verified against, in this order (as botocore and the AWS CLI do):
``Config.ca_bundle``, ``AWS_CA_BUNDLE``, the profile's ``ca_bundle``, else certifi's
bundle (as botocore and httpx do). Loading a bundle reads and parses a file of a few
hundred certificates (~10 ms), so contexts are made once per process and file version, in a
worker thread (see :mod:`awsmith._core.settings`, which chooses the bundle).

A context may also carry a TLS client certificate (``Config.client_cert``, or
``Config.proxy_client_cert`` for an ``https://`` proxy's context), loaded with the
context, so both transports (awsmith's own sender and httpx) show it: it is part of
the context's cache key, with the state (modification time, size, inode) of each file
the context was loaded from, so a certificate or bundle renewed in place is loaded
again by the next client made, as botocore loads it for each new client.
"""

from __future__ import annotations

import os
import ssl

from awsmith._core.errors import ConfigurationError
from awsmith._core.files import FileState, file_state

#: A TLS client certificate as botocore takes it: one PEM file with the certificate
#: and its key, or a (certificate, key) pair of paths.
ClientCert = str | tuple[str, str]

#: verify, the CA file and its state, the client certificate and its files' states: a
#: file replaced in place (a renewed certificate or bundle) is another key, so the next
#: client made loads it afresh, as a new botocore client does.
_Key = tuple[bool, str, FileState | None, ClientCert | None, tuple[FileState | None, ...]]

#: key -> context, shared by every client of the process.
_CONTEXTS: dict[_Key, ssl.SSLContext] = {}
#: Keys kept at the most (each renewal of a file adds one): the cache starts over then.
_CONTEXTS_SIZE = 32


def certifi_bundle() -> str:
    # Imported when first needed: certifi pulls in importlib.resources (~5 ms), which a
    # plain-HTTP endpoint or a caller's CA bundle never needs.
    import certifi

    return certifi.where()


def _key(verify: bool, cafile: str, client_cert: ClientCert | None) -> _Key:
    """What a context depends on, now: one ``stat`` of each file it reads."""
    cafile = cafile if verify else ""
    cert_files = () if client_cert is None else _cert_paths(client_cert)
    return (
        verify,
        cafile,
        file_state(cafile) if cafile else None,
        client_cert,
        tuple(file_state(path) for path in cert_files),
    )


def _cert_paths(client_cert: ClientCert) -> tuple[str, ...]:
    return (client_cert,) if isinstance(client_cert, str) else client_cert


def cached_tls_context(
    verify: bool, cafile: str, client_cert: ClientCert | None = None
) -> ssl.SSLContext | None:
    """The context :func:`tls_context` would give, if it is made already (no I/O)."""
    return _CONTEXTS.get(_key(verify, cafile, client_cert))


def tls_context(
    verify: bool,
    cafile: str = "",
    source: str = "",
    client_cert: ClientCert | None = None,
    cert_source: str = "Config.client_cert",
) -> ssl.SSLContext:
    """A client context: certificates and host names checked against ``cafile`` (else
    certifi's) unless ``verify`` is False (for a local test server only), showing
    ``client_cert`` if the server asks for one. ``source`` and ``cert_source`` name
    where ``cafile`` and ``client_cert`` came from, for the errors when they cannot be
    used. May read files: not on the event loop."""
    if verify and not cafile:
        cafile, source = certifi_bundle(), "certifi"
    key = _key(verify, cafile, client_cert)
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
        if client_cert is not None:
            _load_client_cert(context, client_cert, cert_source)
        context.set_alpn_protocols(["http/1.1"])
        if len(_CONTEXTS) >= _CONTEXTS_SIZE:
            _CONTEXTS.clear()
        _CONTEXTS[key] = context
    return context


class _EncryptedKey(Exception):
    """OpenSSL asked for the key's password."""


def _no_password() -> str:
    """Given to ``load_cert_chain`` as the password callback: without one OpenSSL would
    ask for an encrypted key's password on the terminal, and a client in a service
    would wait there for ever."""
    raise _EncryptedKey


def _load_client_cert(context: ssl.SSLContext, client_cert: ClientCert, source: str) -> None:
    """Loads the certificate and key into ``context``; a ConfigurationError naming
    ``source`` if a file is missing, the key is encrypted or not the certificate's."""
    for path in _cert_paths(client_cert):
        if not os.path.isfile(path):
            raise ConfigurationError(f"{source} names no file: {path!r}")
    cert, key = (client_cert, None) if isinstance(client_cert, str) else client_cert
    try:
        context.load_cert_chain(cert, key, password=_no_password)
    except _EncryptedKey:
        why = (
            "its key is encrypted (give an unencrypted key, readable only by the user the "
            "client runs as)"
        )
    except ssl.SSLError as exc:
        why = str(exc)
    else:
        return
    raise ConfigurationError(
        f"{source}: cannot use {client_cert!r} as a client certificate: {why}"
    ) from None
