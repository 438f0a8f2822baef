"""The profile's settings a client reads (botocore's scoped config) are those of the
configuration as it is when the client first needs them, as a new botocore session's
(issue 22, item 4).

awsmith caches them per process, so that a new client needs neither a worker thread nor
a botocore session to find them; the cache was keyed by ``profile=`` alone, so a client
made after ``AWS_PROFILE``, ``AWS_CONFIG_FILE``, ``AWS_SHARED_CREDENTIALS_FILE`` or the
files themselves changed still used the first client's settings. The oracle is a fresh
botocore session for the same environment: its ``max_attempts`` against the requests a
new client sends to a server that always answers 503, and its whole scoped config
against awsmith's, over random sequences of changes (hypothesis).

A file rewritten at the same size within the file system's timestamp granularity (a few
milliseconds) is not told apart (the cache keys on modification time, size and inode):
where a test rewrites a file, it moves the modification time on as a later edit would.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import anyio
import botocore.exceptions
import botocore.session
import httpx
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import awsmith
import awsmith._core.settings as settings_module
from awsmith.support import SupportClient

# aws_env (autouse): no AWS_* variables, empty config files, no instance metadata.
from tests.runtime.test_credentials import aws_env  # noqa: F401
from tests.unit.mockaws import credentials

#: Every write moves the file's modification time on by this much (see the module doc).
TICK_NS = 1_000_000_000


def write(path: Path, text: str) -> None:
    """Writes ``path`` and moves its modification time past any earlier write."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text)
    after = max(path.stat().st_mtime_ns, before + TICK_NS)
    os.utime(path, ns=(after, after))


def botocore_max_attempts() -> int:
    """What a new botocore session reads for max_attempts (environment, profile)."""
    return int(botocore.session.Session().get_config_variable("max_attempts"))


class Busy:
    """A service that always answers 503; counts the requests."""

    def __init__(self) -> None:
        self.requests = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        return httpx.Response(503, json={"message": "busy"})


class Made:
    """A client on a :class:`Busy` service, usable from one ``anyio.run`` to the next."""

    def __init__(self) -> None:
        self.busy = Busy()
        self.http = httpx.AsyncClient(transport=httpx.MockTransport(self.busy))
        self.client = SupportClient(
            region="us-east-1",
            credentials=credentials(),
            http_client=self.http,
            config=awsmith.Config(base_backoff=0.0001, max_backoff=0.0002),
        )


def attempts(made: Made | None = None, *, close: bool = True) -> int:
    """The requests one DescribeServices call of ``made`` (else of a new client) sends
    to a service that always answers 503: the max_attempts the client read."""
    made = made or Made()
    before = made.busy.requests

    async def main() -> None:
        with pytest.raises(awsmith.ServiceError) as info:
            await made.client.describe_services()
        assert info.value.attempts == made.busy.requests - before
        if close:
            await made.client.close()
            await made.http.aclose()

    anyio.run(main)
    return made.busy.requests - before


Change = Callable[[pytest.MonkeyPatch, Path, Path, Path], None]


def set_aws_profile(monkeypatch: pytest.MonkeyPatch, config: Path, creds: Path, tmp: Path) -> None:
    monkeypatch.setenv("AWS_PROFILE", "b")


