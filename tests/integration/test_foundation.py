"""The foundation through real tools: make tools, the stack images, the builder."""
from __future__ import annotations

import hashlib
import os
import subprocess
import tarfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from funcpacks_dev import docker_engine, versions
from funcpacks_dev.images import arches
from helpers import image_file_names, inspect

ROOT = versions.ROOT
DATA = versions.load()


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    kw.setdefault("timeout", 3600)  # make stacks/builder on a fresh machine
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, **kw)


def test_second_make_tools_rebuilds_nothing():
    proc = run(["make", "-s", "tools"])
    assert proc.returncode == 0, proc.stderr
    assert f"pack {DATA['pack']['version']} present" in proc.stdout
    assert f"lifecycle {DATA['lifecycle']['version']} present" in proc.stdout
    assert "building" not in proc.stdout
    assert run([str(ROOT / ".tools/bin/pack"), "version"]).stdout.strip() == DATA["pack"]["version"]


def test_broken_go_download_stops_make_with_one_line(tmp_path):
    env = dict(os.environ, TOOLS_DIR=str(tmp_path / "tools"), GOMODCACHE=str(tmp_path / "mod"),
               GOPROXY="http://127.0.0.1:9", GOFLAGS="-mod=mod")
    proc = run(["make", "-s", "tools"], env=env)
    assert proc.returncode != 0
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("tools:")]
    assert len(lines) == 1, proc.stderr
    assert f"could not download {DATA['pack']['module']}@v{DATA['pack']['version']} from the Go module proxy (http://127.0.0.1:9)" in lines[0]
    assert "Traceback" not in proc.stderr


def test_missing_go_binary_stops_make_with_one_line(tmp_path):
    no_go = [d for d in os.environ["PATH"].split(":") if d and not os.path.exists(os.path.join(d, "go"))]
    env = dict(os.environ, TOOLS_DIR=str(tmp_path / "tools"), PATH=":".join(no_go))
    proc = run(["make", "-s", "tools"], env=env)
    assert proc.returncode != 0
    assert "tools: go is not on PATH: install Go" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_missing_docker_daemon_stops_stacks_with_one_line():
    env = dict(os.environ, DOCKER_HOST="unix:///nonexistent/docker.sock")
    proc = run(["python3", "-m", "funcpacks_dev.images.stacks"], env=env)
    assert proc.returncode == 1
    assert proc.stderr.strip() == "stacks: no Docker daemon answers: run 'make tools'"


