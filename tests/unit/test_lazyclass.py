"""awsmith._core.lazyclass: the runtime's own classes are attrs classes, as
``attrs.define`` / ``attrs.frozen`` make them, finished on first use (the shapes' side
is tests/unit/test_shape.py; that importing awsmith imports no attrs is in
tests/runtime/test_cold_start.py)."""

from __future__ import annotations

import copy
import inspect
import pickle
import sys
import threading
import weakref
from typing import Any

import attrs
import pytest

import awsmith
from awsmith._core.lazyclass import define, field, frozen, prebuilt
from awsmith._core.metadata import NO_METADATA, ResponseMetadata
from awsmith._core.transport.http import Timeouts
from awsmith._core.transport.proxy import NO_PROXIES, Proxy, ProxySettings


def finished(cls: type) -> bool:
    return "__attrs_props__" in vars(cls)


def _positive(_: object, attribute: attrs.Attribute[Any], value: int) -> None:
    if value <= 0:
        raise ValueError(f"{attribute.name} must be positive, not {value}")


def make_frozen() -> Any:
    @frozen(kw_only=True)
    class Settings:
        size: int = field(default=1, validator=_positive)
        secret: str = field(default="", repr=False)
        names: tuple[str, ...] = field(factory=tuple, converter=tuple)
        note: str = field(default="", eq=False, hash=False)

    return Settings


def test_frozen_is_an_attrs_frozen_class() -> None:
    settings_cls = make_frozen()
    assert not finished(settings_cls)
    first = settings_cls(size=2, names=["a"], secret="s")
    assert finished(settings_cls)
    assert repr(first) == "Settings(size=2, names=('a',), note='')"
    assert first == settings_cls(size=2, names=("a",), secret="s", note="other")
    assert hash(first) == hash(settings_cls(size=2, names=("a",), secret="s"))
    assert {first, settings_cls(size=2, names=("a",), secret="s")} == {first}
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        first.size = 3  # type: ignore[misc]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        del first.size  # type: ignore[misc]
    with pytest.raises(ValueError, match="size must be positive, not 0"):
        settings_cls(size=0)
    with pytest.raises(TypeError, match="takes 1 positional argument"):
        settings_cls(2)
    assert attrs.evolve(first, size=5).size == 5
    assert [a.name for a in attrs.fields(settings_cls)] == ["size", "secret", "names", "note"]
    assert str(inspect.signature(settings_cls)).startswith("(*, size: 'int' = 1")


@frozen
class Pair:
    left: int
    right: int = 0


def test_a_positional_frozen_class_matches_and_pickles() -> None:
    pair = Pair(1, 2)
    match pair:
        case Pair(a, b):
            assert (a, b) == (1, 2)
        case _:  # pragma: no cover
            pytest.fail("no match")
    assert Pair.__match_args__ == ("left", "right")
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        assert pickle.loads(pickle.dumps(pair, protocol)) == pair
    assert copy.deepcopy(pair) == pair


def test_define_is_mutable_unhashable_and_slotted() -> None:
    @define
    class Box:
        items: list[int] = field(factory=list)
        label: str = ""

    assert Box.__hash__ is None  # as attrs leaves an eq=True mutable class, from the start
    box = Box()
    box.items.append(1)
    box.label = "x"
    assert box == Box([1], "x")
    with pytest.raises(TypeError, match="unhashable"):
        hash(box)
    with pytest.raises(AttributeError):
        box.other = 1  # type: ignore[attr-defined]
    assert not hasattr(box, "__dict__")


def test_eq_false_compares_and_hashes_by_identity() -> None:
    @define(eq=False)
    class Context:
        name: str

    one = Context("a")
    assert one != Context("a")
    assert one == one
    assert hash(one) == object.__hash__(one)
    assert {one: 1}[one] == 1
    assert repr(one) == "Context(name='a')"


def test_a_class_keeps_its_own_repr() -> None:
    @frozen(repr=False)
    class Secretive:
        token: str

        def __repr__(self) -> str:
            return "Secretive(***)"

    assert repr(Secretive("t")) == "Secretive(***)"
    assert Secretive("t") == Secretive("t")


