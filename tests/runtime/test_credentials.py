"""Credentials: explicit, botocore's chain (env, shared files, profiles, credential_process),
refresh of expiring credentials, and the chain running off the event loop.

Each test isolates the process from the machine's AWS settings: no AWS_* variables,
temporary config and credentials files, IMDS disabled. Calls go through the Support
client and an ``httpx.MockTransport``; the credentials used are read back from the
request's SigV4 ``Authorization`` and ``X-Amz-Security-Token`` headers.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sys
import threading
from pathlib import Path
from typing import Any
from unittest import mock

import anyio
import httpx
import pytest

import awsmith
import awsmith._core.settings as settings_module
from awsmith._core.credentials import CachingProvider, CredentialResolver
from awsmith.support import SupportClient

MAIN = threading.main_thread()


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> tuple[Path, Path]:
    for name in list(os.environ):
        if name.startswith(("AWS_", "BOTO_")):
            monkeypatch.delenv(name)
    config, credentials = tmp_path / "config", tmp_path / "credentials"
    config.write_text("")
    credentials.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setattr(settings_module, "SCOPED_CONFIG", {})
    return config, credentials


class Capture:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(200, json={"services": []})

    def access_key(self, i: int = -1) -> str:
        auth = self.requests[i].headers["authorization"]
        return auth.split("Credential=")[1].split("/")[0]

    def token(self, i: int = -1) -> str | None:
        return self.requests[i].headers.get("x-amz-security-token")


async def call(capture: Capture, calls: int = 1, **kwargs: Any) -> SupportClient:
    async with httpx.AsyncClient(transport=httpx.MockTransport(capture)) as http:
        client = SupportClient(region="us-east-1", http_client=http, **kwargs)
        async with client:
            for _ in range(calls):
                await client.describe_services()
        return client


def run(capture: Capture, calls: int = 1, **kwargs: Any) -> SupportClient:
    return anyio.run(lambda: call(capture, calls, **kwargs))


@pytest.fixture
def load_threads(monkeypatch: pytest.MonkeyPatch) -> list[threading.Thread]:
    """The threads CredentialResolver._load (the provider chain) ran in."""
    threads: list[threading.Thread] = []
    original = CredentialResolver._load

    def spy(self: CredentialResolver) -> awsmith.Credentials:
        threads.append(threading.current_thread())
        return original(self)

    monkeypatch.setattr(CredentialResolver, "_load", spy)
    return threads


def test_explicit_credentials_are_used_without_the_chain(
    monkeypatch: pytest.MonkeyPatch, load_threads: list[threading.Thread]
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDFROMENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
    capture = Capture()
    creds = awsmith.Credentials(
        access_key_id="AKIDEXPLICIT", secret_access_key="s", session_token="tok"
    )
    run(capture, 2, credentials=creds)
    assert [capture.access_key(0), capture.access_key(1)] == ["AKIDEXPLICIT"] * 2
    assert capture.token() == "tok"
    assert load_threads == []


def test_environment_credentials(
    monkeypatch: pytest.MonkeyPatch, load_threads: list[threading.Thread]
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDFROMENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "env-token")
    capture = Capture()
    run(capture, 3)
    assert [capture.access_key(i) for i in range(3)] == ["AKIDFROMENV"] * 3
    assert capture.token() == "env-token"
    # Read from os.environ as botocore's EnvProvider reads it: no file, no thread, no
    # botocore (the chain's other providers are not asked).
    assert load_threads == []


def test_environment_credentials_without_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDFROMENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
    capture = Capture()
    run(capture)
    assert capture.access_key() == "AKIDFROMENV"
    assert capture.token() is None


def test_shared_credentials_file_default_profile(aws_env: tuple[Path, Path]) -> None:
    aws_env[1].write_text(
        "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = s1\n\n"
        "[other]\naws_access_key_id = AKIDOTHER\naws_secret_access_key = s2\n"
        "aws_session_token = other-token\n"
    )
    capture = Capture()
    run(capture)
    assert capture.access_key() == "AKIDDEFAULT"
    assert capture.token() is None


def test_profile_argument_selects_a_named_profile(aws_env: tuple[Path, Path]) -> None:
    aws_env[1].write_text(
        "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = s1\n\n"
        "[other]\naws_access_key_id = AKIDOTHER\naws_secret_access_key = s2\n"
        "aws_session_token = other-token\n"
    )
    aws_env[0].write_text("[profile other]\nregion = eu-west-1\n")
    capture = Capture()
    run(capture, profile="other")
    assert capture.access_key() == "AKIDOTHER"
    assert capture.token() == "other-token"


def test_aws_profile_env_selects_a_profile(
    aws_env: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    aws_env[1].write_text(
        "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = s1\n\n"
        "[other]\naws_access_key_id = AKIDOTHER\naws_secret_access_key = s2\n"
    )
    monkeypatch.setenv("AWS_PROFILE", "other")
    capture = Capture()
    run(capture)
    assert capture.access_key() == "AKIDOTHER"


def test_env_credentials_beat_the_shared_file(
    aws_env: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    aws_env[1].write_text("[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = s\n")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDFROMENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
    capture = Capture()
    run(capture)
    assert capture.access_key() == "AKIDFROMENV"


def test_unknown_profile_is_a_configuration_error(aws_env: tuple[Path, Path]) -> None:
    aws_env[1].write_text("[default]\naws_access_key_id = AKID\naws_secret_access_key = s\n")
    capture = Capture()
    with pytest.raises(awsmith.ConfigurationError) as info:
        run(capture, profile="no-such-profile")
    assert str(info.value) == "The config profile (no-such-profile) could not be found"
    assert capture.requests == []


def test_no_credentials_anywhere(load_threads: list[threading.Thread]) -> None:
    capture = Capture()
    with pytest.raises(awsmith.NoCredentialsError) as info:
        run(capture)
    assert str(info.value) == (
        "Unable to locate AWS credentials: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
        "configure a profile, or pass credentials=awsmith.Credentials(...) "
        "(when calling the DescribeServices operation)"
    )
    assert isinstance(info.value, awsmith.CredentialsError)
    assert capture.requests == []
    assert len(load_threads) == 1 and load_threads[0] is not MAIN


PROCESS = """
import datetime, json, pathlib, sys
counter = pathlib.Path(sys.argv[1])
n = int(counter.read_text()) + 1 if counter.exists() else 1
counter.write_text(str(n))
expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=int(sys.argv[2]))
print(json.dumps({
    "Version": 1,
    "AccessKeyId": f"AKIDPROC{n}",
    "SecretAccessKey": f"secret{n}",
    "SessionToken": f"token{n}",
    "Expiration": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
}))
"""


def credential_process(aws_env: tuple[Path, Path], tmp_path: Path, lifetime: int) -> Path:
    script = tmp_path / "creds.py"
    script.write_text(PROCESS)
    counter = tmp_path / "count"
    aws_env[0].write_text(
        f"[default]\ncredential_process = {sys.executable} {script} {counter} {lifetime}\n"
    )
    return counter


def test_credential_process_expiring_soon_is_refreshed_off_the_loop(
    aws_env: tuple[Path, Path], tmp_path: Path, load_threads: list[threading.Thread]
) -> None:
    # Five minutes ahead is inside botocore's mandatory refresh window (10 minutes):
    # botocore says a refresh is needed before every use, the first one included (the
    # process runs once when the chain finds it and again when first used).
    counter = credential_process(aws_env, tmp_path, lifetime=300)
    capture = Capture()
    run(capture, 3)
    assert [capture.access_key(i) for i in range(3)] == ["AKIDPROC2", "AKIDPROC3", "AKIDPROC4"]
    assert [capture.token(i) for i in range(3)] == ["token2", "token3", "token4"]
    assert counter.read_text() == "4"
    assert len(load_threads) == 3
    assert all(t is not MAIN for t in load_threads)


def test_credential_process_with_a_long_lifetime_is_reused(
    aws_env: tuple[Path, Path], tmp_path: Path, load_threads: list[threading.Thread]
) -> None:
    counter = credential_process(aws_env, tmp_path, lifetime=3600)
    capture = Capture()
    run(capture, 3)
    assert [capture.access_key(i) for i in range(3)] == ["AKIDPROC1"] * 3
    assert counter.read_text() == "1"
    assert len(load_threads) == 1 and load_threads[0] is not MAIN


def test_refresh_follows_botocore_refresh_needed(
    aws_env: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Long-lived credentials are refreshed as soon as botocore says so."""
    import botocore.credentials

    counter = credential_process(aws_env, tmp_path, lifetime=3600)
    # On demand, botocore sees one minute left on the first credentials (refresh needed);
    # the refreshed ones keep their real hour.
    say_refresh = {"now": False}
    original = botocore.credentials.RefreshableCredentials._seconds_remaining

    def seconds_remaining(self: Any) -> float:
        if say_refresh["now"] and self._access_key == "AKIDPROC1":
            return 60.0
        return float(original(self))

    monkeypatch.setattr(
        botocore.credentials.RefreshableCredentials, "_seconds_remaining", seconds_remaining
    )
    capture = Capture()

    async def main() -> None:
        async with (
            httpx.AsyncClient(transport=httpx.MockTransport(capture)) as http,
            SupportClient(region="us-east-1", http_client=http) as client,
        ):
            await client.describe_services()
            await client.describe_services()
            say_refresh["now"] = True
            await client.describe_services()
            await client.describe_services()
            say_refresh["now"] = False
            await client.describe_services()

    anyio.run(main)
    assert [capture.access_key(i) for i in range(5)] == [
        "AKIDPROC1",
        "AKIDPROC1",
        "AKIDPROC2",
        "AKIDPROC2",
        "AKIDPROC2",
    ]
    assert counter.read_text() == "2"


