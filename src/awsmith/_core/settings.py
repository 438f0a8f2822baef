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
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar, cast

from awsmith._core import aio
from awsmith._core.config import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_ATTEMPTS,
    Config,
    RetryMode,
)
from awsmith._core.credentials import botocore_session
from awsmith._core.errors import ConfigurationError
from awsmith._core.files import FileState, file_state
from awsmith._core.interceptors import Interceptor, StageHooks, checked_interceptors, hooks_of
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

if TYPE_CHECKING:
    from collections.abc import Sequence

    import httpx
    from attrs import frozen
else:
    from awsmith._core.lazyclass import frozen

T = TypeVar("T")


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
    it decides (true for ``true`` in any case, else false, even `` true`` with a
    space, as botocore compares it unstripped); only an unset one leaves the setting
    to the next layer."""

    def read() -> bool | None:
        value = os.environ.get(name)
        return None if value is None else value.lower() == "true"

    return name, read


def in_profile(profile: Callable[[], Mapping[str, Any]], key: str) -> Layer:
    """A key of the profile's settings; ``profile`` reads them (maybe with I/O, maybe
    raising :class:`NeedsIO`) and is called only if this layer is reached."""
    return f"the profile's {key}", lambda: profile().get(key)


class _AsIs(str):
    """A string read by an :func:`as_is` layer: it decides even when blank."""

    __slots__ = ()


def as_is(layer: Layer, *, empty_is_unset: bool = False) -> Layer:
    """``layer``, except that a blank string it reads decides instead of leaving the
    setting to the next layer: botocore takes ``AWS_SDK_UA_APP_ID=""``,
    ``BOTOCORE_TCP_KEEPALIVE=""`` or ``Config(user_agent_appid="")`` as set (its
    providers skip only a missing value), so the profile's value is not used then.
    With ``empty_is_unset`` only ``""`` is unset and spaces decide, as botocore reads
    ``AWS_ENDPOINT_URL``."""
    source, read = layer

    def read_as_is() -> object:
        value = read()
        if not isinstance(value, str) or (empty_is_unset and value == ""):
            return value
        return _AsIs(value)

    return source, read_as_is


def first_set(*layers: Layer) -> tuple[object, str] | None:
    """The value of the first layer that sets it, and that layer's name; None if none
    does. None, an empty string and a string of only spaces leave a setting unset (as
    ``AWS_MAX_ATTEMPTS=""`` or ``region =`` in a profile): the next layer decides;
    unless the layer is :func:`as_is`, whose blank value decides."""
    for source, read in layers:
        value = read()
        if isinstance(value, _AsIs):
            return str(value), source
        if value is not None and not (isinstance(value, str) and not value.strip()):
            return value, source
    return None


def true_or_false(found: tuple[object, str] | None) -> bool | None:
    """A boolean setting (None: not set anywhere). ``true`` and ``false`` in any case,
    as botocore reads them; where botocore reads anything else as false, awsmith
    refuses it, naming where it came from, rather than take a ``yes`` or a ``1`` for
    false. A blank value (of an :func:`as_is` layer) is false, as botocore reads it."""
    if found is None:
        return None
    value, source = found
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and not value.strip():
        return False  # set but blank (an as_is layer's): botocore reads it as false
    text = str(value).lower()
    if text not in ("true", "false"):
        raise ConfigurationError(f"{source} must be 'true' or 'false', got {value!r}")
    return text == "true"


# ---------------------------------------------------------------- the profile

#: A config file as the profile cache keys it: its path (as botocore expands it) and
#: (modification time in ns, size, inode), or None when it is not a regular file
#: (botocore then reads nothing from it).
_FileState = tuple[str, FileState | None]
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
    return (path, file_state(path))


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


#: Where a profile's settings keep the ``[services name]`` section their ``services``
#: names (read from botocore's full config with them). botocore lower-cases the keys of
#: the files, so no key of a profile can be this one.
SERVICES_SECTION = "Services Section"


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
        services = scoped.get("services")
        if services is not None and not isinstance(services, str):
            raise ConfigurationError(
                "the profile's services must name a [services name] section, got "
                f"{services!r}"
            )
        if services is not None:
            sections = session.full_config.get("services", {})
            scoped = {**scoped, SERVICES_SECTION: sections.get(services)}
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
            region, endpoint_url, profile, http_client, config, hooks, timeouts_of(config)
        )

    def with_config(self, config: Config) -> ClientSettings:
        """This record with another Config (and the timeouts that follow from it)."""
        return self._replace(config=config, timeouts=timeouts_of(config))


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


def timeouts_of(config: Config, connect: float = DEFAULT_CONNECT_TIMEOUT) -> Timeouts:
    """The timeouts and size limits of a client's requests, from its Config;
    ``connect`` where it gives no connect timeout (its defaults mode's)."""
    return Timeouts(
        connect if config.connect_timeout is None else config.connect_timeout,
        config.read_timeout,
        config.max_response_bytes,
        max_head=config.max_response_head_bytes,
        max_fields=config.max_response_header_fields,
        max_field=config.max_response_header_line_bytes,
    )


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


def whole_number(value: object, source: str, error: str) -> int:
    """``value`` read as botocore reads a number setting, with ``int()`` (so ``" +5 "``
    and ``"1_0"`` are numbers, ``"5.0"`` and ``"²"`` are not)."""
    if isinstance(value, str | int):  # a profile's nested section is neither
        try:
            return int(value)
        except ValueError:
            pass
    raise ConfigurationError(f"{source} {error}, got {value!r}")


def _attempts_from(value: object, source: str) -> int:
    attempts = whole_number(value, source, "must be a whole number >= 1")
    if attempts < 1:
        raise ConfigurationError(f"{source} must be a whole number >= 1, got {value!r}")
    return attempts


def _mode_from(value: object, source: str) -> RetryMode:
    """The name as it is, as botocore takes it (``Adaptive`` is refused). ``legacy``
    (botocore's default before 1.44) is read as ``standard``: awsmith has no legacy
    mode."""
    if value not in ("standard", "adaptive", "legacy"):
        raise ConfigurationError(
            f"{source} must be 'standard', 'adaptive' or 'legacy', got {value!r}"
        )
    return "adaptive" if value == "adaptive" else "standard"


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
    ``REQUESTS_CA_BUNDLE`` (botocore's ``EndpointCreator._get_verify_value``), else
    certifi's (as botocore and the AWS CLI choose). ``AWS_CA_BUNDLE`` or the
    profile's ``ca_bundle`` set but blank is refused, as botocore refuses it, rather
    than read as unset."""
    found = first_set(
        given("Config.ca_bundle", config.ca_bundle),
        as_is(environment("AWS_CA_BUNDLE")),
        as_is(in_profile(profile, "ca_bundle")),
        as_is(environment("REQUESTS_CA_BUNDLE")),
    )
    if found is None:
        return certifi_bundle(), "certifi"
    path, source = str(found[0]), found[1]
    if not path.strip():
        raise ConfigurationError(
            f"{source} is set but empty: give the path of a CA bundle file, or unset it"
        )
    return path, source


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
