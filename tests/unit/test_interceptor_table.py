"""Interceptor semantics as a table: every hook of two interceptors, A (given first)
and B, raising or not, which hooks run afterwards and what the caller gets.

Three things are compared:

* awsmith's behaviour, run for every row (a DescribeCases answered 200 at once);
* an oracle written from smithy-python's RequestPipeline (smithy_core/aio/client.py:
  ``_handle_execution``, ``_retry``, ``_handle_attempt``, ``_finalize_attempt``,
  ``_finalize_execution``, and ``InterceptorChain`` in smithy_core/interceptors.py),
  with the differences awsmith makes on purpose as its only parameters
  (:data:`REVERSED`, :data:`READ_STAGES_RUN_ALL`; docs/observability.md says why);
* the table in docs/observability.md, which must be the rendering of the behaviour.

``python -m tests.unit.test_interceptor_table`` prints the table as the docs hold it.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest

import awsmith
from tests.unit.mockaws import HOOKS, Script, intercepted_support, json_reply

NAMES = ("A", "B")
RAISERS = ("A", "B", "A and B")
DOCS = Path(__file__).resolve().parents[2] / "docs" / "observability.md"
BEGIN, END = "<!-- interceptor-table -->", "<!-- /interceptor-table -->"

#: A row: the hook that raises and which interceptors' hook raises (None, None: none).
Row = tuple[str | None, str | None]
#: What a row does: the (interceptor, hook) calls in order, and what the caller gets
#: ("the response", or "X.hook's exception").
Outcome = tuple[list[tuple[str, str]], str]

ROWS: list[Row] = [(None, None)] + [(hook, who) for hook in HOOKS for who in RAISERS]


class Raised(Exception):
    """Raised by the hook named in the message."""


# ---------------------------------------------------------------- the oracle

#: awsmith on purpose: the stages from read_after_transmit on run the interceptors in
#: reverse order (the first is the outermost). smithy-python runs every stage in order.
REVERSED = frozenset(HOOKS[3:])
#: awsmith on purpose: every interceptor's read_* hook of a stage runs even after
#: another's raised, and the stage ends with the last exception (smithy-python does so
#: only in read_after_execution; its other read stages stop at the first).
READ_STAGES_RUN_ALL = True


def reference(raising: set[tuple[str, str]]) -> Outcome:
    """smithy-python's RequestPipeline for a call whose one attempt gets a response
    that deserializes, with interceptors A then B; ``raising`` the (interceptor, hook)
    pairs that raise."""
    calls: list[tuple[str, str]] = []

    def chain(hook: str) -> str | None:
        """InterceptorChain.<hook>: each interceptor in turn; the exception a hook
        raises ends the stage, except where every hook of the stage must run."""
        run_all = hook == "read_after_execution" or (
            READ_STAGES_RUN_ALL and hook.startswith("read_")
        )
        error: str | None = None
        for name in (NAMES[::-1] if hook in REVERSED else NAMES):
            calls.append((name, hook))
            if (name, hook) in raising:
                error = f"{name}.{hook}"
                if not run_all:
                    return error
        return error

    # _handle_execution: read_before_execution (and serialization); an exception there
    # is the call's response, with no attempt.
    response = chain("read_before_execution")
    if response is None:
        # _retry -> _handle_attempt: one try block from read_before_attempt to
        # read_after_deserialization; its exception is the attempt's response.
        attempt = (
            chain("modify_before_signing")
            or chain("read_before_transmit")
            or chain("read_after_transmit")
        )
        response = attempt or "the response"
        # _finalize_attempt: read_after_attempt's exception replaces the response.
        response = chain("read_after_attempt") or response
        # _retry: an exception that is not a retryable service error is raised, and
        # _handle_execution makes it the call's response.
    # _finalize_execution: modify_before_completion, then read_after_execution, each
    # one's exception replacing the response.
    response = chain("modify_before_completion") or response
    response = chain("read_after_execution") or response
    return calls, response if response == "the response" else f"{response}'s exception"


# ---------------------------------------------------------------- awsmith


def _raising(row: Row) -> set[tuple[str, str]]:
    hook, who = row
    if hook is None or who is None:
        return set()
    return {(name, hook) for name in NAMES if name in who.split(" and ")}


class Tracer(awsmith.Interceptor):
    """Records each of its hooks and raises in those of ``raising``."""

    def __init__(
        self, name: str, calls: list[tuple[str, str]], raising: set[tuple[str, str]]
    ) -> None:
        self.name = name
        self.calls = calls
        self.raising = raising

    def _hook(self, hook: str) -> None:
        self.calls.append((self.name, hook))
        if (self.name, hook) in self.raising:
            raise Raised(f"{self.name}.{hook}")

    def read_before_execution(self, context: awsmith.InterceptorContext) -> None:
        self._hook("read_before_execution")

    def modify_before_signing(self, context: awsmith.InterceptorContext) -> awsmith.TransportRequest:
        self._hook("modify_before_signing")
        return super().modify_before_signing(context)

    def read_before_transmit(self, context: awsmith.InterceptorContext) -> None:
        self._hook("read_before_transmit")

    def read_after_transmit(self, context: awsmith.InterceptorContext) -> None:
        self._hook("read_after_transmit")

    def read_after_attempt(self, context: awsmith.InterceptorContext) -> None:
        self._hook("read_after_attempt")

    def modify_before_completion(self, context: awsmith.InterceptorContext) -> Any:
        self._hook("modify_before_completion")
        return super().modify_before_completion(context)

    def read_after_execution(self, context: awsmith.InterceptorContext) -> None:
        self._hook("read_after_execution")


async def behaviour(row: Row) -> Outcome:
    """What awsmith does for ``row``."""
    calls: list[tuple[str, str]] = []
    raising = _raising(row)
    tracers = [Tracer(name, calls, raising) for name in NAMES]
    async with intercepted_support(Script(json_reply({"cases": []})), *tracers) as support:
        try:
            await support.describe_cases()
        except Raised as exc:
            return calls, f"{exc}'s exception"
    return calls, "the response"


# ---------------------------------------------------------------- the docs' table


def _runs(calls: list[tuple[str, str]]) -> str:
    """``hook`` (B, A), ... for consecutive calls of one hook."""
    groups: list[tuple[str, list[str]]] = []
    for name, hook in calls:
        if groups and groups[-1][0] == hook:
            groups[-1][1].append(name)
        else:
            groups.append((hook, [name]))
    return ", ".join(f"`{hook}` ({', '.join(names)})" for hook, names in groups) or "nothing"


def render(outcomes: list[tuple[Row, Outcome]]) -> str:
    """The docs' table: for each row, the hooks that run after the first exception
    (for the row without one, every hook) and what the caller gets."""
    lines = [
        "| hook that raises | raised by | then run | the caller gets |",
        "| --- | --- | --- | --- |",
    ]
    for (hook, who), (calls, result) in outcomes:
        if hook is None:
            lines.append(f"| none | | {_runs(calls)} | {result} |")
            continue
        first = next(
            i for i, (name, called) in enumerate(calls)
            if called == hook and (name, hook) in _raising((hook, who))
        )
        lines.append(f"| `{hook}` | {who} | {_runs(calls[first + 1:])} | {result} |")
    return "\n".join(lines)


def docs_table() -> str:
    text = DOCS.read_text(encoding="utf-8")
    match = re.search(re.escape(BEGIN) + r"\n(.*?)\n" + re.escape(END), text, re.DOTALL)
    assert match, f"{DOCS.name} has no {BEGIN} ... {END} block"
    return match.group(1).strip()


async def all_behaviour() -> list[tuple[Row, Outcome]]:
    return [(row, await behaviour(row)) for row in ROWS]


# ---------------------------------------------------------------- the tests


@pytest.mark.anyio
@pytest.mark.parametrize("row", ROWS, ids=[f"{h}-{w}" if h else "none" for h, w in ROWS])
async def test_awsmith_runs_the_hooks_the_reference_pipeline_runs(row: Row) -> None:
    assert await behaviour(row) == reference(_raising(row))


@pytest.mark.anyio
async def test_the_docs_table_is_the_behaviour() -> None:
    assert docs_table() == render(await all_behaviour())


def test_the_reference_without_awsmiths_differences_is_smithy_pythons() -> None:
    """The oracle's two parameters are what they claim: without them, a read stage
    stops at its first exception and every stage runs A before B, as smithy-python's
    InterceptorChain does (so the table's differences are only those two)."""
    global READ_STAGES_RUN_ALL, REVERSED
    saved = READ_STAGES_RUN_ALL, REVERSED
    try:
        READ_STAGES_RUN_ALL, REVERSED = False, frozenset()
        calls, result = reference({("A", "read_before_transmit"), ("B", "read_before_transmit")})
        assert calls[4:6] == [("A", "read_before_transmit"), ("A", "read_after_attempt")]
        assert result == "A.read_before_transmit's exception"
        calls, result = reference({("A", "read_after_execution"), ("B", "read_after_execution")})
        assert calls[-2:] == [("A", "read_after_execution"), ("B", "read_after_execution")]
        assert result == "B.read_after_execution's exception"
    finally:
        READ_STAGES_RUN_ALL, REVERSED = saved


if __name__ == "__main__":
    print(render(asyncio.run(all_behaviour())))
