"""awsmith._core.lazyclass: the runtime's own classes are attrs classes, as
``attrs.define`` / ``attrs.frozen`` make them, finished on first use (the shapes' side
is tests/unit/test_shape.py; that importing awsmith imports no attrs is in
tests/runtime/test_cold_start.py)."""

from __future__ import annotations

import copy
import gc
import inspect
import pickle
import sys
import threading
import weakref
from typing import Any

import attrs
import pytest

import awsmith
from awsmith._core import lazyclass
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


class SpyLock:
    """lazyclass's lock, telling when another thread waits for it and whether the
    calling thread holds it."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._owner: int | None = None
        self._depth = 0
        self.waited = threading.Event()

    def __enter__(self) -> None:
        if not self._lock.acquire(blocking=False):
            self.waited.set()
            self._lock.acquire()
        self._owner = threading.get_ident()
        self._depth += 1

    def __exit__(self, *exc: object) -> None:
        self._depth -= 1
        if not self._depth:
            self._owner = None
        self._lock.release()

    def held(self) -> bool:
        return self._owner == threading.get_ident()


@pytest.fixture
def spy_lock(monkeypatch: pytest.MonkeyPatch) -> SpyLock:
    spy = SpyLock()
    monkeypatch.setattr(lazyclass, "_finishing", spy)
    return spy


def test_another_thread_never_sees_a_frozen_class_half_made(spy_lock: SpyLock) -> None:
    """Thread A meets a frozen class first and finishes it; thread B uses it while A is
    at it. On e82cd98 attrs made the class in place, in two steps (per-member frozen
    hooks, then attrs' frozen ``__setattr__``): B could get attrs' FrozenAttributeError
    instead of FrozenInstanceError (2 of 60 fresh interpreters). attrs'
    ``__attrs_init_subclass__`` hook is called while the class is being made, with
    the class complete: B, started by the hook, waits until A has published the class
    (on 43d0c73 the hook ran after that, and B used the class at once)."""
    errors: list[type[BaseException]] = []
    hooked: list[tuple[type, bool, int]] = []
    other: list[threading.Thread] = []

    def use(cls: Any) -> None:
        made = cls(value=1)
        try:
            made.value = 2
        except Exception as exc:
            errors.append(type(exc))

    class Hooked:
        @classmethod
        def __attrs_init_subclass__(cls) -> None:
            assert spy_lock.held()  # the class is not published yet
            thread = threading.Thread(target=use, args=(cls,))
            other.append(thread)
            thread.start()
            assert spy_lock.waited.wait(timeout=30)  # B waits for A to publish the class
            hooked.append((cls, [f.name for f in attrs.fields(cls)] == ["value"], len(errors)))

    @frozen
    class Late(Hooked):
        value: int = 0

    use(Late)  # this thread finishes the class; the hook starts thread B meanwhile
    other[0].join()
    assert errors == [attrs.exceptions.FrozenInstanceError] * 2
    assert hooked == [(Late, True, 0)]  # the hook saw the class complete, B not done yet
    Late(value=3)  # the hook is attrs': called once, when the class is made
    assert len(hooked) == 1


def test_finishing_a_class_runs_no_init_subclass_and_leaves_no_phantom() -> None:
    """attrs builds on a stand-in, not a subclass of the class's bases: on 43d0c73 the
    stand-in was one, so a base's ``__init_subclass__`` ran for it when the class was
    first used, and it stayed in the base's ``__subclasses__()`` until the garbage
    collector found it. (Decorating runs the hook twice, as attrs' slotted classes do:
    for the class the body made and for the one made again with slots.)"""
    seen: list[str] = []

    class Registry:
        def __init_subclass__(cls, **kwargs: Any) -> None:
            super().__init_subclass__(**kwargs)
            seen.append(cls.__name__)

    class Plain(Registry):
        pass

    @frozen
    class Member(Plain):
        value: int = 0

    gc.collect()  # the class the body made, before lazy made it again
    assert seen == ["Plain", "Member", "Member"]
    assert Registry.__subclasses__() == [Plain] and Plain.__subclasses__() == [Member]
    gc.disable()  # a phantom would stay listed until collected
    try:
        assert Member(value=1) == Member(value=1)
        assert Registry.__subclasses__() == [Plain] and Plain.__subclasses__() == [Member]
    finally:
        gc.enable()
    assert seen == ["Plain", "Member", "Member"]
    assert attrs.has(Member) and finished(Member)


def test_abstract_methods_are_updated_before_the_class_is_published(
    spy_lock: SpyLock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As attrs does for a class it makes, and before another thread can use it (on
    43d0c73 it ran after the lock was released): a base's abstract ``__repr__`` is
    implemented by attrs' repr; ``describe`` stays abstract."""
    import abc

    calls: list[tuple[type, bool]] = []
    update = abc.update_abstractmethods

    def spied(cls: type) -> type:
        calls.append((cls, spy_lock.held()))
        return update(cls)

    monkeypatch.setattr(abc, "update_abstractmethods", spied)

    class Base(abc.ABC):
        @abc.abstractmethod
        def __repr__(self) -> str: ...

        @abc.abstractmethod
        def describe(self) -> str: ...

    @define
    class Partial(Base):
        value: int = 0

    assert attrs.has(Partial)  # finishes it
    assert [held for cls, held in calls if cls is Partial] == [True]
    assert Partial.__abstractmethods__ == frozenset({"describe"})
    with pytest.raises(TypeError, match=r"^Can't instantiate abstract class Partial with(out an implementation for)? abstract method '?describe'?$"):
        Partial()


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
