"""User settings given as platform env, in the spellings users already write.

One table: every setting's names in order of precedence (gcp-builder's GOOGLE_*, then
OpenFunction's FUNC_*, then Paketo's BP_*), the languages that read it and what it means.
Every buildpack reads settings through it, and the README's settings reference is
generated from it (funcpacks_dev/generate/settings_reference.py), so the two cannot drift.
"""
from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from . import func_yaml
from .errors import UserError
from .log import Logger

PYTHON, GO, DOTNET, NODEJS = "python", "go", "dotnet", "nodejs"
LANGUAGES = (PYTHON, GO, DOTNET, NODEJS)
ALL = LANGUAGES


@dataclass(frozen=True)
class Definition:
    key: str
    names: tuple[str, ...]  # in order of precedence
    languages: tuple[str, ...]
    meaning: str
    # Spellings that must agree: a function named twice, differently, means one of the
    # names is a mistake, and building the other would ship the wrong function.
    must_agree: bool = False
    # Values that may carry credentials (a proxy URL with a token): messages name the
    # variables, never their values.
    secret: bool = False


TABLE: tuple[Definition, ...] = (
    Definition("runtime", ("GOOGLE_RUNTIME", "FUNC_RUNTIME"), ALL,
               "the language to build: `python`, `go`, `dotnet` or `nodejs`, also with a version as gcp-builder "
               "writes it (`python313`, `go126`, `dotnet10`, `nodejs22`), which then is the version request when no other setting names "
               "one; only that language's buildpack detects"),
    Definition("function_target", ("GOOGLE_FUNCTION_TARGET", "FUNC_NAME"), ALL,
               "function mode: the function to serve", must_agree=True),
    Definition("signature_type", ("GOOGLE_FUNCTION_SIGNATURE_TYPE", "FUNC_TYPE"), ALL,
               "`http`, `event` or `cloudevent`; checked against the function, and the launch default "
               "`FUNCTION_SIGNATURE_TYPE`"),
    Definition("function_source", ("GOOGLE_FUNCTION_SOURCE", "FUNC_SRC"), (PYTHON, NODEJS),
               "the file that defines the function (Python: default `main.py`; Node.js: a file or directory, "
               "default package.json's `main`, else `index.js`, else `function.js`)"),
    Definition("entrypoint", ("GOOGLE_ENTRYPOINT", "FUNC_ENTRYPOINT"), ALL,
               "app mode: the `web` process's command (wins over a Procfile's `web`)"),
    Definition("procfile_default_process", ("BP_PROCFILE_DEFAULT_PROCESS",), ALL,
               "Paketo's spelling of the `web` command, used when neither the entrypoint settings nor a Procfile "
               "`web` line name one (knative func sets it for Python functions)"),
    Definition("runtime_version", ("GOOGLE_RUNTIME_VERSION", "FUNC_RUNTIME_VERSION"), ALL,
               "the version of the language (Python; the Go toolchain; the .NET SDK; Node.js)"),
    Definition("python_version", ("GOOGLE_PYTHON_VERSION", "FUNC_PYTHON_VERSION", "BP_CPYTHON_VERSION"), (PYTHON,),
               "the Python version; wins over the runtime version"),
    Definition("go_version", ("GOOGLE_GO_VERSION", "FUNC_GO_VERSION", "BP_GO_VERSION"), (GO,),
               "the Go toolchain version; wins over the runtime version and go.mod"),
    Definition("nodejs_version", ("GOOGLE_NODEJS_VERSION", "FUNC_NODEJS_VERSION", "BP_NODE_VERSION"), (NODEJS,),
               "the Node.js version or range (`22`, `22.11.0`, `^20.10`); wins over the runtime version, "
               "package.json's `engines.node`, `.nvmrc` and `.node-version`"),
    Definition("node_run_scripts", ("GOOGLE_NODE_RUN_SCRIPTS", "FUNC_NODE_RUN_SCRIPTS"), (NODEJS,),
               "comma-separated package.json scripts run after the install (default: `gcp-build`, else "
               "`build`); set and empty: none"),
    Definition("dotnet_sdk_version", ("GOOGLE_DOTNET_SDK_VERSION", "FUNC_DOTNET_SDK_VERSION"), (DOTNET,),
               "the .NET SDK version; wins over the runtime version and global.json"),
    Definition("dotnet_framework_version", ("BP_DOTNET_FRAMEWORK_VERSION",), (DOTNET,),
               "the .NET runtime version to run on (an SDK that carries it is chosen)"),
    Definition("python_package_manager", ("GOOGLE_PYTHON_PACKAGE_MANAGER", "FUNC_PYTHON_PACKAGE_MANAGER"), (PYTHON,),
               "`pip`, `uv` or `poetry` (default: from the lock file)"),
    Definition("skip_framework_injection", ("GOOGLE_SKIP_FRAMEWORK_INJECTION", "FUNC_SKIP_FRAMEWORK_INJECTION"),
               (PYTHON, NODEJS), "`true`: do not add the functions framework (Python's functions-framework, "
               "Node.js's @google-cloud/functions-framework)"),
    Definition("vendor_pip_dependencies", ("GOOGLE_VENDOR_PIP_DEPENDENCIES", "FUNC_VENDOR_PIP_DEPENDENCIES"),
               (PYTHON,), "a directory of the source with every wheel: install from it only (air-gapped)"),
    Definition("vendor_npm_dependencies", ("GOOGLE_VENDOR_NPM_DEPENDENCIES", "FUNC_VENDOR_NPM_DEPENDENCIES"),
               (NODEJS,), "`true`: the source's own node_modules is the dependencies, as it is (no registry, no "
               "install); native modules in it are rebuilt, offline"),
    Definition("framework_version", ("FUNC_FRAMEWORK_VERSION",), (PYTHON, GO),
               "the version of the functions framework added when the source names none: Python's "
               "functions-framework, or OpenFunction's Go framework (Google's is added at its pin)"),
    Definition("clear_source", ("GOOGLE_CLEAR_SOURCE", "FUNC_CLEAR_SOURCE", "BP_CLEAR_SOURCE"), (GO, DOTNET),
               "`true`: the source is removed from `/workspace` in the image"),
    Definition("keep_files", ("BP_KEEP_FILES",), (GO, DOTNET),
               "with the source cleared: `:`-separated glob patterns of source files to keep (e.g. `static/*`)"),
    Definition("buildable", ("GOOGLE_BUILDABLE", "FUNC_BUILDABLE"), (GO, DOTNET),
               "app mode: the Go main package / the .NET project to build"),
    Definition("go_targets", ("BP_GO_TARGETS",), (GO,),
               "Paketo's spelling of the Go main package (one target; `:`-separated lists are refused)"),
    Definition("go_workdir", ("BP_GO_WORKDIR",), (GO,),
               "knative func's scaffolding directory (`.func/build`): for a func function funcpacks generates the "
               "same main from the source, so it is not read; set for anything else, the build fails"),
    Definition("default_listen_address", ("BPE_DEFAULT_LISTEN_ADDRESS",), (GO, PYTHON),
               "a Knative Functions function's `LISTEN_ADDRESS` at launch (func sets `[::]:8080`); without it the "
               "function listens on all interfaces at `$PORT` (8080 when PORT is unset)"),
    Definition("dotnet_project_path", ("BP_DOTNET_PROJECT_PATH",), (DOTNET,),
               "Paketo's spelling of the directory of the .NET project to build"),
    Definition("build_args", ("GOOGLE_BUILD_ARGS", "FUNC_BUILD_ARGS"), (GO, DOTNET),
               "extra arguments of `go build` / `dotnet publish` (shell words)"),
    Definition("go_build_flags", ("BP_GO_BUILD_FLAGS",), (GO,), "Paketo's extra `go build` flags (shell words)"),
    Definition("dotnet_publish_flags", ("BP_DOTNET_PUBLISH_FLAGS",), (DOTNET,),
               "Paketo's extra `dotnet publish` flags (shell words)"),
    Definition("goldflags", ("GOOGLE_GOLDFLAGS", "FUNC_GOLDFLAGS", "BP_GO_BUILD_LDFLAGS"), (GO,),
               "added to `-ldflags \"-s -w\"`"),
    Definition("gogcflags", ("GOOGLE_GOGCFLAGS", "FUNC_GOGCFLAGS"), (GO,), "`go build -gcflags`"),
    Definition("goproxy", ("FUNC_GOPROXY", "GOPROXY"), (GO,),
               "the module proxy (credentials allowed: passed to the go command only)", secret=True),
    Definition("dotnet_trimmed", ("FUNC_DOTNET_TRIMMED",), (DOTNET,),
               "`true`: a self-contained, trimmed app for `funcpacks/run-cc`"),
    Definition("dotnet_feed", ("FUNC_DOTNET_FEED",), (DOTNET,), "a mirror of Microsoft's .NET release feed"),
    Definition("image_labels", ("BP_IMAGE_LABELS",), ALL,
               "image labels as space-separated `key=value` pairs (quotes allowed), as Paketo's image-labels"),
    Definition("embed_certs", ("BP_EMBED_CERTS",), ALL,
               "`true`: CA certificates from a `ca-certificates` binding are also added to the image"),
    Definition("dependency_mirror", ("BP_DEPENDENCY_MIRROR",), ALL,
               "a mirror for every dependency download (`BP_DEPENDENCY_MIRROR_<HOST>` for one host)"),
)
BY_KEY = {d.key: d for d in TABLE}
_SECRET_NAMES = {n for d in TABLE if d.secret for n in d.names}
# Families of variables named by a prefix (name -> meaning), also in the reference.
PREFIXES: dict[str, str] = {
    "GOOGLE_LABEL_": "`GOOGLE_LABEL_<KEY>=v`: image label `google.<key>` (lower case, `_` -> `-`), as gcp-builder; "
                     "KEY starts with a letter (letters, digits, `-`, single `_`), else the build fails",
    "FUNC_LABEL_": "`FUNC_LABEL_<KEY>=v`: the same, to `google.<key>` too, as OpenFunction's builder does",
    "BP_DEPENDENCY_MIRROR_": "a mirror for one host (HOST upper-cased, `.` -> `_`, `-` -> `__`)",
    "BP_OCI_": "Paketo's `org.opencontainers.image.*` labels (`BP_OCI_SOURCE` -> `...source`)",
}
# Other variables of these families that are meant for someone else: not misspellings.
OTHERS = {"GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CLOUD_PROJECT", "GOOGLE_CLOUD_REGION", "GOOGLE_RUNTIME_IMAGE_REGION",
          "GOOGLE_DEVMODE", "FUNC_CONTEXT", "BP_LOG_LEVEL", "BP_DEBUG"}
