"""Interceptors: the order of the hooks, what each sees, what the modify hooks may
change (and the clear errors for what they may not), and how a hook's exception ends
the call. On a scripted MockTransport: exact wire assertions, signatures checked with
botocore's signer."""

from __future__ import annotations

import json
import typing
from typing import Any

import anyio
import httpx
import pytest

import awsmith
from awsmith._core.interceptors import NEVER_SIGNED, UNSIGNED_HEADERS
from awsmith.support import SupportClient
from awsmith.support import shapes as s
from tests.unit.mockaws import (
    AWS_JSON_SIGNED,
    HOOKS,
    REGION,
    REQUEST_ID,
    Hang,
    Script,
    check_signature,
    credentials,
    error_reply,
    intercepted_support,
    json_reply,
)

pytestmark = pytest.mark.anyio

CASES = {"cases": [{"caseId": "case-1"}]}


def _describe(value: Any) -> str:
    return "-" if value is None else type(value).__name__


class Recorder(awsmith.Interceptor):
    """Records every hook with what the context holds at that point."""

    def __init__(self, name: str, log: list[tuple[str, ...]]) -> None:
        self.name = name
        self.log = log

    def _note(self, hook: str, context: awsmith.InterceptorContext) -> None:
        transport_response = context.transport_response
        self.log.append(
            (
                self.name,
                hook,
                str(context.attempt),
                "req" if context.transport_request is not None else "-",
                str(transport_response.status) if transport_response is not None else "-",
                _describe(context.response),
            )
        )

    def read_before_execution(self, context: awsmith.InterceptorContext) -> None:
        self._note("read_before_execution", context)

    def modify_before_signing(self, context: awsmith.InterceptorContext) -> awsmith.TransportRequest:
        self._note("modify_before_signing", context)
        return super().modify_before_signing(context)

    def read_before_transmit(self, context: awsmith.InterceptorContext) -> None:
        self._note("read_before_transmit", context)

    def read_after_transmit(self, context: awsmith.InterceptorContext) -> None:
        self._note("read_after_transmit", context)

    def read_after_attempt(self, context: awsmith.InterceptorContext) -> None:
        self._note("read_after_attempt", context)

    def modify_before_completion(self, context: awsmith.InterceptorContext) -> Any:
        self._note("modify_before_completion", context)
        return super().modify_before_completion(context)

    def read_after_execution(self, context: awsmith.InterceptorContext) -> None:
        self._note("read_after_execution", context)


async def test_hooks_run_in_order_per_call_and_per_attempt() -> None:
    log: list[tuple[str, ...]] = []
    script = Script(error_reply("ServiceUnavailable", status=503), json_reply(CASES))
    async with intercepted_support(script, Recorder("A", log), Recorder("B", log)) as support:
        response = await support.describe_cases()
    assert response.cases == [s.CaseDetails(case_id="case-1")]

    def both(hook: str, attempt: str, req: str, status: str, response: str) -> list[tuple[str, ...]]:
        # given order before the request is sent, reverse order after: A is outermost
        names = "AB" if hook in ("read_before_execution", "modify_before_signing",
                                 "read_before_transmit") else "BA"
        return [(name, hook, attempt, req, status, response) for name in names]

    assert log == [
        *both("read_before_execution", "None", "-", "-", "-"),
        *both("modify_before_signing", "1", "req", "-", "-"),
        *both("read_before_transmit", "1", "req", "-", "-"),
        *both("read_after_transmit", "1", "req", "503", "-"),
        *both("read_after_attempt", "1", "req", "503", "ServiceUnavailable"),
        *both("modify_before_signing", "2", "req", "-", "-"),
        *both("read_before_transmit", "2", "req", "-", "-"),
        *both("read_after_transmit", "2", "req", "200", "-"),
        *both("read_after_attempt", "2", "req", "200", "DescribeCasesResponse"),
        *both("modify_before_completion", "2", "req", "200", "DescribeCasesResponse"),
        *both("read_after_execution", "2", "req", "200", "DescribeCasesResponse"),
    ]
    assert len(script.requests) == 2


