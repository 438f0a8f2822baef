"""Loading a botocore-format service model into what the emitters need."""

from __future__ import annotations

import builtins
import json
import keyword
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore import xform_name

import awsmith._core.serde as _rt_serde
import awsmith._core.validation as _rt_validation
from awsmith._core.client import BaseClient
from awsmith._core.errors import ServiceError
from codegen.docs import to_text
from codegen.errors import ModelError as ModelError  # raised here and by the emitters

SUPPORTED_PROTOCOLS = ("json", "rest-json")
# Names the generated modules import or use: a shape class of the same name would shadow
# them (a shape called ``Operation``, ``int`` or ``label`` exists in some model).
_RESERVED_NAMES = frozenset(
    {
        "Any", "ClassVar", "Literal", "Mapping", "Sequence", "attrs", "datetime", "OpenEnum",
        "Operation", "SerializedRequest", "ServiceInfo", "TransportResponse", "ErrorTable",
        "BaseClient", "Paginator", "ServiceError", "shape", "TYPE_CHECKING", "new_idempotency_token", "re",
        "overload",
        "errors", "shapes", "annotations",
    }
    | set(dir(builtins))
    | {n for n in dir(_rt_serde) + dir(_rt_validation) if not n.startswith("_")}
)
# Constructor arguments and attributes of awsmith.ServiceError (and of exceptions): a
# modeled error field of the same name gets a trailing underscore.
_ERROR_RESERVED = frozenset(
    {"message", "code", "status_code", "request_id", "raw"}
    | {n for n in dir(ServiceError) if not n.startswith("__")}
)


#: Module-level names of a generated ``_serde.py`` besides the per-operation ones.
_SERDE_TABLES = frozenset({"ERRORS", "SERVICE"})


#: Public attributes of every client (``config`` is set per instance; ``with_options``
#: is part of the contract): an operation of the same name gets a trailing underscore.
_CLIENT_RESERVED = frozenset(
    {n for n in dir(BaseClient) if not n.startswith("_")} | {"config", "with_options"}
)


@dataclass
class Member:
    name: str  # wire/model name
    py_name: str
    shape: Shape
    doc: str
    required: bool
    location: str | None  # uri, querystring, header, headers, statusCode, or None (body)
    location_name: str
    idempotency_token: bool
    host_label: bool
    timestamp_format: str | None
    json_value: bool


@dataclass
class Shape:
    name: str
    type: str
    doc: str
    raw: dict[str, Any]
    members: list[Member] = field(default_factory=list)
    member: Shape | None = None  # list item
    key: Shape | None = None  # map key
    value: Shape | None = None  # map value
    enum: list[str] = field(default_factory=list)
    min: float | None = None
    max: float | None = None
    pattern: str | None = None
    timestamp_format: str | None = None
    is_exception: bool = False
    is_document: bool = False
    is_union: bool = False
    #: A list or map that may hold null items/values (Smithy's ``@sparse``, botocore's
    #: ``"sparse": true``); the others are dense and never hold one.
    sparse: bool = False
    payload: str | None = None
    class_name: str = ""

    @property
    def is_enum(self) -> bool:
        return self.type == "string" and bool(self.enum)

    def member_by_name(self, name: str) -> Member:
        for m in self.members:
            if m.name == name:
                return m
        raise ModelError(f"shape {self.name} has no member {name!r}")


@dataclass
class Operation:
    name: str
    py_name: str
    doc: str
    method: str
    request_uri: str
    response_code: int
    input: Shape | None
    output: Shape | None
    errors: list[Shape]
    host_prefix: str | None
    deprecated: bool
    #: Endpoint rule-set parameters the operation fixes (``staticContextParams``).
    static_context: dict[str, Any] = field(default_factory=dict)
    #: The request must carry a ``Content-MD5`` of its body (``httpChecksumRequired``).
    checksum_required: bool = False
    #: The body may be gzipped (``requestcompression`` lists ``gzip``).
    compress_request: bool = False

    @property
    def constant(self) -> str:
        """The name of the operation's ``Operation`` in ``_serde.py`` (never one of that
        module's own tables)."""
        name = self.py_name.upper()
        return name + "_" if name in _SERDE_TABLES else name


