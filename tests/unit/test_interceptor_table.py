"""Interceptor semantics as tables: every hook of two interceptors, A (given first)
and B, raising or not, which hooks run afterwards and what the caller gets: the
exception or response, how many attempts its error says the call made, and the error
it carries as the last failed attempt's (``__cause__``).

Three scenarios, one table each:

* ``200``: one attempt, answered 200 (every hook raising in A, in B or in both);
* ``503, 200``: an attempt answered 503 (retried), then one answered 200, every hook of
  A raising on the first attempt and on the second;
* ``400``: one attempt answered with an error that is not retried, every hook of A
  raising.

Three things are compared:

* awsmith's behaviour, run for every row;
* an oracle written from smithy-python's RequestPipeline (smithy_core/aio/client.py:
  ``_handle_execution``, ``_retry``, ``_handle_attempt``, ``_finalize_attempt``,
  ``_finalize_execution``, and ``InterceptorChain`` in smithy_core/interceptors.py),
  with the differences awsmith makes on purpose as its only parameters
  (:data:`REVERSED`, :data:`READ_STAGES_RUN_ALL`; docs/observability.md says why), and
  awsmith's accounting (``attempts`` and the last attempt's error, which smithy-python
  does not have) as docs/errors.md states it;
* the tables in docs/observability.md, which must be the rendering of the behaviour.

``python -m tests.unit.test_interceptor_table`` prints the tables as the docs hold them.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

import awsmith
from tests.unit.mockaws import HOOKS, Script, error_reply, intercepted_support, json_reply

NAMES = ("A", "B")
RAISERS = ("A", "B", "A and B")
DOCS = Path(__file__).resolve().parents[2] / "docs" / "observability.md"
#: The hooks each attempt runs (the others run once a call).
PER_ATTEMPT = frozenset(HOOKS[1:5])


@dataclass(frozen=True)
class Scenario:
    """How the server answers each attempt: its statuses, in order (503 is retried)."""

    label: str
    answers: tuple[int, ...]
    #: The docs' marker of its table.
    marker: str

    def replies(self) -> list[httpx.Response]:
        return [
            json_reply({"cases": []})
            if status == 200
            else error_reply("ServiceUnavailable" if status == 503 else "AccessDeniedException",
                             status=status)
            for status in self.answers
        ]


OK = Scenario("200", (200,), "interceptor-table")
RETRIED = Scenario("503, 200", (503, 200), "interceptor-table-retry")
REFUSED = Scenario("400", (400,), "interceptor-table-error")
SCENARIOS = (OK, RETRIED, REFUSED)

#: A row: the scenario, the hook that raises, which interceptors' hook raises, and on
#: which attempt (None: whenever it runs); (scenario, None, None, None): nothing raises.
Row = tuple[Scenario, str | None, str | None, int | None]
#: A hook run: (interceptor, hook, attempt; None for the hooks run once a call).
Call = tuple[str, str, int | None]


@dataclass(frozen=True)
class Outcome:
    """What a row does: the hooks run, in order; what the caller gets ("the response",
    "X.hook's exception", or an attempt's own error, "the 400 of attempt 1"); the
    ``attempts`` its error says; and its last attempt's error, "none" without one."""

    calls: tuple[Call, ...]
    gets: str
    attempts: int | None
    cause: str


def rows_of(scenario: Scenario) -> list[Row]:
    rows: list[Row] = [(scenario, None, None, None)]
    if scenario is OK:
        return rows + [(scenario, hook, who, None) for hook in HOOKS for who in RAISERS]
    for hook in HOOKS:
        attempts = range(1, len(scenario.answers) + 1) if hook in PER_ATTEMPT else [None]
        rows += [(scenario, hook, "A", attempt) for attempt in attempts]
    return rows


ROWS = [row for scenario in SCENARIOS for row in rows_of(scenario)]


def _raising(row: Row) -> set[tuple[str, str, int | None]]:
    _, hook, who, attempt = row
    if hook is None or who is None:
        return set()
    return {(name, hook, attempt) for name in NAMES if name in who.split(" and ")}


def _raises(raising: set[tuple[str, str, int | None]], call: Call) -> bool:
    name, hook, attempt = call
    return (name, hook, None) in raising or (name, hook, attempt) in raising


# ---------------------------------------------------------------- the oracle

#: awsmith on purpose: the stages from read_after_transmit on run the interceptors in
#: reverse order (the first is the outermost). smithy-python runs every stage in order.
REVERSED = frozenset(HOOKS[3:])
#: awsmith on purpose: every interceptor's read_* hook of a stage runs even after
#: another's raised, and the stage ends with the last exception (smithy-python does so
#: only in read_after_execution; its other read stages stop at the first).
READ_STAGES_RUN_ALL = True


def reference(scenario: Scenario, raising: set[tuple[str, str, int | None]]) -> Outcome:
    """smithy-python's RequestPipeline for a call whose attempts get ``scenario``'s
    answers, with interceptors A then B; ``raising`` the (interceptor, hook, attempt)
    that raise. The accounting is docs/errors.md's: an attempt counts once its request
    is sent; an error that is not an attempt's own outcome carries the last failed
    attempt's error."""
    calls: list[Call] = []

    def chain(hook: str, attempt: int | None = None) -> str | None:
        """InterceptorChain.<hook>: each interceptor in turn; the exception a hook
        raises ends the stage, except where every hook of the stage must run."""
        run_all = hook == "read_after_execution" or (
            READ_STAGES_RUN_ALL and hook.startswith("read_")
        )
        error: str | None = None
        for name in (NAMES[::-1] if hook in REVERSED else NAMES):
            calls.append((name, hook, attempt))
            if _raises(raising, (name, hook, attempt)):
                error = f"{name}.{hook}"
                if not run_all:
                    return error
        return error

    made = 0  # attempts sent
    last_error: str | None = None  # the last failed attempt's error
    # _handle_execution: read_before_execution (and serialization); an exception there
    # is the call's response, with no attempt.
    response = chain("read_before_execution")
    attempt = 0
    while response is None:
        attempt += 1
        # _retry -> _handle_attempt: one try block from read_before_attempt to
        # read_after_deserialization; its exception is the attempt's response.
        outcome = chain("modify_before_signing", attempt) or chain("read_before_transmit", attempt)
        if outcome is None:
            made = attempt  # transport.send
            outcome = chain("read_after_transmit", attempt)
            if outcome is None:  # deserialize_response: the output, or the answer's error
                status = scenario.answers[attempt - 1]
                outcome = "the response" if status == 200 else f"the {status} of attempt {attempt}"
                if status != 200:
                    last_error = outcome
        # _finalize_attempt: read_after_attempt's exception replaces the response.
        outcome = chain("read_after_attempt", attempt) or outcome
        # _retry: the retry strategy retries a 503 (and nothing a hook raised); any other
        # exception is raised, and _handle_execution makes it the call's response.
        if outcome != f"the 503 of attempt {attempt}":
            response = outcome
    # _finalize_execution: modify_before_completion, then read_after_execution, each
    # one's exception replacing the response.
    response = chain("modify_before_completion") or response
    response = chain("read_after_execution") or response
    if response == "the response":
        return Outcome(tuple(calls), response, None, "none")
    if response.startswith("the "):  # an attempt's own error: it is the last one
        return Outcome(tuple(calls), response, int(response.rsplit(" ", 1)[1]), "none")
    return Outcome(tuple(calls), f"{response}'s exception", made, last_error or "none")


# ---------------------------------------------------------------- awsmith


class Tracer(awsmith.Interceptor):
    """Records each of its hooks and raises a ConfigurationError in those of
    ``raising``."""

    def __init__(
        self, name: str, calls: list[Call], raising: set[tuple[str, str, int | None]]
    ) -> None:
        self.name = name
        self.calls = calls
        self.raising = raising

    def _hook(self, hook: str, context: awsmith.InterceptorContext) -> None:
        call = (self.name, hook, context.attempt if hook in PER_ATTEMPT else None)
        self.calls.append(call)
        if _raises(self.raising, call):
            raise awsmith.ConfigurationError(f"{self.name}.{hook}")

    def read_before_execution(self, context: awsmith.InterceptorContext) -> None:
        self._hook("read_before_execution", context)

    def modify_before_signing(self, context: awsmith.InterceptorContext) -> awsmith.TransportRequest:
        self._hook("modify_before_signing", context)
        return super().modify_before_signing(context)

    def read_before_transmit(self, context: awsmith.InterceptorContext) -> None:
        self._hook("read_before_transmit", context)

    def read_after_transmit(self, context: awsmith.InterceptorContext) -> None:
        self._hook("read_after_transmit", context)

    def read_after_attempt(self, context: awsmith.InterceptorContext) -> None:
        self._hook("read_after_attempt", context)

    def modify_before_completion(self, context: awsmith.InterceptorContext) -> Any:
        self._hook("modify_before_completion", context)
        return super().modify_before_completion(context)

    def read_after_execution(self, context: awsmith.InterceptorContext) -> None:
        self._hook("read_after_execution", context)


def _described(error: BaseException | None) -> str:
    """An attempt's error as the tables name it."""
    if error is None:
        return "none"
    assert isinstance(error, awsmith.ServiceError), repr(error)
    return f"the {error.status_code} of attempt {error.attempts}"


async def behaviour(row: Row) -> Outcome:
    """What awsmith does for ``row``."""
    scenario = row[0]
    calls: list[Call] = []
    raising = _raising(row)
    tracers = [Tracer(name, calls, raising) for name in NAMES]
    script = Script(*scenario.replies())
    async with intercepted_support(script, *tracers) as support:
        try:
            await support.describe_cases()
        except awsmith.ConfigurationError as exc:
            suffix = " (when calling the DescribeCases operation)"
            assert str(exc).endswith(suffix), str(exc)
            gets = f"{str(exc).removesuffix(suffix)}'s exception"
            return Outcome(tuple(calls), gets, exc.attempts, _described(exc.__cause__))
        except awsmith.ServiceError as exc:
            assert exc.__cause__ is None
            return Outcome(tuple(calls), _described(exc), exc.attempts, "none")
    return Outcome(tuple(calls), "the response", None, "none")


# ---------------------------------------------------------------- the docs' tables


def _runs(calls: tuple[Call, ...]) -> str:
    """``hook`` (B, A), ... for consecutive calls of one hook (of one attempt: ``#2``)."""
    groups: list[tuple[str, list[str]]] = []
    for name, hook, attempt in calls:
        shown = f"`{hook}`" + (f" #{attempt}" if attempt is not None else "")
        if groups and groups[-1][0] == shown:
            groups[-1][1].append(name)
        else:
            groups.append((shown, [name]))
    return ", ".join(f"{hook} ({', '.join(names)})" for hook, names in groups) or "nothing"


def render(outcomes: list[tuple[Row, Outcome]]) -> str:
    """A docs table: for each row, the hooks that run after the first exception (for
    the row without one, every hook) and what the caller gets."""
    lines = [
        "| hook that raises | raised by | then run | the caller gets | attempts | cause |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for row, outcome in outcomes:
        _, hook, who, attempt = row
        attempts = "" if outcome.attempts is None else str(outcome.attempts)
        result = f"{outcome.gets} | {attempts} | {outcome.cause}"
        if hook is None:
            lines.append(f"| none | | {_runs(outcome.calls)} | {result} |")
            continue
        raising = _raising(row)
        first = next(i for i, call in enumerate(outcome.calls) if _raises(raising, call))
        where = f"`{hook}`" + (f" #{attempt}" if attempt is not None else "")
        lines.append(f"| {where} | {who} | {_runs(outcome.calls[first + 1:])} | {result} |")
    return "\n".join(lines)


def docs_table(marker: str) -> str:
    text = DOCS.read_text(encoding="utf-8")
    begin, end = f"<!-- {marker} -->", f"<!-- /{marker} -->"
    match = re.search(re.escape(begin) + r"\n(.*?)\n" + re.escape(end), text, re.DOTALL)
    assert match, f"{DOCS.name} has no {begin} ... {end} block"
    return match.group(1).strip()


async def all_behaviour(scenario: Scenario) -> list[tuple[Row, Outcome]]:
    return [(row, await behaviour(row)) for row in rows_of(scenario)]


# ---------------------------------------------------------------- the tests


def _id(row: Row) -> str:
    scenario, hook, who, attempt = row
    if hook is None:
        return f"{scenario.label}-none"
    return f"{scenario.label}-{hook}-{who}" + (f"-{attempt}" if attempt is not None else "")


@pytest.mark.anyio
@pytest.mark.parametrize("row", ROWS, ids=[_id(row) for row in ROWS])
async def test_awsmith_runs_the_hooks_the_reference_pipeline_runs(row: Row) -> None:
    """Hooks, outcome, attempts and cause as the reference says. In the ``503, 200`` and
    ``400`` rows an error a hook raised after the attempts used to say attempts=0 and
    carry no cause (read_after_attempt after an error response, modify_before_completion,
    read_after_execution)."""
    assert await behaviour(row) == reference(row[0], _raising(row))


@pytest.mark.anyio
@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.label for s in SCENARIOS])
async def test_the_docs_table_is_the_behaviour(scenario: Scenario) -> None:
    assert docs_table(scenario.marker) == render(await all_behaviour(scenario))