async def test_the_context_names_the_call_and_holds_the_typed_input_and_output() -> None:
    seen: list[awsmith.InterceptorContext] = []

    class Keep(awsmith.Interceptor):
        def read_after_execution(self, context: awsmith.InterceptorContext) -> None:
            seen.append(context)

    async with intercepted_support(Script(json_reply(CASES)), Keep()) as support:
        response = await support.describe_cases(case_id_list=["case-1"])
    (context,) = seen
    assert context.operation_name == "DescribeCases"
    assert context.service_id == "Support"
    assert context.request == s.DescribeCasesRequest(case_id_list=["case-1"])
    assert context.response is response
    assert context.attempt == 1
    sent = context.transport_request
    assert sent is not None
    assert sent.method == "POST"
    assert sent.url == "https://support.us-east-1.amazonaws.com/"
    assert sent.headers["X-Amz-Target"] == "AWSSupport_20130415.DescribeCases"
    assert sent.headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=")
    assert json.loads(sent.body) == {"caseIdList": ["case-1"]}
    received = context.transport_response
    assert received is not None
    assert received.status == 200
    assert received.headers["X-AMZN-REQUESTID"] == REQUEST_ID


class AddHeader(awsmith.Interceptor):
    """Sets ``x-attempt-note`` to the attempt number on each attempt."""

    def modify_before_signing(self, context: awsmith.InterceptorContext) -> awsmith.TransportRequest:
        request = context.transport_request
        assert request is not None
        request.headers["x-attempt-note"] = f"attempt {context.attempt}"
        return request


async def test_a_header_added_before_signing_is_sent_and_signed_on_every_attempt() -> None:
    script = Script(error_reply("ServiceUnavailable", status=503), json_reply(CASES))
    async with intercepted_support(script, AddHeader()) as support:
        await support.describe_cases()
    assert [r.headers["x-attempt-note"] for r in script.requests] == ["attempt 1", "attempt 2"]
    for request in script.requests:
        # each attempt starts from the serialized request: nothing piles up
        assert request.headers.get_list("x-attempt-note") == [request.headers["x-attempt-note"]]
        check_signature(
            request,
            region="us-east-1",
            service="support",
            must_sign=[*AWS_JSON_SIGNED, "x-attempt-note"],
        )
    assert [r.headers["amz-sdk-request"] for r in script.requests] == [
        "attempt=1; max=3",
        "attempt=2; max=3",
    ]


async def test_a_new_request_and_a_new_body_may_be_returned_and_are_signed() -> None:
    class NewBody(awsmith.Interceptor):
        def modify_before_signing(
            self, context: awsmith.InterceptorContext
        ) -> awsmith.TransportRequest:
            request = context.transport_request
            assert request is not None
            return awsmith.TransportRequest(
                request.method,
                request.url,
                {**request.headers, "x-extra": "1"},
                b'{"caseIdList":["replaced"]}',
            )

    script = Script(json_reply(CASES))
    async with intercepted_support(script, NewBody()) as support:
        await support.describe_cases(case_id_list=["original"])
    assert script.request.content == b'{"caseIdList":["replaced"]}'
    check_signature(
        script.request,
        region="us-east-1",
        service="support",
        must_sign=[*AWS_JSON_SIGNED, "x-extra"],
    )


def _set(attribute: str, value: Any) -> Any:
    """A change made in place: ``attribute`` of the request given, set to ``value(it)``."""

    def change(request: awsmith.TransportRequest) -> awsmith.TransportRequest:
        setattr(request, attribute, value(request))
        return request

    return change


def _header(name: str) -> Any:
    return _set("headers", lambda r: {**r.headers, name: "close"})


