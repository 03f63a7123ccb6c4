"""The `funcpacks` Shipwright ClusterBuildStrategy, in shipwright.io/v1alpha1 (what
OpenFunction 1.x installs) and shipwright.io/v1beta1, generated from one definition.

    python3 -m funcpacks_dev.generate.strategy write    # (re)write deploy/shipwright/*.yaml
    python3 -m funcpacks_dev.generate.strategy check    # exit 1 if a committed file differs

Volumes (declared, as Shipwright >= 0.10 requires of every mounted volume): cache-dir,
layers-dir, platform-dir (empty by default) and platform-bindings, mounted read-only at
/platform/bindings in the create step: override it with a Secret or ConfigMap holding
service bindings (a `ca-certificates` binding, for instance).

The builder image is the Build's builder (a Function's spec.build.builder), taken from
where each Shipwright version puts it: on the release OpenFunction 1.x installs (v1alpha1)
Shipwright declares BUILDER_IMAGE itself from the Build's builder, so a Function must name
one (Tekton refuses the TaskRun otherwise); on current releases (v1beta1) it is the
`builder-image` parameter, with the funcpacks builder as default. The v1alpha1 file is for
Shipwright up to 0.12: newer releases convert it, but not a parameter in a step's image.
The source directory is Shipwright's `$(params.shp-source-context)` (the Build's
contextDir, a Function's srcRepo.sourceSubPath). Names Shipwright reserves
(BUILDER_IMAGE, CONTEXT_DIR, DOCKERFILE, shp-*) are never declared.

Parameters, besides those, are those of OpenFunction's `openfunction` strategy (a Function
that only changes the strategy name keeps working) plus:
  BUILD_ENV            platform env, one KEY=VALUE per line, split at the first '=':
                       values may hold '=', '#' and spaces (ENV_VARS cannot carry '#')
  INSECURE_REGISTRIES  comma-separated registries the creator may reach over plain http
  PLATFORM_API         CNB_PLATFORM_API for the creator (default: the builder's own)
  LOG_LEVEL            the lifecycle's log level
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from funcpacks_dev import versions
from funcpacks_dev.generate import generated_files

OUT_DIR = versions.ROOT / "deploy" / "shipwright"
NAME = "funcpacks"

PREPARE = r"""set -euo pipefail
# A securityContext cannot take a parameter: the create and results steps run as the
# strategy's fixed user, and the creator's -uid/-gid must name that user.
if [ "${USER_ID}:${GROUP_ID}" != "${STEP_USER}" ]; then
  echo "prepare: USER_ID=${USER_ID} GROUP_ID=${GROUP_ID}, but this strategy's create step runs as ${STEP_USER} (uid:gid)." >&2
  echo "  fix: leave USER_ID and GROUP_ID at their defaults, or apply a copy of the strategy whose create and results steps set runAsUser/runAsGroup to them (the builder also builds as ${OTHER_USERS})" >&2
  exit 1
fi
# The CNB user owns every writable volume.
chown -R "${USER_ID}:${GROUP_ID}" /cache /tekton/home /layers /workspace/source
# Volumes start world-writable (emptyDir); the image gets /layers and the source tree as
# they are, and the function's user must not write there.
chmod go-w /layers /workspace/source
mkdir -p /platform/env
write_env() {
  if [[ ! "$1" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]]; then
    echo "prepare: invalid environment variable name '$1'" >&2
    exit 1
  fi
  printf '%s' "$2" > "/platform/env/$1"
  echo "prepare: /platform/env/$1"
}
# OpenFunction's format: KEY=VALUE#KEY=VALUE (a value cannot contain '#').
IFS='#' read -r -a pairs <<< "${ENV_VARS}"
for pair in "${pairs[@]}"; do
  [ -n "${pair}" ] || continue
  write_env "${pair%%=*}" "${pair#*=}"
done
# BUILD_ENV: one KEY=VALUE per line, anything but a newline in the value; wins over ENV_VARS.
while IFS= read -r line; do
  [ -n "${line}" ] || continue
  write_env "${line%%=*}" "${line#*=}"
