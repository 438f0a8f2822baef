"""awsmith.testing.Stubber: queued responses and errors, parameter checks, call order,
validation before the queue, paginators, restoring the client, and the documented example."""

from __future__ import annotations

import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

import awsmith
from awsmith._core.operation import Operation
from awsmith.codeguruprofiler import CodeGuruProfilerClient
from awsmith.codeguruprofiler import shapes as c
from awsmith.support import SupportClient
from awsmith.support import shapes as s
from awsmith.support.errors import CaseIdNotFound, InternalServerError
from awsmith.testing import ANY, StubAssertionError, Stubber

FAKE = awsmith.Credentials(access_key_id="AKIDTEST", secret_access_key="test")
DOCS = Path(__file__).resolve().parents[2] / "docs" / "testing.md"


def cases_page(*ids: str, next_token: str | None = None) -> s.DescribeCasesResponse:
    return s.DescribeCasesResponse(
        cases=[s.CaseDetails(case_id=i) for i in ids], next_token=next_token
    )


@pytest.fixture(autouse=True)
def _no_aws_env(monkeypatch: pytest.MonkeyPatch) -> None:  # pyright: ignore[reportUnusedFunction]
    # Nothing in the environment may help the stubbed client to a region or credentials.
    for name in (
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/awsmith-config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/awsmith-credentials")


# ------------------------------------------------------------------- responses


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_responses_are_returned_as_queued_without_region_or_credentials(
    anyio_backend: str,
) -> None:
    support = SupportClient()
    first = cases_page("c1")
    resolved = s.ResolveCaseResponse(initial_case_status="opened", final_case_status="resolved")
    with Stubber(support) as stub:
        stub.add_response(support.describe_cases, first)
        stub.add_response("resolve_case", resolved)
        assert await support.describe_cases(include_resolved_cases=True) is first
        assert await support.resolve_case(case_id="c1") is resolved
        stub.assert_no_pending_responses()
    assert support.endpoint is None  # nothing was resolved


@pytest.mark.anyio
async def test_stubbed_responses_and_errors_get_plausible_metadata() -> None:
    support = SupportClient()
    given = awsmith.ResponseMetadata(request_id="given", status_code=200, headers={}, attempts=2)
    kept = cases_page("c2")
    kept.response_metadata = given
    with Stubber(support) as stub:
        stub.add_response("describe_cases", cases_page("c1"))
        stub.add_response("describe_cases", kept)
        stub.add_error("describe_cases", CaseIdNotFound(message="no such case"))
        first = await support.describe_cases()
        second = await support.describe_cases()
        with pytest.raises(CaseIdNotFound) as info:
            await support.describe_cases()
    metadata = first.response_metadata
    assert re.fullmatch(r"[0-9a-f-]{36}", metadata.request_id or "")
    assert (metadata.status_code, metadata.attempts) == (200, 1)
    assert metadata.headers["X-Amzn-RequestId"] == metadata.request_id
    assert second.response_metadata is given  # a test's own metadata is kept
    assert info.value.attempts == 1


@pytest.mark.anyio
async def test_async_with_form() -> None:
    support = SupportClient()
    page = cases_page("c1")
    async with Stubber(support) as stub:
        stub.add_response(support.describe_cases, page)
        assert await support.describe_cases() is page


@pytest.mark.anyio
async def test_only_the_given_client_is_stubbed() -> None:
    stubbed = SupportClient()
    other = SupportClient(region="us-east-1", credentials=FAKE, http_client=_recording([]))
    with Stubber(stubbed):
        assert stubbed._stub is not None  # pyright: ignore[reportPrivateUsage]
        assert other._stub is None  # pyright: ignore[reportPrivateUsage]


# ------------------------------------------------------------------- expected params


@pytest.mark.anyio
async def test_expected_params_match_including_any_and_none() -> None:
    support = SupportClient()
    page = cases_page("c1")
    with Stubber(support, assert_all_used=True) as stub:
        stub.add_response(
            support.describe_cases,
            page,
            expected_params={"case_id_list": ["c1", ANY], "language": None, "next_token": ANY},
        )
        stub.add_response(support.describe_cases, page, expected_params={})
        # A tuple matches an expected list; language is left out as expected.
        assert await support.describe_cases(case_id_list=("c1", "c2"), next_token="t") is page
        assert await support.describe_cases() is page


@pytest.mark.anyio
async def test_param_mismatch_names_each_difference_and_consumes_nothing() -> None:
    support = SupportClient()
    with Stubber(support) as stub:
        stub.add_response(
            support.describe_cases,
            cases_page(),
            expected_params={"case_id_list": ["c1"], "language": "en", "max_results": None},
        )
        with pytest.raises(StubAssertionError) as caught:
            await support.describe_cases(case_id_list=["c2"], max_results=10, display_id="d")
        assert str(caught.value) == (
            "describe_cases was called with unexpected parameters:\n"
            "  case_id_list: expected ['c1'], got ['c2']\n"
            "  display_id: expected None, got 'd'\n"
            "  language: expected 'en', got None\n"
            "  max_results: expected None, got 10"
        )
        assert isinstance(caught.value, AssertionError)
        with pytest.raises(
            StubAssertionError, match=r"^1 queued response\(s\) not used: describe_cases$"
        ):
            stub.assert_no_pending_responses()


@pytest.mark.anyio
async def test_unknown_expected_param_is_reported() -> None:
    support = SupportClient()
    with Stubber(support) as stub:
        stub.add_response("resolve_case", s.ResolveCaseResponse(), expected_params={"case": "c1"})
        with pytest.raises(StubAssertionError) as caught:
            await support.resolve_case(case_id="c1")
    assert str(caught.value) == (
        "resolve_case was called with unexpected parameters:\n"
        "  case: resolve_case has no such parameter\n"
        "  case_id: expected None, got 'c1'"
    )


@pytest.mark.anyio
async def test_nested_shapes_and_any_inside_dicts() -> None:
    profiler = CodeGuruProfilerClient()
    response = c.CreateProfilingGroupResponse(
        profiling_group=c.ProfilingGroupDescription(name="checkout")
    )
    with Stubber(profiler) as stub:
        stub.add_response(
            profiler.create_profiling_group,
            response,
            expected_params={
                "profiling_group_name": "checkout",
                "agent_orchestration_config": c.AgentOrchestrationConfig(profiling_enabled=True),
                "tags": {"team": ANY},
                "client_token": ANY,  # filled in by the client
            },
        )
        result = await profiler.create_profiling_group(
            profiling_group_name="checkout",
            agent_orchestration_config=c.AgentOrchestrationConfig(profiling_enabled=True),
            tags={"team": "payments"},
        )
        assert result is response


@pytest.mark.anyio
async def test_idempotency_token_is_still_filled_in() -> None:
    profiler = CodeGuruProfilerClient()
    response = c.CreateProfilingGroupResponse(
        profiling_group=c.ProfilingGroupDescription(name="checkout")
    )
    with Stubber(profiler) as stub:
        stub.add_response(
            profiler.create_profiling_group,
            response,
            expected_params={"profiling_group_name": "checkout"},
        )
        with pytest.raises(StubAssertionError) as caught:
            await profiler.create_profiling_group(profiling_group_name="checkout")
    message = str(caught.value)
    assert re.fullmatch(
        r"create_profiling_group was called with unexpected parameters:\n"
        r"  client_token: expected None, got '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}'",
        message,
    ), message


# ------------------------------------------------------------------- order and queue


@pytest.mark.anyio
async def test_call_with_nothing_queued() -> None:
    support = SupportClient()
    with Stubber(support), pytest.raises(StubAssertionError) as caught:
        await support.describe_services()
    assert str(caught.value) == "unexpected call to describe_services: no response is queued"


@pytest.mark.anyio
async def test_wrong_order_is_reported_and_the_queue_is_kept() -> None:
    support = SupportClient()
    page = cases_page("c1")
    with Stubber(support) as stub:
        stub.add_response(support.describe_cases, page)
        stub.add_response(support.resolve_case, s.ResolveCaseResponse())
        with pytest.raises(StubAssertionError) as caught:
            await support.resolve_case(case_id="c1")
        assert str(caught.value) == "expected a call to describe_cases, got resolve_case"
        with pytest.raises(StubAssertionError) as pending:
            stub.assert_no_pending_responses()
        assert str(pending.value) == "2 queued response(s) not used: describe_cases, resolve_case"
        assert await support.describe_cases() is page
        await support.resolve_case(case_id="c1")
        stub.assert_no_pending_responses()


@pytest.mark.anyio
async def test_validation_runs_before_the_queue_is_consumed() -> None:
    support = SupportClient()
    resolved = s.ResolveCaseResponse()
    with Stubber(support) as stub:
        stub.add_response(support.resolve_case, resolved)
        with pytest.raises(awsmith.ParamValidationError) as caught:
            await support.resolve_case(case_id=123)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
        assert caught.value.field == "case_id"
        assert caught.value.rule == "type"
        with pytest.raises(awsmith.ParamValidationError):
            await support.describe_cases(max_results=1)  # below the model's minimum of 10
        assert await support.resolve_case(case_id="c1") is resolved


# ------------------------------------------------------------------- errors


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_queued_errors_are_raised_with_their_fields(anyio_backend: str) -> None:
    support = SupportClient()
    not_found = CaseIdNotFound("no such case", request_id="req-9")
    with Stubber(support) as stub:
        stub.add_error(support.describe_cases, not_found, expected_params={"case_id_list": ["x"]})
        stub.add_error("resolve_case", InternalServerError("boom", status_code=503))
        stub.add_error("describe_services", awsmith.ReadTimeoutError("read timed out"))
        with pytest.raises(CaseIdNotFound) as caught:
            await support.describe_cases(case_id_list=["x"])
        # as a real call's error: a copy named for the call, as if the service had answered
        # its first attempt (the queued one is as given: it used to get attempts=1 itself)
        assert type(caught.value) is CaseIdNotFound
        assert (not_found.operation_name, not_found.attempts) == (None, 0)
        assert caught.value.__dict__ == {
            **not_found.__dict__, "operation_name": "DescribeCases", "attempts": 1
        }
        assert str(caught.value) == (
            "CaseIdNotFound (HTTP 400) when calling the DescribeCases operation: no such case "
            "[request id req-9]"
        )
        assert caught.value.code == "CaseIdNotFound"
        assert caught.value.message == "no such case"
        assert caught.value.status_code == 400
        assert caught.value.request_id == "req-9"
        with pytest.raises(InternalServerError) as internal:
            await support.resolve_case()
        assert (internal.value.code, internal.value.status_code) == ("InternalServerError", 503)
        with pytest.raises(
            awsmith.ReadTimeoutError,
            match=r"^read timed out \(when calling the DescribeServices operation\)$",
        ):
            await support.describe_services()


@pytest.mark.anyio
async def test_error_with_mismatched_params_is_an_assertion_not_the_error() -> None:
    support = SupportClient()
    with Stubber(support) as stub:
        stub.add_error(
            support.describe_cases, CaseIdNotFound("x"), expected_params={"display_id": "1"}
        )
        with pytest.raises(StubAssertionError, match=r"^describe_cases was called"):
            await support.describe_cases(display_id="2")


# ------------------------------------------------------------------- misuse


def test_misuse_is_rejected_when_queueing() -> None:
    support = SupportClient()
    other = SupportClient()
    stub = Stubber(support)
    with pytest.raises(ValueError, match=r"^SupportClient has no operation 'describe_case'$"):
        stub.add_response("describe_case", s.DescribeCasesResponse())
    with pytest.raises(
        ValueError, match=r"^SupportClient has no operation 'paginate_describe_cases'$"
    ):
        stub.add_response("paginate_describe_cases", s.DescribeCasesResponse())
    with pytest.raises(
        ValueError,
        match=r"^'SupportClient.describe_cases' is not a method of the stubbed SupportClient$",
    ):
        stub.add_response(other.describe_cases, s.DescribeCasesResponse())
    with pytest.raises(
        TypeError,
        match=r"^describe_cases returns DescribeCasesResponse, got a response of type ResolveCaseResponse$",
    ):
        stub.add_response("describe_cases", s.ResolveCaseResponse())
    with pytest.raises(TypeError, match=r"^error must be an awsmith error, got ValueError$"):
        stub.add_error("describe_cases", ValueError("x"))  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    with pytest.raises(TypeError, match=r"^Stubber needs an awsmith client, got object$"):
        Stubber(object())  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    stub.assert_no_pending_responses()  # nothing was queued by the rejected calls


def test_a_stubber_cannot_be_entered_twice() -> None:
    support = SupportClient()
    stub = Stubber(support)
    with stub, pytest.raises(RuntimeError, match=r"^this Stubber is already active$"):
        stub.activate()
    assert support._stub is None  # pyright: ignore[reportPrivateUsage]


# ------------------------------------------------------------------- paginators


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio", "trio"])
async def test_paginator_over_stubbed_pages(anyio_backend: str) -> None:
    support = SupportClient()
    with Stubber(support, assert_all_used=True) as stub:
        stub.add_response(
            support.describe_cases,
            cases_page("c1", "c2", next_token="t1"),
            expected_params={"include_resolved_cases": True, "max_results": 10},
        )
        stub.add_response(
            support.describe_cases,
            cases_page("c3"),
            expected_params={"include_resolved_cases": True, "max_results": 10, "next_token": "t1"},
        )
        ids = [
            case.case_id
            async for case in support.paginate_describe_cases(
                include_resolved_cases=True, page_size=10
            ).items()
        ]
    assert ids == ["c1", "c2", "c3"]


# ------------------------------------------------------------------- restore and exit


def _recording(seen: list[httpx.Request]) -> httpx.AsyncClient:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"cases": [{"caseId": "real"}]})

    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