#: Changed on the request given rather than on a new one, the URL or method used to be
#: ignored silently (the request went to the original URL): refused like a new one.
_IN_PLACE = [
    (_set("url", lambda r: r.url + "?x=1"), "POST https://support.us-east-1.amazonaws.com/?x=1"),
    (_set("url", lambda r: "https://elsewhere.example/"), "POST https://elsewhere.example/"),
    (_set("method", lambda r: "PUT"), "PUT https://support.us-east-1.amazonaws.com/"),
]
_HOP_BY_HOP = (
    "is hop-by-hop (RFC 9110 section 7.6.1): a proxy drops or changes it, and the sender "
    "manages the connection; interceptors may not set it"
)
_FOR_PROXY = (
    "is meant for the next proxy only (RFC 9110 section 11.7): a proxy consumes it, and the "
    "sender authenticates to Config.proxies itself; interceptors may not set it"
)
_SIGNER = "is set by awsmith's signer and sender, not by interceptors"
#: Headers a proxy drops or rewrites, or that describe the connection or the framing
#: (a signature over them breaks on the way, and the sender manages both), and why each
#: is refused, with the RFC that says so: RFC 9110 section 7.6.1 lists the hop-by-hop
#: ones (Proxy-Connection included), section 11.7 the Proxy-* authentication ones (the
#: reason used to cite 7.6.1 for them, and for Trailer). Proxy_Authorization and
#: HTTP2-Settings used to be sent, and signed.
_REFUSED_HEADERS = {
    "Connection": _HOP_BY_HOP,
    "keep-alive": _HOP_BY_HOP,
    "TE": _HOP_BY_HOP,
    "Upgrade": _HOP_BY_HOP,
    "Proxy-Connection": _HOP_BY_HOP,
    "Proxy-Authorization": _FOR_PROXY,
    "proxy-authenticate": _FOR_PROXY,
    "Proxy-Anything": _FOR_PROXY,
    "Trailer": "announces trailer fields (RFC 9110 section 6.6.2), and awsmith's requests "
    "have none; interceptors may not set it",
    "HTTP2-Settings": "belongs to the h2c upgrade (RFC 7540 section 3.2.1; deprecated by "
    "RFC 9113 section 3.1), connection-specific like Upgrade; interceptors may not set it",
    # CGI and WSGI servers read _ as - (HTTP_PROXY_AUTHORIZATION either way)
    "Proxy_Authorization": "reads as proxy-authorization where _ and - are the same (CGI "
    f"and WSGI servers, RFC 3875 section 4.1.18), and proxy-authorization {_FOR_PROXY}",
    "X_Amz_Date": "reads as x-amz-date where _ and - are the same (CGI and WSGI servers, "
    f"RFC 3875 section 4.1.18), and x-amz-date {_SIGNER}",
    "keep_alive": "reads as keep-alive where _ and - are the same (CGI and WSGI servers, "
    f"RFC 3875 section 4.1.18), and keep-alive {_HOP_BY_HOP}",
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda r: None,
            "Bad.modify_before_signing must return an awsmith.TransportRequest, got NoneType",
        ),
        (
            lambda r: awsmith.TransportRequest("GET", r.url, r.headers, r.body),
            "Bad.modify_before_signing changed the request's method or URL "
            "(GET https://support.us-east-1.amazonaws.com/): only headers and the body may change",
        ),
        (
            lambda r: awsmith.TransportRequest(r.method, r.url + "?x=1", r.headers, r.body),
            "Bad.modify_before_signing changed the request's method or URL "
            "(POST https://support.us-east-1.amazonaws.com/?x=1): only headers and the body "
            "may change",
        ),
        (
            lambda r: awsmith.TransportRequest(r.method, r.url, r.headers, "text"),
            "Bad.modify_before_signing: the body must be bytes, got str",
        ),
        (
            lambda r: awsmith.TransportRequest(
                r.method, r.url, {**r.headers, "x-bad": "a\r\nInjected: yes"}, r.body
            ),
            "Bad.modify_before_signing: the value of the x-bad header may hold only visible "
            "ASCII, spaces and tabs; it has '\\r' at position 1",
        ),
        (
            lambda r: awsmith.TransportRequest(r.method, r.url, {**r.headers, "x-n": 1}, r.body),
            "Bad.modify_before_signing: the value of the x-n header must be a str, got int",
        ),
        (
            lambda r: awsmith.TransportRequest(
                r.method, r.url, {**r.headers, "bad name": "v"}, r.body
            ),
            "Bad.modify_before_signing: 'bad name' is not a valid header name",
        ),
        (
            lambda r: awsmith.TransportRequest(
                r.method, r.url, {**r.headers, "Authorization": "mine"}, r.body
            ),
            "Bad.modify_before_signing: the Authorization header is set by awsmith's signer "
            "and sender, not by interceptors",
        ),
        (
            lambda r: awsmith.TransportRequest(
                r.method, r.url, {**r.headers, "content-length": "3"}, r.body
            ),
            "Bad.modify_before_signing: the content-length header is set by awsmith's signer "
            "and sender, not by interceptors",
        ),
        (
            lambda r: awsmith.TransportRequest(
                r.method, r.url, {**r.headers, "content-type": "text/plain"}, r.body
            ),
            "Bad.modify_before_signing: the content-type header is also given as "
            "Content-Type (header names are case-insensitive: change the one the request has)",
        ),
        (
            lambda r: awsmith.TransportRequest(
                r.method, r.url, {**r.headers, "User-Agent": "mine/1.0"}, r.body
            ),
            "Bad.modify_before_signing: the User-Agent header is set by awsmith: add to it "
            "with Config.user_agent_extra",
        ),
        *[
            (change, f"Bad.modify_before_signing changed the request's method or URL ({shown}): "
             "only headers and the body may change")
            for change, shown in _IN_PLACE
        ],
        *[
            (_header(name), f"Bad.modify_before_signing: the {name} header {reason}")
            for name, reason in _REFUSED_HEADERS.items()
        ],
    ],
)
async def test_what_modify_before_signing_may_not_do_is_refused_before_sending(
    change: Any, message: str
) -> None:
    class Bad(awsmith.Interceptor):
        def modify_before_signing(self, context: awsmith.InterceptorContext) -> Any:
            return change(context.transport_request)

    script = Script(json_reply(CASES))
    async with intercepted_support(script, Bad()) as support:
        with pytest.raises(awsmith.ConfigurationError) as info:
            await support.describe_cases()
    assert str(info.value) == f"{message} (when calling the DescribeCases operation)"
    assert script.requests == []


