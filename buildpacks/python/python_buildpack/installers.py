"""What installs into the dependencies layer's environment, and the installer's cache
layer: the build image's pip (pip-cache), or uv (its tool layer, see uv.py, and uv-cache)."""
from __future__ import annotations

from pathlib import Path
from typing import Mapping, Protocol

from funcpacks import tool_run
from funcpacks.context import BuildContext
from funcpacks.layers import Step
from funcpacks.log import Logger

from . import installer_cache_layer, uv, uv_layer
from .config import Config
from .package_manager import Choice

from .runtime import Interpreter
from .vendor import Vendor

# pip's last lines, where it says why it failed.
PIP_TAIL = 30


class Installer(Protocol):
    """What installs into the environment: Pip or uv.Uv."""
    name: str  # for the layer's metadata and the log, e.g. "pip", "uv 0.13.9"

    def install(self, venv: Path, args: list[str], where: str) -> None: ...



class Pip:
    name = "pip"

    def __init__(self, ctx: BuildContext, interp: Interpreter, cache_dir: Path, pip_env: Mapping[str, str], log: Logger,
                 vendored: Vendor | None = None):
        self.ctx = ctx
        self.vendored = vendored
        self.interp = interp
        self.log = log
        env = {k: v for k, v in ctx.env.items() if not k.startswith("PIP_")}
        env.update(pip_env)
        # Ours last: the cache location and non-interactive behaviour are not the user's.
        env.update({
            "PIP_CACHE_DIR": str(cache_dir),
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PIP_NO_INPUT": "1",
            "PIP_PROGRESS_BAR": "off",
            "PYTHONDONTWRITEBYTECODE": "1",
            # Reproducible wheels built from sdists: fixed zip times, no debug info
            # (it would embed pip's random temporary build paths).
            "SOURCE_DATE_EPOCH": "315532800",
            "CFLAGS": (ctx.env.get("CFLAGS", "") + " -g0").strip(),
        })
        self.env = env

    def install(self, venv: Path, args: list[str], where: str = "") -> None:
        cmd = [str(self.interp.executable), "-m", "pip", "--python", str(venv / "bin" / "python"),
               "install", "--no-compile", "--no-warn-script-location", *args]
        failure = tool_run.Failure(
            "pip could not install the dependencies",
            where=where or " ".join(a for a in args if not a.startswith("-")) or "requirements", tail=12,
            # What pip says last: its last lines, and of them the errors when it names some.
            text=lambda out: "\n".join(out.stdout.split("\n")[-PIP_TAIL:]),
            lines=lambda text: [ln for ln in text.split("\n") if "ERROR" in ln or "error" in ln] or text.split("\n"),
            explain=self.vendored.explain if self.vendored else None,
            fix="fix the requirement pip names above (name, version, or index settings PIP_INDEX_URL / PIP_FIND_LINKS)")
        tool_run.run(cmd, failure, cwd=self.ctx.app_dir, env=self.env, echo=self.log.detail)


def provide(step: Step, cfg: Config, interp: Interpreter, manager: Choice) -> Installer:
    """The installer the package manager calls for, and its cache layer (pip-cache or
    uv-cache: build only, so nothing of it is in the image). uv installs what uv and
    Poetry locks pin."""
    ctx, log = step.ctx, step.log
    if manager.name in ("uv", "poetry"):
        exe = uv_layer.provide(step, interp.executable, cfg.pip_env, cfg.vendor)
        cache = installer_cache_layer.provide(step, installer_cache_layer.UV, "uv")
        return uv.Uv(ctx, exe, interp.executable, cache.path, cfg.pip_env, log, cfg.vendor)
    cache = installer_cache_layer.provide(step, installer_cache_layer.PIP, "pip")
    return Pip(ctx, interp, cache.path, cfg.pip_env, log, cfg.vendor)
