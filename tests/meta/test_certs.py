"""The certificates the tests generate (tests/certs.py) are what a real CA issues: they
pass OpenSSL's strict verification, the default of Python 3.13's ``ssl`` (before:
"Missing Authority Key Identifier", 27 failures of the suite on 3.13)."""

from __future__ import annotations

import hashlib
import shutil
import ssl
import subprocess
from pathlib import Path
from typing import TypeVar

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from tests.certs import make_ca_and_server, server_context


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    return make_ca_and_server(tmp_path_factory.mktemp("certs"))


def _handshake(client: ssl.SSLContext, server: ssl.SSLContext, server_name: str) -> ssl.SSLObject:
    """A TLS handshake in memory (no sockets): each side's output fed to the other
    until both are done; the client's SSLObject, or the error either side raised."""
    to_server, to_client = ssl.MemoryBIO(), ssl.MemoryBIO()
    from_server, from_client = ssl.MemoryBIO(), ssl.MemoryBIO()
    client_side = client.wrap_bio(to_client, from_client, server_hostname=server_name)
    server_side = server.wrap_bio(to_server, from_server, server_side=True)
    done = {"client": False, "server": False}
    for _ in range(10):
        for name, side in (("client", client_side), ("server", server_side)):
            if not done[name]:
                try:
                    side.do_handshake()
                    done[name] = True
                except ssl.SSLWantReadError:
                    pass
        to_server.write(from_client.read())
        to_client.write(from_server.read())
        if all(done.values()):
            return client_side
    raise AssertionError("the handshake did not finish in 10 rounds")


def test_a_strict_client_accepts_the_chain(chain: tuple[Path, Path, Path]) -> None:
    """``VERIFY_X509_STRICT`` set by hand, so the check is the same on 3.11 and 3.12 as
    on 3.13, where the default context sets it."""
    ca, cert, key = chain
    client = ssl.create_default_context(cafile=str(ca))
    client.verify_flags |= ssl.VERIFY_X509_STRICT
    for name in ("127.0.0.1", "localhost"):
        tls = _handshake(client, server_context(cert, key), name)
        peer = tls.getpeercert()
        assert peer["subject"] == ((("commonName", "127.0.0.1"),),)
        assert peer["subjectAltName"] == (("IP Address", "127.0.0.1"), ("DNS", "localhost"))


def test_a_strict_client_refuses_another_name(chain: tuple[Path, Path, Path]) -> None:
    """The handshake above can fail: the same chain for a name it does not hold."""
    ca, cert, key = chain
    client = ssl.create_default_context(cafile=str(ca))
    client.verify_flags |= ssl.VERIFY_X509_STRICT
    with pytest.raises(ssl.SSLCertVerificationError, match="IP address mismatch"):
        _handshake(client, server_context(cert, key), "127.0.0.2")


def test_openssl_verifies_the_server_certificate_strictly(chain: tuple[Path, Path, Path]) -> None:
    """OpenSSL's own command line, for a TLS server, in strict mode."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("needs the openssl command (apt-get install openssl)")
    ca, cert, _ = chain
    result = subprocess.run(
        [openssl, "verify", "-x509_strict", "-purpose", "sslserver", "-CAfile", str(ca), str(cert)],
        capture_output=True, text=True, check=False,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, f"{cert}: OK\n", "")


def _certificate(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def _key_id(certificate: x509.Certificate) -> bytes:
    """RFC 5280 4.2.1.2, method (1): the SHA-1 of the subjectPublicKey BIT STRING's
    value, here an uncompressed EC point."""
    point = certificate.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return hashlib.sha1(point).digest()


_E = TypeVar("_E", bound=x509.ExtensionType)


def _extension(certificate: x509.Certificate, kind: type[_E]) -> x509.Extension[_E]:
    return certificate.extensions.get_extension_for_class(kind)


def test_the_key_identifiers_link_the_server_certificate_to_its_ca(
    chain: tuple[Path, Path, Path],
) -> None:
    ca, server = _certificate(chain[0]), _certificate(chain[1])
    for certificate in (ca, server):
        identifier = _extension(certificate, x509.SubjectKeyIdentifier)
        assert (identifier.critical, identifier.value.digest) == (False, _key_id(certificate))
        authority = _extension(certificate, x509.AuthorityKeyIdentifier)
        assert authority.critical is False
        assert authority.value.key_identifier == _key_id(ca)
        assert authority.value.authority_cert_issuer is None


def test_basic_constraints_and_key_usage_are_critical(chain: tuple[Path, Path, Path]) -> None:
    ca, server = _certificate(chain[0]), _certificate(chain[1])
    expected = {ca: (True, 0, True), server: (False, None, False)}
    for certificate, (is_ca, path_length, signs_certificates) in expected.items():
        constraints = _extension(certificate, x509.BasicConstraints)
        assert constraints.critical is True
        assert (constraints.value.ca, constraints.value.path_length) == (is_ca, path_length)
        usage = _extension(certificate, x509.KeyUsage)
        assert usage.critical is True
        assert usage.value.digital_signature is True
        assert usage.value.key_cert_sign is usage.value.crl_sign is signs_certificates
        assert usage.value.key_encipherment is usage.value.key_agreement is False
    assert server.issuer == ca.subject
    usages = _extension(server, x509.ExtendedKeyUsage).value
    assert list(usages) == [x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]
