"""Sparse maps through the generator: a model of our own making (neither service has a
sparse map, and the one bundled botocore model that has them, connectcases, has only
a sparse map of strings) whose maps hold every kind of value, sparse and dense.

The generated package must keep a null map value in its place in a sparse map and drop
it from a dense one (models/README.md, "Nulls in lists and maps"), in each of its four
readers and writers: the response parser (botocore's parser, which keeps every null, is
the oracle, with the dense rule applied), validation (a None value passes in a sparse
map, is refused in a dense one), the serializer (JSON null, as Smithy's
``RestJsonSparseMapsSerializeNullValues`` sends it; botocore's serializer, without its
validation, writes the same for the values it can write) and to_dict/from_dict, which
round-trip every None of a sparse map and refuse one in a dense map.
"""

from __future__ import annotations

import base64
import copy
import importlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import botocore.model
import botocore.parsers
import botocore.serialize
import httpx
import pytest

import awsmith
from awsmith._core.transport.http import TransportResponse
from tests.codegen.generated import generated_package

WHEN = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)

#: The model: one operation whose input and output hold a map of each kind of value.
_VALUES = {"String": "string", "Stamp": "timestamp", "Bytes": "blob", "Thing": "structure", "Strings": "list"}
MODEL: dict[str, Any] = {
    "version": "2.0",
    "metadata": {
        "apiVersion": "2024-01-01", "endpointPrefix": "sparse", "protocol": "rest-json",
        "serviceId": "Sparse", "signatureVersion": "v4", "uid": "sparse-2024-01-01",
        "serviceFullName": "Sparse maps",
    },
    "operations": {
        "PutMaps": {
            "name": "PutMaps",
            "http": {"method": "POST", "requestUri": "/maps", "responseCode": 200},
            "input": {"shape": "Maps"},
            "output": {"shape": "Maps"},
        }
    },
    "shapes": {
        "Maps": {
            "type": "structure",
            "members": {
                **{f"sparse{v}": {"shape": f"Sparse{v}Map"} for v in _VALUES},
                "denseString": {"shape": "DenseStringMap"},
                "denseThing": {"shape": "DenseThingMap"},
            },
        },
        **{
            f"Sparse{v}Map": {
                "type": "map", "key": {"shape": "String"}, "value": {"shape": v}, "sparse": True,
            }
            for v in _VALUES
        },
        "DenseStringMap": {"type": "map", "key": {"shape": "String"}, "value": {"shape": "String"}},
        "DenseThingMap": {"type": "map", "key": {"shape": "String"}, "value": {"shape": "Thing"}},
        "String": {"type": "string"},
        "Stamp": {"type": "timestamp", "timestampFormat": "iso8601"},
        "Bytes": {"type": "blob"},
        "Thing": {"type": "structure", "members": {"name": {"shape": "String"}}},
        "Strings": {"type": "list", "member": {"shape": "String"}},
    },
}  # fmt: skip


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    with generated_package(tmp_path_factory.mktemp("sparse"), MODEL, "sparse_pkg") as package:
        yield package


def modules(package: ModuleType) -> tuple[Any, Any]:
    return (
        importlib.import_module("sparse_pkg.shapes"),
        importlib.import_module("sparse_pkg._serde"),
    )


def boto_model() -> botocore.model.ServiceModel:
    return botocore.model.ServiceModel(copy.deepcopy(MODEL), "sparse")


#: A response body with a null beside a value in every map.
WIRE: dict[str, Any] = {
    "sparseString": {"a": "x", "b": None},
    "sparseStamp": {"a": "2024-05-06T07:08:09Z", "b": None},
    "sparseBytes": {"a": base64.b64encode(b"\x00\xff").decode(), "b": None},
    "sparseThing": {"a": {"name": "n"}, "b": None},
    "sparseStrings": {"a": ["x", None], "b": None},
    "denseString": {"a": "x", "b": None},
    "denseThing": {"a": {"name": "n"}, "b": None},
}


def test_the_types_say_which_maps_hold_none(package: ModuleType) -> None:
    shapes, _ = modules(package)
    hints = shapes.Maps.__annotations__
    assert hints["sparse_string"] == "Mapping[str, str | None] | None"
    assert hints["sparse_thing"] == "Mapping[str, Thing | None] | None"
    assert hints["dense_string"] == "Mapping[str, str] | None"


