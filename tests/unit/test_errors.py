"""Error responses become typed exceptions; unparseable responses become
ResponseParseError; nothing else escapes."""

from __future__ import annotations

import pickle
from typing import Any

import anyio
import httpx
import pytest

import awsmith
from awsmith.codeguruprofiler import _serde as codeguru_serde
from awsmith.codeguruprofiler import errors as cerr
from awsmith.support import SupportClient
from awsmith.support import _serde as support_serde
from awsmith.support import errors as serr
from awsmith.support.shapes import ThrottlingReason
from tests.unit.mockaws import REQUEST_ID, Script, codeguru, error_reply, json_reply, support

ONE_ATTEMPT = awsmith.Config(max_attempts=1)
GROUP = "my-group"


def _support_errors() -> list[tuple[str, type[awsmith.ServiceError]]]:
    return [(code, entry[0]) for code, entry in support_serde.ERRORS.items()]


def _codeguru_errors() -> list[tuple[str, type[awsmith.ServiceError]]]:
    return [(code, entry[0]) for code, entry in codeguru_serde.ERRORS.items()]


def test_error_tables_cover_the_generated_classes() -> None:
    assert {cls for _, cls in _support_errors()} == {
        getattr(serr, name) for name in serr.__all__ if name != "SupportError"
    }
    assert {cls for _, cls in _codeguru_errors()} == {
        getattr(cerr, name) for name in cerr.__all__ if name != "CodeGuruProfilerError"
    }
    for code, cls in _support_errors() + _codeguru_errors():
        assert cls.error_code == code == cls.__name__


@pytest.mark.anyio
@pytest.mark.parametrize(("code", "cls"), _support_errors(), ids=lambda v: getattr(v, "__name__", ""))
async def test_every_support_error_maps_to_its_class(
    code: str, cls: type[awsmith.ServiceError]
) -> None:
    script = Script(error_reply(code, "it failed", status=cls.default_status))
    async with support(script, config=ONE_ATTEMPT) as client:
        with pytest.raises(awsmith.ServiceError) as info:
            await client.describe_cases()
    err = info.value
    assert type(err) is cls
    assert isinstance(err, serr.SupportError)
    assert (err.code, err.message, err.status_code, err.request_id) == (
        code, "it failed", cls.default_status, REQUEST_ID
    )
    assert err.operation_name == "DescribeCases"
    assert str(err) == (
        f"{code} (HTTP {cls.default_status}) when calling the DescribeCases operation: "
        f"it failed [request id {REQUEST_ID}]"
    )
    assert len(script.requests) == 1


@pytest.mark.anyio
@pytest.mark.parametrize(("code", "cls"), _codeguru_errors(), ids=lambda v: getattr(v, "__name__", ""))
async def test_every_codeguru_error_maps_to_its_class(
    code: str, cls: type[awsmith.ServiceError]
) -> None:
    # restJson1 services name the error in the x-amzn-ErrorType header
    reply = json_reply(
        {"message": "nope"},
        status=cls.default_status,
        headers={"x-amzn-ErrorType": f"{code}:http://internal.amazon.com/coral/com.amazonaws.x/"},
    )
    script = Script(reply)
    async with codeguru(script, config=ONE_ATTEMPT) as client:
        with pytest.raises(awsmith.ServiceError) as info:
            await client.get_policy(profiling_group_name=GROUP)
    err = info.value
    assert type(err) is cls
    assert isinstance(err, cerr.CodeGuruProfilerError)
    assert (err.code, err.message, err.status_code, err.request_id) == (
        code, "nope", cls.default_status, REQUEST_ID
    )


@pytest.mark.anyio
async def test_support_throttling_carries_its_modeled_fields() -> None:
    reply = error_reply(
        "ThrottlingException",
        "Rate exceeded",
        extra={
            "throttlingReasons": [
                {"reason": "RateExceeded", "resource": "DescribeCases"},
                {"reason": "QuotaExceeded"},
            ]
        },
    )
    async with support(Script(reply), config=ONE_ATTEMPT) as client:
        with pytest.raises(serr.ThrottlingException) as info:
            await client.describe_cases()
    err = info.value
    assert err.throttling_reasons == [
        ThrottlingReason(reason="RateExceeded", resource="DescribeCases"),
        ThrottlingReason(reason="QuotaExceeded", resource=None),
    ]
    assert err.code == "ThrottlingException" and err.message == "Rate exceeded"
    assert err.raw["throttlingReasons"][0]["reason"] == "RateExceeded"


