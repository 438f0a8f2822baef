"""Every operation's example in the API reference runs and tells the truth.

The generator writes each operation's example (``models/examples/<service>.json``,
rendered by ``codegen/examples.py``) into the method's docstring: the call, and the
response as ``awsmith.to_dict`` gives it. These tests read the examples back from the
generated clients' docstrings, which is what the API reference shows, and run them:

- against ``awsmith.testing.Stubber``, queued with the example file's canned response
  and, as ``expected_params``, the file's input read by ``awsmith.from_dict`` (not by the
  generator's renderer): the snippet must pass exactly the arguments the file describes,
  and the response block must equal ``to_dict`` of what the call returned;
- through ``mypy --strict``, so a snippet cannot pass a value of the wrong type where
  the runtime would let it through (a string that is not one of an enum's values);
- for Support, against moto's server, for the operations moto implements (CreateCase,
  DescribeCases, ResolveCase, DescribeTrustedAdvisorChecks, RefreshTrustedAdvisorCheck):
  moto makes its own case ids, so the case examples run with the id of a case the
  CreateCase example opened in place of the example's.
"""

from __future__ import annotations

import ast
import inspect
import json
import re
import textwrap
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import anyio
import attrs
import pytest

import awsmith
from awsmith import codeguruprofiler, support
from awsmith._core.client import BaseClient
from awsmith.testing import ANY, Stubber
from codegen.model import Operation, load
from devservers.moto_server import (
    FAKE_ACCESS_KEY_ID,
    FAKE_SECRET_ACCESS_KEY,
    MotoServer,
    moto_server,
)
from tests.docs.test_snippet_types import mypy_errors

ROOT = Path(__file__).resolve().parents[2]
SERVICES: dict[str, ModuleType] = {"support": support, "codeguruprofiler": codeguruprofiler}
CLIENTS: dict[str, type[BaseClient]] = {
    "support": support.SupportClient,
    "codeguruprofiler": codeguruprofiler.CodeGuruProfilerClient,
}
_BLOCK = re.compile(r"^```python\n(.*?)\n```$", re.DOTALL | re.MULTILINE)
#: The Support operations moto (5.x) implements; the others answer HTTP 500.
MOTO_SUPPORT = [
    "CreateCase",
    "DescribeCases",
    "ResolveCase",
    "DescribeTrustedAdvisorChecks",
    "RefreshTrustedAdvisorCheck",
]


@dataclass(frozen=True)
class Documented:
    """One example as the reference shows it: the snippet and the response block."""

    call: str
    response: str | None


def examples_file(service: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ROOT / "models" / "examples" / f"{service}.json").read_text("utf-8"))
    return data


def operations(service: str) -> list[Operation]:
    return load(ROOT / "models" / f"{service}.json").operations


def documented(service: str, op: Operation) -> list[Documented]:
    """The examples of ``op``'s method docstring, in order."""
    doc = inspect.getdoc(getattr(CLIENTS[service], op.py_name)) or ""
    _, found, section = doc.partition("\nExamples:\n")
    assert found, f"{op.py_name} has no Examples section"
    out: list[Documented] = []
    for block in _BLOCK.findall(textwrap.dedent(section)):
        if "await " in block:
            out.append(Documented(block, None))
        else:
            assert out, f"{op.py_name}: a response block before any call"
            out[-1] = Documented(out[-1].call, block)
    return out


def cases() -> list[Any]:
    return [
        pytest.param(service, op, id=f"{service}.{op.name}")
        for service in SERVICES
        for op in operations(service)
    ]


async def run(call: str, variable: str, client: BaseClient) -> Any:
    """Runs a snippet as the body of an async function given the open client; returns
    what it bound to ``response`` (None if it binds nothing)."""
    source = (
        f"async def _example({variable}):\n"
        + textwrap.indent(call, "    ")
        + "\n    return locals().get('response')\n"
    )
    namespace: dict[str, Any] = {}
    exec(compile(source, "<example>", "exec"), namespace)
    return await namespace["_example"](client)