@dataclass
class Paginator:
    operation: Operation
    input_token: str
    output_token: str
    limit_key: str | None
    result_keys: list[str]
    #: awsmith's ``items_when`` (models/README.md): (a boolean input member, the result
    #: key whose elements ``.items()`` yields when it is true); otherwise it yields the
    #: first result key's, botocore's primary result key.
    items_when: tuple[str, str] | None = None


def _items_when(
    path: Path, name: str, spec: dict[str, Any], op: Operation, result_keys: list[str]
) -> tuple[str, str] | None:
    """A paginator's ``items_when``: ``{"<boolean input member>": "<result key>"}``, the
    result key ``.items()`` yields when that argument is true (ListProfilingGroups'
    ``includeDescription`` -> ``profilingGroups``)."""
    given = spec.get("items_when")
    if given is None:
        return None
    assert op.input is not None
    if not isinstance(given, dict) or len(given) != 1:
        raise ModelError(f"{path}: pagination.{name}.items_when must map one input member to a result key")
    ((member, key),) = given.items()
    if op.input.member_by_name(member).shape.type != "boolean":
        raise ModelError(f"{path}: pagination.{name}.items_when: {member} is not a boolean input member")
    if key not in result_keys or key == result_keys[0]:
        raise ModelError(
            f"{path}: pagination.{name}.items_when: {key!r} must be a list result key other than the first"
        )
    return member, key


@dataclass
class ServiceModel:
    path: Path
    metadata: dict[str, Any]
    doc: str
    shapes: dict[str, Shape]
    operations: list[Operation]
    paginators: list[Paginator]

    @property
    def protocol(self) -> str:
        return str(self.metadata["protocol"])

    @property
    def service_id(self) -> str:
        return str(self.metadata.get("serviceId") or self.metadata["endpointPrefix"])

    @property
    def client_name(self) -> str:
        return re.sub(r"[^0-9A-Za-z]", "", self.service_id) + "Client"

    @property
    def base_error_name(self) -> str:
        return re.sub(r"[^0-9A-Za-z]", "", self.service_id) + "Error"

    @property
    def data_name(self) -> str:
        """The folder name botocore uses for the service's data files."""
        return self.service_id.lower().replace(" ", "-")


#: Member names a generated module needs for itself: the methods' ``self`` and ``cls``,
#: the client methods' helper ``new_idempotency_token``, and every response's
#: ``response_metadata``; and ``attrs``, which shape modules imported once (none does
#: now: kept so that no generated name changes). Such a member gets a trailing underscore.
_MEMBER_RESERVED = frozenset({"self", "cls", "attrs", "new_idempotency_token", "response_metadata"})


def py_name(name: str) -> str:
    """Member name -> snake_case attribute/argument name (botocore's ``xform_name``).

    Never private (attrs would drop a leading underscore from the argument name), never
    starting with a digit, never a keyword or a name in ``_MEMBER_RESERVED``."""
    out = xform_name(name).replace("-", "_")
    out = re.sub(r"\W", "_", out).lstrip("_") or "member"
    if out[0].isdigit():
        out = "m_" + out
    if keyword.iskeyword(out) or out in _MEMBER_RESERVED:
        out += "_"
    return out


def _operation_name(name: str) -> str:
    out = py_name(name)
    return out + "_" if out in _CLIENT_RESERVED else out


def class_name(name: str) -> str:
    out = re.sub(r"\W", "_", name).lstrip("_") or "Shape"
    # attrs takes any annotation starting with "ClassVar" for a class variable, not a
    # field: a member typed ``ClassVariable | None`` would vanish from the class.
    if out[0].isdigit() or out.startswith("ClassVar"):
        out = "Shape" + out
    if out in _RESERVED_NAMES or keyword.iskeyword(out):
        out += "_"
    return out


