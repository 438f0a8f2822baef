"""A client's endpoint settings: the arguments of
:func:`~awsmith._core.endpoints.resolve_endpoint` (region, FIPS, dual-stack, endpoint
URL, STS's global endpoint), each from the client's arguments, the environment and the
profile in botocore's order (:func:`~awsmith._core.settings.first_set`). Settled at a
client's first call, off the event loop where a file must be read."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, cast

from awsmith._core.config import Config
from awsmith._core.endpoints import check_endpoint_url, rules_loaded, validate_region
from awsmith._core.errors import ConfigurationError
from awsmith._core.operation import ServiceInfo
from awsmith._core.settings import (
    SERVICES_SECTION,
    ClientSettings,
    NeedsIO,
    Profile,
    as_is,
    environment,
    environment_flag,
    first_set,
    given,
    in_profile,
    true_or_false,
)


def _flag(found: tuple[object, str] | None) -> bool:
    """A boolean setting as botocore reads it: True, or the text ``true`` in any case."""
    if found is None:
        return False
    value = found[0]
    return value is True or str(value).strip().lower() == "true"


def endpoint_args(
    service: ServiceInfo, settings: ClientSettings, profile: Profile, allow_io: bool
) -> dict[str, Any]:
    """The arguments of :func:`~awsmith._core.endpoints.resolve_endpoint` for a client:
    its region, FIPS and dual-stack choices and endpoint URL, each from the client's
    arguments, the environment and the profile. Without ``allow_io`` it raises
    :class:`NeedsIO` where the profile or the service's rule set must be read."""
    config, read = settings.config, profile.reader(allow_io)
    # A blank region=, endpoint_url= or AWS_DEFAULT_REGION decides (and is refused
    # below), as botocore takes it; AWS_REGION (botocore reads none) and the profile's
    # blank keys leave it to the next source.
    region = first_set(
        as_is(given("region", settings.region)),
        environment("AWS_REGION"),
        as_is(environment("AWS_DEFAULT_REGION")),
        in_profile(read, "region"),
    )
    use_fips = first_set(
        given("Config.use_fips", config.use_fips),
        environment_flag("AWS_USE_FIPS_ENDPOINT"),
        in_profile(read, "use_fips_endpoint"),
    )
    use_dualstack = first_set(
        given("Config.use_dualstack", config.use_dualstack),
        environment_flag("AWS_USE_DUALSTACK_ENDPOINT"),
        in_profile(read, "use_dualstack_endpoint"),
    )
    endpoint_url = first_set(as_is(given("endpoint_url", settings.endpoint_url)))
    if endpoint_url is None:
        endpoint_url = _configured_url(service, config, read)
    if not allow_io and not rules_loaded(service.data_name, service.endpoint_rules):
        raise NeedsIO
    # Checked here, where it is known where each came from (resolve_endpoint checks
    # them again, naming only the argument).
    if endpoint_url is not None:
        check_endpoint_url(cast(str, endpoint_url[0]), endpoint_url[1])
    if region is not None:
        validate_region(cast(str, region[0]), region[1])
    region_name = None if region is None else str(region[0])
    return {
        "data_name": service.data_name,
        "endpoint_prefix": service.endpoint_prefix,
        "signing_name": service.signing_name,
        "region": region_name,
        # An endpoint URL turns both off, as botocore does ("SDK_ENDPOINT cannot be
        # combined with AWS_USE_FIPS"): a machine-wide AWS_USE_FIPS_ENDPOINT and a VPC
        # endpoint's URL work together.
        "use_fips": endpoint_url is None and _flag(use_fips),
        "use_dualstack": endpoint_url is None and _flag(use_dualstack),
        "endpoint_url": None if endpoint_url is None else endpoint_url[0],
        "rules": service.endpoint_rules,
        "use_global_endpoint": service.endpoint_prefix == "sts"
        and _sts_global_endpoint(region_name, read),
    }


def _configured_url(
    service: ServiceInfo, config: Config, profile: Callable[[], Mapping[str, Any]]
) -> tuple[object, str] | None:
    """A configured endpoint URL (botocore 1.31+) and where it was set, as botocore's
    ``ConfiguredEndpointProvider`` finds it: ``AWS_ENDPOINT_URL_<SERVICE>``,
    ``AWS_ENDPOINT_URL``, the service's entry of the profile's ``services`` section,
    the profile's ``endpoint_url``; none if ``ignore_configured_endpoint_urls``
    (Config, ``AWS_IGNORE_CONFIGURED_ENDPOINT_URLS``, the profile) is true. Read only
    if no ``endpoint_url`` argument comes first."""
    ignore = first_set(
        given("Config.ignore_configured_endpoint_urls", config.ignore_configured_endpoint_urls),
        environment_flag("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"),
        in_profile(profile, "ignore_configured_endpoint_urls"),
    )
    if true_or_false(ignore):
        return None
    own = "AWS_ENDPOINT_URL_" + service.service_id.upper().replace(" ", "_")
    key = service.service_id.lower().replace(" ", "_")
    return first_set(
        as_is(environment(own), empty_is_unset=True),
        as_is(environment("AWS_ENDPOINT_URL"), empty_is_unset=True),
        (
            f"the endpoint_url of {key} in the profile's services section",
            lambda: _services_url(profile(), key),
        ),
        in_profile(profile, "endpoint_url"),
    )


def _services_url(scoped: Mapping[str, Any], key: str) -> object:
    """The ``endpoint_url`` of the service's entry ``key`` (its service ID in snake
    case: ``support``, ``codeguruprofiler``) in the ``[services name]`` section the
    profile's ``services`` names; a name with no such section is an error, as in
    botocore."""
    name = scoped.get("services")
    if name is None:
        return None
    section = scoped.get(SERVICES_SECTION)
    if not section:
        raise ConfigurationError(
            f"the profile's services = {name} names no [services {name}] section in the config file"
        )
    entry: object = section.get(key)
    if not isinstance(entry, Mapping):
        return None
    return cast("Mapping[str, object]", entry).get("endpoint_url")


#: botocore's ``sts_regional_endpoints`` values.
_STS_REGIONAL_ENDPOINTS = ("legacy", "regional")


def _sts_global_endpoint(region: str | None, profile: Callable[[], Mapping[str, Any]]) -> bool:
    """Whether STS (``awsmith.assume_role``) is called at its global endpoint,
    ``sts.amazonaws.com``, as botocore decides it (its ``AWS::STS::UseGlobalEndpoint``
    built-in): ``sts_regional_endpoints`` (``AWS_STS_REGIONAL_ENDPOINTS``, else the
    profile's) is ``legacy`` and the region one of those that used the global endpoint
    before regional ones existed. The default, ``regional``, is botocore's since 1.36.
    Only STS's rule set has the parameter: the other services' rules never see it."""
    found = first_set(
        as_is(environment("AWS_STS_REGIONAL_ENDPOINTS")),
        in_profile(profile, "sts_regional_endpoints"),
    )
    if found is None or found[0] == "":  # set to "": regional, as botocore takes it
        return False
    value, source = found
    if value not in _STS_REGIONAL_ENDPOINTS:
        raise ConfigurationError(f"{source} must be 'legacy' or 'regional', got {value!r}")
    if value != "legacy":
        return False
    from botocore.args import LEGACY_GLOBAL_STS_REGIONS  # STS's rules loaded botocore already

    return region in LEGACY_GLOBAL_STS_REGIONS
