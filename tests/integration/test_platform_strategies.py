"""funcpacks under the build strategies clusters already run, changed in nothing but the
builder image: OpenFunction's default `openfunction` strategy (what a Function that sets
only spec.build.builder is built with), Shipwright's buildpacks-v3 and buildpacks-v3-heroku
samples, and Tekton's catalog `buildpacks` task. Each strategy (tests/fixtures/strategies)
goes through its platform's own code (Shipwright 0.11 with OpenFunction's Build and
BuildRun, the current Shipwright with a user's Build, Tekton alone with a TaskRun), its
resolved steps run with Docker as their users, the published builders take the image to a
registry, and the image answers. Also: the users a build may not run as, and a rebuild as
another user than the build before it."""
from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from funcpacks_dev import docker_engine, versions
from funcpacks_dev.generate import manifests
from funcpacks_dev.images import publish
from funcpacks_dev.local_platform import stand_ins, strategy_runner
from helpers import SAMPLES, assert_answers, image_entries, inspect, manifest_digest, remove_image

DATA = versions.load()
ST = DATA["stack"]
TAG = publish.default_tag(DATA)
STRATEGIES = versions.ROOT / "tests" / "fixtures" / "strategies"


@dataclass(frozen=True)
class Fn:
    """A function as the tests build it: where it is in the repository, the builder, the env
    a user gives it, and what it answers."""
    subpath: str
    builder: str  # versions.toml [images] key
    env: dict[str, str]
    path: str
    answer: str
    base_cr: str  # the generated Function CR it starts from (deploy/openfunction)
    cleared: bool = False  # FUNC_CLEAR_SOURCE: no source left in /workspace


FUNCTIONS = {
    # PyPI is reached here only through a TLS proxy whose CA these strategies mount no way to
    # give: an air-gapped function, every wheel in the source.
    "python": Fn("samples/python-vendored", "builder-python",
                 {"GOOGLE_FUNCTION_TARGET": "hello", "GOOGLE_FUNCTION_SIGNATURE_TYPE": "http",
                  "GOOGLE_VENDOR_PIP_DEPENDENCIES": "vendor"}, "/", "hello, world", "python-no-requirements"),
    "go": Fn("samples/hello-world-go", "builder-go", {"FUNC_NAME": "HelloWorld", "FUNC_CLEAR_SOURCE": "true"},
             "/shipwright", "hello, shipwright!\n", "hello-world-go", cleared=True),
    "go-general": Fn("samples/hello-world-go", "builder", {"FUNC_NAME": "HelloWorld", "FUNC_CLEAR_SOURCE": "true"},
                     "/shipwright", "hello, shipwright!\n", "hello-world-go", cleared=True),
    "dotnet": Fn("samples/dotnet-minimal", "builder-dotnet", {}, "/", "hello, world", "dotnet-minimal"),
    # OpenFunction's own sample as its users build it: Node.js and the framework from the builder.
    "node": Fn("samples/hello-world-node", "builder-node", {"FUNC_NAME": "helloWorld", "FUNC_TYPE": "http"}, "/",
               "hello, world", "hello-world-node"),
}
LANGUAGES = ["python", "go", "go-general", "dotnet"]


@dataclass
class Platform:
    name: str
    uid: int  # what its lifecycle step runs as
    gid: int
    lifecycle_step: str  # the step whose image is the builder
    digest_result: str
    languages: list[str] = field(default_factory=lambda: list(LANGUAGES))
    # False: the step sets no user, the builder image's USER (its CNB_USER_ID) builds
    fixed_user: bool = True


PLATFORMS = [
    # Node.js on the two shapes of run: one `creator` as a fixed uid (OpenFunction's strategy,
    # Shipwright 0.11) and the phases as the builder's own user (Tekton's catalog task).
    Platform("openfunction", 1000, 1000, "create", "shp-image-digest", [*LANGUAGES, "node"]),
    Platform("buildpacks-v3", 1001, 1000, "build-and-push", "shp-image-digest"),
    Platform("buildpacks-v3-heroku", 1000, 1000, "build-and-push", "shp-image-digest"),
    Platform("tekton-buildpacks", 1000, 1000, "create", "APP_IMAGE_DIGEST"),
    Platform("tekton-buildpacks-phases", ST["build-user-id"], ST["group-id"], "build", "APP_IMAGE_DIGEST",
             [*LANGUAGES, "node"], fixed_user=False),
]
CASES = [(p, lang) for p in PLATFORMS for lang in p.languages]


