"""What the error a call ends with carries, and what is the caller's own (issue 22
review, D1-D4): the attempts made and the last failed attempt's error on every error
after I/O (an interceptor's after an error response and after retries included); a
CredentialsError before a retry keeping the provider's exception as its cause; a
hook's own exception chain kept; a copy of awsmith's errors per call (notes and fields
its own), and a caller's exception class raised as it is.

The rule is docs/errors.md's "Errors of a call".
"""

from __future__ import annotations

import datetime as dt
import traceback
from typing import Any

import httpx
import pytest

import awsmith
from awsmith.support import errors as serr
from awsmith.support.shapes import ThrottlingReason
from awsmith.testing import Stubber
from tests.unit.mockaws import (
    AKID,
    REGION,
    REQUEST_ID,
    SECRET,
    Script,
    error_reply,
    intercepted_support,
    json_reply,
)

pytestmark = pytest.mark.anyio

BUSY = error_reply("ServiceUnavailable", "busy", status=503)
CASES = json_reply({"cases": []})
NAMED = " (when calling the DescribeCases operation)"


def raising_in(stage: str, error: Any, on_attempt: int | None = None) -> awsmith.Interceptor:
    """An interceptor whose ``stage`` hook raises ``error()`` (on attempt
    ``on_attempt`` only, if given), and otherwise changes nothing."""

    class Raiser(awsmith.Interceptor):
        pass

    def hook(self: Any, context: awsmith.InterceptorContext) -> Any:
        if on_attempt is None or context.attempt == on_attempt:
            raise error()
        if stage == "modify_before_completion":
            return context.response
        return context.transport_request if stage == "modify_before_signing" else None

    setattr(Raiser, stage, hook)
    return Raiser()


def the_503(error: BaseException | None, attempt: int) -> None:
    """``error`` is the 503 answer of attempt ``attempt``, named for the call."""
    assert type(error) is serr.ServiceUnavailable, repr(error)
    assert (error.status_code, error.attempts, error.request_id) == (503, attempt, REQUEST_ID)
    assert error.operation_name == "DescribeCases"


# ---------------------------------------------------------------- D1


async def test_read_after_attempt_raising_after_an_error_response_counts_it_and_carries_it() -> None:
    """The reviewer's r1: read_after_attempt raising on attempt 1, which the server
    answered 503. It said ``requests=1 attempts=0 cause=None``: the 503 was lost."""
    script = Script(BUSY, CASES)
    veto = raising_in("read_after_attempt", lambda: awsmith.ConfigurationError("audit"), 1)
    async with intercepted_support(script, veto) as support:
        with pytest.raises(awsmith.ConfigurationError) as info:
            await support.describe_cases()
    assert len(script.requests) == 1
    err = info.value
    assert str(err) == "audit" + NAMED
    assert err.attempts == 1
    the_503(err.__cause__, 1)


@pytest.mark.parametrize("stage", ["modify_before_completion", "read_after_execution"])
@pytest.mark.parametrize("replies", [(BUSY, CASES), (BUSY, BUSY, BUSY)], ids=["503-200", "503x3"])
async def test_a_completion_hooks_exception_after_retries_says_how_many(
    stage: str, replies: tuple[httpx.Response, ...]
) -> None:
    """It said attempts=0 after 2 and 3 requests, with no cause."""
    script = Script(*replies)
    hook = raising_in(stage, lambda: awsmith.ConfigurationError("no"))
    async with intercepted_support(script, hook) as support:
        with pytest.raises(awsmith.ConfigurationError) as info:
            await support.describe_cases()
    assert len(script.requests) == len(replies)
    assert info.value.attempts == len(replies)
    # the last attempt that failed: the first of two, or the third of three
    the_503(info.value.__cause__, 1 if len(replies) == 2 else 3)


# ---------------------------------------------------------------- D2