@pytest.mark.anyio
async def test_malformed_modeled_field_does_not_hide_the_error() -> None:
    reply = error_reply("ThrottlingException", "slow", extra={"throttlingReasons": "many"})
    async with support(Script(reply), config=ONE_ATTEMPT) as client:
        with pytest.raises(serr.ThrottlingException) as info:
            await client.describe_cases()
    assert info.value.throttling_reasons is None
    assert info.value.message == "slow"


WIRE_FORMS: list[tuple[str, httpx.Response, type[awsmith.ServiceError], str]] = [
    (
        "namespaced __type",
        error_reply("com.amazonaws.support#CaseIdNotFound", "no such case"),
        serr.CaseIdNotFound,
        "no such case",
    ),
    (
        "__type with URI suffix",
        error_reply("CaseIdNotFound:http://internal.amazon.com/coral/com.amazon.support/", "x"),
        serr.CaseIdNotFound,
        "x",
    ),
    (
        "x-amzn-ErrorType header wins over the body",
        json_reply(
            {"__type": "InternalServerError", "Message": "capital M"},
            status=400,
            headers={"x-amzn-ErrorType": "AttachmentIdNotFound:http://internal.amazon.com/x/"},
        ),
        serr.AttachmentIdNotFound,
        "capital M",
    ),
    (
        "body code",
        json_reply({"code": "AttachmentSetExpired", "message": "expired"}, status=400),
        serr.AttachmentSetExpired,
        "expired",
    ),
]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("reply", "cls", "message"),
    [form[1:] for form in WIRE_FORMS],
    ids=[form[0] for form in WIRE_FORMS],
)
async def test_error_code_wire_forms(
    reply: httpx.Response, cls: type[awsmith.ServiceError], message: str
) -> None:
    async with support(Script(reply), config=ONE_ATTEMPT) as client:
        with pytest.raises(awsmith.ServiceError) as info:
            await client.describe_attachment(attachment_id="a")
    assert type(info.value) is cls
    assert info.value.code == cls.error_code
    assert info.value.message == message
    assert info.value.request_id == REQUEST_ID


@pytest.mark.anyio
async def test_unknown_code_raises_the_service_base_class_with_that_code() -> None:
    reply = error_reply("com.amazonaws.support#BrandNewError", "surprise", status=418)
    async with support(Script(reply), config=ONE_ATTEMPT) as client:
        with pytest.raises(awsmith.ServiceError) as info:
            await client.describe_cases()
    err = info.value
    assert type(err) is serr.SupportError
    assert (err.code, err.message, err.status_code, err.request_id) == (
        "BrandNewError", "surprise", 418, REQUEST_ID
    )

    reply = json_reply(
        {"message": "?"}, status=409, headers={"x-amzn-ErrorType": "WhoKnows:http://x/"}
    )
    async with codeguru(Script(reply), config=ONE_ATTEMPT) as client:
        with pytest.raises(awsmith.ServiceError) as info:
            await client.get_policy(profiling_group_name=GROUP)
    assert type(info.value) is cerr.CodeGuruProfilerError
    assert info.value.code == "WhoKnows"


@pytest.mark.anyio
async def test_non_json_error_body_from_a_proxy() -> None:
    html = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
    reply = httpx.Response(
        502, headers={"Content-Type": "text/html", "x-amzn-RequestId": REQUEST_ID}, content=html
    )
    async with support(Script(reply), config=ONE_ATTEMPT) as client:
        with pytest.raises(awsmith.ServiceError) as info:
            await client.describe_cases()
    err = info.value
    assert type(err) is serr.SupportError
    assert err.status_code == 502
    assert err.request_id == REQUEST_ID
    assert err.code == "502"
    assert err.message is not None and "non-JSON" in err.message and "Bad Gateway" in err.message
    assert err.raw == {}


@pytest.mark.anyio
async def test_json_error_without_any_code_uses_the_status() -> None:
    reply = json_reply({"message": "forbidden"}, status=403)
    async with codeguru(Script(reply), config=ONE_ATTEMPT) as client:
        with pytest.raises(awsmith.ServiceError) as info:
            await client.get_policy(profiling_group_name=GROUP)
    assert type(info.value) is cerr.CodeGuruProfilerError
    assert (info.value.code, info.value.status_code, info.value.message) == ("403", 403, "forbidden")


