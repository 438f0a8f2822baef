"""awsmith._core.shape: generated shapes are attrs classes finished on first use."""

from __future__ import annotations

import copy
import inspect
import pickle
import subprocess
import sys
import threading
import weakref
from datetime import UTC, datetime

import attrs
import pytest

import awsmith
from awsmith._core.metadata import NO_METADATA, ResponseMetadata
from awsmith._core.shape import Shape
from awsmith.support import shapes


def make_classes() -> tuple[type[Shape], type[Shape]]:
    """Two fresh shape classes, not finished yet (each test gets its own)."""

    class Inner(Shape):
        name: str
        size: int | None = None

    class Outer(Shape):
        inner: Inner
        tags: list[str] | None = None
        response_metadata: ResponseMetadata = NO_METADATA

    return Inner, Outer


def finished(cls: type) -> bool:
    return "__attrs_attrs__" in vars(cls)


def test_importing_a_service_finishes_no_shape() -> None:
    code = (
        "import awsmith.support, awsmith.codeguruprofiler, sys\n"
        "from awsmith._core.shape import Shape\n"
        "found = [c for m in (awsmith.support.shapes, awsmith.codeguruprofiler.shapes)\n"
        "         for c in vars(m).values()\n"
        "         if isinstance(c, type) and issubclass(c, Shape) and c is not Shape]\n"
        "print(len(found), sum('__attrs_attrs__' in vars(c) for c in found))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.split() == ["118", "0"]


def test_first_instantiation_finishes_the_class() -> None:
    inner_cls, _ = make_classes()
    assert not finished(inner_cls)
    inner = inner_cls(name="a", size=2)  # type: ignore[call-arg]
    assert finished(inner_cls)
    assert (inner.name, inner.size) == ("a", 2)  # type: ignore[attr-defined]
    assert repr(inner) == "Inner(name='a', size=2)"
    assert inner == inner_cls(name="a", size=2)  # type: ignore[call-arg]
    assert inner != inner_cls(name="a")  # type: ignore[call-arg]


@pytest.mark.parametrize(
    "use",
    [attrs.has, attrs.fields, inspect.signature, lambda cls: cls.__init__],
    ids=["attrs.has", "attrs.fields", "inspect.signature", "__init__"],
)
def test_introspection_finishes_the_class(use: object) -> None:
    inner_cls, _ = make_classes()
    use(inner_cls)  # type: ignore[operator]
    assert finished(inner_cls)
    assert [f.name for f in attrs.fields(inner_cls)] == ["name", "size"]
    assert str(inspect.signature(inner_cls)) == "(*, name: 'str', size: 'int | None' = None) -> None"


def test_keyword_only_and_required_members() -> None:
    inner_cls, _ = make_classes()
    with pytest.raises(TypeError, match=r"takes 1 positional argument but 2 were given"):
        inner_cls("a")
    with pytest.raises(TypeError, match=r"missing 1 required keyword-only argument: 'name'"):
        inner_cls()
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'nmae'"):
        inner_cls(nmae="a")  # type: ignore[call-arg]


def test_slots_refuse_a_misspelt_attribute_and_allow_weakrefs() -> None:
    inner_cls, _ = make_classes()
    inner = inner_cls(name="a")  # type: ignore[call-arg]
    assert not hasattr(inner, "__dict__")
    with pytest.raises(AttributeError, match="'Inner' object has no attribute 'nmae'"):
        inner.nmae = "b"  # type: ignore[attr-defined]
    inner.size = 3  # type: ignore[attr-defined]  # members stay assignable
    assert weakref.ref(inner)() is inner


def test_response_metadata_is_outside_eq_and_repr() -> None:
    inner_cls, outer_cls = make_classes()
    metadata = ResponseMetadata(request_id="r-1", status_code=200, headers={}, attempts=1)
    got = outer_cls(inner=inner_cls(name="a"), response_metadata=metadata)  # type: ignore[call-arg]
    built = outer_cls(inner=inner_cls(name="a"))  # type: ignore[call-arg]
    assert got == built
    assert got.response_metadata is metadata  # type: ignore[attr-defined]
    assert built.response_metadata is NO_METADATA  # type: ignore[attr-defined]
    assert repr(got) == "Outer(inner=Inner(name='a', size=None), tags=None)"
    assert [(f.name, f.eq, f.repr) for f in attrs.fields(outer_cls)] == [
        ("inner", True, True), ("tags", True, True), ("response_metadata", False, False)
    ]


def test_unhashable_like_attrs_define() -> None:
    inner_cls, _ = make_classes()
    with pytest.raises(TypeError, match="unhashable type: 'Inner'"):
        hash(inner_cls(name="a"))  # type: ignore[call-arg]


def test_evolve_asdict_copy_and_pickle() -> None:
    case = shapes.CaseDetails(case_id="case-1", subject="s", status="opened")
    assert attrs.evolve(case, status="resolved") == shapes.CaseDetails(
        case_id="case-1", subject="s", status="resolved"
    )
    assert attrs.asdict(case, filter=lambda _, v: v is not None) == {
        "case_id": "case-1", "subject": "s", "status": "opened"
    }
    assert copy.deepcopy(case) == case
    assert pickle.loads(pickle.dumps(case)) == case
    match case:
        case shapes.CaseDetails(case_id="case-1"):
            pass
        case _:
            pytest.fail("match_args/class pattern did not match")


def test_generated_response_round_trips_through_interchange() -> None:
    when = datetime(2026, 12, 1, tzinfo=UTC)
    page = shapes.DescribeCasesResponse(
        cases=[shapes.CaseDetails(case_id="case-1", time_created="2026-12-01")],
        next_token="t",
    )
    wire = awsmith.to_dict(page, names="wire")
    assert wire == {"cases": [{"caseId": "case-1", "timeCreated": "2026-12-01"}], "nextToken": "t"}
    assert awsmith.from_dict(shapes.DescribeCasesResponse, wire, names="wire") == page
    assert when.tzinfo is UTC


def test_a_subclass_of_a_shape_is_an_attrs_class_too() -> None:
    inner_cls, _ = make_classes()

    class Tagged(inner_cls):  # type: ignore[valid-type,misc]
        tag: str = "x"

    tagged = Tagged(name="a", tag="y")
    assert [f.name for f in attrs.fields(Tagged)] == ["name", "size", "tag"]
    assert repr(tagged) == "Tagged(name='a', size=None, tag='y')"


def test_threads_finishing_one_class_at_once() -> None:
    inner_cls, _ = make_classes()
    barrier = threading.Barrier(8)
    made: list[object] = []

    def use() -> None:
        barrier.wait()
        made.append(inner_cls(name="a"))  # type: ignore[call-arg]

    threads = [threading.Thread(target=use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert made == [inner_cls(name="a")] * 8  # type: ignore[call-arg]
    assert len(attrs.fields(inner_cls)) == 2


def test_the_base_is_not_an_attrs_class_with_members() -> None:
    assert attrs.fields(Shape) == ()
    assert repr(Shape()) .startswith("<awsmith._core.shape.Shape object at ")
