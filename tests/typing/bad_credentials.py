"""Planted mistakes: credentials of the wrong kind. Checked by test_typing.py, never run."""

from __future__ import annotations

import awsmith
from awsmith.support import SupportClient


def sync_credentials() -> awsmith.Credentials:
    return awsmith.Credentials(access_key_id="AKID", secret_access_key="secret")


async def wrong_credentials() -> None:
    SupportClient(credentials=sync_credentials)  # expect: mypy=arg-type pyright=reportArgumentType
    SupportClient(credentials=("AKID", "secret"))  # expect: mypy=arg-type pyright=reportArgumentType
    awsmith.assume_role(role_arn="arn:aws:iam::123456789012:role/A", session_name="s", source="AKID")  # expect: mypy=arg-type pyright=reportArgumentType
    awsmith.assume_role(role_arn="arn:aws:iam::123456789012:role/A")  # expect: mypy=call-arg pyright=reportCallIssue