@pytest.mark.anyio
async def test_the_real_pipeline_is_restored_on_exit() -> None:
    seen: list[httpx.Request] = []
    async with _recording(seen) as http:
        support = SupportClient(region="us-east-1", credentials=FAKE, http_client=http)
        with Stubber(support) as stub:
            stub.add_response(support.describe_cases, cases_page("stubbed"))
            page = await support.describe_cases()
            assert page.cases is not None and page.cases[0].case_id == "stubbed"
        assert seen == []
        assert support._stub is None  # pyright: ignore[reportPrivateUsage]
        page = await support.describe_cases()
        assert page.cases is not None and page.cases[0].case_id == "real"
        assert len(seen) == 1
        assert seen[0].headers["X-Amz-Target"] == "AWSSupport_20130415.DescribeCases"
        await support.close()


@pytest.mark.anyio
async def test_views_made_before_and_while_stubbing_are_stubbed_then_restored() -> None:
    seen: list[httpx.Request] = []
    async with _recording(seen) as http:
        support = SupportClient(region="us-east-1", credentials=FAKE, http_client=http)
        before = support.with_options(max_attempts=1)
        with Stubber(support) as stub:
            during = support.with_options(read_timeout=5)
            of_during = during.with_options(max_attempts=2)
            for view in (before, during, of_during, support):
                stub.add_response(support.describe_cases, cases_page("stubbed"))
                page = await view.describe_cases()
                assert page.cases is not None and page.cases[0].case_id == "stubbed"
        assert seen == []
        after = support.with_options(max_attempts=1)
        for view in (before, during, of_during, after, support):
            assert view._stub is None  # pyright: ignore[reportPrivateUsage]
            page = await view.describe_cases()
            assert page.cases is not None and page.cases[0].case_id == "real"
        assert len(seen) == 5
        await support.close()


