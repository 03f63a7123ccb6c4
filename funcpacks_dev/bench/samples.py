"""The samples make bench measures, and the one-line edit a warm rebuild makes."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from funcpacks_dev import versions


ROOT = versions.ROOT


@dataclass(frozen=True)
class Sample:
    name: str
    lang: str
    pack_env: dict[str, str]
    target: str
    source: str  # the file the one-line change goes into
    path: str = "/"  # what the HTTP measurements request
    builder_key: str = "builder"  # [images] key of the funcpacks builder
    run_key: str = "run"  # [images] key of the run image both contenders use
    # The Dockerfile's run image when it is not the builder's: the .NET Dockerfile brings
    # its own runtime onto the general run image, as it always did.
    dockerfile_run_key: str = ""
    # .NET: the NuGet packages (files of the mirrored folder feed) the app restores; the
    # SDK comes from the mirrored .NET feed, served on 127.0.0.1 for both contenders.
    nuget_packages: tuple[str, ...] = ()
    # bench/dockerfiles/<contender>: the hand-written Dockerfile (default: the language's)
    contender: str = ""
    # also measured through the registry path (the creator as the Shipwright strategy runs it)
    registry: bool = False


SAMPLES = [
    Sample("hello-world-python", "python", {"GOOGLE_FUNCTION_TARGET": "hello_world"}, "hello_world", "main.py",
           builder_key="builder-python", registry=True),
    Sample("python-no-requirements", "python", {"FUNC_NAME": "hello"}, "hello", "main.py", builder_key="builder-python"),
    Sample("python-uv", "python", {"GOOGLE_FUNCTION_TARGET": "hello"}, "hello", "main.py", builder_key="builder-python",
           contender="python-uv"),
    Sample("python-poetry", "python", {"GOOGLE_FUNCTION_TARGET": "hello"}, "hello", "main.py",
           builder_key="builder-python", contender="python-poetry"),
    Sample("hello-world-go", "go", {"FUNC_NAME": "HelloWorld"}, "HelloWorld", "hello.go", "/bench",
           "builder-go", "run-static", registry=True),
    Sample("hello-world-dotnet", "dotnet", {"GOOGLE_FUNCTION_TARGET": "helloworld"}, "HelloWorld", "Startup.cs",
           builder_key="builder-dotnet", run_key="run-dotnet", dockerfile_run_key="run",
           nuget_packages=("microsoft.netcore.app.ref.3.1.0.nupkg", "microsoft.aspnetcore.app.ref.3.1.10.nupkg"),
           registry=True),
    # OpenFunction's hello-world-node (no package.json), and a function whose lock npm ci installs.
    Sample("hello-world-node", "nodejs", {"FUNC_NAME": "helloWorld"}, "helloWorld", "index.js",
           builder_key="builder-node"),
    Sample("node-lock", "nodejs", {"GOOGLE_FUNCTION_TARGET": "hello"}, "hello", "index.js", builder_key="builder-node"),
]


QUICK_SAMPLE = "python-no-requirements"


def edit_source(src: Path, sample: Sample, n: int) -> None:
    """The one-line source change of a warm rebuild (a comment: both contenders see a
    changed file; neither can tell it changes nothing)."""
    path = src / sample.source
    comment = "#" if path.suffix == ".py" else "//"
    path.write_text(path.read_text() + f"{comment} bench edit {n}\n")


def default_samples(quick: bool, registry_only: bool) -> list[str]:
    """The samples a run measures when --samples names none."""
    names = [s.name for s in SAMPLES if s.registry or not registry_only]
    return names[:1] if quick and registry_only else [QUICK_SAMPLE] if quick else names
