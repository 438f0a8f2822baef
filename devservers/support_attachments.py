"""The Support attachment fake: the test kit's (:mod:`awsmith.testing.support_attachments`)."""

from awsmith.testing.support_attachments import *  # noqa: F403
from awsmith.testing.support_attachments import __all__ as __all__
