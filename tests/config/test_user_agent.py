"""The User-Agent's parts a user sets, as botocore's client sends them: ``app/<id>``
(``Config(user_agent_appid)``, ``AWS_SDK_UA_APP_ID``, the profile's ``sdk_ua_app_id``),
``Config(user_agent_extra)`` at the end, ``Config(user_agent)`` in place of the whole
header, ``exec-env/<AWS_EXECUTION_ENV>``; and the ``X-Amzn-Trace-Id`` header botocore
sends in AWS Lambda (its recursion detection). Compared on the wire."""

from __future__ import annotations

import re
from typing import Any

import botocore.config
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import awsmith
from tests.config.helpers import AwsFiles, awsmith_sends, botocore_sends


def _part(user_agent: str | None, prefix: str) -> list[str]:
    """The values of every ``prefix/...`` component of a User-Agent."""
    assert user_agent is not None
    return re.findall(rf"(?:^| ){re.escape(prefix)}/(\S+)", user_agent)


def both_user_agents(
    *, ours: dict[str, Any] | None = None, theirs: dict[str, Any] | None = None, **both: Any
) -> tuple[str, str]:
    sent = awsmith_sends(region="us-east-1", **both, **(ours or {}))
    boto = botocore_sends(region_name="us-east-1", **both, **(theirs or {}))
    agent = boto.header("User-Agent")
    assert agent is not None
    return sent.first.headers["User-Agent"], agent


#: How the app id is set: (environment, profile text, awsmith Config, botocore Config)
APPID_CASES: dict[str, tuple[dict[str, str], str, dict[str, Any], dict[str, Any]]] = {
    "none": ({}, "", {}, {}),
    "Config": ({}, "", {"user_agent_appid": "billing"}, {"user_agent_appid": "billing"}),
    "environment": ({"AWS_SDK_UA_APP_ID": "from-env"}, "", {}, {}),
    "profile": ({}, "[default]\nsdk_ua_app_id = from-profile\n", {}, {}),
    "environment beats profile": (
        {"AWS_SDK_UA_APP_ID": "from-env"},
        "[default]\nsdk_ua_app_id = from-profile\n",
        {},
        {},
    ),
    "Config beats environment": (
        {"AWS_SDK_UA_APP_ID": "from-env"},
        "",
        {"user_agent_appid": "billing"},
        {"user_agent_appid": "billing"},
    ),
    "named profile": ({"AWS_PROFILE": "ci"}, "[profile ci]\nsdk_ua_app_id = ci-app\n", {}, {}),
    "sanitized": ({"AWS_SDK_UA_APP_ID": "my app/é#1,2"}, "", {}, {}),
    # Set but empty, the variable decides, as botocore reads it: no app/ part.
    "empty environment beats profile": (
        {"AWS_SDK_UA_APP_ID": ""},
        "[default]\nsdk_ua_app_id = from-profile\n",
        {},
        {},
    ),
    # So does an empty Config value (botocore sends no app/ part), and one of spaces
    # is sent as botocore sanitizes it (app/--).
    "empty Config beats environment": (
        {"AWS_SDK_UA_APP_ID": "from-env"},
        "",
        {"user_agent_appid": ""},
        {"user_agent_appid": ""},
    ),
    "spaces in Config beat environment": (
        {"AWS_SDK_UA_APP_ID": "from-env"},
        "",
        {"user_agent_appid": "  "},
        {"user_agent_appid": "  "},
    ),
}

#: The cases where botocore sends no app/ part.
NO_APP_PART = {"none", "empty environment beats profile", "empty Config beats environment"}


@pytest.mark.parametrize("case", sorted(APPID_CASES))
def test_user_agent_appid_as_botocore_sends_it(
    case: str, aws: AwsFiles, monkeypatch: pytest.MonkeyPatch
) -> None:
    environ, profile_text, ours, theirs = APPID_CASES[case]
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    aws.write(profile_text)
    mine, boto = both_user_agents(
        ours={"config": awsmith.Config(**ours)},
        theirs={"config": botocore.config.Config(**theirs)},
    )
    assert _part(mine, "app") == _part(boto, "app")
    assert len(_part(mine, "app")) == (0 if case in NO_APP_PART else 1)


