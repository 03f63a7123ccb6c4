#!/usr/bin/env bash
# `make tools`: installs and starts what the project needs, idempotently.
#   - Debian packages (Docker engine, mmdebstrap, skopeo, registry, htpasswd, wrk, and
#     qemu-user-static with binfmt-support: the emulator the other architecture's images
#     are made and run with, registered in binfmt_misc here)
#   - the Python distributions of funcpacks_dev, the tests and the bench (versions.toml [host-python])
#   - a Docker daemon (started here if none answers)
#   - pack and the lifecycle, built from the Go module proxy at the pinned versions
#   - with `host` (make demo): as without, but the lifecycle for this machine's architecture only
#   - with `engine` (make test-fast): only the Debian packages, the Python distributions and
#     the Docker daemon (the unit tier runs the buildpacks in the build image)
#   - with `harness` (make harness): the Shipwright harness (tools/shipwright-harness), built
#     against the pinned Shipwright releases; only the strategy tests and recipes use it
# A second run with everything present rebuilds nothing.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TOOLS="${TOOLS_DIR:-$ROOT/.tools}"
mkdir -p "$TOOLS/bin"

die() { echo "tools: $*" >&2; exit 1; }
say() { echo "tools: $*"; }
# The tooling is the funcpacks_dev package at the repository root.
pin_cmd() { (cd "$ROOT" && python3 -m funcpacks_dev.versions "$@"); }
pin() { pin_cmd get "$1"; }

APT_PACKAGES=(docker.io mmdebstrap skopeo docker-registry apache2-utils wrk qemu-user-static binfmt-support)

ensure_apt_packages() {
  local missing=() p
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    say "Debian packages present (${APT_PACKAGES[*]})"
    return
  fi
  [ "$(id -u)" = 0 ] || die "Debian packages missing (${missing[*]}) and not root: install them with apt-get as root"
  say "installing Debian packages: ${missing[*]}"
  local log="$TOOLS/apt.log"
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } >"$log" 2>&1; then
    die "apt-get could not install ${missing[*]} (see $log: $(tail -n 1 "$log"))"
  fi
}

# The host-side tooling's Python distributions (funcpacks_dev, tests, bench), at the
# versions versions.toml [host-python] pins. Not the buildpacks': they run on the build image.
ensure_python_modules() {
  local missing
  missing=$(pin_cmd host-python-missing) || die "could not read versions.toml [host-python]"
  if [ -z "$missing" ]; then
    say "Python modules present at their versions.toml [host-python] pins"
    return
  fi
  say "installing Python modules: $(echo $missing)"
  python3 -m pip --version >/dev/null 2>&1 \
    || die "python3 has no pip: install it (apt-get install python3-pip for Debian's python3)"
  # Debian's own python3 is marked externally managed (PEP 668); these pins are the
  # tooling's, so pip may install them there (an interpreter of its own needs no flag).
  local flags=()
  if python3 -c 'import os, sys, sysconfig; sys.exit(not os.path.exists(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")))'; then
    flags+=(--break-system-packages)
  fi
  # shellcheck disable=SC2086  # one requirement per word
  python3 -m pip install --quiet "${flags[@]}" $missing >"$TOOLS/pip.log" 2>&1 \
    || die "pip could not install $(echo $missing) (see $TOOLS/pip.log: $(tail -n 1 "$TOOLS/pip.log"))"
}

# Downloads a module through the Go module proxy and copies it to a writable directory
# (pack's go.mod has a replace directive, so `go install mod@version` refuses it).
# Prints the directory.
# The other architecture's programs run here through qemu-user-static's binfmt_misc entry
# (F flag: containers use it too). Where the kernel does not allow it, the images of that
# architecture are not made and their tests are skipped, each saying why
# (funcpacks_dev/images/arches.py).
ensure_emulator() {
  local entry=qemu-aarch64 binfmt=/proc/sys/fs/binfmt_misc
  [ "$(uname -m)" = aarch64 ] && entry=qemu-x86_64
  if [ ! -e "$binfmt/status" ] && ! mount -t binfmt_misc binfmt_misc "$binfmt" 2>/dev/null; then
    say "WARNING: binfmt_misc cannot be mounted here: no emulator, so the other architecture's images are not made"
    return
  fi
  if ! grep -qx enabled "$binfmt/$entry" 2>/dev/null; then
    update-binfmts --enable "$entry" >/dev/null 2>&1 || { [ -e "$binfmt/$entry" ] || update-binfmts --import "$entry" >/dev/null 2>&1; }
  fi
  if grep -qx enabled "$binfmt/$entry" 2>/dev/null && grep -q '^flags: .*F' "$binfmt/$entry"; then
    say "emulator: $entry registered in binfmt_misc ($(grep '^flags:' "$binfmt/$entry"))"
  else
    say "WARNING: $entry could not be registered in binfmt_misc: the other architecture's images are not made"
  fi
}