BAD_BODIES: list[tuple[str, str, dict[str, Any], bytes, str]] = [
    ("truncated", "describe_cases", {}, b'{"cases": [{"caseId": "c', "not valid JSON"),
    ("not-an-object", "describe_cases", {}, b"[1, 2, 3]", "expected a JSON object at <root>"),
    ("html", "describe_cases", {}, b"<html>hello</html>", "not valid JSON"),
    ("not-utf8", "describe_cases", {}, b'{"cases": "\xff\xfe"}', "not valid JSON"),
    ("deep", "describe_cases", {}, b"[" * 100000 + b"]" * 100000, "not valid JSON"),
    ("list-is-str", "describe_cases", {}, b'{"cases": "nope"}', "expected a JSON array at cases"),
    ("member-is-int", "describe_cases", {}, b'{"cases": [{"caseId": 5}]}',
     "expected a string at cases[0].caseId, got int 5"),
    ("struct-is-list", "describe_cases", {}, b'{"cases": [[]]}',
     "expected a JSON object at cases[0]"),
    ("enum-is-int", "describe_cases", {}, b'{"cases": [{"status": 3}]}',
     "expected a string at cases[0].status"),
    ("bool-is-str", "add_communication_to_case", {"communication_body": "b"},
     b'{"result": "true"}', "expected a boolean at result"),
    ("bad-base64", "describe_attachment", {"attachment_id": "a"},
     b'{"attachment": {"data": "not base64!"}}', "expected a base64 string at attachment.data"),
    ("int-is-float", "refresh_trusted_advisor_check", {"check_id": "c"},
     b'{"status": {"checkId": "c", "status": "s", "millisUntilNextRefreshable": 1.5}}',
     "expected an integer at status.millisUntilNextRefreshable"),
]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("method", "kwargs", "body", "detail"),
    [case[1:] for case in BAD_BODIES],
    ids=[case[0] for case in BAD_BODIES],
)
async def test_unparseable_support_responses(
    method: str, kwargs: dict[str, Any], body: bytes, detail: str
) -> None:
    script = Script(json_reply(raw=body))
    async with support(script) as client:
        with pytest.raises(awsmith.ResponseParseError) as info:
            await getattr(client, method)(**kwargs)
    err = info.value
    assert type(err) is awsmith.ResponseParseError
    assert (err.status_code, err.request_id) == (200, REQUEST_ID)
    assert detail in err.detail
    assert str(err).startswith(f"Unable to parse the service response (HTTP 200, request id {REQUEST_ID}): ")
    assert err.body_excerpt == body[:200]
    assert err.__cause__ is None  # no JSONDecodeError/KeyError chained for the caller
    assert len(script.requests) == 1  # a complete but bad answer is not retried


BAD_GROUPS: list[tuple[str, dict[str, Any], str]] = [
    ("timestamp-word", {"createdAt": "yesterday"}, "expected a timestamp at profilingGroup.createdAt"),
    ("timestamp-bool", {"createdAt": True}, "expected a timestamp at profilingGroup.createdAt"),
    ("timestamp-huge", {"createdAt": 1e300}, "profilingGroup.createdAt"),
    ("timestamp-nan-string", {"updatedAt": "NaN"}, "profilingGroup.updatedAt"),
    ("map-is-list", {"tags": ["a"]}, "expected a JSON object at profilingGroup.tags"),
    ("map-value-int", {"tags": {"k": 1}}, "expected a string at profilingGroup.tags['k']"),
]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("body", "detail"), [case[1:] for case in BAD_GROUPS], ids=[case[0] for case in BAD_GROUPS]
)
async def test_unparseable_codeguru_responses(body: dict[str, Any], detail: str) -> None:
    async with codeguru(Script(json_reply(body))) as client:
        with pytest.raises(awsmith.ResponseParseError) as info:
            await client.describe_profiling_group(profiling_group_name=GROUP)
    assert (info.value.status_code, info.value.request_id) == (200, REQUEST_ID)
    assert detail in info.value.detail


@pytest.mark.anyio
async def test_missing_required_response_header() -> None:
    """A required member the response leaves out gets Smithy's default, as a body member
    does (models/README.md, "Required members a response leaves out"); botocore reads
    the response too. It was a ResponseParseError before issue 22."""
    reply = httpx.Response(200, headers={"x-amzn-RequestId": REQUEST_ID}, content=b"profile")
    async with codeguru(Script(reply)) as client:
        response = await client.get_profile(profiling_group_name=GROUP)
    assert (response.content_type, response.profile) == ("", b"profile")


