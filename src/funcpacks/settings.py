"""User settings given as platform env, in the spellings users already write.

gcp-builder users write GOOGLE_*, OpenFunction builder users FUNC_*. Both are accepted;
when both are set and differ, the GOOGLE_* value wins and the log says so.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from .errors import UserError
from .log import Logger

# (GOOGLE_* name, FUNC_* name) for every setting that has two spellings.
ALIASES: dict[str, tuple[str, str]] = {
    "function_target": ("GOOGLE_FUNCTION_TARGET", "FUNC_NAME"),
    "signature_type": ("GOOGLE_FUNCTION_SIGNATURE_TYPE", "FUNC_TYPE"),
    "function_source": ("GOOGLE_FUNCTION_SOURCE", "FUNC_SRC"),
    "runtime_version": ("GOOGLE_RUNTIME_VERSION", "FUNC_RUNTIME_VERSION"),
    # gcp-builder's Python-only spelling; it wins over the runtime version, as there.
    "python_version": ("GOOGLE_PYTHON_VERSION", "FUNC_PYTHON_VERSION"),
    "python_package_manager": ("GOOGLE_PYTHON_PACKAGE_MANAGER", "FUNC_PYTHON_PACKAGE_MANAGER"),
    "skip_framework_injection": ("GOOGLE_SKIP_FRAMEWORK_INJECTION", "FUNC_SKIP_FRAMEWORK_INJECTION"),
    "vendor_pip_dependencies": ("GOOGLE_VENDOR_PIP_DEPENDENCIES", "FUNC_VENDOR_PIP_DEPENDENCIES"),
    "clear_source": ("GOOGLE_CLEAR_SOURCE", "FUNC_CLEAR_SOURCE"),
    "buildable": ("GOOGLE_BUILDABLE", "FUNC_BUILDABLE"),
    "entrypoint": ("GOOGLE_ENTRYPOINT", "FUNC_ENTRYPOINT"),
    "build_args": ("GOOGLE_BUILD_ARGS", "FUNC_BUILD_ARGS"),
    "goldflags": ("GOOGLE_GOLDFLAGS", "FUNC_GOLDFLAGS"),
    "gogcflags": ("GOOGLE_GOGCFLAGS", "FUNC_GOGCFLAGS"),
}


# Settings whose two spellings must agree: a function named twice, differently, means one
# of the names is a mistake, and building the other would ship the wrong function.
MUST_AGREE = {"function_target"}


@dataclass(frozen=True)
class Setting:
    value: str
    source: str  # the variable it came from


def lookup(env: Mapping[str, str], key: str, log: Logger | None = None) -> Setting | None:
    """The value of setting `key` (a key of ALIASES), or None when unset or empty.
    With a log (the build phase) disagreeing spellings are reported: a warning, or an
    error for MUST_AGREE settings; without one (detect) the GOOGLE_* value is taken."""
    google, func = ALIASES[key]
    g = env.get(google, "").strip()
    f = env.get(func, "").strip()
    if g and f and g != f and log is not None:
        if key in MUST_AGREE:
            raise UserError(f"{google}={g!r} and {func}={f!r} name different functions",
                            where="the build's environment (spec.build.env, pack --env)",
                            fix=f"set only one of them, or both to the same name ({google} wins when both are set, "
                                "as in gcp-builder)")
        log.warn(f"{google}={g!r} and {func}={f!r} are both set; using {google}")
    if g:
        return Setting(g, google)
    if f:
        return Setting(f, func)
    return None


def value(env: Mapping[str, str], key: str, log: Logger | None = None, default: str = "") -> str:
    s = lookup(env, key, log)
    return s.value if s else default


def truthy(text: str) -> bool:
    return text.strip().lower() in {"1", "true", "yes", "on"}