def test_the_parser_keeps_the_nulls_of_sparse_maps_as_botocore_does(package: ModuleType) -> None:
    shapes, serde = modules(package)
    body = json.dumps(WIRE).encode()
    ours = serde.PUT_MAPS.parse(TransportResponse(200, httpx.Headers({}), body))
    assert ours.sparse_stamp == {"a": WHEN, "b": None}
    assert ours.sparse_bytes == {"a": b"\x00\xff", "b": None}
    assert ours.sparse_thing == {"a": shapes.Thing(name="n"), "b": None}
    assert ours.sparse_strings == {"a": ["x"], "b": None}
    assert ours.dense_string == {"a": "x"} and ours.dense_thing == {"a": shapes.Thing(name="n")}
    # botocore keeps every null it can read (not a null timestamp, blob or list as a
    # map value: its handlers fail on one), as None; the dense rule then drops those of
    # the dense maps, and of the dense list inside a sparse map
    readable = {k: v for k, v in WIRE.items() if k not in ("sparseStamp", "sparseBytes")}
    readable["sparseStrings"] = {"a": ["x", None]}
    theirs = botocore.parsers.create_parser("rest-json").parse(
        {"status_code": 200, "headers": {}, "body": json.dumps(readable).encode()},
        boto_model().operation_model("PutMaps").output_shape,
    )
    theirs.pop("ResponseMetadata")
    assert theirs["denseString"] == {"a": "x", "b": None}
    assert theirs["sparseStrings"] == {"a": ["x", None]}
    expected = {
        **theirs,
        "denseString": {"a": "x"},
        "denseThing": {"a": {"name": "n"}},
        "sparseStrings": {"a": ["x"]},
    }
    ours_readable = serde.PUT_MAPS.parse(
        TransportResponse(200, httpx.Headers({}), json.dumps(readable).encode())
    )
    assert awsmith.to_dict(ours_readable, names="wire") == expected
    assert awsmith.from_dict(shapes.Maps, theirs, names="wire") == ours_readable


def _request(shapes: Any, **changes: Any) -> Any:
    values: dict[str, Any] = {
        "sparse_string": {"a": "x", "b": None},
        "sparse_stamp": {"a": WHEN, "b": None},
        "sparse_bytes": {"a": b"\x00\xff", "b": None},
        "sparse_thing": {"a": shapes.Thing(name="n"), "b": None},
        "sparse_strings": {"a": ["x"], "b": None},
        "dense_string": {"a": "x"},
        "dense_thing": {"a": shapes.Thing(name="n")},
    }
    return shapes.Maps(**(values | changes))


def test_validation_takes_none_in_a_sparse_map_only(package: ModuleType) -> None:
    shapes, serde = modules(package)
    serde.PUT_MAPS.validate(_request(shapes))
    for member, value in (("dense_string", {"b": None}), ("dense_thing", {"b": None})):
        with pytest.raises(awsmith.ParamValidationError) as info:
            serde.PUT_MAPS.validate(_request(shapes, **{member: value}))
        error = info.value
        assert (error.field, error.rule, error.detail) == (
            f"{member}['b']",
            "type",
            "map values cannot be None",
        )


def test_the_serializer_sends_a_null_in_its_place(package: ModuleType) -> None:
    shapes, serde = modules(package)
    sent = json.loads(serde.PUT_MAPS.serialize(_request(shapes)).body)
    assert sent == {
        "sparseString": {"a": "x", "b": None},
        "sparseStamp": {"a": "2024-05-06T07:08:09Z", "b": None},
        "sparseBytes": {"a": "AP8=", "b": None},
        "sparseThing": {"a": {"name": "n"}, "b": None},
        "sparseStrings": {"a": ["x"], "b": None},
        "denseString": {"a": "x"},
        "denseThing": {"a": {"name": "n"}},
    }
    # botocore's serializer (its validation off: it refuses None even in a sparse map)
    # writes the same null for the values it can write as null
    serializer = botocore.serialize.create_serializer("rest-json", False)
    theirs = serializer.serialize_to_request(
        {"sparseString": {"a": "x", "b": None}}, boto_model().operation_model("PutMaps")
    )
    assert json.loads(theirs["body"]) == {"sparseString": {"a": "x", "b": None}}


@pytest.mark.parametrize("names", ["python", "wire"])
@pytest.mark.parametrize("omit_none", [True, False])
def test_to_dict_and_from_dict_round_trip_the_nulls(
    package: ModuleType, names: Any, omit_none: bool
) -> None:
    shapes, _ = modules(package)
    request = _request(shapes)
    out = awsmith.to_dict(request, names=names, omit_none=omit_none)
    key = "sparse_thing" if names == "python" else "sparseThing"
    assert out[key] == {"a": {"name": "n"}, "b": None}
    back = awsmith.from_dict(shapes.Maps, json.loads(json.dumps(out)), names=names)
    assert back == request
    with pytest.raises(awsmith.ParamValidationError) as info:
        awsmith.to_dict(_request(shapes, dense_thing={"b": None}), names=names)
    assert (info.value.field, info.value.detail) == (
        "dense_thing['b']",
        "expected a Thing, got NoneType None",
    )