module_source() {
  local module=$1 version=$2 dest=$3 json dir
  command -v go >/dev/null || die "go is not on PATH: install Go >= 1.26 to build pack and the lifecycle"
  if ! json=$(cd "$TOOLS" && GOFLAGS=-mod=mod go mod download -json "$module@v$version" 2>&1); then
    die "could not download $module@v$version from the Go module proxy ($(go env GOPROXY)): $(echo "$json" | grep -m1 -E '"Error"|error|Error' || echo "$json" | tail -n 1)"
  fi
  dir=$(echo "$json" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("Dir","")) if not d.get("Error") else sys.exit(d["Error"])') \
    || die "Go module proxy answered with an error for $module@v$version"
  rm -rf "$dest"
  mkdir -p "$(dirname "$dest")"
  cp -r "$dir" "$dest"
  chmod -R u+w "$dest"
  echo "$json" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("Origin",{}).get("Hash","unknown"))' >"$dest/.origin-commit"
}

ensure_pack() {
  local version bin="$TOOLS/bin/pack"
  version=$(pin pack.version)
  if [ -x "$bin" ] && [ "$("$bin" version 2>/dev/null)" = "$version" ]; then
    say "pack $version present"
    return
  fi
  say "building pack $version from the Go module proxy"
  local src="$TOOLS/src/pack"
  module_source "$(pin pack.module)" "$version" "$src"
  (cd "$src" && CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/buildpacks/pack/pkg/client.Version=$version" \
      -o "$bin.tmp" .) >"$TOOLS/pack-build.log" 2>&1 \
    || die "go build of pack failed (see $TOOLS/pack-build.log: $(tail -n 1 "$TOOLS/pack-build.log"))"
  mv "$bin.tmp" "$bin"
  [ "$("$bin" version)" = "$version" ] || die "built pack reports '$("$bin" version)', expected $version"
  rm -rf "$src"
}

ensure_lifecycle() {
  local version archive module arch missing=()
  version=$(pin lifecycle.version)
  module=$(pin lifecycle.module)
  # One release-shaped tarball per architecture the builders are made for (arches.py);
  # `tools.sh host` (make demo): only this machine's.
  for arch in "${LIFECYCLE_ARCHES[@]}"; do
    archive="$TOOLS/lifecycle/$(pin_cmd lifecycle-archive "$arch")"
    if [ -s "$archive" ]; then
      say "lifecycle $version present for $arch ($archive)"
    else
      missing+=("$arch")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return
  say "building lifecycle $version for ${missing[*]} from the Go module proxy"
  local src="$TOOLS/src/lifecycle" out="$TOOLS/src/lifecycle-out/lifecycle" log="$TOOLS/lifecycle-build.log"
  module_source "$module" "$version" "$src"
  # The proxy does not serve kaniko (used only by the `extend` phase): build with our
  # stand-in package, which fails that phase with an explanation. See the file's comment.
  find "$src/internal/extend/kaniko" -name '*.go' ! -name '*_test.go' -delete
  cp "$ROOT/tools/lifecycle/dockerfile_applier.go" "$src/internal/extend/kaniko/"
  rm -f "$src"/internal/extend/kaniko/*_test.go
  local commit ldflags
  commit=$(cat "$src/.origin-commit")
  # The flags upstream's Makefile uses for its release binaries; static so the launcher
  # runs on any run image.
  ldflags="-s -w -X '$module/cmd.SCMRepository=$module' -X '$module/cmd.SCMCommit=$commit' -X '$module/cmd.Version=$version'"
  : >"$log"
  for arch in "${missing[@]}"; do
    archive="$TOOLS/lifecycle/$(pin_cmd lifecycle-archive "$arch")"
    rm -rf "$out" && mkdir -p "$out"
    (cd "$src" \
      && CGO_ENABLED=0 GOOS=linux GOARCH="$arch" go build -trimpath -ldflags "$ldflags" -o "$out/lifecycle" ./cmd/lifecycle \
      && CGO_ENABLED=0 GOOS=linux GOARCH="$arch" go build -trimpath -ldflags "$ldflags" -o "$out/launcher" ./cmd/launcher) >>"$log" 2>&1 \
      || die "go build of the lifecycle for $arch failed (see $log: $(tail -n 1 "$log"))"
    local phase
    for phase in detector analyzer restorer builder exporter rebaser creator extender; do
      ln -sf lifecycle "$out/$phase"
    done
    mkdir -p "$(dirname "$archive")"
    # Upstream's own packager (run for this machine) writes lifecycle.toml (API lists taken
    # from the lifecycle's code) and the normalized tarball, so ours is laid out exactly
    # like a release.
    (cd "$src" && go run ./tools/packager -inputDir "$out" -archivePath "$archive.tmp" \
        -descriptorPath lifecycle.toml -version "$version") >>"$log" 2>&1 \
      || die "packaging the lifecycle for $arch failed (see $log: $(tail -n 1 "$log"))"
    mv "$archive.tmp" "$archive"
  done
  rm -rf "$src" "$TOOLS/src/lifecycle-out"
}

# The Shipwright harness (tools/shipwright-harness): one binary per Shipwright release,
# each its own Go module linking that release and its Tekton. Rebuilt when a source changes.
ensure_shipwright_harness() {
  local dir="$ROOT/tools/shipwright-harness" stamp="$TOOLS/shipwright-harness.sum" sum name want
  sum=$(cd "$dir" && find . -type f \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' \) | sort | xargs sha256sum | sha256sum)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ] && [ -x "$TOOLS/bin/shp-openfunction" ] && [ -x "$TOOLS/bin/shp-current" ] \
      && [ -x "$TOOLS/bin/tekton-current" ]; then
    say "Shipwright harness present (shp-openfunction, shp-current, tekton-current)"
    return
  fi
  for name in openfunction current; do
    want=$(pin "shipwright.$name")
    grep -q "github.com/shipwright-io/build v$want\$" "$dir/shp-$name/go.mod" \
      || die "tools/shipwright-harness/shp-$name/go.mod does not require shipwright-io/build v$want (versions.toml shipwright.$name)"
    say "building the Shipwright harness for Shipwright $want (shp-$name)"
    (cd "$dir/shp-$name" && CGO_ENABLED=0 go build -trimpath -o "$TOOLS/bin/shp-$name.tmp" .) >"$TOOLS/harness-build.log" 2>&1 \
      || die "go build of shp-$name failed (see $TOOLS/harness-build.log: $(tail -n 1 "$TOOLS/harness-build.log"))"
    mv "$TOOLS/bin/shp-$name.tmp" "$TOOLS/bin/shp-$name"
  done
  # Tekton alone (the catalog's buildpacks tasks), with the Tekton the current Shipwright links.
  say "building the Tekton harness (tekton-current)"
  (cd "$dir/shp-current" && CGO_ENABLED=0 go build -trimpath -o "$TOOLS/bin/tekton-current.tmp" ./tekton) \
      >"$TOOLS/harness-build.log" 2>&1 \
    || die "go build of tekton-current failed (see $TOOLS/harness-build.log: $(tail -n 1 "$TOOLS/harness-build.log"))"
  mv "$TOOLS/bin/tekton-current.tmp" "$TOOLS/bin/tekton-current"
  echo "$sum" >"$stamp"
}

if [ "${1:-}" = engine ]; then  # make test-fast: what the unit tier imports and the build image's engine
  ensure_apt_packages
  ensure_python_modules
  "$ROOT/scripts/dockerd.sh"
  exit 0
fi
if [ "${1:-}" = harness ]; then
  ensure_shipwright_harness
  exit 0
fi
LIFECYCLE_ARCHES=(amd64 arm64)
if [ "${1:-}" = host ]; then
  case "$(uname -m)" in x86_64) LIFECYCLE_ARCHES=(amd64) ;; aarch64) LIFECYCLE_ARCHES=(arm64) ;; esac
fi
ensure_apt_packages
ensure_python_modules
ensure_emulator
"$ROOT/scripts/dockerd.sh"
ensure_pack
ensure_lifecycle
say "ready: $("$TOOLS/bin/pack" version | sed 's/^/pack /'), lifecycle $(pin lifecycle.version), docker $(docker version -f '{{.Server.Version}}' 2>/dev/null)"
