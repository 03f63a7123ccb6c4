"""A source without go.mod is built as a module made for the build: `go mod init`, then
`go mod tidy` resolves its imports through the module proxy. The go.mod and go.sum that
result are kept in the image, as the record of what was resolved."""
from __future__ import annotations

import shutil
from pathlib import Path

from funcpacks.errors import UserError
from funcpacks.layers import Layer
from funcpacks.log import Logger

from . import functions, gotool, module_source
from .module_source import GENERATED, Source


def init(src: Source, go: Path, env: dict[str, str]) -> None:
    if src.mode == GENERATED:
        gotool.run(go, ["mod", "init", module_source.GENERATED_MODULE], src.work_dir, env,
                   "cannot create a module for the build", "commit a go.mod ('go mod init <module path>')")


def tidy(src: Source, go: Path, env: dict[str, str], log: Logger, pkg: functions.Package | None = None) -> None:
    """A generated module learns its requirements from the imports (go mod tidy)."""
    if src.mode != GENERATED:
        return
    try:
        with log.timed("go mod tidy (resolving the imports through the module proxy)"):
            gotool.run(go, ["mod", "tidy"], src.work_dir, env, "cannot resolve the imports of a source without go.mod",
                       "commit a go.mod and go.sum made with 'go mod init <module path> && go mod tidy'")
    except gotool.GoFailed as exc:
        missing = module_source.unresolved_imports(exc.output)
        if not missing:
            raise
        files = sorted({f for imp in missing for f in (pkg.files.get(imp, ()) if pkg else ())})
        raise UserError(f"no module provides the import {', '.join(repr(m) for m in missing)} (the source has no go.mod, "
                        "so imports are looked up through the module proxy)",
                        where=", ".join(files) or "the source", detail=exc.detail,
                        fix="correct the import path, or commit a go.mod and go.sum that require the module "
                            "('go mod init <module path> && go mod tidy'; GOPRIVATE modules need a netrc binding)") from None
    go_sum = src.work_dir / "go.sum"
    n = sum(1 for line in go_sum.read_text().splitlines()
            if len(line.split()) == 3 and not line.split()[1].endswith("/go.mod")) if go_sum.exists() else 0
    log.info(f"the generated go.mod requires {n} module versions (go.sum kept in the image with the SBOM)")


def keep(src: Source, layer: Layer, log: Logger) -> None:
    """The go.mod and go.sum a source without go.mod was built with: the record of what
    was resolved, next to the SBOM (and ready to commit)."""
    if src.mode != GENERATED:
        return
    dest = layer.path / "generated-module"
    dest.mkdir(parents=True)
    for name in ("go.mod", "go.sum"):
        if (src.work_dir / name).exists():
            shutil.copy(src.work_dir / name, dest / name)
    log.info(f"generated go.mod and go.sum: {dest}")
