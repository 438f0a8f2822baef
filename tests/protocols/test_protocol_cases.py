"""Every awsJson1.0, awsJson1.1 and restJson1 case of the AWS protocol test suites
(botocore 1.44.8's copy, vendored in ``cases/``), run through a client generated from
the case's model.

Input cases assert the exact request: method, path, query (a multiset: order is not
significant), the headers the case names (list headers compared item by item, as
botocore does: ``a, b`` and ``a,b`` are the same HTTP list), forbidden and required
headers, host, and the body (JSON-equal when it is JSON, bytes otherwise). Output
cases assert the parsed response, or the error's class, code, message and fields.

The cases that cannot apply to a Python client are listed, with the reason, in
``docs/protocols.md``; they run as strict xfails, so one that starts to pass must leave
the table.
"""

from __future__ import annotations

import gzip
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

import awsmith
from tests.protocols.harness import (
    Case,
    Generator,
    botocore_skips,
    call,
    json_or_none,
    load_cases,
    not_applicable,
    query_pairs,
    to_python,
    to_wire,
)

CASES = load_cases()
NOT_APPLICABLE = not_applicable()


def _params(cases: list[Case]) -> list[Any]:
    out = []
    for case in cases:
        reason = NOT_APPLICABLE.get((case.kind, case.protocol, case.id))
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        out.append(pytest.param(case, id=case.test_id, marks=marks))
    return out


def test_the_vendored_cases_are_the_ones_botocore_runs_and_skips() -> None:
    ids = [c.test_id for c in CASES]
    assert len(ids) == len(set(ids)) == 369
    skips = botocore_skips()
    # awsJson1.1 and restJson1: 316 cases, of which botocore runs 285 and skips 31.
    assert sum(c.protocol != "json_1_0" for c in CASES) == 316
    assert sum(protocol != "json_1_0" for _, protocol, _ in skips) == 31
    # awsJson1.0: 53 more, of which botocore runs 44 and skips 9.
    assert sum(c.protocol == "json_1_0" for c in CASES) == 53
    assert sum(protocol == "json_1_0" for _, protocol, _ in skips) == 9


def test_only_cases_botocore_skips_are_listed_as_not_applicable() -> None:
    assert NOT_APPLICABLE, "the table in docs/protocols.md was not found"
    assert set(NOT_APPLICABLE) <= botocore_skips(), set(NOT_APPLICABLE) - botocore_skips()
    assert all(NOT_APPLICABLE.values())


def _list_header_names(case: Case, gen: Any) -> set[str]:
    shape = gen.op.input
    members = shape.members if shape else []
    return {m.location_name.lower() for m in members if m.location == "header" and m.shape.type == "list"}


@pytest.mark.parametrize("case", _params([c for c in CASES if c.kind == "input"]))
def test_input(case: Case, generated: Generator) -> None:
    gen = generated(case)
    shape = gen.op.input
    kwargs = {}
    if shape is not None:
        request = to_python(gen, shape, case.data["params"])
        kwargs = {m.py_name: getattr(request, m.py_name) for m in shape.members}
    sent, result = call(gen, case, kwargs, httpx.Response(200, content=b"{}"))
    assert len(sent) == 1, f"no request was sent: {result!r}"
    req = sent[0]
    want = case.data["serialized"]
    if "method" in want:
        assert req.method == want["method"]
    path, _, query = want["uri"].partition("?")
    got_path, _, got_query = req.url.raw_path.decode("ascii").partition("?")
    assert got_path == path
    assert query_pairs(got_query) == query_pairs(query)
    lists = _list_header_names(case, gen)
    for name, value in want.get("headers", {}).items():
        assert name in req.headers, f"header {name} is missing"
        got = req.headers[name]
        if name.lower() in lists:
            got, value = got.replace(", ", ","), value.replace(", ", ",")
        assert got == value, f"header {name}"
    for name in want.get("forbidHeaders", []):
        assert name not in req.headers, f"header {name} is forbidden"
    for name in want.get("requireHeaders", []):
        assert name in req.headers, f"header {name} is required"
    if "host" in want:
        # The cases' "host" is the endpoint the request goes to: with its base path, if any.
        base = urlsplit(case.suite.get("clientEndpoint", "")).path.rstrip("/")
        assert req.url.netloc.decode("ascii") + base == want["host"]
    if "body" in want:
        expected = want["body"].encode("utf-8")
        content_type = req.headers.get("Content-Type", "")
        if "json" in content_type and json_or_none(expected) is not None:
            assert json_or_none(req.content) == json_or_none(expected), req.content
        else:
            assert req.content == expected


@pytest.mark.parametrize("case", _params([c for c in CASES if c.kind == "output"]))
def test_output(case: Case, generated: Generator) -> None:
    gen = generated(case)
    response = case.data["response"]
    reply = httpx.Response(
        response["status_code"],
        headers=response.get("headers", {}),
        content=response.get("body", "").encode("utf-8"),
    )
    kwargs = {}
    if gen.op.input is not None:
        # Output cases give no input: every required member gets a placeholder.
        for m in gen.op.input.members:
            if m.required or m.location == "uri":
                kwargs[m.py_name] = to_python(gen, m.shape, _placeholder(m.shape.type))
    sent, result = call(gen, case, kwargs, reply)
    assert len(sent) == 1, f"no request was sent: {result!r}"
    if "error" not in case.data:
        assert not isinstance(result, Exception), repr(result)
        assert gen.op.output is not None or case.data["result"] == {}
        parsed = to_wire(gen.op.output, result) if gen.op.output is not None else {}
        assert parsed == case.data["result"]
        return
    code = case.data["errorCode"]
    shape = gen.model.shapes[code]
    assert isinstance(result, awsmith.ServiceError), repr(result)
    assert type(result) is getattr(gen.errors, shape.class_name)
    assert result.code == code
    assert result.message == case.data.get("errorMessage")
    fields = {}
    for m in shape.members:
        value = getattr(result, m.py_name)
        if value is not None:
            fields[m.name] = to_wire(m.shape, value)
    assert fields == case.data["error"]


def test_request_compression_can_be_turned_off(generated: Generator) -> None:
    case = next(c for c in CASES if c.id == "SDKAppliedContentEncoding_restJson1")
    gen = generated(case)
    assert gen.op.input is not None
    request = to_python(gen, gen.op.input, case.data["params"])
    kwargs = {m.py_name: getattr(request, m.py_name) for m in gen.op.input.members}
    on, _ = call(gen, case, kwargs, httpx.Response(200, content=b"{}"))
    off, _ = call(
        gen,
        case,
        kwargs,
        httpx.Response(200, content=b"{}"),
        awsmith.Config(max_attempts=1, disable_request_compression=True),
    )
    assert json_or_none(gzip.decompress(on[0].content)) == case.data["params"]
    assert json_or_none(off[0].content) == case.data["params"]
    assert "Content-Encoding" not in off[0].headers


def _placeholder(shape_type: str) -> Any:
    return {"string": "x", "integer": 1, "long": 1, "boolean": True, "timestamp": 0}[shape_type]
