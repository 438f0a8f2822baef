"""Settings: how a client's arguments, the environment and the profile become the
configuration it runs with.

Every setting is read the way botocore reads it: the client's argument (or its
:class:`Config` field), else an environment variable, else the profile's key in the AWS
config files, else a default. :func:`first_set` is that order, written once; each
setting names its layers with :func:`given`, :func:`environment` and :func:`in_profile`.

The profile is read once per client (:class:`Profile`, shared with its
``with_options`` views), through a process-wide cache keyed by what botocore's answer
depends on, so a new client usually reads no file. Reading a file is not done on the
event loop: a resolver runs first without I/O and raises :class:`NeedsIO` where it
would need some, and :func:`off_loop` then runs it again in a worker thread.

What a client was made with is one frozen record, :class:`ClientSettings`; a
``with_options`` view is a client made from its parent's record with another Config.
"""

from __future__ import annotations

import os
import ssl
import stat
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar, cast

from awsmith._core import aio
from awsmith._core.config import DEFAULT_MAX_ATTEMPTS, Config, RetryMode
from awsmith._core.credentials import botocore_session
from awsmith._core.endpoints import rules_loaded
from awsmith._core.errors import ConfigurationError
from awsmith._core.interceptors import Interceptor, StageHooks, checked_interceptors, hooks_of
from awsmith._core.operation import ServiceInfo
from awsmith._core.transport.http import Timeouts
from awsmith._core.transport.proxy import (
    NO_PROXIES,
    ProxySettings,
    environment_proxies,
    explicit_proxies,
)
from awsmith._core.transport.tls import (
    ClientCert,
    cached_tls_context,
    certifi_bundle,
    tls_context,
)
from awsmith._version import __version__

if TYPE_CHECKING:
    from collections.abc import Sequence

    import httpx
    from attrs import frozen
else:
    from awsmith._core.lazyclass import frozen

T = TypeVar("T")

# sys.version's first word is what platform.python_version() gives (not imported: a
# millisecond of import time).
USER_AGENT = f"awsmith/{__version__} Python/{sys.version.split()[0]} os/{sys.platform}"


# ---------------------------------------------------------------- resolving off the loop


class NeedsIO(Exception):
    """Resolving needs file I/O: do it in a worker thread (see :func:`off_loop`)."""


async def off_loop(resolve: Callable[[bool], T]) -> T:
    """``resolve(False)``, on the event loop; if it raises :class:`NeedsIO`,
    ``resolve(True)`` in a worker thread. A resolver given ``allow_io=False`` reads only
    what is cached in the process (the usual case after the first client), so most
    clients resolve with no thread hop."""
    try:
        return resolve(False)
    except NeedsIO:
        return await aio.run_in_thread(resolve, True)


# ---------------------------------------------------------------- precedence

#: One place a setting may come from: where (for messages), and how to read it. The
#: reader is called only if every earlier layer left the setting unset.
Layer = tuple[str, Callable[[], object]]


def given(source: str, value: object) -> Layer:
    """A value the caller gave (a client argument, a Config field); ``source`` names it."""
    return source, lambda: value


def environment(name: str, environ: Mapping[str, str] | None = None) -> Layer:
    """An environment variable (of ``os.environ`` unless ``environ`` is given)."""
    return name, lambda: (os.environ if environ is None else environ).get(name)


def environment_flag(name: str) -> Layer:
    """A boolean environment variable as botocore reads it: once set, even to ``""``,
    it decides (true for ``true`` in any case, else false); only an unset one leaves
    the setting to the next layer."""

    def read() -> bool | None:
        value = os.environ.get(name)
        return None if value is None else value.strip().lower() == "true"

    return name, read


def in_profile(profile: Callable[[], Mapping[str, Any]], key: str) -> Layer:
    """A key of the profile's settings; ``profile`` reads them (maybe with I/O, maybe
    raising :class:`NeedsIO`) and is called only if this layer is reached."""
    return f"the profile's {key}", lambda: profile().get(key)


def first_set(*layers: Layer) -> tuple[object, str] | None:
    """The value of the first layer that sets it, and that layer's name; None if none
    does. None, an empty string and a string of only spaces leave a setting unset (as
    ``AWS_MAX_ATTEMPTS=""`` or ``region =`` in a profile): the next layer decides."""
    for source, read in layers:
        value = read()
        if value is not None and not (isinstance(value, str) and not value.strip()):
            return value, source
    return None


