"""Standard-mode retries, counted on a scripted MockTransport (backoff made fast
through Config.base_backoff)."""

from __future__ import annotations

from unittest import mock

import anyio
import httpx
import pytest

import awsmith
from awsmith.codeguruprofiler import errors as cerr
from awsmith.codeguruprofiler import shapes as c
from awsmith.support import errors as serr
from tests.unit.mockaws import (
    REQUEST_ID,
    Script,
    check_signature,
    codeguru,
    error_reply,
    json_reply,
    support,
)

FAST = awsmith.Config(base_backoff=0.001)
GROUP = "my-group"
POLICY_OK = json_reply({"policy": "{}", "revisionId": "r"})
GROUP_OK = json_reply({"name": GROUP}, status=201)


def unavailable(status: int = 503) -> httpx.Response:
    return httpx.Response(
        status, headers={"x-amzn-RequestId": REQUEST_ID}, content=b"Service Unavailable"
    )


@pytest.mark.anyio
@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_transient_status_then_success_takes_two_attempts(status: int) -> None:
    script = Script(unavailable(status), POLICY_OK)
    async with codeguru(script, config=FAST) as client:
        result = await client.get_policy(profiling_group_name=GROUP)
    assert result == c.GetPolicyResponse(policy="{}", revision_id="r")
    assert len(script.requests) == 2
    for request in script.requests:
        check_signature(request, region="us-west-2", service="codeguru-profiler")


@pytest.mark.anyio
async def test_support_throttling_then_success() -> None:
    script = Script(error_reply("ThrottlingException", "Rate exceeded"), json_reply({"cases": []}))
    async with support(script, config=FAST) as client:
        result = await client.describe_cases()
    assert result.cases == []
    assert len(script.requests) == 2
    assert script.requests[0].content == script.requests[1].content == b"{}"


@pytest.mark.anyio
async def test_codeguru_throttling_429_then_success() -> None:
    throttled = json_reply(
        {"message": "slow down"}, status=429, headers={"x-amzn-ErrorType": "ThrottlingException"}
    )
    script = Script(throttled, POLICY_OK)
    async with codeguru(script, config=FAST) as client:
        await client.get_policy(profiling_group_name=GROUP)
    assert len(script.requests) == 2


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("reply", "cls"),
    [
        (
            json_reply(
                {"message": "bad"}, status=400, headers={"x-amzn-ErrorType": "ValidationException"}
            ),
            cerr.ValidationException,
        ),
        (
            json_reply(
                {"message": "no"}, status=404, headers={"x-amzn-ErrorType": "ResourceNotFoundException"}
            ),
            cerr.ResourceNotFoundException,
        ),
        (
            json_reply({"message": "?"}, status=409, headers={"x-amzn-ErrorType": "ConflictException"}),
            cerr.ConflictException,
        ),
        (json_reply({"message": "denied"}, status=403), cerr.CodeGuruProfilerError),
    ],
    ids=["400-validation", "404", "409", "403-no-code"],
)
async def test_other_4xx_errors_are_not_retried(
    reply: httpx.Response, cls: type[awsmith.ServiceError]
) -> None:
    script = Script(reply, POLICY_OK)
    async with codeguru(script, config=FAST) as client:
        with pytest.raises(awsmith.ServiceError) as info:
            await client.get_policy(profiling_group_name=GROUP)
    assert type(info.value) is cls
    assert len(script.requests) == 1


@pytest.mark.anyio
@pytest.mark.parametrize("max_attempts", [1, 2, 3, 5])
async def test_max_attempts_is_respected(max_attempts: int) -> None:
    script = Script(error_reply("InternalServerError", "boom", status=500))
    config = awsmith.Config(base_backoff=0.001, max_attempts=max_attempts)
    async with support(script, config=config) as client:
        with pytest.raises(serr.InternalServerError) as info:
            await client.describe_cases()
    assert len(script.requests) == max_attempts
    assert info.value.status_code == 500 and info.value.request_id == REQUEST_ID


