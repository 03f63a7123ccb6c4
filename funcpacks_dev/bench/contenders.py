"""The contenders: funcpacks through pack, the hand-written Dockerfile, and funcpacks the way the
Shipwright strategy's create step runs it (the registry path); and reading their phases.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Callable

from funcpacks_dev import docker_engine, funcbuild, versions
from funcpacks_dev.images import arches
from funcpacks_dev.local_platform import mirrors
from funcpacks_dev.local_platform.strategy_runner import chown_tree
from funcpacks_dev.bench.samples import ROOT, Sample


PHASES = ["setup", "analyzing", "detecting", "restoring", "building", "exporting"]


def say(text: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {text}", flush=True)


def timed(fn: Callable[[], None]) -> float:
    start = time.monotonic()
    fn()
    return time.monotonic() - start


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])} ... failed ({proc.returncode}):\n{proc.stdout[-3000:]}")
    return proc


class Contender:
    name = ""

    def __init__(self, sample: Sample, work: Path, feed: str = "") -> None:
        self.sample = sample
        self.feed = feed  # base URL of the .NET feed mirror, for .NET samples
        self.warm_phases: list[dict[str, float]] = []
        self.tag = f"funcpacks-bench/{sample.name}-{self.name}"
        self.work = work / self.name
        self.src = self.work / "src"
        if self.work.exists():
            shutil.rmtree(self.work)
        shutil.copytree(ROOT / "samples" / sample.name, self.src)

    def cold_build(self) -> None: ...

    def rebuild(self) -> None: ...

    def remove(self) -> None:
        docker_engine.remove_images(self.tag)


_STAMPED = re.compile(r"^(\d{4}/\d\d/\d\d \d\d:\d\d:\d\d\.\d+) (.*)$")
# `docker logs -t`: RFC 3339 in UTC, nanoseconds
_DOCKER_STAMPED = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?Z (.*)$")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")  # the lifecycle colours its phase headers


def _phase_name(text: str) -> str:
    return text.removeprefix("===> ").split()[0].lower()


def phase_durations(marks: list[tuple[str, float]], started: float) -> dict[str, float]:
    """Seconds per phase from (name, time) marks in order, each phase lasting until the
    next mark (the last mark only ends the one before it); 'setup' is the time from
    started to the first mark."""
    phases = {}
    if marks:
        phases["setup"] = round(marks[0][1] - started, 3)
    for (name, t0), (_, t1) in zip(marks, marks[1:]):
        phases[name] = round(t1 - t0, 3)
    return phases


def lifecycle_phases(output: str, started: float) -> dict[str, float]:
    """Seconds per lifecycle phase, from `pack build --timestamps` output: the time from
    each '===> PHASE' line to the next marker; 'setup' is pack's time before the first."""
    marks = []
    for line in output.splitlines():
        m = _STAMPED.match(line)
        if m and (m.group(2).startswith("===> ") or m.group(2).startswith("Successfully built")):
            stamp = dt.datetime.strptime(m.group(1), "%Y/%m/%d %H:%M:%S.%f").timestamp()
            marks.append((_phase_name(m.group(2)), stamp))
    return phase_durations(marks, started)


def creator_phases(stamped: str, started: float, finished: float) -> dict[str, float]:
    """Seconds per lifecycle phase of a creator container, from its output with the
    daemon's timestamps (`docker logs -t`): each '===> PHASE' line to the next, the last
    phase (exporting, with the cache image's push) to finished (the container exited and
    removed); 'setup' is the time from started (before `docker create`) to the first."""
    marks = []
    for line in stamped.splitlines():
        m = _DOCKER_STAMPED.match(line)
        text = _ANSI.sub("", m.group(3)) if m else ""
        if text.startswith("===> "):
            stamp = dt.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S").replace(tzinfo=dt.timezone.utc)
            marks.append((_phase_name(text), stamp.timestamp() + float(m.group(2) or 0)))
    return phase_durations(marks + [("end", finished)] if marks else [], started)


def platform_inputs(sample: Sample, work: Path, feed: str) -> tuple[dict[str, str], list[Path]]:
    """The platform env and service bindings of a funcpacks build of sample (through pack
    or the registry path). .NET: the mirrored .NET feed served on 127.0.0.1 and a NuGet
    binding to the mirrored folder feed, which the build sees at mirrors.CONTAINER_DEPS."""
    env, bindings = dict(sample.pack_env), []
    if sample.lang == "dotnet":
        env["FUNC_DOTNET_FEED"] = feed
        bindings.append(mirrors.nuget_binding(work / "bindings" / "nuget"))
    return env, bindings