def load(path: Path) -> ServiceModel:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"{path}: cannot read the model: {exc}") from None
    return build(raw, path)


def build(raw: dict[str, Any], path: Path) -> ServiceModel:
    metadata = raw.get("metadata") or {}
    protocol = metadata.get("protocol")
    if protocol not in SUPPORTED_PROTOCOLS:
        raise ModelError(
            f"{path}: protocol {protocol!r} is not supported (supported: "
            f"{', '.join(SUPPORTED_PROTOCOLS)})"
        )
    for key in ("apiVersion", "endpointPrefix"):
        if key not in metadata:
            raise ModelError(f"{path}: metadata.{key} is missing")
    if protocol == "json" and "targetPrefix" not in metadata:
        raise ModelError(f"{path}: metadata.targetPrefix is required for the json protocol")
    raw_shapes: dict[str, Any] = raw.get("shapes") or {}
    shapes: dict[str, Shape] = {}
    for name, spec in sorted(raw_shapes.items()):
        if "type" not in spec:
            raise ModelError(f"{path}: shape {name} has no type")
        shapes[name] = Shape(
            name=name,
            type=spec["type"],
            doc=to_text(spec.get("documentation")),
            raw=spec,
            enum=list(spec.get("enum", [])),
            min=spec.get("min"),
            max=spec.get("max"),
            pattern=spec.get("pattern"),
            timestamp_format=spec.get("timestampFormat"),
            is_exception=bool(spec.get("exception")),
            is_document=bool(spec.get("document")),
            is_union=bool(spec.get("union")),
            sparse=bool(spec.get("sparse")) and spec["type"] in ("list", "map"),
            payload=spec.get("payload"),
            class_name=class_name(name),
        )

    def ref(where: str, target: dict[str, Any] | None) -> Shape:
        if not target or "shape" not in target:
            raise ModelError(f"{path}: {where} does not name a shape")
        shape = shapes.get(target["shape"])
        if shape is None:
            raise ModelError(f"{path}: {where} refers to the unknown shape {target['shape']!r}")
        return shape

    for shape in shapes.values():
        spec = shape.raw
        if shape.type == "list":
            shape.member = ref(f"shape {shape.name}.member", spec.get("member"))
        elif shape.type == "map":
            shape.key = ref(f"shape {shape.name}.key", spec.get("key"))
            shape.value = ref(f"shape {shape.name}.value", spec.get("value"))
        elif shape.type == "structure":
            required = set(spec.get("required", []))
            seen: dict[str, str] = {}
            for mname, mspec in sorted(spec.get("members", {}).items()):
                target = ref(f"shape {shape.name}.{mname}", mspec)
                pname = py_name(mname)
                if pname in seen:
                    raise ModelError(
                        f"{path}: members {seen[pname]!r} and {mname!r} of {shape.name} "
                        f"both become {pname!r}"
                    )
                if shape.is_exception and pname in _ERROR_RESERVED and mname.lower() not in (
                    "message", "errormessage"
                ):
                    pname += "_"
                seen[pname] = mname
                location = mspec.get("location")
                shape.members.append(
                    Member(
                        name=mname,
                        py_name=pname,
                        shape=target,
                        doc=to_text(mspec.get("documentation")) or target.doc,
                        required=mname in required,
                        location=location,
                        location_name=mspec.get("locationName", mname),
                        idempotency_token=bool(mspec.get("idempotencyToken")),
                        host_label=bool(mspec.get("hostLabel")),
                        timestamp_format=mspec.get("timestampFormat") or target.timestamp_format,
                        # ``jsonvalue`` means base64 JSON only in a header; in a body
                        # it is a plain string that holds JSON text (botocore agrees).
                        json_value=location == "header"
                        and bool(mspec.get("jsonvalue") or target.raw.get("jsonvalue")),
                    )
                )
            unknown = required - {m.name for m in shape.members}
            if unknown:
                raise ModelError(f"{path}: {shape.name} requires unknown members {sorted(unknown)}")
            if shape.payload is not None:
                shape.member_by_name(shape.payload)

    operations: list[Operation] = []
    for name, spec in sorted((raw.get("operations") or {}).items()):
        http = spec.get("http") or {}
        operations.append(
            Operation(
                name=name,
                py_name=_operation_name(name),
                doc=to_text(spec.get("documentation")),
                method=http.get("method", "POST"),
                request_uri=http.get("requestUri", "/"),
                response_code=int(http.get("responseCode", 200)),
                input=ref(f"operation {name}.input", spec["input"]) if spec.get("input") else None,
                output=(
                    ref(f"operation {name}.output", spec["output"]) if spec.get("output") else None
                ),
                errors=[ref(f"operation {name}.errors", e) for e in spec.get("errors", [])],
                host_prefix=(spec.get("endpoint") or {}).get("hostPrefix"),
                deprecated=bool(spec.get("deprecated")),
                checksum_required=bool(
                    spec.get("httpChecksumRequired")
                    or (spec.get("httpChecksum") or {}).get("requestChecksumRequired")
                ),
                compress_request="gzip"
                in ((spec.get("requestcompression") or {}).get("encodings") or []),
                static_context={
                    k: v["value"] for k, v in sorted((spec.get("staticContextParams") or {}).items())
                },
            )
        )
    by_name = {op.name: op for op in operations}
    paginators: list[Paginator] = []
    for name, spec in sorted((raw.get("pagination") or {}).items()):
        op = by_name.get(name)
        if op is None:
            raise ModelError(f"{path}: pagination names the unknown operation {name!r}")
        input_token, output_token = spec.get("input_token"), spec.get("output_token")
        if not isinstance(input_token, str) or not isinstance(output_token, str):
            # Compound tokens (lists, JMESPath) are not supported: the operation gets no
            # paginator method (silently: neither model in models/ has such a token).
            continue
        result_keys = spec.get("result_key") or []
        if isinstance(result_keys, str):
            result_keys = [result_keys]
        if op.input is None or op.output is None:
            raise ModelError(f"{path}: paginated operation {name} needs input and output")
        if any(not isinstance(k, str) or "." in k or "[" in k for k in result_keys):
            continue
        op.input.member_by_name(input_token)
        op.output.member_by_name(output_token)
        # Only list result keys are iterated by ``.items()``; scalar or map result keys
        # (DynamoDB's Count, API Gateway's usage map) stay on the pages.
        result_keys = [
            k for k in result_keys if op.output.member_by_name(k).shape.type == "list"
        ]
        limit_key = spec.get("limit_key")
        if limit_key is not None:
            op.input.member_by_name(limit_key)
        items_when = _items_when(path, name, spec, op, result_keys)
        paginators.append(
            Paginator(op, input_token, output_token, limit_key, list(result_keys), items_when)
        )
    service = ServiceModel(
        path=path,
        metadata=metadata,
        doc=to_text(raw.get("documentation")),
        shapes=shapes,
        operations=operations,
        paginators=paginators,
    )
    _distinct_class_names(service)
    return service


def _distinct_class_names(model: ServiceModel) -> None:
    """Gives a trailing underscore to each shape class name that would clash with the
    client or base error class, an enum's ``<Name>Literal`` alias, a member's argument
    name (a lowercase shape called where its members are arguments), another shape's
    class, or a client method."""
    taken = {model.client_name, model.base_error_name}
    taken |= {m.py_name for s in model.shapes.values() for m in s.members}
    taken |= {op.py_name for op in model.operations} | {op.constant for op in model.operations}
    taken |= {f"{kind}_{op.py_name}" for op in model.operations for kind in ("serialize", "parse")}
    taken |= _SERDE_TABLES
    enums = {s.class_name + "Literal" for s in model.shapes.values() if s.is_enum}
    for shape in sorted(model.shapes.values(), key=lambda s: (s.class_name != s.name, s.name)):
        name = shape.class_name
        while name in taken or (name in enums and not shape.is_enum):
            name += "_"
        shape.class_name = name
        taken.add(name)
        if shape.is_enum:
            taken.add(name + "Literal")