async def test_credentials_failing_before_a_retry_keep_the_providers_cause_and_the_last_error() -> None:
    """The provider's credentials enter their mandatory refresh window while attempt 1
    is answered 503; the refresh for attempt 2 fails. The CredentialsError keeps the
    provider's exception as its cause (the traceback shows where it failed) and
    carries the 503 as its context; it used to carry a CredentialsError there, and the
    503 nowhere, though the docs promised it."""
    now = [dt.datetime.now(dt.UTC).timestamp()]
    fetched: list[int] = []

    async def vault() -> awsmith.Credentials:
        fetched.append(1)
        if len(fetched) > 1:
            raise RuntimeError("vault sealed")
        expiry = dt.datetime.fromtimestamp(now[0] + 3600, dt.UTC)
        return awsmith.Credentials(access_key_id=AKID, secret_access_key=SECRET, expiry=expiry)

    def busy_and_later(request: httpx.Request) -> httpx.Response:
        now[0] += 3600 - 30  # the credentials have 30 s left: past the mandatory window
        return BUSY

    provider = awsmith.CachingProvider(vault, "vault", clock=lambda: now[0])
    script = Script(busy_and_later, CASES)
    async with httpx.AsyncClient(transport=httpx.MockTransport(script)) as http:
        support = awsmith.support.SupportClient(
            region=REGION,
            credentials=provider,
            http_client=http,
            config=awsmith.Config(base_backoff=0.001, max_backoff=0.002),
        )
        with pytest.raises(awsmith.CredentialsError) as info:
            await support.describe_cases()
        await support.close()
    assert len(script.requests) == 1 and len(fetched) == 2
    err = info.value
    assert str(err) == "credential provider vault failed: RuntimeError: vault sealed" + NAMED
    assert err.attempts == 1
    assert type(err.__cause__) is RuntimeError and str(err.__cause__) == "vault sealed"
    the_503(err.__context__, 1)
    assert "vault sealed" in "".join(traceback.format_exception(err))


# ---------------------------------------------------------------- D3


def _missing_header() -> awsmith.ConfigurationError:
    """A ConfigurationError raised while a KeyError was handled (its __context__)."""
    try:
        try:
            {}["x-my-header"]
        except KeyError:
            raise awsmith.ConfigurationError("the response lacks x-my-header")  # noqa: B904
    except awsmith.ConfigurationError as exc:
        return exc
    raise AssertionError("unreachable")


class _LacksHeader(awsmith.Interceptor):
    """The reviewer's t15: a KeyError inside a hook, re-raised as ConfigurationError."""

    def __init__(self, on_attempt: int = 1, explicit: bool = False) -> None:
        self.on_attempt = on_attempt
        self.explicit = explicit

    def read_after_transmit(self, context: awsmith.InterceptorContext) -> None:
        if context.attempt != self.on_attempt:
            return
        try:
            {}["x-my-header"]
        except KeyError as missing:
            if self.explicit:
                raise awsmith.ConfigurationError("the response lacks x-my-header") from missing
            raise awsmith.ConfigurationError("the response lacks x-my-header")  # noqa: B904


@pytest.mark.parametrize("inside_except", [False, True], ids=["plain", "caller-in-except"])
async def test_a_hooks_exception_keeps_what_it_was_raised_while_handling(
    inside_except: bool,
) -> None:
    """Its __context__ (the KeyError) was replaced by the error it was copied from and
    suppressed (``raise copy from None``): the traceback no longer showed the KeyError.
    Also when the call runs inside the caller's own ``except``."""
    async with intercepted_support(Script(CASES), _LacksHeader()) as support:
        with pytest.raises(awsmith.ConfigurationError) as info:
            if inside_except:
                try:
                    raise LookupError("the caller's own")
                except LookupError:
                    await support.describe_cases()
            else:
                await support.describe_cases()
    err = info.value
    assert str(err) == "the response lacks x-my-header" + NAMED
    assert err.attempts == 1 and err.__cause__ is None
    assert type(err.__context__) is KeyError and err.__context__.args == ("x-my-header",)
    assert not err.__suppress_context__
    shown = "".join(traceback.format_exception(err))
    assert "KeyError: 'x-my-header'" in shown
    assert "During handling of the above exception, another exception occurred" in shown


