"""Request compression (the ``requestcompression`` trait): what is gzipped, when, and
how Content-Encoding is spelled. The protocol cases (tests/protocols) check the header
through a generated client; these check the body and the settings."""

from __future__ import annotations

import gzip

import pytest

import awsmith
from awsmith._core.compression import gzip_request
from awsmith._core.operation import SerializedRequest
from awsmith._core.settled import settle


def _request(body: bytes, headers: dict[str, str] | None = None) -> SerializedRequest:
    return SerializedRequest("POST", "/", [], dict(headers or {}), body)


def test_a_body_of_the_minimum_size_is_gzipped_and_labelled() -> None:
    body = b'{"data":"' + b"x" * 100 + b'"}'
    out = gzip_request(_request(body), len(body))
    assert gzip.decompress(out.body) == body
    assert out.headers == {"Content-Encoding": "gzip"}
    assert gzip_request(_request(body), len(body)).body == out.body  # deterministic


def test_a_smaller_body_is_sent_as_it_is() -> None:
    request = _request(b"{}", {"X-A": "1"})
    assert gzip_request(request, 3) is request


def test_gzip_is_appended_to_an_encoding_the_request_has() -> None:
    out = gzip_request(_request(b"abc", {"content-encoding": "custom"}), 0)
    assert out.headers == {"content-encoding": "custom, gzip"}


@pytest.mark.parametrize("value", [-1, 10485761, 1.5, True, "10"])
def test_the_minimum_size_is_checked(value: object) -> None:
    with pytest.raises(awsmith.ConfigurationError, match="request_min_compression_size_bytes"):
        awsmith.Config(request_min_compression_size_bytes=value)  # type: ignore[arg-type]


def test_defaults_are_botocores() -> None:
    """Left at None, they come from the environment or the profile, else botocore's
    defaults (tests/config compares them with botocore's client)."""
    config = awsmith.Config()
    assert config.disable_request_compression is None
    assert config.request_min_compression_size_bytes is None
    settings = settle(config, dict)
    assert settings.disable_request_compression is False
    assert settings.request_min_compression_size_bytes == 10240
