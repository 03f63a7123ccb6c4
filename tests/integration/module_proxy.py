"""A private Go module proxy for tests: HTTPS on 127.0.0.1 (the go command sends
credentials over HTTPS only) with HTTP basic authentication, serving modules made in the
test; 404 for anything else so the go command goes on to the next proxy."""
from __future__ import annotations

import base64
import contextlib
import http.server
import io
import json
import ssl
import subprocess
import threading
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator


@dataclass(frozen=True)
class TestCA:
    ca_cert: Path  # trust this
    cert: Path  # the server's (for 127.0.0.1), signed by the CA
    key: Path


def make_ca(directory: Path) -> TestCA:
    """A CA and a server certificate for IP 127.0.0.1, with openssl."""
    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)
    d = directory
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(d / "ca.key"), "-out", str(d / "ca.crt"),
            "-days", "2", "-subj", "/CN=funcpacks test module proxy CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(d / "server.key"), "-out", str(d / "server.csr"),
            "-subj", "/CN=127.0.0.1")
    (d / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\n"
                               "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n"
                               "authorityKeyIdentifier=keyid\nsubjectKeyIdentifier=hash\n")
    openssl("x509", "-req", "-in", str(d / "server.csr"), "-CA", str(d / "ca.crt"), "-CAkey", str(d / "ca.key"),
            "-CAcreateserial", "-out", str(d / "server.crt"), "-days", "2", "-extfile", str(d / "ext.cnf"))
    return TestCA(d / "ca.crt", d / "server.crt", d / "server.key")


@dataclass
class Module:
    path: str
    version: str
    files: dict[str, str]  # name in the module -> content (go.mod among them)

    def zip_bytes(self) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            for name, text in sorted(self.files.items()):
                zf.writestr(f"{self.path}@{self.version}/{name}", text)
        return buf.getvalue()


@dataclass
class Requests:
    """What the proxy was asked: (path, authenticated) in order."""
    seen: list[tuple[str, bool]] = field(default_factory=list)


@contextlib.contextmanager
def serving_modules(modules: list[Module], user: str, password: str, ca: TestCA) -> Iterator[tuple[int, Requests]]:
    expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
    routes: dict[str, tuple[bytes, str]] = {}
    for m in modules:
        base = f"/{m.path}/@v/"
        routes[base + "list"] = (f"{m.version}\n".encode(), "text/plain")
        routes[base + f"{m.version}.info"] = (json.dumps({"Version": m.version, "Time": "2026-01-01T00:00:00Z"}).encode(),
                                              "application/json")
        routes[base + f"{m.version}.mod"] = (m.files["go.mod"].encode(), "text/plain")
        routes[base + f"{m.version}.zip"] = (m.zip_bytes(), "application/zip")
    requests = Requests()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            authenticated = self.headers.get("Authorization", "") == expected
            requests.seen.append((self.path, authenticated))
            if not authenticated:
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="modules"')
                self.end_headers()
                return
            body, ctype = routes.get(self.path, (b"", ""))
            self.send_response(200 if ctype else 404)
            if ctype:
                self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(ca.cert), str(ca.key))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1], requests
    finally:
        server.shutdown()