def test_the_reference_without_awsmiths_differences_is_smithy_pythons() -> None:
    """The oracle's two parameters are what they claim: without them, a read stage
    stops at its first exception and every stage runs A before B, as smithy-python's
    InterceptorChain does (so the table's differences are only those two)."""
    global READ_STAGES_RUN_ALL, REVERSED
    saved = READ_STAGES_RUN_ALL, REVERSED
    try:
        READ_STAGES_RUN_ALL, REVERSED = False, frozenset()
        both = {("A", "read_before_transmit", None), ("B", "read_before_transmit", None)}
        outcome = reference(OK, both)
        assert outcome.calls[4:6] == (
            ("A", "read_before_transmit", 1), ("A", "read_after_attempt", 1)
        )
        assert outcome.gets == "A.read_before_transmit's exception"
        both = {("A", "read_after_execution", None), ("B", "read_after_execution", None)}
        outcome = reference(OK, both)
        assert outcome.calls[-2:] == (
            ("A", "read_after_execution", None), ("B", "read_after_execution", None)
        )
        assert outcome.gets == "B.read_after_execution's exception"
    finally:
        READ_STAGES_RUN_ALL, REVERSED = saved


def test_the_reference_retries_only_the_503() -> None:
    """The oracle's retry: the 503 is retried, a hook's exception on that attempt is not
    (smithy-python's standard strategy retries no exception that is not a retryable
    service error), and the 400 is not."""
    assert reference(RETRIED, set()).gets == "the response"
    hook = reference(RETRIED, {("A", "read_after_attempt", 1)})
    assert (hook.gets, hook.attempts, hook.cause) == (
        "A.read_after_attempt's exception", 1, "the 503 of attempt 1"
    )
    assert reference(REFUSED, set()).gets == "the 400 of attempt 1"


if __name__ == "__main__":
    for scenario in SCENARIOS:
        print(f"<!-- {scenario.marker} -->")
        print(render(asyncio.run(all_behaviour(scenario))))
        print(f"<!-- /{scenario.marker} -->\n")
