"""The shape of what is written by hand for each service (the data lives in services/).

A :class:`ServiceSpec` is everything the transcription of one service needs besides its
reference text: where the text is, the wire metadata and pagination the text only
describes in prose, shape names, and the corrections (:class:`Fix`), each with the reason
it departs from the text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypedDict

from codegen.transcribe.parse import Location

JSON = dict[str, Any]
Protocol = Literal["json", "rest-json"]


class NewMember(TypedDict):
    """A member the reference does not list: its ``Type:``-style attributes and its text."""

    attrs: Mapping[str, str]
    doc: str


class Patch(TypedDict, total=False):
    """What a :class:`Fix` changes. Field-level keys apply to the parsed member before
    shapes are built; the others to the built shape or operation.

    - ``required``, ``attrs`` (``Type:``/constraint lines, replacing the text's),
      ``location`` + ``locationName``, ``extra`` (member traits such as
      ``idempotencyToken``), ``doc``: a member ``Shape.member``.
    - ``add``: a member ``Shape.member`` the text does not list (errors' members).
    - ``json``: keys merged into the built shape ``Shape`` (``members`` member by member),
      with ``shapes``: the new shapes those keys refer to.
    - ``rename_error`` (old, new): an error name, in every operation (target ``op:*``).
    - ``add_error``: an error of the operation ``op:Operation``.
    """

    required: bool
    attrs: Mapping[str, str]
    location: Location
    locationName: str
    extra: Mapping[str, Any]
    doc: str
    add: NewMember
    json: JSON
    shapes: Mapping[str, JSON]
    rename_error: tuple[str, str]
    add_error: str


@dataclass(frozen=True)
class Fix:
    """A hand correction of the transcription: one row of the decision table.

    ``target`` is ``Shape.member`` (a field of an input/output/data type, or of an error),
    ``Shape`` (a whole shape) or ``op:Operation`` (``op:*``: every operation).
    ``reference`` is what the text says, ``model`` what the model says instead and
    ``reason`` why (in almost every case: what the wire does, per botocore's model).
    """

    target: str
    patch: Patch
    reference: str
    reason: str
    model: str = ""


@dataclass(frozen=True)
class ServiceSpec:
    """One service's hand-written input to the transcription."""

    #: The model's file stem (models/<name>.json) and package name (awsmith.<name>).
    name: str
    #: The reference text's file name in ../shared/seeds.
    seed: str
    protocol: Protocol
    #: The model's ``metadata``: the wire values the reference does not state.
    metadata: JSON
    #: The model's ``pagination`` (botocore's paginators-1.json format).
    pagination: JSON
    #: Shape names for (owner shape, member[suffix]) whose default name would be ambiguous
    #: or collide; "[]" is a list element, "{key}"/"{value}" a map's key/value.
    shape_names: Mapping[tuple[str, str], str]
    #: Documentation of shapes shared by many members, where the default (the first
    #: member's description) would mislead.
    shape_docs: Mapping[str, str]
    #: The corrections, in the order of the decision table.
    fixes: Sequence[Fix]
    #: The file in models/supplements/ with what AWS added after the reference text
    #: (transcribed by hand from the current reference), if anything.
    supplement: str | None = None
