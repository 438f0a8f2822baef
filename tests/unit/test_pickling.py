"""Pickling, ``copy.copy`` and ``copy.deepcopy`` of every response, nested shape and
modeled error of both services (hypothesis-generated instances): the copy equals the
original and keeps what ``==`` leaves out, the response metadata (request id, status,
headers with their duplicates and case-insensitive lookup, attempts) and an error's
code, status, request id, raw body and attempts.

At e82cd98 no received response could be pickled or deep-copied: its
``response_metadata.headers`` is a ``CIMultiDictProxy`` (a ``MappingProxyType`` for a
response built in code), which neither pickle nor copy can handle.
"""

from __future__ import annotations

import copy
import importlib
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import multidict
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import awsmith
from awsmith._core.metadata import NO_METADATA, ResponseMetadata, read_only
from codegen.emit_shapes import error_fields
from codegen.services import SERVICES
from tests.unit.mockaws import REQUEST_ID, Script, json_reply, support
from tests.unit.shape_values import model, modeled_errors, shapes_module, structures, values

COPIES: dict[str, Callable[[Any], Any]] = {
    **{
        f"pickle-{protocol}": lambda obj, p=protocol: pickle.loads(pickle.dumps(obj, protocol=p))
        for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1)
    },
    "copy": copy.copy,
    "deepcopy": copy.deepcopy,
}

_HEADER_NAMES = st.sampled_from(["x-amzn-RequestId", "Content-Type", "Set-Cookie", "set-cookie"])
METADATA = st.builds(
    ResponseMetadata,
    request_id=st.none() | st.uuids().map(str),
    status_code=st.integers(200, 299),
    headers=st.lists(st.tuples(_HEADER_NAMES, st.text(max_size=5)), max_size=4).map(
        lambda pairs: read_only(multidict.CIMultiDict(pairs))
    ),
    attempts=st.integers(1, 10),
)


def same_metadata(copied: ResponseMetadata, original: ResponseMetadata) -> None:
    assert (copied.request_id, copied.status_code, copied.attempts) == (
        original.request_id,
        original.status_code,
        original.attempts,
    )
    assert type(copied.headers) is type(original.headers)
    assert list(copied.headers.items()) == list(original.headers.items())
    for name in ("content-type", "SET-COOKIE"):
        assert copied.headers.get(name) == original.headers.get(name)


def responses() -> list[tuple[str, str]]:
    """The output shape of every operation: the classes that carry response metadata."""
    return sorted(
        {(s, op.output.name) for s in SERVICES for op in model(s).operations if op.output}
    )


@pytest.mark.parametrize(("service", "name"), responses())
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_response_copies_with_its_metadata(
    service: str, name: str, data: st.DataObject
) -> None:
    body = data.draw(values(service, model(service).shapes[name]), label="body")
    metadata = data.draw(METADATA, label="metadata")
    response = attrs.evolve(body, response_metadata=metadata)
    for how, make in COPIES.items():
        copied = make(response)
        assert type(copied) is type(response), how
        assert copied == response, how
        same_metadata(copied.response_metadata, metadata)


@pytest.mark.parametrize(("service", "name"), structures())
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_shape_copies(service: str, name: str, data: st.DataObject) -> None:
    obj = data.draw(values(service, model(service).shapes[name]))
    for how, make in COPIES.items():
        copied = make(obj)
        assert type(copied) is type(obj) and copied == obj, how


@pytest.mark.parametrize(("service", "name"), modeled_errors())
@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_every_modeled_error_copies_with_its_metadata(
    service: str, name: str, data: st.DataObject
) -> None:
    shape = model(service).shapes[name]
    cls = getattr(importlib.import_module(f"awsmith.{service}.errors"), shape.class_name)
    fields = {m.py_name: data.draw(st.none() | values(service, m.shape)) for m in error_fields(shape)}
    error = cls(
        data.draw(st.none() | st.text(max_size=5)),
        code=data.draw(st.none() | st.sampled_from([shape.name, "Other"])),
        status_code=data.draw(st.integers(400, 599)),
        request_id=data.draw(st.none() | st.uuids().map(str)),
        raw={"__type": shape.name, "extra": [1, None]},
        **fields,
    )
    error.attempts = data.draw(st.integers(1, 5))
    for how, make in COPIES.items():
        copied = make(error)
        assert type(copied) is cls, how
        assert vars(copied) == vars(error), how
        assert str(copied) == str(error), how


