"""The User-Agent header and the other request headers botocore derives from the
environment, built as botocore builds them (its ``botocore.useragent`` and its
``add_recursion_detection_header`` handler), so that what AWS sees of a client is the
same whichever SDK sends it."""

from __future__ import annotations

import logging
import string
import sys
from collections.abc import Mapping

from awsmith._core.config import Config
from awsmith._version import __version__

_log = logging.getLogger("awsmith.client")

# sys.version's first word is what platform.python_version() gives (not imported: a
# millisecond of import time).
BASE_USER_AGENT = f"awsmith/{__version__} Python/{sys.version.split()[0]} os/{sys.platform}"

#: The characters a User-Agent component keeps (botocore's, those of an RFC 9110 token
#: but ``#``, ``/`` and a few others); any other is sent as ``-``.
_TOKEN = frozenset(string.ascii_letters + string.digits + "!$%&'*+-.^_`|~,")
#: The longest app id AWS recommends: a longer one is sent, and logged.
APP_ID_MAX_LENGTH = 50


def ua_token(text: str, allow_hash: bool) -> str:
    """``text`` with every character a User-Agent component cannot carry replaced by
    ``-`` (botocore's ``sanitize_user_agent_string_component``)."""
    return "".join(c if c in _TOKEN or (allow_hash and c == "#") else "-" for c in text)


def user_agent(config: Config, app_id: str | None, environ: Mapping[str, str]) -> str:
    """The User-Agent header of a client: ``Config(user_agent)`` if given, else
    awsmith's own with ``exec-env/<AWS_EXECUTION_ENV>`` and ``app/<app id>`` as botocore
    adds them; then ``Config(user_agent_extra)``."""
    if config.user_agent:
        parts = [config.user_agent]
    else:
        parts = [BASE_USER_AGENT]
        execution_env = environ.get("AWS_EXECUTION_ENV")
        if execution_env:
            parts.append(f"exec-env/{ua_token(execution_env, allow_hash=False)}")
        if app_id:
            if len(app_id) > APP_ID_MAX_LENGTH:
                _log.warning(
                    "the User-Agent app id is longer than the %d characters AWS recommends: %r",
                    APP_ID_MAX_LENGTH,
                    app_id,
                )
            parts.append(f"app/{ua_token(app_id, allow_hash=True)}")
    if config.user_agent_extra:
        parts.append(config.user_agent_extra)
    return " ".join(parts)


#: The characters of a trace id botocore sends as they are; others percent-encoded.
_TRACE_SAFE = "-=;:+&[]{}\"',"


def lambda_trace_id(environ: Mapping[str, str]) -> str | None:
    """The ``X-Amzn-Trace-Id`` header in AWS Lambda (botocore's recursion detection):
    ``_X_AMZN_TRACE_ID``, percent-encoded, when ``AWS_LAMBDA_FUNCTION_NAME`` is set.
    Read for every request: Lambda sets a new trace id for each invocation."""
    if "AWS_LAMBDA_FUNCTION_NAME" not in environ:
        return None
    trace_id = environ.get("_X_AMZN_TRACE_ID")
    if not trace_id:
        return None
    from urllib.parse import quote  # in Lambda only

    return quote(trace_id, safe=_TRACE_SAFE)