async def test_a_hooks_raise_from_keeps_its_cause_and_carries_the_last_error_as_context() -> None:
    """``raise ... from missing`` on attempt 2, after a 503: the cause stays the hook's;
    the 503 is the context."""
    script = Script(BUSY, CASES)
    async with intercepted_support(script, _LacksHeader(on_attempt=2, explicit=True)) as support:
        with pytest.raises(awsmith.ConfigurationError) as info:
            await support.describe_cases()
    err = info.value
    assert err.attempts == 2
    assert type(err.__cause__) is KeyError
    the_503(err.__context__, 1)


async def test_a_hooks_plain_raise_after_a_failed_attempt_carries_it_as_cause() -> None:
    """No cause of its own: the 503 of attempt 1 is the cause, and the KeyError stays its
    context (it used to be overwritten by the error the copy was made from)."""
    script = Script(BUSY, CASES)
    async with intercepted_support(script, _LacksHeader(on_attempt=2)) as support:
        with pytest.raises(awsmith.ConfigurationError) as info:
            await support.describe_cases()
    err = info.value
    assert err.attempts == 2
    the_503(err.__cause__, 1)
    assert type(err.__context__) is KeyError


def test_raise_as_is_puts_back_the_context_a_raise_replaces() -> None:
    from awsmith._core.errors import raise_as_is

    made = _missing_header()
    assert type(made.__context__) is KeyError
    with pytest.raises(awsmith.ConfigurationError) as info:
        try:
            raise ValueError("being handled")
        except ValueError:
            raise_as_is(made)
    assert info.value is made and type(made.__context__) is KeyError
    with pytest.raises(ValueError) as handled:  # the one being handled: re-raised as is
        try:
            raise ValueError("being handled")
        except ValueError as exc:
            raise_as_is(exc)
    assert handled.value.__context__ is None


# ---------------------------------------------------------------- D4


async def test_an_awsmith_error_raised_in_several_calls_is_copied_for_each() -> None:
    """One instance a hook raises in every call: each call's error names its own
    operation and has its own notes; the instance is left as it was. The copy used to
    share ``__notes__`` with it (a note added to one call's error showed on all)."""
    shared = awsmith.ConfigurationError("policy says no")
    shared.add_note("raised by the policy hook")
    hook = raising_in("read_before_transmit", lambda: shared)
    errors: list[awsmith.AwsmithError] = []
    async with intercepted_support(Script(CASES), hook) as support:
        for call in (support.describe_cases, support.describe_services, support.describe_cases):
            with pytest.raises(awsmith.ConfigurationError) as info:
                await call()
            info.value.add_note("seen by the caller")
            errors.append(info.value)
    assert [e.operation_name for e in errors] == ["DescribeCases", "DescribeServices", "DescribeCases"]
    assert str(errors[1]) == "policy says no (when calling the DescribeServices operation)"
    assert len({id(e) for e in errors}) == 3 and shared not in errors
    for err in errors:
        assert err.__notes__ == ["raised by the policy hook", "seen by the caller"]
    assert shared.__notes__ == ["raised by the policy hook"]
    assert (shared.operation_name, shared.attempts, str(shared)) == (None, 0, "policy says no")