@pytest.mark.anyio
async def test_default_is_three_attempts() -> None:
    script = Script(unavailable())
    async with support(script, config=awsmith.Config(base_backoff=0.001)) as client:
        with pytest.raises(awsmith.ServiceError) as info:
            await client.describe_cases()
    assert awsmith.Config().max_attempts is None  # nothing in the environment or profile
    assert len(script.requests) == 3
    assert info.value.attempts == 3
    assert info.value.status_code == 503


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("reply", "cap", "delays"),
    [
        # after throttling, a scale of base_backoff (1 s): 0.5 x 1, 2, 4, 8, 16 capped at 3
        (error_reply("ThrottlingException", "Rate exceeded"), 3.0, [0.5, 1.0, 1.5, 1.5, 1.5]),
        # after anything else, a twentieth of it (0.05 s): 0.5 x 0.05, 0.1, 0.2, 0.4, 0.8
        # capped at 0.3
        (unavailable(), 0.3, [0.025, 0.05, 0.1, 0.15, 0.15]),
    ],
    ids=["throttling", "503"],
)
async def test_backoff_is_full_jitter_doubling_up_to_max_backoff(
    reply: httpx.Response, cap: float, delays: list[float]
) -> None:
    """The delay before retry n is ``random() * min(max_backoff, scale * 2 ** (n - 1))``
    with ``scale`` ``base_backoff`` after a throttling error and ``base_backoff / 20``
    after any other (botocore 1.44: 1 s and 0.05 s). random() is fixed at 0.5; the
    sleeps are recorded, not slept."""
    script = Script(reply)
    config = awsmith.Config(max_attempts=6, base_backoff=1.0, max_backoff=cap)
    with (
        mock.patch("random.random", return_value=0.5),
        mock.patch("awsmith._core.aio.sleep", new_callable=mock.AsyncMock) as sleep,
    ):
        async with support(script, config=config) as client:
            with pytest.raises(awsmith.ServiceError) as info:
                await client.describe_cases()
    assert info.value.attempts == len(script.requests) == 6
    assert [c.args for c in sleep.await_args_list] == [(d,) for d in delays]


@pytest.mark.anyio
async def test_connection_errors_are_retried_then_raised_as_connection_failed() -> None:
    script = Script(httpx.ConnectError("[Errno 111] Connection refused"))
    async with support(script, config=FAST) as client:
        with pytest.raises(awsmith.ConnectionFailedError) as info:
            await client.describe_cases()
    assert len(script.requests) == 3
    assert isinstance(info.value, awsmith.TransportError)
    assert "support.us-east-1.amazonaws.com" in str(info.value)
    assert isinstance(info.value.__cause__, httpx.ConnectError)


@pytest.mark.anyio
async def test_connection_error_then_success() -> None:
    script = Script(
        httpx.ConnectError("refused"), httpx.RemoteProtocolError("reset"), json_reply({"cases": []})
    )
    async with support(script, config=FAST) as client:
        result = await client.describe_cases()
    assert result.cases == []
    assert len(script.requests) == 3


@pytest.mark.anyio
async def test_read_timeouts_are_retried_then_raised() -> None:
    script = Script(httpx.ReadTimeout("timed out"))
    async with codeguru(script, config=FAST) as client:
        with pytest.raises(awsmith.ReadTimeoutError):
            await client.get_policy(profiling_group_name=GROUP)
    assert len(script.requests) == 3


@pytest.mark.anyio
async def test_idempotency_token_is_identical_on_every_attempt() -> None:
    script = Script(unavailable(), httpx.ConnectError("reset"), GROUP_OK)
    async with codeguru(script, config=FAST) as client:
        await client.create_profiling_group(profiling_group_name=GROUP)
    assert len(script.requests) == 3
    tokens = {r.url.params["clientToken"] for r in script.requests}
    assert len(tokens) == 1
    assert len({r.content for r in script.requests}) == 1

    # a new call gets a new token
    script2 = Script(GROUP_OK)
    async with codeguru(script2, config=FAST) as client:
        await client.create_profiling_group(profiling_group_name=GROUP)
    assert script2.request.url.params["clientToken"] not in tokens


