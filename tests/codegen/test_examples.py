"""The generator's operation examples (codegen/examples.py): how an example is written
into the docstring, and every way an examples file can be wrong, each a ModelError that
names the file, the operation and the member.

The examples of the real models are run in tests/docs/test_operation_examples.py.
"""

from __future__ import annotations

import copy
import inspect
import json
from pathlib import Path
from typing import Any

import pytest

import codegen.__main__ as codegen_main
from codegen.errors import ModelError
from codegen.generate import generate_package
from tests.codegen.generated import generated_package

MODEL: dict[str, Any] = {
    "version": "2.0",
    "metadata": {
        "apiVersion": "2024-01-01", "endpointPrefix": "things", "protocol": "rest-json",
        "serviceId": "Things", "signatureVersion": "v4", "uid": "things-2024-01-01",
        "serviceFullName": "Things",
    },
    "operations": {
        "PutThing": {
            "name": "PutThing",
            "http": {"method": "POST", "requestUri": "/things", "responseCode": 200},
            "input": {"shape": "PutThingRequest"},
            "output": {"shape": "PutThingResponse"},
        },
        "DropThing": {
            "name": "DropThing",
            "http": {"method": "DELETE", "requestUri": "/things", "responseCode": 204},
            "input": {"shape": "DropThingRequest"},
        },
    },
    "shapes": {
        "PutThingRequest": {
            "type": "structure",
            "required": ["name"],
            "members": {
                "name": {"shape": "String"},
                "kind": {"shape": "Kind"},
                "since": {"shape": "Stamp"},
                "body": {"shape": "Bytes"},
                "labels": {"shape": "Labels"},
                "parts": {"shape": "Parts"},
                "token": {"shape": "String", "idempotencyToken": True},
            },
        },
        "PutThingResponse": {
            "type": "structure",
            "required": ["thingId"],
            "members": {"thingId": {"shape": "String"}, "createdAt": {"shape": "Stamp"}},
        },
        "DropThingRequest": {
            "type": "structure", "required": ["name"], "members": {"name": {"shape": "String"}},
        },
        "Part": {
            "type": "structure",
            "required": ["size"],
            "members": {"size": {"shape": "Long"}, "label": {"shape": "String"}},
        },
        "Parts": {"type": "list", "member": {"shape": "Part"}},
        "Labels": {"type": "map", "key": {"shape": "String"}, "value": {"shape": "String"}},
        "Kind": {"type": "string", "enum": ["small", "large"]},
        "String": {"type": "string"},
        "Long": {"type": "long"},
        "Stamp": {"type": "timestamp", "timestampFormat": "iso8601"},
        "Bytes": {"type": "blob"},
    },
}  # fmt: skip

EXAMPLES: dict[str, Any] = {
    "version": "1.0",
    "client": "things",
    "examples": {
        "PutThing": [
            {
                "description": "Store a large thing.",
                "input": {
                    "name": "crate",
                    "kind": "large",
                    "since": "2026-12-01T09:30:00Z",
                    "body": "aGVsbG8K",
                    "labels": {"team": "payments"},
                    "parts": [{"size": 5242880, "label": "first part of the crate, the heavier one"}],
                },
                "output": {"thingId": "thing-1", "createdAt": "2026-12-01T09:30:05Z"},
            }
        ],
        "DropThing": [{"input": {"name": "crate"}}],
    },
}


def write(root: Path, examples: dict[str, Any] | None, model: dict[str, Any] = MODEL) -> Path:
    path = root / "things.json"
    path.write_text(json.dumps(model), encoding="utf-8")
    if examples is not None:
        (root / "examples").mkdir(exist_ok=True)
        (root / "examples" / "things.json").write_text(json.dumps(examples), encoding="utf-8")
    return path


def test_the_example_is_written_into_the_docstring(tmp_path: Path) -> None:
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "things_pkg.json").write_text(json.dumps(EXAMPLES), encoding="utf-8")
    with generated_package(tmp_path, MODEL, "things_pkg") as package:
        put = inspect.getdoc(package.ThingsClient.put_thing)
        drop = inspect.getdoc(package.ThingsClient.drop_thing)
        client = inspect.getdoc(package.ThingsClient)
    assert put is not None and drop is not None and client is not None
    assert put.endswith(
        "Examples:\n"
        "    Store a large thing.\n"
        "\n"
        "    ```python\n"
        "    from datetime import UTC, datetime\n"
        "    from things_pkg.shapes import Part\n"
        "\n"
        "    response = await things.put_thing(\n"
        '        name="crate",\n'
        '        kind="large",\n'
        "        since=datetime(2026, 12, 1, 9, 30, tzinfo=UTC),\n"
        '        body=b"hello\\n",\n'
        '        labels={"team": "payments"},\n'
        '        parts=[Part(size=5242880, label="first part of the crate, the heavier one")],\n'
        "    )\n"
        "    ```\n"
        "\n"
        "    The response, as ``awsmith.to_dict(response)`` gives it:\n"
        "\n"
        "    ```python\n"
        '    {"thing_id": "thing-1", "created_at": "2026-12-01T09:30:05Z"}\n'
        "    ```"
    )
    # an operation without a response body: the call alone
    assert drop.endswith('Examples:\n    ```python\n    await things.drop_thing(name="crate")\n    ```')
    assert "async with ThingsClient(region=\"us-east-1\") as things:" in client
    assert "The example of each method calls ``things``, a client opened so" in client


