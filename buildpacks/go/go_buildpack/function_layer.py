"""The `function` layer (launch only, made anew each build): the binary in bin/ (`function`
or `app`), the launch defaults its framework reads, the generated module's record and the
SBOM of the modules linked in."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

from funcpacks import sbom
from funcpacks.layers import Step

from . import generated_module, go_build
from .config import Config
from .main_package import Main
from .module_source import Source
from .toolchain_layer import Go

NAME = "function"
BUILDPACK = "funcpacks/go"


def provide(step: Step, go: Go, src: Source, env: dict[str, str], cfg: Config, main: Main) -> Path:
    """The built binary."""
    layers, log = step.layers, step.log
    layer = layers.get(NAME).reset()
    for var, value in main.launch_env.items():
        layer.env_default(var, value, scope="launch")
    out = layer.path / "bin" / main.binary
    go_build.run(go.executable, src, env, cfg, main.package, out, log)
    generated_module.keep(src, layer, log)
    _write_sbom(layers.dir, go.executable, out, env)
    layer.set_types(launch=True).write()
    log.info(f"{out.name}: {out} ({out.stat().st_size / 1e6:.1f} MB)")
    return out


def _write_sbom(layers_dir: Path, go: Path, binary: Path, env: dict[str, str]) -> None:
    """The modules linked into the binary, from its build info (with their go.sum hashes)."""
    info = subprocess.run([str(go), "version", "-m", str(binary)], capture_output=True, text=True, env=env).stdout
    components = []
    for line in info.splitlines():
        parts = line.strip().split()
        if len(parts) >= 3 and parts[0] in ("dep", "=>"):
            props = (("go.sum", parts[3]),) if len(parts) >= 4 and parts[3].startswith("h1:") else ()
            components.append(sbom.Component(parts[1], parts[2], "golang", properties=props))
        elif len(parts) >= 2 and parts[0] == "go" and re.match(r"go\d", parts[1]):
            components.append(sbom.Component("stdlib", parts[1].removeprefix("go"), "golang"))
    sbom.write_layer_sbom(layers_dir, NAME, components, BUILDPACK)