@pytest.mark.anyio
async def test_restored_on_exit_after_an_exception_and_nested_stubbers() -> None:
    support = SupportClient()
    outer_page = cases_page("outer")
    inner_page = cases_page("inner")
    with Stubber(support) as outer:
        outer.add_response(support.describe_cases, outer_page)
        with pytest.raises(KeyError), Stubber(support, assert_all_used=True) as inner:
            inner.add_response(support.describe_cases, inner_page)
            raise KeyError("x")  # an exception in the block: no assert_all_used failure
        assert await support.describe_cases() is outer_page
    assert support._stub is None  # pyright: ignore[reportPrivateUsage]


def test_assert_all_used_on_exit() -> None:
    support = SupportClient()
    with (
        pytest.raises(StubAssertionError) as caught,
        Stubber(support, assert_all_used=True) as stub,
    ):
        stub.add_response(support.describe_cases, cases_page())
        stub.add_error(support.resolve_case, CaseIdNotFound("x"))
    assert str(caught.value) == "2 queued response(s) not used: describe_cases, resolve_case"
    assert support._stub is None  # pyright: ignore[reportPrivateUsage]
    with Stubber(support) as stub:  # without assert_all_used, leftovers are allowed
        stub.add_response(support.describe_cases, cases_page())


@pytest.mark.anyio
async def test_assert_all_used_async_with() -> None:
    support = SupportClient()
    with pytest.raises(
        StubAssertionError, match=r"^1 queued response\(s\) not used: describe_cases$"
    ):
        async with Stubber(support, assert_all_used=True) as stub:
            stub.add_response(support.describe_cases, cases_page())