def test_the_snippet_breaks_lines_as_ruff_format_does(tmp_path: Path) -> None:
    examples = copy.deepcopy(EXAMPLES)
    examples["examples"]["DropThing"][0]["input"]["name"] = "x" * 80
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "things_pkg.json").write_text(json.dumps(examples), encoding="utf-8")
    with generated_package(tmp_path, MODEL, "things_pkg") as package:
        drop = inspect.getdoc(package.ThingsClient.drop_thing)
    assert drop is not None
    assert drop.endswith(
        "    ```python\n    await things.drop_thing(\n" f'        name="{"x" * 80}",\n' "    )\n    ```"
    )


def test_a_model_given_with_model_may_have_no_examples(tmp_path: Path) -> None:
    with generated_package(tmp_path, MODEL, "things_pkg") as package:
        doc = inspect.getdoc(package.ThingsClient.put_thing)
    assert doc is not None and "Examples:" not in doc


def test_the_repository_models_must_have_examples(tmp_path: Path) -> None:
    path = write(tmp_path, None)
    with pytest.raises(ModelError) as info:
        generate_package(path, "things", require_examples=True)
    assert str(info.value) == f"{path}: no examples ({tmp_path}/examples/things.json): every operation needs one"


def test_codegen_reports_an_operation_without_an_example(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    examples = copy.deepcopy(EXAMPLES)
    del examples["examples"]["DropThing"]
    path = write(tmp_path, examples)
    code = codegen_main.main(["--model", str(path), "--out", str(tmp_path / "out"), "--package", "things"])
    assert code == 2
    assert capsys.readouterr().err == (
        f"codegen: error: {tmp_path}/examples/things.json: every operation needs an example; "
        "missing: DropThing\n"
    )


def _edit(change: str) -> dict[str, Any]:
    examples = copy.deepcopy(EXAMPLES)
    put = examples["examples"]["PutThing"][0]
    if change == "unknown operation":
        examples["examples"]["MakeThing"] = [{"input": {}}]
    elif change == "empty list":
        examples["examples"]["DropThing"] = []
    elif change == "no client":
        del examples["client"]
    elif change == "unknown member":
        put["input"]["colour"] = "red"
    elif change == "wrong type":
        put["input"]["parts"][0]["size"] = "5 MB"
    elif change == "bool for an integer":
        put["input"]["parts"][0]["size"] = True
    elif change == "required left out":
        del put["input"]["parts"][0]["size"]
    elif change == "required output left out":
        del put["output"]["thingId"]
    elif change == "enum":
        put["input"]["kind"] = "huge"
    elif change == "timestamp not UTC":
        put["input"]["since"] = "2026-12-01T10:30:00+01:00"
    elif change == "timestamp form":
        put["output"]["createdAt"] = "2026-12-01T09:30:05.000Z"
    elif change == "blob":
        put["input"]["body"] = "hello!"
    elif change == "output of an operation without one":
        examples["examples"]["DropThing"][0]["output"] = {"gone": True}
    elif change == "unknown key":
        put["comments"] = {}
    return examples


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("unknown operation", "examples of operations the model does not have: MakeThing"),
        ("empty list", "every operation needs an example; missing: DropThing"),
        ("no client", "'client' must name the snippets' client variable (e.g. \"support\")"),
        ("unknown member", "PutThing[0].input: PutThingRequest has no member 'colour'"),
        ("wrong type", 'PutThing[0].input.parts[0].size: expected an integer, got "5 MB"'),
        ("bool for an integer", "PutThing[0].input.parts[0].size: expected an integer, got true"),
        ("required left out", "PutThing[0].input.parts[0]: required member(s) of Part left out: size"),
        (
            "required output left out",
            "PutThing[0].output: required member(s) of PutThingResponse left out: thingId",
        ),
        ("enum", "PutThing[0].input.kind: 'huge' is not a value of Kind (small, large)"),
        (
            "timestamp not UTC",
            "PutThing[0].input.since: expected an ISO 8601 time in UTC ('2026-12-01T09:00:00Z'), "
            "got '2026-12-01T10:30:00+01:00'",
        ),
        ("timestamp form", "PutThing[0].output.createdAt: write the timestamp as '2026-12-01T09:30:05Z'"),
        ("blob", "PutThing[0].input.body: expected base64 text, got 'hello!'"),
        ("output of an operation without one", "DropThing[0]: DropThing has no output, the example gives one"),
        ("unknown key", "PutThing[0]: an example has 'input', 'output' and optionally 'description'"),
    ],
)
def test_a_wrong_example_is_a_model_error(tmp_path: Path, change: str, message: str) -> None:
    path = write(tmp_path, _edit(change))
    with pytest.raises(ModelError) as info:
        generate_package(path, "things")
    assert str(info.value) == f"{tmp_path}/examples/things.json: {message}"
