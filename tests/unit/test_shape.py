"""awsmith._core.shape: generated shapes are attrs classes finished on first use."""

from __future__ import annotations

import abc
import collections.abc
import copy
import inspect
import pickle
import pydoc
import subprocess
import sys
import threading
import weakref
from typing import Any, ClassVar
from unittest import mock

import attrs
import pytest

import awsmith
from awsmith._core.metadata import NO_METADATA, ResponseMetadata
from awsmith._core.shape import shape
from awsmith.support import shapes


def make_classes() -> tuple[Any, Any]:
    """Two fresh shape classes, not finished yet (each test gets its own)."""

    @shape(kw_only=True)
    class Inner:
        name: str
        size: int | None = None

    @shape(kw_only=True)
    class Outer:
        inner: Inner
        tags: list[str] | None = None
        response_metadata: ResponseMetadata = NO_METADATA

    return Inner, Outer


def finished(cls: type) -> bool:
    return "__attrs_props__" in vars(cls)


def fresh_interpreter(code: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, timeout=120
    ).stdout


def test_importing_a_service_finishes_no_shape() -> None:
    out = fresh_interpreter(
        "import awsmith.support, awsmith.codeguruprofiler\n"
        "found = [c for m in (awsmith.support.shapes, awsmith.codeguruprofiler.shapes)\n"
        "         for c in vars(m).values()\n"
        "         if isinstance(c, type) and c.__module__ == m.__name__\n"
        "         and '__lazy_members__' in vars(c)]\n"
        "print(len(found), sum('__attrs_props__' in vars(c) for c in found))\n"
    )
    assert out.split() == ["131", "0"]


def test_first_instantiation_finishes_the_class() -> None:
    inner_cls, _ = make_classes()
    assert not finished(inner_cls)
    inner = inner_cls(name="a", size=2)
    assert finished(inner_cls)
    assert (inner.name, inner.size) == ("a", 2)
    assert repr(inner) == "Inner(name='a', size=2)"
    assert inner == inner_cls(name="a", size=2)
    assert inner != inner_cls(name="a")


@pytest.mark.parametrize(
    "use",
    [
        attrs.has,
        attrs.fields,
        inspect.signature,
        lambda cls: cls.__init__,
        pydoc.render_doc,
    ],
    ids=["attrs.has", "attrs.fields", "inspect.signature", "__init__", "help"],
)
def test_introspection_finishes_the_class(use: Any) -> None:
    inner_cls, _ = make_classes()
    use(inner_cls)
    assert finished(inner_cls)
    assert [f.name for f in attrs.fields(inner_cls)] == ["name", "size"]
    assert str(inspect.signature(inner_cls)) == "(*, name: 'str', size: 'int | None' = None) -> None"


def test_help_on_a_generated_shape() -> None:
    text = pydoc.plain(pydoc.render_doc(shapes.Category))
    assert "represents the category name and category code" in text
    assert "__init__(self, *, code: 'str | None' = None, name: 'str | None' = None)" in text


def test_keyword_only_and_required_members() -> None:
    inner_cls, _ = make_classes()
    with pytest.raises(TypeError, match=r"takes 1 positional argument but 2 were given"):
        inner_cls("a")
    with pytest.raises(TypeError, match=r"missing 1 required keyword-only argument: 'name'"):
        inner_cls()
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'nmae'"):
        inner_cls(nmae="a")


def test_slots_refuse_a_misspelt_attribute_and_allow_weakrefs() -> None:
    inner_cls, _ = make_classes()
    inner = inner_cls(name="a")
    assert not hasattr(inner, "__dict__")
    with pytest.raises(AttributeError, match="'Inner' object has no attribute 'nmae'"):
        inner.nmae = "b"
    inner.size = 3  # members stay assignable
    assert weakref.ref(inner)() is inner