def expected_params(service: str, op: Operation, wire_input: dict[str, Any]) -> dict[str, object]:
    """The arguments the example file's input describes, read by ``from_dict``; an
    idempotency token the example leaves out is filled in with a fresh UUID (ANY)."""
    if op.input is None:
        return {}
    cls = getattr(SERVICES[service].shapes, op.input.class_name)
    request = awsmith.from_dict(cls, wire_input, names="wire")
    values = {f.name: getattr(request, f.name) for f in attrs.fields(cls)}
    params: dict[str, object] = {k: v for k, v in values.items() if v is not None}
    for member in op.input.members:
        if member.idempotency_token and member.name not in wire_input:
            params[member.py_name] = ANY  # (from_dict gave the required member "")
    return params


@pytest.mark.parametrize(("service", "op"), cases())
def test_every_operation_documents_the_examples_of_its_file(service: str, op: Operation) -> None:
    shown = documented(service, op)
    given = examples_file(service)["examples"][op.name]
    assert len(shown) == len(given) >= 1
    has_output = op.output is not None and bool(op.output.members)
    for example in shown:
        assert (example.response is not None) == has_output
        assert ("response = await " in example.call) == has_output


@pytest.mark.parametrize(("service", "op"), cases())
def test_example_runs_against_the_stubber(service: str, op: Operation) -> None:
    data = examples_file(service)
    for example, spec in zip(documented(service, op), data["examples"][op.name], strict=True):

        async def main(example: Documented = example, spec: dict[str, Any] = spec) -> Any:
            client = CLIENTS[service]()
            with Stubber(client, assert_all_used=True) as stub:
                stub.add_response(
                    op.py_name, spec.get("output", {}), expected_params(service, op, spec.get("input", {}))
                )
                return await run(example.call, data["client"], client)

        response = anyio.run(main)
        if example.response is None:
            assert response is None
        else:
            assert awsmith.to_dict(response) == ast.literal_eval(example.response)


def test_a_wrong_argument_in_an_example_fails_against_the_stubber() -> None:
    # The check above can fail: the DescribeCases example with another case id.
    op = next(o for o in operations("support") if o.name == "DescribeCases")
    (example,) = documented("support", op)
    spec = examples_file("support")["examples"]["DescribeCases"][0]
    call = example.call.replace("c4c1d2bf33c5cf47", "0000000000000000")

    async def main() -> None:
        client = support.SupportClient()
        with Stubber(client) as stub:
            stub.add_response(op.py_name, spec["output"], expected_params("support", op, spec["input"]))
            await run(call, "support", client)

    with pytest.raises(AssertionError, match=r"describe_cases was called with unexpected parameters:\n  case_id_list: expected \['case-12345678910-2013-c4c1d2bf33c5cf47'\], got \['case-12345678910-2013-0000000000000000'\]"):
        anyio.run(main)