FAMILY = re.compile(r"^(GOOGLE|FUNC|BP)_[A-Z0-9_]+$")


@dataclass(frozen=True)
class Setting:
    value: str
    source: str  # the variable it came from


def _given(env: Mapping[str, str], names: tuple[str, ...]) -> list[Setting]:
    return [Setting(env[n].strip(), n) for n in names if env.get(n, "").strip()]


def _shown(s: Setting) -> str:
    """A setting as messages show it: NAME='value', or only NAME for a secret one."""
    return s.source if s.source in _SECRET_NAMES else f"{s.source}={s.value!r}"


def lookup(env: Mapping[str, str], key: str, log: Logger | None = None) -> Setting | None:
    """The value of setting `key`, or None when unset or empty. With a log (the build
    phase) disagreeing spellings are reported: a warning naming the one used, or an error
    for must-agree settings; without one (detect) the first spelling is taken."""
    d = BY_KEY[key]
    given = _given(env, d.names)
    if not given:
        return None
    first = given[0]
    others = [s for s in given[1:] if s.value != first.value]
    if others and log is not None:
        listed = " and ".join(_shown(s) for s in [first, *others])
        if d.must_agree:
            raise UserError(f"{listed} name different functions ({first.source} would win, as in gcp-builder, "
                            "but building the wrong function is worse than stopping)",
                            where="the build's environment (spec.build.env, pack --env)",
                            fix="set only one of them, or both to the same name")
        log.warn(f"{listed} are both set; using {first.source}")
    return first


