"""The base of every generated client: configuration, lifecycle and the call pipeline.

``invoke`` runs validate -> serialize -> (endpoint, credentials) -> sign -> send ->
retry -> parse. Generated clients only add one typed method per operation.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import os
import random
import ssl
import stat
import sys
import time
import warnings
import weakref
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from awsmith._core import aio
from awsmith._core.adaptive import AdaptiveRateLimiter
from awsmith._core.compression import gzip_request
from awsmith._core.config import (
    DEFAULT_MAX_ATTEMPTS,
    NOT_GIVEN,
    Config,
    NotGiven,
    RetryMode,
    retry_settings,
)
from awsmith._core.credentials import (
    CredentialProvider,
    CredentialResolver,
    Credentials,
    botocore_session,
)
from awsmith._core.endpoints import (
    Endpoint,
    join_path,
    resolve_endpoint,
    rules_loaded,
    split_endpoint,
)
from awsmith._core.errors import (
    AwsmithError,
    ConfigurationError,
    DeadlineExceededError,
    EndpointResolutionError,
    ResponseParseError,
    ServiceError,
    attempt_error,
    for_call,
    own_copy,
    raise_as_is,
)
from awsmith._core.interceptors import (
    Hooks,
    Interceptor,
    InterceptorContext,
    TransportRequest,
    checked_interceptors,
    hooks_of,
    modified_request,
    run_each,
    split_unsigned,
)
from awsmith._core.metadata import ResponseMetadata, read_only
from awsmith._core.operation import Operation, SerializedRequest, ServiceInfo, uuid4_text
from awsmith._core.retry import RetryQuota, is_retryable, is_throttling, plan_retry
from awsmith._core.signing import (
    QueryItem,
    SigV4Signer,
    encode_query,
    payload_sha256,
    render_query,
)
from awsmith._core.transport.http import HttpResponse, HttpSender, Timeouts, request_id_of
from awsmith._core.transport.http1 import Http1Sender
from awsmith._core.transport.proxy import NO_PROXIES, ProxySettings, proxy_settings
from awsmith._core.transport.tls import ca_bundle, cached_tls_context, tls_context
from awsmith._version import __version__

if TYPE_CHECKING:
    import traceback

    import httpx
    from attrs import define, field, frozen
else:
    from awsmith._core.lazyclass import define, field, frozen

In = TypeVar("In")
Out = TypeVar("Out")

#: The type of the client a method returns (``with_options``, ``async with ... as``),
#: bound on ``self`` as httpx types its ``__aenter__``. Not ``typing.Self``: mypy and
#: pyright read both the same, but jedi (IPython, Jupyter, jedi-language-server)
#: resolves ``Self`` to BaseClient, so after ``async with SupportClient() as c:`` it
#: completed ``c.`` with no operation.
ClientT = TypeVar("ClientT", bound="BaseClient")

#: One DEBUG record per attempt and per backoff, a WARNING when the retry quota runs
#: out. Records name operations, attempts, statuses, error classes and request ids:
#: never a header, a credential or a body.
_log = logging.getLogger("awsmith.client")

# sys.version's first word is what platform.python_version() gives (not imported: a
# millisecond of import time).
_USER_AGENT = f"awsmith/{__version__} Python/{sys.version.split()[0]} os/{sys.platform}"


class ClientClosedError(AwsmithError):
    """The client was closed; create a new one."""


@frozen
class _TransportSettings:
    """What the connections a client makes itself are made with."""

    tls: ssl.SSLContext | None = None
    ca_file: str = ""
    proxies: ProxySettings = NO_PROXIES
    proxy_tls: ssl.SSLContext | None = None


@define
class _Ready:
    """What a client resolves before its first call, shared with its ``with_options``
    views."""

    #: The service's endpoint and its signer; None when the endpoint rules need
    #: parameters that only operations give (``staticContextParams``).
    default: tuple[Endpoint, SigV4Signer] | None
    sender: HttpSender
    credentials: CredentialResolver
    #: The arguments the endpoint was resolved with; operations with rule-set
    #: parameters of their own resolve with these plus theirs, kept per parameter set.
    endpoint_args: dict[str, Any]
    op_endpoints: dict[tuple[tuple[str, object], ...], tuple[Endpoint, SigV4Signer]] = (
        field(factory=dict[tuple[tuple[str, object], ...], tuple[Endpoint, SigV4Signer]])
    )
    #: Server time minus local time, learnt from a clock-skew error.
    clock_offset: timedelta = timedelta(0)
    #: The client-side rate limiter of the clients in adaptive retry mode.
    limiter: AdaptiveRateLimiter | None = None

    def adaptive_limiter(self) -> AdaptiveRateLimiter:
        if self.limiter is None:
            self.limiter = AdaptiveRateLimiter()
        return self.limiter


#: Error codes of a signature rejected because the client's clock is off.
CLOCK_SKEW_CODES = frozenset(
    {
        "RequestTimeTooSkewed",
        "RequestExpired",
        "RequestInTheFuture",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "AuthFailure",
    }
)
SKEW_TOLERANCE = timedelta(minutes=4)


def invocation_id() -> str:
    """A random (version 4) UUID, as botocore's ``amz-sdk-invocation-id``. It only ties
    the attempts of a call together, so it comes from ``random`` rather than
    ``os.urandom``: 1.4 instead of 3.6 us a call (``uuid.uuid4()``, timeit)."""
    return uuid4_text(random.getrandbits(128))


def _outcome(error: AwsmithError) -> str:
    """An error as a log record names it: its class, and its code and status if any."""
    if isinstance(error, ServiceError):
        return f"{type(error).__name__} ({error.code}, HTTP {error.status_code})"
    return type(error).__name__


def _running_loop(client: BaseClient) -> asyncio.AbstractEventLoop:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        raise ConfigurationError(
            f"this {type(client).__name__} was first used under asyncio; it cannot be used "
            "under another async library (create a client under each)"
        ) from None


#: Views made with the same options share one Config (checking a Config's every field
#: costs ~50 us); at most this many option sets are kept per client.
_OPTION_CACHE_SIZE = 64
#: The types of the values ``with_options`` takes (``bool`` is one, and Config refuses
#: it): only such values are looked up in the cache, so that an unhashable one is
#: Config's to refuse with a ConfigurationError naming the option.
_OPTION_VALUE_TYPES = frozenset({int, float, str, bool, type(None)})


class _Call(Generic[Out]):
    """One call as its stages share it (smithy-python's per-call context): what is called
    and who watches it, where its attempts go, and how far they got, for the error that
    ends it (:meth:`claim`). A plain class with slots: one per call."""

    __slots__ = (
        "attempt",
        "context",
        "credentials",
        "debug",
        "encoded_query",
        "hooks",
        "host",
        "invocation_id",
        "last_error",
        "made",
        "operation",
        "path",
        "payload_hash",
        "ready",
        "retry_cost",
        "serialized",
        "signer",
        "skew_corrected",
        "started",
        "unsent_cost",
        "url",
    )

    operation: Operation[Any, Out]
    #: The client's interceptors by stage and the call's context for them, or None.
    hooks: Hooks | None
    context: InterceptorContext | None
    # Where the attempts go, and what the signer signs of it (set by BaseClient._call).
    serialized: SerializedRequest
    ready: _Ready
    signer: SigV4Signer
    host: str
    path: str
    url: str
    encoded_query: list[QueryItem]
    payload_hash: str
    #: botocore's: one id for every attempt of the call, so AWS can tie them together.
    invocation_id: str
    #: Whether attempts are logged (DEBUG), and when the current one was sent.
    debug: bool
    started: float
    #: The current attempt's number, from 1.
    attempt: int
    #: The attempts that count (what :attr:`AwsmithError.attempts` says): each that
    #: ended with an outcome of its own, and one cut short once its request was written.
    made: int
    #: The error of the last attempt that failed.
    last_error: AwsmithError | None
    #: The retry quota this call's retries took (its success gives it back).
    retry_cost: int
    #: What the planned retry took from the quota until it is sent (given back if the
    #: call ends before that: cancelled, its deadline, the client closed, ...).
    unsent_cost: int
    #: Whether an attempt was re-sent with the server's clock (once a call at most).
    skew_corrected: bool
    #: The credentials the call was waiting for when it ended, if it was.
    credentials: CredentialResolver | None

    def __init__(
        self,
        operation: Operation[Any, Out],
        hooks: Hooks | None = None,
        context: InterceptorContext | None = None,
    ) -> None:
        self.operation = operation
        self.hooks = hooks
        self.context = context
        self.attempt = self.made = self.retry_cost = self.unsent_cost = 0
        self.last_error = self.credentials = None
        self.skew_corrected = False

    def written(self) -> None:
        """The sender wrote the attempt's request: the attempt counts, even if the
        deadline or a cancellation cuts it short now (the server may have it)."""
        self.made = self.attempt

    def failed(self, error: AwsmithError) -> AwsmithError:
        """``error``, made for the current attempt (a response's error, the sender's),
        as its outcome: the attempt counts, and its error is the last one."""
        self.made = self.attempt
        self.last_error = attempt_error(error, self.operation.name, self.attempt)
        return error

    def claim(self, exc: BaseException) -> BaseException:
        """``exc``, which ends the call, as the call raises it (:func:`for_call`: awsmith's
        errors named, with the attempts made and the last attempt's error)."""
        if isinstance(exc, AwsmithError):
            return for_call(exc, self.operation.name, self.made, self.last_error)
        return exc

    def deadline_error(self, deadline: float) -> DeadlineExceededError:
        """The error of a call that ``call_timeout`` cut short: the attempts made, and
        the last failed attempt's error as ``__cause__``; or, when it made none and its
        deadline passed while it waited for credentials, the ``CredentialsError`` of
        their last fetch if that failed (a fetch outlives the calls that wait for it:
        one that fails after their deadlines reaches none of them otherwise)."""
        name = self.operation.name
        error = DeadlineExceededError(f"{name} did not complete within call_timeout={deadline}s")
        error.operation_name = name  # the message names it already
        error.attempts = self.made
        error.__cause__ = self.last_error if self.made else self._credentials_failure()
        return error

    def _credentials_failure(self) -> Exception | None:
        """This call's copy of the failure of the last fetch of the credentials it was
        waiting for, if it was and that failed (other calls end with it too)."""
        credentials = self.credentials
        failure = None if credentials is None else credentials.last_failure()
        return None if failure is None else own_copy(failure)


class _NeedsIO(Exception):
    """Resolving needs file I/O: do it in a worker thread."""


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
_SCOPED_CONFIG: dict[_ConfigKey, dict[str, Any]] = {}
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


def _env_flag(name: str) -> bool | None:
    value = os.environ.get(name)
    if value is None:
        return None
    return value.strip().lower() == "true"


def _creation_stack() -> traceback.StackSummary | None:
    """Where a client is being made (the caller of its constructor), kept only on
    Python 3.11 while tracemalloc traces: a dropped client's ``ResourceWarning`` has the
    client as its ``source``, from which Python's report shows where it was allocated,
    but 3.11's tracemalloc cannot find an object that has a ``__dict__``
    (``get_object_traceback()`` gives None; fixed in 3.12), so the warning says it."""
    if sys.version_info >= (3, 12):
        return None
    import _tracemalloc  # built in: tracemalloc's own module, without its imports

    if not _tracemalloc.is_tracing():
        return None
    import traceback

    # the frames of this function and of BaseClient.__init__ left out
    stack = traceback.extract_stack(limit=_tracemalloc.get_traceback_limit() + 2)[:-2]
    return traceback.StackSummary.from_list(stack)


def _import_httpx_sender() -> None:
    import awsmith._core.transport.httpx_sender  # noqa: F401  # pyright: ignore[reportUnusedImport]


class BaseClient:
    """Shared behaviour of the generated service clients. Not used directly."""

    _service: ServiceInfo

    def __init__(
        self,
        *,
        region: str | None = None,
        endpoint_url: str | None = None,
        credentials: Credentials | CredentialProvider | None = None,
        profile: str | None = None,
        http_client: httpx.AsyncClient | None = None,
        config: Config | None = None,
        interceptors: Sequence[Interceptor] = (),
    ) -> None:
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
        self._region = region
        self._endpoint_url = endpoint_url
        self._profile = profile
        self._http_client = http_client
        self._hooks: Hooks | None = hooks_of(checked_interceptors(interceptors))
        self.config: Config = config if config is not None else Config()
        self._credentials = CredentialResolver(
            credentials, self._botocore_session, environment=profile is None
        )
        self._ready: _Ready | None = None
        self._ready_locks = aio.LoopLocks()
        self._transport = _TransportSettings()
        self._closed = False
        #: The client that owns the connections: this one, or the one this is a
        #: ``with_options`` view of. The owner keeps its views, to close them with it.
        self._root: BaseClient = self
        self._parent: BaseClient | None = None
        #: Every view made from this client, and from its views in turn.
        self._views: weakref.WeakSet[BaseClient] = weakref.WeakSet()
        self._option_cache: dict[tuple[tuple[str, type, Any], ...], tuple[Config, Timeouts]] = {}
        self._quota = RetryQuota()
        self._timeouts = self._timeouts_of(self.config)
        cfg = self.config
        self._user_agent = _USER_AGENT + (f" {cfg.user_agent_extra}" if cfg.user_agent_extra else "")
        self._session: Any = None
        #: The profile's settings, once read (see _scoped_config).
        self._scoped: dict[str, Any] | None = None
        self._endpoint_args: dict[str, Any] = {}
        #: Settled in _prepare (the environment and the profile may say).
        self._max_attempts = DEFAULT_MAX_ATTEMPTS
        self._limiter: AdaptiveRateLimiter | None = None
        self._made_at = _creation_stack()

    @staticmethod
    def _timeouts_of(cfg: Config) -> Timeouts:
        return Timeouts(
            cfg.connect_timeout,
            cfg.read_timeout,
            cfg.max_response_bytes,
            max_head=cfg.max_response_head_bytes,
            max_fields=cfg.max_response_header_fields,
            max_field=cfg.max_response_header_line_bytes,
        )

    def with_options(
        self: ClientT,
        *,
        max_attempts: int | NotGiven = NOT_GIVEN,
        retry_mode: RetryMode | NotGiven = NOT_GIVEN,
        connect_timeout: float | NotGiven = NOT_GIVEN,
        read_timeout: float | NotGiven = NOT_GIVEN,
        call_timeout: float | NotGiven | None = NOT_GIVEN,
    ) -> ClientT:
        """A client of the same type with these settings changed, for some calls::

            await support.with_options(max_attempts=1).create_case(...)

        The view shares this client's connections, credentials, retry quota,
        interceptors and endpoint; making one costs a few microseconds. Closing the
        view closes it and the views made from it, and leaves this client open;
        closing this client closes its views. ``call_timeout=None`` removes a
        deadline; a setting not given keeps this client's.
        """
        if self._closed:
            raise ClientClosedError(f"this {type(self).__name__} is closed")
        # Keyed by each value's type too: True == 1 and 2.0 == 2, and a cache hit must
        # be a value Config checked, not one that only compares equal to it.
        given: tuple[tuple[str, type, Any], ...] = tuple(
            (name, type(value), value)
            for name, value in (
                ("max_attempts", max_attempts),
                ("retry_mode", retry_mode),
                ("connect_timeout", connect_timeout),
                ("read_timeout", read_timeout),
                ("call_timeout", call_timeout),
            )
            if value is not NOT_GIVEN
        )
        # Only values of the types Config takes are looked up: anything else (a list, a
        # dict: unhashable) goes straight to Config, whose error names the option.
        plain = all(kind in _OPTION_VALUE_TYPES for _, kind, _ in given)
        cached = self._option_cache.get(given) if plain else None
        if cached is None:
            for name, _, value in given:
                if value is None and name in ("max_attempts", "retry_mode"):
                    raise ConfigurationError(
                        f"with_options: {name} must be given a value; leave it out to keep "
                        "the client's"
                    )
            import attrs

            # Config's checks and errors
            config = attrs.evolve(self.config, **{name: value for name, _, value in given})
            cached = (config, self._timeouts_of(config))
            if plain:
                if len(self._option_cache) >= _OPTION_CACHE_SIZE:
                    self._option_cache.clear()
                self._option_cache[given] = cached
        view = copy.copy(self)
        view.config, view._timeouts = cached
        view._closed = False
        view._parent = self
        view._views = weakref.WeakSet()
        view._option_cache = {}
        ready = self._ready
        if ready is not None:
            # Settled already: the view's retries follow from its parent's and its own
            # options, with no thread hop.
            if max_attempts is not NOT_GIVEN:
                view._max_attempts = max_attempts  # checked by Config (or a cache hit)
            if retry_mode is not NOT_GIVEN:
                view._limiter = ready.adaptive_limiter() if retry_mode == "adaptive" else None
            view._ready = ready
        else:
            view._ready = None  # its first call settles it (see _prepare_view)
        node: BaseClient | None = self
        while node is not None:
            node._views.add(view)
            node = node._parent
        return view

    # ---------------------------------------------------------------- lifecycle

    async def __aenter__(self: ClientT) -> ClientT:
        await self._prepare()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Releases the connections the client owns, and closes its ``with_options``
        views. A view's ``close`` closes only the view. A caller's ``http_client``
        stays open."""
        self._closed = True
        ready, self._ready = self._ready, None
        for view in list(self._views):
            view._closed = True
            view._ready = None
        if self._root is self and ready is not None:  # the connections are the root's
            await ready.sender.close()

    def __del__(self, _warn: Any = warnings.warn) -> None:
        """Says so when a client is dropped with connections of its own still open, as
        aiohttp's ``ClientSession`` does: a ``ResourceWarning`` naming the class and how
        to close it (``source=``: with tracemalloc on, Python's report shows where the
        client was made), and a message to the event loop's exception handler (logged
        by default, where a ``ResourceWarning`` is not shown).

        Only a client that holds something warns: one that made its connection pool
        (its first call, or ``async with``) and was not closed. Not one never used, nor
        a ``with_options`` view (its client owns the connections, and the view keeps
        that client alive), nor one sending through a caller's ``http_client`` (the
        caller closes that; awsmith holds nothing of it). ``_warn`` is bound when the
        class is made: at interpreter exit, module globals may be gone."""
        state = vars(self)  # __init__ may have stopped early (a ConfigurationError)
        ready = state.get("_ready")
        if (
            ready is None
            or state.get("_closed", True)
            or state.get("_root") is not self
            or state.get("_http_client") is not None
        ):
            return
        name = type(self).__name__
        message = (
            f"unclosed {name} {self!r}: close it with 'await client.close()', or create it "
            f"with 'async with {name}(...) as client:'"
        )
        made_at = state.get("_made_at")
        if made_at is not None:  # Python 3.11 under tracemalloc: see _creation_stack
            message += "; it was made at (most recent call last):\n" + "".join(made_at.format())
        _warn(message, ResourceWarning, source=self)
        loop = getattr(ready.sender, "loop", None)  # awsmith's own sender: asyncio
        if loop is not None:
            loop.call_exception_handler({"message": f"Unclosed {name}", "client": self})

    @property
    def _shared(self) -> _Ready | None:
        return self._ready or self._root._ready

    @property
    def region(self) -> str | None:
        """The region the client sends to (known after the first call or ``async with``)."""
        shared = self._shared
        if shared is not None and shared.default is not None:
            return shared.default[0].signing_region
        return self._region

    @property
    def endpoint(self) -> Endpoint | None:
        """The resolved endpoint (after the first call or ``async with``)."""
        shared = self._shared
        return shared.default[0] if shared and shared.default else None

    def _botocore_session(self) -> Any:
        """Runs in a worker thread: botocore reads the config files here."""
        if self._root is not self:
            return self._root._botocore_session()  # one session per client and its views
        if self._session is None:
            self._session = botocore_session(self._profile)
        return self._session

    async def _prepare(self) -> _Ready:
        ready = self._ready
        if ready is not None:
            return ready
        if self._closed:
            raise ClientClosedError(f"this {type(self).__name__} is closed")
        if self._root is not self:
            return await self._prepare_view()
        async with self._ready_locks.current():
            if self._ready is None:
                default: tuple[Endpoint, SigV4Signer] | None = None
                try:
                    try:
                        # Everything cached in this process (the usual case after the
                        # first client): no thread hop.
                        endpoint = self._resolve_endpoint(allow_io=False)
                    except _NeedsIO:
                        endpoint = await aio.run_in_thread(self._resolve_endpoint)
                    default = (endpoint, SigV4Signer(endpoint.signing_name, endpoint.signing_region))
                except EndpointResolutionError:
                    # The rules may need what each operation adds; if so, every call
                    # resolves with its own parameters (and raises then if still unable).
                    if not (self._service.operation_endpoint_params and self._endpoint_args):
                        raise
                try:
                    # The profile is read only if Config and the environment leave a
                    # setting open, and in a worker thread if it is not cached yet.
                    attempts, mode = self._retry_settings(False)
                except _NeedsIO:
                    attempts, mode = await aio.run_in_thread(self._retry_settings, True)
                self._max_attempts = attempts
                own = self._http_client is None  # else the caller's client, as it is
                on_asyncio = not aio.on_trio()
                transport = _TransportSettings()
                if own:
                    proxies = proxy_settings(self.config.proxies, self.config.trust_env)
                    plain_http = default is not None and default[0].url.startswith("http://")
                    try:
                        # Cached in this process (the usual case): no thread hop.
                        transport = self._transport_settings(proxies, plain_http, False)
                    except _NeedsIO:
                        transport = await aio.run_in_thread(
                            self._transport_settings, proxies, plain_http, True
                        )
                if not (own and on_asyncio) and "httpx" not in sys.modules:
                    # httpx's first import takes ~70 ms: not on the event loop.
                    await aio.run_in_thread(_import_httpx_sender)
                self._transport = transport
                ready = _Ready(
                    default=default,
                    sender=self._make_sender(own and on_asyncio, transport),
                    credentials=self._credentials,
                    endpoint_args=self._endpoint_args,
                )
                self._limiter = ready.adaptive_limiter() if mode == "adaptive" else None
                self._ready = ready
            return self._ready

    async def _prepare_view(self) -> _Ready:
        """A ``with_options`` view: the root's connections and endpoint, its own retry
        settings (from its Config, else as the root reads them)."""
        shared = await self._root._prepare()
        try:
            attempts, mode = self._retry_settings(False)
        except _NeedsIO:
            attempts, mode = await aio.run_in_thread(self._retry_settings, True)
        if self._closed:  # the root was closed meanwhile
            raise ClientClosedError(f"this {type(self).__name__} is closed")
        self._max_attempts = attempts
        self._limiter = shared.adaptive_limiter() if mode == "adaptive" else None
        self._ready = shared
        return shared

    def _retry_settings(self, allow_io: bool) -> tuple[int, RetryMode]:
        cfg = self.config
        return retry_settings(
            cfg.max_attempts, cfg.retry_mode, os.environ, lambda: self._scoped_config(allow_io)
        )

    def _scoped_config(self, allow_io: bool) -> dict[str, Any]:
        """The profile's settings from the AWS config files, as botocore reads them
        when the client (or a view of it) first needs them, and kept by it: a client
        sees the configuration as it is when it starts, as a botocore client does.

        A process-wide cache keyed by what they depend on (:func:`_config_key`: two
        ``stat`` calls) spares a new client the worker thread and the botocore session
        while nothing changed. Without ``allow_io`` it raises ``_NeedsIO`` where the
        files must be read."""
        root = self._root
        scoped = root._scoped
        if scoped is not None:
            return scoped
        key = _config_key(self._profile, os.environ)
        scoped = _SCOPED_CONFIG.get(key)
        if scoped is None:
            if _no_profile_files(key):
                scoped = {}  # what botocore would say, without importing it
            elif not allow_io:
                raise _NeedsIO
            else:
                scoped = self._read_scoped_config(key)
        root._scoped = scoped
        return scoped

    def _read_scoped_config(self, key: _ConfigKey) -> dict[str, Any]:
        """In a worker thread: the scoped config from a botocore session that reads the
        files now, cached under ``key`` if the files did not change while it read."""
        root = self._root
        # The client's own session if it has none yet (its credential chain will use
        # it); one that read the files earlier may hold what they said then.
        session: Any = (
            root._botocore_session() if root._session is None else botocore_session(self._profile)
        )
        scoped: dict[str, Any] = session.get_scoped_config()
        if _config_key(self._profile, os.environ) == key:
            if len(_SCOPED_CONFIG) >= _SCOPED_CONFIG_SIZE:
                _SCOPED_CONFIG.clear()
            _SCOPED_CONFIG[key] = scoped
        return scoped

    def _resolve_endpoint(self, allow_io: bool = True) -> Endpoint:
        """Resolves the endpoint. With ``allow_io`` (in a worker thread) it may read the
        config files and botocore's data; without, it raises ``_NeedsIO`` instead."""
        service = self._service
        cfg = self.config
        region = self._region or os.environ.get("AWS_REGION") or os.environ.get(
            "AWS_DEFAULT_REGION"
        )
        use_fips = cfg.use_fips
        if use_fips is None:
            use_fips = _env_flag("AWS_USE_FIPS_ENDPOINT")
        use_dualstack = cfg.use_dualstack
        if use_dualstack is None:
            use_dualstack = _env_flag("AWS_USE_DUALSTACK_ENDPOINT")
        endpoint_url = self._endpoint_url
        if endpoint_url is None and not _env_flag("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"):
            env_name = "AWS_ENDPOINT_URL_" + service.service_id.upper().replace(" ", "_")
            endpoint_url = os.environ.get(env_name) or os.environ.get("AWS_ENDPOINT_URL")
        if region is None or use_fips is None or use_dualstack is None:
            scoped = self._scoped_config(allow_io)
            region = region or scoped.get("region")
            if use_fips is None:
                use_fips = str(scoped.get("use_fips_endpoint", "false")).lower() == "true"
            if use_dualstack is None:
                use_dualstack = (
                    str(scoped.get("use_dualstack_endpoint", "false")).lower() == "true"
                )
            if endpoint_url is None and self._endpoint_url is None:
                endpoint_url = scoped.get("endpoint_url")
        if not allow_io and not rules_loaded(service.data_name, service.endpoint_rules):
            raise _NeedsIO
        self._endpoint_args = {
            "data_name": service.data_name,
            "endpoint_prefix": service.endpoint_prefix,
            "signing_name": service.signing_name,
            "region": region,
            "use_fips": bool(use_fips),
            "use_dualstack": bool(use_dualstack),
            "endpoint_url": endpoint_url,
            "rules": service.endpoint_rules,
        }
        return resolve_endpoint(**self._endpoint_args)

    def _endpoint_for(
        self, params: tuple[tuple[str, object], ...], ready: _Ready
    ) -> tuple[Endpoint, SigV4Signer]:
        """Endpoint and signer of an operation with its own rule-set parameters. The rule
        set is in memory by now, so this needs no I/O; both are kept per parameter set."""
        found = ready.op_endpoints.get(params)
        if found is None:
            endpoint = resolve_endpoint(**ready.endpoint_args, extra_params=params)
            if ready.default is not None and endpoint == ready.default[0]:
                found = ready.default
            else:
                found = (endpoint, SigV4Signer(endpoint.signing_name, endpoint.signing_region))
            ready.op_endpoints[params] = found
        return found

    def _transport_settings(
        self, proxies: ProxySettings, plain_http: bool, allow_io: bool
    ) -> _TransportSettings:
        """CA bundle, TLS contexts and proxies of the connections the client makes.
        Without ``allow_io`` it raises ``_NeedsIO`` where a file would be read (a CA
        bundle, the AWS config file for the profile's ``ca_bundle``)."""
        cfg = self.config
        verify = cfg.verify_tls
        profile_ca: str | None = None
        if not (cfg.ca_bundle or os.environ.get("AWS_CA_BUNDLE")):
            profile_ca = self._scoped_config(allow_io).get("ca_bundle")
        cafile, source = ca_bundle(cfg.ca_bundle, profile_ca)

        def context(path: str, where: str) -> ssl.SSLContext:
            made = cached_tls_context(verify, path)
            if made is None:
                if not allow_io:
                    raise _NeedsIO
                made = tls_context(verify, path, where)
            return made

        tls = None if plain_http else context(cafile, source)
        proxy_tls = None
        if proxies.uses_tls:
            proxy_tls = (
                context(cfg.proxy_ca_bundle, "Config.proxy_ca_bundle")
                if cfg.proxy_ca_bundle
                else context(cafile, source)
            )
        return _TransportSettings(tls, cafile, proxies, proxy_tls)

    def _make_sender(self, own_http1: bool, transport: _TransportSettings) -> HttpSender:
        """awsmith's own sender (``own_http1``: no caller's client, asyncio); else the
        caller's httpx client, or one awsmith makes (trio), both with ``transport``."""
        cfg = self.config
        if own_http1:
            return Http1Sender(
                max_connections=cfg.max_pool_connections,
                verify_tls=cfg.verify_tls,
                tls=transport.tls,
                idle_timeout=cfg.pool_idle_timeout,
                ca_file=transport.ca_file,
                proxies=transport.proxies,
                proxy_tls=transport.proxy_tls,
            )
        from awsmith._core.transport.httpx_sender import (  # imported off the loop
            HttpxSender,
            owned_client,
        )

        if self._http_client is not None:
            return HttpxSender(self._http_client, owned=False)
        return HttpxSender(
            owned_client(
                verify=transport.tls if transport.tls is not None else cfg.verify_tls,
                max_connections=cfg.max_pool_connections,
                proxies=transport.proxies,
                proxy_tls=transport.proxy_tls,
            ),
            owned=True,
        )

    def _rebind(self, ready: _Ready, sender: Http1Sender) -> None:
        """The client's connections belong to another event loop. If that loop is
        closed (a script calling ``asyncio.run()`` twice with one client), they are
        dropped and a new pool serves the running loop; a loop still running elsewhere
        keeps its connections, and this call is refused."""
        if not sender.loop.is_closed():
            raise ConfigurationError(
                f"this {type(self).__name__} is in use on another event loop that is still "
                "running: create one client per event loop"
            )
        sender.abandon()
        root = self._root  # its settings made the connections (a view's are a copy)
        ready.sender = root._make_sender(True, root._transport)

    async def _transfer(self) -> tuple[HttpSender, Timeouts]:
        """The sender and limits of this client's calls (its connection pool, proxies,
        TLS settings and timeouts), made ready as for a call, for a transfer to a
        presigned URL through ``HttpSender.stream`` (the attachment helpers of the
        Support client). ``Timeouts.max_body`` does not apply to a streamed body."""
        ready = self._ready or await self._prepare()
        if self._closed:
            raise ClientClosedError(f"this {type(self).__name__} is closed")
        sender = ready.sender
        if type(sender) is Http1Sender and sender.loop is not _running_loop(self):
            self._rebind(ready, sender)
        return ready.sender, self._timeouts

    # ---------------------------------------------------------------- calls

    async def _invoke(self, operation: Operation[In, Out], request: In) -> Out:
        hooks = self._hooks
        if hooks is not None:
            context = InterceptorContext(operation.name, self._service.service_id, request)
            return await self._intercepted(_Call(operation, hooks, context), request)
        try:
            return await self._call(_Call(operation), request)
        except AwsmithError as exc:  # a try costs nothing until something is raised
            # Named here if raised before any attempt (the attempts name theirs).
            raise_as_is(for_call(exc, operation.name))

    async def _intercepted(self, call: _Call[Out], request: Any) -> Out:
        """A call with interceptors (smithy-python's ``_handle_execution`` and
        ``_finalize_execution``): ``read_before_execution``, the call (whose attempts run
        the per-attempt hooks), then ``modify_before_completion`` and
        ``read_after_execution``. An exception is claimed by the call
        (:meth:`_Call.claim`) before any hook sees it; see
        :mod:`awsmith._core.interceptors` for the order and the error rules."""
        hooks, context = call.hooks, call.context
        assert hooks is not None and context is not None
        outcome: Any
        try:
            run_each(hooks.read_before_execution, "read_before_execution", context)
            outcome = await self._call(call, request)
        except BaseException as exc:  # cancellation too: the completion hooks must run
            outcome = call.claim(exc)
        context.response = outcome
        cancelled = isinstance(outcome, BaseException) and not isinstance(outcome, Exception)
        if not cancelled:  # a cancelled call stays cancelled: nothing to modify
            try:
                for hook in hooks.modify_before_completion:
                    context.response = hook.modify_before_completion(context)
            except Exception as exc:  # a modify_* stage stops at its first exception
                context.response = exc
            if isinstance(context.response, BaseException):  # raised, or returned
                context.response = call.claim(context.response)
        try:
            run_each(hooks.read_after_execution, "read_after_execution", context)
        except Exception as exc:
            if cancelled:
                raise outcome from exc
            context.response = call.claim(exc)
        if cancelled:
            raise outcome
        if isinstance(context.response, BaseException):
            raise_as_is(context.response)
        return context.response  # type: ignore[no-any-return]  # the operation's output, or a hook's replacement

    async def _call(self, call: _Call[Out], request: Any) -> Out:
        """Validates and serializes the request and settles where it goes, then runs its
        attempts (within ``call_timeout``, if set)."""
        operation = call.operation
        operation.validate(request)
        serialized = operation.serialize(request)
        if operation.compress_request and not self.config.disable_request_compression:
            serialized = gzip_request(serialized, self.config.request_min_compression_size_bytes)
        ready = self._ready or await self._prepare()
        if self._closed:
            raise ClientClosedError(f"this {type(self).__name__} is closed")
        sender = ready.sender
        if type(sender) is Http1Sender and sender.loop is not _running_loop(self):
            self._rebind(ready, sender)
        default = ready.default
        if operation.endpoint_params or default is None:
            endpoint, signer = self._endpoint_for(operation.endpoint_params, ready)
        else:
            endpoint, signer = default
        host = endpoint.host
        origin, base_path = split_endpoint(endpoint.url)
        # The path sent is the path signed: an endpoint_url's own path included.
        path = join_path(base_path, serialized.path) if base_path else serialized.path
        if serialized.host_prefix:
            host = serialized.host_prefix + host
            scheme, _, authority = origin.partition("://")
            origin = f"{scheme}://{serialized.host_prefix}{authority}"
        url = origin + path
        encoded_query = encode_query(serialized.query) if serialized.query else []
        if encoded_query:
            url += "?" + render_query(encoded_query)
        call.serialized = serialized
        call.ready = ready
        call.signer = signer
        call.host = host
        call.path = path
        call.url = url
        call.encoded_query = encoded_query
        call.payload_hash = payload_sha256(serialized.body)
        call.invocation_id = invocation_id()
        call.debug = _log.isEnabledFor(logging.DEBUG)
        deadline = self.config.call_timeout
        try:
            if deadline is None:
                return await self._attempts(call)
            return await aio.within(
                deadline, self._attempts(call), lambda: call.deadline_error(deadline)
            )
        except BaseException:
            self._give_back_unsent(call)
            raise

    def _give_back_unsent(self, call: _Call[Any]) -> None:
        """A call that ended before sending the retry it planned (cancelled or cut by
        its deadline during the backoff or the wait for a token, the client closed,
        credentials failed) gives back what that retry took: the quota pays for
        retries sent, and calls abandoned mid-backoff would otherwise drain it."""
        if call.unsent_cost:
            self._quota.release(call.unsent_cost)
            call.unsent_cost = 0

    async def _attempts(self, call: _Call[Out]) -> Out:
        """The attempts of a call and the backoffs between them (smithy-python's
        ``_retry``, ``_handle_attempt`` and ``_finalize_attempt``).

        An attempt: :meth:`_start_attempt`, credentials (and the adaptive limiter's
        token), :meth:`_sign`, the sender, :meth:`_handle_response` (or
        :meth:`_transport_failed`), then :meth:`_finish_attempt`. Its outcome is the
        operation's output, or an error :meth:`_retry_delay` retries or raises. Any other
        exception (a hook's, the credentials', a cancellation) ends the attempt and the
        call (:meth:`_cut_short`).
        """
        ready = call.ready
        limiter = self._limiter
        while True:
            headers = self._start_attempt(call)
            response: HttpResponse | None = None
            outcome: Out | AwsmithError
            try:
                try:
                    credentials = await ready.credentials.get()
                except BaseException:
                    call.credentials = ready.credentials  # for call.deadline_error
                    raise
                if limiter is not None:
                    await limiter.acquire()
                headers, body = self._sign(call, credentials, headers)
                if call.debug:
                    call.started = time.monotonic()
                call.unsent_cost = 0  # the retry is sent: its cost is spent
                try:
                    response = await ready.sender.send(
                        call.serialized.method,
                        call.url,
                        headers,
                        body,
                        self._timeouts,
                        resend=call.operation.resend_safe,
                        written=call.written,
                    )
                except AwsmithError as exc:
                    outcome = self._transport_failed(call, exc)
                else:
                    outcome = self._handle_response(call, response)
            except BaseException as exc:
                raise_as_is(self._cut_short(call, exc))
            if call.hooks is not None:
                self._finish_attempt(call, outcome)
            if not isinstance(outcome, AwsmithError):
                return outcome
            delay = self._retry_delay(call, outcome, response)
            if delay is None:
                raise outcome
            if delay:
                await aio.sleep(delay)

    def _start_attempt(self, call: _Call[Any]) -> dict[str, str]:
        """The next attempt: its number, and the headers it signs (the request's, and
        the invocation headers botocore sends, signed too). The hooks get a request of
        its own: what a hook added to one attempt is not carried into the next. Refused
        if the client was closed meanwhile (during a backoff, say)."""
        if self._closed:
            raise call.claim(ClientClosedError(f"this {type(self).__name__} is closed"))
        call.attempt = attempt = call.attempt + 1
        serialized = call.serialized
        headers = {
            **serialized.headers,
            "amz-sdk-invocation-id": call.invocation_id,
            "amz-sdk-request": f"attempt={attempt}; max={self._max_attempts}",
        }
        context = call.context
        if context is not None:
            context.attempt = attempt
            context.transport_response = context.response = None
            context.transport_request = TransportRequest(
                serialized.method, call.url, headers, serialized.body
            )
        return headers

    def _sign(
        self, call: _Call[Any], credentials: Credentials, headers: dict[str, str]
    ) -> tuple[dict[str, str], bytes]:
        """The attempt's headers as sent, and its body: ``modify_before_signing`` (the
        headers botocore never signs set aside), SigV4, the sender's headers, then
        ``read_before_transmit`` with a copy (what a hook is shown cannot change what
        is sent)."""
        serialized = call.serialized
        body = serialized.body
        body_hash = call.payload_hash
        accept_encoding = "Accept-Encoding" in headers
        unsigned: dict[str, str] | None = None
        hooks, context = call.hooks, call.context
        if hooks is not None and hooks.modify_before_signing:
            assert context is not None
            modified = modified_request(hooks.modify_before_signing, context)
            headers, unsigned = split_unsigned(modified.headers)
            accept_encoding = any(name.lower() == "accept-encoding" for name in modified.headers)
            if modified.body is not body:
                body = modified.body
                body_hash = payload_sha256(body)
        offset = call.ready.clock_offset
        auth = call.signer.sign(
            method=serialized.method,
            host=call.host,
            path=call.path,
            query=serialized.query,
            headers=headers,
            body=body,
            credentials=credentials,
            encoded_query=call.encoded_query,
            payload_hash=body_hash,
            now=datetime.now(UTC) + offset if offset else None,
        )
        sent = {**headers, **auth, "User-Agent": self._user_agent}
        if unsigned:
            sent.update(unsigned)
        if not accept_encoding:
            # Bodies are read raw: with no Accept-Encoding any coding is acceptable (RFC
            # 9110 section 12.5.3), and a compressing proxy's gzip would then be
            # unparseable. botocore (through urllib3) sends the same.
            sent["Accept-Encoding"] = "identity"
        if hooks is not None:
            assert context is not None
            context.transport_request = TransportRequest(
                serialized.method, call.url, dict(sent), body
            )
            run_each(hooks.read_before_transmit, "read_before_transmit", context)
        return sent, body

    def _transport_failed(self, call: _Call[Any], error: AwsmithError) -> AwsmithError:
        """An attempt the sender could not complete: its error is the outcome."""
        if call.debug:
            self._log_attempt(call, None, error)
        return call.failed(error)

    def _handle_response(self, call: _Call[Out], response: HttpResponse) -> Out | AwsmithError:
        """An attempt's response: ``read_after_transmit``, then the outcome, a 2xx
        one's output with its metadata (a :class:`ResponseParseError` if it cannot be
        read), else the error it carries."""
        call.made = call.attempt
        if call.debug:
            self._log_attempt(call, response, None)
        hooks, context = call.hooks, call.context
        if hooks is not None:
            assert context is not None
            context.transport_response = response
            run_each(hooks.read_after_transmit, "read_after_transmit", context)
        if response.status >= 300:
            service = self._service
            return call.failed(service.build_error(response, service.errors, service.base_error))
        self._quota.release(call.retry_cost or 1)
        if self._limiter is not None:
            self._limiter.record(throttled=False)
        operation = call.operation
        try:
            result = operation.parse(response)
        except ResponseParseError as exc:
            return call.failed(_unreadable(operation, response, exc))
        if result is not None:  # every generated response has the attribute
            result.response_metadata = ResponseMetadata(  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue]
                request_id=request_id_of(response.headers),
                status_code=response.status,
                headers=read_only(response.headers),
                attempts=call.attempt,
            )
        return result

    @staticmethod
    def _finish_attempt(call: _Call[Out], outcome: Out | AwsmithError) -> None:
        """``read_after_attempt`` of an attempt that has an outcome. An exception it
        raises ends the call, after the attempt (the call claims it)."""
        hooks, context = call.hooks, call.context
        assert hooks is not None and context is not None
        context.response = outcome
        run_each(hooks.read_after_attempt, "read_after_attempt", context)

    @staticmethod
    def _cut_short(call: _Call[Any], exc: BaseException) -> BaseException:
        """An attempt ended by an exception that is not its outcome (a hook's, the
        credentials', a cancellation), which ends the call: that exception as the call
        raises it, once ``read_after_attempt`` has seen it (every attempt that started
        gets it, so what an interceptor opened for the attempt is closed). An exception
        of that hook replaces it, but not a cancellation: the call stays cancelled, and
        the hook's exception is logged."""
        failure = call.claim(exc)
        hooks, context = call.hooks, call.context
        if hooks is None or context is None:
            return failure
        context.response = failure
        try:
            run_each(hooks.read_after_attempt, "read_after_attempt", context)
        except Exception as hook_error:
            if isinstance(failure, Exception):
                return call.claim(hook_error)
            _log.warning(
                "%s: read_after_attempt of a cancelled attempt raised %s (the call stays "
                "cancelled)", call.operation.name, type(hook_error).__name__,
            )
        return failure

    def _retry_delay(
        self, call: _Call[Any], error: AwsmithError, response: HttpResponse | None
    ) -> float | None:
        """After an attempt's ``error``: None to raise it, 0 to send again at once (a
        clock-skew correction), else the backoff before the next attempt (smithy-python's
        ``refresh_retry_token_for_retry``)."""
        if self._limiter is not None and (response is None or response.status >= 300):
            # (a 2xx whose body could not be read was recorded by _handle_response)
            self._limiter.record(throttled=is_throttling(error))
        # The server's clock is learnt even when no attempt is left, for the next call;
        # a re-send with it is an attempt like any other.
        skewed = response is not None and not call.skew_corrected and (
            self._correct_skew(error, response, call.ready)
        )
        if call.attempt >= self._max_attempts or not (skewed or is_retryable(error)):
            return None
        if skewed:
            call.skew_corrected = True  # re-signed with the server's clock: once, at once
            return 0.0
        cfg = self.config
        planned = plan_retry(
            self._quota, error, response, call.attempt, cfg.base_backoff, cfg.max_backoff
        )
        name = call.operation.name
        if planned is None:
            _log.warning(
                "%s: the retry quota is exhausted (the service is failing broadly): not "
                "retrying %s after attempt %d", name, _outcome(error), call.attempt,
            )
            return None
        call.retry_cost, delay = planned  # a success gives back the last retry's cost
        call.unsent_cost = call.retry_cost  # and a call ended before sending it, too
        if call.debug:
            _log.debug("%s: retrying after %s in %.3f s", name, _outcome(error), delay)
        return delay

    def _log_attempt(
        self, call: _Call[Any], response: HttpResponse | None, error: AwsmithError | None
    ) -> None:
        elapsed = (time.monotonic() - call.started) * 1000
        if response is not None:
            outcome = f"HTTP {response.status}"
            request_id = request_id_of(response.headers)
        else:
            assert error is not None
            outcome = type(error).__name__
            request_id = getattr(error, "request_id", None)
        _log.debug(
            "%s attempt %d/%d: %s, request id %s, %.1f ms",
            call.operation.name,
            call.attempt,
            self._max_attempts,
            outcome,
            request_id,
            elapsed,
        )

    def _correct_skew(self, error: AwsmithError, response: HttpResponse, ready: _Ready) -> bool:
        """For a signature rejected as too old/new: adopts the server's clock from its
        Date header and says to retry. False if that would not help."""
        if not isinstance(error, ServiceError) or error.code not in CLOCK_SKEW_CODES:
            return False
        date = response.headers.get("Date")
        if not date:
            return False
        from email.utils import parsedate_to_datetime  # only after a clock-skew error

        try:
            server_now = parsedate_to_datetime(date)
        except (TypeError, ValueError, IndexError):
            return False
        if server_now.tzinfo is None:
            server_now = server_now.replace(tzinfo=UTC)
        offset = server_now - datetime.now(UTC)
        if abs(offset - ready.clock_offset) < SKEW_TOLERANCE:
            return False
        ready.clock_offset = offset
        return True


def _unreadable(
    operation: Operation[Any, Any], response: HttpResponse, exc: ResponseParseError
) -> ResponseParseError:
    """A 2xx response the parser refused, as the attempt's error: with its status,
    request id and the start of its body."""
    return ResponseParseError(
        exc.detail,
        status_code=response.status,
        request_id=request_id_of(response.headers),
        # a response that carries secrets (STS credentials) is never quoted
        body_excerpt=b"" if operation.sensitive_response else response.body[:200],
    )
