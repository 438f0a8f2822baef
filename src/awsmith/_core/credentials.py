"""Credentials and their resolution: explicit, from an async provider, or through
botocore's standard provider chain.

An async provider (``credentials=`` given a :data:`CredentialProvider`) is called on the
event loop by :class:`CachingProvider`, on first use and again near expiry. The chain
(environment, shared credentials and config files, profiles, SSO, web identity,
container and instance metadata, assume-role) is botocore's: awsmith calls it through
``botocore.session.Session.get_credentials`` and runs it in a worker thread, because
every provider may read files or make HTTP calls. Refreshable credentials are
refreshed in a worker thread too, before they expire.

Both caches renew through one :class:`_Renewal`: a fetch or load that no caller owns
(a caller's deadline ends its wait, not the fetch), and a failed background refresh
that keeps the still-valid credentials and is retried after an interval.
"""

from __future__ import annotations

import datetime as _dt
import functools
import inspect
import logging
import math
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeAlias, cast

from awsmith._core import aio
from awsmith._core.errors import (
    AwsmithError,
    ConfigurationError,
    CredentialsError,
    NoCredentialsError,
)

if TYPE_CHECKING:
    import attrs
    import botocore.session
    from attrs import field, frozen
else:
    from awsmith._core.lazyclass import field, frozen

_log = logging.getLogger("awsmith.credentials")


