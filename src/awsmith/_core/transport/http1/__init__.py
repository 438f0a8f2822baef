"""awsmith's own HTTP/1.1 client for asyncio: the default sender.

AWS endpoints speak HTTP/1.1 with keep-alive, and API calls read whole bodies. For
exactly that, a protocol object per connection and a small pool cost about half of
aiohttp's client CPU per call (see docs/performance.md, "Choosing the transport"): no
per-request tracing hooks, cookie jar, stream reader or timer per read. Responses are
parsed by llhttp (Node.js's parser) through ``httptools``; TLS is asyncio's. Transfers
to presigned URLs (``stream()``) use the same connections with their bodies streamed
both ways (see :mod:`awsmith._core.transport.http`).

What it does, and no more, and where:

* :mod:`.pool` (:class:`ConnectionPool`, the sender): one request at a time per
  connection, connections kept alive and reused (newest first) up to
  ``max_connections`` per client; beyond that callers wait in line, and a released
  connection (or a freed slot) goes to the longest waiter, never to a caller who came
  later. An idle connection is dropped after ``idle_timeout`` seconds, and checked for
  a close from the server (or stray bytes) before it is reused. A request that meets a
  kept-alive connection the server closed before any byte of a response arrived is
  sent once more on a new connection only when the caller says it is safe to repeat
  (``resend=True``: a safe method, or an idempotency token in the request; RFC 9112
  section 9.3.1.1). Anything else fails with a retryable
  :class:`~awsmith._core.errors.ConnectionFailedError`, and the retry policy decides,
  counting an attempt;
* :mod:`.connection`: one connection and the exchange on it. A connect timeout, and
  a read timeout measured from the last progress in either direction (a chunk handed
  to the socket or a byte read), so an upload the server reads slowly is not cut short
  while the socket keeps taking chunks (bytes the kernel has taken but not sent are
  not tracked, so a link that needs longer than the read timeout to drain the socket's
  send buffer can still time out an upload); TCP keepalive if asked. A streamed
  request body (:class:`~awsmith._core.transport.http.StreamBody`) written chunk by
  chunk as the socket takes it. Content-length, chunked and close-delimited bodies,
  never decoded; interim 1xx responses skipped; a body larger than ``max_body``
  refused while it arrives, and a response head past its limits (bytes in all, fields,
  bytes in one field) refused while it arrives too, before llhttp has buffered more
  than one read of it;
* :mod:`.body`: a streamed response body queued as it arrives, reading from the
  socket paused while more than ``_STREAM_HIGH_WATER`` bytes wait unread (so memory
  does not grow with the body, whichever side is slower); each wait for a chunk of it
  is bounded by the read timeout;
* :mod:`.connect`: forward proxies (:mod:`awsmith._core.transport.proxy` picks one per
  origin): an http origin is sent to the proxy in absolute form, an https one through
  a ``CONNECT`` tunnel and then TLS with the origin (its name checked as without a
  proxy); the proxy itself may be spoken to over TLS (``https://`` proxy URL). A proxy
  that refuses (a non-2xx answer to ``CONNECT``, or 407) is a ``ConnectionFailedError``
  naming it, never its password;
* :mod:`.wire`: a URL's origin, parsed once, and the request head written for it
  (a line break in a header or the path refused);
* no redirects, no cookies (a caller who needs them passes an ``httpx.AsyncClient``).
"""

from awsmith._core.transport.http1.pool import ConnectionPool

__all__ = ["ConnectionPool"]