def test_prebuilt_constants_finish_their_class_when_used() -> None:
    @frozen
    class Limits:
        low: int
        high: int = 9
        tags: tuple[str, ...] = field(factory=tuple)

    constant = prebuilt(Limits, low=1)
    assert not finished(Limits)
    assert repr(constant) == "Limits(low=1, high=9, tags=())"
    assert finished(Limits)
    assert constant == Limits(1)
    assert hash(constant) == hash(Limits(1))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        constant.low = 2  # type: ignore[misc]


@pytest.mark.parametrize(
    ("members", "message"),
    [({"low": 1, "wide": 2}, "Limits has no member 'wide'"), ({}, "Limits needs its member 'low'")],
)
def test_prebuilt_refuses_unknown_and_missing_members(members: dict[str, int], message: str) -> None:
    @frozen
    class Limits:
        low: int
        high: int = 9

    with pytest.raises(TypeError, match=message):
        prebuilt(Limits, **members)


def test_field_refuses_options_it_does_not_carry() -> None:
    with pytest.raises(TypeError, match="field\\(\\) does not take 'alias'"):
        field(alias="x")
    with pytest.raises(ValueError, match="a default or a factory, not both"):
        field(default=1, factory=int)


def test_the_runtime_constants_behave_as_attrs_instances() -> None:
    assert ResponseMetadata(
        request_id=None, status_code=0, headers=NO_METADATA.headers, attempts=0
    ) == NO_METADATA
    assert repr(NO_METADATA) == "ResponseMetadata(request_id=None, status_code=0, attempts=0)"
    assert ProxySettings() == NO_PROXIES
    assert NO_PROXIES.for_origin("https", "example.com", 443) is None
    assert not NO_PROXIES.any
    proxy = Proxy("http", "proxy.example", 3128, "user", "pw")
    assert repr(proxy) == "Proxy(scheme='http', host='proxy.example', port=3128)"
    assert Timeouts(1.0, 2.0, 3) == Timeouts(1.0, 2.0, 3, 256 * 1024, 100, 64 * 1024)


def test_the_public_runtime_classes_are_attrs_classes() -> None:
    for cls in (
        awsmith.Config,
        awsmith.Credentials,
        awsmith.ResponseMetadata,
        awsmith.Endpoint,
        awsmith.InterceptorContext,
        awsmith.TransportRequest,
        awsmith.TransportResponse,
    ):
        assert attrs.has(cls), cls
    config = awsmith.Config(max_attempts=2)
    assert attrs.evolve(config, read_timeout=5.0) == awsmith.Config(max_attempts=2, read_timeout=5.0)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        config.max_attempts = 3  # type: ignore[misc]
    assert hash(config) == hash(awsmith.Config(max_attempts=2))
    with pytest.raises(awsmith.CredentialsError, match=r"Credentials\.access_key_id must be"):
        awsmith.Credentials(access_key_id="", secret_access_key="s")


# ---------------------------------------------------------------- subclasses and class bodies


def test_an_attrs_frozen_subclass_of_a_frozen_runtime_class() -> None:
    @attrs.frozen
    class MyConfig(awsmith.Config):
        extra: int = 0

    made = MyConfig(max_attempts=2, extra=5)
    assert (made.max_attempts, made.extra) == (2, 5)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        made.extra = 6  # type: ignore[misc]
    assert hash(made) == hash(MyConfig(max_attempts=2, extra=5))
    assert all(field.on_setattr is None for field in attrs.fields(awsmith.Config))


def test_an_attrs_define_subclass_of_a_frozen_runtime_class_is_frozen_too() -> None:
    """attrs makes a subclass of a frozen class frozen (it knows one by attrs' own
    frozen ``__setattr__``), as it did when awsmith's classes were attrs.frozen."""

    @attrs.define(kw_only=True)
    class Labelled(awsmith.Credentials):
        label: str = "x"

    made = Labelled(access_key_id="A", secret_access_key="S")
    for name in ("label", "secret_access_key"):
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            setattr(made, name, "z")
    assert hash(made) == hash(Labelled(access_key_id="A", secret_access_key="S"))


def test_a_prebuilt_constant_matches_and_replaces_before_its_class_is_finished() -> None:
    @frozen
    class Window:
        low: int
        high: int = 9

    constant = prebuilt(Window, low=1)
    match constant:
        case Window(low, high):
            assert (low, high) == (1, 9)
        case _:  # pragma: no cover
            pytest.fail("no match")
    assert not finished(Window)
    if sys.version_info >= (3, 13):
        assert copy.replace(constant, high=3) == Window(1, 3)  # type: ignore[attr-defined]


