"""Endpoint resolution with the service's endpoint rules.

A generated package carries its rules compiled to Python (``_endpoints.py``, from the
rule set in ``models/endpoints/``): resolving with them needs neither botocore nor any
file. Otherwise (STS, a model generated without a rule set) botocore's
``EndpointProvider`` evaluates the service's bundled
``endpoint-rule-set-1.json`` against the region, FIPS and dual-stack flags and an
optional custom endpoint, for every partition botocore knows. The rule set is read once
per process and service (off the event loop, by the caller's choice of thread).
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from awsmith._core.endpoint_rules import RuleError
from awsmith._core.errors import EndpointResolutionError, EndpointSettingError

if TYPE_CHECKING:
    from attrs import frozen
else:
    from awsmith._core.lazyclass import frozen

#: What RFC 3986 allows in a URL, percent-escapes included (RFC 9112 3.2 sends the
#: path as it is).
_URL_CHARACTERS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*").fullmatch

_REGION = re.compile(r"^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$")


@frozen
class Endpoint:
    """Where and how to send a service's requests."""

    url: str
    host: str
    signing_region: str
    signing_name: str


@functools.cache
def _loader() -> Any:
    import botocore.loaders

    return botocore.loaders.Loader()


def rules_loaded(data_name: str, compiled: object = None) -> bool:
    """Whether the service's rules are in memory (resolving needs no I/O): compiled
    rules always are."""
    return compiled is not None or data_name in _PROVIDERS


_PROVIDERS: dict[str, Any] = {}


def _provider(data_name: str) -> Any:
    if data_name not in _PROVIDERS:
        _PROVIDERS[data_name] = _load_provider(data_name)
    return _PROVIDERS[data_name]


def _load_provider(data_name: str) -> Any:
    """botocore's rule-set provider for a service, or None if botocore has no rule set."""
    import botocore.exceptions
    from botocore.endpoint_provider import EndpointProvider

    loader = _loader()
    try:
        ruleset = loader.load_service_model(data_name, "endpoint-rule-set-1")
    except botocore.exceptions.DataNotFoundError:
        return None
    return EndpointProvider(ruleset_data=ruleset, partition_data=loader.load_data("partitions"))


@functools.cache
def _partitions() -> list[dict[str, Any]]:
    return list(_loader().load_data("partitions")["partitions"])


def validate_region(region: str, source: str = "region") -> None:
    """Refuses a region that is not a region's name; ``source`` names where it was set."""
    if not isinstance(region, str) or not _REGION.match(region):  # pyright: ignore[reportUnnecessaryIsInstance]  # callers may pass anything
        raise EndpointSettingError(
            f"{source} {region!r} is not a valid region name (expected something like "
            "'us-east-1')"
        )


@functools.lru_cache(maxsize=256)
def resolve_endpoint(
    *,
    data_name: str,
    endpoint_prefix: str,
    signing_name: str,
    region: str | None,
    use_fips: bool,
    use_dualstack: bool,
    endpoint_url: str | None,
    extra_params: tuple[tuple[str, Any], ...] = (),
    rules: Callable[[Mapping[str, Any]], tuple[str, dict[str, Any]]] | None = None,
    use_global_endpoint: bool = False,
) -> Endpoint:
    """Resolves the endpoint; ``extra_params`` are rule-set parameters an operation
    fixes (its ``staticContextParams``); ``use_global_endpoint`` is STS's
    ``UseGlobalEndpoint`` (``sts_regional_endpoints = legacy``). Memoized (rule
    evaluation costs ~0.1 ms; errors are not cached). May read botocore's data files on
    first use for a service: call it off the loop then."""
    if endpoint_url is not None:
        check_endpoint_url(endpoint_url)
    if region is not None:
        validate_region(region)
    elif endpoint_url is None:
        raise EndpointResolutionError(
            "no region: pass region=..., set AWS_REGION, or configure a region in the "
            "AWS config file"
        )
    params: dict[str, Any] = {"UseFIPS": use_fips, "UseDualStack": use_dualstack}
    if region is not None:
        params["Region"] = region
    if endpoint_url is not None:
        params["Endpoint"] = endpoint_url
    if use_global_endpoint:
        params["UseGlobalEndpoint"] = True
    params.update(extra_params)
    if rules is not None:
        try:
            url, properties = rules(params)
        except RuleError as exc:
            raise EndpointResolutionError(f"cannot resolve the endpoint: {exc}") from None
    else:
        provider = _provider(data_name)
        if provider is None:
            return _fallback(
                endpoint_prefix, signing_name, region, use_fips, use_dualstack, endpoint_url
            )
        try:
            resolved = provider.resolve_endpoint(**params)
        except Exception as exc:  # botocore's rule errors carry a readable message
            raise EndpointResolutionError(f"cannot resolve the endpoint: {exc}") from None
        url, properties = resolved.url, resolved.properties
    signing_region = region or "us-east-1"
    for scheme in properties.get("authSchemes", ()):
        if scheme.get("name") == "sigv4":
            signing_region = scheme.get("signingRegion", signing_region)
            signing_name = scheme.get("signingName", signing_name)
    return _endpoint(url, signing_region, signing_name)