def test_stack_images_labels_user_env():
    st = DATA["stack"]
    uid = f"{st['run-user-id']}:{st['group-id']}"
    for kind, kind_uid in (("build", st["build-user-id"]), ("run", st["run-user-id"])):
        cfg = inspect(DATA["images"][kind])["Config"]
        labels = cfg["Labels"]
        assert labels["io.buildpacks.base.distro.name"] == "debian"
        assert labels["io.buildpacks.base.distro.version"] == DATA["debian"]["version"]
        assert labels["io.buildpacks.stack.id"] == st["id"]
        assert cfg["User"] == f"{kind_uid}:{st['group-id']}"
        env = dict(e.split("=", 1) for e in cfg["Env"])
        assert env["CNB_USER_ID"] == str(kind_uid) and env["CNB_GROUP_ID"] == str(st["group-id"])
        # the cnb user exists with that uid/gid
        who = docker_engine.run(DATA["images"][kind], ["id"])
        assert who.stdout.strip().startswith(f"uid={kind_uid}({st['user-name']}) gid={st['group-id']}"), who.stdout
        # no host files leaked into the image's layers
        names = image_file_names(DATA["images"][kind])
        assert "etc/passwd" in names
        assert not {"etc/resolv.conf", "etc/hostname"} & names
    # the static run image: the cnb user, certificates and time zones, and no shell
    static = DATA["images"]["run-static"]
    assert inspect(static)["Config"]["User"] == uid
    static_files = image_file_names(static)
    assert {"etc/passwd", "etc/ssl/certs/ca-certificates.crt", "usr/share/zoneinfo/Europe/Berlin"} <= static_files
    assert not any(n.endswith(("bin/sh", "bin/bash", "bin/python3")) for n in static_files)
    # run-cc: the static image's files plus the C/C++ runtime and OpenSSL, still no shell;
    # each architecture's, with the loader its programs name
    for arch in arches.runnable()[0]:
        cc_files = image_file_names(arches.local(DATA["images"]["run-cc"], arch))
        libs = f"usr/lib/{arches.TRIPLETS[arch]}"
        loader = {"amd64": "lib64", "arm64": "usr/lib/ld-linux-aarch64.so.1"}[arch]
        assert {"etc/passwd", "etc/ssl/certs/ca-certificates.crt", "usr/share/zoneinfo/Europe/Berlin"} <= cc_files
        assert {f"{libs}/libstdc++.so.6", f"{libs}/libgcc_s.so.1", f"{libs}/libssl.so.3", f"{libs}/libc.so.6",
                loader} <= cc_files, arch
        assert not any(n.endswith(("bin/sh", "bin/bash", "bin/python3")) or "libicu" in n for n in cc_files)
    assert f"cnb:x:{st['run-user-id']}:{st['group-id']}" in docker_engine.run(DATA["images"]["run"], ["/etc/passwd"],
                                                                              entrypoint="cat").stdout
    run_env = dict(e.split("=", 1) for e in inspect(DATA["images"]["run"])["Config"]["Env"])
    assert run_env["PORT"] == "8080"
    build_env = dict(e.split("=", 1) for e in inspect(DATA["images"]["build"])["Config"]["Env"])
    assert build_env["CNB_PLATFORM_API"] == DATA["lifecycle"]["platform-api"]
    # the build image carries what the buildpacks and builds need
    tools = docker_engine.run(DATA["images"]["build"], ["sh", "-c",
                              "python3 --version && git --version && gcc --version && curl --version && test -s /etc/ssl/certs/ca-certificates.crt"])
    assert tools.returncode == 0, tools.stderr


def test_unchanged_stack_definitions_reuse_images():
    made = arches.runnable()[0]  # every architecture make stacks made here
    names = [arches.local(DATA["images"][k], arch) for k in ("build", "run", "run-static", "run-cc") for arch in made]
    before = {name: inspect(name)["Id"] for name in names}
    proc = run(["python3", "-m", "funcpacks_dev.images.stacks"])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("is up to date") == len(names)
    assert {name: inspect(name)["Id"] for name in names} == before


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def test_stack_rootfs_is_reproducible(tmp_path):
    """Two builds from clean give bit-identical root filesystem tarballs. This machine's
    architecture only: the same code makes the other one's, and four emulated mmdebstrap
    runs would cost most of an hour."""
    def build(n: int) -> Path:
        out = tmp_path / f"run{n}"
        proc = run(["python3", "-m", "funcpacks_dev.images.stacks", "--rootfs-only", str(out), "--arch", "host"])
        assert proc.returncode == 0, proc.stderr
        return out / arches.host()

    with ThreadPoolExecutor(2) as pool:
        a, b = pool.map(build, (1, 2))
    for kind in ("build", "run", "run-static", "run-cc"):
        assert _sha256(a / f"{kind}-rootfs.tar") == _sha256(b / f"{kind}-rootfs.tar"), kind


