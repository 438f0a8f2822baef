"""Credentials and their resolution through botocore's standard provider chain.

The chain (environment, shared credentials and config files, profiles, SSO, web
identity, container and instance metadata, assume-role) is botocore's: awsmith calls it
through ``botocore.session.Session.get_credentials`` and runs it in a worker thread,
because every provider may read files or make HTTP calls. Refreshable credentials are
refreshed in a worker thread too, before they expire.
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any, cast

import anyio
import anyio.to_thread
import attrs

from awsmith._core.errors import CredentialsError, NoCredentialsError

if TYPE_CHECKING:
    import botocore.session


def _non_empty(_: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value:  # pyright: ignore[reportUnnecessaryIsInstance]  # callers may pass anything
        raise CredentialsError(f"Credentials.{attribute.name} must be a non-empty str")


@attrs.frozen(kw_only=True, repr=False)
class Credentials:
    """AWS credentials. ``repr`` and ``str`` never show the secret or the token.

    Attributes:
        access_key_id: The access key id (``AKIA...`` / ``ASIA...``).
        secret_access_key: The secret access key.
        session_token: The session token of temporary credentials, if any.
        expiry: When temporary credentials expire (timezone-aware), if known.
    """

    access_key_id: str = attrs.field(validator=_non_empty)
    secret_access_key: str = attrs.field(validator=_non_empty)
    session_token: str | None = None
    expiry: _dt.datetime | None = None

    def __repr__(self) -> str:
        token = ", session_token=***" if self.session_token else ""
        return f"Credentials(access_key_id={self.access_key_id!r}, secret_access_key=***{token})"

    __str__ = __repr__


class CredentialResolver:
    """Gives the credentials for each call, loading and refreshing them off the loop.

    With explicit credentials it simply returns them. Otherwise the first call runs
    botocore's provider chain in a worker thread; later calls return the cached
    credentials while botocore says no refresh is needed, and refresh them in a worker
    thread when it does (botocore refreshes ahead of expiry).
    """

    def __init__(self, explicit: Credentials | None, session_factory: Any) -> None:
        self._explicit = explicit
        self._session_factory = session_factory
        self._provider: Any = None
        self._current: Credentials | None = explicit
        self._lock = anyio.Lock()

    async def get(self) -> Credentials:
        current = self._current
        if current is not None and (self._provider is None or not self._needs_refresh()):
            return current
        async with self._lock:
            if self._current is None or (self._provider is not None and self._needs_refresh()):
                self._current = await anyio.to_thread.run_sync(self._load)
            return self._current

    def _needs_refresh(self) -> bool:
        refresh_needed = getattr(self._provider, "refresh_needed", None)
        return bool(refresh_needed()) if refresh_needed is not None else False

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