class Boom(Exception):
    pass


@pytest.mark.parametrize("stage", HOOKS[1:5])
async def test_an_exception_in_an_attempt_hook_ends_the_call_unretried(stage: str) -> None:
    ended: list[Any] = []

    class Raise(awsmith.Interceptor):
        pass

    def boom(self: Any, context: awsmith.InterceptorContext) -> None:
        raise Boom(stage)

    setattr(Raise, stage, boom)

    class Last(awsmith.Interceptor):
        def read_after_execution(self, context: awsmith.InterceptorContext) -> None:
            ended.append(context.response)

    # The first attempt would fail retryably: the hook's exception is not retried.
    script = Script(error_reply("ServiceUnavailable", status=503), json_reply(CASES))
    async with intercepted_support(script, Raise(), Last()) as support:
        with pytest.raises(Boom, match=stage):
            await support.describe_cases()
    sent = 0 if stage in ("modify_before_signing", "read_before_transmit") else 1
    assert len(script.requests) == sent
    assert len(ended) == 1
    assert isinstance(ended[0], Boom)


async def test_read_before_execution_runs_every_hook_and_ends_with_the_last_exception(
    caplog: pytest.LogCaptureFixture,
) -> None:
    log: list[tuple[str, ...]] = []

    class First(awsmith.Interceptor):
        def read_before_execution(self, context: awsmith.InterceptorContext) -> None:
            raise Boom("first")

    class Second(awsmith.Interceptor):
        def read_before_execution(self, context: awsmith.InterceptorContext) -> None:
            raise Boom("second")

    script = Script(json_reply(CASES))
    recorder = Recorder("R", log)
    async with intercepted_support(script, First(), recorder, Second()) as support:
        with pytest.raises(Boom, match="second"):
            # Invalid input too: nothing is validated or sent after the hook failed.
            await support.describe_cases(max_results=1)
    assert script.requests == []
    assert [entry[1] for entry in log] == [
        "read_before_execution",
        "modify_before_completion",
        "read_after_execution",
    ]
    assert log[-1][-1] == "Boom"
    assert "First.read_before_execution raised Boom, replaced by a later" in caplog.text


async def test_the_completion_hooks_see_errors_before_any_attempt() -> None:
    log: list[tuple[str, ...]] = []
    script = Script(json_reply(CASES))
    async with intercepted_support(script, Recorder("R", log)) as support:
        with pytest.raises(awsmith.ParamValidationError):
            await support.describe_cases(max_results=1)  # the model's minimum is 10
    assert log == [
        ("R", "read_before_execution", "None", "-", "-", "-"),
        ("R", "modify_before_completion", "None", "-", "-", "ParamValidationError"),
        ("R", "read_after_execution", "None", "-", "-", "ParamValidationError"),
    ]
    assert script.requests == []


async def test_modify_before_completion_may_replace_an_error_with_an_output() -> None:
    class Fallback(awsmith.Interceptor):
        def modify_before_completion(self, context: awsmith.InterceptorContext) -> Any:
            if isinstance(context.response, awsmith.ServiceError):
                return s.DescribeCasesResponse(cases=[])
            return context.response

    script = Script(error_reply("AccessDeniedException", status=400))
    async with intercepted_support(script, Fallback()) as support:
        response = await support.describe_cases()
    assert response == s.DescribeCasesResponse(cases=[])
    assert len(script.requests) == 1


