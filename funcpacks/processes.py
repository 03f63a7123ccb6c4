"""The image's processes: the built function or app as `web`, or the command a user gives
(GOOGLE_ENTRYPOINT / FUNC_ENTRYPOINT, or a Procfile's `web:`), plus every other Procfile
process type. Each is runnable as `docker run --entrypoint <type>` (the launcher's
/cnb/process/<type>)."""
from __future__ import annotations

import posixpath
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from . import settings, user_files
from .errors import UserError
from .launch import Process
from .log import Logger

PROCFILE = "Procfile"
# Set by a builder whose run image is static ([[build.env]] of builder-go): no shell, no
# C library.
RUN_IMAGE_VARIABLE = "FUNCPACKS_RUN_IMAGE"
STATIC = "static"
_LINE = re.compile(r"^([A-Za-z0-9_-]+)\s*:\s*(.*)$")
_ASSIGNMENT = re.compile(r"^[A-Za-z_]\w*=")
_SHELL_SYNTAX = re.compile(r"[|&;<>`]|\$\(|\$\{|\$\w")


def static_run_image(env: Mapping[str, str]) -> bool:
    return env.get(RUN_IMAGE_VARIABLE, "").strip() == STATIC


@dataclass
class Procfile:
    processes: dict[str, str] = field(default_factory=dict)  # type -> command, in file order
    problems: list[str] = field(default_factory=list)  # lines that were skipped, and why


