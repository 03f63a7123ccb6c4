"""`dotnet publish` of the user's project, and its errors in the user's terms."""
from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from funcpacks import tool_run
from funcpacks.errors import UserError

# Under the build's temporary directory (/tmp in a build container; a test gives each
# build its own TMPDIR, so builds on one host do not share it).
HOME_DIR = Path(tempfile.gettempdir()) / "funcpacks-dotnet" / "home"
# MSBuild diagnostics: "<file>(line,col): error CODE: text [project]" or "<file> : error CODE: ..."
_DIAGNOSTIC = re.compile(r"^\s*(?P<where>.*?)\s*:\s*error\s*(?P<code>[A-Z]+\d+)?\s*:\s*(?P<text>.*?)(?:\s+\[[^\]]*\])?\s*$")


@dataclass(frozen=True)
class Options:
    trimmed: bool
    rid: str
    framework: str
    config_file: Path | None
    extra_args: list[str]
    restore: bool = True  # False: the previous build's restore outputs are in obj/ (restore_outputs)


def command(dotnet: Path, project: Path, out: Path, opts: Options) -> list[str]:
    cmd = [str(dotnet), "publish", str(project), "-c", "Release", "-o", str(out), "--framework", opts.framework,
           "--nologo", "-p:ContinuousIntegrationBuild=true",
           # no build servers: they would outlive the build and hold its container
           "--disable-build-servers"]
    if opts.trimmed:
        cmd += ["-r", opts.rid, "--self-contained", "true", "-p:PublishTrimmed=true", "-p:InvariantGlobalization=true",
                "-p:DebugType=none", "-p:GenerateDocumentationFile=false"]
    else:
        # Launched as `dotnet app.dll`: no apphost, and no apphost pack to restore.
        cmd += ["-p:UseAppHost=false"]
    if opts.config_file is not None:
        cmd += ["--configfile", str(opts.config_file)]
    if not opts.restore:
        cmd.append("--no-restore")
    return cmd + opts.extra_args


def env(build_env: dict[str, str], sdk: Path, packages: Path) -> dict[str, str]:
    """The dotnet command's environment: the build's, with the SDK, the package cache and
    a home outside the source."""
    out = dict(build_env)
    HOME_DIR.mkdir(parents=True, exist_ok=True)
    out.update({
        "DOTNET_ROOT": str(sdk), "PATH": f"{sdk}:{out.get('PATH', '/usr/bin:/bin')}",
        "NUGET_PACKAGES": str(packages), "HOME": str(HOME_DIR), "DOTNET_CLI_HOME": str(HOME_DIR),
        "DOTNET_CLI_TELEMETRY_OPTOUT": "1", "DOTNET_NOLOGO": "1", "DOTNET_SKIP_FIRST_TIME_EXPERIENCE": "1",
        "DOTNET_GENERATE_ASPNET_CERTIFICATE": "false", "DOTNET_ADD_GLOBAL_TOOLS_TO_PATH": "false",
        # No build servers: they would outlive the build step and hold its container.
        "MSBUILDDISABLENODEREUSE": "1", "DOTNET_CLI_USE_MSBUILD_SERVER": "0", "UseSharedCompilation": "false",
    })
    return out


def errors(output: str, work_dir: Path) -> list[str]:
    """Distinct error diagnostics, with paths relative to the user's source."""
    found: list[str] = []
    for line in output.splitlines():
        m = _DIAGNOSTIC.match(line)
        if not m:
            continue
        where = m.group("where").replace(str(work_dir) + "/", "")
        code = f" {m.group('code')}" if m.group("code") else ""
        text = f"{where}: error{code}: {m.group('text')}"
        if text not in found:
            found.append(text)
    return found


def warnings(output: str, shorten: dict[str, str]) -> list[str]:
    """Distinct warning lines (MSBuild repeats them), paths shortened."""
    found: list[str] = []
    for line in output.splitlines():
        if ": warning " not in line:
            continue
        text = line.strip()
        for prefix, short in shorten.items():
            text = text.replace(prefix, short)
        if text not in found:
            found.append(text)
    return found


def run(cmd: list[str], work_dir: Path, env: dict[str, str]) -> str:
    return tool_run.run(cmd, lambda out: _failure(out, work_dir), cwd=work_dir, env=env).stdout


def _failure(out: tool_run.Output, work_dir: Path) -> UserError:
    """MSBuild's error diagnostics when it wrote some (the first ones: later errors tend to
    follow from them), else the output's tail; a restore failure is named as one."""
    found = errors(out.stdout, work_dir)
    codes = {re.search(r"error ([A-Z]+)\d+", e).group(1) for e in found}  # type: ignore[union-attr]
    if codes and codes <= {"NU"}:
        what = "restoring the NuGet packages failed"
        fix = ("check the package names and versions, and that the NuGet sources (the app's nuget.config "
               "or the nugetconfig binding) serve them")
    else:
        what = f"dotnet publish failed (exit {out.returncode})"
        fix = "fix the errors above (file(line,column): error CODE)" if found else "see the output above"
    shown = (lambda text: found[:25]) if found else (lambda text: text.strip().splitlines())
    return tool_run.Failure(what, fix, tail=25, lines=shown)(out)