@pytest.mark.timeout(660)  # mypy over cold caches in a fresh clone: minutes on a loaded machine
def test_every_example_type_checks(tmp_path: Path) -> None:
    """One module of every example, each the body of an ``async def`` given the open
    client, through ``mypy --strict``; plus a copy of the CreateProfilingGroup example
    with a compute platform that is not a ``ComputePlatform`` value, which must be the
    only error (the check can fail). The module and mypy's cache are this test's own
    (tmp_path), as in tests/docs/test_snippet_types.py."""
    folder = tmp_path / "operation-examples"
    folder.mkdir()
    lines = [
        "from awsmith.codeguruprofiler import CodeGuruProfilerClient",
        "from awsmith.support import SupportClient",
    ]
    snippets: list[tuple[str, str, str]] = []  # (function name, client parameter, code)
    for service in SERVICES:
        parameter = f"{examples_file(service)['client']}: {CLIENTS[service].__name__}"
        for op in operations(service):
            for i, example in enumerate(documented(service, op)):
                snippets.append((f"{service}_{op.py_name}_{i}", parameter, example.call))
    wrong = next(code for name, _, code in snippets if name == "codeguruprofiler_create_profiling_group_0")
    assert 'compute_platform="Default"' in wrong
    snippets.append(("wrong", "profiler: CodeGuruProfilerClient", wrong.replace('"Default"', '"default"')))
    wrong_line = 0
    for name, parameter, code in snippets:
        lines += ["", "", f"async def example_{name}({parameter}) -> None:"]
        for line in code.splitlines():
            if '"default"' in line:
                wrong_line = len(lines) + 1
            lines.append(f"    {line}" if line else "")
    path = folder / "operation_examples.py"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    errors = [e for e in mypy_errors(folder, [path]) if e["severity"] == "error"]
    assert [(e["line"], e["code"]) for e in errors] == [(wrong_line, "arg-type")], errors
    assert len(snippets) == 1 + sum(len(examples_file(s)["examples"]) for s in SERVICES)


# ------------------------------------------------------------------------- moto


@pytest.fixture(scope="module")
def moto() -> Iterator[MotoServer]:
    with moto_server() as server:
        yield server


def moto_cases() -> list[Any]:
    by_name = {op.name: op for op in operations("support")}
    return [pytest.param(by_name[name], id=name) for name in MOTO_SUPPORT]


@pytest.mark.integration
@pytest.mark.parametrize("op", moto_cases())
def test_support_example_runs_against_moto(moto: MotoServer, op: Operation) -> None:
    moto.reset()
    examples = examples_file("support")["examples"]
    example_case = examples["CreateCase"][0]["output"]["caseId"]
    (create,) = documented("support", next(o for o in operations("support") if o.name == "CreateCase"))
    (example,) = documented("support", op)
    assert example.response is not None

    async def main() -> tuple[str, Any]:
        credentials = awsmith.Credentials(
            access_key_id=FAKE_ACCESS_KEY_ID, secret_access_key=FAKE_SECRET_ACCESS_KEY
        )
        async with support.SupportClient(
            region="us-east-1", endpoint_url=moto.endpoint_url, credentials=credentials
        ) as client:
            created = await run(create.call, "support", client)
            call = example.call.replace(example_case, created.case_id)
            return created.case_id, await run(call, "support", client)

    case_id, response = anyio.run(main)
    returns = typing.get_type_hints(getattr(support.SupportClient, op.py_name))["return"]
    assert type(response) is returns
    assert response.response_metadata.status_code == 200
    got = awsmith.to_dict(response)
    shown = ast.literal_eval(example.response)
    # moto's answer has its own values, but every member the example shows
    assert [key for key in shown if got.get(key) in (None, [], {})] == []
    if op.name == "DescribeCases":  # the case the CreateCase example opened
        assert [case["case_id"] for case in got["cases"]] == [case_id]


def test_the_example_profiles_cover_the_time_the_examples_ask_for() -> None:
    """The profiles in GetProfile's and PostAgentProfile's examples start when GetProfile's
    request starts and last its period (a reader compares them: a profile of another
    day would not answer that request)."""
    import base64
    from datetime import datetime, timedelta

    examples = examples_file("codeguruprofiler")["examples"]
    request = examples["GetProfile"][0]["input"]
    start = datetime.fromisoformat(request["startTime"])
    assert request["period"] == "PT5M"
    profiles = [
        examples["GetProfile"][0]["output"]["profile"],
        examples["PostAgentProfile"][0]["input"]["agentProfile"],
    ]
    for encoded in profiles:
        profile = json.loads(base64.b64decode(encoded))
        covered = (
            datetime.fromtimestamp(profile["start"] / 1000, tz=start.tzinfo),
            datetime.fromtimestamp(profile["end"] / 1000, tz=start.tzinfo),
        )
        assert covered == (start, start + timedelta(minutes=5))