def _flag(found: tuple[object, str] | None) -> bool:
    """A boolean setting as botocore reads it: True, or the text ``true`` in any case."""
    if found is None:
        return False
    value = found[0]
    return value is True or str(value).strip().lower() == "true"


# ---------------------------------------------------------------- the profile

#: A config file as the profile cache keys it: its path (as botocore expands it) and
#: (modification time in ns, size, inode), or None when it is not a regular file
#: (botocore then reads nothing from it).
_FileState = tuple[str, tuple[int, int, int] | None]
#: What botocore's scoped config depends on: the client's ``profile``,
#: ``AWS_DEFAULT_PROFILE``, ``AWS_PROFILE``, the config file and the credentials file.
_ConfigKey = tuple[str | None, str | None, str | None, _FileState, _FileState]

#: botocore's scoped config, by what it was read from: a new client finds its profile's
#: settings here, with no worker thread and no botocore session, while nothing it
#: depends on changed (a changed variable or file is another key, read afresh).
SCOPED_CONFIG: dict[_ConfigKey, dict[str, Any]] = {}
#: Keys kept at the most (each change of a file adds one): the cache starts over then.
_SCOPED_CONFIG_SIZE = 32


def _file_state(variable: str, default: str, environ: Mapping[str, str]) -> _FileState:
    """One shared file's path (``variable``, else ``default``, expanded as botocore
    expands it) and its state. One ``stat``: a few microseconds on a local disk (see
    :func:`_config_key` for a network one)."""
    path = os.path.expanduser(os.path.expandvars(environ.get(variable, default)))
    try:
        found = os.stat(path)
    except (OSError, ValueError):  # absent, unreadable, or not a valid path
        return (path, None)
    if not stat.S_ISREG(found.st_mode):
        return (path, None)
    return (path, (found.st_mtime_ns, found.st_size, found.st_ino))


def _config_key(profile: str | None, environ: Mapping[str, str]) -> _ConfigKey:
    """What the scoped config of a client given ``profile`` depends on, now. A file
    rewritten within its file system's timestamp granularity (a few ms) at the same
    size and inode is not told apart: the cache may then give its previous settings.

    Computed on the event loop, once per client (its first call): two ``stat`` calls.
    Measured on a local disk (ext4): 7-10 microseconds for the whole key, about 2.5
    per ``stat``; that is what keeps a new client's first call off a worker thread and
    a botocore session (milliseconds). On a network file system (NFS) a ``stat`` the
    client's attribute cache cannot answer is a round trip to the server, so a new
    client's first call may block the loop for that long; accepted, since reading
    the files (which it spares) costs more on one, and the attribute cache answers
    most ``stat`` calls there anyway."""
    return (
        profile,
        environ.get("AWS_DEFAULT_PROFILE"),
        environ.get("AWS_PROFILE"),
        _file_state("AWS_CONFIG_FILE", "~/.aws/config", environ),
        _file_state("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials", environ),
    )


def _no_profile_files(key: _ConfigKey) -> bool:
    """Whether botocore's scoped config is certainly empty: no profile named (by the
    client, ``AWS_DEFAULT_PROFILE`` or ``AWS_PROFILE``) and neither file exists (a named
    profile that no file has is botocore's ``ProfileNotFound``: botocore says so)."""
    profile, default_profile, env_profile, config, credentials = key
    return (
        profile is None
        and default_profile is None
        and env_profile is None
        and config[1] is None
        and credentials[1] is None
    )


