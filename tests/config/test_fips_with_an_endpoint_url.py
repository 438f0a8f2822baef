"""FIPS or dual-stack together with an endpoint URL (a client argument, a configured
one: ``AWS_ENDPOINT_URL[_SERVICE]``, the profile's ``endpoint_url``), as botocore's
client takes them: the URL turns both flags off (its
``ClientArgsCreator.compute_endpoint_resolver_builtin_defaults``: "SDK_ENDPOINT cannot
be combined with AWS_USE_FIPS"), so a GovCloud host with ``AWS_USE_FIPS_ENDPOINT=true``
set for the whole machine and a VPC endpoint in ``AWS_ENDPOINT_URL_SUPPORT`` sends to
the VPC endpoint. Found by the outside review of issue 25 (the rules refused every
call before)."""

from __future__ import annotations

from typing import Any

import botocore.config
import pytest

import awsmith
from tests.config.helpers import SERVICES, AwsFiles, awsmith_sends, botocore_sends

URL = "http://127.0.0.1:7001"

FLAGS = {
    "fips": ("AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint", "use_fips"),
    "dualstack": ("AWS_USE_DUALSTACK_ENDPOINT", "use_dualstack_endpoint", "use_dualstack"),
}


def _origin(url: str) -> str:
    scheme, rest = url.split("://", 1)
    return f"{scheme}://{rest.split('/', 1)[0]}"


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("flag", sorted(FLAGS))
@pytest.mark.parametrize("flag_from", ["config", "environment", "profile"])
@pytest.mark.parametrize("url_from", ["argument", "environment", "service-environment", "profile"])
def test_fips_and_dualstack_give_way_to_an_endpoint_url(
    service: str,
    flag: str,
    flag_from: str,
    url_from: str,
    aws: AwsFiles,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    variable, key, field = FLAGS[flag]
    profile = ["[default]", "region = us-east-1"]
    ours: dict[str, Any] = {"region": "us-east-1"}
    theirs: dict[str, Any] = {"region_name": "us-east-1"}
    if flag_from == "config":
        ours["config"] = awsmith.Config(**{field: True})
        theirs["config"] = botocore.config.Config(**{key: True})
    elif flag_from == "environment":
        monkeypatch.setenv(variable, "true")
    else:
        profile.append(f"{key} = true")
    if url_from == "argument":
        ours["endpoint_url"] = theirs["endpoint_url"] = URL
    elif url_from == "environment":
        monkeypatch.setenv("AWS_ENDPOINT_URL", URL)
    elif url_from == "service-environment":
        monkeypatch.setenv("AWS_ENDPOINT_URL_" + service.upper(), URL)
    else:
        profile.append(f"endpoint_url = {URL}")
    aws.write("\n".join(profile) + "\n")

    boto = botocore_sends(service, **theirs)
    assert _origin(boto.url) == URL  # the oracle: botocore sends to the URL

    sent = awsmith_sends(service, **ours)
    assert _origin(str(sent.first.url)) == URL