def test_a_failing_credential_process_is_a_credentials_error(
    aws_env: tuple[Path, Path], tmp_path: Path
) -> None:
    script = tmp_path / "fail.py"
    script.write_text("import sys\nprint('boom', file=sys.stderr)\nsys.exit(3)\n")
    aws_env[0].write_text(f"[default]\ncredential_process = {sys.executable} {script}\n")
    capture = Capture()
    with pytest.raises(awsmith.CredentialsError) as info:
        run(capture)
    assert str(info.value).startswith("Unable to load AWS credentials: ")
    assert "boom" in str(info.value)
    assert capture.requests == []


def test_the_chain_never_runs_on_the_event_loop_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """botocore's get_credentials (the whole provider chain) is called from a worker."""
    import botocore.session

    threads: list[threading.Thread] = []
    original = botocore.session.Session.get_credentials

    def spy(self: Any) -> Any:
        threads.append(threading.current_thread())
        return original(self)

    monkeypatch.setattr(botocore.session.Session, "get_credentials", spy)
    # Environment credentials with an expiry are botocore's (refreshable) to give.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDFROMENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
    monkeypatch.setenv("AWS_CREDENTIAL_EXPIRATION", "2999-01-01T00:00:00Z")
    capture = Capture()
    run(capture, 2)
    assert len(threads) == 1
    assert threads[0] is not MAIN
    assert capture.access_key() == "AKIDFROMENV"