@pytest.mark.anyio
async def test_concurrent_calls_take_responses_in_call_order() -> None:
    support = SupportClient()
    results: dict[str, Any] = {}
    first, second = cases_page("1"), cases_page("2")

    async def call(label: str) -> None:
        results[label] = await support.describe_cases()

    with Stubber(support, assert_all_used=True) as stub:
        stub.add_response(support.describe_cases, first)
        stub.add_response(support.describe_cases, second)
        await call("a")
        async with anyio.create_task_group() as tg:
            tg.start_soon(call, "b")
    assert results == {"a": first, "b": second}


# ------------------------------------------------------------------- the documented example


def _stubber_doc_blocks() -> list[str]:
    text = DOCS.read_text(encoding="utf-8")
    return re.findall(r"<!-- tested: awsmith.testing -->\n```python\n(.*?)\n```", text, re.DOTALL)


def test_documented_example_runs() -> None:
    blocks = _stubber_doc_blocks()
    assert len(blocks) == 1
    source = blocks[0]
    assert "from awsmith.testing import ANY, Stubber" in source
    namespace: dict[str, Any] = {"__name__": "docs_testing_stubber"}
    exec(compile(source, "<docs/testing.md: awsmith.testing>", "exec"), namespace)
    tests = [value for key, value in namespace.items() if key.startswith("test_")]
    assert len(tests) == 2
    for test in tests:
        anyio.run(test)


