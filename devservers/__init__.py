"""Local servers for the demo and the integration tests (loopback only, no AWS account).

- :mod:`devservers.moto_server`: moto's server in a subprocess, for AWS Support.
- :mod:`devservers.codeguru_stub`: an in-memory CodeGuru Profiler server in a thread.
- :mod:`devservers.support_attachments`: Support's attachment upload workflow, which
  moto lacks, over moto's S3 server (through :mod:`devservers.s3_gate`, which checks
  presigned requests and injects faults).
- :mod:`devservers.fault_server`, :mod:`devservers.forward_proxy`,
  :mod:`devservers.web_server`: a scripted server, tinyproxy and nginx for the
  transport tests; :mod:`devservers.listener` and :mod:`devservers.sigv4`: what the
  servers share.
"""
