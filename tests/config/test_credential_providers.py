"""Every credential provider of botocore's chain, set up as a user sets it up (the
environment, the config and credentials files), with the real local components each
talks to: a ``credential_process`` script, a container-credentials endpoint, an instance
metadata service (IMDSv2 tokens and all), an STS answering AssumeRole and
AssumeRoleWithWebIdentity, an SSO portal answering GetRoleCredentials. One local server
on 127.0.0.1 plays all of them, and AWS Support too.

For each setup, what awsmith signs a Support call with (read from the wire: the server
checks every SigV4 signature with botocore's signer, see
``tests/runtime/test_credential_matrix.py``) is compared with what a botocore
``Session`` resolves for the same setup (``get_credentials()``): the same key and
token, or both fail the same way. Where the setting shapes a request the chain makes
(the role session name, the external ID, the duration, the MFA code, the web identity
token, the IMDS attempts and timeouts), the server's record of those requests must be
the same for both as well: a setting awsmith dropped would change them.

Every key the local services hand out is *derived* (a hash) from what the request
carried, so two sides get the same key only if they asked the same question.
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import anyio
import botocore
import botocore.credentials
import botocore.exceptions
import botocore.session
import pytest

import awsmith
from awsmith.support import SupportClient

# aws_env (autouse): no AWS_* variables, empty config files, no instance metadata.
from tests.runtime.test_credential_matrix import (
    LocalServer,
    Replies,
    secret_of,
    signed_by,
    token_of,
)
from tests.runtime.test_credentials import aws_env  # noqa: F401

BOTOCORE = tuple(int(part) for part in botocore.__version__.split(".")[:2])
#: AWS_ENDPOINT_URL_<SERVICE> (how botocore's STS and SSO clients reach the local
#: server) came with botocore 1.31.
needs_configured_endpoints = pytest.mark.skipif(
    BOTOCORE < (1, 31), reason="this botocore reads no AWS_ENDPOINT_URL_<SERVICE>"
)


def derived(*parts: str) -> str:
    """The temporary key a local service gives for a request carrying ``parts``."""
    digest = hashlib.sha256("|".join(parts).encode()).hexdigest()
    return f"ASIA{digest[:16].upper()}"


def expiry(hours: float = 1) -> datetime:
    return datetime.now(UTC) + timedelta(hours=hours)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------- the local server


@dataclass
class Imds:
    """How the instance metadata service behaves."""

    #: The answer to ``PUT /latest/api/token``: 200 (a token) or a refusal (IMDSv1
    #: only: 403, 404 or 405 make botocore fall back to v1 unless that is disabled).
    token_status: int = 200
    #: Seconds every answer waits before it is sent (past a timeout: a failed attempt).
    delay: float = 0.0
    #: Answers with 500 before the credentials are given (botocore retries them).
    failures: int = 0


@dataclass
class Seen:
    """Every request the server received, as (kind, detail), and each request of the
    chain's services in the order it came."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    log: list[tuple[str, str]] = field(default_factory=list)

    def add(self, kind: str, detail: str) -> None:
        with self.lock:
            self.log.append((kind, detail))

    def take(self) -> list[tuple[str, str]]:
        with self.lock:
            taken = list(self.log)
            self.log.clear()
            return taken


ROLE = "ec2-role"
CONTAINER_TOKEN = "container-token"


def asked_of(form: dict[str, list[str]]) -> dict[str, str]:
    """An STS request's parameters. botocore's default session name has the time in it
    (``botocore-session-<seconds>``), which two requests a second apart do not share:
    it is recorded without the number."""
    asked = {
        name: values[0]
        for name, values in sorted(form.items())
        if name not in ("Action", "Version")
    }
    name = asked.get("RoleSessionName", "")
    if name.startswith("botocore-session-") and name.removeprefix("botocore-session-").isdigit():
        asked["RoleSessionName"] = "botocore-session-<seconds>"
    return asked


