#!/usr/bin/env bash
# The stand-ins for the stack's registry images that the kubernetes platform's tests run (no registry
# here), each FROM the base and keeping its original's contract (see each Dockerfile):
#   cdc-test/mariadb:local   mariadb:11         cdc-test/postgres:local  postgres:17
#   cdc-test/kafka:local     apache/kafka:4.x   cdc-test/connect:local   quay.io/debezium/connect:3.x
#   cdc-test/pytest:local    the plugin installed, its own tests as the suite (a Job in the namespace)
# Run by build.sh with the base image's tag. Each image is rebuilt only when the hash of what it is made
# of (label cdc-test.content-hash) changed. Needs the jars (scripts/fetch-jars.sh) and PyPI for the plugin.
set -euo pipefail
cd "$(dirname "$0")/../.."
BASE="${1:?usage: stack.sh <base image>}"
HERE=scripts/images
CACHE=.tools/images
JARS=.tools/jars
export DOCKER_BUILDKIT=0

log() { echo "images: $*"; }
die() { echo "images: $*" >&2; exit 1; }
hash_of() { sha256sum | cut -c1-16; }
[ -s "$JARS/.pom.sha256" ] || die "no jars in $JARS (bash scripts/fetch-jars.sh fetches them)"

# build <image> <hash> <context dir>: builds when the label differs, then removes the context (made of
# hard links into .tools, so assembling it copies nothing).
build() {
    local image=$1 hash=$2 context=$3 name
    name=${image#cdc-test/}
    name=${name%%:*}
    log "building $image"
    docker build --build-arg "BASE_IMAGE=$BASE" --build-arg "KAFKA_IMAGE=cdc-test/kafka:local" \
        --label "cdc-test.content-hash=$hash" -t "$image" "$context" >"$CACHE/$name-build.log" 2>&1 \
        || { tail -n 30 "$CACHE/$name-build.log" >&2; die "docker build of $image failed (log: $CACHE/$name-build.log)"; }
    rm -rf "$context"
}
current() { docker image inspect -f '{{ index .Config.Labels "cdc-test.content-hash" }}' "$1" 2>/dev/null || true; }
# context <name> <what to link in, as source:target pairs>...: a fresh directory under the cache.
context() {
    local dir="$CACHE/context-$1" pair
    shift
    rm -rf "$dir" && mkdir -p "$dir"
    for pair in "$@"; do cp -rL --link "${pair%%:*}" "$dir/${pair#*:}" 2>/dev/null || cp -rL "${pair%%:*}" "$dir/${pair#*:}"; done
    echo "$dir"
}
hash_files() { { echo "$BASE"; cat "$@"; } | hash_of; }

# The databases: their entrypoints, and the gosu stand-in and shell functions both use.
for db in mariadb postgres; do
    hash="$(hash_files "$HERE/$db"/* "$HERE/gosu.sh" "$HERE/image-lib.sh")"
    [ "$(current "cdc-test/$db:local")" = "$hash" ] || \
        build "cdc-test/$db:local" "$hash" "$(context "$db" "$HERE/$db/Dockerfile:Dockerfile" "$HERE/$db:$db" "$HERE/gosu.sh:gosu.sh" "$HERE/image-lib.sh:image-lib.sh")"
done

# Kafka, then Connect FROM it: the jars of scripts/jars/pom.xml (their stamp stands for them).
hash="$(hash_files "$HERE/kafka"/* "$JARS/.pom.sha256")"
[ "$(current cdc-test/kafka:local)" = "$hash" ] || \
    build cdc-test/kafka:local "$hash" "$(context kafka "$HERE/kafka/Dockerfile:Dockerfile" "$HERE/kafka:kafka" "$JARS/kafka:jars")"
hash="$( { echo "$hash"; cat "$HERE/connect"/*; } | hash_of)"
[ "$(current cdc-test/connect:local)" = "$hash" ] || \
    build cdc-test/connect:local "$hash" "$(context connect "$HERE/connect/Dockerfile:Dockerfile" "$HERE/connect:connect" "$JARS/plugins:plugins")"

# The suite's image: the plugin and its dependencies installed for the base's Python (3.11, as the venv).
hash="$(hash_files "$HERE/pytest/Dockerfile" python/pyproject.toml <(cd python && find src tests -type f ! -path '*__pycache__*' -exec sha256sum {} + | sort))"
if [ "$(current cdc-test/pytest:local)" != "$hash" ]; then
    dir="$(context pytest "$HERE/pytest/Dockerfile:Dockerfile" python/tests:tests)"
    find "$dir/tests" -name __pycache__ -prune -exec rm -rf {} +
    # From a copy: setuptools writes its build directory next to the sources.
    rm -rf "$CACHE/pytest-plugin-src" && cp -r python "$CACHE/pytest-plugin-src"
    .venv/bin/pip install -q --disable-pip-version-check --no-compile --target "$dir/site" "$CACHE/pytest-plugin-src[mysql,postgres]" \
        >"$CACHE/pytest-pip.log" 2>&1 || { tail -n 20 "$CACHE/pytest-pip.log" >&2; die "pip install of the plugin failed (log: $CACHE/pytest-pip.log)"; }
    rm -rf "$CACHE/pytest-plugin-src"
    build cdc-test/pytest:local "$hash" "$dir"
fi
log "ready: cdc-test/{mariadb,postgres,kafka,connect,pytest}:local"