async def test_modify_before_completion_may_replace_an_output_with_an_error() -> None:
    class Refuse(awsmith.Interceptor):
        def modify_before_completion(self, context: awsmith.InterceptorContext) -> Any:
            return Boom(f"refused {type(context.response).__name__}")

    class Later(awsmith.Interceptor):
        def modify_before_completion(self, context: awsmith.InterceptorContext) -> Any:
            assert isinstance(context.response, Boom)  # sees the replacement
            return context.response

    # the completion hooks run in reverse order: Refuse (given last) runs first
    async with intercepted_support(Script(json_reply(CASES)), Later(), Refuse()) as support:
        with pytest.raises(Boom, match="refused DescribeCasesResponse"):
            await support.describe_cases()


async def test_an_exception_in_a_completion_hook_ends_the_call_and_the_rest_still_run() -> None:
    ended: list[Any] = []

    class Raise(awsmith.Interceptor):
        def modify_before_completion(self, context: awsmith.InterceptorContext) -> Any:
            raise Boom("completion")

    class Last(awsmith.Interceptor):
        def read_after_execution(self, context: awsmith.InterceptorContext) -> None:
            ended.append(context.response)

    async with intercepted_support(Script(json_reply(CASES)), Raise(), Last()) as support:
        with pytest.raises(Boom, match="completion"):
            await support.describe_cases()
    assert [type(e) for e in ended] == [Boom]


async def test_read_after_execution_exceptions_end_the_call_after_every_hook_ran() -> None:
    ran: list[str] = []

    class Raise(awsmith.Interceptor):
        def read_after_execution(self, context: awsmith.InterceptorContext) -> None:
            ran.append("raise")
            raise Boom("after")

    class Last(awsmith.Interceptor):
        def read_after_execution(self, context: awsmith.InterceptorContext) -> None:
            ran.append("last")

    async with intercepted_support(Script(json_reply(CASES)), Raise(), Last()) as support:
        with pytest.raises(Boom, match="after"):
            await support.describe_cases()
    assert ran == ["last", "raise"]  # reverse order: Raise (given first) is outermost


async def test_a_cancelled_call_runs_the_completion_hooks_and_stays_cancelled() -> None:
    ended: list[Any] = []
    sent = anyio.Event()

    class Swallow(awsmith.Interceptor):
        def read_before_transmit(self, context: awsmith.InterceptorContext) -> None:
            sent.set()

        def modify_before_completion(self, context: awsmith.InterceptorContext) -> Any:
            return s.DescribeCasesResponse(cases=[])  # must not turn cancellation into a result

        def read_after_execution(self, context: awsmith.InterceptorContext) -> None:
            ended.append(context.response)

    finished = False

    async def call(support: SupportClient) -> None:
        nonlocal finished
        await support.describe_cases()
        finished = True  # pragma: no cover

    async with intercepted_support(Hang(), Swallow()) as support, anyio.create_task_group() as group:
        group.start_soon(call, support)
        await sent.wait()
        group.cancel_scope.cancel()
    assert not finished
    assert len(ended) == 1
    assert isinstance(ended[0], anyio.get_cancelled_exc_class())


async def test_a_response_that_does_not_parse_reaches_read_after_attempt() -> None:
    log: list[tuple[str, ...]] = []
    script = Script(json_reply(raw=b"{not json"))
    async with intercepted_support(script, Recorder("R", log)) as support:
        with pytest.raises(awsmith.ResponseParseError):
            await support.describe_cases()
    assert ("R", "read_after_attempt", "1", "req", "200", "ResponseParseError") in log


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (awsmith.Interceptor, "interceptors must be a sequence of awsmith.Interceptor, got type"),
        ([awsmith.Interceptor], "interceptors[0] is the class Interceptor: pass an instance, "
         "Interceptor()"),
        ([awsmith.Interceptor(), object()], "interceptors[1] must be an awsmith.Interceptor, "
         "got object"),
        ("abc", "interceptors must be a sequence of awsmith.Interceptor, got str"),
        (None, "interceptors must be a sequence of awsmith.Interceptor, got NoneType"),
    ],
)
def test_the_constructor_refuses_what_is_not_an_interceptor(value: Any, message: str) -> None:
    with pytest.raises(awsmith.ConfigurationError) as info:
        SupportClient(region=REGION, credentials=credentials(), interceptors=value)
    assert str(info.value) == message