def make_handler(server: Server) -> type[BaseHTTPRequestHandler]:
    seen = server.seen

    class Handler(Replies):
        def do_PUT(self) -> None:
            self.read_body()
            imds = server.imds
            time.sleep(imds.delay)
            ttl = self.headers.get("x-aws-ec2-metadata-token-ttl-seconds")
            seen.add("imds", f"PUT {self.path} ttl={ttl}")
            if self.path != "/latest/api/token" or imds.token_status != 200:
                self.reply(imds.token_status if imds.token_status != 200 else 404, b"")
                return
            self.reply(200, b"imds-token", "text/plain")

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            if path.startswith("/latest/"):
                self.imds(path)
            elif path == "/container":
                auth = self.headers.get("Authorization")
                seen.add("container", f"GET {self.path} auth={auth}")
                key = derived("container", auth or "")
                self.credentials_json(key)
            elif path == "/federation/credentials":
                query = parse_qs(urlsplit(self.path).query)
                bearer = self.headers.get("x-amz-sso_bearer_token", "")
                account, role = query["account_id"][0], query["role_name"][0]
                seen.add("sso", f"account={account} role={role} bearer={bearer}")
                key = derived("sso", bearer, account, role)
                body = {
                    "roleCredentials": {
                        "accessKeyId": key,
                        "secretAccessKey": secret_of(key),
                        "sessionToken": token_of(key),
                        "expiration": int(expiry().timestamp() * 1000),
                    }
                }
                self.reply(200, json.dumps(body).encode(), "application/json")
            else:
                self.reply(404, b"")

        def imds(self, path: str) -> None:
            imds = server.imds
            time.sleep(imds.delay)
            token = self.headers.get("x-aws-ec2-metadata-token")
            seen.add("imds", f"GET {path} token={token}")
            if imds.failures > 0:
                imds.failures -= 1
                self.reply(500, b"")
            elif path == "/latest/meta-data/iam/security-credentials/":
                self.reply(200, ROLE.encode(), "text/plain")
            elif path == f"/latest/meta-data/iam/security-credentials/{ROLE}":
                self.credentials_json(derived("imds", ROLE), code=True)
            else:
                self.reply(404, b"")

        def credentials_json(self, key: str, *, code: bool = False) -> None:
            body: dict[str, str] = {
                "AccessKeyId": key,
                "SecretAccessKey": secret_of(key),
                "Token": token_of(key) or "",
                "Expiration": iso(expiry()),
            }
            if code:
                body = {"Code": "Success", "Type": "AWS-HMAC", **body}
            self.reply(200, json.dumps(body).encode(), "application/json")

        def do_POST(self) -> None:
            body = self.read_body()
            headers = {name.lower(): value for name, value in self.headers.items()}
            form = parse_qs(body.decode()) if b"Action=" in body else {}
            if form.get("Action") == ["AssumeRoleWithWebIdentity"]:  # unsigned
                self.web_identity(form)
                return
            url = f"http://{headers['host']}{self.path}"
            try:
                service, key, token = signed_by("POST", url, headers, body)
            except ValueError as exc:
                seen.add("refused", str(exc))
                self.reply(403, b'{"__type": "InvalidSignatureException", "message": "no"}')
                return
            if service == "sts":
                self.assume_role(key, form)
            else:
                seen.add("support", f"{key} {token}")
                self.reply(200, b'{"services": []}')

        def assume_role(self, caller: str, form: dict[str, list[str]]) -> None:
            asked = asked_of(form)
            seen.add("sts", f"AssumeRole by {caller} {asked}")
            key = derived("AssumeRole", caller, json.dumps(asked, sort_keys=True))
            self.sts_answer("AssumeRole", key)

        def web_identity(self, form: dict[str, list[str]]) -> None:
            asked = asked_of(form)
            seen.add("sts", f"AssumeRoleWithWebIdentity {asked}")
            key = derived("AssumeRoleWithWebIdentity", json.dumps(asked, sort_keys=True))
            self.sts_answer("AssumeRoleWithWebIdentity", key)

        def sts_answer(self, action: str, key: str) -> None:
            body = f"""<{action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <{action}Result>
    <AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn><AssumedRoleId>AROA:s</AssumedRoleId></AssumedRoleUser>
    <Credentials>
      <AccessKeyId>{key}</AccessKeyId>
      <SecretAccessKey>{secret_of(key)}</SecretAccessKey>
      <SessionToken>{token_of(key)}</SessionToken>
      <Expiration>{iso(expiry())}</Expiration>
    </Credentials>
  </{action}Result>
  <ResponseMetadata><RequestId>sts-request</RequestId></ResponseMetadata>
</{action}Response>"""
            self.reply(200, body.encode(), "text/xml")

        def read_body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    return Handler


