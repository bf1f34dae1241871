#!/usr/bin/env bash
# Makes sure a Docker daemon answers `docker info`: when none does, starts Debian's dockerd in the
# background (bootstrap.sh installs docker.io), logging to .tools/dockerd.log, and waits up to 30 s
# for it. .ci/run calls this (CI machines start with no daemon); a developer whose daemon is down can too.
#   CDC_DOCKERD_LOG           log file (default .tools/dockerd.log)
#   CDC_DOCKERD_WAIT_SECONDS  patience (default 30)
set -euo pipefail
cd "$(dirname "$0")/../.."

LOG="${CDC_DOCKERD_LOG:-$PWD/.tools/dockerd.log}"
WAIT_SECONDS="${CDC_DOCKERD_WAIT_SECONDS:-30}"

if docker info >/dev/null 2>&1; then
    echo "dockerd: a daemon answers already"
    exit 0
fi
command -v dockerd >/dev/null || { echo "dockerd: no daemon answers 'docker info' and dockerd is not installed (bash scripts/bootstrap.sh installs docker.io)" >&2; exit 1; }

sudo_cmd=()
extra=()
if [ "$(id -u)" -ne 0 ]; then
    sudo_cmd=(sudo)
    # The socket's group is ours, so this user's docker CLI may use it without a docker group.
    extra=(--group "$(id -gn)")
fi
mkdir -p "$(dirname "$LOG")"
echo "dockerd: starting (log: $LOG)"
# Its own session: the daemon outlives this script and the CI step's shell.
setsid "${sudo_cmd[@]}" dockerd "${extra[@]}" >>"$LOG" 2>&1 </dev/null &
pid=$!

deadline=$((SECONDS + WAIT_SECONDS))
until docker info >/dev/null 2>&1; do
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "dockerd: the daemon exited before it answered; the end of $LOG:" >&2
        tail -n 20 "$LOG" >&2
        exit 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
        echo "dockerd: no answer to 'docker info' after ${WAIT_SECONDS} s (pid $pid still running); the end of $LOG:" >&2
        tail -n 20 "$LOG" >&2
        exit 1
    fi
    sleep 0.5
done
echo "dockerd: ready after $((SECONDS - deadline + WAIT_SECONDS)) s"
