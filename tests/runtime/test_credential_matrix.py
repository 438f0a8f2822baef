"""The credential-resolution oracle (issue 22): for every combination of ``profile=``,
``AWS_PROFILE``, environment keys, the kind of credentials the profiles hold (shared
credentials file, config file, ``credential_process``, ``role_arn`` with a
``source_profile`` holding keys or a process, nothing) and ``assume_role(profile=...)``,
the access key (and session token) that signs awsmith's request is the one botocore
resolves for the same setup, or both fail the same way.

What awsmith signs with is read from the wire: a local server on 127.0.0.1 answers both
Support and STS, and takes the key from each request's ``Authorization`` header after
checking its SigV4 signature with botocore's signer (a key signed with another key's
secret, or with a token not its own, is refused). Its STS answers AssumeRole with
credentials *derived* from the caller's access key and the role ARN (a hash): botocore's
own AssumeRoleProvider (a profile's ``role_arn``) and awsmith's ``assume_role`` get the
same keys back if and only if they called STS as the same principal.

botocore's side is botocore alone: ``Session(profile=...).get_credentials()`` for a
client's chain, and botocore's STS client's ``assume_role`` (signed with that session's
credentials) for ``assume_role(profile=...)``, both against the same local STS.

How botocore reaches the local STS: the locked botocore (1.44) reads
``AWS_ENDPOINT_URL_STS`` (as awsmith does) for every client it makes, the
AssumeRoleProvider's included. The oldest botocore awsmith supports (1.29.61, ``make
test-botocore-min``) has no configured endpoints at all (neither that variable nor a
profile's ``services`` section), so there the test makes botocore's
``Session.create_client`` give STS clients that endpoint (:func:`point_botocore_at`),
which is what the variable does in later versions: every combination of the matrix is
expressed, and passes, on both.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import os
import re
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import anyio
import botocore.exceptions
import botocore.session
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials as BotoCredentials

import awsmith
from awsmith.support import SupportClient

# aws_env (autouse): no AWS_* variables, empty config files, no instance metadata.
from tests.runtime.test_credentials import aws_env  # noqa: F401

ROLE = "arn:aws:iam::123456789012:role/Target"  # assume_role's
SESSION = "matrix"

# ---------------------------------------------------------------- principals


def secret_of(access_key: str) -> str:
    """Every principal's secret follows from its key, so the server can check any
    signature."""
    return f"secret/{access_key}"


def token_of(access_key: str) -> str | None:
    """Temporary keys (``ASIA``) carry this token; long-term ones (``AKIA``) none."""
    return f"token/{access_key}" if access_key.startswith("ASIA") else None


def derived(access_key: str, role_arn: str) -> str:
    """The key STS gives ``access_key`` for ``role_arn``."""
    digest = hashlib.sha256(f"{access_key}|{role_arn}".encode()).hexdigest()
    return f"ASIA{digest[:16].upper()}"


# ---------------------------------------------------------------- the local server

_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<day>\d{8})/(?P<region>[^/]+)/"
    r"(?P<service>[^/]+)/aws4_request, SignedHeaders=(?P<signed>[^,]+), "
    r"Signature=(?P<signature>[0-9a-f]{64})$"
)


class Seen:
    """What the server saw: (service, access key, token) of each request it answered,
    and why it refused any it refused."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests: list[tuple[str, str, str | None]] = []
        self.refused: list[str] = []

    def clear(self) -> None:
        with self.lock:
            self.requests.clear()
            self.refused.clear()

    def of(self, service: str) -> list[tuple[str, str | None]]:
        with self.lock:
            return [(key, token) for name, key, token in self.requests if name == service]


def signed_by(method: str, url: str, headers: dict[str, str], body: bytes) -> tuple[str, str, str | None]:
    """(service, access key, token) of a request whose signature botocore's signer
    computes the same with that key's secret and token; ValueError otherwise."""
    match = _AUTH.match(headers.get("authorization", ""))
    if match is None:
        raise ValueError(f"no SigV4 Authorization header: {headers.get('authorization')!r}")
    key, service, region = match["key"], match["service"], match["region"]
    token = headers.get("x-amz-security-token")
    if token != token_of(key):
        raise ValueError(f"{key} sent the token {token!r}, not its own")
    names = match["signed"].split(";")
    request = AWSRequest(
        method=method, url=url, headers={name: headers[name] for name in names}, data=body
    )
    request.context["timestamp"] = headers["x-amz-date"]
    signer = SigV4Auth(BotoCredentials(key, secret_of(key), token), service, region)
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    if expected != match["signature"]:
        raise ValueError(f"the signature of {key} is not made with its secret")
    return service, key, token


