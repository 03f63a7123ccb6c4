"""go_buildpack/cacheprog.py, spoken to as the go command speaks to a GOCACHEPROG: one JSON
request per line, each followed by an empty line, a put's body as a base64 JSON string on
the line after that (cmd/go/internal/cache/prog.go)."""
from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from funcpacks_dev.versions import ROOT

PROG = ROOT / "buildpacks" / "go" / "go_buildpack" / "cacheprog.py"
ENTRY_SIZE = 175  # cmd/go/internal/cache: "v1 <64 hex> <64 hex> <%20d size> <%20d time>\n"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _request(rid: int, command: str, action: bytes = b"", body: bytes | None = None) -> bytes:
    req: dict = {"ID": rid, "Command": command}
    if action:
        req["ActionID"] = _b64(action)
    text = json.dumps(req).encode() + b"\n\n"
    if body is not None:
        req["OutputID"] = _b64(hashlib.sha256(body).digest())
        if body:
            req["BodySize"] = len(body)
        text = json.dumps(req).encode() + b"\n\n"
        if body:
            text += b'"' + base64.b64encode(body) + b'"\n'
    return text


def _talk(layer: Path, *seeds: Path, requests: bytes) -> list[dict]:
    proc = subprocess.run([sys.executable, "-I", "-S", "-B", str(PROG), str(layer), *map(str, seeds)],
                          input=requests, capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr.decode()
    return [json.loads(line) for line in proc.stdout.splitlines()]


def _go_entry(root: Path, action: bytes, body: bytes) -> tuple[Path, Path]:
    """An entry as the go command's own cache writes it."""
    out = hashlib.sha256(body).hexdigest()
    a = root / action.hex()[:2] / f"{action.hex()}-a"
    d = root / out[:2] / f"{out}-d"
    for path in (a, d):
        path.parent.mkdir(parents=True, exist_ok=True)
    a.write_bytes(f"v1 {action.hex()} {out} {len(body):20d} {time.time_ns():20d}\n".encode())
    d.write_bytes(body)
    return a, d


ACTION = hashlib.sha256(b"compile example.com/fn").digest()
OTHER = hashlib.sha256(b"compile example.com/other").digest()


def test_it_announces_its_commands_and_answers_a_miss_and_close(tmp_path):
    responses = _talk(tmp_path / "layer", requests=_request(1, "get", ACTION) + _request(2, "close"))
    assert responses[0] == {"ID": 0, "KnownCommands": ["get", "put", "close"]}
    assert responses[1] == {"ID": 1, "Miss": True}
    assert responses[2] == {"ID": 2}


def test_a_put_is_written_in_the_go_commands_own_layout_and_found_again(tmp_path):
    layer = tmp_path / "layer"
    body = b"!<arch>\n" + os.urandom(5000)
    responses = _talk(layer, requests=_request(1, "put", ACTION, body) + _request(2, "put", OTHER, b"")
                      + _request(3, "get", ACTION) + _request(4, "get", OTHER) + _request(5, "close"))
    out = hashlib.sha256(body).hexdigest()
    output_file = layer / out[:2] / f"{out}-d"
    assert responses[1] == {"ID": 1, "DiskPath": str(output_file)}
    assert output_file.read_bytes() == body
    entry = (layer / ACTION.hex()[:2] / f"{ACTION.hex()}-a").read_bytes()
    assert len(entry) == ENTRY_SIZE and entry.startswith(f"v1 {ACTION.hex()} {out} ".encode())
    assert int(entry.split()[3]) == len(body)
    assert responses[3] == {"ID": 3, "OutputID": _b64(bytes.fromhex(out)), "Size": len(body),
                            "DiskPath": str(output_file)}
    empty = hashlib.sha256(b"").hexdigest()
    assert responses[4]["Size"] == 0 and responses[4]["DiskPath"].endswith(f"{empty}-d")
    assert not list(layer.rglob("*.tmp-*"))


def test_the_seed_is_read_in_place_and_the_layer_comes_first(tmp_path):
    layer, seed = tmp_path / "layer", tmp_path / "seed"
    _, seed_output = _go_entry(seed, ACTION, b"from the seed")
    _go_entry(seed, OTHER, b"the seed's other")
    _, layer_output = _go_entry(layer, OTHER, b"the layer's other")
    files_before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    responses = _talk(layer, seed, requests=_request(1, "get", ACTION) + _request(2, "get", OTHER)
                      + _request(3, "close"))
    assert responses[1]["DiskPath"] == str(seed_output) and responses[1]["Size"] == len(b"from the seed")
    assert responses[2]["DiskPath"] == str(layer_output)
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == files_before  # nothing written


def test_damaged_entries_are_misses_as_in_the_go_command(tmp_path):
    layer, seed = tmp_path / "layer", tmp_path / "seed"
    action_file, output_file = _go_entry(layer, ACTION, b"compiled package")
    os.truncate(output_file, 4)  # an output shorter than recorded: the seed's copy is used
    _, seed_output = _go_entry(seed, ACTION, b"compiled package")
    bad_action, _ = _go_entry(layer, OTHER, b"x")
    bad_action.write_bytes(bad_action.read_bytes()[:-10])  # an action file cut short
    responses = _talk(layer, seed, requests=_request(1, "get", ACTION) + _request(2, "get", OTHER)
                      + _request(3, "close"))
    assert responses[1]["DiskPath"] == str(seed_output)
    assert responses[2] == {"ID": 2, "Miss": True}
    assert action_file.exists()


def test_a_layer_entry_used_is_marked_as_the_go_command_marks_it(tmp_path):
    """build_cache_layer trims by these marks: an entry used gets a fresh mtime when its
    mtime is more than an hour old; the seed's are never touched."""
    layer, seed = tmp_path / "layer", tmp_path / "seed"
    two_hours_ago = time.time() - 7200
    marked = _go_entry(layer, ACTION, b"used")
    unused = _go_entry(layer, OTHER, b"not used")
    seed_files = _go_entry(seed, hashlib.sha256(b"std").digest(), b"std package")
    for path in (*marked, *unused, *seed_files):
        os.utime(path, (two_hours_ago, two_hours_ago))
    _talk(layer, seed, requests=_request(1, "get", ACTION) + _request(2, "get", hashlib.sha256(b"std").digest())
          + _request(3, "close"))
    assert all(p.stat().st_mtime > time.time() - 60 for p in marked)
    assert all(p.stat().st_mtime == two_hours_ago for p in (*unused, *seed_files))