def set_aws_default_profile(
    monkeypatch: pytest.MonkeyPatch, config: Path, creds: Path, tmp: Path
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_PROFILE", "b")


def point_elsewhere(variable: str) -> Change:
    """Sets ``variable`` to a new file whose default profile has max_attempts = 4."""

    def change(monkeypatch: pytest.MonkeyPatch, config: Path, creds: Path, tmp: Path) -> None:
        other = tmp / f"other-{variable}"
        write(other, "[default]\nmax_attempts = 4\n")
        monkeypatch.setenv(variable, str(other))

    change.__name__ = f"point_{variable.lower()}_elsewhere"
    return change


def rewrite_the_config_file(
    monkeypatch: pytest.MonkeyPatch, config: Path, creds: Path, tmp: Path
) -> None:
    write(config, "[default]\nmax_attempts = 3\n")  # the same size: only the time differs


def rewrite_the_credentials_file(
    monkeypatch: pytest.MonkeyPatch, config: Path, creds: Path, tmp: Path
) -> None:
    write(creds, "[default]\nmax_attempts = 4\n")


CHANGES: list[tuple[Change, str, str]] = [
    # (the change, the config file before it, the credentials file before it): 2
    # attempts before each
    (set_aws_profile, "[default]\nmax_attempts = 2\n[profile b]\nmax_attempts = 4\n", ""),
    (set_aws_default_profile, "[default]\nmax_attempts = 2\n[profile b]\nmax_attempts = 4\n", ""),
    (point_elsewhere("AWS_CONFIG_FILE"), "[default]\nmax_attempts = 2\n", ""),
    (rewrite_the_config_file, "[default]\nmax_attempts = 2\n", ""),
    (point_elsewhere("AWS_SHARED_CREDENTIALS_FILE"), "", "[default]\nmax_attempts = 2\n"),
    (rewrite_the_credentials_file, "", "[default]\nmax_attempts = 2\n"),
]


@pytest.mark.parametrize(
    ("change", "config_text", "credentials_text"), CHANGES, ids=[c[0].__name__ for c in CHANGES]
)
def test_a_new_client_sees_the_configuration_as_it_is_now(
    change: Change,
    config_text: str,
    credentials_text: str,
    aws_env: tuple[Path, Path],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """A client made before the change sends 2 attempts; one made after it, as many as
    a new botocore session reads (3 or 4; before, still 2); the first client keeps
    what it read; a third client, with nothing changed since, reads what the second
    did."""
    config, creds = aws_env
    write(config, config_text)
    write(creds, credentials_text)
    assert botocore_max_attempts() == 2
    first = Made()
    assert attempts(first, close=False) == 2
    change(monkeypatch, config, creds, tmp_path)
    expected = botocore_max_attempts()
    assert expected in (3, 4)
    assert attempts() == expected
    assert attempts(first) == 2  # a client keeps the settings it started with
    assert attempts() == expected


def test_a_warm_hit_needs_no_worker_thread_and_no_botocore_session(
    aws_env: tuple[Path, Path],  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The cold-start gain kept: the second client with the same configuration finds
    the profile's settings in the cache (two stat calls, no file read)."""
    write(aws_env[0], "[default]\nmax_attempts = 2\n")
    assert attempts() == 2
    sessions: list[str | None] = []
    original = settings_module.botocore_session

    def spy(profile: str | None) -> Any:
        sessions.append(profile)
        return original(profile)

    monkeypatch.setattr(settings_module, "botocore_session", spy)
    assert attempts() == 2
    assert sessions == []
    write(aws_env[0], "[default]\nmax_attempts = 3\n")
    assert attempts() == 3
    assert sessions == [None]


def test_no_files_and_no_profile_need_no_botocore_at_all(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Neither file exists and no profile is named: the settings are empty, as
    botocore would say, decided on the loop from the two stats."""
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "absent-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "absent-credentials"))
    monkeypatch.setattr(
        settings_module, "botocore_session", mock.Mock(side_effect=AssertionError("botocore"))
    )
    assert attempts() == 3  # the default
    assert botocore.session.Session().get_scoped_config() == {}


# ---------------------------------------------------------------- the oracle, fuzzed

PROFILES = st.sampled_from([None, "a", "b", "c"])
CONTENTS = st.sampled_from(
    [
        "",
        "[default]\nregion = eu-west-1\n",
        "[default]\nregion = eu-west-2\nmax_attempts = 5\n[profile a]\nregion = ap-south-1\n",
        "[profile b]\nretry_mode = adaptive\n[profile a]\nca_bundle = /x.pem\n",
        "[a]\nregion = us-west-1\n[b]\nregion = us-west-2\n",  # credentials-file style
        "[default]\nmax_attempts = 7\n[c]\nregion = sa-east-1\n",
    ]
)
FILE = st.sampled_from(["config-1", "config-2", "credentials-1", "credentials-2", "absent"])
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("AWS_PROFILE"), PROFILES),
        st.tuples(st.just("AWS_DEFAULT_PROFILE"), PROFILES),
        st.tuples(st.just("AWS_CONFIG_FILE"), FILE),
        st.tuples(st.just("AWS_SHARED_CREDENTIALS_FILE"), FILE),
        st.tuples(st.just("write"), st.tuples(FILE, CONTENTS)),
        st.tuples(st.just("client"), PROFILES),
    ),
    max_size=12,
)


@pytest.fixture
def isolated_environment() -> Iterator[None]:
    """os.environ restored afterwards (hypothesis runs many examples per test)."""
    with mock.patch.dict(os.environ, clear=False):
        yield


def botocore_scoped(profile: str | None) -> dict[str, Any] | str:
    try:
        scoped: dict[str, Any] = botocore.session.Session(profile=profile).get_scoped_config()
    except botocore.exceptions.ProfileNotFound as exc:
        return str(exc)
    return scoped


def awsmith_scoped(profile: str | None) -> dict[str, Any] | str:
    client = SupportClient(profile=profile)
    try:
        return client._shared.profile.settings(True)
    except awsmith.ConfigurationError as exc:
        return str(exc)


@pytest.mark.usefixtures("isolated_environment")
@settings(max_examples=40, deadline=None)
@given(steps=STEPS)
# Each kind of change once for certain, between two clients of the same profile= (the
# final two steps are always a client of no profile and one of profile "a").
@example([("write", ("config-1", "[default]\nregion = eu-west-1\n")), ("client", None)])
@example([("client", None), ("AWS_PROFILE", "a"), ("write", ("config-1", "[profile a]\n"))])
@example([("client", None), ("AWS_DEFAULT_PROFILE", "b")])
@example([("client", "a"), ("AWS_CONFIG_FILE", "config-2"), ("write", ("config-2", "[a]\n"))])
@example([("client", None), ("write", ("credentials-1", "[default]\nregion = eu-west-1\n"))])
@example([("client", None), ("AWS_SHARED_CREDENTIALS_FILE", "credentials-2")])
def test_every_new_client_reads_what_a_new_botocore_session_reads(
    steps: list[tuple[str, Any]],
) -> None:
    """Random sequences of environment changes, file writes and new clients: each new
    client's settings (or its ConfigurationError's message) equal a new botocore
    session's (or its ProfileNotFound's), whatever the cache holds from before."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name in list(os.environ):
            if name.startswith("AWS_"):
                del os.environ[name]
        os.environ["AWS_CONFIG_FILE"] = str(folder / "config-1")
        os.environ["AWS_SHARED_CREDENTIALS_FILE"] = str(folder / "credentials-1")
        settings_module.SCOPED_CONFIG.clear()
        for step, value in [*steps, ("client", None), ("client", "a")]:
            if step in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
                if value is None:
                    os.environ.pop(step, None)
                else:
                    os.environ[step] = value
            elif step in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
                os.environ[step] = str(folder / value)
            elif step == "write":
                target, text = value
                if target != "absent":
                    write(folder / target, text)
            else:
                assert awsmith_scoped(value) == botocore_scoped(value), (step, value)