async def test_interceptors_are_used_in_the_order_given_from_any_iterable() -> None:
    log: list[tuple[str, ...]] = []
    recorders = (Recorder(name, log) for name in "XYZ")  # a generator is read once, now
    async with httpx.AsyncClient(transport=httpx.MockTransport(Script(json_reply(CASES)))) as http:
        support = SupportClient(
            region=REGION, credentials=credentials(), http_client=http, interceptors=recorders
        )
        await support.describe_cases()
        await support.describe_cases()
        await support.close()
    firsts = [entry[0] for entry in log if entry[1] == "read_before_execution"]
    assert firsts == ["X", "Y", "Z", "X", "Y", "Z"]


async def test_an_accept_encoding_set_in_any_case_is_the_only_one_sent_and_is_signed() -> None:
    class Encoding(awsmith.Interceptor):
        def modify_before_signing(
            self, context: awsmith.InterceptorContext
        ) -> awsmith.TransportRequest:
            request = super().modify_before_signing(context)
            request.headers["accept-encoding"] = "identity;q=1"
            return request

    script = Script(json_reply(CASES))
    async with intercepted_support(script, Encoding()) as support:
        await support.describe_cases()
    assert script.request.headers.get_list("accept-encoding") == ["identity;q=1"]
    check_signature(
        script.request,
        region="us-east-1",
        service="support",
        must_sign=[*AWS_JSON_SIGNED, "accept-encoding"],
    )


async def test_a_read_hook_changing_the_request_it_is_shown_changes_nothing_sent() -> None:
    class Meddle(awsmith.Interceptor):
        def read_before_transmit(self, context: awsmith.InterceptorContext) -> None:
            request = context.transport_request
            assert request is not None
            request.headers["X-Amz-Target"] = "AWSSupport_20130415.ResolveCase"
            request.headers["x-sneaked"] = "in"

    script = Script(json_reply(CASES))
    async with intercepted_support(script, Meddle()) as support:
        await support.describe_cases()
    assert script.request.headers["X-Amz-Target"] == "AWSSupport_20130415.DescribeCases"
    assert "x-sneaked" not in script.request.headers


async def test_an_attempt_cut_short_by_call_timeout_still_reaches_read_after_attempt() -> None:
    log: list[tuple[str, ...]] = []
    config = awsmith.Config(call_timeout=0.05)
    async with intercepted_support(Hang(), Recorder("R", log), config=config) as support:
        with pytest.raises(awsmith.DeadlineExceededError):
            await support.describe_cases()
    cancelled = anyio.get_cancelled_exc_class().__name__
    assert log[-4:] == [
        ("R", "read_before_transmit", "1", "req", "-", "-"),
        ("R", "read_after_attempt", "1", "req", "-", cancelled),
        ("R", "modify_before_completion", "1", "req", "-", "DeadlineExceededError"),
        ("R", "read_after_execution", "1", "req", "-", "DeadlineExceededError"),
    ]


def test_the_context_and_request_types_resolve_at_runtime() -> None:
    # cattrs, pydantic and documentation tools read annotations at runtime
    hints = typing.get_type_hints(awsmith.InterceptorContext)
    assert hints["transport_response"] == awsmith.TransportResponse | None
    assert hints["transport_request"] == awsmith.TransportRequest | None
    assert typing.get_type_hints(awsmith.TransportRequest)["headers"] == dict[str, str]


# ---------------------------------------------------------------- issue 22, items 5 and 6


async def test_an_exception_in_modify_before_completion_stops_the_stage() -> None:
    """A modify_* stage stops at its first exception (the reference architecture's
    InterceptorChain): the next interceptor's modify_before_completion does not run
    (it used to, and turned the exception back into a response), and every
    read_after_execution sees the exception the caller gets."""
    log: list[tuple[str, ...]] = []

    class Swallow(Recorder):
        def modify_before_completion(self, context: awsmith.InterceptorContext) -> Any:
            super().modify_before_completion(context)
            return s.DescribeCasesResponse(cases=[])

    class Raise(Recorder):
        def modify_before_completion(self, context: awsmith.InterceptorContext) -> Any:
            super().modify_before_completion(context)
            raise Boom("completion")

    # the completion hooks run in reverse order: Raise (given last) runs first
    script = Script(json_reply(CASES))
    async with intercepted_support(script, Swallow("S", log), Raise("R", log)) as support:
        with pytest.raises(Boom, match="completion"):
            await support.describe_cases()
    assert log[-3:] == [
        ("R", "modify_before_completion", "1", "req", "200", "DescribeCasesResponse"),
        ("R", "read_after_execution", "1", "req", "200", "Boom"),
        ("S", "read_after_execution", "1", "req", "200", "Boom"),
    ]
    assert [entry for entry in log if entry[0] == "S" and entry[1] in HOOKS[5:]] == [
        ("S", "read_after_execution", "1", "req", "200", "Boom")
    ]