def _roundtrip(err: awsmith.ServiceError) -> awsmith.ServiceError:
    copy = pickle.loads(pickle.dumps(err))
    assert type(copy) is type(err)
    assert copy.__dict__ == err.__dict__
    assert str(copy) == str(err)
    return copy


def test_pickling_service_errors_round_trips() -> None:
    throttled = serr.ThrottlingException(
        "Rate exceeded",
        throttling_reasons=[ThrottlingReason(reason="r", resource="x")],
        status_code=400,
        request_id=REQUEST_ID,
        raw={"throttlingReasons": [{"reason": "r", "resource": "x"}]},
    )
    copy = _roundtrip(throttled)
    assert isinstance(copy, serr.ThrottlingException)
    assert copy.throttling_reasons == [ThrottlingReason(reason="r", resource="x")]
    assert (copy.code, copy.message, copy.status_code, copy.request_id) == (
        "ThrottlingException", "Rate exceeded", 400, REQUEST_ID
    )

    unknown = serr.SupportError("m", code="Odd", status_code=418, request_id="rid")
    assert _roundtrip(unknown).code == "Odd"
    assert _roundtrip(cerr.ResourceNotFoundException(None, request_id="r")).status_code == 404
    assert _roundtrip(awsmith.ServiceError("base", code="X")).code == "X"


@pytest.mark.anyio
async def test_pickling_a_raised_error_round_trips() -> None:
    reply = error_reply("CaseIdNotFound", "gone")
    async with support(Script(reply), config=ONE_ATTEMPT) as client:
        with pytest.raises(serr.CaseIdNotFound) as info:
            await client.describe_cases()
    copy = _roundtrip(info.value)
    assert (copy.code, copy.message, copy.request_id) == ("CaseIdNotFound", "gone", REQUEST_ID)


# ---------------------------------------------------------------- issue 22, item 11


def _closed_client_call() -> Any:
    async def call(client: Any) -> Any:
        await client.close()
        return await client.describe_profiling_group(profiling_group_name=GROUP)

    return call


#: (label, the codeguru client's scripted reply, the call, error class, exact message).
NAMED: list[tuple[str, Any, Any, type[awsmith.AwsmithError], str]] = [
    (
        "service error",
        json_reply(
            {"message": "Profiling group not found"},
            status=404,
            headers={"x-amzn-ErrorType": "ResourceNotFoundException"},
        ),
        lambda c: c.describe_profiling_group(profiling_group_name=GROUP),
        cerr.ResourceNotFoundException,
        "ResourceNotFoundException (HTTP 404) when calling the DescribeProfilingGroup "
        f"operation: Profiling group not found [request id {REQUEST_ID}]",
    ),
    (
        "bad input",
        json_reply({}),
        lambda c: c.describe_profiling_group(profiling_group_name=""),
        awsmith.ParamValidationError,
        "Invalid value for 'profiling_group_name': length 0 is less than the minimum 1 "
        "(when calling the DescribeProfilingGroup operation)",
    ),
    (
        "transport",
        httpx.ConnectError("refused"),
        lambda c: c.get_policy(profiling_group_name=GROUP),
        awsmith.ConnectionFailedError,
        "request to https://codeguru-profiler.us-west-2.amazonaws.com failed: "
        "ConnectError('refused') (when calling the GetPolicy operation)",
    ),
    (
        "unparseable",
        json_reply({"policy": 5}),
        lambda c: c.get_policy(profiling_group_name=GROUP),
        awsmith.ResponseParseError,
        f"Unable to parse the service response (HTTP 200, request id {REQUEST_ID}): expected "
        "a string at policy, got int 5 (when calling the GetPolicy operation)",
    ),
    (
        "closed client",
        json_reply({}),
        _closed_client_call(),
        awsmith.ClientClosedError,
        "this CodeGuruProfilerClient is closed (when calling the DescribeProfilingGroup "
        "operation)",
    ),
]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("reply", "call", "cls", "message"), [n[1:] for n in NAMED], ids=[n[0] for n in NAMED]
)
async def test_every_error_a_call_raises_names_the_operation(
    reply: Any, call: Any, cls: type[awsmith.AwsmithError], message: str
) -> None:
    """A log line of one of 80 concurrent calls says which call failed, as botocore's
    "An error occurred (X) when calling the Y operation: ..." does."""
    async with codeguru(Script(reply), config=ONE_ATTEMPT) as client:
        with pytest.raises(awsmith.AwsmithError) as info:
            await call(client)
    err = info.value
    assert type(err) is cls
    assert err.operation_name == message.rpartition("when calling the ")[2].split()[0]
    assert str(err) == message
    copy = pickle.loads(pickle.dumps(err))  # the name and the message survive a pickle
    assert (type(copy), str(copy), copy.__dict__) == (cls, message, err.__dict__)


