"""AWS on a moto server in this process, with the stack `make local-aws` creates: for the
tests and benchmarks that need real HTTP to AWS (connections, separate processes)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import urllib3


@contextmanager
def moto_stack(**stack_options: str) -> Iterator[tuple[str, dict[str, str]]]:
    """(endpoint URL, what create_local_stack returned: queue URLs, table, secret ids)."""
    from moto.server import ThreadedMotoServer
    from werkzeug.serving import WSGIRequestHandler

    from pushbridge_dev.devtools.local_aws import create_local_stack

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log
    # The development server writes headers and body apart: with Nagle on, every AWS call
    # would stall ~40 ms on the client's delayed ACK (AWS endpoints do not).
    WSGIRequestHandler.disable_nagle_algorithm = True
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        # moto's backends are global to the process: without a reset, a queue would still hold
        # what an earlier test left in it.
        urllib3.request("POST", f"{endpoint}/moto-api/reset")
        yield endpoint, create_local_stack(endpoint, **stack_options)
    finally:
        server.stop()
