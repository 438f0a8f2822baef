"""The public base of every generated client: construction, ``with_options``, lifecycle.

A client is made from its arguments (checked into a :class:`ClientSettings` record) and
resolves the rest at its first call: :mod:`awsmith._core.settings` reads the
environment and the profile. The call itself (validate, serialize, sign, send, retry,
parse) is :mod:`awsmith._core.pipeline`, the base class of :class:`BaseClient`.
Generated clients only add one typed method per operation, which calls ``_invoke``.
"""

from __future__ import annotations

import os
import sys
import warnings
import weakref
from collections.abc import Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from awsmith._core import aio
from awsmith._core.adaptive import AdaptiveRateLimiter
from awsmith._core.call import Ready
from awsmith._core.config import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_ATTEMPTS,
    NOT_GIVEN,
    Config,
    NotGiven,
    RetryMode,
)
from awsmith._core.credentials import CredentialProvider, CredentialResolver, Credentials
from awsmith._core.endpoint_settings import endpoint_args
from awsmith._core.endpoints import Endpoint, resolve_endpoint
from awsmith._core.errors import ClientClosedError, ConfigurationError, EndpointResolutionError
from awsmith._core.interceptors import Interceptor
from awsmith._core.operation import ServiceInfo
from awsmith._core.pipeline import CallPipeline, Invoke
from awsmith._core.retry import RetryQuota
from awsmith._core.settings import (
    ClientSettings,
    Profile,
    TransportSettings,
    off_loop,
    proxy_settings,
    timeouts_of,
    transport_settings,
)
from awsmith._core.settled import Settled, mode_connect_timeout, settle
from awsmith._core.signing import SigV4Signer
from awsmith._core.transport.http import HttpSender, Timeouts
from awsmith._core.transport.http1 import ConnectionPool
from awsmith._core.useragent import user_agent

if TYPE_CHECKING:
    import traceback

    import httpx

#: The type of the client a method returns (``with_options``, ``async with ... as``),
#: bound on ``self`` as httpx types its ``__aenter__``. Not ``typing.Self``: mypy and
#: pyright read both the same, but jedi (IPython, Jupyter, jedi-language-server)
#: resolves ``Self`` to BaseClient, so after ``async with SupportClient() as c:`` it
#: completed ``c.`` with no operation.
ClientT = TypeVar("ClientT", bound="BaseClient")

#: Views made with the same options share one Config (checking a Config's every field
#: costs ~50 us); at most this many option sets are kept per client.
_OPTION_CACHE_SIZE = 64
#: The types of the values ``with_options`` takes (``bool`` is one, and Config refuses
#: it): only such values are looked up in the cache, so that an unhashable one is
#: Config's to refuse with a ConfigurationError naming the option.
_OPTION_VALUE_TYPES = frozenset({int, float, str, bool, type(None)})


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

    __slots__ = (
        "connect_timeout",
        "credentials",
        "profile",
        "quota",
        "ready_locks",
        "settled",
        "transport",
    )

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
        #: What the client read from its Config, the environment and the profile at
        #: its first call (a view's retries are its own), and the connect timeout of
        #: its defaults mode, for a Config that gives none.
        self.settled: Settled | None = None
        self.connect_timeout = DEFAULT_CONNECT_TIMEOUT


