"""A profile key given a nested section (``key =`` followed by indented ``a = b``
lines) where a plain value belongs: botocore's parser makes it a dict. awsmith refuses
it with a ``ConfigurationError`` naming the key, where botocore crashes (``services``)
or reads a part of it (``sdk_ua_app_id``: ``app/a``). Found by the outside review of
issue 25."""

from __future__ import annotations

import pytest

import awsmith
from tests.config.helpers import AwsFiles, awsmith_sends, botocore_sends

SERVICE = "codeguruprofiler"


def test_a_nested_services_value_is_a_configuration_error(aws: AwsFiles) -> None:
    aws.write("[default]\nregion = us-east-1\nservices =\n  a = b\n")
    with pytest.raises(TypeError):  # botocore: unhashable type: 'dict'
        botocore_sends(SERVICE)
    with pytest.raises(awsmith.ConfigurationError) as raised:
        awsmith_sends(SERVICE)
    assert str(raised.value) == (
        "the profile's services must name a [services name] section, got {'a': 'b'}"
    )


def test_a_nested_app_id_is_refused_naming_the_key(aws: AwsFiles) -> None:
    """Where awsmith differs: botocore sends ``app/a`` (a part of the section)."""
    aws.write("[default]\nregion = us-east-1\nsdk_ua_app_id =\n  a = b\n")
    boto_ua = botocore_sends(SERVICE).header("User-Agent") or ""
    assert boto_ua.rsplit(" app/", 1)[1] == "a"
    with pytest.raises(awsmith.ConfigurationError) as raised:
        awsmith_sends(SERVICE)
    assert str(raised.value) == "the profile's sdk_ua_app_id must be a text, got {'a': 'b'}"
