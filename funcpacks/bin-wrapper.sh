#!/bin/sh
# bin/detect and bin/build of a funcpacks buildpack: run its lib/ (lib/__main__.py) with the
# build image's python3, passing this file's path and the lifecycle's arguments.
bp_dir=$(dirname "$(dirname "$0")")
exec python3 -B -E "$bp_dir/lib" "$0" "$@"
