"""Running one AWS protocol conformance case through a client generated at test time.

A case file holds suites; a suite is a model (``metadata`` and ``shapes``) and cases,
each naming its operation (``given``). For each distinct (suite, operation) a service
model is written, generated with the real generator, imported, and called through its
client and an ``httpx.MockTransport``, as a user would: validation, serialization,
endpoint, signing, parsing and error building all run.

Values cross between the cases' wire-shaped dicts and the typed objects here, by the
model: ``to_python`` builds a request from a case's ``params`` and ``to_wire`` turns a
parsed response back into the dict a case's ``result`` spells (blobs as UTF-8 text,
timestamps as epoch seconds, NaN and the infinities as their JSON strings, as botocore's
runner does).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import importlib
import json
import math
import re
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx

import awsmith
from codegen.generate import generate_package, write_or_check
from codegen.model import Operation, ServiceModel, Shape, load

CASES_DIR = Path(__file__).parent / "cases"
DOC = Path(__file__).resolve().parents[2] / "docs" / "protocols.md"
FILES = (
    "input/json.json", "input/rest-json.json", "output/json.json", "output/rest-json.json",
    "input/json_1_0.json", "output/json_1_0.json",
)
#: The model format needs these; the case files' metadata leaves them out.
EXTRA_METADATA = {"endpointPrefix": "protocoltests", "serviceId": "Protocol Tests"}
IDEMPOTENCY_TOKEN = "00000000-0000-4000-8000-000000000000"
CREDENTIALS = awsmith.Credentials(access_key_id="AKID", secret_access_key="SECRET")


@dataclass(frozen=True)
class Case:
    kind: str  # "input" or "output"
    protocol: str  # the case file's name: "json", "json_1_0" or "rest-json"
    suite: dict[str, Any]
    data: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.data["id"])

    @property
    def test_id(self) -> str:
        return f"{self.kind}:{self.protocol}:{self.id}"


def load_cases() -> list[Case]:
    cases = []
    for name in FILES:
        kind, _, file = name.partition("/")
        for suite in json.loads((CASES_DIR / name).read_text(encoding="utf-8")):
            for data in suite["cases"]:
                cases.append(Case(kind, file.removesuffix(".json"), suite, data))
    return cases


def botocore_skips() -> set[tuple[str, str, str]]:
    """(kind, protocol, case id) of every case botocore's own runner skips."""
    ignore = json.loads((CASES_DIR / "botocore-ignore-list.json").read_text(encoding="utf-8"))
    out = set()
    for case in load_cases():
        general = ignore["general"].get(case.kind, {})
        mine = ignore["protocols"].get(case.protocol, {}).get(case.kind, {})
        description = case.suite["description"]
        if any(
            description in lst.get("suites", []) or case.id in lst.get("cases", [])
            for lst in (general, mine)
        ):
            out.add((case.kind, case.protocol, case.id))
    return out


_ROW = re.compile(r"^\|\s*`([^`]+)`\s*\|\s*(input|output)\s*\|\s*(json|json_1_0|rest-json)\s*\|(.+)\|\s*$")


def not_applicable() -> dict[tuple[str, str, str], str]:
    """(kind, protocol, case id) -> reason, from the table in docs/protocols.md."""
    out = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        match = _ROW.match(line)
        if match:
            case_id, kind, protocol, reason = match.groups()
            out[(kind, protocol, case_id)] = reason.strip()
    return out


# ----------------------------------------------------------------- generation


@dataclass
class Generated:
    model: ServiceModel
    op: Operation
    shapes: ModuleType
    errors: ModuleType
    client_cls: type[Any]