@pytest.mark.anyio
async def test_post_agent_profile_token_and_blob_identical_on_retry() -> None:
    script = Script(unavailable(), httpx.Response(204))
    async with codeguru(script, config=FAST) as client:
        await client.post_agent_profile(
            profiling_group_name=GROUP, agent_profile=b"\x00blob", content_type="application/octet-stream"
        )
    first, second = script.requests
    assert first.url == second.url
    assert first.content == second.content == b"\x00blob"


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("reply", "full_calls", "then", "left"),
    [
        # 500 tokens, 14 per retry after a 5xx: 17 calls x 2 retries take 476; the 18th
        # call gets one retry (10 left), the 19th none at all.
        (unavailable(), 17, [53, 54], 10),
        # 5 per retry after throttling: 50 calls x 2 retries take all 500; the 51st call
        # gets no retry.
        (error_reply("ThrottlingException", "Rate exceeded"), 50, [151], 0),
    ],
    ids=["503", "throttling"],
)
async def test_retry_quota_stops_retries_when_the_service_keeps_failing(
    reply: httpx.Response, full_calls: int, then: list[int], left: int
) -> None:
    script = Script(reply)
    async with support(script, config=FAST) as client:
        for _ in range(full_calls):
            with pytest.raises(awsmith.ServiceError):
                await client.describe_cases()
        assert len(script.requests) == 3 * full_calls
        for requests in then:
            with pytest.raises(awsmith.ServiceError):
                await client.describe_cases()
            assert len(script.requests) == requests
        assert client._quota.available == left


@pytest.mark.anyio
async def test_successes_refill_the_retry_quota() -> None:
    replies = []
    for _ in range(60):  # each call: one failed attempt, then success
        replies += [unavailable(), json_reply({"cases": []})]
    script = Script(*replies)
    async with support(script, config=FAST) as client:
        for _ in range(60):
            await client.describe_cases()
    assert len(script.requests) == 120  # the bucket never ran dry


@pytest.mark.anyio
async def test_parse_errors_of_complete_responses_are_not_retried() -> None:
    script = Script(json_reply(raw=b"{not json"), json_reply({"cases": []}))
    async with support(script, config=FAST) as client:
        with pytest.raises(awsmith.ResponseParseError):
            await client.describe_cases()
    assert len(script.requests) == 1


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_retries_and_pagination_under_both_event_loops(anyio_backend: str) -> None:
    script = Script(
        unavailable(),
        json_reply({"cases": [{"caseId": "c1"}], "nextToken": "t1"}),
        httpx.ConnectError("reset"),
        json_reply({"cases": [{"caseId": "c2"}]}),
    )
    async with support(script, config=FAST) as client:
        items = [item.case_id async for item in client.paginate_describe_cases().items()]
    assert items == ["c1", "c2"]
    assert [r.content for r in script.requests] == [
        b"{}",
        b"{}",
        b'{"nextToken":"t1"}',
        b'{"nextToken":"t1"}',
    ]


# ------------------------------------------------- a retry planned but never sent

#: A 503's backoff here is random() x min(20, 200 x 0.05) s: up to 10 s, far past the
#: deadlines below (the backoff is replaced by :class:`Backoff` anyway).
SLOW = awsmith.Config(base_backoff=200.0)
RETRY_COST = 14  # a retry after an error that is not throttling


