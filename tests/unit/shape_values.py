"""Hypothesis strategies of the generated classes' own values (attrs objects, enum
members, aware datetimes, bytes), for every structure and modeled error of both models:
the round trips of ``to_dict``/``from_dict`` and of pickling and copying use them."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from codegen.model import ServiceModel, Shape, load
from codegen.services import SERVICES
from codegen.typing_info import Usage

MODELS = Path(__file__).resolve().parents[2] / "models"


@cache
def model(service: str) -> ServiceModel:
    return load(MODELS / f"{service}.json")


_TZ = st.sampled_from(
    [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))]
)


def values(service: str, shape: Shape, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values of ``shape`` as the generated classes hold them. Timestamps span all of
    ``datetime``'s range at several offsets: at the ends, instants UTC cannot hold,
    which the parser keeps at their offset."""
    t = shape.type
    if t == "string" and shape.enum:
        cls = getattr(shapes_module(service), shape.class_name)
        return st.sampled_from([*shape.enum, "unlisted-value"]).map(cls)
    if t == "string":
        return st.text(max_size=6)
    if t == "boolean":
        return st.booleans()
    if t in ("integer", "long", "short", "byte", "bigInteger"):
        return st.integers(-(2**63), 2**63 - 1)
    if t in ("float", "double", "bigDecimal"):
        return st.floats(allow_nan=False)
    if t == "timestamp":
        return st.datetimes(
            min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59), timezones=_TZ
        )
    if t == "blob":
        return st.binary(max_size=6)
    if t == "list":
        assert shape.member is not None
        item = values(service, shape.member, depth + 1)
        if shape.sparse:  # a null item keeps its place
            item = st.none() | item
        return st.lists(item, max_size=0 if depth > 3 else 2)
    if t == "map":
        assert shape.key is not None and shape.value is not None
        value = values(service, shape.value, depth + 1)
        return st.dictionaries(
            values(service, shape.key, depth + 1),
            st.none() | value if shape.sparse else value,
            max_size=2,
        )
    if shape.is_document:
        return st.just({"any": ["json", 1]})
    cls = getattr(shapes_module(service), shape.class_name)
    members = {
        m.py_name: (
            values(service, m.shape, depth + 1)
            if m.required and not shape.is_union
            else st.none() | values(service, m.shape, depth + 1)
        )
        for m in shape.members
    }
    return st.builds(cls, **members)


def shapes_module(service: str) -> Any:
    return importlib.import_module(f"awsmith.{service}.shapes")


def structures() -> list[tuple[str, str]]:
    out = []
    for service in SERVICES:
        usage = Usage(model(service))
        for shape in model(service).shapes.values():
            if shape.type == "structure" and not shape.is_exception and shape.name in usage.all:
                out.append((service, shape.name))
    return out


def modeled_errors() -> list[tuple[str, str]]:
    return [(s, sh.name) for s in SERVICES for sh in model(s).shapes.values() if sh.is_exception]
