"""Client configuration: :class:`Config` (what the caller chooses; how it combines with
the environment and the profile is :mod:`awsmith._core.settings`)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, Literal

from awsmith._core.errors import ConfigurationError
from awsmith._core.validation import NOT_HEADER_TEXT

if TYPE_CHECKING:
    import attrs
    from attrs import field, frozen
else:
    from awsmith._core.lazyclass import field, frozen

RetryMode = Literal["standard", "adaptive"]

DEFAULT_MAX_ATTEMPTS = 3
#: Seconds to establish a connection when neither Config nor the defaults mode says.
DEFAULT_CONNECT_TIMEOUT = 60.0

#: The smallest and largest request_min_compression_size_bytes, as the AWS SDKs and
#: Tools reference guide gives them (botocore takes 1 to 1048576 only), and the default.
MIN_COMPRESSION_SIZE, MAX_COMPRESSION_SIZE = 0, 10485760
DEFAULT_COMPRESSION_SIZE = 10240

DefaultsMode = Literal["legacy", "standard", "in-region", "cross-region", "mobile", "auto"]
DEFAULTS_MODES: tuple[DefaultsMode, ...] = (
    "legacy",
    "standard",
    "in-region",
    "cross-region",
    "mobile",
    "auto",
)


def defaults_mode_error(source: str, value: object) -> ConfigurationError:
    names = ", ".join(repr(mode) for mode in DEFAULTS_MODES)
    return ConfigurationError(f"{source} must be one of {names}, got {value!r}")


class NotGiven(enum.Enum):
    """The default of an option that keeps the client's own setting (``None`` may be
    a setting of its own, as ``call_timeout=None``: no deadline)."""

    NOT_GIVEN = "NOT_GIVEN"

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven.NOT_GIVEN


def _positive(_: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:  # pyright: ignore[reportUnnecessaryIsInstance]  # callers may pass anything
        raise ConfigurationError(f"Config.{attribute.name} must be a number > 0, got {value!r}")


def _positive_or_none(_: object, attribute: attrs.Attribute[Any], value: float | None) -> None:
    if value is not None:
        _positive(_, attribute, value)


def _at_least_one(_: object, attribute: attrs.Attribute[Any], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:  # pyright: ignore[reportUnnecessaryIsInstance]  # callers may pass anything
        raise ConfigurationError(f"Config.{attribute.name} must be an int >= 1, got {value!r}")


def _at_least_one_or_none(_: object, attribute: attrs.Attribute[Any], value: int | None) -> None:
    if value is not None:
        _at_least_one(_, attribute, value)


def _retry_mode(_: object, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None and value not in ("standard", "adaptive"):
        raise ConfigurationError(
            f"Config.retry_mode must be 'standard' or 'adaptive', got {value!r}"
        )


def _defaults_mode(_: object, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None and value not in DEFAULTS_MODES:
        raise defaults_mode_error("Config.defaults_mode", value)


def _header_text_or_none(_: object, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None:
        _header_text(_, attribute, value)


def _text_or_none(_: object, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None and not isinstance(value, str):  # pyright: ignore[reportUnnecessaryIsInstance]  # callers may pass anything
        raise ConfigurationError(f"Config.{attribute.name} must be a str or None, got {value!r}")


def _header_text(_: object, attribute: attrs.Attribute[Any], value: str) -> None:
    """Text sent in a header: visible ASCII, space and tab only."""
    if not isinstance(value, str) or NOT_HEADER_TEXT.search(value):  # pyright: ignore[reportUnnecessaryIsInstance]  # callers may pass anything
        raise ConfigurationError(
            f"Config.{attribute.name} must be a str of visible ASCII, spaces and tabs "
            f"(it is sent in a header), got {value!r}"
        )


def _bool(_: object, attribute: attrs.Attribute[Any], value: bool | None) -> None:
    if value is not None and not isinstance(value, bool):  # pyright: ignore[reportUnnecessaryIsInstance]  # callers may pass anything
        raise ConfigurationError(f"Config.{attribute.name} must be a bool, got {value!r}")


def _path_or_none(_: object, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None and (not isinstance(value, str) or not value):  # pyright: ignore[reportUnnecessaryIsInstance]  # callers may pass anything
        raise ConfigurationError(
            f"Config.{attribute.name} must be the path of a PEM file or None, got {value!r}"
        )


def _client_cert(
    _: object, attribute: attrs.Attribute[Any], value: str | tuple[str, str] | None
) -> None:
    """botocore's two forms: one PEM file holding the certificate and its key, or a
    (certificate, key) pair of paths. Whether the files exist is checked when a client
    first connects (in a worker thread), where the CA bundle is checked too."""
    if value is None:
        return
    if isinstance(value, str) and value:
        return
    if (
        type(value) is tuple
        and len(value) == 2  # pyright: ignore[reportUnnecessaryComparison]  # callers may pass anything
        and all(isinstance(part, str) and part for part in value)  # pyright: ignore[reportUnnecessaryIsInstance]
    ):
        return
    raise ConfigurationError(
        f"Config.{attribute.name} must be the path of a PEM file with the certificate and "
        f"its key, or a (certificate, key) pair of paths, got {value!r}"
    )


def _frozen_proxies(value: Mapping[str, str] | None) -> Mapping[str, str] | None:
    """Checks every key and URL now (a clear error at Config(), not at the first call)
    and keeps a read-only copy."""
    if value is None:
        return None
    if not isinstance(value, Mapping):  # pyright: ignore[reportUnnecessaryIsInstance]  # callers may pass anything
        raise ConfigurationError(
            f"Config.proxies must be a mapping such as {{'https': 'http://proxy:3128'}}, "
            f"got {type(value).__name__}"
        )
    from awsmith._core.transport.proxy import explicit_proxies

    explicit_proxies(value)
    return MappingProxyType(dict(value))


def _masked_proxies(value: Mapping[str, str] | None) -> str:
    """The proxies as ``repr(Config)`` shows them: user names and passwords replaced by
    ``***``."""
    if value is None:
        return "None"
    from awsmith._core.transport.proxy import masked

    return repr({key: masked(url) for key, url in value.items()})


def _compression_size(_: object, attribute: attrs.Attribute[Any], value: int | None) -> None:
    if value is None:
        return
    if (
        isinstance(value, bool)
        or not isinstance(value, int)  # pyright: ignore[reportUnnecessaryIsInstance]  # callers may pass anything
        or not MIN_COMPRESSION_SIZE <= value <= MAX_COMPRESSION_SIZE
    ):
        raise ConfigurationError(
            f"Config.{attribute.name} must be an int from {MIN_COMPRESSION_SIZE} to "
            f"{MAX_COMPRESSION_SIZE}, got {value!r}"
        )


@frozen(kw_only=True)
class Config:
    """Behaviour of a client. Every field has a sensible default.

    Attributes:
        max_attempts: Total attempts per call, the first one included. ``1`` disables
            retries. ``None`` (the default): ``AWS_MAX_ATTEMPTS``, else the profile's
            ``max_attempts``, else 3 (the AWS "standard" mode's default).
        retry_mode: ``"standard"`` (exponential backoff with full jitter and a retry
            quota) or ``"adaptive"`` (standard plus client-side rate limiting after
            throttling). ``None`` (the default): ``AWS_RETRY_MODE``, else the profile's
            ``retry_mode``, else ``"standard"`` (botocore's ``"legacy"`` counts as
            ``"standard"``).
        connect_timeout: Seconds to wait for a connection to be established. ``None``
            (the default): the ``defaults_mode``'s, else 60.
        read_timeout: Seconds to wait for the response (between bytes).
        call_timeout: Optional deadline in seconds for a whole call, retries included.
        max_backoff: Upper bound in seconds of one backoff delay (AWS: 20); an
            ``x-amz-retry-after`` header may lengthen a delay by up to 5 s beyond it.
        base_backoff: Scale of the exponential backoff after a throttling error, in
            seconds (AWS: 1); after any other error the scale is a twentieth of it (AWS:
            0.05 s). Tests can make backoff fast by lowering it.
        max_pool_connections: Connections kept per client by the default transport.
        pool_idle_timeout: Seconds an unused pooled connection is kept for reuse by
            the default transport (servers and NATs drop idle connections; AWS's load
            balancers after 60 s).
        max_response_bytes: Responses larger than this raise ``ResponseTooLargeError``.
        max_response_head_bytes: A response head (status line and header fields)
            larger than this raises ``ResponseTooLargeError`` (default 256 KiB).
        max_response_header_fields: More header fields than this raise
            ``ResponseTooLargeError`` (default 100, as http.client).
        max_response_header_line_bytes: A status line or header field longer than this
            raises ``ResponseTooLargeError`` (default 64 KiB, as http.client).
        use_fips: Use the FIPS endpoint (``None``: from the environment/profile, else no).
        use_dualstack: Use the dual-stack (IPv6) endpoint (``None``: as ``use_fips``).
        verify_tls: Verify TLS certificates (on by default; never turn off in production).
        ca_bundle: A PEM file of the CAs to verify the service's certificate with
            (else ``AWS_CA_BUNDLE``, then the profile's ``ca_bundle``, then certifi's).
        client_cert: A TLS client certificate to show the service (mutual TLS), as
            botocore's ``Config(client_cert=...)`` takes it: the path of one PEM file
            with the certificate and its unencrypted key, or a ``(certificate, key)``
            pair of paths. For the connections awsmith makes itself (not a caller's
            ``http_client``); through a proxy's tunnel it reaches the service, not the
            proxy.
        proxies: Proxy URLs by scheme, as botocore spells them: ``{"https":
            "http://proxy:3128", "http": ...}``, or by host (``"https://host"``).
            ``user:password@`` in a URL is sent as ``Proxy-Authorization: Basic``.
            ``None``: from ``HTTPS_PROXY`` / ``HTTP_PROXY`` / ``NO_PROXY`` (see
            ``trust_env``).
        proxy_ca_bundle: The CAs to verify an ``https://`` proxy with (else those of
            ``ca_bundle``); botocore's ``proxies_config["proxy_ca_bundle"]``.
        proxy_client_cert: The TLS client certificate to show an ``https://`` proxy,
            in ``client_cert``'s forms; botocore's
            ``proxies_config["proxy_client_cert"]``.
        trust_env: Read ``HTTPS_PROXY``, ``HTTP_PROXY`` and ``NO_PROXY`` (either case)
            when ``proxies`` is not given.
        user_agent_extra: Text appended to awsmith's User-Agent header.
        user_agent: The whole User-Agent header instead of awsmith's (then
            ``user_agent_extra``), as botocore's ``Config(user_agent)``.
        user_agent_appid: An id of your application, sent as ``app/<id>`` in the
            User-Agent (characters a header token cannot carry replaced by ``-``, as
            botocore does). ``None``: ``AWS_SDK_UA_APP_ID``, else the profile's
            ``sdk_ua_app_id``.
        disable_request_compression: Never gzip request bodies (operations whose model
            asks for request compression gzip them by default, as botocore does).
            ``None``: ``AWS_DISABLE_REQUEST_COMPRESSION``, else the profile's
            ``disable_request_compression``, else False.
        request_min_compression_size_bytes: Bodies smaller than this are sent
            uncompressed (0 to 10485760). ``None``:
            ``AWS_REQUEST_MIN_COMPRESSION_SIZE_BYTES``, else the profile's, else 10240.
        ignore_configured_endpoint_urls: Ignore the endpoint URLs of the environment
            (``AWS_ENDPOINT_URL[_<SERVICE>]``) and of the profile. ``None``:
            ``AWS_IGNORE_CONFIGURED_ENDPOINT_URLS``, else the profile's key, else False.
        tcp_keepalive: Turn on TCP keepalive (``SO_KEEPALIVE``) on the connections the
            client makes itself. ``None``: ``BOTOCORE_TCP_KEEPALIVE``, else the
            profile's ``tcp_keepalive``, else off, as in botocore.
        defaults_mode: botocore's defaults mode (``"standard"``, ``"in-region"``,
            ``"cross-region"``, ``"mobile"``, ``"auto"``, ``"legacy"``): the connect
            timeout when ``connect_timeout`` is not given. ``None``:
            ``AWS_DEFAULTS_MODE``, else the profile's ``defaults_mode``, else
            ``"legacy"`` (60 s).
    """

    max_attempts: int | None = field(default=None, validator=_at_least_one_or_none)
    retry_mode: RetryMode | None = field(default=None, validator=_retry_mode)
    connect_timeout: float | None = field(default=None, validator=_positive_or_none)
    read_timeout: float = field(default=60.0, validator=_positive)
    call_timeout: float | None = field(default=None, validator=_positive_or_none)
    max_backoff: float = field(default=20.0, validator=_positive)
    base_backoff: float = field(default=1.0, validator=_positive)
    max_pool_connections: int = field(default=100, validator=_at_least_one)
    pool_idle_timeout: float = field(default=20.0, validator=_positive)
    max_response_bytes: int = field(default=512 * 1024 * 1024, validator=_at_least_one)
    max_response_head_bytes: int = field(default=256 * 1024, validator=_at_least_one)
    max_response_header_fields: int = field(default=100, validator=_at_least_one)
    max_response_header_line_bytes: int = field(default=64 * 1024, validator=_at_least_one)
    use_fips: bool | None = field(default=None, validator=_bool)
    use_dualstack: bool | None = field(default=None, validator=_bool)
    verify_tls: bool = field(default=True, validator=_bool)
    ca_bundle: str | None = field(default=None, validator=_path_or_none)
    client_cert: str | tuple[str, str] | None = field(default=None, validator=_client_cert)
    proxies: Mapping[str, str] | None = field(
        default=None, converter=_frozen_proxies, hash=False, repr=_masked_proxies
    )
    proxy_ca_bundle: str | None = field(default=None, validator=_path_or_none)
    proxy_client_cert: str | tuple[str, str] | None = field(default=None, validator=_client_cert)
    trust_env: bool = field(default=True, validator=_bool)
    user_agent_extra: str = field(default="", validator=_header_text)
    user_agent: str | None = field(default=None, validator=_header_text_or_none)
    user_agent_appid: str | None = field(default=None, validator=_text_or_none)
    disable_request_compression: bool | None = field(default=None, validator=_bool)
    request_min_compression_size_bytes: int | None = field(
        default=None, validator=_compression_size
    )
    ignore_configured_endpoint_urls: bool | None = field(default=None, validator=_bool)
    tcp_keepalive: bool | None = field(default=None, validator=_bool)
    defaults_mode: DefaultsMode | None = field(default=None, validator=_defaults_mode)