@pytest.fixture(scope="module")
def repository(tmp_path_factory) -> Path:
    """A directory shaped like the repository the functions live in, with the air-gapped
    Python function (python-no-requirements plus the wheels of its default framework)."""
    repo = tmp_path_factory.mktemp("repository")
    shutil.copytree(SAMPLES, repo / "samples")
    vendored = repo / "samples" / "python-vendored"
    shutil.copytree(SAMPLES / "python-no-requirements", vendored)
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:", "--python-version",
                    DATA["debian"]["python"], "--platform", "manylinux_2_28_x86_64", "--platform",
                    "manylinux_2_17_x86_64", "--dest", str(vendored / "vendor"),
                    f"functions-framework=={DATA['python']['functions-framework']}"], check=True, timeout=120)
    return repo


@pytest.fixture(scope="module")
def bash_stand_in() -> dict[str, str]:
    return stand_ins.stand_ins(DATA)


def function_cr(fn: Fn, builder_ref: str, image: str, tmp: Path, shipwright: dict | None = None) -> Path:
    """The generated Function CR of the sample, as a user of OpenFunction's defaults writes
    it: no spec.build.shipwright (unless given), the published builder, the function's env."""
    doc = yaml.safe_load((manifests.OUT_DIR / f"{fn.base_cr}.yaml").read_text())
    build = doc["spec"]["build"]
    build.pop("shipwright", None)
    if shipwright:
        build["shipwright"] = shipwright
    build["builder"] = builder_ref
    build["env"] = dict(fn.env)
    if not build["env"]:
        del build["env"]
    build["srcRepo"]["sourceSubPath"] = fn.subpath
    doc["spec"]["image"] = image
    doc["spec"].pop("imageCredentials", None)
    path = tmp / f"function-{uuid.uuid4().hex[:6]}.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def shipwright_build(fn: Fn, strategy: str, builder_ref: str, image: str, tmp: Path) -> Path:
    """A Shipwright v1beta1 Build as a user of the sample strategies writes it."""
    doc = {"apiVersion": "shipwright.io/v1beta1", "kind": "Build", "metadata": {"name": f"fn-{uuid.uuid4().hex[:6]}"},
           "spec": {"source": {"type": "Git", "git": {"url": "https://git.example.com/you/functions.git"},
                               "contextDir": fn.subpath},
                    "strategy": {"name": strategy, "kind": "ClusterBuildStrategy"},
                    "paramValues": [{"name": "builder-image", "value": builder_ref}],
                    "env": [{"name": k, "value": v} for k, v in fn.env.items()],
                    "output": {"image": image}}}
    path = tmp / f"build-{uuid.uuid4().hex[:6]}.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def run_on(platform: Platform, fn: Fn, builder_ref: str, image: str, repository: Path, tmp: Path,
           stand_in: dict[str, str], params: dict[str, str] | None = None) -> strategy_runner.Run:
    work = tmp / f"work-{uuid.uuid4().hex[:6]}"
    if platform.name == "openfunction":
        return strategy_runner.run(function_cr(fn, builder_ref, image, tmp), "openfunction", repository, image,
                                   params, work=work, echo=False, strategy=STRATEGIES / "openfunction-v1alpha1.yaml",
                                   stand_ins=stand_in)
    if platform.name.startswith("buildpacks-v3"):
        return strategy_runner.run(None, "current", repository, image, params, work=work, echo=False,
                                   strategy=STRATEGIES / f"{platform.name}-v1beta1.yaml",
                                   build=shipwright_build(fn, platform.name, builder_ref, image, tmp))
    env = [f"{k}={v}" for k, v in fn.env.items()]
    if platform.name == "tekton-buildpacks":
        task = STRATEGIES / "tekton-buildpacks-0.6.yaml"
        values = {"APP_IMAGE": image, "BUILDER_IMAGE": builder_ref, "SOURCE_SUBPATH": fn.subpath, "ENV_VARS": env}
    else:
        task = STRATEGIES / "tekton-buildpacks-phases-0.3.yaml"
        values = {"APP_IMAGE": image, "CNB_BUILDER_IMAGE": builder_ref, "SOURCE_SUBPATH": fn.subpath,
                  "CNB_ENV_VARS": env}
        # its skopeo reads the builder from the registry: the stand-in trusts this one
        stand_in = {**stand_in, **stand_ins.stand_ins(DATA, [image.split("/")[0]])}
    report = strategy_runner.resolve_task(task, {**values, **(params or {})}, ["source"])
    return strategy_runner.execute(report, repository, work=work, echo=False, stand_ins=stand_in)


