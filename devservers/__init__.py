"""Local servers for the demo and the integration tests (loopback only, no AWS account).

- :mod:`devservers.moto_server`: moto's server in a subprocess, for AWS Support.
- :mod:`devservers.codeguru_stub`: an in-memory CodeGuru Profiler server in a thread.
"""
