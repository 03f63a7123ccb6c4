#!/usr/bin/env bash
# Makes sure a Docker daemon answers; starts Debian's dockerd in the background if none does.
# No bridge network and no iptables rules: every container we run uses --network host.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
LOG="$ROOT/.tools/dockerd.log"
die() { echo "dockerd: $*" >&2; exit 1; }

if docker info >/dev/null 2>&1; then
  echo "dockerd: a Docker daemon answers"
  exit 0
fi
command -v dockerd >/dev/null || die "no Docker daemon answers and dockerd is not installed: run 'make tools' (installs Debian's docker.io)"
[ "$(id -u)" = 0 ] || die "no Docker daemon answers and starting one needs root"

mkdir -p "$(dirname "$LOG")"
echo "dockerd: starting (log: $LOG)"
setsid nohup dockerd --bridge=none --iptables=false >>"$LOG" 2>&1 </dev/null &
for _ in $(seq 1 120); do
  if [ -S /var/run/docker.sock ] && docker info >/dev/null 2>&1; then
    echo "dockerd: ready"
    exit 0
  fi
  sleep 0.5
done
die "dockerd did not answer within 60 s (last log line: $(tail -n 1 "$LOG"))"