def assert_image_as_built_by(image: str, uid: int, fn: Fn) -> None:
    """The app belongs to the build's user (the uid the strategy ran the lifecycle as) and
    the stack's group; the run user can write none of it, nor of its parents (the source
    volume's /workspace/source, which the lifecycle exports with the app); the source is
    gone when cleared."""
    workspace = [m for m in image_entries(image) if m.name.lstrip("./").startswith("workspace")]
    app = f"workspace/source/{fn.subpath}"
    assert any(m.name.lstrip("./") == app for m in workspace), f"no /{app} in the image"
    for m in workspace:
        if m.type == tarfile.SYMTYPE:
            continue
        assert not m.mode & 0o022 and m.uid != ST["run-user-id"], (m.name, m.uid, m.gid, oct(m.mode))
        if m.name.lstrip("./").startswith(app):
            assert (m.uid, m.gid) == (uid, ST["group-id"]), (m.name, m.uid, m.gid)
    assert inspect(image)["Config"]["User"] == f"{ST['run-user-id']}:{ST['group-id']}"
    if fn.cleared:
        assert not [m.name for m in workspace if m.name.endswith(".go")], "FUNC_CLEAR_SOURCE left the source"


@pytest.mark.parametrize("platform, language", CASES, ids=[f"{p.name}-{lang}" for p, lang in CASES])
def test_platform_strategy_builds_and_the_image_answers(platform, language, published, repository, bash_stand_in,
                                                         tmp_path):
    reg, _ = published
    address = reg.split("/")[0]
    fn = FUNCTIONS[language]
    builder_ref = publish.registry_refs(reg, TAG, DATA)[fn.builder]
    repo = f"fn/{platform.name}-{language}-{uuid.uuid4().hex[:6]}"
    image = f"{address}/{repo}:latest"
    run = run_on(platform, fn, builder_ref, image, repository, tmp_path, bash_stand_in)
    assert run.code == 0, "\n".join(f"{s.container} exited {s.code}" for s in run.steps) + run.steps[-1].output[-4000:]
    # the platform's own code accepted it (the harness exits 0 only then) and resolved every
    # step; the builder is the user's
    shipwright = "openfunction" if platform.name == "openfunction" else "current"
    assert run.taskrun["shipwright"] == f"v{DATA['shipwright'][shipwright]}" and run.taskrun["tekton"] != "unknown"
    assert run.taskrun["resolvedTaskSpec"]["steps"]
    step = run.resolved_step(platform.lifecycle_step)
    assert step["image"] == builder_ref
    security = step.get("securityContext") or {}
    if platform.fixed_user:
        assert (security.get("runAsUser"), security.get("runAsGroup")) == (platform.uid, platform.gid)
    else:  # the task read the builder's CNB_USER_ID/CNB_GROUP_ID and passed them as -uid/-gid
        assert "runAsUser" not in security
        assert run.step("get-labels-and-env").output.split()[-2:] == [str(platform.uid), str(platform.gid)]
    digest = run.result(platform.digest_result)
    assert digest == manifest_digest(address, repo, "latest").encode()
    by_digest = f"{address}/{repo}@{digest.decode()}"
    try:
        docker_engine.pull(by_digest)
        assert_image_as_built_by(by_digest, platform.uid, fn)
        assert_answers(by_digest, fn.path, fn.answer)
    finally:
        remove_image(by_digest)


def test_funcpacks_strategy_refuses_a_user_its_steps_do_not_run_as(published, repository, tmp_path):
    """USER_ID/GROUP_ID of OpenFunction's strategy given to ours, whose steps run as the build
    user: the prepare step stops before anything is built, saying what to do."""
    reg, _ = published
    fn = FUNCTIONS["go"]
    image = f"{reg.split('/')[0]}/fn/wrong-user:latest"
    fn_file = function_cr(fn, publish.registry_refs(reg, TAG, DATA)[fn.builder], image, tmp_path,
                          shipwright={"strategy": {"name": "funcpacks", "kind": "ClusterBuildStrategy"},
                                      "params": [{"name": "USER_ID", "value": "1000"}]})
    run = strategy_runner.run(fn_file, "openfunction", repository, image, work=tmp_path / "work", echo=False)
    assert [(s.name, s.code != 0) for s in run.steps][-1] == ("prepare", True)
    out = run.step("prepare").output
    assert f"USER_ID=1000 GROUP_ID={ST['group-id']}, but this strategy's create step runs as " \
           f"{ST['build-user-id']}:{ST['group-id']}" in out, out
    assert "runAsUser/runAsGroup" in out