class Backoff:
    """Stands in for ``aio.sleep``: records each backoff, says it began, and lasts
    until ``release`` is set (forever unless a test sets it)."""

    def __init__(self) -> None:
        self.delays: list[float] = []
        self.started = anyio.Event()
        self.release = anyio.Event()

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        self.started.set()
        await self.release.wait()


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_a_call_cancelled_during_its_backoff_gives_back_the_retrys_cost(
    anyio_backend: str,
) -> None:
    """The quota paid for the retry when it was planned; cancelled before the retry
    was sent, the call gives it back (before the fix the 14 stayed taken)."""
    script = Script(unavailable(), json_reply({"cases": []}))
    backoff = Backoff()
    async with support(script, config=SLOW) as client:
        with mock.patch("awsmith._core.aio.sleep", backoff):
            async with anyio.create_task_group() as group:
                group.start_soon(client.describe_cases)
                await backoff.started.wait()
                assert client._quota.available == 500 - RETRY_COST
                group.cancel_scope.cancel()
        assert client._quota.available == 500
    assert len(script.requests) == 1
    assert len(backoff.delays) == 1


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_a_call_timeout_during_the_backoff_gives_back_the_retrys_cost(
    anyio_backend: str,
) -> None:
    script = Script(unavailable(), json_reply({"cases": []}))
    backoff = Backoff()
    config = awsmith.Config(base_backoff=200.0, call_timeout=0.05)
    async with support(script, config=config) as client:
        with (
            mock.patch("awsmith._core.aio.sleep", backoff),
            pytest.raises(awsmith.DeadlineExceededError) as caught,
        ):
            await client.describe_cases()
        assert client._quota.available == 500
    assert caught.value.attempts == 1
    assert len(script.requests) == 1


@pytest.mark.anyio
async def test_a_client_closed_during_a_backoff_gives_back_the_retrys_cost() -> None:
    script = Script(unavailable(), json_reply({"cases": []}))
    backoff = Backoff()
    async with support(script, config=SLOW) as client:
        with mock.patch("awsmith._core.aio.sleep", backoff):
            async with anyio.create_task_group() as group:
                outcome: list[BaseException] = []

                async def call() -> None:
                    try:
                        await client.describe_cases()
                    except awsmith.ClientClosedError as exc:
                        outcome.append(exc)

                group.start_soon(call)
                await backoff.started.wait()
                await client.close()
                backoff.release.set()
        assert [str(exc) for exc in outcome] == [
            "this SupportClient is closed (when calling the DescribeCases operation)"
        ]
        assert client._quota.available == 500
    assert len(script.requests) == 1


@pytest.mark.anyio
async def test_a_retry_cancelled_once_sent_keeps_its_cost() -> None:
    """Only a retry never sent is given back: one cut short on the way (the server may
    have it) was paid for, as botocore's would be."""
    handed = anyio.Event()

    async def hang(request: httpx.Request) -> httpx.Response:
        handed.set()
        await anyio.sleep_forever()
        raise AssertionError("never answered")

    script = Script(unavailable(), hang)  # type: ignore[arg-type]  # httpx awaits it
    async with support(script, config=FAST) as client:
        async with anyio.create_task_group() as group:
            group.start_soon(client.describe_cases)
            await handed.wait()
            group.cancel_scope.cancel()
        assert client._quota.available == 500 - RETRY_COST
    assert len(script.requests) == 2


@pytest.mark.anyio
async def test_calls_abandoned_mid_backoff_do_not_drain_the_quota() -> None:
    """The review's case: 36 calls, one after another, each cut by call_timeout while
    backing off after a 503, would have kept 36 x 14 > 500, and the next call meeting a
    503 got no retry."""
    script = Script(unavailable())
    backoff = Backoff()
    config = awsmith.Config(base_backoff=200.0, call_timeout=0.05)
    async with support(script, config=config) as client:
        with mock.patch("awsmith._core.aio.sleep", backoff):
            for _ in range(36):
                with pytest.raises(awsmith.DeadlineExceededError):
                    await client.describe_cases()
        assert client._quota.available == 500
        assert len(script.requests) == 36
        backoff.release.set()
        with (
            mock.patch("awsmith._core.aio.sleep", backoff),
            pytest.raises(awsmith.ServiceError) as caught,
        ):
            await client.with_options(call_timeout=None).describe_cases()
    assert caught.value.attempts == 3
    assert len(script.requests) == 36 + 3
