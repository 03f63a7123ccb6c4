"""`go build` of the main package: stripped and trimmed, with the user's extra flags,
and hints for the failures whose fix the compiler does not name."""
from __future__ import annotations

from pathlib import Path

from funcpacks.log import Logger

from . import gotool
from .config import Config
from .module_source import GOPATH, VENDORED, Source

GOPATH_HINT = gotool.Hint("cannot find package", "an import is neither in vendor/ nor in the standard library",
                          "vendor it, or commit a go.mod (go mod init <module path> && go mod tidy) so the "
                          "build downloads it")


def run(go: Path, src: Source, env: dict[str, str], cfg: Config, package: str, out: Path, log: Logger) -> None:
    # An -ldflags among the extra flags (Paketo's examples put it in BP_GO_BUILD_FLAGS)
    # joins the others: the go command keeps only the last -ldflags, which would drop -s -w.
    extra, more_ldflags = take_ldflags(list(cfg.build_flags))
    ldflags = " ".join(["-s -w", cfg.goldflags, *more_ldflags]).strip()
    args = ["build", "-trimpath", "-ldflags", ldflags]
    if cfg.gcflags:
        args += ["-gcflags", cfg.gcflags]
    args += extra
    hints = gotool.VENDOR_HINTS if src.mode in (VENDORED, GOPATH) else ()
    if src.mode == GOPATH:
        hints += (GOPATH_HINT,)
    with log.timed(f"go build {package}"):
        gotool.run(go, [*args, "-o", str(out), package], src.work_dir, env,
                   "the Go build failed", "fix the errors the compiler reports above (file:line)", hints)


def take_ldflags(words: list[str]) -> tuple[list[str], list[str]]:
    """(the words without -ldflags, the values of the -ldflags among them)."""
    rest: list[str] = []
    values: list[str] = []
    it = iter(words)
    for word in it:
        flag, sep, val = word.partition("=")
        if flag.lstrip("-") == "ldflags" and flag.startswith("-"):
            values.append(val if sep else next(it, ""))
        else:
            rest.append(word)
    return rest, [v for v in values if v]
