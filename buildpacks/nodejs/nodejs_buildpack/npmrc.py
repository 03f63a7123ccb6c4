"""npm's environment for a build: its cache in a cache layer, no update or funding
notices, the certificates the build trusts, and the credentials of a service binding of
type `npmrc` (its `.npmrc` entry, as Paketo reads it), passed as npm's user config by path:
the file stays where the platform mounted it, outside every layer and the image."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

from funcpacks import bindings
from funcpacks.errors import UserError

BINDING_TYPE = "npmrc"
ENTRY = ".npmrc"
SYSTEM_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")


def user_config(env: Mapping[str, str], platform_dir: Path) -> Path | None:
    found = bindings.find(env, BINDING_TYPE, platform_dir)
    if not found:
        return None
    if len(found) > 1:
        raise UserError(f"{len(found)} service bindings of type {BINDING_TYPE} are given "
                        f"({', '.join(b.name for b in found)}); npm reads one user config",
                        where="the build's bindings", fix="give one binding of type npmrc")
    entry = found[0].path / ENTRY
    if not entry.is_file():
        raise UserError(f"the {BINDING_TYPE} binding {found[0].name!r} has no {ENTRY} entry",
                        where=str(found[0].path), fix=f"put the .npmrc contents in an entry named {ENTRY}")
    return entry


def environment(env: Mapping[str, str], node_bin: Path, cache: Path | None, userconfig: Path | None) -> dict[str, str]:
    """The environment npm and the scripts it runs get (the build's, plus these); also
    node's own, for the function check (without a cache or user config)."""
    out = dict(env)
    out["PATH"] = f"{node_bin}{os.pathsep}{env.get('PATH', '')}"
    # No notices, and no debug log files: a build's output is its log, and they would only
    # pile up in the cache.
    out.update({"npm_config_update_notifier": "false", "npm_config_fund": "false", "npm_config_audit": "false",
                "npm_config_logs_max": "0"})
    if cache is not None:
        out["npm_config_cache"] = str(cache)
    if userconfig is not None:
        out["npm_config_userconfig"] = str(userconfig)
    # Node.js trusts its own CA list, not the system's: the bundle the ca-certificates
    # buildpack made (the user's extra CAs included) or the build image's is added to it.
    bundle = env.get("SSL_CERT_FILE") or (str(SYSTEM_BUNDLE) if SYSTEM_BUNDLE.is_file() else "")
    if bundle and "NODE_EXTRA_CA_CERTS" not in env:
        out["NODE_EXTRA_CA_CERTS"] = bundle
    return out
