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
that keeps the still-valid credentials and is retried after an interval. A failure
no call raises is logged.
"""

from __future__ import annotations

import asyncio
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
calls wait for it. Concurrent calls share one call of it, which may take 60 seconds
(:class:`CachingProvider`'s ``timeout``). A failure raises
:class:`~awsmith.CredentialsError` naming the provider, with the provider's exception
as ``__cause__``, in the calls that waited for it; every failure is logged (WARNING,
``awsmith.credentials``), and a failed background refresh is tried again 10 seconds
later at the earliest, the still-valid credentials in use meanwhile.
:func:`~awsmith.assume_role` returns one.
"""

#: A provider's credentials are refreshed in the background from this close to expiry
#: on (its advisory window); calls still use them meanwhile (the AWS SDK for Java's STS
#: providers' "prefetch time").
PROVIDER_ADVISORY_SECONDS = 5 * 60
#: From this close to expiry on (a provider's mandatory window), calls wait for a
#: refresh, and raise its error if it fails: a request signed now could reach AWS, or
#: be retried, after they expired (the Java SDK's "stale time").
PROVIDER_MANDATORY_SECONDS = 60
#: How long one call of a provider may take (``CachingProvider``'s ``timeout``): one
#: that has not answered by then is cancelled, its waiters raise a ``CredentialsError``
#: saying so, and the next call asks the provider again, rather than every later call
#: joining a call that may never answer. An STS AssumeRole, a vault's HTTP call, take
#: a second or two; their own connect and read timeouts end most hangs sooner.
PROVIDER_TIMEOUT_SECONDS = 60.0

#: The chain's mandatory window, botocore's default (``RefreshableCredentials``), for
#: credentials that do not say theirs (``_mandatory_refresh_timeout``): inside it they
#: must not be used without a refresh. Its advisory window (15 minutes, before which
#: the credentials are fresh) is read from the credentials by ``refresh_needed()``.
CHAIN_MANDATORY_SECONDS = 10 * 60
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


def _failure(source: str, error: BaseException) -> str:
    """A failed fetch as a log line states it: a ``CredentialsError``'s own message (it
    names the source), else what ``source`` raised (a ``KeyboardInterrupt``, say)."""
    if isinstance(error, CredentialsError):
        return str(error)
    text = str(error)
    return f"{source} raised {type(error).__name__}" + (f": {text}" if text else "")


class _Renewal:
    """How both credential caches renew what they hold, in one place.

    :meth:`now` waits for a renewal (the one under way on this event loop, or a new
    one); :meth:`soon` starts one in the background, and waits for nothing. A renewal is
    a :class:`~awsmith._core.aio.SingleFlight` run of ``work``, which stores what it
    gets itself: a caller that stops waiting (its deadline, a cancellation) loses
    nothing, and the next caller finds the result. ``report`` is given every failed
    renewal and the number of calls waiting for it, which raise it; ``failure`` is the
    last renewal's error until one succeeds (for a call whose deadline passes while it
    waits for the next: :meth:`CredentialResolver.last_failure`).
    """

    def __init__(
        self,
        work: Callable[[], Awaitable[Credentials]],
        name: str,
        clock: Callable[[], float],
        report: Callable[[BaseException, int], None],
    ) -> None:
        self._work = work
        self._report = report
        self._flight = aio.SingleFlight(self._attempt, name, failed=self._failed)
        self._clock = clock
        self._next_background = -math.inf
        self.failure: Exception | None = None

    async def now(self) -> Credentials:
        return await self._flight.join()

    def soon(self) -> None:
        """Starts a background renewal, unless one is under way (on any event loop: the
        credentials they renew are shared), or one started less than
        :data:`BACKGROUND_REFRESH_INTERVAL` ago (by ``clock``, whichever loop started
        it), or the calling task is being cancelled: ``asyncio.run`` cancels its tasks
        at its end and then closes the loop without waiting for tasks they start, so a
        call made from a ``finally`` then would leave a renewal pending on a closed
        loop (the current credentials are still valid: nothing is lost)."""
        if self._flight.running_anywhere():
            return
        now = self._clock()
        if now < self._next_background or aio.being_cancelled():
            return
        self._next_background = now + BACKGROUND_REFRESH_INTERVAL
        self._flight.start()

    async def _attempt(self) -> Credentials:
        fresh = await self._work()
        self.failure = None
        return fresh

    def _failed(self, error: BaseException, waiting: int) -> None:
        if isinstance(error, Exception):
            self.failure = error
        self._report(error, waiting)