def check_endpoint_url(endpoint_url: str, source: str = "endpoint_url") -> None:
    """An endpoint URL is an absolute http(s) URL of characters a URL carries, without
    a query string or fragment: awsmith does not send them (botocore keeps a query
    string), so one is refused rather than silently dropped. ``source`` names where it
    was set."""
    if not isinstance(endpoint_url, str):  # pyright: ignore[reportUnnecessaryIsInstance]  # a profile's nested section is not
        raise EndpointSettingError(f"{source} must be a URL, got {endpoint_url!r}")
    try:
        parts = urlsplit(endpoint_url)
        host, _ = parts.hostname, parts.port  # each may raise ValueError
    except ValueError as exc:  # an unclosed "[::1", a port that is not a number
        raise EndpointSettingError(f"{source} {endpoint_url!r} is not a URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise EndpointSettingError(
            f"{source} {endpoint_url!r} must be an absolute http:// or https:// URL"
        )
    if parts.query or parts.fragment:
        raise EndpointSettingError(
            f"{source} {endpoint_url!r} has a query string or fragment, which awsmith "
            "does not send: give the URL without it"
        )
    if not _URL_CHARACTERS(endpoint_url):
        raise EndpointSettingError(
            f"{source} {endpoint_url!r} has characters a URL cannot carry as they "
            "are (spaces, non-ASCII): percent-encode them in the path, and give a "
            "host name in its ASCII (punycode, xn--) form"
        )
    if not _valid_host(host):
        raise EndpointSettingError(
            f"{source} {endpoint_url!r} has no valid host name (labels of letters, digits "
            "and hyphens, or an IP address in brackets)"
        )


#: A DNS host name, as botocore's ``is_valid_endpoint_url`` takes one: labels of 1 to 63
#: letters, digits and hyphens, not starting or ending with a hyphen.
_HOST_NAME = re.compile(r"((?!-)[A-Z\d-]{1,63}(?<!-)\.)*((?!-)[A-Z\d-]{1,63}(?<!-))", re.IGNORECASE)


def _valid_host(host: str | None) -> bool:
    """Whether an endpoint URL's host is one botocore sends to (its
    ``is_valid_endpoint_url`` or ``is_valid_ipv6_endpoint_url``): a host name of at
    most 255 characters (a final dot allowed), or an IPv6 address (in brackets)."""
    if not host or len(host) > 255:
        return False
    if ":" in host:  # urlsplit took it from brackets
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return False
        return True
    return _HOST_NAME.fullmatch(host.removesuffix(".")) is not None


def _endpoint(url: str, signing_region: str, signing_name: str) -> Endpoint:
    parts = urlsplit(url)
    if parts.path in ("", "/"):
        url = url.rstrip("/")
    # A base path (an endpoint_url behind a path-routing gateway) is kept as given,
    # trailing slash included: request paths are joined to it as botocore joins them.
    return Endpoint(url, parts.netloc, signing_region, signing_name)


@functools.lru_cache(maxsize=64)
def split_endpoint(url: str) -> tuple[str, str]:
    """``scheme://authority`` and the base path (``""`` for none) of an endpoint URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}", parts.path


def join_path(base_path: str, path: str) -> str:
    """The path sent (and signed) for an operation's ``path`` under an endpoint's base
    path, exactly as botocore joins them (``botocore.awsrequest._urljoin``): ``/`` alone
    adds nothing to a base path, and a slash on both sides is not doubled."""
    if not base_path:
        return path or "/"
    if not path or path == "/":
        return base_path
    if base_path.endswith("/") and path.startswith("/"):
        return base_path[:-1] + path
    return base_path + path


def _fallback(
    prefix: str,
    signing_name: str,
    region: str | None,
    use_fips: bool,
    use_dualstack: bool,
    endpoint_url: str | None,
) -> Endpoint:
    """For models botocore has no rule set for: the standard AWS hostname pattern."""
    if endpoint_url is not None:
        return _endpoint(endpoint_url, region or "us-east-1", signing_name)
    assert region is not None
    for partition in _partitions():
        outputs = partition["outputs"]
        if region in partition["regions"] or re.match(partition["regionRegex"], region):
            suffix = outputs["dualStackDnsSuffix"] if use_dualstack else outputs["dnsSuffix"]
            host = f"{prefix}{'-fips' if use_fips else ''}.{region}.{suffix}"
            return _endpoint(f"https://{host}", region, signing_name)
    raise EndpointResolutionError(f"region {region!r} is in no known partition")
