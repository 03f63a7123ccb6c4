"""The go command's build cache for a build (GOCACHEPROG, Go >= 1.24): the cache layer, in
the go command's own layout, over the builder's seed, read in place.

    GOCACHEPROG="python3 -I -S -B cacheprog.py <layer> [<seed build cache>...]"

The go command starts this program per command and asks it for each action ("get": the
output recorded under an action ID, as a file path) and gives it what it compiled ("put").
A get is answered from the layer, else from the first seed that has the action; a put is
written to the layer. The files are exactly those a go command without GOCACHEPROG would
read and write in GOCACHE (<2 hex digits>/<id>-a holds "v1 <action> <output> <size>
<time>", <id>-d the output), so the layer stays readable by toolchains that ignore
GOCACHEPROG, and build_cache_layer's trim and seal work on it unchanged. A seed is never
written to, and costs nothing to use: no file is created for what a build reads from it.
This is why the seed is not linked into the layer entry by entry: on a slow disk a link
costs as much as a small file.

Checks, as the go command's own: an action file of the wrong size or shape, an output of a
size other than recorded, is a miss. A layer entry used is marked by its mtime, as the go
command marks one (only when it is more than an hour old); build_cache_layer reads the marks.

Run as a script with the standard library only: it starts once per go command.
"""
from __future__ import annotations

import base64
import json
import os
import sys
import time

ENTRY_SIZE = 2 + 1 + 64 + 1 + 64 + 1 + 20 + 1 + 20 + 1
MARK_INTERVAL = 3600  # seconds, the go command's mtimeInterval
TMP_MARK = ".tmp-"  # <entry>.tmp-<pid>: being written (build_cache_layer drops any a killed program left)


def _name(root: str, hex_id: str, suffix: str) -> str:
    return os.path.join(root, hex_id[:2], f"{hex_id}-{suffix}")


def _entry(root: str, action: str) -> tuple[str, int] | None:
    """(output ID, size) recorded for the action in root, or None."""
    try:
        with open(_name(root, action, "a"), "rb") as f:
            data = f.read(ENTRY_SIZE + 1)
    except OSError:
        return None
    if len(data) != ENTRY_SIZE or not data.startswith(b"v1 ") or data[-1:] != b"\n":
        return None
    fields = data[3:-1].split()
    if len(fields) != 4 or fields[0].decode("ascii", "replace") != action:
        return None
    try:
        output, size = fields[1].decode("ascii"), int(fields[2])
        bytes.fromhex(output)
    except ValueError:
        return None
    return (output, size) if len(output) == 64 and size >= 0 else None


def _mark(path: str, now: float) -> None:
    try:
        if now - os.stat(path).st_mtime >= MARK_INTERVAL:
            os.utime(path, (now, now))
    except OSError:
        pass


class Cache:
    def __init__(self, layer: str, seeds: list[str]) -> None:
        self.layer = layer
        self.seeds = seeds

    def get(self, action: str) -> dict:
        for root in (self.layer, *self.seeds):
            found = _entry(root, action)
            if found is None:
                continue
            output, size = found
            path = _name(root, output, "d")
            try:
                if os.stat(path).st_size != size:
                    continue
            except OSError:
                continue
            if root == self.layer:
                now = time.time()
                _mark(_name(root, action, "a"), now)
                _mark(path, now)
            return {"OutputID": base64.b64encode(bytes.fromhex(output)).decode(), "Size": size,
                    "DiskPath": os.path.abspath(path)}
        return {"Miss": True}

    def put(self, action: str, output: str, body: bytes) -> dict:
        path = _name(self.layer, output, "d")
        if not _same(path, output, len(body)):
            _write(path, body)
        entry = f"v1 {action} {output} {len(body):20d} {time.time_ns():20d}\n".encode()
        _write(_name(self.layer, action, "a"), entry)
        return {"DiskPath": os.path.abspath(path)}


def _same(path: str, output: str, size: int) -> bool:
    """Whether path already holds the output (its sha256 is the output ID)."""
    try:
        if os.stat(path).st_size != size:
            return False
        import hashlib
        with open(path, "rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest() == output
    except OSError:
        return False


def _write(path: str, data: bytes) -> None:
    """Whole or not at all: a go command killed half-way leaves no short entry."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}{TMP_MARK}{os.getpid()}"
    try:
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)


def _next_line(stdin) -> bytes:
    """The next line that is not empty (the go command ends each request with an empty line)."""
    for line in stdin:
        if line.strip():
            return line
    raise EOFError("the go command closed the cache program's input in the middle of a put")


def serve(cache: Cache, stdin, stdout) -> None:
    def send(response: dict) -> None:
        stdout.write(json.dumps(response).encode() + b"\n")
        stdout.flush()

    send({"ID": 0, "KnownCommands": ["get", "put", "close"]})
    for line in stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        rid, command = req.get("ID", 0), req.get("Command")
        body = b""
        if command == "put" and req.get("BodySize", 0) > 0:
            body = base64.b64decode(json.loads(_next_line(stdin)))
        try:
            if command == "get":
                response = cache.get(base64.b64decode(req["ActionID"]).hex())
            elif command == "put":
                response = cache.put(base64.b64decode(req["ActionID"]).hex(),
                                     base64.b64decode(req["OutputID"]).hex(), body)
            elif command == "close":
                send({"ID": rid})
                return
            else:
                response = {"Err": f"unknown command {command!r}"}
        except OSError as exc:  # the go command treats a failed get as a miss, a failed put as not cached
            response = {"Err": f"build cache: {exc}"}
        send({"ID": rid, **response})


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    serve(Cache(argv[0], argv[1:]), sys.stdin.buffer, sys.stdout.buffer)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