class Funcpacks(Contender):
    name = "funcpacks"
    phases: dict[str, float] = {}

    def builder_image(self) -> str:
        return versions.get(f"images.{self.sample.builder_key}")

    def pack_flags(self) -> list[str]:
        return []

    def _build(self, extra: list[str]) -> None:
        started = time.time()
        env, bindings = platform_inputs(self.sample, self.work, self.feed)
        if self.sample.lang == "dotnet":
            extra = [*mirrors.PACK_MOUNT, *extra]
        proc = funcbuild.pack_build(self.src, self.tag, env, ["--timestamps", *self.pack_flags(), *extra], capture=True,
                                    builder_image=self.builder_image(), bindings=bindings)
        if proc.returncode != 0:
            raise RuntimeError(f"pack build failed:\n{proc.stdout[-3000:]}")
        self.phases = lifecycle_phases(proc.stdout, started)

    def cold_build(self) -> None:
        self._build(["--clear-cache"])

    def rebuild(self) -> None:
        self._build([])


class OnArch(Funcpacks):
    """funcpacks through pack for one architecture: this machine's natively, another
    under emulation (qemu-user). That architecture's builder (make builder tags another
    architecture's <image>-<arch>), pack told the platform and to take the engine's images
    (it resolves --platform in a registry otherwise). Reported side by side, never
    compared with a goal."""

    def __init__(self, sample: Sample, work: Path, feed: str, arch: str) -> None:
        self.name = arch  # the tag and the work directory are the architecture's
        self.arch = arch
        self.emulated = arch != arches.host()
        super().__init__(sample, work, feed)

    def builder_image(self) -> str:
        return arches.local(super().builder_image(), self.arch)

    def pack_flags(self) -> list[str]:
        return ["--platform", arches.platform_of(self.arch), "--pull-policy", "never"]


class Dockerfile(Contender):
    name = "dockerfile"

    def __init__(self, sample: Sample, work: Path, feed: str = "") -> None:
        super().__init__(sample, work, feed)
        contender_dir = ROOT / "bench" / "dockerfiles" / (sample.contender or sample.lang)
        shutil.copy(contender_dir / "Dockerfile", self.work / "Dockerfile")
        cas = sorted(funcbuild.HOST_CA_DIR.glob("**/*.crt")) if funcbuild.HOST_CA_DIR.is_dir() else []
        (self.work / "bench-ca.crt").write_text("".join(p.read_text() for p in cas))
        data = versions.load()
        self.args = {"BUILD_IMAGE": data["images"]["build"],
                     "RUN_IMAGE": data["images"][sample.dockerfile_run_key or sample.run_key]}
        if sample.contender == "python-uv":
            (self.work / "uv-requirement.txt").write_text(versions.uv_requirement(data))
            self.args["FUNCTION_TARGET"] = sample.target
        elif sample.contender == "python-poetry":
            shutil.copy(ROOT / "buildpacks" / "python" / "poetry-requirements.txt", self.work)
            self.args["FUNCTION_TARGET"] = sample.target
        elif sample.lang == "python":
            req = self.src / "requirements.txt"
            (self.work / "requirements.txt").write_text(req.read_text() if req.exists() else "")
            names_ff = "functions-framework" in (self.work / "requirements.txt").read_text().lower()
            self.args["FRAMEWORK_REQUIREMENT"] = (
                "" if names_ff else f"functions-framework=={data['python']['functions-framework']}")
            self.args["FUNCTION_TARGET"] = sample.target
        elif sample.lang == "go":
            shutil.copy(contender_dir / "main.go", self.work / "main.go")
            self.args["GO_VERSION"] = data["go"]["toolchain"]
            self.args["GOPROXY"] = data["go"]["goproxy"].split(",")[0]
        elif sample.lang == "nodejs":
            self._node_deps(data)
            self.args.update({"NODE_VERSION": data["nodejs"]["version"], "FUNCTION_TARGET": sample.target,
                              "NODE_WHEEL_SHA256": data["nodejs"]["wheel-sha256"][arches.host()]})
        elif sample.lang == "dotnet":
            (self.work / "nuget").mkdir()
            for package in sample.nuget_packages:
                shutil.copy(mirrors.DEPS / "nuget" / package, self.work / "nuget" / package)
            (self.work / "nuget.config").write_text(mirrors.nuget_config("/nuget-feed"))
            url, sha512 = mirrors.newest_sdk(mirrors.DEPS / "dotnet")
            self.args.update({"SDK_URL": url.replace(mirrors.DOTNET_FEED, feed), "SDK_SHA512": sha512,
                              "ASSEMBLY": sample.target})

    def _node_deps(self, data: dict) -> None:
        """deps/: the function's package.json and lock, or, for a function without
        package.json, one that names the framework at the pin funcpacks adds."""
        deps = self.work / "deps"
        deps.mkdir()
        pkg = self.src / "package.json"
        if pkg.exists():
            for name in ("package.json", "package-lock.json"):
                if (self.src / name).exists():
                    shutil.copy(self.src / name, deps / name)
            return
        framework = {"@google-cloud/functions-framework": data["nodejs"]["functions-framework"]}
        (deps / "package.json").write_text(json.dumps({"private": True, "dependencies": framework}) + "\n")

    def _build(self, nocache: bool) -> None:
        docker_engine.build(str(self.work), self.tag, buildargs=self.args, nocache=nocache, network_mode="host")

    def cold_build(self) -> None:
        self._build(nocache=True)

    def rebuild(self) -> None:
        self._build(nocache=False)


