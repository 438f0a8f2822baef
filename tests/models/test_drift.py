"""Drift between models/*.json (transcribed from the references) and botocore's models.

botocore's bundled service-2.json / paginators-1.json describe the wire; they are the
oracle, not the source. Every difference must be listed in ALLOWED with its reason, and
every ALLOWED entry must still match a difference (no stale excuses). Nothing botocore has
and our models lack may be allowed (test_nothing_newer_is_allowed): what AWS adds is
transcribed into models/supplements/ instead.

Comparison walks each operation of our model: HTTP binding, input/output shapes and
error shapes, recursively by member name. Per member it compares the member's presence,
type, location/locationName, idempotencyToken, timestampFormat, min/max/pattern/enum and
streaming of the target shape; per structure the required set, payload, exception/fault
and error.httpStatusCode/senderFault. Not compared: documentation, shape names, box,
retryable, synthetic, idempotent (none of them changes the wire).

Two conventions of botocore's json models are normalised, not excused: a missing
http.responseCode means 200, and an error shape without an "error" block carries no
status to compare (Support's errors in botocore have none; the reference's status codes
stand).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import botocore.loaders  # type: ignore[import-untyped]
import pytest

from codegen.services import SERVICES

JSON = dict[str, Any]
MODELS = Path(__file__).resolve().parents[2] / "models"


@dataclass(frozen=True, order=True)
class Diff:
    service: str
    path: str
    attribute: str
    ours: Any
    theirs: Any

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.service, self.path, self.attribute)

    def __str__(self) -> str:
        return f"{self.service}: {self.path} [{self.attribute}] ours={self.ours!r} botocore={self.theirs!r}"


# --------------------------------------------------------------------------------------
# Allowed differences, each with its reason.
# --------------------------------------------------------------------------------------

_DOC_ENUM = (
    "the reference lists 'Valid values:' for this output member; botocore leaves it a "
    "plain string. Output-only, and unknown values are kept, so the enum only adds typing"
)
_NO_PAGINATOR = (
    "botocore has no paginator for this operation although it has nextToken/maxResults in "
    "and nextToken out (the brief asks for one; result key from the reference)"
)

ALLOWED: dict[tuple[str, str, str], str] = {
    ("support", "CaseDetails.status", "enum"): _DOC_ENUM,
    ("support", "SeverityLevel.code", "enum"): _DOC_ENUM,
    ("codeguruprofiler", "pagination.GetFindingsReportAccountSummary", "paginator"): _NO_PAGINATOR,
    ("codeguruprofiler", "pagination.ListFindingsReports", "paginator"): _NO_PAGINATOR,
    ("codeguruprofiler", "pagination.ListProfilingGroups", "paginator"): _NO_PAGINATOR,
}


# --------------------------------------------------------------------------------------
# The checker
# --------------------------------------------------------------------------------------

_SHAPE_ATTRS = ("type", "min", "max", "pattern", "streaming")
_MEMBER_ATTRS = ("location", "locationName", "idempotencyToken")


def load_ours(service: str) -> JSON:
    data: JSON = json.loads((MODELS / f"{service}.json").read_text(encoding="utf-8"))
    return data


def load_botocore(service: str) -> tuple[JSON, JSON]:
    loader = botocore.loaders.Loader()
    model: JSON = loader.load_service_model(service, "service-2")
    pages: JSON = loader.load_service_model(service, "paginators-1")
    return model, pages.get("pagination", {})


def _signing_name(meta: Mapping[str, Any]) -> Any:
    return meta.get("signingName", meta.get("endpointPrefix"))


def check_drift(service: str, ours: JSON, theirs: JSON, their_pages: JSON) -> list[Diff]:
    diffs: list[Diff] = []
    seen: set[tuple[str, str]] = set()

    def diff(path: str, attribute: str, a: Any, b: Any) -> None:
        if a != b:
            diffs.append(Diff(service, path, attribute, a, b))

    ms, ts = ours["metadata"], theirs["metadata"]
    for key in (
        "apiVersion",
        "endpointPrefix",
        "protocol",
        "jsonVersion",
        "targetPrefix",
        "serviceId",
        "serviceFullName",
        "uid",
        "signatureVersion",
    ):
        diff("metadata", key, ms.get(key), ts.get(key))
    diff("metadata", "signingName", _signing_name(ms), _signing_name(ts))

    oshapes, tshapes = ours["shapes"], theirs["shapes"]

    def compare_target(
        path: str, oname: str, tname: str, omember: Mapping[str, Any], tmember: Mapping[str, Any]
    ) -> None:
        o, t = oshapes[oname], tshapes[tname]
        for attr in _SHAPE_ATTRS:
            diff(path, attr, o.get(attr), t.get(attr))
        oe, te = o.get("enum"), t.get("enum")
        diff(path, "enum", sorted(oe) if oe else None, sorted(te) if te else None)
        if o.get("type") == "timestamp" or t.get("type") == "timestamp":
            diff(
                path,
                "timestampFormat",
                omember.get("timestampFormat", o.get("timestampFormat")),
                tmember.get("timestampFormat", t.get("timestampFormat")),
            )
        if o.get("type") != t.get("type"):
            return
        if o["type"] == "structure":
            compare_structure(oname, tname)
        elif o["type"] == "list":
            compare_target(
                f"{path}[]", o["member"]["shape"], t["member"]["shape"], o["member"], t["member"]
            )
        elif o["type"] == "map":
            compare_target(
                f"{path}{{key}}", o["key"]["shape"], t["key"]["shape"], o["key"], t["key"]
            )
            compare_target(
                f"{path}{{value}}", o["value"]["shape"], t["value"]["shape"], o["value"], t["value"]
            )

    def compare_structure(oname: str, tname: str) -> None:
        if (oname, tname) in seen:
            return
        seen.add((oname, tname))
        o, t = oshapes[oname], tshapes[tname]
        diff(oname, "required", sorted(o.get("required", [])), sorted(t.get("required", [])))
        diff(oname, "payload", o.get("payload"), t.get("payload"))
        diff(oname, "exception", bool(o.get("exception")), bool(t.get("exception")))
        diff(oname, "fault", bool(o.get("fault")), bool(t.get("fault")))
        if "error" in t:
            oerr, terr = o.get("error", {}), t["error"]
            diff(
                oname,
                "error.httpStatusCode",
                oerr.get("httpStatusCode"),
                terr.get("httpStatusCode"),
            )
            diff(
                oname,
                "error.senderFault",
                bool(oerr.get("senderFault")),
                bool(terr.get("senderFault")),
            )
        omembers, tmembers = o.get("members", {}), t.get("members", {})
        for name in sorted(set(omembers) | set(tmembers)):
            path = f"{oname}.{name}"
            if name not in tmembers:
                diff(path, "member", "present", "absent")
                continue
            if name not in omembers:
                diff(path, "member", "absent", "present")
                continue
            om, tm = omembers[name], tmembers[name]
            for attr in _MEMBER_ATTRS:
                diff(path, attr, om.get(attr), tm.get(attr))
            compare_target(path, om["shape"], tm["shape"], om, tm)

    for op_name in sorted(set(theirs["operations"]) - set(ours["operations"])):
        diff(f"op:{op_name}", "operation", "absent", "present")
    for op_name, op in ours["operations"].items():
        path = f"op:{op_name}"
        top = theirs["operations"].get(op_name)
        if top is None:
            diff(path, "operation", "present", "absent")
            continue
        oh, th = op["http"], top["http"]
        diff(path, "http.method", oh.get("method"), th.get("method"))
        diff(path, "http.requestUri", oh.get("requestUri"), th.get("requestUri"))
        diff(path, "http.responseCode", oh.get("responseCode", 200), th.get("responseCode", 200))
        for io in ("input", "output"):
            if (io in op) != (io in top):
                diff(path, io, io in op, io in top)
            elif io in op:
                compare_structure(op[io]["shape"], top[io]["shape"])
        oerrs = sorted(e["shape"] for e in op.get("errors", []))
        terrs = sorted(e["shape"] for e in top.get("errors", []))
        diff(path, "errors", oerrs, terrs)
        for name in set(oerrs) & set(terrs):
            compare_structure(name, name)

    opages = ours.get("pagination", {})
    for op_name in sorted(set(opages) | set(their_pages)):
        path = f"pagination.{op_name}"
        if op_name not in their_pages:
            diff(path, "paginator", "present", "absent")
        elif op_name not in opages:
            diff(path, "paginator", "absent", "present")
        else:
            for key in ("input_token", "output_token", "limit_key", "result_key", "more_results"):
                diff(path, key, opages[op_name].get(key), their_pages[op_name].get(key))
    return diffs


def unexplained(diffs: list[Diff], allowed: Mapping[tuple[str, str, str], str]) -> list[Diff]:
    return [d for d in diffs if d.key not in allowed]


def report(diffs: list[Diff]) -> str:
    return "\n".join(str(d) for d in sorted(diffs))


# --------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------


def _all_diffs(service: str) -> list[Diff]:
    theirs, pages = load_botocore(service)
    return check_drift(service, load_ours(service), theirs, pages)


@pytest.mark.parametrize("service", SERVICES)
def test_no_unexplained_drift(service: str) -> None:
    bad = unexplained(_all_diffs(service), ALLOWED)
    assert not bad, "model differs from botocore (add a fix or an ALLOWED reason):\n" + report(bad)


def test_allow_list_is_not_stale() -> None:
    found = {d.key for service in SERVICES for d in _all_diffs(service)}
    stale = sorted(k for k in ALLOWED if k not in found)
    assert not stale, f"ALLOWED entries that no longer match a difference: {stale}"


def test_allow_list_entries_have_reasons() -> None:
    assert all(len(reason) > 20 for reason in ALLOWED.values())


def test_all_operations_are_compared() -> None:
    counts = {service: len(load_ours(service)["operations"]) for service in SERVICES}
    assert counts == {"support": 20, "codeguruprofiler": 23}


def _newer(d: Diff) -> bool:
    """A difference that means botocore knows something our model does not."""
    if d.attribute in ("operation", "member", "paginator"):
        return bool(d.ours == "absent")
    if d.attribute == "errors":
        return bool(set(d.theirs) - set(d.ours))
    return False


@pytest.mark.parametrize("service", SERVICES)
def test_nothing_newer_is_allowed(service: str) -> None:
    """The models are as current as the installed botocore: an operation, member, error
    or paginator AWS adds fails here (``make test-latest`` runs this against the newest
    botocore) until it is transcribed into models/supplements/ (models/README.md)."""
    assert not [k for k in ALLOWED if k[0] == service and k[2] in ("operation", "member")]
    newer = [d for d in _all_diffs(service) if _newer(d)]
    assert not newer, "botocore is newer than the model:\n" + report(newer)


def _planted(service: str, mutate: Any) -> list[Diff]:
    model = copy.deepcopy(load_ours(service))
    mutate(model)
    theirs, pages = load_botocore(service)
    return unexplained(check_drift(service, model, theirs, pages), ALLOWED)


def _mutations() -> Iterator[tuple[str, Any, tuple[str, str, str]]]:
    def pattern(m: JSON) -> None:
        m["shapes"]["ProfilingGroupName"]["pattern"] = "^[\\w]+$"

    def required(m: JSON) -> None:
        m["shapes"]["CreateCaseRequest"]["required"].remove("subject")

    def uri(m: JSON) -> None:
        m["operations"]["GetPolicy"]["http"]["requestUri"] = (
            "/profilingGroups/{profilingGroupName}/policies"
        )

    def status(m: JSON) -> None:
        m["shapes"]["ThrottlingException"]["error"]["httpStatusCode"] = 400

    def location(m: JSON) -> None:
        m["shapes"]["ListProfileTimesRequest"]["members"]["period"]["locationName"] = "Period"

    def enum(m: JSON) -> None:
        m["shapes"]["AggregationPeriod"]["enum"].append("PT1M")

    def nested_member(m: JSON) -> None:
        del m["shapes"]["TrustedAdvisorResourcesSummary"]["members"]["resourcesIgnored"]

    def error_list(m: JSON) -> None:
        m["operations"]["GetPolicy"]["errors"].append({"shape": "ValidationException"})

    def timestamp(m: JSON) -> None:
        del m["shapes"]["Timestamp"]["timestampFormat"]

    def page(m: JSON) -> None:
        m["pagination"]["ListProfileTimes"]["result_key"] = "profiles"

    # What AWS adding something looks like: botocore has it, our model does not.
    def newer_member(m: JSON) -> None:
        del m["shapes"]["Communication"]["members"]["attachments"]

    def newer_operation(m: JSON) -> None:
        del m["operations"]["GetAttachmentDownloadLink"]

    def newer_error(m: JSON) -> None:
        m["operations"]["ResolveCase"]["errors"].remove({"shape": "DryRunOperationException"})

    yield (
        "codeguruprofiler",
        pattern,
        ("codeguruprofiler", "GetPolicyRequest.profilingGroupName", "pattern"),
    )
    yield "support", required, ("support", "CreateCaseRequest", "required")
    yield "codeguruprofiler", uri, ("codeguruprofiler", "op:GetPolicy", "http.requestUri")
    yield (
        "codeguruprofiler",
        status,
        ("codeguruprofiler", "ThrottlingException", "error.httpStatusCode"),
    )
    yield (
        "codeguruprofiler",
        location,
        ("codeguruprofiler", "ListProfileTimesRequest.period", "locationName"),
    )
    yield "codeguruprofiler", enum, ("codeguruprofiler", "ListProfileTimesRequest.period", "enum")
    yield (
        "support",
        nested_member,
        ("support", "TrustedAdvisorResourcesSummary.resourcesIgnored", "member"),
    )
    yield "codeguruprofiler", error_list, ("codeguruprofiler", "op:GetPolicy", "errors")
    yield (
        "codeguruprofiler",
        timestamp,
        ("codeguruprofiler", "ProfileTime.start", "timestampFormat"),
    )
    yield (
        "codeguruprofiler",
        page,
        ("codeguruprofiler", "pagination.ListProfileTimes", "result_key"),
    )
    yield "support", newer_member, ("support", "Communication.attachments", "member")
    yield "support", newer_operation, ("support", "op:GetAttachmentDownloadLink", "operation")
    yield "support", newer_error, ("support", "op:ResolveCase", "errors")


@pytest.mark.parametrize(
    ("service", "mutate", "expected"),
    list(_mutations()),
    ids=lambda x: getattr(x, "__name__", None),
)
def test_checker_catches_planted_difference(
    service: str, mutate: Any, expected: tuple[str, str, str]
) -> None:
    found = {d.key for d in _planted(service, mutate)}
    assert expected in found, f"planted difference {expected} not reported; got {sorted(found)}"


def test_report_is_readable() -> None:
    d = Diff(
        "support",
        "CreateCaseRequest",
        "required",
        ["communicationBody"],
        ["communicationBody", "subject"],
    )
    assert report([d]) == (
        "support: CreateCaseRequest [required] ours=['communicationBody'] "
        "botocore=['communicationBody', 'subject']"
    )
