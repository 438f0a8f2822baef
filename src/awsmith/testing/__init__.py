"""A typed, async stubber for tests of code that uses awsmith.

``Stubber(client)`` replaces the client's call pipeline while it is active: each call
takes the next queued response (or raises the next queued error) instead of signing
and sending a request. No network, credentials, region or endpoint are needed. The
arguments are still validated (a bad argument raises :class:`~awsmith.ParamValidationError`
and consumes nothing), idempotency tokens are still filled in, and paginators work
unchanged because they call the client's methods.

Responses are queued in order, across operations, and must be consumed in that order:
a call of another operation than the next queued one, or a call with nothing queued,
raises :class:`StubAssertionError` (an ``AssertionError``, so pytest reports it as a
failed assertion)::

    import pytest

    from awsmith.support import SupportClient
    from awsmith.support.errors import CaseIdNotFound
    from awsmith.support.shapes import CaseDetails, DescribeCasesResponse
    from awsmith.testing import ANY, Stubber


    async def case_status(support: SupportClient, case_id: str) -> str | None:
        try:
            page = await support.describe_cases(case_id_list=[case_id])
        except CaseIdNotFound:
            return None
        return page.cases[0].status if page.cases else None


    @pytest.mark.anyio
    async def test_case_status() -> None:
        support = SupportClient()  # no region or credentials needed under the stubber
        with Stubber(support, assert_all_used=True) as stub:
            stub.add_response(
                support.describe_cases,  # the response must be a DescribeCasesResponse
                DescribeCasesResponse(cases=[CaseDetails(case_id="case-1", status="opened")]),
                expected_params={"case_id_list": ["case-1"]},
            )
            stub.add_error(support.describe_cases, CaseIdNotFound("no such case"))
            assert await case_status(support, "case-1") == "opened"
            assert await case_status(support, "case-2") is None

``expected_params`` maps the method's argument names to the values the call must pass;
arguments the call leaves out (``None``) must be left out (or ``None``) in
``expected_params`` too, and :data:`ANY` matches any value (also inside lists and dicts).
Leave ``expected_params`` out to accept any arguments.

Exiting the ``with`` block restores the client; it asserts that every queued response
was used only with ``assert_all_used=True`` (otherwise call
:meth:`Stubber.assert_no_pending_responses`).
"""

from __future__ import annotations

import typing
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final, Self, TypeVar, cast, overload

import attrs
from multidict import CIMultiDict, CIMultiDictProxy

from awsmith._core.client import BaseClient
from awsmith._core.errors import AwsmithError, for_call, raise_as_is
from awsmith._core.interchange import from_dict
from awsmith._core.metadata import NO_METADATA, ResponseMetadata
from awsmith._core.operation import Operation
from awsmith._core.pipeline import Invoke

__all__ = ["ANY", "StubAssertionError", "Stubber"]

_R = TypeVar("_R")  # private: pyright --verifytypes counts a public TypeVar as API


class StubAssertionError(AssertionError):
    """A stubbed client was called in a way the test did not queue: an unexpected
    operation, unexpected parameters, or no queued response; or responses were left
    unused."""


class _Any:
    """Equal to everything: matches any value in ``expected_params``."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return True

    def __ne__(self, other: object) -> bool:
        return False

    def __hash__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return "ANY"


#: A wildcard for ``expected_params``: matches any value, including ``None``.
ANY: Final[Any] = _Any()


@attrs.define(slots=True)
class _Queued:
    method: str
    response: object
    error: AwsmithError | None
    expected_params: dict[str, object] | None


def _matches(expected: object, actual: object) -> bool:
    if isinstance(expected, _Any):
        return True
    if isinstance(expected, (list, tuple)) and isinstance(actual, (list, tuple)):
        exp_seq = typing.cast("list[object] | tuple[object, ...]", expected)
        act_seq = typing.cast("list[object] | tuple[object, ...]", actual)
        return len(exp_seq) == len(act_seq) and all(
            _matches(e, a) for e, a in zip(exp_seq, act_seq, strict=True)
        )
    if isinstance(expected, dict) and isinstance(actual, dict):
        exp_map = typing.cast("dict[object, object]", expected)
        act_map = typing.cast("dict[object, object]", actual)
        return exp_map.keys() == act_map.keys() and all(
            _matches(value, act_map[key]) for key, value in exp_map.items()
        )
    return expected == actual


def _field_names(request: object) -> list[str]:
    """The request's field names, in order (none for an operation without input)."""
    cls = type(request)
    if request is None or not attrs.has(cls):
        return []
    return [field.name for field in attrs.fields(cls)]


def _passed_params(request: object) -> dict[str, object]:
    """The request's fields that the call set (not ``None``), in field order."""
    values = {name: getattr(request, name) for name in _field_names(request)}
    return {name: value for name, value in values.items() if value is not None}