CONTENDERS = [Funcpacks, Dockerfile]
CREATOR = "/cnb/lifecycle/creator"


def creator_args(app: str, image: str, cache_image: str, run_image: str, insecure_registry: str,
                 uid: int, gid: int) -> list[str]:
    """The creator's arguments as the Shipwright strategy's create step passes them
    (deploy/shipwright: process type web, no -skip-restore, the output image as the
    previous image, log level info, CACHE_IMAGE, RUN_IMAGE and INSECURE_REGISTRIES set)."""
    return [f"-app={app}", "-layers=/layers", "-platform=/platform", "-report=/layers/report.toml",
            f"-uid={uid}", f"-gid={gid}", "-process-type=web", "-skip-restore=false", f"-previous-image={image}",
            "-log-level=info", f"-cache-image={cache_image}", f"-run-image={run_image}",
            f"-insecure-registry={insecure_registry}", image]


class RegistryPath(Contender):
    """funcpacks as the Shipwright strategy runs it: the creator in the builder image as
    the CNB user, fresh volumes for every build (the source copied into /workspace/source
    as a clone would be, /layers, /platform with the env as files, the bindings read-only
    at /platform/bindings, HOME with a docker config naming the registry), network host,
    CNB_PLATFORM_API from the builder image. Between builds the cache image and the
    previous image in the registry are all that is kept."""
    name = "registry"

    def __init__(self, sample: Sample, work: Path, feed: str = "", address: str = "") -> None:
        super().__init__(sample, work, feed)
        data = versions.load()
        self.address = address
        self.builder = data["images"][sample.builder_key]
        self.run_image = f"{address}/{data['images'][sample.run_key]}"
        self.uid, self.gid = data["stack"]["build-user-id"], data["stack"]["group-id"]
        self.repo = f"bench/{sample.name}-registry"
        self.cache_repo = f"{self.repo}-cache"
        self.cold_builds = 0
        self.version = ""  # the tag of the app and cache image: a new one for each cold build
        self.seconds = 0.0
        self.phases: dict[str, float] = {}

    def ref(self, repo: str) -> str:
        return f"{self.address}/{repo}:{self.version}"

    def _volumes(self, build: Path) -> list[str]:
        """The directories of one build's volumes, made as the prepare step leaves them."""
        shutil.copytree(self.src, build / "workspace" / "source")
        for name in ("layers", "platform/env", "home/.docker"):
            (build / name).mkdir(parents=True)
        env, bindings = platform_inputs(self.sample, self.work, self.feed)
        for key, value in env.items():
            (build / "platform" / "env" / key).write_text(value)
        funcbuild.bindings_root(True, bindings, build / "bindings")
        (build / "bindings").mkdir(exist_ok=True)
        # the registry takes anonymous pushes: an entry without credentials
        (build / "home" / ".docker" / "config.json").write_text(json.dumps({"auths": {self.address: {}}}))
        for name in ("workspace", "layers", "platform", "home"):  # not group- or world-writable
            chown_tree(build / name, self.uid, self.gid)
        volumes = [f"{build / 'workspace'}:/workspace", f"{build / 'layers'}:/layers",
                   f"{build / 'platform'}:/platform", f"{build / 'bindings'}:{funcbuild.CONTAINER_BINDINGS}:ro",
                   f"{build / 'home'}:/tekton/home"]
        return volumes + ([mirrors.VOLUME] if self.sample.lang == "dotnet" else [])

    def _create(self) -> None:
        build = self.work / "build"
        try:
            volumes = self._volumes(build)
            args = creator_args("/workspace/source", self.ref(self.repo), self.ref(self.cache_repo), self.run_image,
                                self.address, self.uid, self.gid)
            started = time.time()
            ran = docker_engine.run(self.builder, args, entrypoint=CREATOR, user=f"{self.uid}:{self.gid}",
                                    volumes=volumes, environment=["HOME=/tekton/home"], timestamps=True)
            finished = time.time()
        finally:
            shutil.rmtree(build, ignore_errors=True)
        if ran.returncode != 0:
            raise RuntimeError(f"creator exited {ran.returncode}:\n{ran.output[-3000:]}")
        self.seconds = finished - started
        self.phases = creator_phases(ran.stamped, started, finished)

    def cold_build(self) -> None:
        self.cold_builds += 1
        self.version = f"g{self.cold_builds}"  # new tags: no previous image, no cache image
        self._create()

    def rebuild(self) -> None:
        self._create()

    def remove(self) -> None:
        """Nothing in the daemon: the registry's storage goes with the registry."""


def skopeo_copy(source: str, destination: str) -> None:
    run(["skopeo", "copy", "--dest-tls-verify=false", source, destination])


def push_run_images(samples: list[Sample], address: str) -> None:
    """The registry path's run images into the registry (a registry export reads its run
    image there), under their own names."""
    images = versions.load()["images"]
    for key in sorted({s.run_key for s in samples if s.registry}):
        skopeo_copy(f"docker-daemon:{images[key]}", f"docker://{address}/{images[key]}")
