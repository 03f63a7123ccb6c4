"""funcpacks/ca-certificates: bin/detect and bin/build run as the lifecycle runs them."""
from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

import pytest


BUILDPACK = "ca-certificates"  # the `bp` fixture


@pytest.fixture(scope="session")
def pem(tmp_path_factory) -> str:
    """A real self-signed certificate made with openssl."""
    d = tmp_path_factory.mktemp("pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(d / "k"),
                    "-out", str(d / "c.pem"), "-days", "1", "-subj", "/CN=funcpacks test CA"],
                   check=True, capture_output=True, timeout=60)
    return (d / "c.pem").read_text()


def binding(root: Path, name: str, typ: str, files: dict[str, str]) -> None:
    (root / name).mkdir(parents=True)
    (root / name / "type").write_text(typ)
    for f, text in files.items():
        (root / name / f).write_text(text)


def test_detect_fails_without_binding(lifecycle, bp):
    res, _ = lifecycle.detect(bp)
    assert res.code == 100


def test_detect_passes_with_binding_under_service_binding_root(lifecycle, bp, pem, tmp_path):
    binding(tmp_path / "b", "corp", "ca-certificates", {"corp.crt": pem})
    res, _ = lifecycle.detect(bp, {"SERVICE_BINDING_ROOT": str(tmp_path / "b")})
    assert res.code == 0, res.output


def test_detect_passes_with_binding_in_platform_dir(lifecycle, bp, pem):
    binding(lifecycle.platform / "bindings", "corp", "ca-certificates", {"corp.crt": pem})
    res, _ = lifecycle.detect(bp)
    assert res.code == 0, res.output


def test_build_trusts_extra_cas_at_build_time_only(lifecycle, bp, pem, tmp_path):
    binding(tmp_path / "b", "corp", "ca-certificates", {"a.crt": pem, "b.pem": pem + pem})
    res = lifecycle.build(bp, {"SERVICE_BINDING_ROOT": str(tmp_path / "b")})
    assert res.code == 0, res.output
    layer = lifecycle.layers(bp) / "ca-certificates"
    assert tomllib.loads((layer.parent / "ca-certificates.toml").read_text())["types"] == {
        "launch": False, "build": True, "cache": False}
    bundle = (layer / "ca-certificates.crt").read_text()
    assert bundle.count("BEGIN CERTIFICATE") >= 3 and bundle.endswith(pem.strip() + "\n")
    for var in ("SSL_CERT_FILE", "PIP_CERT", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "GIT_SSL_CAINFO"):
        assert (layer / "env.build" / f"{var}.override").read_text() == str(layer / "ca-certificates.crt")
    assert (layer / "env.build" / "NODE_EXTRA_CA_CERTS.override").exists()
    assert not (layer / "env.launch").exists() and not (layer / "env").exists()
    assert "3 extra certificate(s)" in res.out and "BP_EMBED_CERTS" in res.out
    # the bundle really verifies: openssl accepts the certificate against it
    check = subprocess.run(["openssl", "verify", "-CAfile", str(layer / "ca-certificates.crt"),
                            str(tmp_path / "b" / "corp" / "a.crt")], capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stderr


def test_build_embeds_at_launch_when_asked(lifecycle, bp, pem, tmp_path):
    binding(tmp_path / "b", "corp", "ca-certificates", {"a.crt": pem})
    res = lifecycle.build(bp, {"SERVICE_BINDING_ROOT": str(tmp_path / "b"), "BP_EMBED_CERTS": "true"})
    assert res.code == 0, res.output
    layer = lifecycle.layers(bp) / "ca-certificates"
    assert tomllib.loads((layer.parent / "ca-certificates.toml").read_text())["types"]["launch"] is True
    assert (layer / "env" / "SSL_CERT_FILE.override").exists()


def test_build_rejects_an_entry_that_is_not_pem(lifecycle, bp, tmp_path):
    binding(tmp_path / "b", "corp", "ca-certificates", {"notes.txt": "hello"})
    res = lifecycle.build(bp, {"SERVICE_BINDING_ROOT": str(tmp_path / "b")})
    assert res.code == 1
    assert "binding entry holds no PEM certificate" in res.err and "notes.txt" in res.err
