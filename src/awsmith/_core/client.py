"""The base of every generated client: configuration, lifecycle and the call pipeline.

``invoke`` runs validate -> serialize -> (endpoint, credentials) -> sign -> send ->
retry -> parse. Generated clients only add one typed method per operation.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import sys
import time
import warnings
import weakref
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from awsmith._core import aio
from awsmith._core.adaptive import AdaptiveRateLimiter
from awsmith._core.compression import gzip_request
from awsmith._core.config import DEFAULT_MAX_ATTEMPTS, NOT_GIVEN, Config, NotGiven, RetryMode
from awsmith._core.credentials import CredentialProvider, CredentialResolver, Credentials
from awsmith._core.endpoints import (
    Endpoint,
    join_path,
    resolve_endpoint,
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
    modified_request,
    run_each,
    split_unsigned,
)
from awsmith._core.metadata import ResponseMetadata, read_only
from awsmith._core.operation import Operation, SerializedRequest, ServiceInfo, uuid4_text
from awsmith._core.retry import RetryQuota, is_retryable, is_throttling, plan_retry
from awsmith._core.settings import (
    ClientSettings,
    Profile,
    TransportSettings,
    endpoint_args,
    off_loop,
    proxy_settings,
    retry_settings,
    transport_settings,
)
from awsmith._core.signing import (
    QueryItem,
    SigV4Signer,
    encode_query,
    payload_sha256,
    render_query,
)
from awsmith._core.transport.http import HttpResponse, HttpSender, Timeouts, request_id_of
from awsmith._core.transport.http1 import Http1Sender

if TYPE_CHECKING:
    import traceback

    import httpx
    from attrs import define, field
else:
    from awsmith._core.lazyclass import define, field

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

class ClientClosedError(AwsmithError):
    """The client was closed; create a new one."""


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
        self.attempt = self.made = self.retry_cost = 0
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


class _Shared:
    """What a client shares with every ``with_options`` view made from it (and from its
    views): made once, by the client's constructor, and never copied."""

    __slots__ = ("credentials", "profile", "quota", "ready_locks", "transport")

    def __init__(self, credentials: CredentialResolver, profile: Profile) -> None:
        self.credentials = credentials
        self.profile = profile
        #: The retry quota: a service failing broadly stops the retries of every view.
        self.quota = RetryQuota()
        #: One resolution of the endpoint and connections at a time, per event loop.
        self.ready_locks = aio.LoopLocks()
        #: What the client's own connections are made with (settled in _prepare; kept
        #: to make them again on another event loop, see BaseClient._rebind).
        self.transport = TransportSettings()