def set_empty(env: Mapping[str, str], key: str) -> str:
    """The spelling of setting `key` that is set to an empty value when none has a value
    ('' otherwise): for settings where "set and empty" means "none" (gcp-builder's
    GOOGLE_NODE_RUN_SCRIPTS)."""
    d = BY_KEY[key]
    if _given(env, d.names):
        return ""
    return next((n for n in d.names if n in env), "")


def value(env: Mapping[str, str], key: str, log: Logger | None = None, default: str = "") -> str:
    s = lookup(env, key, log)
    return s.value if s else default


def first_of(env: Mapping[str, str], keys: tuple[str, ...], log: Logger | None = None) -> Setting | None:
    """The first of several settings that is set, in the order given (e.g. a language's
    own version setting before the runtime version); the log says which won when others
    disagree."""
    found = [s for s in (lookup(env, k, log) for k in keys) if s is not None]
    if not found:
        return None
    others = [s for s in found[1:] if s.value != found[0].value]
    if others and log is not None:
        log.warn(f"{_shown(found[0])} wins over " + ", ".join(_shown(s) for s in others))
    return found[0]


def words(env: Mapping[str, str], key: str, log: Logger | None = None) -> list[str]:
    """A setting holding shell words (extra flags), split as a shell would."""
    s = lookup(env, key, log)
    if s is None:
        return []
    try:
        return shlex.split(s.value)
    except ValueError as exc:
        raise UserError(f"{s.source} cannot be split into words: {exc}", where=s.source,
                        fix="balance the quotes") from None