class Generator:
    """Generates (once) and imports the package of a case's model."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.cache: dict[str, Generated] = {}
        sys.path.insert(0, str(root))

    def __call__(self, case: Case) -> Generated:
        raw = {
            "metadata": {**case.suite["metadata"], **EXTRA_METADATA},
            "shapes": case.suite["shapes"],
            "operations": {case.data["given"]["name"]: case.data["given"]},
        }
        text = json.dumps(raw, sort_keys=True, indent=1)
        package = "protocase_" + hashlib.sha256(text.encode()).hexdigest()[:16]
        if package not in self.cache:
            path = self.root / f"{package}.json"
            path.write_text(text, encoding="utf-8")
            write_or_check(generate_package(path, package), self.root / package, check=False)
            model = load(path)
            client = importlib.import_module(f"{package}.client")
            self.cache[package] = Generated(
                model=model,
                op=model.operations[0],
                shapes=importlib.import_module(f"{package}.shapes"),
                errors=importlib.import_module(f"{package}.errors"),
                client_cls=getattr(client, model.client_name),
            )
        return self.cache[package]


# ----------------------------------------------------------------- values

_FLOATS = ("float", "double", "bigDecimal")
_SPECIAL = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def to_python(gen: Generated, shape: Shape, value: Any) -> Any:
    """A case's wire-shaped parameter value -> the typed value a caller passes."""
    if shape.type == "structure" and not shape.is_document:
        members = {m.name: m for m in shape.members}
        unknown = set(value) - set(members)
        assert not unknown, f"{shape.name} has no members {sorted(unknown)}"
        kwargs = {members[k].py_name: to_python(gen, members[k].shape, v) for k, v in value.items()}
        return getattr(gen.shapes, shape.class_name)(**kwargs)
    if shape.type == "list":
        assert shape.member is not None
        return [to_python(gen, shape.member, v) for v in value]
    if shape.type == "map":
        assert shape.value is not None
        return {k: to_python(gen, shape.value, v) for k, v in value.items()}
    if shape.type == "blob":
        return value.encode("utf-8") if isinstance(value, str) else value
    if shape.type == "timestamp":
        return datetime.fromtimestamp(value, UTC)
    if shape.type in _FLOATS and isinstance(value, str):
        return _SPECIAL[value]
    if shape.type in _FLOATS and isinstance(value, int):
        return float(value)
    return value


def to_wire(shape: Shape, value: Any) -> Any:
    """A parsed typed value -> the wire-shaped value a case's ``result`` spells."""
    if shape.type == "structure" and not shape.is_document:
        out = {}
        for m in shape.members:
            item = getattr(value, m.py_name)
            if item is not None:
                out[m.name] = to_wire(m.shape, item)
        return out
    if shape.type == "list":
        assert shape.member is not None
        return [to_wire(shape.member, v) for v in value]
    if shape.type == "map":
        assert shape.value is not None
        return {k: to_wire(shape.value, v) for k, v in value.items()}
    if shape.type == "blob":
        return value.decode("utf-8")
    if shape.type == "timestamp":
        assert isinstance(value, datetime) and value.tzinfo is not None, value
        return value.timestamp()
    if shape.type in _FLOATS and isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, Enum):
        return value.value
    return value


# ----------------------------------------------------------------- calls


def call(
    gen: Generated,
    case: Case,
    kwargs: dict[str, Any],
    reply: httpx.Response,
    config: awsmith.Config | None = None,
) -> tuple[list[httpx.Request], Any]:
    """Calls the case's operation; returns the requests sent and the result or the error."""
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return reply

    async def main() -> Any:
        async with (
            httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http,
            gen.client_cls(
                region="us-east-1",
                endpoint_url=case.suite.get("clientEndpoint", "https://example.com"),
                credentials=CREDENTIALS,
                http_client=http,
                config=config or awsmith.Config(max_attempts=1),
            ) as client,
        ):
            try:
                return await getattr(client, gen.op.py_name)(**kwargs)
            except awsmith.AwsmithError as exc:
                return exc

    # The cases expect this token where the client fills one in (the spec's fixed value
    # for tests); the generated client module looks the function up when it calls it.
    # (It imports the function only when some member is a token.)
    client_module = sys.modules[gen.client_cls.__module__]
    saved = getattr(client_module, "new_idempotency_token", None)
    if saved is None:
        return sent, asyncio.run(main())
    client_module.new_idempotency_token = lambda: IDEMPOTENCY_TOKEN
    try:
        return sent, asyncio.run(main())
    finally:
        client_module.new_idempotency_token = saved


def query_pairs(query: str) -> Counter[str]:
    """The ``k=v`` items of a query string, as a multiset (order is not significant)."""
    return Counter(p for p in query.split("&") if p)


def json_or_none(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def b64(text: str) -> bytes:
    return base64.b64decode(text)
