"""Which proxy a request goes through, and with which ``Proxy-Authorization``, against
botocore's own decision for the same setting: ``Config(proxies=...)`` (botocore's
``ProxyConfiguration.proxy_url_for`` and ``proxy_headers_for``), else the environment
(``HTTPS_PROXY``, ``HTTP_PROXY``, ``NO_PROXY`` and their lower-case forms, which botocore
reads with urllib's ``getproxies`` and ``proxy_bypass`` when it makes a client).

Hypothesis draws the settings: the endpoint, ``Config(proxies=)`` or none, each
variable unset, empty or set, ``NO_PROXY`` lists of host names and domains. Where
awsmith deliberately decides otherwise (``NO_PROXY`` IP addresses and CIDR ranges, a
``*`` among other entries, a proxy user
without a password), :data:`DIFFERENCES` lists each case with both answers, so the
table's "differs" row is shown, not asserted."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock
from urllib.parse import urlsplit

import botocore.utils
import pytest
from botocore.httpsession import ProxyConfiguration
from hypothesis import given, settings
from hypothesis import strategies as st

from awsmith._core.settings import proxy_settings

#: (scheme, host, port, Proxy-Authorization) of the proxy chosen; None: direct.
Choice = tuple[str, str, int, str | None] | None

VARIABLES = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "no_proxy", "NO_PROXY")


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """Exactly ``values`` for the proxy variables (and REQUEST_METHOD), whatever the
    machine has."""
    names = (*VARIABLES, "REQUEST_METHOD", "all_proxy", "ALL_PROXY")
    kept = {name: value for name, value in os.environ.items() if name not in names}
    with mock.patch.dict(os.environ, {**kept, **values}, clear=True):
        yield


def _choice(url: str | None, authorization: str | None) -> Choice:
    if not url:
        return None
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}[parts.scheme]
    return (parts.scheme, parts.hostname or "", port, authorization)


def botocore_choice(endpoint: str, proxies: dict[str, str] | None) -> Choice:
    """botocore's: its endpoint creator takes Config(proxies=) as it is, else
    ``get_environ_proxies(endpoint)``; its session asks ``proxy_url_for`` per request."""
    if proxies is None:
        proxies = botocore.utils.get_environ_proxies(endpoint)
    configuration = ProxyConfiguration(proxies=proxies)
    url = configuration.proxy_url_for(endpoint)
    if not url:
        return None
    headers = configuration.proxy_headers_for(url)
    return _choice(url, headers.get("Proxy-Authorization"))


def awsmith_choice(endpoint: str, proxies: dict[str, str] | None) -> Choice:
    parts = urlsplit(endpoint)
    port = parts.port or {"http": 80, "https": 443}[parts.scheme]
    chosen = proxy_settings(proxies, trust_env=True).for_origin(
        parts.scheme, parts.hostname or "", port
    )
    if chosen is None:
        return None
    return (chosen.scheme, chosen.host, chosen.port, chosen.authorization)


# ---------------------------------------------------------------- where both agree

HOSTS = (
    "support.us-east-1.amazonaws.com",
    "codeguru-profiler.eu-west-1.amazonaws.com",
    "localhost",
    "api.example.com",
)
PROXY_URLS = (
    "proxy.corp:3128",
    "http://proxy.corp:3128",
    "http://proxy.corp",
    "https://tls.proxy.corp:8443",
    "http://alice:s3cret@proxy.corp:3128",
    "http://al%40ice:p%3Ass@proxy.corp:3128",
)
NO_PROXY_ENTRIES = (
    "amazonaws.com",
    ".amazonaws.com",
    "us-east-1.amazonaws.com",
    "support.us-east-1.amazonaws.com",
    "localhost",
    "example.com",
    ".example.com",
    "other.org",
    " localhost ",
)

endpoints = st.builds(
    lambda scheme, host, port: f"{scheme}://{host}{port}",
    st.sampled_from(("http", "https")),
    st.sampled_from(HOSTS),
    st.sampled_from(("", ":8443")),
)
config_proxies = st.none() | st.dictionaries(
    st.sampled_from(("http", "https")), st.sampled_from(PROXY_URLS), min_size=1
)
variable = st.none() | st.just("") | st.sampled_from(PROXY_URLS)
no_proxy = (
    st.none()
    | st.just("*")
    | st.lists(st.sampled_from(NO_PROXY_ENTRIES), min_size=1, max_size=3).map(",".join)
)


@st.composite
def environments(draw: st.DrawFn) -> dict[str, str]:
    values: dict[str, str | None] = {
        name: draw(no_proxy if name.endswith("no_proxy") or name == "NO_PROXY" else variable)
        for name in VARIABLES
    }
    if draw(st.booleans()):  # a CGI script: HTTP_PROXY may be a request's header
        values["REQUEST_METHOD"] = "GET"
    return {name: value for name, value in values.items() if value is not None}


@settings(max_examples=400, deadline=None)
@given(endpoint=endpoints, proxies=config_proxies, env=environments())
def test_awsmith_chooses_the_proxy_botocore_chooses(
    endpoint: str, proxies: dict[str, str] | None, env: dict[str, str]
) -> None:
    with environment(env):
        assert awsmith_choice(endpoint, proxies) == botocore_choice(endpoint, proxies)


@pytest.mark.parametrize(
    ("env", "endpoint", "expected"),
    [
        (
            {"HTTPS_PROXY": "proxy.corp:3128"},
            "https://support.us-east-1.amazonaws.com",
            ("http", "proxy.corp", 3128, None),
        ),
        (
            {"HTTPS_PROXY": "proxy.corp:3128", "NO_PROXY": "amazonaws.com"},
            "https://support.us-east-1.amazonaws.com",
            None,
        ),
        (
            {"https_proxy": "", "HTTPS_PROXY": "proxy.corp:3128"},
            "https://support.us-east-1.amazonaws.com",
            None,
        ),
        ({"HTTP_PROXY": "proxy.corp:3128"}, "https://support.us-east-1.amazonaws.com", None),
        ({"no_proxy": "*", "HTTPS_PROXY": "proxy.corp"}, "https://localhost", None),
    ],
)
def test_examples_of_the_environment(env: dict[str, str], endpoint: str, expected: Choice) -> None:
    """A few cases spelled out (the property above covers them among many)."""
    with environment(env):
        assert botocore_choice(endpoint, None) == expected
        assert awsmith_choice(endpoint, None) == expected


# ---------------------------------------------------------------- where awsmith differs

PROXY = ("http", "proxy.corp", 3128, None)

#: (environment, Config(proxies=), endpoint, botocore's choice, awsmith's choice, why).
DIFFERENCES = [
    (
        {"HTTPS_PROXY": "proxy.corp:3128", "NO_PROXY": "10.0.0.0/8"},
        None,
        "https://10.1.2.3",
        PROXY,
        None,
        "a CIDR range in NO_PROXY (curl, requests, httpx; urllib matches names only)",
    ),
    (
        {"HTTPS_PROXY": "proxy.corp:3128", "NO_PROXY": "::1"},
        None,
        "https://[::1]:8443",
        PROXY,
        None,
        "an IPv6 address in NO_PROXY",
    ),
    (
        {"HTTPS_PROXY": "proxy.corp:3128", "NO_PROXY": "other.org,*"},
        None,
        "https://support.us-east-1.amazonaws.com",
        PROXY,
        None,
        "'*' among other entries (urllib takes '*' only as the whole value)",
    ),
    (
        {},
        {"https": "http://token@proxy.corp:3128"},
        "https://support.us-east-1.amazonaws.com",
        PROXY,
        ("http", "proxy.corp", 3128, "Basic dG9rZW46"),
        "a user without a password is sent (a token as the user name); botocore sends none",
    ),
    (
        {},
        {"https://support.us-east-1.amazonaws.com": "http://proxy.corp:3128"},
        "https://support.us-east-1.amazonaws.com",
        None,
        PROXY,
        "a proxy for one host, as botocore's Config documents it; its session reads the scheme's key only",
    ),
]


@pytest.mark.parametrize(
    ("env", "proxies", "endpoint", "botocore_answer", "awsmith_answer", "why"),
    DIFFERENCES,
    ids=[entry[-1][:40] for entry in DIFFERENCES],
)
def test_where_awsmith_differs_from_botocore(
    env: dict[str, str],
    proxies: dict[str, str] | None,
    endpoint: str,
    botocore_answer: Choice,
    awsmith_answer: Choice,
    why: str,
) -> None:
    with environment(env):
        assert botocore_choice(endpoint, proxies) == botocore_answer
        assert awsmith_choice(endpoint, proxies) == awsmith_answer