@pytest.mark.parametrize("user, message", [
    ("0:0", "the lifecycle runs this build as root (uid 0, gid 0); funcpacks never builds as root"),
    (f"{ST['build-user-id']}:4242", f"the lifecycle runs this build as uid {ST['build-user-id']}, gid 4242; "
                                    f"this builder builds as {ST['build-user-id']}:{ST['group-id']} or 1000:1000"),
    # the lifecycle's own refusal: it needs a passwd entry for the uid, before any phase
    ("4242:4242", "failed to set environment for user 4242: user: unknown userid 4242"),
], ids=["root", "other-group", "unknown-uid"])
def test_a_user_the_builder_does_not_serve_builds_nothing(user, message, published, tmp_path):
    """The creator as a strategy with other users would run it: refused before anything is
    built, the uid named, nothing pushed."""
    reg, _ = published
    address = reg.split("/")[0]
    refs = publish.registry_refs(reg, TAG, DATA)
    app = tmp_path / "app"
    shutil.copytree(SAMPLES / "hello-world-go", app)
    layers, platform = tmp_path / "layers", tmp_path / "platform"
    for d in (layers, platform / "env"):
        d.mkdir(parents=True)
    for d in (tmp_path, app, layers, platform, platform / "env"):
        d.chmod(0o777)
    (platform / "env" / "FUNC_NAME").write_text("HelloWorld")
    uid, gid = user.split(":")
    repo = f"fn/refused-{uuid.uuid4().hex[:6]}"
    ran = docker_engine.run(refs["builder-go"], ["-app=/workspace", "-layers=/layers", "-platform=/platform",
                                                 f"-uid={uid}", f"-gid={gid}", f"-run-image={refs['run-static']}",
                                                 f"{address}/{repo}:latest"],
                            entrypoint="/cnb/lifecycle/creator", user=user, timeout=300,
                            volumes=[f"{app}:/workspace", f"{layers}:/layers", f"{platform}:/platform"])
    assert ran.returncode != 0
    assert message in ran.output, ran.output[-3000:]
    if uid != "4242":
        assert "fix:   run the lifecycle as" in ran.output
        assert "===> BUILDING" not in ran.output  # refused in detect
    assert subprocess.run(["skopeo", "inspect", "--tls-verify=false", f"docker://{address}/{repo}:latest"],
                          capture_output=True, timeout=300).returncode != 0  # nothing pushed


@pytest.mark.parametrize("first, second", [("openfunction", "funcpacks"), ("funcpacks", "openfunction")])
def test_a_rebuild_as_another_user_reuses_its_layers(first, second, published, repository, bash_stand_in, tmp_path):
    """OpenFunction's strategy builds as 1000, ours as 1001; one cache image and one output
    image (the previous image) between them, in both orders: the second build reuses what
    the first left, as the other user, and its image answers."""
    reg, _ = published
    address = reg.split("/")[0]
    fn = FUNCTIONS["python"]
    builder_ref = publish.registry_refs(reg, TAG, DATA)[fn.builder]
    repo = f"fn/rebuild-{first}-{uuid.uuid4().hex[:6]}"
    image = f"{address}/{repo}:latest"
    cache = {"CACHE_IMAGE": f"{address}/{repo}-cache:latest"}
    ours = {"strategy": {"name": "funcpacks", "kind": "ClusterBuildStrategy"},
            "params": [{"name": k, "value": v} for k, v in cache.items()]}
    runs = {}
    for name in (first, second):
        if name == "openfunction":
            runs[name] = run_on(PLATFORMS[0], fn, builder_ref, image, repository, tmp_path, bash_stand_in, cache)
        else:
            runs[name] = strategy_runner.run(function_cr(fn, builder_ref, image, tmp_path, shipwright=ours),
                                             "openfunction", repository, image, work=tmp_path / "work-ours",
                                             echo=False)
        assert runs[name].code == 0, runs[name].steps[-1].output[-4000:]
    out = runs[second].step("create").output
    assert "Reusing layer 'dependencies'" in out and "Restoring data for" in out, out[-4000:]
    uid = 1000 if second == "openfunction" else ST["build-user-id"]
    digest = runs[second].result("shp-image-digest").decode()
    by_digest = f"{address}/{repo}@{digest}"
    try:
        docker_engine.pull(by_digest)
        assert_image_as_built_by(by_digest, uid, fn)
        assert_answers(by_digest, fn.path, fn.answer)
    finally:
        remove_image(by_digest)
