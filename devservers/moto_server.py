"""moto's server in a subprocess: the test kit's (:mod:`awsmith.testing.moto_server`)."""

from awsmith.testing.moto_server import *  # noqa: F403
from awsmith.testing.moto_server import __all__ as __all__