async def test_a_stubbed_error_queued_twice_gives_each_call_its_own_notes_and_fields() -> None:
    """The reviewer's t8, and a modeled error's mutable fields: each call's copy has its
    own ``__notes__``, ``raw`` and ``throttling_reasons``."""
    client = awsmith.support.SupportClient(
        region="us-east-1", credentials=awsmith.Credentials(access_key_id="a", secret_access_key="b")
    )
    timeout = awsmith.ReadTimeoutError("read timed out")
    timeout.add_note("queued by test_x")
    reasons = [ThrottlingReason(reason="RATE", resource="case")]
    throttled = serr.ThrottlingException("slow down", throttling_reasons=reasons, raw={"a": [1]})
    seen: list[awsmith.AwsmithError] = []
    with Stubber(client) as stub:
        for error in (timeout, timeout, throttled, throttled):
            stub.add_error(client.describe_cases, error)
        for _ in range(4):
            with pytest.raises(awsmith.AwsmithError) as info:
                await client.describe_cases()
            info.value.add_note("seen by the caller")
            seen.append(info.value)
    first, second, third, fourth = seen
    assert first is not timeout and second is not timeout and first is not second
    assert first.__notes__ == second.__notes__ == ["queued by test_x", "seen by the caller"]
    assert timeout.__notes__ == ["queued by test_x"]
    assert isinstance(third, serr.ThrottlingException) and isinstance(fourth, serr.ThrottlingException)
    third.raw["a"].append(2)
    assert third.throttling_reasons is not None
    third.throttling_reasons.clear()
    assert throttled.raw == fourth.raw == {"a": [1]}
    assert throttled.throttling_reasons == fourth.throttling_reasons == reasons
    assert (third.attempts, throttled.attempts) == (1, 0)


class SlotError(awsmith.AwsmithError):
    __slots__ = ("detail_code",)

    def __init__(self, message: str, detail_code: int) -> None:
        super().__init__(message)
        self.detail_code = detail_code


class TwoArgs(awsmith.AwsmithError):
    def __init__(self, a: int, b: int) -> None:
        super().__init__(f"a={a} b={b}")
        self.a, self.b = a, b


class OwnText(awsmith.AwsmithError):
    def __init__(self, code: int) -> None:
        super().__init__()
        self.code = code

    def __str__(self) -> str:
        return f"custom failure {self.code}"


class NotAwsmiths(Exception):
    pass


YOURS = [
    lambda: SlotError("slot", 7),
    lambda: TwoArgs(1, 2),
    lambda: OwnText(5),
    lambda: NotAwsmiths("plain"),
]


@pytest.mark.parametrize("make", YOURS, ids=["slots", "init-args", "own-str", "not-awsmiths"])
@pytest.mark.parametrize("stage", ["read_before_transmit", "modify_before_completion"])
async def test_an_exception_of_your_own_class_reaches_you_as_it_is(make: Any, stage: str) -> None:
    """The reviewer's t2: it used to be copied (losing ``__slots__`` state, and a custom
    ``__str__`` left the operation out of a message ``operation_name`` claimed). A
    caller's class is the caller's: the same object, unchanged, after a 503 too."""
    raised = make()
    before = str(raised)
    script = Script(BUSY, CASES)
    async with intercepted_support(script, raising_in(stage, lambda: raised, 2)) as support:
        with pytest.raises(type(raised)) as info:
            await support.describe_cases()
    assert info.value is raised
    assert str(raised) == before
    if isinstance(raised, awsmith.AwsmithError):
        assert (raised.operation_name, raised.attempts) == (None, 0)
        assert raised.__cause__ is None
    if isinstance(raised, SlotError):
        assert raised.detail_code == 7


async def test_a_stubbed_error_of_your_own_class_is_raised_as_it_is() -> None:
    client = awsmith.support.SupportClient()
    mine = TwoArgs(3, 4)
    with Stubber(client) as stub:
        stub.add_error(client.describe_cases, mine)
        with pytest.raises(TwoArgs) as info:
            await client.describe_cases()
    assert info.value is mine and (mine.operation_name, mine.attempts, str(mine)) == (
        None, 0, "a=3 b=4"
    )


# ---------------------------------------------------------------- own_copy
# One copying scheme for both of its users: a call's copy of awsmith's errors (above),
# and SingleFlight's copy of a run's outcome for each waiter, which may be of any class
# (a credential provider's KeyboardInterrupt, or an application's own BaseException).


class Carrying(Exception):
    """A caller's exception holding a caller's object, counting its ``__init__`` runs."""

    inits = 0

    def __init__(self, message: str, resource: object) -> None:
        super().__init__(message)
        self.resource = resource
        Carrying.inits += 1


