"""Verified downloads and the mirror mapping (BP_DEPENDENCY_MIRROR convention)."""
from __future__ import annotations

import functools
import hashlib
import http.server
import threading

import pytest

from funcpacks.download import Mirrors, fetch, fetch_bytes
from funcpacks.errors import UserError

OFFICIAL = "https://builds.dotnet.microsoft.com/dotnet/Sdk/10.0.401/sdk.tar.gz"


def test_mirror_default_replaces_scheme_and_host_keeps_path():
    m = Mirrors.from_env({"BP_DEPENDENCY_MIRROR": "file:///srv/mirror/"})
    assert m.map(OFFICIAL) == "file:///srv/mirror/dotnet/Sdk/10.0.401/sdk.tar.gz"


def test_mirror_per_host_wins_and_original_host_placeholder():
    m = Mirrors.from_env({
        "BP_DEPENDENCY_MIRROR": "https://all.example",
        "BP_DEPENDENCY_MIRROR_BUILDS_DOTNET_MICROSOFT_COM": "http://127.0.0.1:9/{originalHost}",
    })
    assert m.map(OFFICIAL) == "http://127.0.0.1:9/builds.dotnet.microsoft.com/dotnet/Sdk/10.0.401/sdk.tar.gz"
    assert m.map("https://proxy.golang.org/x") == "https://all.example/x"
    assert m.map("file:///local/x") == "file:///local/x"


def test_mirror_from_binding(tmp_path):
    b = tmp_path / "mirror"
    b.mkdir()
    (b / "type").write_text("dependency-mirror")
    (b / "default").write_text("https://mirror.internal")
    (b / "proxy.golang.org").write_text("https://goproxy.internal")
    m = Mirrors.from_env({"SERVICE_BINDING_ROOT": str(tmp_path)})
    assert m.map("https://proxy.golang.org/a/@v/list") == "https://goproxy.internal/a/@v/list"
    assert m.map(OFFICIAL).startswith("https://mirror.internal/dotnet/")


def test_fetch_verifies_and_leaves_nothing_on_mismatch(tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(b"payload")
    good = hashlib.sha512(b"payload").hexdigest()
    dest = tmp_path / "out" / "f.bin"
    fetch(src.as_uri(), dest, checksum=good, algorithm="sha512")
    assert dest.read_bytes() == b"payload"
    dest2 = tmp_path / "out" / "g.bin"
    with pytest.raises(UserError) as err:
        fetch(src.as_uri(), dest2, checksum="00" * 64, algorithm="sha512")
    assert "checksum mismatch" in err.value.what
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["f.bin"]


@pytest.fixture
def http_dir(tmp_path):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *a: None  # type: ignore[assignment]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_fetch_over_http_through_a_mirror(http_dir, tmp_path):
    root, base = http_dir
    (root / "dotnet").mkdir()
    (root / "dotnet" / "index.json").write_text('{"ok": true}')
    m = Mirrors.from_env({"BP_DEPENDENCY_MIRROR": base})
    assert fetch_bytes("https://builds.dotnet.microsoft.com/dotnet/index.json", m) == b'{"ok": true}'
    with pytest.raises(UserError) as err:
        fetch_bytes("https://builds.dotnet.microsoft.com/dotnet/missing.json", m)
    assert "HTTP 404" in err.value.what and err.value.where == f"{base}/dotnet/missing.json"


def test_unreachable_mirror_names_the_url(tmp_path):
    m = Mirrors.from_env({"BP_DEPENDENCY_MIRROR": "http://127.0.0.1:9"})
    with pytest.raises(UserError) as err:
        fetch(OFFICIAL, tmp_path / "x", checksum="0", mirrors=m)
    assert err.value.where == "http://127.0.0.1:9/dotnet/Sdk/10.0.401/sdk.tar.gz"
    assert "cannot reach" in err.value.what
    assert list(tmp_path.iterdir()) == []
