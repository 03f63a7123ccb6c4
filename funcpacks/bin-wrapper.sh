#!/bin/sh
# bin/detect and bin/build of a funcpacks buildpack: run its lib/ (lib/__main__.py) with the
# build image's python3, passing this file's path and the lifecycle's arguments.
# The lifecycle sets CNB_BUILDPACK_DIR (Buildpack API >= 0.8); by hand, bin/.. is it.
bp_dir=${CNB_BUILDPACK_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
exec python3 -B -I "$bp_dir/lib" "$0" "$@"