# ------------------------------------------------------ wire-shaped (botocore) fixtures

#: Fixtures as botocore ``Stubber`` tests hold them: the service's member names,
#: datetimes for timestamps, and sometimes the ``ResponseMetadata`` of a real response.
BOTOCORE_CASES: dict[str, Any] = {
    "cases": [
        {
            "caseId": "case-12345678910-2013-c4c1d2bf33c5cf47",
            "displayId": "1234567890",
            "subject": "Broken",
            "status": "opened",
            "recentCommunications": {
                "communications": [
                    {
                        "body": "hi",
                        "submittedBy": "me@example.com",
                        "timeCreated": "2024-05-01T10:00:00Z",
                    }
                ],
                "nextToken": "c2",
            },
        }
    ],
    "nextToken": "page-2",
    "ResponseMetadata": {"RequestId": "r-1", "HTTPStatusCode": 200},
}
BOTOCORE_PROFILE_TIMES: dict[str, Any] = {
    "profileTimes": [{"start": datetime(2024, 5, 1, 10, 0, tzinfo=UTC)}],
}


def test_the_fixtures_are_what_botocore_stubber_accepts() -> None:
    """The same dicts pass botocore's own ``Stubber`` (which checks them against
    botocore's model), so they are real botocore fixtures."""
    import botocore.session
    from botocore.stub import Stubber as BotocoreStubber

    session = botocore.session.get_session()
    for service, op, fixture in (
        ("support", "describe_cases", BOTOCORE_CASES),
        ("codeguruprofiler", "list_profile_times", BOTOCORE_PROFILE_TIMES),
    ):
        client = session.create_client(
            service, region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b"
        )
        with BotocoreStubber(client) as stub:
            stub.add_response(op, fixture)
            response = (
                getattr(client, op)()
                if op == "describe_cases"
                else getattr(client, op)(
                    profilingGroupName="g",
                    period="PT5M",
                    startTime=datetime(2024, 5, 1, tzinfo=UTC),
                    endTime=datetime(2024, 5, 2, tzinfo=UTC),
                )
            )
            assert {k: v for k, v in response.items() if k != "ResponseMetadata"} == {
                k: v for k, v in fixture.items() if k != "ResponseMetadata"
            }