@settings(max_examples=100, deadline=None)
@given(st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12))
def test_every_app_id_is_sanitized_as_botocore_sanitizes_it(appid: str) -> None:
    """Every app id but a blank one, which is none, as a blank value of every setting
    is (botocore would send ``app/-``)."""
    from botocore.useragent import sanitize_user_agent_string_component

    assume(appid.strip())

    sent = awsmith_sends(region="us-east-1", config=awsmith.Config(user_agent_appid=appid))
    expected = sanitize_user_agent_string_component(appid, allow_hash=True)
    assert _part(sent.first.headers["User-Agent"], "app") == [expected]


def test_a_long_app_id_is_sent_whole_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    """botocore sends an app id longer than 50 characters as it is and logs a warning."""
    appid = "a" * 51
    with caplog.at_level("WARNING", logger="awsmith"):
        sent = awsmith_sends(region="us-east-1", config=awsmith.Config(user_agent_appid=appid))
    assert _part(sent.first.headers["User-Agent"], "app") == [appid]
    assert [r.getMessage() for r in caplog.records if r.name.startswith("awsmith")] == [
        f"the User-Agent app id is longer than the 50 characters AWS recommends: {appid!r}"
    ]


def test_user_agent_extra_ends_the_header_as_in_botocore() -> None:
    mine, boto = both_user_agents(
        ours={"config": awsmith.Config(user_agent_extra="tool/1.2 (ci)")},
        theirs={"config": botocore.config.Config(user_agent_extra="tool/1.2 (ci)")},
    )
    assert mine.endswith(" tool/1.2 (ci)")
    assert boto.endswith(" tool/1.2 (ci)")


def test_user_agent_replaces_the_header_as_in_botocore() -> None:
    mine, boto = both_user_agents(
        ours={"config": awsmith.Config(user_agent="custom/1.0", user_agent_extra="x/2")},
        theirs={"config": botocore.config.Config(user_agent="custom/1.0", user_agent_extra="x/2")},
    )
    assert mine == boto == "custom/1.0 x/2"


def test_user_agent_is_checked() -> None:
    with pytest.raises(awsmith.ConfigurationError) as raised:
        awsmith.Config(user_agent="bad\nvalue")
    assert str(raised.value) == (
        "Config.user_agent must be a str of visible ASCII, spaces and tabs (it is sent in a "
        "header), got 'bad\\nvalue'"
    )


@pytest.mark.parametrize("value", ["AWS_Lambda_python3.12", "AWS_ECS_FARGATE", "odd value/é"])
def test_aws_execution_env_as_botocore_sends_it(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_EXECUTION_ENV", value)
    mine, boto = both_user_agents()
    assert _part(mine, "exec-env") == _part(boto, "exec-env")
    assert len(_part(mine, "exec-env")) == 1


@pytest.mark.parametrize(
    ("environ", "sent"),
    [
        (
            {"AWS_LAMBDA_FUNCTION_NAME": "fn", "_X_AMZN_TRACE_ID": "Root=1-5;Parent=ab;Sampled=1"},
            True,
        ),
        ({"AWS_LAMBDA_FUNCTION_NAME": "fn", "_X_AMZN_TRACE_ID": "Root=1 é\n<x>"}, True),
        ({"_X_AMZN_TRACE_ID": "Root=1-5"}, False),
        ({"AWS_LAMBDA_FUNCTION_NAME": "fn", "_X_AMZN_TRACE_ID": ""}, False),
        ({"AWS_LAMBDA_FUNCTION_NAME": "fn"}, False),
    ],
)
def test_lambda_trace_id_header_as_botocore_sends_it(
    environ: dict[str, str], sent: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    ours = awsmith_sends(region="us-east-1").first.headers.get("X-Amzn-Trace-Id")
    theirs = botocore_sends(region_name="us-east-1").header("X-Amzn-Trace-Id")
    assert ours == theirs
    assert (ours is not None) == sent


def test_the_trace_id_is_read_at_each_call(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lambda sets ``_X_AMZN_TRACE_ID`` anew for every invocation, and a client lives
    across invocations: each request sends the current one."""
    import anyio
    import httpx

    from awsmith.support import SupportClient
    from tests.config.helpers import CREDS

    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "fn")
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("X-Amzn-Trace-Id"))
        return httpx.Response(200, content=b'{"services": []}')

    async def main() -> None:
        async with (
            httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http,
            SupportClient(region="us-east-1", credentials=CREDS, http_client=http) as c,
        ):
            for trace in ("Root=1-a", "Root=1-b"):
                monkeypatch.setenv("_X_AMZN_TRACE_ID", trace)
                await c.describe_services()

    anyio.run(main)
    assert seen == ["Root=1-a", "Root=1-b"]
