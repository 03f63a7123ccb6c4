"""Small HTTP servers on 127.0.0.1 for tests and benchmarks: a file server that records
what was asked (a feed mirror), and the runner under it."""
from __future__ import annotations

import contextlib
import http.server
import threading
from pathlib import Path
from typing import Iterator


@contextlib.contextmanager
def serving(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[int]:
    """Runs a threaded HTTP server on 127.0.0.1 (a free port) while the block runs."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()


@contextlib.contextmanager
def file_server(directory: Path) -> Iterator[tuple[int, list[str]]]:
    """Serves directory's files and records each requested path. Yields (port, paths)."""
    seen: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(directory), **kwargs)

        def do_GET(self):  # noqa: N802
            seen.append(self.path)
            super().do_GET()

        def log_message(self, *args):
            pass

    with serving(Handler) as port:
        yield port, seen