def sts_answer(caller: str, role_arn: str) -> bytes:
    key = derived(caller, role_arn)
    expiry = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"""<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <AssumedRoleUser><Arn>{role_arn}/{SESSION}</Arn><AssumedRoleId>AROA:{SESSION}</AssumedRoleId></AssumedRoleUser>
    <Credentials>
      <AccessKeyId>{key}</AccessKeyId>
      <SecretAccessKey>{secret_of(key)}</SecretAccessKey>
      <SessionToken>{token_of(key)}</SessionToken>
      <Expiration>{expiry}</Expiration>
    </Credentials>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>sts-request</RequestId></ResponseMetadata>
</AssumeRoleResponse>""".encode()


class Replies(BaseHTTPRequestHandler):
    """HTTP/1.1 answers with a length and a request id, and no log on stderr."""

    protocol_version = "HTTP/1.1"

    def reply(
        self, status: int, body: bytes, content_type: str = "application/x-amz-json-1.1"
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", "local-request")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def make_handler(seen: Seen) -> type[BaseHTTPRequestHandler]:
    class Handler(Replies):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {name.lower(): value for name, value in self.headers.items()}
            url = f"http://{headers['host']}{self.path}"
            try:
                service, key, token = signed_by("POST", url, headers, body)
            except ValueError as exc:
                with seen.lock:
                    seen.refused.append(str(exc))
                self.reply(403, b'{"__type": "InvalidSignatureException", "message": "refused"}')
                return
            with seen.lock:
                seen.requests.append((service, key, token))
            if service == "sts":
                form = parse_qs(body.decode())
                assert form["Action"] == ["AssumeRole"], form
                self.reply(200, sts_answer(key, form["RoleArn"][0]), "text/xml")
            else:
                self.reply(200, b'{"services": []}')

    return Handler


class LocalServer:
    """An HTTP server on 127.0.0.1, serving ``handler`` from a daemon thread."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(10)


class Server(LocalServer):
    def __init__(self) -> None:
        self.seen = Seen()
        super().__init__(make_handler(self.seen))


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    running = Server()
    yield running
    running.close()


@pytest.fixture(scope="module", autouse=True)
def one_botocore_data_loader() -> Iterator[None]:
    """Every botocore session of these tests (botocore's and awsmith's) shares one data
    loader, which keeps the JSON it has read: a new session would read STS's model and
    endpoint rules again each time (a quarter of a second). Where credentials come
    from is not the loader's business."""
    import botocore.loaders

    shared = functools.cache(botocore.loaders.create_loader)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(botocore.session, "create_loader", shared)
        yield


# ---------------------------------------------------------------- botocore at the local STS


@functools.cache
def botocore_reads_aws_endpoint_url_sts() -> bool:
    """Whether this botocore's clients take their endpoint from AWS_ENDPOINT_URL_STS."""
    saved = os.environ.get("AWS_ENDPOINT_URL_STS")
    os.environ["AWS_ENDPOINT_URL_STS"] = "http://127.0.0.1:9"
    try:
        client = botocore.session.Session().create_client(
            "sts", region_name="us-east-1", aws_access_key_id="AKID", aws_secret_access_key="s"
        )
        return bool(client.meta.endpoint_url == "http://127.0.0.1:9")
    finally:
        if saved is None:
            del os.environ["AWS_ENDPOINT_URL_STS"]
        else:
            os.environ["AWS_ENDPOINT_URL_STS"] = saved


def point_botocore_at(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """What AWS_ENDPOINT_URL_STS does in botocore 1.31+, for a botocore without it:
    every STS client botocore makes (its AssumeRoleProvider's too) goes to ``url``."""
    original = botocore.session.Session.create_client

    def create_client(self: Any, service_name: str, *args: Any, **kwargs: Any) -> Any:
        if service_name == "sts" and kwargs.get("endpoint_url") is None:
            kwargs["endpoint_url"] = url
        return original(self, service_name, *args, **kwargs)

    monkeypatch.setattr(botocore.session.Session, "create_client", create_client)


def test_how_this_botocore_reaches_the_local_sts(monkeypatch: pytest.MonkeyPatch) -> None:
    """The locked botocore reads AWS_ENDPOINT_URL_STS; the oldest supported one does not
    (configured endpoints came in botocore 1.31), and there point_botocore_at gives
    its STS clients the endpoint instead. Both environments run the matrix in CI."""
    version = tuple(int(part) for part in botocore.__version__.split(".")[:2])
    reads = botocore_reads_aws_endpoint_url_sts()
    if version >= (1, 44):
        assert reads
    if version < (1, 30):
        assert not reads
    point_botocore_at("http://127.0.0.1:9", monkeypatch)
    client = botocore.session.Session().create_client(
        "sts", region_name="us-east-1", aws_access_key_id="AKID", aws_secret_access_key="s"
    )
    assert client.meta.endpoint_url == "http://127.0.0.1:9"


# ---------------------------------------------------------------- the setups

#: The profiles a client may name, and the one a role's source_profile names.
NAMED = ("default", "dev", "ops")
KINDS = (
    "credentials file",  # aws_access_key_id in the shared credentials file
    "config file",  # aws_access_key_id in the config file
    "credential_process",
    "role, source keys",  # role_arn + source_profile = base (keys in the credentials file)
    "role, source process",  # role_arn + source_profile = base (a credential_process)
    "nothing",  # a region only
)

PROCESS = """\
import json, sys
name = sys.argv[1].upper()
key = f"ASIAPROC{name}"
print(json.dumps({
    "Version": 1,
    "AccessKeyId": key,
    "SecretAccessKey": f"secret/{key}",
    "SessionToken": f"token/{key}",
    "Expiration": sys.argv[2],
}))
"""


def section(name: str, config: bool) -> str:
    if not config or name == "default":
        return f"[{name}]"
    return f"[profile {name}]"


def keys_of(name: str, where: str) -> str:
    key = f"AKIA{where.upper()}{name.upper()}"
    return f"aws_access_key_id = {key}\naws_secret_access_key = {secret_of(key)}\n"


def write_setup(kind: str, folder: Path) -> tuple[Path, Path]:
    """The config and credentials files of one kind: every named profile holds that
    kind of credentials (its own keys), and ``base`` is the roles' source."""
    script = folder / "process.py"
    script.write_text(PROCESS)
    expires = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    process = f"credential_process = {sys.executable} -I -S {script} {{name}} {expires}\n"
    config: list[str] = []
    credentials: list[str] = []
    for name in NAMED:
        body = "region = us-east-1\n"
        if kind == "config file":
            body += keys_of(name, "cfg")
        elif kind == "credential_process":
            body += process.format(name=name)
        elif kind.startswith("role"):
            body += f"role_arn = arn:aws:iam::210987654321:role/{name}\nsource_profile = base\n"
        elif kind == "credentials file":
            credentials.append(f"[{name}]\n{keys_of(name, 'file')}")
        config.append(f"{section(name, True)}\n{body}")
    if kind == "role, source keys":
        credentials.append(f"[base]\n{keys_of('base', 'file')}")
    elif kind == "role, source process":
        config.append(f"[profile base]\n{process.format(name='base')}")
    config_file, credentials_file = folder / "config", folder / "credentials"
    config_file.write_text("\n".join(config))
    if credentials:
        credentials_file.write_text("\n".join(credentials))
    elif credentials_file.exists():
        credentials_file.unlink()  # no shared credentials file at all
    return config_file, credentials_file


Outcome = tuple[str, str, str | None]  # ("signed", key, token) or ("error", kind, None)


def botocore_outcome(profile: str | None, assume: str | None, server: Server) -> Outcome:
    """What botocore signs with: its session's credentials, or (``assume``) those its
    STS client gets from AssumeRole, signed with that session's credentials."""
    if assume is not None:
        profile = None if assume == "chain" else assume
    try:
        session = botocore.session.Session(profile=profile)
        session.get_scoped_config()
        if assume is not None:
            sts = session.create_client("sts", region_name="us-east-1")
            got = sts.assume_role(RoleArn=ROLE, RoleSessionName=SESSION)["Credentials"]
            return ("signed", got["AccessKeyId"], got["SessionToken"])
        found = session.get_credentials()
        if found is None:
            return ("error", "no credentials", None)
        frozen = found.get_frozen_credentials()
    except botocore.exceptions.ProfileNotFound:
        return ("error", "configuration", None)
    except botocore.exceptions.NoCredentialsError:
        return ("error", "no credentials", None)
    return ("signed", frozen.access_key, frozen.token)


def awsmith_outcome(profile: str | None, assume: str | None, server: Server) -> Outcome:
    """What awsmith signs a Support call with, as the server saw it."""
    before = len(server.seen.of("support"))

    async def call() -> None:
        credentials = None
        if assume is not None:
            credentials = awsmith.assume_role(
                role_arn=ROLE,
                session_name=SESSION,
                profile=None if assume == "chain" else assume,
                region="us-east-1",
            )
        async with SupportClient(profile=profile, credentials=credentials) as client:
            await client.describe_services()

    try:
        anyio.run(call)
    except awsmith.NoCredentialsError:
        return ("error", "no credentials", None)
    except awsmith.ConfigurationError:
        return ("error", "configuration", None)
    except awsmith.CredentialsError as exc:
        if isinstance(exc.__cause__, awsmith.NoCredentialsError):
            return ("error", "no credentials", None)  # assume_role's source found none
        raise
    seen = server.seen.of("support")
    assert len(seen) == before + 1
    key, token = seen[-1]
    return ("signed", key, token)


#: (profile=, AWS_PROFILE) of a client's chain: each alone, both the same, both
#: different (profile= wins), and AWS_PROFILE naming a profile no file has.
PROFILE_PAIRS = [
    (None, None),
    (None, "dev"),
    (None, "ghost"),
    ("dev", None),
    ("dev", "dev"),
    ("dev", "ops"),
]

CASES = [
    (kind, profile, aws_profile, environment, None)
    for kind, (profile, aws_profile), environment in itertools.product(
        KINDS, PROFILE_PAIRS, (False, True)
    )
] + [
    # assume_role(profile=None) follows AWS_PROFILE (and the environment's keys);
    # assume_role(profile="dev") ignores both. The client's profile= does not matter.
    (kind, None, aws_profile, environment, assume)
    for kind, aws_profile, environment, assume in itertools.product(
        KINDS, (None, "ops"), (False, True), ("chain", "dev")
    )
]


def case_id(case: tuple[str, str | None, str | None, bool, str | None]) -> str:
    kind, profile, aws_profile, environment, assume = case
    parts = [kind.replace(", ", "-").replace(" ", "-")]
    parts.append(f"profile={profile}")
    parts.append(f"AWS_PROFILE={aws_profile}")
    parts.append("env-keys" if environment else "no-env-keys")
    if assume is not None:
        parts.append(f"assume_role(profile={None if assume == 'chain' else assume})")
    return ",".join(parts)


@pytest.mark.parametrize(
    ("kind", "profile", "aws_profile", "environment", "assume"), CASES, ids=map(case_id, CASES)
)
def test_awsmith_signs_with_the_key_botocore_resolves(
    kind: str,
    profile: str | None,
    aws_profile: str | None,
    environment: bool,
    assume: str | None,
    server: Server,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config, credentials = write_setup(kind, tmp_path)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", server.url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SUPPORT", server.url)
    if not botocore_reads_aws_endpoint_url_sts():
        point_botocore_at(server.url, monkeypatch)
    if aws_profile is not None:
        monkeypatch.setenv("AWS_PROFILE", aws_profile)
    if environment:
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret_of("AKIAENVIRONMENT"))
    server.seen.clear()
    expected = botocore_outcome(profile, assume, server)
    got = awsmith_outcome(profile, assume, server)
    assert server.seen.refused == []
    assert got == expected
    if expected[0] == "signed" and not expected[1].startswith(("AKIA", "ASIAPROC")):
        # A role's key: derived by the STS that botocore, then awsmith, called.
        assert len(server.seen.of("sts")) >= 2