def test_response_metadata_is_outside_eq_and_repr() -> None:
    inner_cls, outer_cls = make_classes()
    metadata = ResponseMetadata(request_id="r-1", status_code=200, headers={}, attempts=1)
    got = outer_cls(inner=inner_cls(name="a"), response_metadata=metadata)
    built = outer_cls(inner=inner_cls(name="a"))
    assert got == built
    assert got.response_metadata is metadata
    assert built.response_metadata is NO_METADATA
    assert repr(got) == "Outer(inner=Inner(name='a', size=None), tags=None)"
    assert [(f.name, f.eq, f.repr) for f in attrs.fields(outer_cls)] == [
        ("inner", True, True), ("tags", True, True), ("response_metadata", False, False)
    ]


def test_unhashable_from_the_start() -> None:
    inner_cls, _ = make_classes()
    # Asked before first use: an ABC caches the answer, so it must already be right.
    assert not issubclass(inner_cls, collections.abc.Hashable)
    inner = inner_cls(name="a")
    assert not isinstance(inner, collections.abc.Hashable)
    with pytest.raises(TypeError, match="unhashable type: 'Inner'"):
        hash(inner)


def test_evolve_asdict_copy_and_match() -> None:
    case = shapes.CaseDetails(case_id="case-1", subject="s", status="opened")
    assert attrs.evolve(case, status="resolved") == shapes.CaseDetails(
        case_id="case-1", subject="s", status="resolved"
    )
    assert attrs.asdict(case, filter=lambda _, v: v is not None) == {
        "case_id": "case-1", "subject": "s", "status": "opened"
    }
    assert copy.copy(case) == case
    assert copy.deepcopy(case) == case
    match case:
        case shapes.CaseDetails(case_id="case-1"):
            pass
        case _:
            pytest.fail("the class pattern did not match")


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickle_every_protocol_with_attrs_state(protocol: int) -> None:
    case = shapes.CaseDetails(case_id="case-1", status="opened")
    assert pickle.loads(pickle.dumps(case, protocol)) == case
    state = case.__getstate__()  # type: ignore[misc]  # attrs' slotted-class state: a dict
    assert isinstance(state, dict)
    assert state["case_id"] == "case-1"


def test_a_pickle_loads_in_a_fresh_interpreter() -> None:
    """Unpickling makes the instance without __init__ (multiprocessing results, a
    cache): the class is finished first, so == and repr are attrs'."""
    data = pickle.dumps(
        [shapes.CaseDetails(case_id="case-1"), shapes.ThrottlingReason(reason="rate")]
    )
    out = fresh_interpreter(
        "import pickle, sys\n"
        f"a, reason = pickle.loads({data!r})\n"
        f"b, _ = pickle.loads({data!r})\n"
        "print(a == b, repr(a), repr(reason))\n"
        "try:\n    hash(a)\nexcept TypeError as exc:\n    print(exc)\n"
    )
    lines = out.splitlines()
    assert lines[0].startswith("True CaseDetails(case_id='case-1', ")
    assert lines[0].endswith(" ThrottlingReason(reason='rate', resource=None)")
    assert lines[1] == "unhashable type: 'CaseDetails'"


def test_a_pickle_of_an_attrs_define_shape_loads() -> None:
    """The state earlier awsmith versions pickled (attrs' slotted ``__getstate__``: a
    dict of every member) sets the members."""
    inner_cls, _ = make_classes()
    inner = inner_cls.__new__(inner_cls)
    inner.__setstate__({"name": "a", "size": 2})
    assert inner == inner_cls(name="a", size=2)