class Server(LocalServer):
    """The local server, and how its instance metadata service behaves."""

    def __init__(self) -> None:
        self.seen = Seen()
        self.imds = Imds()
        super().__init__(make_handler(self))


@pytest.fixture(scope="module")
def running() -> Iterator[Server]:
    server = Server()
    yield server
    server.close()


@pytest.fixture
def server(running: Server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Server:
    """The server, reset, with every AWS client of both sides pointed at it, and a
    home folder of the test's own (botocore's SSO token cache and ``~/.boto``)."""
    running.imds = Imds()
    running.seen.take()
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for service in ("STS", "SSO", "SUPPORT"):
        monkeypatch.setenv(f"AWS_ENDPOINT_URL_{service}", running.url)
    return running


@pytest.fixture(scope="module", autouse=True)
def one_botocore_data_loader() -> Iterator[None]:
    """One botocore data loader for every session here (as in the matrix): the JSON of
    STS's and SSO's models is read once."""
    import botocore.loaders

    shared = functools.cache(botocore.loaders.create_loader)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(botocore.session, "create_loader", shared)
        yield


# ---------------------------------------------------------------- the two sides

#: ("signed", key, token), or ("error", botocore's exception class, its message) and
#: ("error", "CredentialsError", its message) for awsmith.
Outcome = tuple[str, str, str | None]


def botocore_outcome(profile: str | None = None) -> Outcome:
    try:
        found = botocore.session.Session(profile=profile).get_credentials()
        if found is None:
            return ("error", "no credentials", "")
        frozen = found.get_frozen_credentials()
    except Exception as exc:  # botocore raises many unrelated types here
        return ("error", type(exc).__name__, str(exc))
    return ("signed", frozen.access_key, frozen.token)


def awsmith_outcome(server: Server, profile: str | None = None) -> Outcome:
    async def call() -> None:
        async with SupportClient(profile=profile) as client:
            await client.describe_services()

    try:
        anyio.run(call)
    except awsmith.NoCredentialsError:
        return ("error", "no credentials", "")
    except awsmith.CredentialsError as exc:
        # "Unable to load AWS credentials: <botocore's message>": botocore's error,
        # named by its class as botocore_outcome names it.
        return ("error", "CredentialsError", str(exc))
    signed = [detail for kind, detail in server.seen.log if kind == "support"]
    key, token = signed[-1].split(" ")
    return ("signed", key, None if token == "None" else token)


def compare(server: Server, profile: str | None = None) -> tuple[Outcome, list[tuple[str, str]]]:
    """Both sides' outcomes and the chain's requests (each side's, minus Support) must
    be the same; returns them for the test's own checks."""
    server.seen.take()
    expected = botocore_outcome(profile)
    botocore_requests = server.seen.take()
    got = awsmith_outcome(server, profile)
    awsmith_requests = [entry for entry in server.seen.take() if entry[0] != "support"]
    if expected[0] == "error":
        # awsmith raises botocore's error as a CredentialsError with botocore's message
        # (NoCredentialsError where botocore finds nothing).
        if expected[1] == "no credentials":
            assert got == expected
        else:
            assert got == (
                "error",
                "CredentialsError",
                (
                    f"Unable to load AWS credentials: {expected[2]} "
                    "(when calling the DescribeServices operation)"
                ),
            )
    else:
        assert got == expected
    assert awsmith_requests == botocore_requests
    assert not [entry for entry in botocore_requests if entry[0] == "refused"]
    return expected, botocore_requests


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


@pytest.fixture
def files(aws_env: tuple[Path, Path]) -> tuple[Path, Path]:  # noqa: F811  # the autouse one
    """The test's config and credentials files (empty at first)."""
    return aws_env


def config_file(files: tuple[Path, Path], text: str) -> None:
    files[0].write_text(text)


# ---------------------------------------------------------------- the environment


def test_aws_credential_expiration_in_the_environment(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With AWS_CREDENTIAL_EXPIRATION botocore's EnvProvider gives refreshable
    credentials; awsmith leaves them to botocore's chain and signs with the same."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "ASIAENVEXPIRING")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret_of("ASIAENVEXPIRING"))
    monkeypatch.setenv("AWS_SESSION_TOKEN", token_of("ASIAENVEXPIRING") or "")
    monkeypatch.setenv("AWS_CREDENTIAL_EXPIRATION", iso(expiry()))
    outcome, _ = compare(server)
    assert outcome == ("signed", "ASIAENVEXPIRING", "token/ASIAENVEXPIRING")


def test_an_expired_aws_credential_expiration_fails_on_both(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "ASIAENVEXPIRED")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret_of("ASIAENVEXPIRED"))
    monkeypatch.setenv("AWS_CREDENTIAL_EXPIRATION", iso(expiry(-1)))
    outcome, _ = compare(server)
    assert outcome[0] == "error"
    assert [kind for kind, _ in server.seen.take()] == []  # nothing was signed


# ---------------------------------------------------------------- the shared files


@pytest.mark.parametrize("name", ["aws_session_token", "aws_security_token"])
@pytest.mark.parametrize("where", ["credentials", "config"])
def test_a_session_token_in_the_profile(
    server: Server, files: tuple[Path, Path], name: str, where: str
) -> None:
    key = "ASIAPROFILETOKEN"
    text = f"[default]\naws_access_key_id = {key}\naws_secret_access_key = {secret_of(key)}\n"
    text += f"{name} = {token_of(key)}\n"
    (files[1] if where == "credentials" else files[0]).write_text(text)
    outcome, _ = compare(server)
    assert outcome == ("signed", key, token_of(key))


def test_aws_credential_file_of_the_original_ec2_tools(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "AKIAORIGINALEC2"
    path = write(
        tmp_path / "ec2-credentials", f"AWSAccessKeyId={key}\nAWSSecretKey={secret_of(key)}\n"
    )
    monkeypatch.setenv("AWS_CREDENTIAL_FILE", str(path))
    outcome, _ = compare(server)
    assert outcome == ("signed", key, None)


def test_boto_config_of_boto_2(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "AKIABOTOTWO"
    path = write(
        tmp_path / "boto.cfg",
        f"[Credentials]\naws_access_key_id = {key}\naws_secret_access_key = {secret_of(key)}\n",
    )
    monkeypatch.setenv("BOTO_CONFIG", str(path))
    outcome, _ = compare(server)
    assert outcome == ("signed", key, None)


# ---------------------------------------------------------------- assume role (a profile's role_arn)

SOURCE_KEY = "AKIASOURCEPROFILE"
SOURCE = f"[profile source]\naws_access_key_id = {SOURCE_KEY}\naws_secret_access_key = {secret_of(SOURCE_KEY)}\n"
TARGET = "arn:aws:iam::123456789012:role/Target"


@needs_configured_endpoints
@pytest.mark.parametrize(
    ("setting", "asked"),
    [
        ("role_session_name = nightly-sweep", {"RoleSessionName": "nightly-sweep"}),
        ("external_id = ext-42", {"ExternalId": "ext-42"}),
        ("duration_seconds = 7200", {"DurationSeconds": "7200"}),
    ],
)
def test_a_role_profiles_assume_role_parameters(
    server: Server, files: tuple[Path, Path], setting: str, asked: dict[str, str]
) -> None:
    """The STS request botocore's AssumeRoleProvider makes for the profile is the one
    awsmith's chain makes, and carries the setting."""
    config_file(
        files, f"[default]\nrole_arn = {TARGET}\nsource_profile = source\n{setting}\n\n{SOURCE}"
    )
    outcome, requests = compare(server)
    assert outcome[0] == "signed"
    [(kind, detail)] = requests
    assert kind == "sts" and detail.startswith(f"AssumeRole by {SOURCE_KEY} ")
    for name, value in asked.items():
        assert f"'{name}': '{value}'" in detail


@needs_configured_endpoints
def test_a_role_profiles_mfa_serial_asks_for_the_code(
    server: Server, files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """botocore asks for the MFA code with getpass (on the terminal); awsmith's chain is
    botocore's, so it asks the same way (from its worker thread) and sends the code."""
    prompts: list[str] = []

    def getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return "123456"

    # botocore binds getpass.getpass as AssumeRoleProvider's default prompter when it
    # is imported: the terminal is replaced there, for both sides.
    import botocore.credentials

    init = botocore.credentials.AssumeRoleProvider.__init__
    monkeypatch.setattr(init, "__defaults__", (getpass, *init.__defaults__[1:]))
    serial = "arn:aws:iam::123456789012:mfa/alice"
    config_file(
        files,
        f"[default]\nrole_arn = {TARGET}\nsource_profile = source\nmfa_serial = {serial}\n\n{SOURCE}",
    )
    outcome, requests = compare(server)
    assert outcome[0] == "signed"
    assert f"'SerialNumber': '{serial}'" in requests[0][1]
    assert "'TokenCode': '123456'" in requests[0][1]
    assert prompts == [f"Enter MFA code for {serial}: "] * 2  # botocore's, then awsmith's


@needs_configured_endpoints
@pytest.mark.parametrize("source", ["Environment", "EcsContainer", "Ec2InstanceMetadata"])
def test_a_role_profiles_credential_source(
    server: Server, files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, source: str
) -> None:
    """``credential_source`` takes the role's source credentials from the environment,
    the container endpoint or instance metadata: the same principal calls STS. The
    profile is named (``profile=``): botocore's chain then skips the environment's keys
    as credentials of their own, and they only serve as the role's source."""
    if source == "Environment":
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAENVSOURCE")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret_of("AKIAENVSOURCE"))
        caller = "AKIAENVSOURCE"
    elif source == "EcsContainer":
        monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", f"{server.url}/container")
        caller = derived("container", "")
    else:
        monkeypatch.delenv("AWS_EC2_METADATA_DISABLED")
        monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", server.url)
        caller = derived("imds", ROLE)
    config_file(files, f"[profile ops]\nrole_arn = {TARGET}\ncredential_source = {source}\n")
    outcome, requests = compare(server, "ops")
    assert outcome[0] == "signed"
    assert requests[-1][1].startswith(f"AssumeRole by {caller} ")


# ---------------------------------------------------------------- web identity

WEB_ROLE = "arn:aws:iam::123456789012:role/WebIdentity"


@needs_configured_endpoints
@pytest.mark.parametrize("session_name", [None, "pod-7"])
def test_web_identity_from_the_environment(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, session_name: str | None
) -> None:
    token = write(tmp_path / "token", "eyJ.web.identity")
    monkeypatch.setenv("AWS_WEB_IDENTITY_TOKEN_FILE", str(token))
    monkeypatch.setenv("AWS_ROLE_ARN", WEB_ROLE)
    if session_name is not None:
        monkeypatch.setenv("AWS_ROLE_SESSION_NAME", session_name)
    outcome, requests = compare(server)
    assert outcome[0] == "signed"
    [(kind, detail)] = requests
    assert kind == "sts" and "'WebIdentityToken': 'eyJ.web.identity'" in detail
    assert f"'RoleArn': '{WEB_ROLE}'" in detail
    if session_name is not None:
        assert f"'RoleSessionName': '{session_name}'" in detail


@needs_configured_endpoints
def test_web_identity_from_the_profile(
    server: Server, files: tuple[Path, Path], tmp_path: Path
) -> None:
    token = write(tmp_path / "token", "eyJ.profile.identity")
    config_file(
        files,
        f"[default]\nrole_arn = {WEB_ROLE}\nweb_identity_token_file = {token}\n"
        "role_session_name = from-profile\n",
    )
    outcome, requests = compare(server)
    assert outcome[0] == "signed"
    [(_, detail)] = requests
    assert "'WebIdentityToken': 'eyJ.profile.identity'" in detail
    assert "'RoleSessionName': 'from-profile'" in detail


# ---------------------------------------------------------------- SSO


def sso_cache(
    monkeypatch: pytest.MonkeyPatch, home: Path, name: str, token: str, start_url: str
) -> None:
    """The token ``aws sso login`` leaves in botocore's cache, under the SHA-1 of the
    session name (sso_session) or of the start URL (the legacy form). botocore fixes
    the cache folder (``~/.aws/sso/cache``) when it is imported: it is moved to the
    test's home for both sides."""
    import botocore.credentials
    import botocore.tokens

    folder = home / ".aws" / "sso" / "cache"
    monkeypatch.setattr(botocore.credentials.SSOProvider, "_SSO_TOKEN_CACHE_DIR", str(folder))
    monkeypatch.setattr(botocore.tokens.SSOTokenProvider, "_SSO_TOKEN_CACHE_DIR", str(folder))
    folder.mkdir(parents=True, exist_ok=True)
    cached = {
        "startUrl": start_url,
        "region": "us-east-1",
        "accessToken": token,
        "expiresAt": iso(expiry(8)),
    }
    digest = hashlib.sha1(name.encode()).hexdigest()  # botocore's cache key
    (folder / f"{digest}.json").write_text(json.dumps(cached))


@needs_configured_endpoints
@pytest.mark.parametrize("form", ["sso_session", "legacy"])
def test_an_sso_profile(
    server: Server,
    files: tuple[Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    form: str,
) -> None:
    start = "https://d-123.awsapps.com/start"
    role = "sso_account_id = 111122223333\nsso_role_name = Auditor\n"
    if form == "sso_session":
        config_file(
            files,
            f"[default]\nsso_session = corp\n{role}\n"
            f"[sso-session corp]\nsso_start_url = {start}\nsso_region = us-east-1\n",
        )
        sso_cache(monkeypatch, tmp_path, "corp", "bearer-session", start)
        bearer = "bearer-session"
    else:
        config_file(files, f"[default]\nsso_start_url = {start}\nsso_region = us-east-1\n{role}")
        sso_cache(monkeypatch, tmp_path, start, "bearer-legacy", start)
        bearer = "bearer-legacy"
    outcome, requests = compare(server)
    assert outcome == (
        "signed",
        derived("sso", bearer, "111122223333", "Auditor"),
        token_of(outcome[1]),
    )
    assert requests == [("sso", f"account=111122223333 role=Auditor bearer={bearer}")]


# ---------------------------------------------------------------- container credentials


@pytest.mark.parametrize("auth", [None, "variable", "file"])
def test_container_credentials_full_uri(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, auth: str | None
) -> None:
    monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", f"{server.url}/container")
    if auth == "variable":
        monkeypatch.setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", CONTAINER_TOKEN)
    elif auth == "file":
        path = write(tmp_path / "eks-token", CONTAINER_TOKEN)
        monkeypatch.setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", str(path))
    outcome, requests = compare(server)
    sent = None if auth is None else CONTAINER_TOKEN
    assert outcome[1] == derived("container", sent or "")
    assert requests == [("container", f"GET /container auth={sent}")]


def test_container_credentials_relative_uri(
    server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The relative URI is read on ECS's link-local address, 169.254.170.2, which the
    test cannot listen on: botocore's fetcher is given the local server's address
    instead, for both sides (awsmith's chain is botocore's)."""
    import botocore.utils

    monkeypatch.setattr(
        botocore.utils.ContainerMetadataFetcher, "IP_ADDRESS", server.url.removeprefix("http://")
    )
    monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/container?id=task-1")
    outcome, requests = compare(server)
    assert outcome[1] == derived("container", "")
    assert requests == [("container", "GET /container?id=task-1 auth=None")]


# ---------------------------------------------------------------- instance metadata


@pytest.fixture
def imds(server: Server, monkeypatch: pytest.MonkeyPatch) -> Server:
    monkeypatch.delenv("AWS_EC2_METADATA_DISABLED")
    monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", server.url)
    return server


IMDS_V2 = [
    ("imds", "PUT /latest/api/token ttl=21600"),
    ("imds", "GET /latest/meta-data/iam/security-credentials/ token=imds-token"),
    ("imds", f"GET /latest/meta-data/iam/security-credentials/{ROLE} token=imds-token"),
]


def test_instance_metadata_credentials(imds: Server) -> None:
    outcome, requests = compare(imds)
    assert outcome == ("signed", derived("imds", ROLE), token_of(derived("imds", ROLE)))
    assert requests == IMDS_V2


@pytest.mark.parametrize("value", ["true", "TRUE"])
def test_aws_ec2_metadata_disabled(
    imds: Server, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", value)
    outcome, requests = compare(imds)
    assert outcome == ("error", "no credentials", "")
    assert requests == []


@pytest.mark.parametrize("where", ["environment", "profile"])
def test_ec2_metadata_service_endpoint(
    imds: Server, files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """The endpoint from AWS_EC2_METADATA_SERVICE_ENDPOINT or the profile's
    ec2_metadata_service_endpoint; the variable beats the profile."""
    if where == "profile":
        monkeypatch.delenv("AWS_EC2_METADATA_SERVICE_ENDPOINT")
        config_file(files, f"[default]\nec2_metadata_service_endpoint = {imds.url}\n")
    else:
        config_file(files, "[default]\nec2_metadata_service_endpoint = http://127.0.0.1:9\n")
    outcome, requests = compare(imds)
    assert outcome[0] == "signed"
    assert requests == IMDS_V2


@pytest.mark.parametrize(
    ("setting", "value"),
    [("ec2_metadata_service_endpoint_mode", "IPv6"), ("imds_use_ipv6", "true")],
)
@pytest.mark.parametrize("where", ["environment", "profile"])
def test_the_imds_ipv6_endpoint(
    imds: Server,
    files: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    setting: str,
    value: str,
    where: str,
) -> None:
    """IPv6 mode picks http://[fd00:ec2::254]/, which no test machine answers on: the
    URL each side's fetcher asks is recorded instead (botocore's fetcher, through
    the session each side makes), and must be the same."""
    import botocore.utils

    monkeypatch.delenv("AWS_EC2_METADATA_SERVICE_ENDPOINT")
    if where == "environment":
        monkeypatch.setenv(f"AWS_{setting.upper()}", value)
    else:
        config_file(files, f"[default]\n{setting} = {value}\n")
    asked: list[str] = []
    original = botocore.utils.IMDSFetcher._construct_url

    def construct_url(self: Any, path: str) -> str:
        url: str = original(self, path)
        asked.append(url)
        return url

    monkeypatch.setattr(botocore.utils.IMDSFetcher, "_construct_url", construct_url)
    expected = botocore_outcome()
    botocore_asked = list(asked)
    asked.clear()
    assert awsmith_outcome(imds)[0] == expected[0] == "error"
    assert asked == botocore_asked
    assert asked[0] == "http://[fd00:ec2::254]/latest/api/token"


@pytest.mark.parametrize("where", ["environment", "profile"])
@pytest.mark.parametrize("refusal", [403, 404, 405])
def test_ec2_metadata_v1_disabled(
    imds: Server,
    files: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    where: str,
    refusal: int,
) -> None:
    """An IMDS refusing tokens (v1 only): botocore falls back to v1 requests, unless
    ec2_metadata_v1_disabled; awsmith's chain does the same."""
    imds.imds.token_status = refusal
    outcome, requests = compare(imds)
    assert outcome[0] == "signed"
    assert requests[0] == ("imds", "PUT /latest/api/token ttl=21600")
    assert requests[1:] == [
        (kind, text.replace("imds-token", "None")) for kind, text in IMDS_V2[1:]
    ]
    if where == "environment":
        monkeypatch.setenv("AWS_EC2_METADATA_V1_DISABLED", "true")
    else:
        config_file(files, "[default]\nec2_metadata_v1_disabled = true\n")
    outcome, requests = compare(imds)
    assert outcome[0] == "error"
    assert requests == [("imds", "PUT /latest/api/token ttl=21600")]


@pytest.mark.parametrize("where", ["environment", "profile"])
@pytest.mark.parametrize("attempts", [1, 2, 3])
def test_metadata_service_num_attempts(
    imds: Server,
    files: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    where: str,
    attempts: int,
) -> None:
    """An IMDS answering 500 twice before the credentials: with 3 attempts both get
    them, with fewer both give up, after the same requests."""
    if where == "environment":
        monkeypatch.setenv("AWS_METADATA_SERVICE_NUM_ATTEMPTS", str(attempts))
    else:
        config_file(files, f"[default]\nmetadata_service_num_attempts = {attempts}\n")

    def two_failures() -> None:
        imds.imds.failures = 2

    outcome, requests = compare_each(imds, two_failures)
    assert outcome[0] == ("signed" if attempts == 3 else "error")
    gets = [text for _, text in requests if text.startswith("GET")]
    assert len(gets) == (4 if attempts == 3 else attempts)


@pytest.mark.parametrize("where", ["environment", "profile"])
def test_metadata_service_timeout(
    imds: Server, files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """An IMDS slower (0.5 s) than a 0.2 s timeout fails both; with 2 s both succeed."""
    imds.imds.delay = 0.5
    for timeout, result in (("0.2", "error"), ("2", "signed")):
        if where == "environment":
            monkeypatch.setenv("AWS_METADATA_SERVICE_TIMEOUT", timeout)
        else:
            config_file(files, f"[default]\nmetadata_service_timeout = {timeout}\n")
        outcome, _ = compare(imds)
        assert outcome[0] == result


def compare_each(
    server: Server, before_each: Callable[[], None]
) -> tuple[Outcome, list[tuple[str, str]]]:
    """:func:`compare`, with ``before_each`` setting the server up again before each side."""
    server.seen.take()
    before_each()
    expected = botocore_outcome()
    botocore_requests = server.seen.take()
    before_each()
    got = awsmith_outcome(server)
    awsmith_requests = [entry for entry in server.seen.take() if entry[0] != "support"]
    assert got[0] == expected[0]
    if got[0] == "signed":
        assert got == expected
    assert awsmith_requests == botocore_requests
    return expected, botocore_requests


# ---------------------------------------------------------------- login (aws login)

needs_login = pytest.mark.skipif(
    not hasattr(botocore.credentials, "LoginProvider"), reason="this botocore has no login"
)


def login_cache(folder: Path, session: str, key: str) -> None:
    """The token ``aws login`` leaves in the login cache, under the SHA-256 of the
    session name."""
    folder.mkdir(parents=True, exist_ok=True)
    token = {
        "accessToken": {
            "accessKeyId": key,
            "secretAccessKey": secret_of(key),
            "sessionToken": token_of(key),
            "accountId": "111122223333",
            "expiresAt": iso(expiry()),
        },
        "refreshToken": "refresh",
        "dpopKey": "-----BEGIN EC PRIVATE KEY-----\nnot used\n-----END EC PRIVATE KEY-----\n",
        "clientId": "arn:aws:signin:::devtools/same-device",
    }
    digest = hashlib.sha256(session.encode()).hexdigest()
    (folder / f"{digest}.json").write_text(json.dumps(token))


@needs_login
@pytest.mark.parametrize("crt", [False, True])
def test_a_login_profile(
    server: Server,
    files: tuple[Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    crt: bool,
) -> None:
    """A profile's ``login_session`` with the token ``aws login`` cached in
    AWS_LOGIN_CACHE_DIRECTORY. botocore needs awscrt for it (the DPoP proof of a
    refresh), which the lock does not install: both sides then fail with botocore's
    message. With a stand-in for awscrt's EC class (a fresh cached token needs no
    refresh, so it is never used), both sign with the cached key."""
    import botocore.credentials

    if crt:
        monkeypatch.setattr(botocore.credentials, "EC", object(), raising=False)
    elif botocore.credentials.EC is not None:
        pytest.skip("awscrt is installed")
    key = "ASIALOGINSESSION"
    login_cache(tmp_path / "login", "arn:aws:iam::111122223333:user/alice", key)
    monkeypatch.setenv("AWS_LOGIN_CACHE_DIRECTORY", str(tmp_path / "login"))
    config_file(files, "[default]\nlogin_session = arn:aws:iam::111122223333:user/alice\n")
    outcome, requests = compare(server)
    if crt:
        assert outcome == ("signed", key, token_of(key))
    else:
        assert outcome[:2] == ("error", "MissingDependencyException")
        assert 'pip install "botocore[crt]"' in (outcome[2] or "")
    assert requests == []
