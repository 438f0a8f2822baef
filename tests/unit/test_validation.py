"""Client-side validation: ParamValidationError names the field and the rule, and is
raised before anything is sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

import awsmith
from awsmith.codeguruprofiler import shapes as c
from awsmith.support import shapes as s
from tests.unit.mockaws import Script, codeguru, json_reply, support

GROUP = "my-group"
NOW = datetime(2024, 1, 1, tzinfo=UTC)
CHANNEL_ID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
PATTERN = "'^[\\\\w-]+$'"  # repr of the model's pattern ^[\w-]+$


@dataclass(frozen=True)
class Bad:
    id: str
    service: str
    method: str
    kwargs: dict[str, Any]
    field: str
    rule: str
    detail: str


def times(**extra: Any) -> dict[str, Any]:
    return {"profiling_group_name": GROUP, "start_time": NOW, "end_time": NOW, **extra}


CASES = [
    # missing required members (passed as None: Python itself refuses omitted ones)
    Bad("required-str", "support", "describe_attachment", {"attachment_id": None},
        "attachment_id", "required", "a value is required"),
    Bad("required-list", "support", "describe_trusted_advisor_checks", {"language": None},
        "language", "required", "a value is required"),
    Bad("required-label", "codeguru", "describe_profiling_group", {"profiling_group_name": None},
        "profiling_group_name", "required", "a value is required"),
    Bad("required-struct", "codeguru", "update_profiling_group",
        {"profiling_group_name": GROUP, "agent_orchestration_config": None},
        "agent_orchestration_config", "required", "a value is required"),
    Bad("required-nested", "codeguru", "add_notification_channels",
        {"profiling_group_name": GROUP,
         "channels": [c.Channel(uri=None, event_publishers=["AnomalyDetection"])]},  # type: ignore[arg-type]
        "channels[0].uri", "required", "a value is required"),
    # wrong types
    Bad("int-for-str", "support", "describe_attachment", {"attachment_id": 5},
        "attachment_id", "type", "expected str, got int"),
    Bad("str-for-list", "support", "describe_cases", {"case_id_list": "case-1"},
        "case_id_list", "type", "expected a list, got str"),
    Bad("bool-for-int", "support", "describe_cases", {"max_results": True},
        "max_results", "type", "expected int, got bool"),
    Bad("str-for-bool", "support", "describe_cases", {"include_resolved_cases": "yes"},
        "include_resolved_cases", "type", "expected bool, got str"),
    Bad("dict-for-struct", "codeguru", "update_profiling_group",
        {"profiling_group_name": GROUP, "agent_orchestration_config": {"profilingEnabled": True}},
        "agent_orchestration_config", "type", "expected AgentOrchestrationConfig, got dict"),
    Bad("dict-in-list-of-structs", "support", "add_attachments_to_set",
        {"attachments": [{"fileName": "a.txt", "data": b"x"}]},
        "attachments[0]", "type", "expected Attachment, got dict"),
    Bad("nested-member-type", "support", "add_attachments_to_set",
        {"attachments": [s.Attachment(file_name="a.txt"), s.Attachment(file_name=7)]},  # type: ignore[arg-type]
        "attachments[1].file_name", "type", "expected str, got int"),
    Bad("str-for-blob", "support", "add_attachments_to_set",
        {"attachments": [s.Attachment(file_name="a.txt", data="aGVsbG8=")]},  # type: ignore[arg-type]
        "attachments[0].data", "type", "expected bytes, got str"),
    Bad("none-list-item", "support", "describe_cases", {"case_id_list": ["a", None]},
        "case_id_list[1]", "type", "list items cannot be None"),
    Bad("nested-list-item", "codeguru", "add_notification_channels",
        {"profiling_group_name": GROUP,
         "channels": [c.Channel(uri="u", event_publishers=[1])]},  # type: ignore[list-item]
        "channels[0].event_publishers[0]", "type", "expected str, got int"),
    Bad("map-value", "codeguru", "tag_resource", {"resource_arn": "arn", "tags": {"k": 5}},
        "tags['k']", "type", "expected str, got int"),
    Bad("list-for-map", "codeguru", "tag_resource", {"resource_arn": "arn", "tags": [("k", "v")]},
        "tags", "type", "expected a mapping, got list"),
    Bad("enum-type", "codeguru", "submit_feedback",
        {"profiling_group_name": GROUP, "anomaly_instance_id": CHANNEL_ID, "type": 1},
        "type", "type", "expected str, got int"),
    Bad("str-for-datetime", "codeguru", "list_profile_times",
        times(start_time="2024-01-01T00:00:00Z", period="PT5M"),
        "start_time", "type", "expected datetime, got str"),
    Bad("str-for-blob-payload", "codeguru", "post_agent_profile",
        {"profiling_group_name": GROUP, "agent_profile": "{}", "content_type": "application/json"},
        "agent_profile", "type", "expected bytes, got str"),
    # lengths
    Bad("min-length", "support", "create_case", {"subject": "s", "communication_body": ""},
        "communication_body", "min", "length 0 is less than the minimum 1"),
    Bad("max-length", "support", "create_case", {"subject": "s", "communication_body": "x" * 8001},
        "communication_body", "max", "length 8001 is more than the maximum 8000"),
    Bad("min-length-9", "support", "describe_supported_languages",
        {"service_code": "ec2", "category_code": "other", "issue_type": "tech"},
        "issue_type", "min", "length 4 is less than the minimum 9"),
    Bad("max-length-label", "codeguru", "get_policy", {"profiling_group_name": "g" * 256},
        "profiling_group_name", "max", "length 256 is more than the maximum 255"),
    # numeric ranges
    Bad("below-range", "support", "describe_cases", {"max_results": 9},
        "max_results", "min", "9 is less than the minimum 10"),
    Bad("above-range", "support", "describe_communications", {"case_id": "c", "max_results": 101},
        "max_results", "max", "101 is more than the maximum 100"),
    Bad("above-range-query", "codeguru", "get_profile",
        {"profiling_group_name": GROUP, "max_depth": 10001},
        "max_depth", "max", "10001 is more than the maximum 10000"),
    Bad("zero-max-results", "codeguru", "list_profiling_groups", {"max_results": 0},
        "max_results", "min", "0 is less than the minimum 1"),
    # list sizes
    Bad("list-too-long", "support", "describe_cases", {"case_id_list": ["c"] * 200},
        "case_id_list", "max", "200 items is more than the maximum 100"),
    Bad("cc-too-long", "support", "create_case",
        {"subject": "s", "communication_body": "b", "cc_email_addresses": ["a@b.c"] * 11},
        "cc_email_addresses", "max", "11 items is more than the maximum 10"),
    Bad("list-too-short", "codeguru", "add_notification_channels",
        {"profiling_group_name": GROUP, "channels": []},
        "channels", "min", "0 items is less than the minimum 1"),
    Bad("principals-too-long", "codeguru", "put_permission",
        {"profiling_group_name": GROUP, "action_group": "agentPermissions",
         "principals": ["p"] * 51},
        "principals", "max", "51 items is more than the maximum 50"),
    # patterns
    Bad("pattern", "codeguru", "create_profiling_group", {"profiling_group_name": "bad name!"},
        "profiling_group_name", "pattern", f"'bad name!' does not match the pattern {PATTERN}"),
    Bad("pattern-token", "codeguru", "create_profiling_group",
        {"profiling_group_name": GROUP, "client_token": "a b"},
        "client_token", "pattern", f"'a b' does not match the pattern {PATTERN}"),
    Bad("pattern-uuid", "codeguru", "remove_notification_channel",
        {"profiling_group_name": GROUP, "channel_id": "not-a-uuid"},
        "channel_id", "pattern",
        "'not-a-uuid' does not match the pattern "
        "'[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}'"),
    Bad("pattern-dotdot-label", "codeguru", "delete_profiling_group",
        {"profiling_group_name": ".."},
        "profiling_group_name", "pattern", f"'..' does not match the pattern {PATTERN}"),
    # timezone
    Bad("naive-datetime", "codeguru", "list_profile_times",
        times(start_time=datetime(2024, 1, 1), period="PT5M"),
        "start_time", "timezone",
        "naive datetimes are ambiguous; pass an aware one, e.g. datetime.now(UTC)"),
    Bad("naive-datetime-query", "codeguru", "get_profile",
        {"profiling_group_name": GROUP, "end_time": datetime(2024, 1, 1, 12)},
        "end_time", "timezone",
        "naive datetimes are ambiguous; pass an aware one, e.g. datetime.now(UTC)"),
    # header injection
    Bad("crlf-header", "codeguru", "get_profile",
        {"profiling_group_name": GROUP, "accept": "text/plain\r\nX-Evil: 1"},
        "accept", "header",
        "header values must be visible ASCII, space or tab; '\\r' at index 10 is not"),
    Bad("lf-header", "codeguru", "post_agent_profile",
        {"profiling_group_name": GROUP, "agent_profile": b"{}",
         "content_type": "application/json\nX-Evil: 1"},
        "content_type", "header",
        "header values must be visible ASCII, space or tab; '\\n' at index 16 is not"),
    Bad("nul-header", "codeguru", "get_profile",
        {"profiling_group_name": GROUP, "accept": "a\x00b"},
        "accept", "header",
        "header values must be visible ASCII, space or tab; '\\x00' at index 1 is not"),
    Bad("non-ascii-header", "codeguru", "get_profile",
        {"profiling_group_name": GROUP, "accept": "application/jsoné"},
        "accept", "header",
        "header values must be visible ASCII, space or tab; 'é' at index 16 is not"),
    Bad("del-header", "codeguru", "get_profile",
        {"profiling_group_name": GROUP, "accept": "a\x7fb"},
        "accept", "header",
        "header values must be visible ASCII, space or tab; '\\x7f' at index 1 is not"),
    # URI labels that would change the path
    Bad("empty-label", "codeguru", "list_tags_for_resource", {"resource_arn": ""},
        "resource_arn", "label", "'' is not allowed in a URI path segment"),
    Bad("dot-label", "codeguru", "list_tags_for_resource", {"resource_arn": "."},
        "resource_arn", "label", "'.' is not allowed in a URI path segment"),
    Bad("dotdot-label", "codeguru", "tag_resource", {"resource_arn": "..", "tags": {}},
        "resource_arn", "label", "'..' is not allowed in a URI path segment"),
    Bad("dotdot-enum-label", "codeguru", "remove_permission",
        {"profiling_group_name": GROUP, "action_group": "..", "revision_id": CHANNEL_ID},
        "action_group", "label", "'..' is not allowed in a URI path segment"),
]


@pytest.mark.anyio
@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
async def test_invalid_input_is_refused_before_any_request(case: Bad) -> None:
    script = Script(json_reply({}))
    opener = support if case.service == "support" else codeguru
    async with opener(script) as client:
        with pytest.raises(awsmith.ParamValidationError) as info:
            await getattr(client, case.method)(**case.kwargs)
        assert client.endpoint is None  # not even the endpoint was resolved
    assert script.requests == []
    err = info.value
    assert isinstance(err, ValueError) and isinstance(err, awsmith.AwsmithError)
    assert (err.field, err.rule, err.detail) == (case.field, case.rule, case.detail)
    operation = "".join(word.capitalize() for word in case.method.split("_"))
    assert err.operation_name == operation
    assert str(err) == (
        f"Invalid value for {case.field!r}: {case.detail} (when calling the {operation} operation)"
    )


@pytest.mark.anyio
async def test_exact_message_for_too_many_case_ids() -> None:
    script = Script(json_reply({}))
    async with support(script) as client:
        with pytest.raises(awsmith.ParamValidationError) as info:
            await client.describe_cases(case_id_list=[f"case-{i}" for i in range(200)])
    assert str(info.value) == (
        "Invalid value for 'case_id_list': 200 items is more than the maximum 100 "
        "(when calling the DescribeCases operation)"
    )
    assert script.requests == []


@pytest.mark.anyio
async def test_valid_boundaries_are_accepted() -> None:
    script = Script(json_reply({}))
    async with support(script) as client:
        await client.describe_cases(case_id_list=["c"] * 100, max_results=100)
        await client.describe_cases(max_results=10, case_id_list=[])
        await client.create_case(subject="s", communication_body="x" * 8000)
    assert len(script.requests) == 3


@pytest.mark.anyio
async def test_slash_and_reserved_characters_in_labels_are_encoded_not_refused() -> None:
    script = Script(json_reply({"tags": {}}))
    async with codeguru(script) as client:
        await client.list_tags_for_resource(resource_arn="../x/../../admin?q=1#f")
    assert script.request.url.raw_path == b"/tags/..%2Fx%2F..%2F..%2Fadmin%3Fq%3D1%23f"


@pytest.mark.anyio
async def test_unknown_enum_strings_are_sent_as_given() -> None:
    script = Script(httpx.Response(204))
    async with codeguru(script) as client:
        await client.submit_feedback(
            profiling_group_name=GROUP, anomaly_instance_id=CHANNEL_ID, type="Meh"  # type: ignore[arg-type]
        )
    assert script.request.content == b'{"type":"Meh"}'



@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("pg-1_a", True),
        ("pg\n", False),  # Python's $ would match before a final newline
        ("ĔŉĘ", False),  # the service's \w is ASCII-only
        ("pg 1", False),
    ],
)
def test_patterns_have_the_services_semantics(name: str, ok: bool) -> None:
    from awsmith.codeguruprofiler import _serde
    from awsmith.codeguruprofiler.shapes import DescribeProfilingGroupRequest

    request = DescribeProfilingGroupRequest(profiling_group_name=name)
    if ok:
        _serde.DESCRIBE_PROFILING_GROUP.validate(request)
    else:
        with pytest.raises(awsmith.ParamValidationError) as info:
            _serde.DESCRIBE_PROFILING_GROUP.validate(request)
        assert info.value.rule == "pattern"
        assert info.value.detail == f"{name!r} does not match the pattern '^[\\\\w-]+$'"