def test_super_and_own_dunder_methods_in_the_class_body() -> None:
    class Base:
        def describe(self) -> str:
            return "base"

    @define
    class Child(Base):
        value: int
        __hash__ = object.__hash__

        def describe(self) -> str:
            return "child of " + super().describe()

        def __eq__(self, other: object) -> bool:
            return isinstance(other, Child) and abs(self.value - other.value) < 2

    assert Child(1).describe() == "child of base"
    assert Child(1) == Child(2)  # the class's own __eq__, not attrs'
    one = Child(1)
    assert hash(one) == object.__hash__(one)  # its own __hash__ kept


def test_a_lazy_class_over_a_lazy_class() -> None:
    @define
    class Base:
        a: int = 0

    @define
    class Child(Base):
        b: int = 1

    assert (Child().a, Child().b) == (0, 1)
    child = Child()
    assert weakref.ref(child)() is child  # weak references work: the slot is inherited


def test_assignment_is_validated_and_converted_in_a_mutable_class() -> None:
    @define
    class Sized:
        size: int = field(default=1, validator=_positive, converter=int)

    made = Sized()
    made.size = "5"  # type: ignore[assignment]
    assert made.size == 5
    with pytest.raises(ValueError, match="size must be positive, not -1"):
        made.size = -1


def test_class_variables_are_not_members_however_typing_is_imported() -> None:
    import typing as t

    @frozen
    class Limits:
        DEFAULT: t.ClassVar[int] = 3
        value: int = 0

    assert [f.name for f in attrs.fields(Limits)] == ["value"]
    assert Limits.DEFAULT == 3


def test_an_exception_class_is_refused() -> None:
    with pytest.raises(TypeError, match="Oops: an exception class cannot be finished on first use"):

        @define
        class Oops(Exception):
            detail: str = ""


def test_another_thread_never_sees_a_frozen_class_half_made() -> None:
    """Thread A meets a frozen class first and finishes it; thread B uses it while A is
    at it. On e82cd98 attrs made the class in place, in two steps (per-member frozen
    hooks, then attrs' frozen ``__setattr__``): B could get attrs' FrozenAttributeError
    instead of FrozenInstanceError (2 of 60 fresh interpreters). attrs'
    ``__attrs_init_subclass__`` hook is called while the class is being made, so B runs
    in that window every time. A class is now published only once it is finished, and
    the hook is called with it then."""
    errors: list[type[BaseException]] = []
    hooked: list[tuple[type, bool]] = []

    def use(cls: Any) -> None:
        made = cls(value=1)
        try:
            made.value = 2
        except Exception as exc:
            errors.append(type(exc))

    class Hooked:
        @classmethod
        def __attrs_init_subclass__(cls) -> None:
            hooked.append((cls, finished(cls)))
            other = threading.Thread(target=use, args=(cls,))
            other.start()
            other.join()

    @frozen
    class Late(Hooked):
        value: int = 0

    use(Late)  # this thread finishes the class; the hook runs thread B meanwhile
    assert errors == [attrs.exceptions.FrozenInstanceError] * 2
    assert hooked == [(Late, True)]
    Late(value=3)  # the hook is attrs': called once, when the class is made
    assert len(hooked) == 1


def test_threads_meeting_a_class_first_wait_for_one_to_finish_it() -> None:
    """Many threads using one class first: one finishes it, the others wait and all see
    the finished class."""
    barrier = threading.Barrier(8)
    errors: list[type[BaseException]] = []

    @frozen
    class Shared:
        value: int = 0

    def use() -> None:
        barrier.wait()
        made = Shared(value=1)
        try:
            made.value = 2  # type: ignore[misc]
        except Exception as exc:
            errors.append(type(exc))

    threads = [threading.Thread(target=use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [attrs.exceptions.FrozenInstanceError] * 8
    assert attrs.has(Shared) and finished(Shared)


def test_the_class_attrs_builds_on_never_shows() -> None:
    """attrs builds the methods on a stand-in class; what the class gets names itself."""

    @frozen
    class Named:
        value: int = 0

    made = Named(value=4)
    assert repr(made) == "Named(value=4)"
    assert made == Named(value=4) and made != object()
    assert type(made) is Named and Named.__init__.__qualname__.endswith("Named.__init__")
    assert [f.name for f in attrs.fields(Named)] == ["value"]
