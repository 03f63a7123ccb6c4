"""A running function cannot change its own code, dependencies or runtime, and runs
locked down: one sample per language, built by pack, run by Docker as a cluster with
readOnlyRootFilesystem, no capabilities and no privilege escalation would run it."""
from __future__ import annotations

import tarfile
import uuid
from pathlib import Path

import pytest

from funcpacks_dev import docker_engine, funcbuild, versions
from funcpacks_dev.images import builder
from funcpacks_dev.local_platform import mirrors
from helpers import SAMPLES, copy_sample, image_entries, inspect, must_build, remove_image

DATA = versions.load()
ST = DATA["stack"]
BUILD_UID, RUN_UID, GID = ST["build-user-id"], ST["run-user-id"], ST["group-id"]
# docker run --read-only --tmpfs /tmp --cap-drop ALL --security-opt no-new-privileges --user RUN_UID:GID
LOCKED_DOWN = {"read_only": True, "tmpfs": {"/tmp": ""}, "cap_drop": ["ALL"], "security_opt": ["no-new-privileges"],
               "user": f"{RUN_UID}:{GID}"}
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

# sample -> (build env, builder key, extra pack args, the layer holding its dependencies or runtime, path, answer)
SAMPLES_BY_LANGUAGE = {
    "python": ("hello-world-python", {"GOOGLE_FUNCTION_TARGET": "hello_world"}, "builder",
               "layers/funcpacks_python/dependencies", "/", "hello, world"),
    "go": ("hello-world-go", {"FUNC_NAME": "HelloWorld"}, "builder-go", "layers/funcpacks_go", "/locked",
           "hello, locked!\n"),
    "dotnet": ("hello-world-dotnet", {"GOOGLE_FUNCTION_TARGET": "helloworld", "BP_DEPENDENCY_MIRROR": "file:///deps"},
               "builder", "layers/funcpacks_dotnet/runtime", "/", "hello, world"),
}


@pytest.fixture(scope="module")
def images(tmp_path_factory, dotnet_deps):
    built = {}
    for language, (sample, env, builder_key, *_rest) in SAMPLES_BY_LANGUAGE.items():
        tag = f"funcpacks-test/locked-{language}-{uuid.uuid4().hex[:6]}"
        extra, bindings = [], []
        if language == "dotnet":
            extra = mirrors.PACK_MOUNT
            bindings = [mirrors.nuget_binding(tmp_path_factory.mktemp("nuget") / "nuget")]
        proc = funcbuild.pack_build(SAMPLES / sample, tag, env, extra, capture=True, bindings=bindings,
                                    builder_image=DATA["images"][builder_key], timeout=900)
        assert proc.returncode == 0, proc.stdout[-4000:]
        built[language] = tag
    yield built
    remove_image(*built.values())


def entries(image: str) -> list[tarfile.TarInfo]:
    return list(image_entries(image))


def world_writable(files: list[tarfile.TarInfo]) -> list[str]:
    """Files and directories anyone may write, but /tmp. Device nodes do not count: the
    container runtime mounts its own /dev over the image's."""
    return [m.name for m in files if (m.isfile() or m.isdir()) and m.mode & 0o002 and m.name.lstrip("./") != "tmp"]


def setuid_setgid_programs(files: list[tarfile.TarInfo]) -> list[str]:
    """Regular files that run with another user's or group's rights (a setgid directory,
    such as /var/mail, only passes its group on to new files)."""
    return [m.name for m in files if m.isfile() and m.mode & 0o6000]


@pytest.mark.parametrize("language", list(SAMPLES_BY_LANGUAGE))
def test_process_user_owns_nothing_it_runs(language, images):
    image = images[language]
    _, _, _, layer, _, _ = SAMPLES_BY_LANGUAGE[language]
    assert inspect(image)["Config"]["User"] == f"{RUN_UID}:{GID}"
    files = entries(image)
    owners = {(m.uid, m.gid) for m in files if m.name.lstrip("./").startswith(("workspace", layer))}
    assert owners == {(BUILD_UID, GID)}, owners
    # group members may read, nobody but the owner may write
    writable = [m.name for m in files if not m.issym() and m.mode & 0o022
                and m.name.lstrip("./").startswith(("workspace", "layers"))]
    assert writable == []
    # nothing world-writable anywhere but /tmp, no setuid/setgid file
    assert world_writable(files) == []
    assert setuid_setgid_programs(files) == []