class Profile:
    """A client's profile: its botocore session (made once, for the credential chain
    and for reading the files) and its settings, read when first needed and kept, so
    a client sees the configuration as it is when it starts, as a botocore client
    does. One per client, shared with its ``with_options`` views."""

    __slots__ = ("_scoped", "_session", "name")

    def __init__(self, name: str | None) -> None:
        #: The ``profile=`` the client was given (None: botocore's choice).
        self.name = name
        self._session: Any = None
        self._scoped: dict[str, Any] | None = None

    def session(self) -> Any:
        """The client's botocore session. Runs in a worker thread: botocore reads the
        config files here."""
        if self._session is None:
            self._session = botocore_session(self.name)
        return self._session

    def settings(self, allow_io: bool) -> dict[str, Any]:
        """The profile's settings (botocore's scoped config). A process-wide cache keyed
        by what they depend on (:func:`_config_key`: two ``stat`` calls) spares a new
        client the worker thread and the botocore session while nothing changed.
        Without ``allow_io`` it raises :class:`NeedsIO` where the files must be read."""
        scoped = self._scoped
        if scoped is not None:
            return scoped
        key = _config_key(self.name, os.environ)
        scoped = SCOPED_CONFIG.get(key)
        if scoped is None:
            if _no_profile_files(key):
                scoped = {}  # what botocore would say, without importing it
            elif not allow_io:
                raise NeedsIO
            else:
                scoped = self._read(key)
        self._scoped = scoped
        return scoped

    def reader(self, allow_io: bool) -> Callable[[], Mapping[str, Any]]:
        """:meth:`settings` as :func:`in_profile` calls it."""
        return lambda: self.settings(allow_io)

    def _read(self, key: _ConfigKey) -> dict[str, Any]:
        """In a worker thread: the scoped config from a botocore session that reads the
        files now, cached under ``key`` if the files did not change while it read."""
        # The client's own session if it has none yet (its credential chain will use
        # it); one that read the files earlier may hold what they said then.
        session: Any = self.session() if self._session is None else botocore_session(self.name)
        scoped: dict[str, Any] = session.get_scoped_config()
        if _config_key(self.name, os.environ) == key:
            if len(SCOPED_CONFIG) >= _SCOPED_CONFIG_SIZE:
                SCOPED_CONFIG.clear()
            SCOPED_CONFIG[key] = scoped
        return scoped


# ---------------------------------------------------------------- the client's record


class ClientSettings(NamedTuple):
    """What a client was made with, checked: its arguments and what follows from its
    Config alone. Frozen: a ``with_options`` view is made from its parent's record
    with another Config (:meth:`with_config`)."""

    region: str | None
    endpoint_url: str | None
    #: The ``profile=`` argument (None: botocore's choice: ``AWS_PROFILE``, ...).
    profile: str | None
    http_client: httpx.AsyncClient | None
    config: Config
    #: The client's interceptors by stage, or None if it has none.
    hooks: StageHooks | None
    timeouts: Timeouts
    user_agent: str

    @classmethod
    def checked(
        cls,
        region: str | None,
        endpoint_url: str | None,
        profile: str | None,
        http_client: httpx.AsyncClient | None,
        config: Config | None,
        interceptors: Sequence[Interceptor],
    ) -> ClientSettings:
        """The record of a client's constructor arguments; a bad one raises
        ConfigurationError naming it."""
        for name, value, kind in (
            ("region", region, str),
            ("endpoint_url", endpoint_url, str),
            ("profile", profile, str),
            ("config", config, Config),
        ):
            if value is not None and not isinstance(value, kind):  # pyright: ignore[reportUnnecessaryIsInstance]  # callers may pass anything
                raise ConfigurationError(
                    f"{name} must be a {kind.__name__} or None, got {type(value).__name__}"
                )
        if http_client is not None:
            # A caller's httpx client means httpx is imported already: awsmith does not
            # import it just to check (httpx is a fifth of awsmith's import time).
            httpx_module = sys.modules.get("httpx")
            if httpx_module is None or not isinstance(http_client, httpx_module.AsyncClient):
                raise ConfigurationError(
                    "http_client must be an httpx.AsyncClient or None, "
                    f"got {type(http_client).__name__}"
                )
        hooks = hooks_of(checked_interceptors(interceptors))
        config = config if config is not None else Config()
        if http_client is not None:
            _own_connections_only(config)
        return cls(
            region, endpoint_url, profile, http_client, config, hooks, *_from_config(config)
        )

    def with_config(self, config: Config, timeouts: Timeouts | None = None) -> ClientSettings:
        """This record with another Config (and what follows from it)."""
        made, user_agent = _from_config(config)
        return self._replace(config=config, timeouts=timeouts or made, user_agent=user_agent)