def _non_empty(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value:  # pyright: ignore[reportUnnecessaryIsInstance]  # callers may pass anything
        raise CredentialsError(f"Credentials.{attribute.name} must be a non-empty str")


@frozen(kw_only=True, repr=False)
class Credentials:
    """AWS credentials. ``repr`` and ``str`` never show the secret or the token.

    Attributes:
        access_key_id: The access key id (``AKIA...`` / ``ASIA...``).
        secret_access_key: The secret access key.
        session_token: The session token of temporary credentials, if any.
        expiry: When temporary credentials expire (timezone-aware), if known.
    """

    access_key_id: str = field(validator=_non_empty)
    secret_access_key: str = field(validator=_non_empty)
    session_token: str | None = None
    expiry: _dt.datetime | None = None

    def __repr__(self) -> str:
        token = ", session_token=***" if self.session_token else ""
        return f"Credentials(access_key_id={self.access_key_id!r}, secret_access_key=***{token})"

    __str__ = __repr__


CredentialProvider: TypeAlias = Callable[[], Awaitable[Credentials]]
"""An async source of credentials, accepted by ``credentials=`` of every client.

Called with no arguments, it returns :class:`~awsmith.Credentials`, with ``expiry`` set
if they expire. A client calls it on first use and again once the credentials are
within 5 minutes of expiry (never again if ``expiry`` is None): in the background,
while calls go on with the current credentials, until the last minute, from which
calls wait for it. Concurrent calls share one call of it. A failure raises
:class:`~awsmith.CredentialsError` naming the provider, with the provider's exception
as ``__cause__``, in the calls that waited for it; a failed background refresh is
logged and tried again 10 seconds later at the earliest, the still-valid credentials
in use meanwhile. :func:`~awsmith.assume_role` returns one.
"""

#: A provider's credentials are refreshed in the background from this close to expiry
#: on; calls still use them meanwhile (the AWS SDK for Java's STS providers' "prefetch
#: time").
PROVIDER_REFRESH_SECONDS = 5 * 60
#: From this close to expiry on, calls wait for a refresh, and raise its error if it
#: fails: a request signed now could reach AWS, or be retried, after they expired (the
#: Java SDK's "stale time").
PROVIDER_MANDATORY_SECONDS = 60

#: botocore's refresh windows (RefreshableCredentials): inside the advisory one a
#: refresh should happen but the credentials are still good; inside the mandatory one
#: they must not be used without a refresh.
MANDATORY_REFRESH_SECONDS = 10 * 60
#: Background refreshes (a provider's, or the chain's in botocore's advisory window)
#: start at most this often: a source that fails, or keeps giving short-lived
#: credentials, is not asked on every call.
BACKGROUND_REFRESH_INTERVAL = 10.0


def provider_name(provider: object) -> str:
    """How error messages name a provider: a function's qualified name, a partial's
    function's, else the object's class. Never its repr, which may show a token the
    provider holds (error messages reach logs and error trackers)."""
    while isinstance(provider, functools.partial):
        provider = cast(functools.partial[object], provider).func
    qualname = getattr(provider, "__qualname__", None)
    if isinstance(qualname, str) and not isinstance(provider, type):
        return qualname
    return type(provider).__qualname__


def _cause(exc: Exception) -> str:
    """An error as a provider's failure message quotes it: awsmith's own messages say
    what they are; anything else is prefixed with its class (``KeyError: 'x'``)."""
    if isinstance(exc, AwsmithError):
        return str(exc)
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class _Renewal:
    """How both credential caches renew what they hold, in one place.

    :meth:`now` waits for a renewal (the one under way on this event loop, or a new
    one); :meth:`soon` starts one in the background, unless one is under way or one
    started less than :data:`BACKGROUND_REFRESH_INTERVAL` ago (by ``clock``), and waits
    for nothing. A renewal is a :class:`~awsmith._core.aio.SingleFlight` run of
    ``work``, which stores what it gets itself: a caller that stops waiting (its
    deadline, a cancellation) loses nothing, and the next caller finds the result.
    """

    def __init__(
        self, work: Callable[[], Awaitable[Credentials]], name: str, clock: Callable[[], float]
    ) -> None:
        self._flight = aio.SingleFlight(work, name)
        self._clock = clock
        self._next_background = -math.inf

    async def now(self) -> Credentials:
        return await self._flight.join()

    def soon(self) -> None:
        if self._flight.running():
            return
        now = self._clock()
        if now < self._next_background:
            return
        self._next_background = now + BACKGROUND_REFRESH_INTERVAL
        self._flight.start()


class CachingProvider:
    """A :data:`CredentialProvider` that calls ``fetch`` on first use and again as the
    credentials' ``expiry`` nears, keeping what it returns.

    * Fresh credentials (more than :data:`PROVIDER_REFRESH_SECONDS` left, or no
      ``expiry``) are returned as they are.
    * Within :data:`PROVIDER_REFRESH_SECONDS` of expiry, a call returns the current
      credentials at once and starts one refresh in the background (at most one every
      :data:`BACKGROUND_REFRESH_INTERVAL` seconds). A failed refresh is logged (WARNING,
      ``awsmith.credentials``) and changes nothing: the credentials are still valid.
    * Without credentials, or within :data:`PROVIDER_MANDATORY_SECONDS` of expiry (or
      past it), calls wait for a refresh; if it fails, each raises a
      :class:`CredentialsError` naming ``name`` and chaining the cause, and the next
      call tries again.
    * Concurrent calls share one fetch, which belongs to none of them: a call that is
      cancelled, or whose ``call_timeout`` passes, stops waiting, and the fetch goes on
      and serves the calls after it.

    A client wraps a provider it is given in one of these, its own. Clients given
    the same ``CachingProvider`` use it as it is, and share its cache and its fetches:
    wrap a provider once (``awsmith.CachingProvider(from_vault)``) to share it;
    :func:`awsmith.assume_role` returns one. It may serve several event loops (threads
    each running asyncio, or asyncio and trio): calls on one loop share one fetch.
    """

    def __init__(
        self,
        fetch: CredentialProvider,
        name: str | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._fetch = fetch
        self._name = name if name is not None else provider_name(fetch)
        self._clock = clock
        #: The credentials, and when (``clock()`` time) their refresh window and their
        #: mandatory window open: one tuple, replaced whole (loops on other threads
        #: read it too).
        self._state: tuple[Credentials | None, float, float] = (None, math.inf, math.inf)
        self._renewal = _Renewal(self._renew, f"credential provider {self._name}", clock)

    def __repr__(self) -> str:
        return self._name

    async def __call__(self) -> Credentials:
        current, refresh_at, mandatory_at = self._state
        if current is not None:
            now = self._clock()
            if now < refresh_at:
                return current
            if now < mandatory_at:
                self._renewal.soon()
                return current
        try:
            return await self._renewal.now()
        except CredentialsError as exc:
            # Every waiter raises an exception of its own, with the provider's as cause.
            raise CredentialsError(str(exc)) from exc.__cause__

    async def _renew(self) -> Credentials:
        """One call of the provider (a :class:`_Renewal`'s work): what it gives is kept
        here, whether or not anyone still waits for it."""
        try:
            fresh = await self._fetch_checked()
        except CredentialsError as exc:
            self._report(exc)
            raise
        expiry = fresh.expiry
        if expiry is None:
            self._state = (fresh, math.inf, math.inf)
        else:
            at = expiry.timestamp()
            self._state = (fresh, at - PROVIDER_REFRESH_SECONDS, at - PROVIDER_MANDATORY_SECONDS)
        return fresh

    def _report(self, error: CredentialsError) -> None:
        """A failed refresh while the current credentials are still usable: nobody
        raises it, so it is logged (the calls that wait for a fetch raise its error)."""
        current, _, mandatory_at = self._state
        if current is None or current.expiry is None or self._clock() >= mandatory_at:
            return
        _log.warning(
            "%s; the current credentials (expiring at %s) are still used, and the provider "
            "is asked again in %.0f s at the earliest",
            error,
            current.expiry.isoformat(),
            BACKGROUND_REFRESH_INTERVAL,
        )

    async def _fetch_checked(self) -> Credentials:
        """One call of the provider; any failure as a ``CredentialsError`` naming it.
        Cancellation (not an ``Exception``) passes through untouched."""
        name = self._name
        try:
            pending = self._fetch()
        except Exception as exc:
            raise CredentialsError(f"credential provider {name} failed: {_cause(exc)}") from exc
        if not inspect.isawaitable(pending):
            raise CredentialsError(
                f"credential provider {name} returned {type(pending).__name__}, not an "
                "awaitable: it must be an async callable (an `async def` function, or an "
                "object whose __call__ is `async def`)"
            )
        try:
            value = cast(object, await pending)  # whatever a caller's provider returns
        except Exception as exc:
            raise CredentialsError(f"credential provider {name} failed: {_cause(exc)}") from exc
        if not isinstance(value, Credentials):
            raise CredentialsError(
                f"credential provider {name} returned {type(value).__name__}, "
                "not awsmith.Credentials"
            )
        expiry = cast(object, value.expiry)  # attrs does not check its type
        if expiry is not None:
            if not isinstance(expiry, _dt.datetime):
                raise CredentialsError(
                    f"credential provider {name} returned credentials whose expiry is a "
                    f"{type(expiry).__name__}, not a datetime"
                )
            if expiry.utcoffset() is None:
                raise CredentialsError(
                    f"credential provider {name} returned credentials with a naive expiry "
                    f"({expiry.isoformat()}): give it a timezone, e.g. "
                    "datetime.now(UTC) + timedelta(hours=1)"
                )
            if expiry.timestamp() <= self._clock():
                raise CredentialsError(
                    f"credential provider {name} returned credentials that expired at "
                    f"{expiry.isoformat()}"
                )
        return value


def environment_credentials(environ: Mapping[str, str]) -> Credentials | None:
    """Credentials from ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` (and
    ``AWS_SECURITY_TOKEN``, else ``AWS_SESSION_TOKEN``), read as botocore's
    ``EnvProvider`` reads them, without importing botocore.

    None where botocore's chain must decide: no access key (the chain goes on to the
    files and metadata), an access key without a secret (botocore's
    ``PartialCredentialsError``), or ``AWS_CREDENTIAL_EXPIRATION`` set (botocore then
    gives refreshable credentials that it reads again from the environment).
    """
    access_key = environ.get("AWS_ACCESS_KEY_ID", "")
    secret_key = environ.get("AWS_SECRET_ACCESS_KEY", "")
    if not access_key or not secret_key or environ.get("AWS_CREDENTIAL_EXPIRATION", ""):
        return None
    token = environ.get("AWS_SECURITY_TOKEN", "") or environ.get("AWS_SESSION_TOKEN", "")
    return Credentials(
        access_key_id=access_key, secret_access_key=secret_key, session_token=token or None
    )


def botocore_session(profile: str | None) -> botocore.session.Session:
    """botocore's session for ``profile`` (None: ``AWS_PROFILE``, else the default), as
    a client without ``credentials=`` and :func:`~awsmith.assume_role` run the standard
    chain with it. Its config is read here, so an unknown profile is a
    ``ConfigurationError`` at once (botocore's ``ProfileNotFound`` message). Reads
    files: call it in a worker thread."""
    import botocore.exceptions
    import botocore.session

    try:
        session = botocore.session.Session(profile=profile)
        session.get_scoped_config()
    except botocore.exceptions.ProfileNotFound as exc:
        raise ConfigurationError(str(exc)) from None
    return session


class CredentialResolver:
    """Gives the credentials for each call, loading and refreshing them off the loop.

    With explicit credentials it simply returns them; with an async provider it asks
    the provider's :class:`CachingProvider`. Otherwise the first call runs
    botocore's provider chain in a worker thread, and later calls return the cached
    credentials, with botocore's refresh windows (its ``RefreshableCredentials``):

    * advisory (15 minutes before expiry): the current credentials are used, and one
      refresh runs in the background (at most one every
      :data:`BACKGROUND_REFRESH_INTERVAL` seconds); no call waits for it, and a failure
      keeps the current credentials, as botocore does (and logs);
    * mandatory (10 minutes before expiry): calls wait for one refresh; if it fails,
      every call waiting for it raises its ``CredentialsError`` (the failing source is
      not asked again by each waiter in turn), as botocore raises it there.

    A load belongs to no caller: one whose deadline passes stops waiting, and the load
    finishes and is kept for the calls after it.
    """

    def __init__(
        self,
        credentials: Credentials | CredentialProvider | None,
        session_factory: Callable[[], botocore.session.Session],
        *,
        environment: bool = True,
    ) -> None:
        """``environment``: the chain starts with the environment variables (botocore
        skips them when its session is given an explicit profile)."""
        explicit: Credentials | None = None
        #: The async provider the credentials come from, if one was given.
        self._provided: CachingProvider | None = None
        if isinstance(credentials, CachingProvider):
            self._provided = credentials  # awsmith's own (assume_role): shared as it is
        elif isinstance(credentials, Credentials) or credentials is None:
            explicit = credentials
        elif callable(credentials):
            self._provided = CachingProvider(credentials)
        else:
            raise ConfigurationError(
                "credentials must be a Credentials, an async callable returning Credentials "
                f"(a CredentialProvider) or None, got {type(credentials).__name__}"
            )
        self._environment = environment
        self._session_factory = session_factory
        self._provider: Any = None
        self._current: Credentials | None = explicit
        self._renewal = _Renewal(self._reload, "credential chain", time.monotonic)

    async def get(self) -> Credentials:
        provided = self._provided
        if provided is not None:
            return await provided()
        current = self._current
        if current is not None:
            if self._provider is None:
                return current  # explicit, or from the environment: never refreshed
            window = self._window()
            if window is None:
                return current
            if window == "advisory":
                self._renewal.soon()
                return current
        elif self._environment:
            # The chain's first provider, without botocore: static credentials, never
            # refreshed, as botocore's EnvProvider gives them.
            found = environment_credentials(os.environ)
            if found is not None:
                _log.info("found credentials in environment variables")  # botocore's record
                self._current = found
                return found
        return await self._renewal.now()

    def _window(self) -> str | None:
        """None (fresh), "advisory" or "mandatory", as botocore's provider says."""
        refresh_needed = getattr(self._provider, "refresh_needed", None)
        if refresh_needed is None or not refresh_needed():
            return None
        return "mandatory" if refresh_needed(MANDATORY_REFRESH_SECONDS) else "advisory"

    async def _reload(self) -> Credentials:
        """One load (a :class:`_Renewal`'s work), kept whether or not anyone still
        waits for it."""
        current = await aio.run_in_thread(self._load)
        self._current = current
        return current

    def _load(self) -> Credentials:
        """Runs in a worker thread: may read files and call metadata endpoints."""
        try:
            if self._provider is None:
                session = self._session_factory()
                provider: Any = cast(Any, session.get_credentials())  # botocore is untyped
                self._provider = provider
                if provider is None:
                    raise NoCredentialsError(
                        "set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, configure a profile, "
                        "or pass credentials=awsmith.Credentials(...)"
                    )
            frozen: Any = self._provider.get_frozen_credentials()
        except CredentialsError:
            raise
        except Exception as exc:  # botocore raises many unrelated types here
            raise CredentialsError(f"Unable to load AWS credentials: {exc}") from None
        if not frozen.access_key or not frozen.secret_key:
            raise NoCredentialsError("the provider chain returned empty credentials")
        return Credentials(
            access_key_id=frozen.access_key,
            secret_access_key=frozen.secret_key,
            session_token=frozen.token or None,
        )