_ENV_CASES = [
    {},
    {"AWS_ACCESS_KEY_ID": "AKID"},
    {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "s"},
    {"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s"},
    {"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "t"},
    {"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SECURITY_TOKEN": "old"},
    {
        "AWS_ACCESS_KEY_ID": "AKID",
        "AWS_SECRET_ACCESS_KEY": "s",
        "AWS_SESSION_TOKEN": "t",
        "AWS_SECURITY_TOKEN": "old",
    },
    {"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": ""},
    {"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s", "AWS_CREDENTIAL_EXPIRATION": ""},
]


@pytest.mark.parametrize("environ", _ENV_CASES)
def test_environment_credentials_read_as_botocores_env_provider(environ: dict[str, str]) -> None:
    """Where awsmith reads the environment itself, it gets what botocore's EnvProvider
    gives; where it defers (None), botocore gives nothing static or raises."""
    import botocore.exceptions
    from botocore.credentials import EnvProvider

    from awsmith._core.credentials import environment_credentials

    ours = environment_credentials(environ)
    try:
        theirs = EnvProvider(environ=dict(environ)).load()
    except botocore.exceptions.PartialCredentialsError:
        assert ours is None
        return
    if ours is None:
        assert theirs is None
        return
    assert theirs is not None
    assert (ours.access_key_id, ours.secret_access_key, ours.session_token) == (
        theirs.access_key,
        theirs.secret_key,
        theirs.token or None,
    )


def test_an_explicit_profile_skips_the_environment(
    monkeypatch: pytest.MonkeyPatch, aws_env: tuple[Path, Path]
) -> None:
    """As botocore: a client's profile= wins over environment credentials."""
    aws_env[1].write_text("[p]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = s\n")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDFROMENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
    capture = Capture()
    run(capture, profile="p")
    assert capture.access_key() == "AKIDPROFILE"


def test_credentials_repr_hides_secrets() -> None:
    creds = awsmith.Credentials(
        access_key_id="AKIDEXAMPLE", secret_access_key="very-secret", session_token="tok-secret"
    )
    text = repr(creds) + str(creds) + json.dumps(str(creds))
    assert "very-secret" not in text and "tok-secret" not in text
    assert repr(creds) == (
        "Credentials(access_key_id='AKIDEXAMPLE', secret_access_key=***, session_token=***)"
    )


def test_expiry_field_is_optional() -> None:
    when = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    creds = awsmith.Credentials(access_key_id="A", secret_access_key="B", expiry=when)
    assert creds.expiry == when
    with pytest.raises(awsmith.CredentialsError, match="secret_access_key must be a non-empty str"):
        awsmith.Credentials(access_key_id="A", secret_access_key="")


# ---------------------------------------------------------------- refresh windows


class FakeRefreshable:
    """A botocore RefreshableCredentials stand-in: ``remaining`` seconds of validity
    (botocore's windows: advisory 15 minutes, mandatory 10), and a refresh that blocks
    on ``gate`` and then gives new keys or fails. ``entered`` is set when a refresh
    starts, ``finished`` when it ends (both in the loading thread)."""

    def __init__(self, remaining: float, *, fail: bool = False) -> None:
        self.remaining = remaining
        self.fail = fail
        self.gate = threading.Event()
        self.entered = threading.Event()
        self.finished = threading.Event()
        self.refreshes = 0
        self.lock = threading.Lock()
        self.key = "AKIDOLD"
        self.threads: list[threading.Thread] = []

    def refresh_needed(self, refresh_in: float | None = None) -> bool:
        return self.remaining < (15 * 60 if refresh_in is None else refresh_in)

    def get_frozen_credentials(self) -> Any:
        if self.refresh_needed():
            with self.lock:
                self.refreshes += 1
                self.threads.append(threading.current_thread())
            self.entered.set()
            try:
                assert self.gate.wait(10)
                if self.fail:
                    raise RuntimeError("the credential source is down")
                self.key, self.remaining = "AKIDNEW", 3600.0
            finally:
                self.finished.set()
        return mock.Mock(access_key=self.key, secret_key="secret", token=None)


def resolver_for(provider: FakeRefreshable) -> CredentialResolver:
    session = mock.Mock()
    session.get_credentials.return_value = provider
    return CredentialResolver(None, lambda: session)


async def first_load(resolver: CredentialResolver, provider: FakeRefreshable) -> None:
    remaining, provider.remaining = provider.remaining, 3600.0
    assert (await resolver.get()).access_key_id == "AKIDOLD"
    provider.remaining = remaining


async def settled(owner: CredentialResolver | CachingProvider) -> None:
    """Waits for the background refresh under way (if any) to end, whatever its
    outcome; starts none."""
    flight = owner._renewal._flight
    if flight.running():
        with contextlib.suppress(awsmith.CredentialsError):
            await flight.join()


@pytest.mark.anyio
async def test_advisory_window_uses_the_current_credentials_and_refreshes_once_behind() -> None:
    """12 minutes left: 20 concurrent calls all get the current credentials at once
    (the refresh is held on a gate they never wait for); one refresh ran, in another
    thread, and later calls get the new credentials."""
    provider = FakeRefreshable(remaining=12 * 60)
    resolver = resolver_for(provider)
    await first_load(resolver, provider)
    results: list[str] = []

    async def call() -> None:
        results.append((await resolver.get()).access_key_id)

    async with anyio.create_task_group() as group:
        for _ in range(20):
            group.start_soon(call)
    assert results == ["AKIDOLD"] * 20  # the gate is still closed: nobody waited
    assert await anyio.to_thread.run_sync(provider.entered.wait, 10)
    assert provider.refreshes == 1
    assert provider.threads[0] is not MAIN
    assert (await resolver.get()).access_key_id == "AKIDOLD"  # still running: not again
    provider.gate.set()
    await settled(resolver)
    assert (await resolver.get()).access_key_id == "AKIDNEW"
    assert provider.refreshes == 1


@pytest.mark.anyio
async def test_a_failing_refresh_in_the_advisory_window_stalls_nothing() -> None:
    provider = FakeRefreshable(remaining=12 * 60, fail=True)
    provider.gate.set()
    resolver = resolver_for(provider)
    await first_load(resolver, provider)
    for _ in range(20):
        assert (await resolver.get()).access_key_id == "AKIDOLD"
    await settled(resolver)
    for _ in range(20):
        assert (await resolver.get()).access_key_id == "AKIDOLD"
    # One background attempt; the next waits BACKGROUND_REFRESH_INTERVAL.
    assert provider.refreshes == 1


@pytest.mark.anyio
async def test_a_failing_refresh_in_the_mandatory_window_fails_every_waiter_once() -> None:
    """5 minutes left and the source is down: the 20 calls waiting for the refresh all
    raise its CredentialsError; the source was asked once, not once per call."""
    provider = FakeRefreshable(remaining=5 * 60, fail=True)
    resolver = resolver_for(provider)
    await first_load(resolver, provider)
    errors: list[BaseException] = []

    async def call() -> None:
        try:
            await resolver.get()
        except awsmith.CredentialsError as exc:
            errors.append(exc)

    async with anyio.create_task_group() as group:
        for _ in range(20):
            group.start_soon(call)
        # All 20 wait for the one refresh (held on the gate, in a worker thread) before
        # it may fail.
        assert await anyio.to_thread.run_sync(provider.entered.wait, 10)
        await anyio.wait_all_tasks_blocked()
        provider.gate.set()
    assert len(errors) == 20
    assert {str(e) for e in errors} == {
        "Unable to load AWS credentials: the credential source is down"
    }
    assert provider.refreshes == 1
    # A later call tries again.
    with pytest.raises(awsmith.CredentialsError):
        await resolver.get()
    assert provider.refreshes == 2


@pytest.mark.anyio
async def test_the_mandatory_window_waits_for_the_refresh() -> None:
    provider = FakeRefreshable(remaining=5 * 60)
    provider.gate.set()
    resolver = resolver_for(provider)
    await first_load(resolver, provider)
    assert (await resolver.get()).access_key_id == "AKIDNEW"
    assert provider.refreshes == 1


def test_no_botocore_with_environment_credentials_and_an_endpoint(tmp_path: Path) -> None:
    """The cold-start promise (issue 15): credentials from the environment, a region,
    no config files: a call imports no botocore module at all."""
    import subprocess
    import sys

    script = (
        "import asyncio, sys\n"
        "from awsmith.support import SupportClient\n"
        "from awsmith._core.client import BaseClient\n"
        "async def main():\n"
        "    client = SupportClient(region='eu-west-1')\n"
        "    ready = await client._prepare()\n"
        "    await ready.credentials.get()\n"
        "    assert client.endpoint is not None\n"
        "    await client.close()\n"
        "asyncio.run(main())\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'botocore'))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | {
        "AWS_ACCESS_KEY_ID": "AKIDENV",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_CONFIG_FILE": str(tmp_path / "absent-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "absent-credentials"),
    }
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, check=True, capture_output=True, text=True
    ).stdout
    assert out.strip() == "[]"