def _own_connections_only(config: Config) -> None:
    """A caller's ``http_client`` makes its own TLS connections: a client certificate
    given to Config would never be sent, and is refused rather than dropped."""
    for name in ("client_cert", "proxy_client_cert"):
        if getattr(config, name) is not None:
            raise ConfigurationError(
                f"Config.{name} applies to the connections awsmith makes itself, not to "
                "a caller's http_client: give the certificate to your httpx.AsyncClient "
                "(its verify= SSL context's load_cert_chain)"
            )


def timeouts_of(config: Config) -> Timeouts:
    """The timeouts and size limits of a client's requests, from its Config."""
    return Timeouts(
        config.connect_timeout,
        config.read_timeout,
        config.max_response_bytes,
        max_head=config.max_response_head_bytes,
        max_fields=config.max_response_header_fields,
        max_field=config.max_response_header_line_bytes,
    )


def _from_config(config: Config) -> tuple[Timeouts, str]:
    extra = config.user_agent_extra
    return timeouts_of(config), USER_AGENT + (f" {extra}" if extra else "")


# ---------------------------------------------------------------- resolved settings


def retry_settings(
    max_attempts: int | None,
    retry_mode: str | None,
    environ: Mapping[str, str],
    profile: Callable[[], Mapping[str, Any]],
) -> tuple[int, RetryMode]:
    """Attempts and retry mode from, in order: ``Config``, ``AWS_MAX_ATTEMPTS`` /
    ``AWS_RETRY_MODE``, the profile's ``max_attempts`` / ``retry_mode``, the defaults
    (as botocore and every AWS SDK read them). ``profile`` gives the profile's settings
    and is called only if they are needed (reading them may need file I/O). A bad value
    raises ConfigurationError naming where it came from."""
    attempts = first_set(
        given("Config.max_attempts", max_attempts),
        environment("AWS_MAX_ATTEMPTS", environ),
        in_profile(profile, "max_attempts"),
    )
    mode = first_set(
        given("Config.retry_mode", retry_mode),
        environment("AWS_RETRY_MODE", environ),
        in_profile(profile, "retry_mode"),
    )
    return (
        DEFAULT_MAX_ATTEMPTS if attempts is None else _attempts_from(*attempts),
        "standard" if mode is None else _mode_from(*mode),
    )


def _attempts_from(value: object, source: str) -> int:
    text = str(value).strip()
    if not text.isdigit() or int(text) < 1:
        raise ConfigurationError(f"{source} must be a whole number >= 1, got {value!r}")
    return int(text)


def _mode_from(value: object, source: str) -> RetryMode:
    """``legacy`` (botocore's default) is read as ``standard``: awsmith has no legacy mode."""
    text = str(value).strip().lower()
    if text not in ("standard", "adaptive", "legacy"):
        raise ConfigurationError(
            f"{source} must be 'standard', 'adaptive' or 'legacy', got {value!r}"
        )
    return "adaptive" if text == "adaptive" else "standard"


def endpoint_args(
    service: ServiceInfo, settings: ClientSettings, profile: Profile, allow_io: bool
) -> dict[str, Any]:
    """The arguments of :func:`~awsmith._core.endpoints.resolve_endpoint` for a client:
    its region, FIPS and dual-stack choices and endpoint URL, each from the client's
    arguments, the environment and the profile. Without ``allow_io`` it raises
    :class:`NeedsIO` where the profile or the service's rule set must be read."""
    config, read = settings.config, profile.reader(allow_io)
    region = first_set(
        given("region", settings.region),
        environment("AWS_REGION"),
        environment("AWS_DEFAULT_REGION"),
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
    endpoint_url = first_set(given("endpoint_url", settings.endpoint_url), *_configured_url(service, read))
    if not allow_io and not rules_loaded(service.data_name, service.endpoint_rules):
        raise NeedsIO
    region_name = None if region is None else str(region[0])
    return {
        "data_name": service.data_name,
        "endpoint_prefix": service.endpoint_prefix,
        "signing_name": service.signing_name,
        "region": region_name,
        "use_fips": _flag(use_fips),
        "use_dualstack": _flag(use_dualstack),
        "endpoint_url": None if endpoint_url is None else endpoint_url[0],
        "rules": service.endpoint_rules,
        "use_global_endpoint": service.endpoint_prefix == "sts"
        and _sts_global_endpoint(region_name, read),
    }


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
        environment("AWS_STS_REGIONAL_ENDPOINTS"), in_profile(profile, "sts_regional_endpoints")
    )
    if found is None:
        return False
    value, source = found
    if value not in _STS_REGIONAL_ENDPOINTS:
        raise ConfigurationError(f"{source} must be 'legacy' or 'regional', got {value!r}")
    if value != "legacy":
        return False
    from botocore.args import LEGACY_GLOBAL_STS_REGIONS  # STS's rules loaded botocore already

    return region in LEGACY_GLOBAL_STS_REGIONS


