"""``awsmith.assume_role``: a credential provider that assumes an IAM role through STS.

Why awsmith's own STS client rather than botocore's: a Trusted Advisor sweep assumes
roles in hundreds of accounts at once, and through :class:`~awsmith._core.sts.StsClient`
each AssumeRole is one more async call on the loop (botocore's client would need a
worker thread per call, and anyio's default pool has 40), with awsmith's proxies, CA
bundles, retries, timeouts and logging applying to STS as to every other service, and
no botocore client imported or built. botocore's standard chain is still what finds the
*source* credentials when none are given, exactly as for a client.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from awsmith._core.config import Config
from awsmith._core.credentials import (
    CachingProvider,
    CredentialProvider,
    CredentialResolver,
    Credentials,
    botocore_session,
)
from awsmith._core.errors import ConfigurationError

if TYPE_CHECKING:
    import httpx

    from awsmith._core.sts import AssumeRoleRequest


def assume_role(
    *,
    role_arn: str,
    session_name: str,
    source: Credentials | CredentialProvider | None = None,
    duration_seconds: int | None = None,
    external_id: str | None = None,
    policy: str | None = None,
    policy_arns: Sequence[str] = (),
    tags: Mapping[str, str] | None = None,
    transitive_tag_keys: Sequence[str] = (),
    source_identity: str | None = None,
    region: str | None = None,
    endpoint_url: str | None = None,
    profile: str | None = None,
    config: Config | None = None,
    http_client: httpx.AsyncClient | None = None,
) -> CredentialProvider:
    """A credential provider that assumes ``role_arn`` with STS AssumeRole.

    Pass it as ``credentials=`` to any client. It calls STS on first use and again when
    the role's credentials are within 5 minutes of their expiry; concurrent calls share
    one AssumeRole, and clients given the same provider share its credentials. A
    failure raises :class:`~awsmith.CredentialsError` naming the role, with the STS
    error (an :class:`~awsmith.ServiceError`: ``code``, ``message``, ``request_id``) as
    its ``__cause__``; the next call tries again.

    Args:
        role_arn: The role to assume (``arn:aws:iam::123456789012:role/Auditor``).
        session_name: The role session name (2-64 of ``A-Za-z0-9_+=,.@-``); CloudTrail
            shows it.
        source: The credentials that call STS: None for the standard chain (the
            environment, ``profile``, instance metadata, ... as a client without
            ``credentials=`` finds them), an :class:`~awsmith.Credentials`, or another
            provider, such as another ``assume_role`` (role chaining).
        duration_seconds: How long the role's credentials last (900-43200; STS's
            default is 3600, and chained roles are limited to 3600).
        external_id: The external id the role's trust policy requires, if any.
        policy: A session policy (JSON) that narrows the role's permissions.
        policy_arns: Managed policies that narrow the role's permissions.
        tags: Session tags (at most 50).
        transitive_tag_keys: Session tag keys that pass on to chained roles.
        source_identity: The source identity to set on the session.
        region: The region of the STS endpoint; like a client, the environment or the
            profile's region if not given.
        endpoint_url: A custom STS endpoint (also ``AWS_ENDPOINT_URL_STS``).
        profile: The profile the standard chain and the region are read from.
        config: Retries, timeouts, proxies and TLS of the calls to STS.
        http_client: An ``httpx.AsyncClient`` you own, to send the calls to STS with.

    Raises:
        ParamValidationError: A parameter breaks a rule of STS's model (checked here,
            before any call).
        ConfigurationError: ``source`` or a client argument has a wrong type.
    """
    from awsmith._core.sts import AssumeRoleRequest, StsClient, validate_assume_role

    request = AssumeRoleRequest(
        role_arn=role_arn,
        session_name=session_name,
        duration_seconds=duration_seconds,
        external_id=external_id,
        policy=policy,
        policy_arns=policy_arns,
        tags=tags if tags is not None else {},
        transitive_tag_keys=transitive_tag_keys,
        source_identity=source_identity,
    )
    validate_assume_role(request)
    if not (source is None or isinstance(source, Credentials) or callable(source)):
        raise ConfigurationError(
            "source must be a Credentials, an async callable returning Credentials (a "
            f"CredentialProvider) or None, got {type(source).__name__}"
        )
    client_args: dict[str, Any] = {
        "region": region,
        "endpoint_url": endpoint_url,
        "profile": profile,
        "config": config,
        "http_client": http_client,
    }
    StsClient(**client_args)  # checks their types now (a client does no I/O until used)
    role = _AssumeRole(request, source, client_args)
    return CachingProvider(
        role.fetch, name=f"assume_role(role_arn={role_arn!r}, session_name={session_name!r})"
    )


class _AssumeRole:
    """One role: the source credentials (kept between refreshes, so the standard chain
    is searched once) and one AssumeRole call per refresh, on a short-lived client: a
    refresh comes once an hour or so, and a client of its own needs no closing by
    anyone and is never tied to a finished event loop."""

    def __init__(
        self,
        request: AssumeRoleRequest,
        source: Credentials | CredentialProvider | None,
        client_args: dict[str, Any],
    ) -> None:
        self._request = request
        self._client_args = client_args
        profile: str | None = client_args["profile"]
        # As a client's chain: an explicit profile skips the environment's keys
        # (botocore's Session(profile=...) drops its EnvProvider), AWS_PROFILE does not.
        self._source = CredentialResolver(
            source, functools.partial(botocore_session, profile), environment=profile is None
        )

    async def fetch(self) -> Credentials:
        from awsmith._core.sts import StsClient

        source = await self._source.get()
        async with StsClient(credentials=source, **self._client_args) as sts:
            response = await sts.assume_role(self._request)
        return response.credentials