@pytest.mark.anyio
async def test_a_wire_shaped_dict_is_read_as_the_typed_response() -> None:
    support = SupportClient()
    profiler = CodeGuruProfilerClient()
    with Stubber(support) as stub, Stubber(profiler) as profiler_stub:
        stub.add_response(support.describe_cases, BOTOCORE_CASES)
        profiler_stub.add_response("list_profile_times", BOTOCORE_PROFILE_TIMES)
        page = await support.describe_cases()
        times = await profiler.list_profile_times(
            profiling_group_name="g", period="PT5M", start_time=datetime(2024, 5, 1, tzinfo=UTC),
            end_time=datetime(2024, 5, 2, tzinfo=UTC),
        )  # fmt: skip
    assert page == s.DescribeCasesResponse(
        cases=[
            s.CaseDetails(
                case_id="case-12345678910-2013-c4c1d2bf33c5cf47",
                display_id="1234567890",
                subject="Broken",
                status=s.CaseStatus.OPENED,
                recent_communications=s.RecentCaseCommunications(
                    communications=[
                        s.Communication(
                            body="hi",
                            submitted_by="me@example.com",
                            time_created="2024-05-01T10:00:00Z",
                        )
                    ],
                    next_token="c2",
                ),
            )
        ],
        next_token="page-2",
    )
    assert page.cases is not None and page.cases[0].status is s.CaseStatus.OPENED
    assert times == c.ListProfileTimesResponse(
        profile_times=[c.ProfileTime(start=datetime(2024, 5, 1, 10, 0, tzinfo=UTC))]
    )


def test_a_dict_that_does_not_fit_the_response_is_rejected_with_its_path() -> None:
    support = SupportClient()
    with Stubber(support) as stub:
        with pytest.raises(awsmith.ParamValidationError) as info:
            stub.add_response(support.describe_cases, {"cases": [{"caseID": "x"}]})
        assert info.value.field == "cases[0].caseID"
        assert info.value.rule == "unknown"
        with pytest.raises(awsmith.ParamValidationError) as info:
            stub.add_response(
                "describe_cases", {"cases": [{"case_id": "python names are not wire names"}]}
            )
        assert info.value.field == "cases[0].case_id"
        stub.assert_no_pending_responses()


@pytest.mark.anyio
async def test_the_stubber_goes_through_the_clients_seam_and_method_table() -> None:
    """The Stubber reaches the client only through its seam (``_route_calls``) and the
    generated method table: every operation of both clients is in the table under the
    name of a method of the class, and a routed call reaches the handler with the
    operation and the request the method built."""
    for cls in (SupportClient, CodeGuruProfilerClient):
        table = cls._operation_methods  # pyright: ignore[reportPrivateUsage]
        assert len(table) == len(
            {v.name for v in vars(sys.modules[cls.__module__]._serde).values() if isinstance(v, Operation)}
        )
        for method in table.values():
            assert callable(getattr(cls, method))
    support = SupportClient()
    seen: list[tuple[str, object]] = []
    page = cases_page("routed")

    async def handler(operation: Operation[Any, Any], request: object) -> object:
        seen.append((operation.name, request))
        return page

    assert support._route_calls(handler) is None  # pyright: ignore[reportPrivateUsage]
    view = support.with_options(max_attempts=1)
    assert await view.describe_cases(case_id_list=["a"]) is page
    assert seen[0][0] == "DescribeCases"
    assert seen[0][1] == s.DescribeCasesRequest(case_id_list=["a"])
    assert support._route_calls(None) is handler  # pyright: ignore[reportPrivateUsage]
    assert view._stub is None  # pyright: ignore[reportPrivateUsage]


@pytest.mark.anyio
async def test_a_call_of_an_operation_the_client_does_not_have_is_named() -> None:
    """The generated method table names every operation of the client; a call of one it
    lacks (another service's, sent through the client's pipeline) is refused naming it,
    not matched under a guessed method name."""
    from awsmith.codeguruprofiler._serde import LIST_PROFILING_GROUPS

    support = SupportClient()
    with Stubber(support) as stub:
        stub.add_response("describe_services", s.DescribeServicesResponse(services=[]))
        with pytest.raises(StubAssertionError) as raised:
            await support._invoke(  # pyright: ignore[reportPrivateUsage]
                LIST_PROFILING_GROUPS, c.ListProfilingGroupsRequest()
            )
    assert str(raised.value) == (
        "unexpected call to ListProfilingGroups: not an operation of this client"
    )