def _configured_url(service: ServiceInfo, profile: Callable[[], Mapping[str, Any]]) -> list[Layer]:
    """The layers of a configured endpoint URL (botocore 1.31+): ``AWS_ENDPOINT_URL_<SERVICE>``,
    ``AWS_ENDPOINT_URL``, the profile's ``endpoint_url``; none if
    ``AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`` is true."""
    if _flag(first_set(environment_flag("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"))):
        return []
    own = "AWS_ENDPOINT_URL_" + service.service_id.upper().replace(" ", "_")
    return [
        environment(own),
        environment("AWS_ENDPOINT_URL"),
        in_profile(profile, "endpoint_url"),
    ]


def proxy_settings(
    proxies: Mapping[str, str] | None, trust_env: bool, environ: Mapping[str, str] = os.environ
) -> ProxySettings:
    """A client's proxies: ``Config.proxies`` if given (not empty), else (``trust_env``)
    the environment's (:mod:`awsmith._core.transport.proxy` says how each is read);
    there is no profile setting. Bad values raise ``ConfigurationError`` naming where
    they came from."""
    found = first_set(
        ("Config.proxies", lambda: explicit_proxies(proxies) if proxies else None),
        ("the environment", lambda: environment_proxies(environ) if trust_env else None),
    )
    return NO_PROXIES if found is None else cast("ProxySettings", found[0])


@frozen
class TransportSettings:
    """What the connections a client makes itself are made with."""

    tls: ssl.SSLContext | None = None
    ca_file: str = ""
    proxies: ProxySettings = NO_PROXIES
    proxy_tls: ssl.SSLContext | None = None


def ca_bundle(config: Config, profile: Callable[[], Mapping[str, Any]]) -> tuple[str, str]:
    """The CA bundle to verify the service with and where that choice came from (for
    messages): ``Config.ca_bundle``, ``AWS_CA_BUNDLE``, the profile's ``ca_bundle``,
    else certifi's (as botocore and the AWS CLI choose)."""
    found = first_set(
        given("Config.ca_bundle", config.ca_bundle),
        environment("AWS_CA_BUNDLE"),
        in_profile(profile, "ca_bundle"),
    )
    if found is None:
        return certifi_bundle(), "certifi"
    return str(found[0]), found[1]


def transport_settings(
    config: Config,
    proxies: ProxySettings,
    plain_http: bool,
    profile: Profile,
    allow_io: bool,
) -> TransportSettings:
    """CA bundle, TLS contexts and proxies of the connections a client makes. Without
    ``allow_io`` it raises :class:`NeedsIO` where a file would be read (a CA bundle,
    the AWS config file for the profile's ``ca_bundle``)."""
    verify = config.verify_tls
    cafile, source = ca_bundle(config, profile.reader(allow_io))

    def context(path: str, where: str, client: ClientCert | None, named: str) -> ssl.SSLContext:
        made = cached_tls_context(verify, path, client)
        if made is None:
            if not allow_io:
                raise NeedsIO
            made = tls_context(verify, path, where, client, named)
        return made

    client_cert = config.client_cert
    tls = None
    if not plain_http or client_cert is not None:  # a certificate is checked at once
        tls = context(cafile, source, client_cert, "Config.client_cert")
    proxy_tls = None
    if proxies.uses_tls:
        # The proxy gets its own certificate (if any), never the service's: botocore's
        # proxy context has only proxies_config's.
        proxy_ca, proxy_source = (
            (config.proxy_ca_bundle, "Config.proxy_ca_bundle")
            if config.proxy_ca_bundle
            else (cafile, source)
        )
        proxy_tls = context(
            proxy_ca, proxy_source, config.proxy_client_cert, "Config.proxy_client_cert"
        )
    return TransportSettings(tls, cafile, proxies, proxy_tls)
