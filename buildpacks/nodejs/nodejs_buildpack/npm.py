"""Running npm (the one the chosen Node.js carries, as `node npm-cli.js`), pnpm or Yarn,
and turning their failures into errors that say what to do."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from funcpacks import tool_run
from funcpacks.log import Logger
from funcpacks.tool_run import Hint

from .runtime import Node

UNREACHABLE = ("the npm registry cannot be reached",
               "check the network, or point the registry (NPM_CONFIG_REGISTRY or a binding of type npmrc) at a "
               "reachable one")
UNTRUSTED = ("the npm registry's certificate is not trusted", "give its CA as a binding of type ca-certificates")
HINTS = (
    Hint("can only install packages when your package.json and package-lock.json",
         "package-lock.json does not match package.json (npm ci installs exactly the lock)",
         "run `npm install` and commit the updated package-lock.json"),
    Hint("The `npm ci` command can only install with an existing package-lock.json",
         "npm ci needs package-lock.json", "run `npm install` and commit package-lock.json"),
    Hint("E404", "a package is not in the npm registry the build uses",
         "check the name and version in package.json, or point the registry (NPM_CONFIG_REGISTRY, an .npmrc, a "
         "binding of type npmrc) at one that has it"),
    Hint("ETARGET", "no version of a package matches what package.json asks for",
         "ask for a version the registry has (`npm view <package> versions`)"),
    Hint("E401", "the npm registry refused the credentials", "check the token of the npmrc binding or .npmrc"),
    *(Hint(code, *UNREACHABLE) for code in ("ENOTFOUND", "EAI_AGAIN")),
    *(Hint(code, *UNTRUSTED) for code in ("SELF_SIGNED_CERT_IN_CHAIN", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY")),
)
# pnpm's and Yarn's own words for the same failures (npm's codes come through some of them).
LOCK_HINTS = {
    "pnpm": Hint("ERR_PNPM_OUTDATED_LOCKFILE", "pnpm-lock.yaml does not match package.json (the build installs "
                 "exactly the lock)", "run `pnpm install` and commit the updated pnpm-lock.yaml"),
    "yarn": Hint("Your lockfile needs to be updated", "yarn.lock does not match package.json (the build installs "
                 "exactly the lock)", "run `yarn install` and commit the updated yarn.lock"),
    "yarn-berry": Hint("YN0028", "yarn.lock does not match package.json (the build installs exactly the lock)",
                       "run `yarn install` and commit the updated yarn.lock"),
}
MISSING = ("a package is not in the registry the build uses",
           "check the name and version in package.json, or point the registry at one that has it")
OTHER_HINTS = (
    Hint("ERR_PNPM_FETCH_404", *MISSING), Hint("ERR_PNPM_NO_MATCHING_VERSION", *MISSING[:1], "ask for a version "
                                                "the registry has (`pnpm view <package> versions`)"),
    Hint("Couldn't find package", *MISSING), Hint("YN0035", *MISSING),
    Hint("ERR_PNPM_LOCKFILE_BREAKING_CHANGE", "this pnpm cannot read the project's pnpm-lock.yaml (another "
         "pnpm major wrote it)", 'set package.json "packageManager" to the pnpm that wrote it (`corepack use '
         'pnpm@<version>`)'),
)


def shown_lines(text: str) -> list[str]:
    """What of npm's output says why it failed: its error lines and the output of the
    scripts it ran, without its warnings and the usage text it appends to some errors."""
    kept = []
    for line in text.splitlines():
        body = line.strip()
        if body in ("npm error Usage:", "npm ERR! Usage:") or body.startswith("npm error Clean install"):
            break
        if body.startswith(("npm warn", "npm WARN", "npm notice")) or body in ("", "npm error", "npm ERR!"):
            continue
        kept.append(line.rstrip())
    return kept


class Npm:
    """A package manager run by the chosen Node.js: npm by default, or `program` (pnpm's or
    Yarn's bin entry) named `name`, whose hints come before npm's."""

    def __init__(self, node: Node, env: dict[str, str], log: Logger, name: str = "npm",
                 program: Path | None = None, hints: tuple[Hint, ...] = ()) -> None:
        self.node, self.env, self.log, self.name = node, env, log, name
        self.prefix = [str(program)] if program else [str(node.executable), str(node.npm_cli)]
        self.hints = (*hints, *OTHER_HINTS, *HINTS) if program else HINTS

    def with_program(self, name: str, program: Path, env: dict[str, str], hints: tuple[Hint, ...]) -> "Npm":
        return Npm(self.node, env, self.log, name, program, hints)

    def run(self, args: Sequence[str], cwd: Path, what: str, fix: str, where: str = "") -> str:
        with self.log.timed(f"{self.name} {' '.join(args)}"):
            out = tool_run.run([*self.prefix, *args], tool_run.Failure(what, fix, where=where, hints=self.hints,
                                                                       lines=shown_lines),
                               cwd=cwd, env=self.env, echo=self.log.detail)
        return out.stdout