@pytest.mark.anyio
@pytest.mark.parametrize("how", sorted(COPIES))
async def test_a_received_response_copies_with_its_metadata(how: str) -> None:
    reply = json_reply({"cases": [{"caseId": "c-1"}]}, headers={"X-Extra": "1"})
    async with support(Script(reply)) as client:
        response = await client.describe_cases()
    assert isinstance(response.response_metadata.headers, multidict.CIMultiDictProxy)
    copied = COPIES[how](response)
    assert copied == response
    same_metadata(copied.response_metadata, response.response_metadata)
    assert copied.response_metadata.request_id == REQUEST_ID
    assert copied.response_metadata.headers["x-extra"] == "1"


@pytest.mark.parametrize("how", sorted(COPIES))
def test_a_response_built_in_code_keeps_the_empty_metadata(how: str) -> None:
    response = awsmith.support.shapes.DescribeCasesResponse(cases=[])  # type: ignore[attr-defined]
    copied = COPIES[how](response)
    assert copied == response
    assert copied.response_metadata is NO_METADATA


def test_the_lists_cover_every_response_and_error() -> None:
    assert len(responses()) == 20 + 23
    assert len(modeled_errors()) == 22 + 22
    assert all(hasattr(shapes_module(s), model(s).shapes[n].class_name) for s, n in responses())


#: Pickled by e82cd98's code (before errors named their operation, when a ServiceError
#: pickled as ``(_rebuild_error, (cls, message, attributes))``), with that checkout's
#: ``src`` first on PYTHONPATH::
#:
#:     case = CaseIdNotFound("Case not found", request_id="req-1",
#:                           raw={"__type": "CaseIdNotFound", "message": "Case not found"})
#:     case.attempts = 2
#:     bare = SupportError(None, code="502", status_code=502)
#:     throttled = ThrottlingException("Rate exceeded", request_id="req-2")
#:     deadline = awsmith.DeadlineExceededError(
#:         "DescribeCases did not complete within call_timeout=1.0s")
#:     deadline.attempts = 3
#:     pickle.dump((case, bare, throttled, deadline), file, protocol=4)
E82CD98_PICKLE = Path(__file__).parent / "data" / "errors-e82cd98.pickle"


def test_errors_pickled_by_e82cd98_unpickle_as_they_were() -> None:
    """``_rebuild_error``'s second argument used to be the message: an old pickle's
    ``"Case not found"`` became the args ``('C', 'a', 's', ...)``, and a message of
    ``None`` raised TypeError. Both forms unpickle now, with the message as it read."""
    from awsmith.support.errors import CaseIdNotFound, SupportError, ThrottlingException

    case, bare, throttled, deadline = pickle.loads(E82CD98_PICKLE.read_bytes())
    assert type(case) is CaseIdNotFound
    assert case.args == ("CaseIdNotFound (HTTP 400): Case not found [request id req-1]",)
    assert str(case) == case.args[0]
    assert (case.code, case.message, case.status_code, case.request_id, case.attempts) == (
        "CaseIdNotFound", "Case not found", 400, "req-1", 2
    )
    assert case.raw == {"__type": "CaseIdNotFound", "message": "Case not found"}
    assert case.operation_name is None
    assert type(bare) is SupportError
    assert (bare.args, bare.message, bare.code, bare.status_code) == (
        ("502 (HTTP 502)",), None, "502", 502
    )
    assert type(throttled) is ThrottlingException
    assert throttled.args == ("ThrottlingException (HTTP 400): Rate exceeded [request id req-2]",)
    assert throttled.throttling_reasons is None
    assert type(deadline) is awsmith.DeadlineExceededError
    assert deadline.args == ("DescribeCases did not complete within call_timeout=1.0s",)
    assert deadline.attempts == 3
    # and they pickle again in today's form, the same
    for error in (case, bare, throttled, deadline):
        again = pickle.loads(pickle.dumps(error))
        assert (type(again), again.args, vars(again)) == (type(error), error.args, vars(error))