def test_errors_raised_outside_a_call_name_no_operation() -> None:
    with pytest.raises(awsmith.ConfigurationError) as info:
        awsmith.Config(max_attempts=0)
    assert info.value.operation_name is None
    assert str(info.value) == "Config.max_attempts must be an int >= 1, got 0"
    assert awsmith.ServiceError("m", code="X").operation_name is None


@pytest.mark.parametrize(
    "err",
    [
        awsmith.ParamValidationError("a.b", "min", "too short"),
        awsmith.ResponseParseError("bad", status_code=200, request_id="r", body_excerpt=b"{"),
        awsmith.NoCredentialsError("nothing"),
        awsmith.ResponseTooLargeError("too big", status_code=200, request_id="r"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_errors_whose_init_builds_the_message_pickle_as_they_are(
    err: awsmith.AwsmithError,
) -> None:
    """Exception's own pickling calls ``cls(*args)`` with the finished message:
    ParamValidationError could not be unpickled at all, and the others said their
    prefix twice."""
    err.attempts = 2
    copy = pickle.loads(pickle.dumps(err))
    assert (type(copy), str(copy), copy.__dict__) == (type(err), str(err), err.__dict__)


@pytest.mark.anyio
async def test_interceptors_see_the_error_named_and_an_error_a_hook_returns_is_named() -> None:
    seen: list[Any] = []

    class Replace(awsmith.Interceptor):
        def modify_before_completion(self, context: awsmith.InterceptorContext) -> Any:
            seen.append(context.response)
            return awsmith.ServiceError("replaced", code="Replaced")

    script = Script(error_reply("CaseIdNotFound", "gone"))
    async with httpx.AsyncClient(transport=httpx.MockTransport(script)) as http:
        client = SupportClient(
            region="us-east-1",
            credentials=awsmith.Credentials(access_key_id="AKID", secret_access_key="s"),
            http_client=http,
            config=ONE_ATTEMPT,
            interceptors=[Replace()],
        )
        with pytest.raises(awsmith.ServiceError) as info:
            await client.describe_cases()
        await client.close()
    (original,) = seen
    assert original.operation_name == "DescribeCases"
    assert str(info.value) == "Replaced (HTTP 400) when calling the DescribeCases operation: replaced"


@pytest.mark.anyio
async def test_one_error_ending_two_calls_names_each_its_own_operation() -> None:
    """A credentials fetch that fails is shared by the calls waiting for it: naming the
    error in place gave the second call the first one's operation, and its message two
    "when calling" parts. Each call names its own copy."""
    release = anyio.Event()
    fetches: list[int] = []

    async def sealed_vault() -> awsmith.Credentials:
        fetches.append(1)
        await release.wait()
        raise RuntimeError("the vault is sealed")

    errors: dict[str, BaseException] = {}
    async with httpx.AsyncClient(transport=httpx.MockTransport(Script(json_reply({})))) as http:
        client = SupportClient(region="us-east-1", credentials=sealed_vault, http_client=http)

        async def call(method: str) -> None:
            with pytest.raises(awsmith.CredentialsError) as info:
                await getattr(client, method)()
            errors[method] = info.value

        async with anyio.create_task_group() as group:
            group.start_soon(call, "describe_cases")
            group.start_soon(call, "describe_services")
            await anyio.wait_all_tasks_blocked()  # one fetching, one waiting for it
            release.set()
        await client.close()
    assert fetches == [1]  # the second call waited for the first one's fetch
    for method, operation in (("describe_cases", "DescribeCases"),
                              ("describe_services", "DescribeServices")):
        err = errors[method]
        assert isinstance(err, awsmith.AwsmithError)
        assert err.operation_name == operation
        assert str(err).endswith(
            f"failed: RuntimeError: the vault is sealed (when calling the {operation} operation)"
        )
        assert str(err).count("when calling") == 1
