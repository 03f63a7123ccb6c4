"""package.json as the build reads it: the fields that decide what is installed, what runs
and which Node.js, each checked for its type, so a wrong one is an error naming the field
instead of a traceback later."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from funcpacks import user_files
from funcpacks.errors import UserError

FILE = "package.json"
LOCKS = ("package-lock.json", "npm-shrinkwrap.json")


@dataclass(frozen=True)
class PackageJson:
    present: bool = False
    scripts: dict[str, str] = field(default_factory=dict)
    dependencies: dict[str, str] = field(default_factory=dict)
    dev_dependencies: dict[str, str] = field(default_factory=dict)
    engines_node: str = ""
    package_manager: str = ""  # corepack's "packageManager": "pnpm@9.1.0"

    @property
    def installs_anything(self) -> bool:
        return bool(self.dependencies or self.dev_dependencies)


def _error(what: str, fix: str, where: str = FILE) -> UserError:
    return UserError(f"{FILE}: {what}", where=where, fix=fix)


def _string_map(data: dict[str, Any], key: str) -> dict[str, str]:
    value = data.get(key, {})
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise _error(f'"{key}" must be an object of strings (name: version or command)',
                     fix=f'write "{key}" as {{"name": "value", ...}}')
    return dict(value)


def _string(data: dict[str, Any], key: str) -> str:
    value = data.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _error(f'"{key}" must be a string, not {type(value).__name__}', fix=f'write "{key}" as a string')
    return value.strip()


def read(app_dir: Path) -> PackageJson:
    """The project's package.json, or an absent one (present=False) when there is none."""
    path = app_dir / FILE
    if not path.exists() and not path.is_symlink():
        return PackageJson()
    import json  # here: detect passes through this module, and most detects have no package.json
    text = user_files.read_source_file(app_dir, FILE)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        line = text.splitlines()[exc.lineno - 1] if 0 < exc.lineno <= len(text.splitlines()) else ""
        raise UserError(f"{FILE} is not valid JSON: {exc.msg}", where=f"{FILE}:{exc.lineno}:{exc.colno}",
                        detail=(line + "\n" + " " * (exc.colno - 1) + "^") if line else "",
                        fix=f"fix the JSON at that line (`node -e 'require(\"./{FILE}\")'` shows the same error)") \
            from None
    except RecursionError:
        raise _error("is nested too deeply to be a package description", fix=f"check that {FILE} is the file you "
                     "meant") from None
    if not isinstance(data, dict):
        raise _error(f"the top level is a {type(data).__name__}, not an object", fix=f"make {FILE} a JSON object")
    engines = data.get("engines") or {}
    if not isinstance(engines, dict):
        raise _error('"engines" must be an object', fix='write "engines" as {"node": "22"}')
    # Checked only: the functions framework resolves "main" and node reads "type" itself,
    # but a wrong one fails every start of the image.
    _string(data, "main")
    module_type = _string(data, "type") or "commonjs"
    if module_type not in ("commonjs", "module"):
        raise _error(f'"type" is {module_type!r}', fix='set "type" to "module" or "commonjs" (or remove it)')
    node = engines.get("node", "")
    if not isinstance(node, str):
        raise _error('"engines.node" must be a string', fix='write it as a version range, e.g. ">=20"')
    return PackageJson(present=True, scripts=_string_map(data, "scripts"), dependencies=_string_map(data, "dependencies"),
                       dev_dependencies=_string_map(data, "devDependencies"), engines_node=node.strip(),
                       package_manager=_string(data, "packageManager"))


def lock_file(app_dir: Path) -> str:
    """npm's lock of the project ('' when there is none): npm-shrinkwrap.json wins, as in npm."""
    for name in reversed(LOCKS):
        if (app_dir / name).is_file():
            return name
    return ""