def truthy(text: str) -> bool:
    return text.strip().lower() in {"1", "true", "yes", "on"}


def flag(env: Mapping[str, str], key: str, log: Logger | None = None) -> bool:
    return truthy(value(env, key, log))


# ---- GOOGLE_RUNTIME -------------------------------------------------------------------------

_RUNTIME = re.compile(r"^(python|go|dotnet|nodejs)(\d*)$")


@dataclass(frozen=True)
class RuntimeRequest:
    language: str
    version: str  # '' when the value names no version
    source: str
    value: str


def _suffix_version(language: str, digits: str) -> str:
    """gcp-builder's runtime names: python313 -> 3.13, go126 -> 1.26, dotnet10 -> 10, nodejs22 -> 22."""
    if not digits:
        return ""
    if language in (PYTHON, GO):
        return f"{digits[0]}.{digits[1:]}" if len(digits) > 1 else digits
    return digits


def runtime(env: Mapping[str, str], log: Logger | None = None) -> RuntimeRequest | None:
    s = lookup(env, "runtime", log)
    if s is None:
        return None
    m = _RUNTIME.match(s.value.strip().lower())
    if not m:
        raise UserError(f"{s.source}={s.value!r} is not a language funcpacks builds",
                        where="the build's environment",
                        fix="use one of python, go, dotnet, nodejs, optionally with a version as in python313, "
                            "go126, dotnet10, nodejs22")
    return RuntimeRequest(m.group(1), _suffix_version(m.group(1), m.group(2)), s.source, s.value)


def runtime_forbids(env: Mapping[str, str], language: str, app_dir: Path | None = None) -> str:
    """Why a forced runtime rules this language out ('' when it does not): the runtime
    setting, else (given the source) the runtime a Knative Functions func.yaml names."""
    req = runtime(env)
    if req is None:
        named = func_yaml.language(app_dir) if app_dir is not None else None
        if named is None or named[0] == language:
            return ""
        return f"{named[1]}: the build is for {named[0]}, not {language}"
    if req.language == language:
        return ""
    return f"{req.source}={req.value}: the build is for {req.language}, not {language}"


def version_request(env: Mapping[str, str], own_key: str, log: Logger | None = None,
                    after: tuple[str, ...] = ()) -> Setting | None:
    """A language's version setting: its own, then the runtime version, then `after`."""
    return first_of(env, (own_key, "runtime_version", *after), log)


def runtime_version_hint(env: Mapping[str, str]) -> Setting | None:
    """The version in GOOGLE_RUNTIME (python313 -> 3.13), which each language takes only
    when neither a setting nor the project's own files name a version."""
    req = runtime(env)
    if req is None or not req.version:
        return None
    return Setting(req.version, f"{req.source} ({req.value})")


# ---- names no buildpack knows -------------------------------------------------------------

def known_names() -> set[str]:
    return {n for d in TABLE for n in d.names} | OTHERS


def unknown(env: Mapping[str, str]) -> list[tuple[str, str]]:
    """(variable, closest known name or '') for every GOOGLE_*/FUNC_*/BP_* variable that
    is neither a setting nor of a known prefix family."""
    import difflib  # here: only the build warns about unknown names
    known = known_names()
    found = []
    for name in sorted(env):
        if not FAMILY.match(name) or name in known or name.startswith(tuple(PREFIXES)):
            continue
        close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.85)
        found.append((name, close[0] if close else ""))
    return found


def warn_unknown(env: Mapping[str, str], log: Logger) -> None:
    for name, close in unknown(env):
        hint = f"; did you mean {close}?" if close else " (ignored)"
        log.warn(f"{name} is not a setting funcpacks knows{hint}")


# ---- the README's reference -----------------------------------------------------------------

def reference_markdown() -> str:
    lines = ["| setting (first spelling wins) | languages | meaning |", "| --- | --- | --- |"]
    for d in TABLE:
        names = " / ".join(f"`{n}`" for n in d.names)
        langs = "all" if d.languages == ALL else ", ".join(d.languages)
        lines.append(f"| {names} | {langs} | {d.meaning} |")
    for prefix, meaning in PREFIXES.items():
        lines.append(f"| `{prefix}*` | all | {meaning} |")
    return "\n".join(lines) + "\n"
