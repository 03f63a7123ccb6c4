"""The image's processes: the built function or app as `web`, or the command a user gives
(GOOGLE_ENTRYPOINT / FUNC_ENTRYPOINT, or a Procfile's `web:`), plus every other Procfile
process type. Each is runnable as `docker run --entrypoint <type>` (the launcher's
/cnb/process/<type>)."""
from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from . import settings
from .errors import UserError
from .launch import Process
from .log import Logger

PROCFILE = "Procfile"
# Set by a builder whose run image is static ([[build.env]] of builder-go): no shell, no
# C library.
RUN_IMAGE_VARIABLE = "FUNCPACKS_RUN_IMAGE"
STATIC = "static"


def static_run_image(env: Mapping[str, str]) -> bool:
    return env.get(RUN_IMAGE_VARIABLE, "").strip() == STATIC
_LINE = re.compile(r"^([A-Za-z0-9_-]+)\s*:\s*(.*)$")


def read_procfile(app_dir: Path) -> dict[str, str]:
    """Process type -> command, in file order; blank lines and # comments are skipped."""
    path = app_dir / PROCFILE
    if not path.is_file():
        return {}
    found: dict[str, str] = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _LINE.match(line.strip())
        if not m or not m.group(2).strip():
            raise UserError(f"Procfile line {number} is not 'type: command'", where=f"{PROCFILE}:{number}",
                            fix="write one process per line, e.g. 'web: ./bin/server' (types: letters, digits, - and _)")
        if m.group(1) in found:
            raise UserError(f"Procfile names the process type {m.group(1)!r} twice", where=f"{PROCFILE}:{number}",
                            fix="give each process type one line")
        found[m.group(1)] = m.group(2).strip()
    return found


@dataclass
class Runner:
    """How a command line becomes a process command. Shell style runs it with bash (the
    run image has one); exec style splits it into words and runs the program directly
    (static run images have no shell), so its program must exist in the image."""
    shell: bool
    working_dir: Path  # where the processes start (relative paths are checked against it)
    # Where bare program names are found at launch (the layers' bin/ directories on PATH).
    search_path: list[Path] = field(default_factory=list)
    # False when working_dir is the app directory, the launcher's default.
    set_working_dir: bool = False

    @property
    def launch_dir(self) -> str | None:
        return str(self.working_dir) if self.set_working_dir else None

    def command(self, line: str, origin: str) -> list[str]:
        if self.shell:
            self._check_path(line, origin)
            return ["bash", "-c", line]
        try:
            argv = shlex.split(line)
        except ValueError as exc:
            raise UserError(f"cannot split the command of {origin}: {exc}", where=origin,
                            fix="balance the quotes (the command runs without a shell)") from None
        if not argv:
            raise UserError(f"{origin} has an empty command", where=origin, fix="give the program to run")
        self._check_program(argv[0], origin)
        return argv

    def _check_path(self, line: str, origin: str) -> None:
        """A shell command's program is checked when it is a path the build can see."""
        words = line.split()
        if words and "/" in words[0] and not words[0].startswith("$"):
            self._check_program(words[0], origin)

    def _check_program(self, program: str, origin: str) -> None:
        if "/" in program:
            path = Path(program) if program.startswith("/") else self.working_dir / program
            # Only paths the build can see are checked (the run image's own files are not).
            if (program.startswith(("/layers/", "/workspace/")) or not program.startswith("/")) and not path.exists():
                raise UserError(f"{origin} runs {program}, which is not in the image", where=origin,
                                fix=f"name a file that the build produces (relative paths start at {self.working_dir})")
            return
        if not any((d / program).exists() for d in self.search_path):
            available = sorted({p.name for d in self.search_path if d.is_dir() for p in d.iterdir()})
            raise UserError(f"{origin} runs {program!r}, which is not a program of the image",
                            where=origin, fix=f"run one of: {', '.join(available) or 'none'} (there is no shell "
                                              "and the run image has no other programs), or a path such as ./bin/x")


def check(app_dir: Path, env: Mapping[str, str], function_mode: bool) -> None:
    """What can be refused before anything is built: a malformed Procfile, or one with no
    web process for an app that names no entrypoint (as gcp-builder refuses it)."""
    procfile = read_procfile(app_dir)
    if function_mode or not procfile or "web" in procfile or settings.lookup(env, "entrypoint"):
        return
    raise UserError(f"the Procfile has no web process (it has: {', '.join(procfile)}), and no entrypoint is set",
                    where=PROCFILE, fix="add a 'web: <command>' line (the process the image runs by default), "
                                        "or set GOOGLE_ENTRYPOINT (or FUNC_ENTRYPOINT)")


def for_image(app_dir: Path, env: Mapping[str, str], log: Logger, runner: Runner,
              built: Process | None, function_mode: bool) -> list[Process]:
    """`built` is what the build made to serve (the function, or the app); it is `web`
    unless, for an app, an entrypoint or a Procfile `web:` says otherwise."""
    check(app_dir, env, function_mode)
    procfile = read_procfile(app_dir)
    entry = settings.lookup(env, "entrypoint", log)
    web: Process | None = built
    if function_mode:
        for what in ([entry.source] if entry else []) + (["the Procfile's web"] if "web" in procfile else []):
            log.warn(f"{what} is not used: the function is the web process")
    elif entry:
        web = Process("web", runner.command(entry.value, entry.source), default=True,
                      working_dir=runner.launch_dir)
        log.info(f"web: {entry.value} (from {entry.source})")
    elif "web" in procfile:
        web = Process("web", runner.command(procfile["web"], "Procfile (web)"), default=True,
                      working_dir=runner.launch_dir)
        log.info(f"web: {procfile['web']} (from the Procfile)")
    if web is None:
        raise UserError("nothing to run: no web process", where=PROCFILE if procfile else str(app_dir),
                        fix="add a 'web: <command>' line to the Procfile, or set GOOGLE_ENTRYPOINT (or FUNC_ENTRYPOINT)")
    web.default = True
    others = []
    for t, c in procfile.items():
        if t != "web":
            others.append(Process(t, runner.command(c, f"Procfile ({t})"), working_dir=runner.launch_dir))
            log.info(f"process {t}: {c} (from the Procfile)")
    return [web, *others]
