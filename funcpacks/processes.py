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
from typing import Callable

from . import program_file, user_files
from .context import Target
from .settings import Setting
from .errors import UserError
from .launch import Process
from .log import Logger

PROCFILE = "Procfile"
_LINE = re.compile(r"^([A-Za-z0-9_-]+)\s*:\s*(.*)$")
_ASSIGNMENT = re.compile(r"^[A-Za-z_]\w*=")
_SHELL_SYNTAX = re.compile(r"[|&;<>`]|\$\(|\$\{|\$\w")


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
    # The image's architecture (an ELF program for another does not start) and whether the
    # run image has glibc (a static run image has none: only static programs start there).
    arch: str = field(default_factory=lambda: Target.from_env({}).arch)
    has_libc: bool = True
    # Checks that `python -m <module>` finds the module (module, origin); raises UserError.
    module_check: Callable[[str, str], None] | None = None

    @property
    def launch_dir(self) -> str | None:
        return str(self.working_dir) if self.set_working_dir else None

    def command(self, line: str, origin: str) -> list[str]:
        """The process command; UserError when its program is not in the image."""
        if self.shell:
            words = _shell_words(line)
            if words and "/" in words[0] and _plain(words[0]):
                self._find(words[0], origin)
            module = _python_module(words)
            if module and self.module_check is not None:
                self.module_check(module, origin)
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

    def check_built(self, built: Process) -> None:
        """The process the build made: its program must start in the image too."""
        program = built.command[0] if built.command else ""
        if program.startswith("/") and Path(program).is_file():
            self._check_runnable(Path(program), program, f"the {built.type} process")

    def _check_runnable(self, path: Path, program: str, origin: str) -> None:
        """A file the process starts must be executable and something the image can start:
        an ELF program for its architecture and C library, or a script whose interpreter
        the image has. Each mistake passes the build and fails every start of the image."""
        if not path.stat().st_mode & 0o111:
            raise UserError(f"{origin} runs {program}, which is not executable: the image could not start",
                            where=origin, fix=f"make it executable (chmod +x {program}; in git: git update-index "
                                              f"--chmod=+x {program}), or run it through its interpreter")
        found = program_file.read(path)
        problem = program_file.why_not_runnable(found, self.arch, self.has_libc)
        fix = (f"build it for linux/{self.arch}" + ("" if self.has_libc else " and statically linked (for Go: "
               "CGO_ENABLED=0), or build with the general builder, whose run image has glibc") +
               ", or let the build make the program from source")
        if problem is None and found.kind in ("archive", "binary"):
            problem = f"it is {found.describe()}"
            fix = "run a program (for Go, the package main's binary the build makes)"
        elif problem is None and not self.shell and found.kind != "elf":
            interpreter = found.interpreter
            if found.kind == "script" and interpreter.startswith(("/layers/", "/workspace/")) and \
                    self._in_image(Path(interpreter)):
                return
            problem = f"it is {found.describe()}, and this run image has no shell or interpreter"
            fix = ("run a program the build produces (for Go, the built binary), or build with the general "
                   "builder, whose run image has bash and python3")
        if problem is not None:
            raise UserError(f"{origin} runs {program}: {problem}; the image could not start", where=origin, fix=fix)

    def _in_image(self, path: Path) -> bool:
        for layer, recorded in self.reused.items():
            if path.is_relative_to(layer):
                rel = path.relative_to(layer).as_posix()
                return rel in recorded or posixpath.dirname(rel) not in {posixpath.dirname(r) for r in recorded}
        return path.exists()


def _shell_words(line: str) -> list[str]:
    """The words of the first command of a shell line, less leading assignments; [] when
    it cannot be split."""
    try:
        words = shlex.split(re.split(r"[;&|]", line, maxsplit=1)[0])
    except ValueError:
        return []
    while words and _ASSIGNMENT.match(words[0]):
        words = words[1:]
    return words


def _plain(word: str) -> bool:
    """A word the build can check as written: no variables, quotes or home directories."""
    return not any(c in word for c in "$~`'\"")


_PYTHON = re.compile(r"^python(3(\.\d+)?)?$")


def _python_module(words: list[str]) -> str | None:
    """The module of `python -m <module> ...` (python, python3 or python3.N, by name or path)."""
    if len(words) >= 3 and _PYTHON.match(posixpath.basename(words[0])) and words[1] == "-m" and _plain(words[2]):
        return words[2]
    return None


def check(entrypoint: Setting | None, procfile: Procfile, function_mode: bool, log: Logger | None = None) -> None:
    """What can be refused before anything is built: a Procfile with no web process for
    an app that names no entrypoint (as gcp-builder refuses it). Skipped lines are logged."""
    if log is not None:
        for problem in procfile.problems:
            log.warn(problem)
    if function_mode or not procfile.processes or "web" in procfile.processes or entrypoint:
        return
    raise UserError(f"the Procfile has no web process (it has: {', '.join(procfile.processes)}), and no "
                    "entrypoint is set", where=PROCFILE,
                    fix="add a 'web: <command>' line (the process the image runs by default), "
                        "or set GOOGLE_ENTRYPOINT (or FUNC_ENTRYPOINT)")


def for_image(entrypoint: Setting | None, procfile: Procfile, log: Logger, runner: Runner, built: Process | None,
              function_mode: bool) -> list[Process]:
    """`built` is what the build made to serve (the function, or the app); it is `web`
    unless, for an app, an entrypoint or a Procfile `web:` says otherwise. An entrypoint
    whose program is not in the image fails the build; a Procfile's web that does not
    exist falls back to the built app (Heroku-style Procfiles name binaries the build
    puts elsewhere), other Procfile processes that cannot run are left out, with a warning.
    `procfile` is the Procfile as read before the source could be cleared; check() has
    reported its problems."""
    if built is not None:
        runner.check_built(built)
    processes = procfile.processes
    web: Process | None = built
    if function_mode:
        unused = [entrypoint.source] if entrypoint else []
        for what in unused + (["the Procfile's web"] if "web" in processes else []):
            log.warn(f"{what} is not used: the function is the web process")
    elif entrypoint:
        web = Process("web", runner.command(entrypoint.value, entrypoint.source), default=True,
                      working_dir=runner.launch_dir)
        log.info(f"web: {entrypoint.value} (from {entrypoint.source})")
    elif "web" in processes:
        try:
            web = Process("web", runner.command(processes["web"], "Procfile (web)"), default=True,
                          working_dir=runner.launch_dir)
            log.info(f"web: {processes['web']} (from the Procfile)")
        except UserError as exc:
            if built is None:
                raise
            log.warn(f"{exc.what}; the web process is the built app instead")
    if web is None:
        raise UserError("nothing to run: no web process", where=PROCFILE if processes else "the build's settings",
                        fix="add a 'web: <command>' line to the Procfile, or set GOOGLE_ENTRYPOINT (or FUNC_ENTRYPOINT)")
    web.default = True
    others = []
    for t, c in processes.items():
        if t == "web":
            continue
        try:
            others.append(Process(t, runner.command(c, f"Procfile ({t})"), working_dir=runner.launch_dir))
            log.info(f"process {t}: {c} (from the Procfile)")
        except UserError as exc:
            log.warn(f"{exc.what}; the process {t!r} is left out ({exc.fix})")
    return [web, *others]