def read_procfile(app_dir: Path) -> Procfile:
    """As gcp-builder and Heroku read it: `type: command` lines; other lines are skipped
    (and reported), a repeated type keeps its first command."""
    path = app_dir / PROCFILE
    found = Procfile()
    if not path.exists() and not path.is_symlink():
        return found
    for number, line in enumerate(user_files.read_source_file(app_dir, PROCFILE).splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _LINE.match(line.strip())
        if not m or not m.group(2).strip():
            found.problems.append(f"{PROCFILE}:{number} is not 'type: command' (types: letters, digits, - and _); skipped")
        elif m.group(1) in found.processes:
            found.problems.append(f"{PROCFILE}:{number} names {m.group(1)!r} again; the first one is used")
        else:
            found.processes[m.group(1)] = m.group(2).strip()
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
    # Launch layers kept from the previous image, whose contents are not here: directory ->
    # the files recorded when it was built (relative, e.g. "bin/gunicorn"). A path in one
    # of the recorded directories is checked against them; the layer's other files were
    # not recorded, so paths to them are not checked (as the run image's own files).
    reused: dict[Path, frozenset[str]] = field(default_factory=dict)

    @property
    def launch_dir(self) -> str | None:
        return str(self.working_dir) if self.set_working_dir else None

    def command(self, line: str, origin: str) -> list[str]:
        """The process command; UserError when its program is not in the image."""
        if self.shell:
            program = _shell_program(line)
            if program is not None:
                self._find(program, origin)
            return ["bash", "-c", line]
        if _SHELL_SYNTAX.search(line) or _ASSIGNMENT.match(line):
            raise UserError(f"{origin} uses shell syntax ({line!r}), and this run image has no shell: the command "
                            "runs directly, so variables, assignments and operators would be passed as text",
                            where=origin, fix="run the program with plain arguments (read PORT and other settings "
                                              "in the program), or build with the general builder, whose run image "
                                              "has bash")
        try:
            argv = shlex.split(line)
        except ValueError as exc:
            raise UserError(f"cannot split the command of {origin}: {exc}", where=origin,
                            fix="balance the quotes (the command runs without a shell)") from None
        if not argv:
            raise UserError(f"{origin} has an empty command", where=origin, fix="give the program to run")
        # The launcher looks a relative path up from the app directory, not the working
        # directory: make it absolute.
        argv[0] = str(self._find(argv[0], origin))
        return argv

    def _find(self, program: str, origin: str) -> Path | str:
        if "/" in program:
            path = Path(program) if program.startswith("/") else self.working_dir / program
            # Only paths the build can see are checked (the run image's own files are not).
            if (program.startswith(("/layers/", "/workspace/")) or not program.startswith("/")) and \
                    not self._in_image(path):
                raise UserError(f"{origin} runs {program}, which is not in the image", where=origin,
                                fix=f"name a file that the build produces (relative paths start at {self.working_dir})")
            if path.is_file():
                self._check_runnable(path, program, origin)
            return path
        if self.shell:
            return program
        if not any((d / program).exists() for d in self.search_path):
            available = sorted({p.name for d in self.search_path if d.is_dir() for p in d.iterdir()})
            raise UserError(f"{origin} runs {program!r}, which is not a program of the image",
                            where=origin, fix=f"run one of: {', '.join(available) or 'none'} (there is no shell "
                                              "and the run image has no other programs), or a path such as ./bin/x")
        return program

    def _check_runnable(self, path: Path, program: str, origin: str) -> None:
        """A file the process starts must be executable, and a script's interpreter must be
        in the image: a run image without a shell has no interpreter but what the build
        made, and either mistake passes the build and fails every start of the image."""
        if not path.stat().st_mode & 0o111:
            raise UserError(f"{origin} runs {program}, which is not executable: the image could not start",
                            where=origin, fix=f"make it executable (chmod +x {program}; in git: git update-index "
                                              f"--chmod=+x {program}), or run it through its interpreter")
        if self.shell:
            return  # the run image has bash and the usual interpreters; the shell reports the rest
        with path.open("rb") as f:
            head = f.read(512)
        if not head.startswith(b"#!"):
            return
        words = head[2:].split(b"\n", 1)[0].decode("utf-8", errors="replace").split()
        interpreter = words[0] if words else ""
        if interpreter.startswith(("/layers/", "/workspace/")) and self._in_image(Path(interpreter)):
            return
        raise UserError(f"{origin} runs {program}, a script for {interpreter or 'no interpreter'}, and this run "
                        "image has no shell or interpreter: the image could not start",
                        where=origin, fix="run a program the build produces (for Go, the built binary), or build "
                                          "with the general builder, whose run image has bash and python3")

    def _in_image(self, path: Path) -> bool:
        for layer, recorded in self.reused.items():
            if path.is_relative_to(layer):
                rel = path.relative_to(layer).as_posix()
                return rel in recorded or posixpath.dirname(rel) not in {posixpath.dirname(r) for r in recorded}
        return path.exists()


def _shell_program(line: str) -> str | None:
    """The program a shell command line runs, when it is a plain path the build can check
    (no variables, quotes or home directories); None otherwise."""
    try:
        words = shlex.split(re.split(r"[;&|]", line, maxsplit=1)[0])
    except ValueError:
        return None
    while words and _ASSIGNMENT.match(words[0]):
        words = words[1:]
    if not words or "/" not in words[0] or any(c in words[0] for c in "$~`'\""):
        return None
    return words[0]


def check(app_dir: Path, env: Mapping[str, str], function_mode: bool, log: Logger | None = None,
          procfile: Procfile | None = None) -> None:
    """What can be refused before anything is built: a Procfile with no web process for
    an app that names no entrypoint (as gcp-builder refuses it). Skipped lines are logged."""
    procfile = procfile if procfile is not None else read_procfile(app_dir)
    if log is not None:
        for problem in procfile.problems:
            log.warn(problem)
    if function_mode or not procfile.processes or "web" in procfile.processes or settings.lookup(env, "entrypoint"):
        return
    raise UserError(f"the Procfile has no web process (it has: {', '.join(procfile.processes)}), and no "
                    "entrypoint is set", where=PROCFILE,
                    fix="add a 'web: <command>' line (the process the image runs by default), "
                        "or set GOOGLE_ENTRYPOINT (or FUNC_ENTRYPOINT)")


def for_image(app_dir: Path, env: Mapping[str, str], log: Logger, runner: Runner,
              built: Process | None, function_mode: bool, procfile_read: Procfile | None = None) -> list[Process]:
    """`built` is what the build made to serve (the function, or the app); it is `web`
    unless, for an app, an entrypoint or a Procfile `web:` says otherwise. An entrypoint
    whose program is not in the image fails the build; a Procfile's web that does not
    exist falls back to the built app (Heroku-style Procfiles name binaries the build
    puts elsewhere), other Procfile processes that cannot run are left out, with a warning.
    `procfile_read` is the Procfile as read before the source was cleared."""
    read = procfile_read if procfile_read is not None else read_procfile(app_dir)
    check(app_dir, env, function_mode, procfile=read)
    procfile = read.processes
    entry = settings.lookup(env, "entrypoint", log)
    web: Process | None = built
    if function_mode:
        for what in ([entry.source] if entry else []) + (["the Procfile's web"] if "web" in procfile else []):
            log.warn(f"{what} is not used: the function is the web process")
    elif entry:
        web = Process("web", runner.command(entry.value, entry.source), default=True, working_dir=runner.launch_dir)
        log.info(f"web: {entry.value} (from {entry.source})")
    elif "web" in procfile:
        try:
            web = Process("web", runner.command(procfile["web"], "Procfile (web)"), default=True,
                          working_dir=runner.launch_dir)
            log.info(f"web: {procfile['web']} (from the Procfile)")
        except UserError as exc:
            if built is None:
                raise
            log.warn(f"{exc.what}; the web process is the built app instead")
    if web is None:
        raise UserError("nothing to run: no web process", where=PROCFILE if procfile else str(app_dir),
                        fix="add a 'web: <command>' line to the Procfile, or set GOOGLE_ENTRYPOINT (or FUNC_ENTRYPOINT)")
    web.default = True
    others = []
    for t, c in procfile.items():
        if t == "web":
            continue
        try:
            others.append(Process(t, runner.command(c, f"Procfile ({t})"), working_dir=runner.launch_dir))
            log.info(f"process {t}: {c} (from the Procfile)")
        except UserError as exc:
            log.warn(f"{exc.what}; the process {t!r} is left out ({exc.fix})")
    return [web, *others]