# ---------------------------------------------------------------- oracle: botocore's refresh


class Source:
    """A refresh_using for botocore's RefreshableCredentials: the n-th call gives
    AKIDREFRESH<n> for an hour from the fake clock's time, or raises."""

    def __init__(self, now: list[dt.datetime], fail: bool) -> None:
        self.now = now
        self.fail = fail
        self.calls = 0

    def __call__(self) -> dict[str, str]:
        self.calls += 1
        if self.fail:
            raise RuntimeError("the source is down")
        return {
            "access_key": f"AKIDREFRESH{self.calls}",
            "secret_key": "secret",
            "token": "token",
            "expiry_time": (self.now[0] + dt.timedelta(hours=1)).isoformat(),
        }


def refreshable(fail: bool) -> tuple[Any, Source, list[dt.datetime]]:
    """botocore's own RefreshableCredentials: AKIDFIRST, valid for an hour from a fake
    clock's start, refreshed by a Source; and the clock."""
    from botocore.credentials import RefreshableCredentials

    start = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)
    now = [start]
    source = Source(now, fail)
    credentials = RefreshableCredentials(
        access_key="AKIDFIRST",
        secret_key="secret",
        token="token",
        expiry_time=start + dt.timedelta(hours=1),
        refresh_using=source,
        method="test",
        time_fetcher=lambda: now[0],
    )
    return credentials, source, now


