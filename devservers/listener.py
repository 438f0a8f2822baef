"""The loopback listener the local servers share: the test kit's
(:mod:`awsmith.testing._listener`)."""

from awsmith.testing._listener import Listener

__all__ = ["Listener"]
