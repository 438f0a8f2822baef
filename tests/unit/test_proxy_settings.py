"""Which proxy an origin gets (awsmith._core.transport.proxy), and the errors of bad settings."""

from __future__ import annotations

import pytest

import awsmith
from awsmith._core.settings import proxy_settings
from awsmith._core.transport.proxy import NoProxy, Proxy, masked, parse_proxy_url


def test_a_proxy_url_with_credentials() -> None:
    proxy = parse_proxy_url("http://al%40ice:p%3Ass@proxy.corp:3128", "HTTPS_PROXY")
    assert (proxy.scheme, proxy.host, proxy.port) == ("http", "proxy.corp", 3128)
    assert (proxy.username, proxy.password) == ("al@ice", "p:ss")
    assert proxy.authorization == "Basic YWxAaWNlOnA6c3M="  # base64("al@ice:p:ss")
    assert proxy.display == "http://proxy.corp:3128"
    assert proxy.url == "http://al%40ice:p%3Ass@proxy.corp:3128"
    assert "p:ss" not in repr(proxy) and "p%3Ass" not in repr(proxy)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("proxy:3128", Proxy("http", "proxy", 3128)),
        ("http://proxy", Proxy("http", "proxy", 80)),
        ("https://proxy", Proxy("https", "proxy", 443)),
        ("HTTP://[::1]:8080/", Proxy("http", "::1", 8080)),
    ],
)
def test_proxy_url_forms(text: str, expected: Proxy) -> None:
    assert parse_proxy_url(text, "X") == expected


HINT = " (percent-encode '/', '?', '#' and '@' in a user name or password)"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "socks5://u:secret@proxy:1080",
            "HTTPS_PROXY: unsupported proxy scheme 'socks5' "
            "(awsmith speaks to http:// and https:// proxies)",
        ),
        ("http://:3128", "HTTPS_PROXY: the proxy URL has no host" + HINT),
        ("http://proxy:99999", "HTTPS_PROXY: the proxy URL has an invalid port" + HINT),
        ("http://proxy:3128/path", "HTTPS_PROXY: a proxy URL has no path or query" + HINT),
        # A password with an unencoded '#': never shown, not even its start.
        ("http://svc:2024#x@proxy:3128", "HTTPS_PROXY: a proxy URL has no path or query" + HINT),
        ("http://svc:20/24@proxy:3128", "HTTPS_PROXY: a proxy URL has no path or query" + HINT),
        ("http://prøxy:3128", "HTTPS_PROXY: give the proxy's host in its ASCII (punycode, xn--) form"),
        ("  ", "HTTPS_PROXY must be a proxy URL such as http://proxy:3128"),
    ],
)
def test_bad_proxy_urls_name_the_source_never_the_url(text: str, message: str) -> None:
    with pytest.raises(awsmith.ConfigurationError) as info:
        parse_proxy_url(text, "HTTPS_PROXY")
    assert str(info.value) == message
    for secret in ("secret", "2024", "20/24"):
        assert secret not in str(info.value)


def test_repr_of_a_config_masks_proxy_user_info() -> None:
    config = awsmith.Config(
        proxies={"https": "http://alice:s3cret@proxy:3128", "http": "http://proxy:1"}
    )
    for secret in ("s3cret", "alice"):
        assert secret not in repr(config) and secret not in str(config)
    assert "proxies={'https': 'http://***@proxy:3128', 'http': 'http://proxy:1'}" in repr(config)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://ghp_TOKEN123@proxy:3128", "http://***@proxy:3128"),
        ("http://ghp_TOKEN123:@proxy:3128", "http://***@proxy:3128"),
        ("https://ghp_TOKEN123:x-oauth@proxy", "https://***@proxy"),
        ("ghp_TOKEN123:pw@proxy:3128", "***@proxy:3128"),  # no scheme: http:// is meant
        ("http://proxy:3128", "http://proxy:3128"),
    ],
)
def test_masked_hides_the_whole_user_info(url: str, shown: str) -> None:
    assert masked(url) == shown
    assert f"proxies={{'https': {shown!r}}}" in repr(awsmith.Config(proxies={"https": url}))


def test_masked_hides_up_to_the_last_at_sign() -> None:
    """Unencoded '@' and '://' in a password (a URL Config refuses, masked all the same)."""
    assert masked("http://ghp_TOKEN123:p@ss://x@proxy:3128") == "http://***@proxy:3128"