class BaseClient(CallPipeline):
    """Shared behaviour of the generated service clients. Not used directly.

    Where things are: this module is the public base class (construction,
    ``with_options``, lifecycle, the views); :mod:`awsmith._core.settings` turns the
    arguments, the environment and the profile into the client's configuration; the
    call pipeline (validate, serialize, sign, send, retry, parse) is the base class
    :class:`~awsmith._core.pipeline.CallPipeline`. Generated clients only add one typed
    method per operation.
    """

    _service: ServiceInfo
    #: Model operation name -> method name, emitted by the generator in each client.
    _operation_methods: ClassVar[Mapping[str, str]] = {}

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
        chosen = Profile(settings.profile)
        resolver = CredentialResolver(
            credentials, chosen.session, environment=settings.profile is None
        )
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
        self._user_agent = ""  # settled at the first call (_adopt), before any request
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
        self._ready: Ready | None = None
        #: Settled in _prepare (the environment and the profile may say).
        self._max_attempts = DEFAULT_MAX_ATTEMPTS
        self._limiter: AdaptiveRateLimiter | None = None
        #: Request compression: (disabled, minimum size), settled in _prepare.
        self._compression = (False, 0)
        # Inherited: a view made while a test routes its parent's calls is routed too.
        self._stub = None if parent is None else parent._stub

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
            # Settled already: ready at once, with no thread hop.
            view._take_retries(ready)
            view._adopt()
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
            if value is None and name in ("max_attempts", "retry_mode", "connect_timeout"):
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

    def _route_calls(self, handler: Invoke | None) -> Invoke | None:
        """The seam of :class:`awsmith.testing.Stubber`: the calls of this client and of
        its ``with_options`` views (those made before, and those made while it is set)
        go to ``handler`` instead of the call pipeline; None gives them back to the
        pipeline. Returns what this client's calls went to before (to restore it)."""
        previous = self._stub
        for client in (self, *self._views):
            client._stub = handler
        return previous

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
    def _resolved(self) -> Ready | None:
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

    async def _prepare(self) -> Ready:
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

    async def _resolve(self) -> Ready:
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
        settled, shared.connect_timeout = await off_loop(partial(self._settle, args["region"]))
        shared.settled = settled
        self._adopt()
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
        ready = Ready(
            default=default,
            sender=self._make_sender(own and on_asyncio, shared.transport),
            credentials=self._credentials,
            endpoint_args=args,
        )
        self._take_retries(ready)
        return ready

    async def _prepare_view(self) -> Ready:
        """A ``with_options`` view: the root's connections and endpoint, its own retry
        settings (from its Config, else the ones the root settled at its first call:
        the environment and profile as they were then, whenever the view was made)."""
        resolved = await self._root._prepare()
        if self._closed:  # the root was closed meanwhile
            raise ClientClosedError(f"this {type(self).__name__} is closed")
        self._take_retries(resolved)
        self._adopt()
        self._ready = resolved
        return resolved

    def _take_retries(self, ready: Ready) -> None:
        """The attempts and rate limiter of the client or a view, the one place they are
        decided: its Config's, else what the client settled at its first call (the
        environment and profile as they were then, whenever a view was made). A view's
        Config is its root's with the options given, so a value set there was given to
        the view, a view between, or the root. Adaptive clients and views share the
        client's one limiter."""
        settled, cfg = self._shared.settled, self.config
        assert settled is not None
        mode = settled.retry_mode if cfg.retry_mode is None else cfg.retry_mode
        self._max_attempts = settled.max_attempts if cfg.max_attempts is None else cfg.max_attempts
        self._limiter = ready.adaptive_limiter() if mode == "adaptive" else None

    def _settle(self, region: str | None, allow_io: bool) -> tuple[Settled, float]:
        """The client's settings from its Config, the environment and the profile, and
        its defaults mode's connect timeout (``auto`` compares ``region`` with where it
        runs). Without ``allow_io`` it raises ``NeedsIO`` where a file or instance
        metadata must be read."""
        profile = self._shared.profile
        settled = settle(self.config, profile.reader(allow_io))
        connect = mode_connect_timeout(settled.defaults_mode, region, profile, allow_io)
        return settled, connect

    def _adopt(self) -> None:
        """Takes what the client (the root) settled at its first call: the User-Agent,
        request compression, and the defaults mode's connect timeout where the Config
        gives none. A view takes its root's."""
        shared = self._shared
        settled = shared.settled
        assert settled is not None
        if self._root is self:
            self._user_agent = user_agent(self.config, settled.user_agent_appid, os.environ)
        else:
            self._user_agent = self._root._user_agent
        self._compression = (
            settled.disable_request_compression,
            settled.request_min_compression_size_bytes,
        )
        if self.config.connect_timeout is None and self._timeouts.connect != shared.connect_timeout:
            self._timeouts = timeouts_of(self.config, shared.connect_timeout)

    def _make_sender(self, own_http1: bool, transport: TransportSettings) -> HttpSender:
        """awsmith's own sender (``own_http1``: no caller's client, asyncio); else the
        caller's httpx client, or one awsmith makes (trio), both with ``transport``."""
        cfg = self.config
        if own_http1:
            return ConnectionPool(
                max_connections=cfg.max_pool_connections,
                verify_tls=cfg.verify_tls,
                tls=transport.tls,
                idle_timeout=cfg.pool_idle_timeout,
                ca_file=transport.ca_file,
                proxies=transport.proxies,
                proxy_tls=transport.proxy_tls,
                keepalive=self._keepalive,
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
                keepalive=self._keepalive,
            ),
            owned=True,
        )

    @property
    def _keepalive(self) -> bool:
        """TCP keepalive on the connections the client makes (its settled setting)."""
        settled = self._shared.settled
        return settled is not None and settled.tcp_keepalive

    def _rebind(self, ready: Ready, sender: ConnectionPool) -> None:
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
        ready = self._usable(self._ready or await self._prepare())
        return ready.sender, self._timeouts