@pytest.mark.parametrize("language", list(SAMPLES_BY_LANGUAGE))
def test_locked_down_run_answers(language, images):
    _, _, _, _, path, answer = SAMPLES_BY_LANGUAGE[language]
    with funcbuild.running(images[language], options=LOCKED_DOWN) as (name, port):
        status, body = funcbuild.wait_http(f"http://127.0.0.1:{port}{path}", timeout=60)
        logs = funcbuild.container_logs(name)
    assert (status, body) == (200, answer), logs


@pytest.mark.parametrize("language", ["python", "dotnet"])  # the Go image has no shell to try with
def test_running_user_cannot_write_code_or_dependencies(language, images):
    _, _, _, layer, _, _ = SAMPLES_BY_LANGUAGE[language]
    for target in ("/workspace/x", f"/{layer}/x"):
        proc = docker_engine.run(images[language], [target], entrypoint="touch")
        assert proc.returncode != 0 and "Permission denied" in proc.stderr, (target, proc.stderr)


def test_run_images_carry_no_setuid_setgid_or_world_writable_file():
    for key in ("run", "run-static", "run-cc"):
        files = entries(DATA["images"][key])
        assert setuid_setgid_programs(files) == [], key
        assert world_writable(files) == [], key
        assert inspect(DATA["images"][key])["Config"]["User"] == f"{RUN_UID}:{GID}"


def test_a_function_writing_into_its_own_directory_fails_with_the_os_error(tmp_path):
    tag = f"funcpacks-test/writes-{uuid.uuid4().hex[:6]}"
    try:
        must_build(FIXTURES / "python" / "writes-own-directory", tag, {"GOOGLE_FUNCTION_TARGET": "hello"})
        with funcbuild.running(tag) as (name, port):
            with pytest.raises(TimeoutError):
                funcbuild.wait_http(f"http://127.0.0.1:{port}/", timeout=10)
            logs = funcbuild.container_logs(name)
        assert "PermissionError: [Errno 13] Permission denied: '/workspace/started.log'" in logs
    finally:
        remove_image(tag)


def test_rebase_onto_a_rebuilt_run_image(tmp_path):
    """The app is built on a run image; the run image is rebuilt under the same name (here:
    with one more file); `pack rebase` puts the app on it without a build."""
    base = f"funcpacks-test/run-base-{uuid.uuid4().hex[:6]}"
    app = f"funcpacks-test/rebase-{uuid.uuid4().hex[:6]}"
    docker_engine.tag(DATA["images"]["run"], base)
    try:
        must_build(copy_sample("hello-world-python", tmp_path), app, {"GOOGLE_FUNCTION_TARGET": "hello_world"},
                   ["--run-image", base])
        context = tmp_path / "patch"
        context.mkdir()
        (context / "marker").write_text("patched\n")
        (context / "Dockerfile").write_text(f"FROM {base}\nCOPY marker /etc/funcpacks-patched\n")
        docker_engine.build(str(context), base)
        proc = builder.run_pack([builder.pack_bin(), "rebase", app, "--pull-policy", "if-not-present"],
                                capture_output=True, text=True, timeout=900)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        marker = docker_engine.run(app, ["/etc/funcpacks-patched"], entrypoint="cat", network_mode=None)
        assert marker.stdout == "patched\n", marker.stderr
        with funcbuild.running(app, options=LOCKED_DOWN) as (name, port):
            assert funcbuild.wait_http(f"http://127.0.0.1:{port}/") == (200, "hello, world")
    finally:
        remove_image(app, base)
