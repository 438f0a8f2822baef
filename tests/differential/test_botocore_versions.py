"""What the installed botocore can be compared on: a test that compares with botocore
must hold on every version awsmith supports (pyproject's lower bound, 1.29.61, which
``make test-botocore-min`` runs tests/differential on, to the newest).

The differential tests compare only what both botocore's bundled models and ours have
(strategies.Lacking). What the installed botocore lacks must be what its version is
known to lack, so that a comparison is never dropped silently: a model file botocore
failed to load, or an operation renamed in ours, fails here.
"""

from __future__ import annotations

import pytest

from tests.differential import strategies as S


@pytest.mark.parametrize("service", S.SERVICES)
def test_the_installed_botocore_lacks_what_its_version_lacks(service: str) -> None:
    assert S.botocore_lacks(service) in S.expected_lacking(service, S.BOTOCORE)


def test_the_lowest_supported_botocore_lacks_six_support_operations() -> None:
    """The table at botocore 1.29.61, the version `make test-botocore-min` installs:
    what the comparisons leave out there."""
    [support] = S.expected_lacking("support", (1, 29, 61))
    assert support.operations == {
        "CompleteAttachmentUpload",
        "DescribeAttachmentUploadStatus",
        "DescribeCreateCaseOptions",
        "DescribeSupportedLanguages",
        "GetAttachmentDownloadLink",
        "GetAttachmentUploadLinks",
    }
    assert support.errors == {"DryRunOperationException", "ThrottlingException", "UploadIdNotFound"}
    assert len(support.members) == 12
    assert S.expected_lacking("codeguruprofiler", (1, 29, 61)) == (S.Lacking(),)


def test_every_operation_is_compared_from_botocore_1_43_127() -> None:
    for service in S.SERVICES:
        assert S.expected_lacking(service, (1, 43, 127)) == (S.Lacking(),)