@pytest.mark.parametrize("base_used_first", [False, True], ids=["base-fresh", "base-used"])
def test_a_user_subclass_is_a_plain_subclass(base_used_first: bool) -> None:
    inner_cls, _ = make_classes()
    if base_used_first:
        inner_cls(name="x")

    class Labelled(inner_cls):  # type: ignore[misc,valid-type]
        kind: ClassVar[str] = "labelled"

        def __init__(self, name: str) -> None:
            super().__init__(name=name + "!")  # runs once: "a!", never "a!!"

        def __repr__(self) -> str:
            return f"<labelled {self.name}>"

        def __eq__(self, other: object) -> bool:
            return isinstance(other, Labelled) and other.name == self.name

        __hash__ = None  # type: ignore[assignment]

    labelled = Labelled("a")
    assert repr(labelled) == "<labelled a!>"
    assert labelled == Labelled("a")
    assert Labelled.kind == "labelled"
    assert [f.name for f in attrs.fields(Labelled)] == ["name", "size"]
    assert inner_cls(name="b") == inner_cls(name="b")
    assert repr(inner_cls(name="b")) == "Inner(name='b', size=None)"


def test_a_user_subclass_may_add_a_metaclass() -> None:
    class Interface(abc.ABC):  # noqa: B024
        pass

    class Both(shapes.Category, Interface):
        pass

    assert Both(code="c").code == "c"
    assert isinstance(Both(code="c"), Interface)


def test_a_user_attrs_subclass_adds_members() -> None:
    inner_cls, _ = make_classes()

    @attrs.define(kw_only=True)
    class Tagged(inner_cls):  # type: ignore[misc,valid-type]
        tag: str = "x"

    tagged = Tagged(name="a", tag="y")
    assert [f.name for f in attrs.fields(Tagged)] == ["name", "size", "tag"]
    assert repr(tagged) == "Tagged(name='a', size=None, tag='y')"


def test_class_variables_are_not_members() -> None:
    @shape(kw_only=True)
    class WithConstant:
        LIMIT: ClassVar[int] = 3
        value: int = 0

    assert WithConstant.LIMIT == 3
    assert [f.name for f in attrs.fields(WithConstant)] == ["value"]


def test_threads_finishing_one_class_at_once() -> None:
    inner_cls, _ = make_classes()
    barrier = threading.Barrier(8)
    made: list[object] = []

    def use() -> None:
        barrier.wait()
        made.append(inner_cls(name="a"))

    threads = [threading.Thread(target=use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert made == [inner_cls(name="a")] * 8
    assert len(attrs.fields(inner_cls)) == 2


def test_interchange_round_trip() -> None:
    page = shapes.DescribeCasesResponse(
        cases=[shapes.CaseDetails(case_id="case-1", time_created="2026-12-01")], next_token="t"
    )
    wire = awsmith.to_dict(page, names="wire")
    assert wire == {"cases": [{"caseId": "case-1", "timeCreated": "2026-12-01"}], "nextToken": "t"}
    assert awsmith.from_dict(shapes.DescribeCasesResponse, wire, names="wire") == page


def test_only_keyword_only_shapes() -> None:
    with pytest.raises(ValueError, match="shapes are keyword-only"):
        shape(kw_only=False)


def test_a_thread_that_meets_a_class_being_finished_waits_for_it() -> None:
    """While one thread finishes a class (attrs is compiling its methods), another
    thread's instantiation waits for it and gets attrs' __init__, never object's."""
    import attr

    inner_cls, _ = make_classes()
    inside = threading.Event()
    go_on = threading.Event()
    real = attr.s

    def slow_attrs(*args: Any, **kwargs: Any) -> Any:
        inside.set()
        assert go_on.wait(10)
        return real(*args, **kwargs)

    results: list[object] = []

    def second() -> None:
        assert inside.wait(10)
        try:
            results.append(inner_cls(name="b"))
        except Exception as exc:  # what the bug gave: object.__init__'s TypeError
            results.append(exc)

    first = threading.Thread(target=lambda: results.append(inner_cls(name="a")))
    other = threading.Thread(target=second)
    with mock.patch.object(attr, "s", slow_attrs):
        first.start()
        other.start()
        assert inside.wait(10)
        other.join(0.2)  # the second thread is blocked on the finishing lock
        assert other.is_alive()
        go_on.set()
        first.join(10)
        other.join(10)
    assert sorted(repr(r) for r in results) == ["Inner(name='a', size=None)", "Inner(name='b', size=None)"]