def outcome(action: Any) -> str:
    try:
        return str(action())
    except Exception as exc:
        return f"raises ({type(exc).__name__})"


async def awsmith_outcome(resolver: CredentialResolver) -> str:
    """One call: the key it signs with, or what it raises; then its background refresh
    (if it started one) runs to its end, as it would while the call is sent."""
    try:
        return (await resolver.get()).access_key_id
    except Exception as exc:
        return f"raises ({type(exc).__name__})"
    finally:
        await settled(resolver)


WINDOWS = {
    "fresh": dt.timedelta(minutes=20),
    "advisory": dt.timedelta(minutes=12),
    "mandatory": dt.timedelta(minutes=5),
    "expired": -dt.timedelta(minutes=1),
}


@pytest.mark.parametrize("fail", [False, True], ids=["refresh works", "refresh fails"])
@pytest.mark.parametrize("window", list(WINDOWS))
def test_the_chain_keeps_or_drops_credentials_as_botocore_does(window: str, fail: bool) -> None:
    """botocore's RefreshableCredentials is the oracle of what a call signs with once
    the credentials it loaded (AKIDFIRST) are in each refresh window, with a refresh
    that works (AKIDREFRESH<n>) or fails: two calls each, against two identical
    objects on fake clocks. awsmith's resolver gives what botocore gives, and asks
    the source as often, with two differences, both by design: in the advisory window
    a call never waits for the refresh (the first call gets AKIDFIRST, the refresh
    runs behind it), and a failed advisory refresh is retried after
    BACKGROUND_REFRESH_INTERVAL, not on the very next call."""
    theirs, their_source, their_clock = refreshable(fail)
    assert theirs.get_frozen_credentials().access_key == "AKIDFIRST"
    ours, our_source, our_clock = refreshable(fail)
    session = mock.Mock()
    session.get_credentials.return_value = ours
    resolver = CredentialResolver(None, lambda: session, environment=False)
    assert anyio.run(awsmith_outcome, resolver) == "AKIDFIRST"  # loaded while fresh
    for clock in (their_clock, our_clock):
        clock[0] += dt.timedelta(hours=1) - WINDOWS[window]

    expected = [outcome(lambda: theirs.get_frozen_credentials().access_key) for _ in range(2)]
    got = [anyio.run(awsmith_outcome, resolver) for _ in range(2)]

    expected = [e.replace("(RuntimeError)", "(CredentialsError)") for e in expected]
    expected_calls = their_source.calls
    if window == "advisory":
        expected[0] = "AKIDFIRST"  # not held up by the refresh
        if fail:
            expected_calls = 1  # not asked again within the interval
    assert got == expected
    assert our_source.calls == expected_calls
    # The same, spelled out.
    assert (got, our_source.calls) == {
        ("fresh", False): (["AKIDFIRST", "AKIDFIRST"], 0),
        ("fresh", True): (["AKIDFIRST", "AKIDFIRST"], 0),
        ("advisory", False): (["AKIDFIRST", "AKIDREFRESH1"], 1),
        ("advisory", True): (["AKIDFIRST", "AKIDFIRST"], 1),
        ("mandatory", False): (["AKIDREFRESH1", "AKIDREFRESH1"], 1),
        ("mandatory", True): (["raises (CredentialsError)"] * 2, 2),
        ("expired", False): (["AKIDREFRESH1", "AKIDREFRESH1"], 1),
        ("expired", True): (["raises (CredentialsError)"] * 2, 2),
    }[(window, fail)]
