"""The base of generated enums."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class OpenEnum(StrEnum):
    """A ``str`` enum that keeps values it does not list.

    Services add enum values over time. Looking up an unknown value returns a
    pseudo-member carrying that value instead of raising, so an older awsmith keeps
    working: ``Status("escalated").value == "escalated"``. Pseudo-members compare equal
    to their string and are never yielded when iterating the enum. Their ``repr`` is
    the call that makes one (``Status('escalated')``), as they have no name of their
    own: the ``""`` that a required enum member reads as when a response leaves it out
    (models/README.md) shows as ``AggregationPeriod('')``, not ``<AggregationPeriod.: ''>``.
    """

    def __repr__(self) -> str:
        if type(self)._member_map_.get(self._name_) is self:
            return super().__repr__()
        return f"{type(self).__name__}({self._value_!r})"

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
        text = str.__str__(value)  # a plain str, whatever subclass of str it came as
        member = str.__new__(cls, text)
        member._name_ = text
        member._value_ = text
        return member
