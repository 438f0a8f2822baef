"""Which profile: ``AWS_DEFAULT_PROFILE``, which botocore reads before ``AWS_PROFILE``,
chooses the region, the settings and the credentials as in botocore's client: the
endpoint and the access key on the wire compared with botocore's."""

from __future__ import annotations

from urllib.parse import urlsplit

import botocore.session
import pytest
from botocore.awsrequest import AWSResponse

import awsmith
from tests.config.helpers import AwsFiles, awsmith_sends

PROFILES = """\
[default]
region = us-west-2
aws_access_key_id = AKIDDEFAULT
aws_secret_access_key = s0
[profile first]
region = eu-west-1
aws_access_key_id = AKIDFIRST
aws_secret_access_key = s1
[profile second]
region = ap-southeast-2
aws_access_key_id = AKIDSECOND
aws_secret_access_key = s2
"""


def _access_key(authorization: str | None) -> str:
    assert authorization is not None
    return authorization.split("Credential=")[1].split("/")[0]


@pytest.mark.parametrize(
    "environ",
    [
        {"AWS_DEFAULT_PROFILE": "first"},
        {"AWS_DEFAULT_PROFILE": "first", "AWS_PROFILE": "second"},
        {"AWS_PROFILE": "second"},
    ],
    ids=["AWS_DEFAULT_PROFILE", "AWS_DEFAULT_PROFILE before AWS_PROFILE", "AWS_PROFILE"],
)
def test_aws_default_profile_as_botocore_reads_it(
    environ: dict[str, str], aws: AwsFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    aws.write(PROFILES)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    sent = awsmith_sends("codeguruprofiler", credentials=None).first
    boto = botocore_sends_with_profile_credentials()
    assert sent.url.host == boto[0]
    assert _access_key(sent.headers.get("Authorization")) == boto[1]
    expected = "first" if "AWS_DEFAULT_PROFILE" in environ else "second"
    assert boto[1] == f"AKID{expected.upper()}"


def botocore_sends_with_profile_credentials() -> tuple[str, str]:
    """(host, access key) of botocore's request, with the credentials its own chain
    finds (not the explicit ones the other tests give it)."""
    client = botocore.session.Session().create_client("codeguruprofiler")
    seen: list[object] = []

    class Raw:
        def stream(self, **_: object) -> object:
            return iter([b'{"profilingGroupNames": []}'])

    def capture(request: object, **_: object) -> AWSResponse:
        seen.append(request)
        return AWSResponse(request.url, 200, {}, Raw())  # type: ignore[attr-defined]

    client.meta.events.register("before-send", capture)
    client.list_profiling_groups()
    request = seen[0]
    authorization = request.headers["Authorization"].decode()  # type: ignore[attr-defined]
    host = urlsplit(request.url).hostname  # type: ignore[attr-defined]
    assert host is not None
    return host, _access_key(authorization)


#: A profile key written with no value (``key =``), and what it does: refused (the
#: message awsmith gives) where botocore refuses it too, else the same as unset, as
#: botocore reads it (tcp_keepalive and compression-disabling off, no app/ part).
BLANK_KEYS: dict[str, str | None] = {
    "defaults_mode": (
        "the profile's defaults_mode must be one of 'legacy', 'standard', 'in-region', "
        "'cross-region', 'mobile', 'auto', got ''"
    ),
    "request_min_compression_size_bytes": (
        "the profile's request_min_compression_size_bytes must be a whole number from 0 "
        "to 10485760, got ''"
    ),
    "tcp_keepalive": None,
    "disable_request_compression": None,
    "sdk_ua_app_id": None,
    "endpoint_url": None,
}


@pytest.mark.parametrize("key", sorted(BLANK_KEYS))
def test_a_blank_profile_key_reads_as_botocore_reads_it(key: str, aws: AwsFiles) -> None:
    """A blank key decides, as in botocore (its value is ``""``, not missing): where
    botocore refuses ``""``, awsmith refuses it naming the key, rather than fall back
    to the default (the CA bundle's is in tests/transport/test_ca_bundles.py;
    ``max_attempts`` and ``retry_mode`` are read as unset, a difference in the table)."""
    aws.write(f"[default]\nregion = us-west-2\n{key} =\n")
    message = BLANK_KEYS[key]
    session = botocore.session.Session()
    if message is not None:
        with pytest.raises(Exception) as botocore_raised:
            session.create_client(
                "codeguruprofiler", aws_access_key_id="a", aws_secret_access_key="b"
            )
        assert type(botocore_raised.value).__name__ in ("InvalidDefaultsMode", "InvalidConfigError")
        with pytest.raises(awsmith.ConfigurationError) as raised:
            awsmith_sends("codeguruprofiler")
        assert str(raised.value) == message
        return
    client = session.create_client(
        "codeguruprofiler", aws_access_key_id="a", aws_secret_access_key="b"
    )
    sent = awsmith_sends("codeguruprofiler")
    assert str(sent.first.url).startswith(client.meta.endpoint_url)
    assert client.meta.config.tcp_keepalive in (None, False)
    assert client.meta.config.disable_request_compression is False
    assert "app/" not in sent.first.headers["User-Agent"]
    assert not client.meta.config.user_agent_appid
    settled = sent.client._shared.settled  # pyright: ignore[reportPrivateUsage]
    assert (settled.tcp_keepalive, settled.disable_request_compression) == (False, False)
    assert settled.user_agent_appid is None
