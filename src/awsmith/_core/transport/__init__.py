"""Getting a signed request to the service and its response back.

* :mod:`.http`: what a sender takes and gives back (``HttpSender``, ``TransportResponse``,
  ``Timeouts``), shared by both senders;
* :mod:`.http1`: awsmith's own HTTP/1.1 sender (asyncio), a package by job: the
  connection pool, one connection and its exchange, a streamed response body, opening
  a connection (proxies, the ``CONNECT`` tunnel), the request head;
* :mod:`.httpx_sender`: the sender over an ``httpx.AsyncClient`` (a caller's, or the one
  awsmith makes under trio);
* :mod:`.proxy`: which forward proxy an origin goes through;
* :mod:`.tls`: the TLS contexts and the CA bundles they trust.
"""