class Picky(Exception):
    """A ``__new__`` of its own that refuses the args its ``__init__`` sets."""

    def __new__(cls, code: int) -> Picky:
        return super().__new__(cls, code)

    def __init__(self, code: int) -> None:
        super().__init__(f"code {code}", "picky")


def test_own_copy_of_a_callers_exception_shares_its_objects_not_its_notes() -> None:
    """A caller's class: the same class and args, without running ``__init__`` again;
    its attributes the same objects (awsmith does not know what they hold), its
    ``__notes__`` a list of its own, its chain and traceback kept."""
    from awsmith._core.errors import own_copy

    resource = object()
    try:
        try:
            raise KeyError("vault")
        except KeyError as exc:
            raise Carrying("vault down", resource) from exc
    except Carrying as exc:
        raised = exc
    raised.add_note("from the provider")
    inits = Carrying.inits
    twin = own_copy(raised)
    twin.add_note("seen by one waiter")
    assert type(twin) is Carrying and twin is not raised and Carrying.inits == inits
    assert (twin.args, twin.resource) == (("vault down",), resource)
    assert twin.resource is resource
    assert twin.__notes__ == ["from the provider", "seen by one waiter"]
    assert raised.__notes__ == ["from the provider"]
    assert twin.__cause__ is raised.__cause__ and twin.__suppress_context__
    assert twin.__traceback__ is raised.__traceback__


def test_own_copy_of_an_awsmith_error_deep_copies_its_fields() -> None:
    from awsmith._core.errors import own_copy

    reasons = [ThrottlingReason(reason="RATE", resource="case")]
    throttled = serr.ThrottlingException("slow down", throttling_reasons=reasons, raw={"a": [1]})
    twin = own_copy(throttled)
    assert (type(twin), twin.args, twin.raw, twin.throttling_reasons) == (
        serr.ThrottlingException, throttled.args, {"a": [1]}, reasons
    )
    assert twin.raw is not throttled.raw and twin.raw["a"] is not throttled.raw["a"]
    assert twin.throttling_reasons is not throttled.throttling_reasons


def test_own_copy_keeps_what_an_os_errors_new_parses_and_gives_up_on_a_picky_new() -> None:
    """``OSError.__new__`` makes ``errno`` and ``strerror`` of its args: the copy has
    them. A class whose ``__new__`` refuses its own ``args`` cannot be copied so: it is
    returned as it is."""
    from awsmith._core.errors import own_copy

    refused = ConnectionRefusedError(111, "Connection refused")
    twin = own_copy(refused)
    assert type(twin) is ConnectionRefusedError and twin is not refused
    assert (twin.errno, twin.strerror, twin.args) == (111, "Connection refused", refused.args)
    picky = Picky(5)
    assert picky.args == ("code 5", "picky")
    assert own_copy(picky) is picky


# ---------------------------------------------------------------- D7


async def test_a_paginators_error_names_its_operation() -> None:
    """PaginationError did not name the operation (the paginator knows it): it has
    operation_name and the operation in its message, as a call's errors do."""
    page = json_reply({"cases": [], "nextToken": "again"})
    async with intercepted_support(Script(page)) as support:
        paginator = support.paginate_describe_cases()
        with pytest.raises(awsmith.PaginationError) as repeated:
            async for _ in paginator:
                pass
        with pytest.raises(awsmith.PaginationError) as twice:
            async for _ in paginator:
                pass
    assert (repeated.value.operation_name, str(repeated.value)) == (
        "DescribeCases",
        "the service returned the token it was given ('again') as the next token; stopping "
        "instead of requesting the same page again" + NAMED,
    )
    assert (twice.value.operation_name, str(twice.value)) == (
        "DescribeCases",
        "a paginator can be iterated only once; create a new one" + NAMED,
    )
    assert repeated.value.attempts == twice.value.attempts == 0