def test_builder_inspect_lists_buildpacks_lifecycle_and_run_image():
    env = dict(os.environ, PACK_HOME=str(ROOT / ".tools/pack-home"))
    # The human-readable form: the JSON form gives up when the remote registry
    # (Docker Hub) is unreachable, the human-readable one reports the local image.
    proc = run([str(ROOT / ".tools/bin/pack"), "builder", "inspect", DATA["images"]["builder"]], env=env)
    local = proc.stdout.split("LOCAL:", 1)[1]
    sections = {}
    for block in local.split("\n\n"):
        head, _, body = block.strip().partition("\n")
        sections[head.rstrip(":")] = body
    assert f"Version: {DATA['lifecycle']['version']}" in sections["Lifecycle"]
    assert sections["Run Images"].split() == [DATA["images"]["run"]]
    listed = [ln.split()[0] for ln in sections["Buildpacks"].splitlines()[1:]]
    assert listed == ["funcpacks/ca-certificates", "funcpacks/dotnet", "funcpacks/go", "funcpacks/nodejs",
                      "funcpacks/python"]
    assert "Trusted: Yes" in local
    cfg = inspect(DATA["images"]["builder"])["Config"]
    env_vars = dict(e.split("=", 1) for e in cfg["Env"])
    assert env_vars["CNB_PLATFORM_API"] == DATA["lifecycle"]["platform-api"]
    # the lifecycle inside the builder is the one we built, and it runs there
    version = docker_engine.run(DATA["images"]["builder"], ["-version"], entrypoint="/cnb/lifecycle/lifecycle")
    assert version.stdout.startswith(DATA["lifecycle"]["version"] + "+"), version.stdout + version.stderr


# What python3 -v says when it loads a module from its byte-code.
PYC_LOADED = "# code object from '{}/lib/python_buildpack/__pycache__/__init__.cpython-"


def _imports_of_detect(lib: str) -> list[str]:
    return ["python3", "-B", "-I", "-v", "-c",
            f"import sys; sys.path.insert(0, {lib!r}); from funcpacks import phase; import python_buildpack"]


def test_packaged_byte_code_is_reproducible_and_used_by_the_build_image(tmp_path):
    from funcpacks_dev.images import builder
    trees = []
    for name in ("a", "b"):
        packaged = builder.package_buildpacks(tmp_path / name)
        builder.compile_bytecode(packaged, DATA["images"]["build"])
        trees.append({p.relative_to(tmp_path / name): p.read_bytes() for p in (tmp_path / name).rglob("*.pyc")})
    assert trees[0] and trees[0] == trees[1]
    assert Path("python/lib/funcpacks/__pycache__") in {p.parent for p in trees[0]}
    out = docker_engine.run(DATA["images"]["build"], _imports_of_detect("/bp/python/lib"), check=True,
                            network_mode="none", volumes={str(tmp_path / "a"): {"bind": "/bp", "mode": "ro"}})
    assert PYC_LOADED.format("/bp/python") in out.stderr


def test_builder_buildpacks_carry_their_byte_code():
    bp = "/cnb/buildpacks/funcpacks_python/" + DATA["buildpacks"]["version"]
    out = docker_engine.run(DATA["images"]["builder"], _imports_of_detect(f"{bp}/lib"), check=True,
                            network_mode="none")
    assert PYC_LOADED.format(bp) in out.stderr


def test_extra_ca_option_bakes_certificates_into_the_stack(tmp_path):
    """Off by default (the images above carry no host CA); --extra-ca-dir adds them."""
    cas = tmp_path / "cas"
    cas.mkdir()
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(tmp_path / "k"),
                    "-out", str(cas / "corp.pem"), "-days", "1", "-subj", "/CN=funcpacks baked CA"],
                   check=True, capture_output=True, timeout=60)
    proc = run(["python3", "-m", "funcpacks_dev.images.stacks", "--only", "run", "--rootfs-only", str(tmp_path / "out"),
                "--extra-ca-dir", str(cas), "--arch", "host"])
    assert proc.returncode == 0, proc.stderr
    with tarfile.open(tmp_path / "out" / arches.host() / "run-rootfs.tar") as tar:
        names = set(tar.getnames())
        assert "./usr/local/share/ca-certificates/corp.crt" in names
        bundle = tar.extractfile("./etc/ssl/certs/ca-certificates.crt").read().decode()
    assert "".join((cas / "corp.pem").read_text().split()) in "".join(bundle.split())
    baked = [n for n in image_file_names(DATA["images"]["run"])
             if n.startswith("usr/local/share/ca-certificates/") and n.endswith(".crt")]
    assert baked == [], f"the default run image carries extra CAs (made with EXTRA_CA_DIR?): {baked}"