done <<< "${BUILD_ENV}"
chown -R "${USER_ID}:${GROUP_ID}" /platform
"""

CREATE = r"""set -euo pipefail
args=(
  "-app=${SOURCE_CONTEXT}"
  -layers=/layers
  -platform=/platform
  -report=/layers/report.toml
  "-uid=${USER_ID}"
  "-gid=${GROUP_ID}"
  "-process-type=${PROCESS_TYPE}"
  "-skip-restore=${SKIP_RESTORE}"
  "-previous-image=${OUTPUT_IMAGE}"
  "-log-level=${LOG_LEVEL}"
)
if [ -n "${CACHE_IMAGE}" ]; then args+=("-cache-image=${CACHE_IMAGE}"); else args+=(-cache-dir=/cache); fi
if [ -n "${RUN_IMAGE}" ]; then args+=("-run-image=${RUN_IMAGE}"); fi
for registry in ${INSECURE_REGISTRIES//,/ }; do args+=("-insecure-registry=${registry}"); done
# The builder image sets CNB_PLATFORM_API; a platform's own value or PLATFORM_API wins.
if [ -n "${PLATFORM_API}" ]; then export CNB_PLATFORM_API="${PLATFORM_API}"; fi
echo "create: CNB_PLATFORM_API=${CNB_PLATFORM_API:-unset} creator ${args[*]} ${OUTPUT_IMAGE}"
exec /cnb/lifecycle/creator "${args[@]}" "${OUTPUT_IMAGE}"
"""

RESULTS = r"""set -euo pipefail
digest=$(sed -n 's/^[[:space:]]*digest[[:space:]]*=[[:space:]]*"\(sha256:[0-9a-f]\{64\}\)".*/\1/p' /layers/report.toml)
if [ -z "${digest}" ]; then
  echo "results: /layers/report.toml has no image digest" >&2
  cat /layers/report.toml >&2 || true
  exit 1
fi
printf '%s' "${digest}" > "$(results.shp-image-digest.path)"
echo "results: shp-image-digest ${digest}"
"""


# Where the create step finds the builder image, per API version (see the docstring).
BUILDER_REF = {"v1alpha1": "$(params.BUILDER_IMAGE)", "v1beta1": "$(params.builder-image)"}


def parameters(api: str, data: dict) -> list[dict[str, Any]]:
    builder = data["images"]["builder"]
    uid, gid = str(data["stack"]["build-user-id"]), str(data["stack"]["group-id"])
    own = [{"name": "builder-image", "description": "The funcpacks builder image (a Build's spec.builder)",
            "default": builder}] if api == "v1beta1" else []
    return own + [
        {"name": "BASH_IMAGE", "description": "Image of the prepare and results steps (needs bash, sed, chown)",
         "default": builder},
        {"name": "ENV_VARS", "description": "Platform env in OpenFunction's format KEY=VALUE#KEY=VALUE", "default": ""},
        {"name": "BUILD_ENV", "description": "Platform env, one KEY=VALUE per line (values may hold '=', '#', spaces)",
         "default": ""},
        {"name": "RUN_IMAGE", "description": "Run image (default: the builder's)", "default": ""},
        {"name": "CACHE_IMAGE", "description": "Cache image (default: the cache volume)", "default": ""},
        {"name": "PROCESS_TYPE", "description": "Default process type", "default": "web"},
        {"name": "SKIP_RESTORE", "description": "Do not restore layers from the previous image", "default": "false"},
        {"name": "USER_ID", "description": "CNB user id", "default": uid},
        {"name": "GROUP_ID", "description": "CNB group id", "default": gid},
        {"name": "INSECURE_REGISTRIES", "description": "Comma-separated registries reached over plain http",
         "default": ""},
        {"name": "PLATFORM_API", "description": "CNB_PLATFORM_API for the creator (default: the builder's)",
         "default": ""},
        {"name": "LOG_LEVEL", "description": "Lifecycle log level", "default": "info"},
    ]


def _env(*names: str) -> list[dict[str, str]]:
    return [{"name": n, "value": f"$(params.{n})"} for n in names]


def steps(api: str, data: dict) -> list[dict[str, Any]]:
    uid, gid = data["stack"]["build-user-id"], data["stack"]["group-id"]
    mounts = [{"name": "cache-dir", "mountPath": "/cache"}, {"name": "layers-dir", "mountPath": "/layers"},
              {"name": "platform-dir", "mountPath": "/platform"}]
    return [
        {"name": "prepare", "image": "$(params.BASH_IMAGE)", "imagePullPolicy": "IfNotPresent",
         "securityContext": {"runAsUser": 0, "runAsGroup": 0},  # root for chown only
         "command": ["/bin/bash"], "args": ["-c", PREPARE],
         "env": _env("ENV_VARS", "BUILD_ENV", "USER_ID", "GROUP_ID")
                + [{"name": "STEP_USER", "value": f"{uid}:{gid}"},
                   {"name": "OTHER_USERS", "value": " ".join(f"{u}:{gid}" for u in data["stack"]["other-build-user-ids"])}],
         "volumeMounts": mounts},
        {"name": "create", "image": BUILDER_REF[api], "imagePullPolicy": "IfNotPresent",
         "securityContext": {"runAsUser": uid, "runAsGroup": gid},
         "command": ["/bin/bash"], "args": ["-c", CREATE],
         "env": _env("RUN_IMAGE", "CACHE_IMAGE", "PROCESS_TYPE", "SKIP_RESTORE", "USER_ID",
                     "GROUP_ID", "INSECURE_REGISTRIES", "PLATFORM_API", "LOG_LEVEL")
                + [{"name": "OUTPUT_IMAGE", "value": "$(params.shp-output-image)"},
                   {"name": "SOURCE_CONTEXT", "value": "$(params.shp-source-context)"}],
         # Service bindings (e.g. type ca-certificates) at the lifecycle's default root.
         "volumeMounts": mounts + [{"name": "platform-bindings", "mountPath": "/platform/bindings", "readOnly": True}]},
        {"name": "results", "image": "$(params.BASH_IMAGE)", "imagePullPolicy": "IfNotPresent",
         "securityContext": {"runAsUser": uid, "runAsGroup": gid},
         "command": ["/bin/bash"], "args": ["-c", RESULTS],
         "volumeMounts": [{"name": "layers-dir", "mountPath": "/layers"}]},
    ]


def strategy(api: str, data: dict) -> dict[str, Any]:
    doc: dict[str, Any] = {"apiVersion": f"shipwright.io/{api}", "kind": "ClusterBuildStrategy",
                           "metadata": {"name": NAME}, "spec": {}}
    spec = doc["spec"]
    spec["parameters"] = parameters(api, data)
    spec["volumes"] = [{"name": n, "overridable": True, "emptyDir": {}}
                       for n in ("cache-dir", "layers-dir", "platform-dir", "platform-bindings")]
    spec["steps" if api == "v1beta1" else "buildSteps"] = steps(api, data)
    return doc


def render(api: str, data: dict) -> str:
    import yaml  # PyYAML: installed by make tools; imported here so other scripts need not

    class Dumper(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:  # every mount written out, no &id001 anchors
            return True

    def scripts_as_blocks(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)

    Dumper.add_representer(str, scripts_as_blocks)
    header = ("# Generated by funcpacks_dev/generate/strategy.py from versions.toml: do not edit.\n"
              f"# The funcpacks ClusterBuildStrategy for Shipwright {api}; see funcpacks_dev/generate/strategy.py for the parameters.\n")
    return header + yaml.dump(strategy(api, data), Dumper=Dumper, sort_keys=False, width=120)


def expected(data: dict | None = None) -> dict[Path, str]:
    data = data or versions.load()
    return {OUT_DIR / f"funcpacks-{api}.yaml": render(api, data) for api in ("v1alpha1", "v1beta1")}


def main(argv: list[str]) -> int:
    return generated_files.main(argv, expected(), "funcpacks_dev.generate.strategy", __doc__ or "")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
