"""What a client settles at its first call besides its endpoint and connections: its
retries, defaults mode (the connect timeout), TCP keepalive, request compression and
User-Agent app id, each from its Config, the environment and the profile in
botocore's order (:func:`~awsmith._core.settings.first_set`)."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple, cast

from awsmith._core.config import (
    DEFAULT_COMPRESSION_SIZE,
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULTS_MODES,
    MAX_COMPRESSION_SIZE,
    MIN_COMPRESSION_SIZE,
    Config,
    DefaultsMode,
    RetryMode,
    defaults_mode_error,
)
from awsmith._core.errors import ConfigurationError
from awsmith._core.settings import (
    NeedsIO,
    Profile,
    as_is,
    environment,
    first_set,
    given,
    in_profile,
    retry_settings,
    true_or_false,
    whole_number,
)


def _compression_size(found: tuple[object, str] | None) -> int:
    if found is None:
        return DEFAULT_COMPRESSION_SIZE
    value, source = found
    error = f"must be a whole number from {MIN_COMPRESSION_SIZE} to {MAX_COMPRESSION_SIZE}"
    size = whole_number(value, source, error)
    if not MIN_COMPRESSION_SIZE <= size <= MAX_COMPRESSION_SIZE:
        raise ConfigurationError(f"{source} {error}, got {value!r}")
    return size


def _defaults_mode(found: tuple[object, str] | None) -> DefaultsMode:
    """In any case, as botocore takes it; ``legacy`` when not set."""
    if found is None:
        return "legacy"
    value, source = found
    for mode in DEFAULTS_MODES:
        if str(value).lower() == mode:
            return mode
    raise defaults_mode_error(source, value)


class Settled(NamedTuple):
    """The settings a client reads from its Config, the environment and the profile at
    its first call, besides the endpoint's and the connections' (a ``with_options``
    view has its own retries, and its client's others)."""

    max_attempts: int
    retry_mode: RetryMode
    defaults_mode: DefaultsMode
    tcp_keepalive: bool
    disable_request_compression: bool
    request_min_compression_size_bytes: int
    #: The application id of the User-Agent's ``app/`` part (None: none).
    user_agent_appid: str | None


def settle(config: Config, profile: Callable[[], Mapping[str, Any]]) -> Settled:
    """Every setting of :class:`Settled`, each from its Config field, its environment
    variable and its profile key, in that order (botocore's)."""
    attempts, mode = retry_settings(config.max_attempts, config.retry_mode, os.environ, profile)

    def found(field: str, variable: str, key: str) -> tuple[object, str] | None:
        # A Config field, a variable or a profile key set to "" decides, as in
        # botocore: no app id, keepalive and compression-disabling off; a blank
        # defaults mode or size is refused, naming where it was set (botocore raises
        # too).
        return first_set(
            as_is(given(f"Config.{field}", getattr(config, field))),
            as_is(environment(variable)),
            as_is(in_profile(profile, key)),
        )

    app_id = found("user_agent_appid", "AWS_SDK_UA_APP_ID", "sdk_ua_app_id")
    if app_id is not None and not isinstance(app_id[0], str):  # a nested profile section
        raise ConfigurationError(f"{app_id[1]} must be a text, got {app_id[0]!r}")
    return Settled(
        max_attempts=attempts,
        retry_mode=mode,
        defaults_mode=_defaults_mode(found("defaults_mode", "AWS_DEFAULTS_MODE", "defaults_mode")),
        tcp_keepalive=bool(
            true_or_false(found("tcp_keepalive", "BOTOCORE_TCP_KEEPALIVE", "tcp_keepalive"))
        ),
        disable_request_compression=bool(
            true_or_false(
                found(
                    "disable_request_compression",
                    "AWS_DISABLE_REQUEST_COMPRESSION",
                    "disable_request_compression",
                )
            )
        ),
        request_min_compression_size_bytes=_compression_size(
            found(
                "request_min_compression_size_bytes",
                "AWS_REQUEST_MIN_COMPRESSION_SIZE_BYTES",
                "request_min_compression_size_bytes",
            )
        ),
        user_agent_appid=None if app_id is None or app_id[0] == "" else str(app_id[0]),
    )


#: The connect timeout (seconds) of each defaults mode but ``legacy`` and ``auto``
#: (botocore's data/sdk-default-configuration.json: a base of 1100 ms, overridden by
#: the modes); ``legacy``'s is Config's own default.
MODE_CONNECT_TIMEOUT: Mapping[str, float] = {
    "standard": 3.1,
    "in-region": 1.1,
    "cross-region": 3.1,
    "mobile": 30.0,
}


def mode_connect_timeout(
    mode: DefaultsMode, region: str | None, profile: Profile, allow_io: bool
) -> float:
    """The connect timeout of a Config that gives none, in ``mode``. ``auto`` is
    ``in-region`` or ``cross-region`` when the region the process runs in is known
    (from ``AWS_EXECUTION_ENV`` with ``AWS_REGION`` / ``AWS_DEFAULT_REGION``, else from
    instance metadata) compared with the client's ``region``, else ``standard``
    (botocore's ``SmartDefaultsConfigStoreFactory.resolve_auto_mode``). Without
    ``allow_io`` it raises :class:`NeedsIO` where instance metadata must be asked."""
    if mode == "auto":
        current: str | None = None
        if os.environ.get("AWS_EXECUTION_ENV"):
            current = os.environ.get("AWS_REGION", os.environ.get("AWS_DEFAULT_REGION"))
        if not current:
            if not allow_io:
                raise NeedsIO
            current = _instance_region(profile)
        if not current:
            return MODE_CONNECT_TIMEOUT["standard"]
        mode = "in-region" if region == current else "cross-region"
    return MODE_CONNECT_TIMEOUT.get(mode, DEFAULT_CONNECT_TIMEOUT)


#: The region of the EC2 instance the process runs on, once instance metadata told it
#: (``defaults_mode`` ``auto``; botocore keeps it per session, awsmith per process).
_INSTANCE_REGION: list[str] = []


def _instance_region(profile: Profile) -> str | None:
    """In a worker thread: the region from instance metadata, through botocore's
    ``IMDSRegionProvider`` (which honours ``AWS_EC2_METADATA_DISABLED`` and the other
    IMDS settings); None where there is none, as botocore takes any failure."""
    if _INSTANCE_REGION:
        return _INSTANCE_REGION[0]
    from botocore.utils import IMDSRegionProvider

    try:
        found: Any = cast(Any, IMDSRegionProvider(profile.session()).provide())
    except Exception:  # botocore takes any failure as "no region" too
        return None
    if not isinstance(found, str) or not found:
        return None
    _INSTANCE_REGION.append(found)
    return found