#: The hooks that run up to the stage whose hook raises, for an interceptor A given
#: before R: (who, hook, status seen).
_UP_TO = {
    "modify_before_signing": [("A", "modify_before_signing", "-"),
                              ("R", "modify_before_signing", "-")],
    "read_before_transmit": [("A", "modify_before_signing", "-"),
                             ("R", "modify_before_signing", "-"),
                             ("A", "read_before_transmit", "-"),
                             ("R", "read_before_transmit", "-")],
    "read_after_transmit": [("A", "modify_before_signing", "-"),
                            ("R", "modify_before_signing", "-"),
                            ("A", "read_before_transmit", "-"),
                            ("R", "read_before_transmit", "-"),
                            ("R", "read_after_transmit", "503"),
                            ("A", "read_after_transmit", "503")],  # a read stage: all run
}


@pytest.mark.parametrize("stage", list(_UP_TO))
async def test_read_after_attempt_runs_for_an_attempt_a_hook_ended(stage: str) -> None:
    """Every attempt that started gets read_after_attempt, with the exception that
    ended it, in every interceptor; then the completion hooks. It used to be skipped,
    so what an interceptor opened for the attempt was never closed."""
    log: list[tuple[str, ...]] = []

    class Raise(Recorder):
        pass

    def boom(self: Recorder, context: awsmith.InterceptorContext) -> Any:
        self._note(stage, context)  # pyright: ignore[reportPrivateUsage]
        raise Boom(stage)

    setattr(Raise, stage, boom)
    # A retryable first answer: the hook's exception is not retried all the same.
    script = Script(error_reply("ServiceUnavailable", status=503), json_reply(CASES))
    async with intercepted_support(script, Recorder("A", log), Raise("R", log)) as support:
        with pytest.raises(Boom, match=stage):
            await support.describe_cases()
    sent = stage == "read_after_transmit"
    assert len(script.requests) == int(sent)
    status = "503" if sent else "-"
    assert log == [
        ("A", "read_before_execution", "None", "-", "-", "-"),
        ("R", "read_before_execution", "None", "-", "-", "-"),
        *[(who, hook, "1", "req", seen, "-") for who, hook, seen in _UP_TO[stage]],
        ("R", "read_after_attempt", "1", "req", status, "Boom"),
        ("A", "read_after_attempt", "1", "req", status, "Boom"),
        ("R", "modify_before_completion", "1", "req", status, "Boom"),
        ("A", "modify_before_completion", "1", "req", status, "Boom"),
        ("R", "read_after_execution", "1", "req", status, "Boom"),
        ("A", "read_after_execution", "1", "req", status, "Boom"),
    ]


async def test_read_after_attempt_runs_for_an_attempt_whose_credentials_failed() -> None:
    log: list[tuple[str, ...]] = []

    async def no_credentials() -> awsmith.Credentials:
        raise awsmith.NoCredentialsError("the vault is sealed")

    async with httpx.AsyncClient(transport=httpx.MockTransport(Script(json_reply(CASES)))) as http:
        support = SupportClient(
            region=REGION, credentials=no_credentials, http_client=http,
            interceptors=[Recorder("R", log)],
        )
        with pytest.raises(awsmith.CredentialsError):
            await support.describe_cases()
        await support.close()
    assert [(entry[1], entry[2], entry[-1]) for entry in log] == [
        ("read_before_execution", "None", "-"),
        ("read_after_attempt", "1", "CredentialsError"),
        ("modify_before_completion", "1", "CredentialsError"),
        ("read_after_execution", "1", "CredentialsError"),
    ]


# ---------------------------------------------------------------- issue 22, items 7 and 8