class BaseClient:
    """Shared behaviour of the generated service clients. Not used directly.

    Where things are: this module is the public base class (construction,
    ``with_options``, lifecycle, the views); :mod:`awsmith._core.settings` turns the
    arguments, the environment and the profile into the client's configuration; the
    call pipeline (validate, serialize, sign, send, retry, parse) is below, under
    "calls". Generated clients only add one typed method per operation.
    """

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
        """Makes a client; nothing is read or connected until its first call (or
        ``async with``). Every argument is keyword-only and optional.

        Args:
            region: The AWS region. Else ``AWS_REGION``, ``AWS_DEFAULT_REGION``, the
                profile's ``region``.
            endpoint_url: A custom endpoint (a local server, a VPC endpoint). Else
                ``AWS_ENDPOINT_URL_<SERVICE>``, ``AWS_ENDPOINT_URL``, the profile's
                ``endpoint_url`` (unless ``AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true``),
                else the service's endpoint rules.
            credentials: A :class:`Credentials`, or an async callable returning them
                (a :class:`CredentialProvider`, refreshed before they expire). Else
                botocore's credential chain for the profile.
            profile: The profile of the AWS config and credentials files. Else
                ``AWS_PROFILE`` / ``AWS_DEFAULT_PROFILE``, else ``default``.
            http_client: An ``httpx.AsyncClient`` the caller owns, to send through
                (awsmith never closes it). Else awsmith's own connection pool.
            config: Retries, timeouts, limits, TLS, proxies (:class:`Config`).
            interceptors: :class:`Interceptor` objects, run in this order at each stage
                of every call (:mod:`awsmith._core.interceptors`).

        Raises:
            ConfigurationError: an argument of the wrong type, naming it.
        """
        settings = ClientSettings.checked(
            region, endpoint_url, profile, http_client, config, interceptors
        )
        chosen = Profile(profile)
        resolver = CredentialResolver(credentials, chosen.session, environment=profile is None)
        self._start(settings, _Shared(resolver, chosen), None)
        self._made_at = _creation_stack()

    def _start(self, settings: ClientSettings, shared: _Shared, parent: BaseClient | None) -> None:
        """Sets every attribute a client has, for a new client (``parent`` None) and for
        a ``with_options`` view of ``parent`` alike: the one place that decides, for
        each, whether a view shares it or has its own. A new attribute goes here."""
        # From its settings record (a view's has its own Config), one attribute each
        # for what every call reads.
        self._settings = settings
        self.config: Config = settings.config
        self._timeouts = settings.timeouts
        self._user_agent = settings.user_agent
        self._hooks = settings.hooks
        # Shared: the root's collaborators, and the root, which owns the connections.
        self._shared = shared
        self._credentials = shared.credentials
        self._quota = shared.quota
        self._root: BaseClient = self if parent is None else parent._root
        # Its own.
        self._parent = parent
        self._closed = False
        #: Every view made from this client, and from its views in turn (closed with it).
        self._views: weakref.WeakSet[BaseClient] = weakref.WeakSet()
        self._option_cache: dict[tuple[tuple[str, type, Any], ...], ClientSettings] = {}
        #: The endpoint and connections (a view's are its root's), once resolved.
        self._ready: _Ready | None = None
        #: Settled in _prepare (the environment and the profile may say).
        self._max_attempts = DEFAULT_MAX_ATTEMPTS
        self._limiter: AdaptiveRateLimiter | None = None

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
        view = object.__new__(type(self))
        view._start(self._view_settings(given), self._shared, self)
        ready = self._ready
        if ready is not None:
            # Settled already: the view's retries follow from its parent's and its own
            # options, with no thread hop.
            view._max_attempts = (
                self._max_attempts if max_attempts is NOT_GIVEN else max_attempts
            )  # checked by Config (or a cache hit)
            if retry_mode is NOT_GIVEN:
                view._limiter = self._limiter
            elif retry_mode == "adaptive":
                view._limiter = ready.adaptive_limiter()
            view._ready = ready
        # else its first call settles it (see _prepare_view)
        node: BaseClient | None = self
        while node is not None:
            node._views.add(view)
            node = node._parent
        return view

    def _view_settings(self, given: tuple[tuple[str, type, Any], ...]) -> ClientSettings:
        """The settings record of a view with the options ``given`` (name, type, value),
        from a per-client cache: views made with the same options share one Config
        (checking a Config's every field costs ~50 us)."""
        # Only values of the types Config takes are looked up: anything else (a list, a
        # dict: unhashable) goes straight to Config, whose error names the option.
        plain = all(kind in _OPTION_VALUE_TYPES for _, kind, _ in given)
        cached = self._option_cache.get(given) if plain else None
        if cached is not None:
            return cached
        for name, _, value in given:
            if value is None and name in ("max_attempts", "retry_mode"):
                raise ConfigurationError(
                    f"with_options: {name} must be given a value; leave it out to keep "
                    "the client's"
                )
        import attrs

        # Config's checks and errors
        config = attrs.evolve(self.config, **{name: value for name, _, value in given})
        made = self._settings.with_config(config)
        if plain:
            if len(self._option_cache) >= _OPTION_CACHE_SIZE:
                self._option_cache.clear()
            self._option_cache[given] = made
        return made

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
        settings = state.get("_settings")
        if (
            ready is None
            or state.get("_closed", True)
            or state.get("_root") is not self
            or settings is None
            or settings.http_client is not None
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
    def _resolved(self) -> _Ready | None:
        return self._ready or self._root._ready

    @property
    def region(self) -> str | None:
        """The region the client sends to (known after the first call or ``async with``)."""
        resolved = self._resolved
        if resolved is not None and resolved.default is not None:
            return resolved.default[0].signing_region
        return self._settings.region

    @property
    def endpoint(self) -> Endpoint | None:
        """The resolved endpoint (after the first call or ``async with``)."""
        resolved = self._resolved
        return resolved.default[0] if resolved and resolved.default else None

    async def _prepare(self) -> _Ready:
        """The client's endpoint, connections and retry settings, resolved at its first
        call (or ``async with``) and kept."""
        ready = self._ready
        if ready is not None:
            return ready
        if self._closed:
            raise ClientClosedError(f"this {type(self).__name__} is closed")
        if self._root is not self:
            return await self._prepare_view()
        async with self._shared.ready_locks.current():
            if self._ready is None:
                self._ready = await self._resolve()
            return self._ready

    async def _resolve(self) -> _Ready:
        """What :meth:`_prepare` settles, each part off the event loop only if it must
        read a file (:func:`off_loop`)."""
        settings, shared = self._settings, self._shared
        args = await off_loop(partial(endpoint_args, self._service, settings, shared.profile))
        default: tuple[Endpoint, SigV4Signer] | None = None
        try:
            endpoint = resolve_endpoint(**args)
            default = (endpoint, SigV4Signer(endpoint.signing_name, endpoint.signing_region))
        except EndpointResolutionError:
            # The rules may need what each operation adds; if so, every call resolves
            # with its own parameters (and raises then if still unable).
            if not self._service.operation_endpoint_params:
                raise
        attempts, mode = await off_loop(self._retry_settings)
        own = settings.http_client is None  # else the caller's client, as it is
        on_asyncio = not aio.on_trio()
        if own:
            proxies = proxy_settings(self.config.proxies, self.config.trust_env)
            plain_http = default is not None and default[0].url.startswith("http://")
            shared.transport = await off_loop(
                partial(transport_settings, self.config, proxies, plain_http, shared.profile)
            )
        if not (own and on_asyncio) and "httpx" not in sys.modules:
            # httpx's first import takes ~70 ms: not on the event loop.
            await aio.run_in_thread(_import_httpx_sender)
        ready = _Ready(
            default=default,
            sender=self._make_sender(own and on_asyncio, shared.transport),
            credentials=self._credentials,
            endpoint_args=args,
        )
        self._max_attempts = attempts
        self._limiter = ready.adaptive_limiter() if mode == "adaptive" else None
        return ready

    async def _prepare_view(self) -> _Ready:
        """A ``with_options`` view: the root's connections and endpoint, its own retry
        settings (from its Config, else as the root reads them)."""
        resolved = await self._root._prepare()
        attempts, mode = await off_loop(self._retry_settings)
        if self._closed:  # the root was closed meanwhile
            raise ClientClosedError(f"this {type(self).__name__} is closed")
        self._max_attempts = attempts
        self._limiter = resolved.adaptive_limiter() if mode == "adaptive" else None
        self._ready = resolved
        return resolved

    def _retry_settings(self, allow_io: bool) -> tuple[int, RetryMode]:
        cfg = self.config
        return retry_settings(
            cfg.max_attempts, cfg.retry_mode, os.environ, self._shared.profile.reader(allow_io)
        )

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

    def _make_sender(self, own_http1: bool, transport: TransportSettings) -> HttpSender:
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

        http_client = self._settings.http_client
        if http_client is not None:
            return HttpxSender(http_client, owned=False)
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
        root = self._root  # its settings made the connections (a view's differ)
        ready.sender = root._make_sender(True, self._shared.transport)

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
        if deadline is None:
            return await self._attempts(call)
        return await aio.within(
            deadline, self._attempts(call), lambda: call.deadline_error(deadline)
        )

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
        if self._limiter is not None:
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