def _with_metadata(response: Any) -> Any:
    """The queued response as a call returns it (the same object): given plausible
    metadata (a fresh request id, status 200, one attempt) unless the test set some."""
    metadata = getattr(response, "response_metadata", None)
    if metadata is None or metadata is not NO_METADATA:
        return response
    request_id = str(uuid.uuid4())
    headers = CIMultiDictProxy(
        CIMultiDict({"x-amzn-RequestId": request_id, "Content-Type": "application/json"})
    )
    response.response_metadata = ResponseMetadata(
        request_id=request_id, status_code=200, headers=headers, attempts=1
    )
    return response


class Stubber:
    """Stubs one client's operations while active (``with`` or ``async with``).

    Args:
        client: The awsmith client to stub (``SupportClient``, ``CodeGuruProfilerClient``).
            Only this instance is affected.
        assert_all_used: On a clean exit of the ``with`` block, raise
            :class:`StubAssertionError` if queued responses or errors were not used.
    """

    def __init__(self, client: BaseClient, *, assert_all_used: bool = False) -> None:
        if not isinstance(client, BaseClient):  # pyright: ignore[reportUnnecessaryIsInstance]  # callers may pass anything
            raise TypeError(f"Stubber needs an awsmith client, got {type(client).__name__}")
        self._client = client
        self._assert_all_used = assert_all_used
        self._queue: deque[_Queued] = deque()
        #: Model operation name -> method name (the table the generator emits).
        self._methods = type(client)._operation_methods  # pyright: ignore[reportPrivateUsage]
        self._return_types: dict[str, object] = {}
        self._active = False
        #: What the client's calls went to before this Stubber took them (another
        #: Stubber's, when nested), given back on exit.
        self._previous: Invoke | None = None

    # ---------------------------------------------------------------- activation

    def activate(self) -> None:
        """Starts stubbing the client and its ``with_options`` views, those made before
        and those made while it is active (what entering the ``with`` block does),
        through the client's seam for it (``BaseClient._route_calls``)."""
        if self._active:
            raise RuntimeError("this Stubber is already active")
        self._previous = self._client._route_calls(self._invoke)  # pyright: ignore[reportPrivateUsage]
        self._active = True

    def deactivate(self) -> None:
        """Gives the client and its views back their call pipeline, or the calls back
        to the Stubber this one was nested in (what leaving the ``with`` block does)."""
        if not self._active:
            return
        self._client._route_calls(self._previous)  # pyright: ignore[reportPrivateUsage]
        self._previous = None
        self._active = False

    def __enter__(self) -> Self:
        self.activate()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        self.deactivate()
        if exc_type is None and self._assert_all_used:
            self.assert_no_pending_responses()

    async def __aenter__(self) -> Self:
        return self.__enter__()

    async def __aexit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        self.__exit__(exc_type, *rest)

    # ---------------------------------------------------------------- queueing

    @overload
    def add_response(
        self,
        method: Callable[..., Awaitable[_R]],
        response: _R,
        expected_params: Mapping[str, object] | None = None,
    ) -> None: ...

    @overload
    def add_response(
        self,
        method: Callable[..., Awaitable[Any]],
        response: Mapping[str, Any],
        expected_params: Mapping[str, object] | None = None,
    ) -> None: ...

    @overload
    def add_response(
        self,
        method: str,
        response: object,
        expected_params: Mapping[str, object] | None = None,
    ) -> None: ...

    def add_response(
        self,
        method: Callable[..., Awaitable[Any]] | str,
        response: object,
        expected_params: Mapping[str, object] | None = None,
    ) -> None:
        """Queues ``response`` as the result of the next call, which must be of ``method``.

        Args:
            method: The client's bound method (``client.describe_cases``), which makes
                type checkers check the response's type, or its name (``"describe_cases"``).
            response: What the call returns: an instance of the method's response type,
                or the response as a dict in the service's own member names, as a
                botocore ``Stubber`` fixture or the AWS CLI's JSON output holds it
                (``{"cases": [{"caseId": ...}]}``), read with
                ``awsmith.from_dict(..., names="wire")``; a ``ResponseMetadata`` key
                in it is ignored, as botocore's ``Stubber`` ignores it.
            expected_params: The arguments the call must pass, by name; :data:`ANY`
                matches any value. ``None`` accepts any arguments.

        Raises:
            ValueError: ``method`` is not an operation of the stubbed client.
            TypeError: ``response`` is not of the method's return type.
            ParamValidationError: ``response`` is a dict that does not describe the
                method's return type (a wrong type or an unknown key, with its path).
        """
        name = self._method_name(method)
        returns = self._return_type(name)
        queued: object = response
        if isinstance(response, Mapping) and isinstance(returns, type):
            fixture = cast("Mapping[str, Any]", response)
            wire = {k: v for k, v in fixture.items() if k != "ResponseMetadata"}
            # strict: a fixture's misspelt member is a mistake in the test (botocore's
            # Stubber validates its responses the same way), not a newer service
            queued = from_dict(cast("type[object]", returns), wire, names="wire", strict=True)
        if isinstance(returns, type) and not isinstance(queued, returns):
            raise TypeError(
                f"{name} returns {returns.__name__}, got a response of type "
                f"{type(queued).__name__}"
            )
        self._queue.append(_Queued(name, queued, None, None if expected_params is None else dict(expected_params)))

    def add_error(
        self,
        method: Callable[..., Awaitable[Any]] | str,
        error: AwsmithError,
        expected_params: Mapping[str, object] | None = None,
    ) -> None:
        """Queues ``error`` to be raised by the next call, which must be of ``method``.

        Args:
            method: The client's bound method or its name, as for :meth:`add_response`.
            error: The exception to raise: usually a modeled error of the service
                (``CaseIdNotFound("no such case")``), or any awsmith error such as
                ``awsmith.ReadTimeoutError``.
            expected_params: As for :meth:`add_response`.
        """
        name = self._method_name(method)
        if not isinstance(error, AwsmithError):  # pyright: ignore[reportUnnecessaryIsInstance]  # callers may pass anything
            raise TypeError(f"error must be an awsmith error, got {type(error).__name__}")
        self._queue.append(_Queued(name, None, error, None if expected_params is None else dict(expected_params)))

    def assert_no_pending_responses(self) -> None:
        """Raises :class:`StubAssertionError` if queued responses or errors were not used."""
        if self._queue:
            pending = ", ".join(entry.method for entry in self._queue)
            raise StubAssertionError(f"{len(self._queue)} queued response(s) not used: {pending}")

    # ---------------------------------------------------------------- internals

    def _method_name(self, method: Callable[..., Awaitable[Any]] | str) -> str:
        client_type = type(self._client).__name__
        if isinstance(method, str):
            name = method
        else:
            if getattr(method, "__self__", None) is not self._client:
                raise ValueError(
                    f"{getattr(method, '__qualname__', method)!r} is not a method of the "
                    f"stubbed {client_type}"
                )
            name = getattr(method, "__name__", "")
        if name not in self._methods.values():
            raise ValueError(f"{client_type} has no operation {name!r}")
        return name

    def _return_type(self, name: str) -> object:
        if name not in self._return_types:
            try:
                hints = typing.get_type_hints(getattr(type(self._client), name))
            except Exception:  # unresolvable annotations: no runtime check
                hints = {}
            self._return_types[name] = hints.get("return")
        return self._return_types[name]

    async def _invoke(self, operation: Operation[Any, Any], request: Any) -> Any:
        try:
            entry = self._next(operation, request)
        except AwsmithError as exc:  # named as a real call names its errors
            raise_as_is(for_call(exc, operation.name))
        if entry.error is not None:
            # As if the service had answered the first attempt with it: a copy of
            # awsmith's error for this call (the entry's may be queued again), yours as
            # it is.
            raise_as_is(for_call(entry.error, operation.name, attempts=1))
        return _with_metadata(entry.response)

    def _next(self, operation: Operation[Any, Any], request: Any) -> _Queued:
        """The queued entry this call takes, once the call checks out."""
        operation.validate(request)
        name = self._methods.get(operation.name)
        if name is None:  # the generated table names every operation of the client
            raise StubAssertionError(
                f"unexpected call to {operation.name}: not an operation of this client"
            )
        if not self._queue:
            raise StubAssertionError(f"unexpected call to {name}: no response is queued")
        entry = self._queue[0]
        if entry.method != name:
            raise StubAssertionError(f"expected a call to {entry.method}, got {name}")
        if entry.expected_params is not None:
            self._check_params(name, entry.expected_params, request)
        self._queue.popleft()
        return entry

    @staticmethod
    def _check_params(name: str, expected: dict[str, object], request: object) -> None:
        actual = _passed_params(request)
        fields = _field_names(request)
        problems: list[str] = []
        for key in expected:
            if key not in fields:
                problems.append(f"  {key}: {name} has no such parameter")
        for key in fields:
            if key not in expected and key not in actual:
                continue
            want = expected.get(key)
            got = actual.get(key)
            if not _matches(want, got):
                problems.append(f"  {key}: expected {want!r}, got {got!r}")
        if problems:
            raise StubAssertionError(
                f"{name} was called with unexpected parameters:\n" + "\n".join(problems)
            )