#: What an interceptor may add that botocore never signs: X-Ray's header (the one
#: docs/observability.md recommends adding here), W3C trace context and Expect.
UNSIGNED_ADDED = {
    "X-Amzn-Trace-Id": "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1",
    "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    "tracestate": "congo=t61rcWkgMzE",
    "baggage": "userId=alice",
    "Expect": "100-continue",
}


def _botocore_signs(method: str, url: str, headers: dict[str, str]) -> set[str]:
    """The header names botocore's SigV4Auth signs for a request with ``headers`` (its
    ``headers_to_sign``, which applies the installed botocore's blacklist, and adds
    Host), once the signer's X-Amz-Date is added."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials as BotoCredentials

    boto = AWSRequest(method=method, url=url, headers={**headers, "X-Amz-Date": "x"})
    signer = SigV4Auth(BotoCredentials("AKID", "secret"), "support", "us-east-1")
    return set(signer.headers_to_sign(boto))


@pytest.mark.parametrize("name", [*UNSIGNED_ADDED, "all"])
async def test_headers_botocore_never_signs_are_sent_unsigned(name: str) -> None:
    """Differential: for the request modify_before_signing returned, awsmith signs the
    header set botocore's signer picks (on a botocore older than the trace-context
    entries of its blacklist, less traceparent, tracestate and baggage, which awsmith
    never signs), and the wire carries every header. A signature over X-Amzn-Trace-Id
    broke as soon as X-Ray (or a load balancer) appended to it."""
    added = UNSIGNED_ADDED if name == "all" else {name: UNSIGNED_ADDED[name]}
    returned: list[awsmith.TransportRequest] = []

    class Trace(awsmith.Interceptor):
        def modify_before_signing(self, context: awsmith.InterceptorContext) -> Any:
            request = super().modify_before_signing(context)
            request.headers.update(added)
            request.headers["x-signed-note"] = "kept"
            returned.append(request)
            return request

    script = Script(json_reply(CASES))
    async with intercepted_support(script, Trace()) as support:
        await support.describe_cases()
    sent = script.request
    for header, value in added.items():
        assert sent.headers.get_list(header) == [value]
    (request,) = returned
    signed = set(_AUTH_SIGNED.search(sent.headers["Authorization"]).group(1).split(";"))  # type: ignore[union-attr]
    botocore_signs = _botocore_signs(request.method, request.url, request.headers)
    assert signed == botocore_signs - {"traceparent", "tracestate", "baggage"}
    assert not signed & {header.lower() for header in added}
    check_signature(
        sent, region="us-east-1", service="support",
        must_sign=[*AWS_JSON_SIGNED, "x-signed-note"],
    )


_AUTH_SIGNED = __import__("re").compile(r"SignedHeaders=([a-z0-9;-]+)")


def test_the_unsigned_headers_cover_botocores_blacklist_old_and_new() -> None:
    """botocore 1.29.61 (the oldest supported) never signs expect, user-agent and
    x-amzn-trace-id; newer releases add the hop-by-hop and trace-context headers.
    awsmith never signs any of them, whichever botocore is installed: those a hook may
    add are sent unsigned, every other one is refused before it could be signed (the
    list used to hold refused ones among those it sends unsigned, unsaid)."""
    from botocore.auth import SIGNED_HEADERS_BLACKLIST

    assert {"expect", "user-agent", "x-amzn-trace-id"} <= NEVER_SIGNED
    assert set(SIGNED_HEADERS_BLACKLIST) <= NEVER_SIGNED
    assert {"traceparent", "tracestate", "baggage"} <= NEVER_SIGNED
    sent_unsigned = {"expect", "x-amzn-trace-id", "traceparent", "tracestate", "baggage"}
    assert sent_unsigned == UNSIGNED_HEADERS


@pytest.mark.parametrize("name", sorted(NEVER_SIGNED - UNSIGNED_HEADERS))
async def test_every_header_botocore_never_signs_is_unsigned_or_refused(name: str) -> None:
    """Of what botocore never signs, what awsmith does not send unsigned it refuses:
    nothing of the list reaches the signer."""
    class Adds(awsmith.Interceptor):
        def modify_before_signing(self, context: awsmith.InterceptorContext) -> Any:
            return _header(name)(context.transport_request)

    script = Script(json_reply(CASES))
    async with intercepted_support(script, Adds()) as support:
        with pytest.raises(awsmith.ConfigurationError, match=f"the {name} header "):
            await support.describe_cases()
    assert script.requests == []
