"""Credentials and their resolution: explicit, from an async provider, or through
botocore's standard provider chain.

An async provider (``credentials=`` given a :data:`CredentialProvider`) is called on the
event loop by :class:`CachingProvider`, on first use and again near expiry. The chain (environment, shared credentials and config files, profiles, SSO, web
identity, container and instance metadata, assume-role) is botocore's: awsmith calls it
through ``botocore.session.Session.get_credentials`` and runs it in a worker thread,
because every provider may read files or make HTTP calls. Refreshable credentials are
refreshed in a worker thread too, before they expire.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import functools
import inspect
import logging
import math
import os
import threading
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
if they expire. A client calls it on first use and again when the credentials are within
5 minutes of ``expiry`` (never again if ``expiry`` is None); concurrent calls share one
call of it. A failure raises :class:`~awsmith.CredentialsError` naming the provider,
with the provider's exception as ``__cause__``; the next call asks again.
:func:`~awsmith.assume_role` returns one.
"""

#: A provider's credentials are fetched again when they are this close to expiry.
PROVIDER_REFRESH_SECONDS = 5 * 60


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


class CachingProvider:
    """A :data:`CredentialProvider` that calls ``fetch`` on first use and again when its
    credentials are within :data:`PROVIDER_REFRESH_SECONDS` of ``expiry``.

    * Concurrent calls that find the credentials stale share one fetch: while it runs
      they wait for it and all get its outcome, credentials or error.
    * A failure raises :class:`CredentialsError` naming ``name`` and chaining the cause;
      nothing is remembered of it, so the next call fetches again.
    * Cancelling the call that runs the fetch cancels the fetch; the calls waiting for
      it then fetch again themselves (they were not cancelled).

    A client wraps a provider it is given in one of these, its own. Clients given
    the same ``CachingProvider`` use it as it is, and share its cache and its fetches:
    wrap a provider once (``awsmith.CachingProvider(from_vault)``) to share it;
    :func:`awsmith.assume_role` returns one.
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
        self._current: Credentials | None = None
        #: When (``clock()`` time) ``_current`` must be fetched again.
        self._refresh_at = math.inf
        #: One lock per event loop: a provider made at import time may serve clients on
        #: several threads' loops, or under asyncio and trio. Calls on one loop share
        #: one fetch; loops may fetch at the same time (the cache is shared).
        self._locks = aio.LoopLocks()
        #: Fetches completed so far (successful or not), and the error of the last one.
        self._fetches: int = 0
        self._error: CredentialsError | None = None

    def __repr__(self) -> str:
        return self._name

    async def __call__(self) -> Credentials:
        current = self._current
        if current is not None and self._clock() < self._refresh_at:
            return current
        seen = self._fetches
        async with self._locks.current():
            if self._fetches != seen:  # a fetch completed while this call waited: share it
                error = self._error
                if error is not None:
                    raise CredentialsError(str(error)) from error.__cause__
                assert self._current is not None
                return self._current
            try:
                current = await self._fetch_checked()
            except CredentialsError as exc:
                self._fetches += 1
                self._error = exc
                self._current = None
                raise
            self._fetches += 1
            self._error = None
            self._current = current
            expiry = current.expiry
            self._refresh_at = (
                math.inf if expiry is None else expiry.timestamp() - PROVIDER_REFRESH_SECONDS
            )
            return current

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


#: botocore's refresh windows (RefreshableCredentials): inside the advisory one a
#: refresh should happen but the credentials are still good; inside the mandatory one
#: they must not be used without a refresh.
MANDATORY_REFRESH_SECONDS = 10 * 60
#: Background refreshes in the advisory window start at most this often (a source that
#: fails, or keeps giving short-lived credentials, is not asked on every call).
BACKGROUND_REFRESH_INTERVAL = 10.0


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


class CredentialResolver:
    """Gives the credentials for each call, loading and refreshing them off the loop.

    With explicit credentials it simply returns them; with an async provider it asks
    the provider's :class:`CachingProvider`. Otherwise the first call runs
    botocore's provider chain in a worker thread, and later calls return the cached
    credentials, with botocore's refresh windows:

    * advisory (15 minutes before expiry): the current credentials are used, and one
      refresh runs in a background thread; no call waits for it;
    * mandatory (10 minutes before expiry): calls wait for one refresh in a worker
      thread; if it fails, every call waiting for it raises its ``CredentialsError``
      (the failing source is not asked again by each waiter in turn).
    """

    def __init__(
        self,
        credentials: Credentials | CredentialProvider | None,
        session_factory: Any,
        *,
        environment: bool = True,
    ) -> None:
        """``environment``: the chain starts with the environment variables (botocore
        skips them when a client is given an explicit ``profile``)."""
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
        self._explicit = explicit
        self._environment = environment
        self._session_factory = session_factory
        self._provider: Any = None
        self._current: Credentials | None = explicit
        self._locks = aio.LoopLocks()
        #: Completed blocking loads; with the error of the last one if it failed.
        self._loads = 0
        self._load_error: CredentialsError | None = None
        self._background: threading.Thread | None = None
        self._background_started = -BACKGROUND_REFRESH_INTERVAL

    async def get(self) -> Credentials:
        provided = self._provided
        if provided is not None:
            return await provided()
        current = self._current
        if current is not None:
            if self._provider is None:
                return current  # explicit: never refreshed
            window = self._window()
            if window is None:
                return current
            if window == "advisory":
                self._refresh_in_background()
                return current
        if current is None and self._environment:
            # The chain's first provider, without botocore: static credentials, never
            # refreshed, as botocore's EnvProvider gives them.
            found = environment_credentials(os.environ)
            if found is not None:
                _log.info("found credentials in environment variables")  # botocore's record
                self._current = found
                return found
        loads = self._loads
        async with self._locks.current():
            if self._loads != loads and self._load_error is not None:
                raise self._load_error  # the load this call waited for failed
            current = self._current
            if current is not None and self._window() != "mandatory":
                return current  # refreshed meanwhile
            try:
                current = await aio.run_in_thread(self._load)
            except CredentialsError as exc:
                self._load_error = exc
                raise
            else:
                self._load_error = None
                self._current = current
            finally:
                self._loads += 1
            return current

    def _window(self) -> str | None:
        """None (fresh), "advisory" or "mandatory", as botocore's provider says."""
        refresh_needed = getattr(self._provider, "refresh_needed", None)
        if refresh_needed is None or not refresh_needed():
            return None
        return "mandatory" if refresh_needed(MANDATORY_REFRESH_SECONDS) else "advisory"

    def _refresh_in_background(self) -> None:
        running = self._background
        now = time.monotonic()
        if running is not None and running.is_alive():
            return
        if now - self._background_started < BACKGROUND_REFRESH_INTERVAL:
            return
        self._background_started = now
        thread = threading.Thread(
            target=self._refresh_quietly, name="awsmith-credentials-refresh", daemon=True
        )
        self._background = thread
        thread.start()

    def _refresh_quietly(self) -> None:
        """In the background thread: a failure is not the caller's (the current
        credentials are still good); the mandatory window will try again, loudly."""
        with contextlib.suppress(CredentialsError):
            self._current = self._load()

    def _load(self) -> Credentials:
        """Runs in a worker thread: may read files and call metadata endpoints."""
        try:
            if self._provider is None:
                session: botocore.session.Session = self._session_factory()
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