def test_config_proxies_are_checked_when_the_config_is_made() -> None:
    with pytest.raises(awsmith.ConfigurationError) as info:
        awsmith.Config(proxies={"ftp": "http://proxy:3128"})
    assert str(info.value) == (
        "Config.proxies: unsupported key 'ftp' (use 'http', 'https', 'http://host' or "
        "'https://host')"
    )
    with pytest.raises(awsmith.ConfigurationError) as info:
        awsmith.Config(proxies={"https": "gopher://proxy"})
    assert str(info.value) == (
        "Config.proxies['https']: unsupported proxy scheme 'gopher' "
        "(awsmith speaks to http:// and https:// proxies)"
    )
    with pytest.raises(awsmith.ConfigurationError) as info:
        awsmith.Config(proxies="http://proxy:3128")  # type: ignore[arg-type]
    assert str(info.value) == (
        "Config.proxies must be a mapping such as {'https': 'http://proxy:3128'}, got str"
    )


def test_config_proxies_are_read_only_and_the_config_stays_hashable() -> None:
    config = awsmith.Config(proxies={"https": "http://proxy:3128"})
    assert config.proxies == {"https": "http://proxy:3128"}
    with pytest.raises(TypeError):
        config.proxies["http"] = "x"  # type: ignore[index]
    assert hash(config) == hash(awsmith.Config(proxies={"https": "http://other:1"}))


def test_explicit_proxies_by_scheme_and_host() -> None:
    settings = proxy_settings(
        {"https": "http://a:1", "https://special.example": "http://b:2"}, trust_env=True, environ={}
    )
    assert settings.for_origin("https", "x.example", 443) == Proxy("http", "a", 1)
    assert settings.for_origin("https", "SPECIAL.example", 443) == Proxy("http", "b", 2)
    assert settings.for_origin("http", "x.example", 80) is None


def test_environment_lower_case_first_and_no_proxy() -> None:
    environ = {
        "HTTPS_PROXY": "http://upper:1",
        "https_proxy": "http://lower:2",
        "HTTP_PROXY": "http://plain:3",
        "NO_PROXY": "internal.corp",
    }
    settings = proxy_settings(None, trust_env=True, environ=environ)
    assert settings.for_origin("https", "support.us-east-1.amazonaws.com", 443) == Proxy(
        "http", "lower", 2
    )
    assert settings.for_origin("http", "h", 80) == Proxy("http", "plain", 3)
    assert settings.for_origin("https", "api.internal.corp", 443) is None
    assert proxy_settings(None, trust_env=False, environ=environ).any is False


def test_an_empty_lower_case_variable_turns_the_proxy_off() -> None:
    environ = {"http_proxy": "", "HTTP_PROXY": "http://upper:1"}
    assert proxy_settings(None, trust_env=True, environ=environ).for_origin("http", "h", 80) is None


def test_http_proxy_is_ignored_in_a_cgi_script() -> None:
    """httpoxy (CVE-2016-5385): under CGI, HTTP_PROXY comes from a request header."""
    environ = {"REQUEST_METHOD": "GET", "HTTP_PROXY": "http://attacker:1", "HTTPS_PROXY": "http://corp:2"}
    settings = proxy_settings(None, trust_env=True, environ=environ)
    assert settings.for_origin("http", "h", 80) is None
    assert settings.for_origin("https", "h", 443) == Proxy("http", "corp", 2)
    environ["http_proxy"] = "http://corp:3"  # the lower-case name is not a header
    assert proxy_settings(None, trust_env=True, environ=environ).for_origin("http", "h", 80) == Proxy(
        "http", "corp", 3
    )


@pytest.mark.parametrize(
    ("no_proxy", "host", "port", "bypassed"),
    [
        ("*", "anything", 443, True),
        ("example.com", "example.com", 443, True),
        ("example.com", "a.b.example.com", 443, True),
        ("example.com", "badexample.com", 443, False),
        (".example.com", "example.com", 443, True),
        ("*.example.com", "a.example.com", 443, True),
        ("example.com:8443", "example.com", 443, False),
        ("example.com:8443", "example.com", 8443, True),
        ("10.0.0.0/8", "10.1.2.3", 443, True),
        ("10.0.0.0/8", "11.1.2.3", 443, False),
        ("10.0.0.0/8", "ten.example", 443, False),
        ("192.168.1.5", "192.168.1.5", 80, True),
        ("::1", "::1", 443, True),
        ("[::1]:443", "[::1]", 443, True),
        ("fd00::/8", "fd12::1", 443, True),
        (" Example.COM , other ", "example.com.", 443, True),
        ("", "example.com", 443, False),
    ],
)
def test_no_proxy_matching(no_proxy: str, host: str, port: int, bypassed: bool) -> None:
    assert NoProxy(no_proxy).bypasses(host, port) is bypassed
