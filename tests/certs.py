"""Certificates made by the tests: a CA and a server certificate it signed for
127.0.0.1, written as PEM files (cryptography, a dependency of moto).

Both carry the extensions a real CA puts in what it issues (RFC 5280 4.2.1): a subject
key identifier on each, the issuer's key identifier as the server certificate's
authority key identifier, critical basic constraints and key usage. Python 3.13's
default context verifies with ``VERIFY_X509_STRICT``, which refuses a chain without
them ("Missing Authority Key Identifier")."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

_VALIDITY_MARGIN = dt.timedelta(minutes=5)
_LIFETIME = dt.timedelta(days=1)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def _key_usage(*, signs_certificates: bool) -> x509.KeyUsage:
    """A CA's key signs certificates and CRLs; a TLS server's (ECDSA) signs the
    handshake only."""
    return x509.KeyUsage(
        digital_signature=True, content_commitment=False, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=signs_certificates,
        crl_sign=signs_certificates, encipher_only=False, decipher_only=False,
    )


def _issued(
    subject: x509.Name,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Name,
    issuer_key: ec.EllipticCurvePrivateKey,
    *,
    ca: bool,
) -> x509.CertificateBuilder:
    """What every certificate here has: the validity window, basic constraints, key
    usage and both key identifiers (the issuer's taken from its key, as a CA does)."""
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _VALIDITY_MARGIN)
        .not_valid_after(now + _LIFETIME)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
        .add_extension(_key_usage(signs_certificates=ca), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    )


def make_ca_and_server(folder: Path) -> tuple[Path, Path, Path]:
    """(CA certificate, server certificate, server key) PEM files in ``folder``; the
    server certificate names 127.0.0.1 and localhost."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("awsmith test CA")
    ca = _issued(ca_name, ca_key, ca_name, ca_key, ca=True).sign(ca_key, hashes.SHA256())
    key = ec.generate_private_key(ec.SECP256R1())
    server = (
        _issued(_name("127.0.0.1"), key, ca_name, ca_key, ca=False)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_file, cert_file, key_file = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    _write_key(key, key_file)
    return ca_file, cert_file, key_file


def server_context(cert_file: Path, key_file: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context


def make_client_certificate(
    folder: Path, common_name: str = "awsmith-client"
) -> tuple[Path, Path, Path, Path]:
    """A CA of its own for TLS clients and a client certificate it signed (extended key
    usage clientAuth): (client CA, certificate, key, certificate and key in one PEM,
    the form botocore's ``Config(client_cert="...")`` takes)."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("awsmith test client CA")
    ca = _issued(ca_name, ca_key, ca_name, ca_key, ca=True).sign(ca_key, hashes.SHA256())
    key = ec.generate_private_key(ec.SECP256R1())
    client = (
        _issued(_name(common_name), key, ca_name, ca_key, ca=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_file = folder / f"{common_name}-ca.pem"
    cert_file, key_file = folder / f"{common_name}.pem", folder / f"{common_name}.key"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(client.public_bytes(serialization.Encoding.PEM))
    _write_key(key, key_file)
    both = folder / f"{common_name}-with-key.pem"
    both.write_bytes(cert_file.read_bytes() + key_file.read_bytes())
    return ca_file, cert_file, key_file, both