class CachingProvider:
    """A :data:`CredentialProvider` that calls ``fetch`` on first use and again as the
    credentials' ``expiry`` nears, keeping what it returns.

    * Fresh credentials (more than :data:`PROVIDER_ADVISORY_SECONDS` left, or no
      ``expiry``) are returned as they are.
    * Within :data:`PROVIDER_ADVISORY_SECONDS` of expiry, a call returns the current
      credentials at once and starts one refresh in the background (at most one every
      :data:`BACKGROUND_REFRESH_INTERVAL` seconds). A failed refresh is logged and
      changes nothing: the credentials are still valid.
    * Without credentials, or within :data:`PROVIDER_MANDATORY_SECONDS` of expiry (or
      past it), calls wait for a refresh; if it fails, each raises a
      :class:`CredentialsError` of its own naming ``name`` and chaining the cause (an
      exception that is not an ``Exception``, such as ``KeyboardInterrupt``, is raised
      in each as it is, a copy each), and the next call tries again.
    * Concurrent calls share one fetch, which belongs to none of them: a call that is
      cancelled, or whose ``call_timeout`` passes, stops waiting, and the fetch goes on
      and serves the calls after it. A fetch that has not answered within ``timeout``
      seconds (:data:`PROVIDER_TIMEOUT_SECONDS`; None: no limit) is cancelled: the
      calls waiting for it raise a ``CredentialsError`` saying so, and the next call
      starts another.
    * Every failed fetch is logged (WARNING, ``awsmith.credentials``, with the
      exception): one that no call raises (a background refresh; or the calls that
      waited for it all gave up) reaches nobody else; one that calls raise is logged as
      botocore logs a failed refresh.

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
        timeout: float | None = PROVIDER_TIMEOUT_SECONDS,
    ) -> None:
        limit = cast(object, timeout)  # callers may pass anything
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, int | float) or not 0 < limit < math.inf
        ):
            raise ConfigurationError(
                "CachingProvider timeout must be a positive number of seconds or None, "
                f"got {timeout!r}"
            )
        self._fetch = fetch
        self._name = name if name is not None else provider_name(fetch)
        self._clock = clock
        self._timeout = timeout
        #: The credentials, and when (``clock()`` time) their advisory window and their
        #: mandatory window open: one tuple, replaced whole (loops on other threads
        #: read it too).
        self._state: tuple[Credentials | None, float, float] = (None, math.inf, math.inf)
        self._renewal = _Renewal(
            self._renew, f"credential provider {self._name}", clock, self._report
        )

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
        return await self._renewal.now()

    async def _renew(self) -> Credentials:
        """One call of the provider (a :class:`_Renewal`'s work): what it gives is kept
        here, whether or not anyone still waits for it."""
        fresh = await self._fetch_checked()
        expiry = fresh.expiry
        if expiry is None:
            self._state = (fresh, math.inf, math.inf)
        else:
            at = expiry.timestamp()
            self._state = (fresh, at - PROVIDER_ADVISORY_SECONDS, at - PROVIDER_MANDATORY_SECONDS)
        return fresh

    def _report(self, error: BaseException, waiting: int) -> None:
        """Logs a failed fetch, saying what follows from it. Its text is the error's
        message, which names the provider (never its repr) and quotes its exception,
        as the calls that raise it do."""
        current, _, mandatory_at = self._state
        if current is not None and current.expiry is not None and self._clock() < mandatory_at:
            then = (
                f"the current credentials (expiring at {current.expiry.isoformat()}) are "
                "still used, and the provider is asked again in "
                f"{BACKGROUND_REFRESH_INTERVAL:.0f} s at the earliest"
            )
        elif waiting:
            then = f"the calls waiting for it ({waiting}) raise it"
        else:
            then = (
                "no call was waiting for it any more (their deadlines passed, or they "
                "were cancelled): the next call asks the provider again"
            )
        _log.warning(
            "%s; %s", _failure(f"credential provider {self._name}", error), then, exc_info=error
        )

    async def _fetch_checked(self) -> Credentials:
        """One call of the provider, within ``timeout``; any failure as a
        ``CredentialsError`` naming it. The fetch's own cancellation (its loop ending)
        passes through untouched, as does a ``BaseException`` that is not one."""
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
        timeout = self._timeout
        answer = self._answer(pending)
        if timeout is None:
            value = await answer
        else:
            value = await aio.within(
                timeout,
                answer,
                lambda: CredentialsError(
                    f"credential provider {name} did not answer within {timeout:g} s "
                    "(CachingProvider's timeout): that call of it was cancelled, and the "
                    "next call asks it again"
                ),
            )
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

    async def _answer(self, pending: Awaitable[object]) -> object:
        """What the provider's awaitable gives, or its failure as a ``CredentialsError``.
        A ``CancelledError`` that is not the fetch's own cancellation (the provider
        awaited a task someone else cancelled) is such a failure: raised as it is, each
        waiting call would take it for its own cancellation."""
        name = self._name
        try:
            return await pending  # whatever a caller's provider returns
        except Exception as exc:
            raise CredentialsError(f"credential provider {name} failed: {_cause(exc)}") from exc
        except asyncio.CancelledError as exc:
            if aio.is_own_cancellation(exc):
                raise
            raise CredentialsError(
                f"credential provider {name} failed: CancelledError, raised inside it "
                "although its call was not cancelled"
            ) from exc


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
    except botocore.exceptions.ConfigParseError as exc:  # names the file
        raise ConfigurationError(str(exc)) from exc
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
    * mandatory (the credentials' ``_mandatory_refresh_timeout``, botocore's 10 minutes
      before expiry: :data:`CHAIN_MANDATORY_SECONDS`): calls wait for one refresh; if
      it fails, every call waiting for it raises its ``CredentialsError`` (the failing
      source is not asked again by each waiter in turn), as botocore raises it there
      (and logs it).

    A load belongs to no caller: one whose deadline passes stops waiting, and the load
    finishes and is kept for the calls after it. Its worker thread cannot be stopped:
    when the event loop ends (or the load is otherwise cancelled), the thread is left to
    finish on its own, a daemon thread the interpreter does not wait for, and what it
    loads is still kept. A failed load no call was waiting for is logged (botocore logs
    a failed refresh itself, not a failed first load).
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
        self._given: CachingProvider | None = None
        if isinstance(credentials, CachingProvider):
            self._given = credentials  # awsmith's own (assume_role): shared as it is
        elif isinstance(credentials, Credentials) or credentials is None:
            explicit = credentials
        elif callable(credentials):
            self._given = CachingProvider(credentials)
        else:
            raise ConfigurationError(
                "credentials must be a Credentials, an async callable returning Credentials "
                f"(a CredentialProvider) or None, got {type(credentials).__name__}"
            )
        self._environment = environment
        self._session_factory = session_factory
        #: botocore's credential chain for the profile, made on first use (in a thread).
        self._chain: Any = None
        self._current: Credentials | None = explicit
        self._renewal = _Renewal(self._reload, "credential chain", time.monotonic, self._report)

    async def get(self) -> Credentials:
        given = self._given
        if given is not None:
            return await given()
        current = self._current
        if current is not None:
            if self._chain is None:
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

    def last_failure(self) -> Exception | None:
        """The error of the last fetch or load of these credentials, if it failed (None
        once one succeeded): the cause of a call's ``DeadlineExceededError`` when its
        deadline passed while it waited for the next one."""
        given = self._given
        renewal = self._renewal if given is None else given._renewal  # pyright: ignore[reportPrivateUsage]  # same module
        return renewal.failure

    def _window(self) -> str | None:
        """None (fresh), "advisory" or "mandatory", as botocore's credentials say:
        their own advisory window (``refresh_needed()``), and their mandatory one."""
        provider = self._chain
        refresh_needed = getattr(provider, "refresh_needed", None)
        if refresh_needed is None or not refresh_needed():
            return None
        mandatory = getattr(provider, "_mandatory_refresh_timeout", CHAIN_MANDATORY_SECONDS)
        if not isinstance(mandatory, int | float):
            mandatory = CHAIN_MANDATORY_SECONDS  # not botocore's RefreshableCredentials
        return "mandatory" if refresh_needed(mandatory) else "advisory"

    async def _reload(self) -> Credentials:
        """One load (a :class:`_Renewal`'s work). The thread keeps what it loads itself,
        so a load whose thread is left behind (the loop ended) still serves later calls."""
        return await aio.run_in_thread(self._load, abandon_on_cancel=True)

    def _report(self, error: BaseException, waiting: int) -> None:
        """Logs a failed load that no call raises (the calls waiting for one raise it;
        botocore has logged a failed refresh of its credentials already)."""
        if waiting:
            return
        _log.warning(
            "%s; no call was waiting for this load of the credential chain: the next call "
            "that needs credentials loads them again",
            _failure("the credential chain", error),
            exc_info=error,
        )

    def _load(self) -> Credentials:
        """Runs in a worker thread: may read files and call metadata endpoints. Keeps
        what it loads."""
        try:
            if self._chain is None:
                session = self._session_factory()
                provider: Any = cast(Any, session.get_credentials())  # botocore is untyped
                self._chain = provider
                if provider is None:
                    raise NoCredentialsError(
                        "set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, configure a profile, "
                        "or pass credentials=awsmith.Credentials(...)"
                    )
            frozen: Any = self._chain.get_frozen_credentials()
        except CredentialsError:
            raise
        except Exception as exc:  # botocore raises many unrelated types here
            raise CredentialsError(f"Unable to load AWS credentials: {exc}") from None
        if not frozen.access_key or not frozen.secret_key:
            raise NoCredentialsError("the provider chain returned empty credentials")
        current = Credentials(
            access_key_id=frozen.access_key,
            secret_access_key=frozen.secret_key,
            session_token=frozen.token or None,
        )
        self._current = current
        return current
