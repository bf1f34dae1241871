#!/usr/bin/env bash
# Builds the local images the container integration tests run, with no image registry:
#   cdc-test/base:<hash> and cdc-test/base:latest
#       Debian bookworm minbase + Java 17, Python 3.11, nss_wrapper, MariaDB, PostgreSQL (rootfs.sh),
#       made with debootstrap from the Debian mirror and `docker import`ed.
#   cdc-test/spark:3.5.8 (and cdc-test/spark:3.5.8-<hash>)
#       FROM the base: the pyspark wheel's Spark home (.venv, installed by bootstrap.sh) at /opt/spark,
#       laid out like apache/spark:3.5.8 (user spark 185, /opt/spark/work-dir, USER 185, no CMD,
#       spark/entrypoint.sh as /opt/entrypoint.sh).
#   cdc-test/{prometheus,alertmanager}:local, and stack.sh's stand-ins (MariaDB, PostgreSQL, Kafka, Connect,
#       the suite's image) for the kubernetes platform's tests.
# Idempotent and quick when nothing changed: each image carries a hash of what it is made of (tag for
# the base, label cdc-test.content-hash for spark) and is rebuilt only when that differs; the base's
# rootfs tarball is cached in .tools/images/ (git-ignored), so a lost image is re-imported, not rebuilt.
# Needs: a Docker daemon (docker info), and for a new rootfs debootstrap and root (sudo otherwise).
set -euo pipefail
cd "$(dirname "$0")/../.."

HERE=scripts/images
CACHE=.tools/images
SPARK_VERSION=3.5.8
PYSPARK_HOME="${CDC_PYSPARK_HOME:-.venv/lib/python3.11/site-packages/pyspark}"
# What apache/spark's /opt/spark holds, as far as the wheel has it.
SPARK_DIRS=(bin sbin jars python data examples licenses)
# The base image's config (docker import knows no Dockerfile): part of its hash.
BASE_CHANGES=(
    "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    "ENV LANG=C.UTF-8"
    'CMD ["bash"]'
)
# Debian's docker.io CLI (20.10) has no buildx: the classic builder, FROM a local image, no pull.
export DOCKER_BUILDKIT=0

log() { echo "images: $*"; }
die() { echo "images: $*" >&2; exit 1; }
hash_of() { sha256sum | cut -c1-16; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }

docker info >/dev/null 2>&1 || die "no Docker daemon answers 'docker info' (start dockerd, e.g. bash scripts/images/start-dockerd.sh)"
mkdir -p "$CACHE"
# One build at a time (bootstrap.sh and .ci/run may both call this).
exec 9>"$CACHE/.lock"
flock 9

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
arch="$(dpkg --print-architecture)"

# ---- cdc-test/base -------------------------------------------------------------------------------
base_hash="$( { cat "$HERE/rootfs.sh"; printf '%s\n' "$arch" "${BASE_CHANGES[@]}"; } | hash_of)"
BASE="cdc-test/base:$base_hash"
tarball="$CACHE/base-$base_hash.tar"
if docker image inspect "$BASE" >/dev/null 2>&1; then
    log "$BASE is up to date"
else
    if [ ! -s "$tarball" ]; then
        command -v debootstrap >/dev/null || die "debootstrap is not installed (bash scripts/bootstrap.sh installs it)"
        t0="$(now)"
        work="$(mktemp -d "$PWD/$CACHE/rootfs.XXXXXX")"
        # shellcheck disable=SC2064 # expand now: the directory to remove is this one
        trap "${sudo_cmd[*]} rm -rf --one-file-system '$work'" EXIT
        log "debootstrap of the base rootfs (a few minutes; log: $CACHE/rootfs.log)"
        if ! "${sudo_cmd[@]}" bash "$HERE/rootfs.sh" "$work/rootfs" >"$CACHE/rootfs.log" 2>&1; then
            tail -n 30 "$CACHE/rootfs.log" >&2
            die "rootfs.sh failed (full log: $CACHE/rootfs.log)"
        fi
        # Numeric owners: the image's uids are the rootfs's, not this host's names for them.
        "${sudo_cmd[@]}" tar --numeric-owner --xattrs -C "$work/rootfs" \
            --exclude='./proc/*' --exclude='./sys/*' --exclude='./dev/*' -cf "$work/base.tar" .
        "${sudo_cmd[@]}" chown "$(id -u):$(id -g)" "$work/base.tar"
        mv "$work/base.tar" "$tarball"
        "${sudo_cmd[@]}" rm -rf --one-file-system "$work"
        trap - EXIT
        # Only the current base's tarball is kept.
        for old in "$CACHE"/base-*.tar; do [ "$old" = "$tarball" ] || rm -f "$old"; done
        log "rootfs built in $(since "$t0") ($(du -h "$tarball" | cut -f1) tarball)"
    fi
    t0="$(now)"
    changes=()
    for c in "${BASE_CHANGES[@]}"; do changes+=(--change "$c"); done
    docker import "${changes[@]}" --message "cdc-test base $base_hash (scripts/images/rootfs.sh)" "$tarball" "$BASE" >/dev/null
    log "imported $BASE in $(since "$t0")"
fi
docker tag "$BASE" cdc-test/base:latest

# ---- cdc-test/spark ------------------------------------------------------------------------------
[ -d "$PYSPARK_HOME/jars" ] || die "no Spark home at $PYSPARK_HOME (bash scripts/bootstrap.sh installs pyspark into .venv)"
wheel_version="$(sed -n "s/^__version__[^=]*= *['\"]\([^'\"]*\)['\"].*/\1/p" "$PYSPARK_HOME/version.py")"
[ "$wheel_version" = "$SPARK_VERSION" ] || die "pyspark in $PYSPARK_HOME is '$wheel_version', this script builds cdc-test/spark:$SPARK_VERSION"
SPARK="cdc-test/spark:$SPARK_VERSION"
# The wheel's content: its RECORD (a sha256 per file) when pip left one, else names, sizes and times.
record="$(ls "$PYSPARK_HOME"/../pyspark-"$SPARK_VERSION".dist-info/RECORD 2>/dev/null || true)"
spark_hash="$( {
    echo "$base_hash" "${SPARK_DIRS[*]}"
    cat "$HERE/spark/Dockerfile" "$HERE/spark/entrypoint.sh"
    if [ -n "$record" ]; then cat "$record"; else (cd "$PYSPARK_HOME" && find "${SPARK_DIRS[@]}" -printf '%p %s %T@\n' | sort); fi
} | hash_of)"
current="$(docker image inspect --format '{{ index .Config.Labels "cdc-test.content-hash" }}' "$SPARK" 2>/dev/null || true)"
if [ "$current" = "$spark_hash" ]; then
    log "$SPARK is up to date"
else
    t0="$(now)"
    log "building $SPARK"
    present=()
    for d in "${SPARK_DIRS[@]}"; do [ -e "$PYSPARK_HOME/$d" ] && present+=("./$d"); done
    # The context as a tar stream: Dockerfile and entrypoint.sh at its root, the Spark home under
    # spark/ (renamed on the fly: members given as ./<dir> only), without Python bytecode caches.
    tar -cf - --exclude=__pycache__ --transform='s,^\./,spark/,S' \
        -C "$HERE/spark" Dockerfile entrypoint.sh \
        -C "$PWD/$PYSPARK_HOME" "${present[@]}" \
        | docker build --build-arg "BASE_IMAGE=$BASE" --label "cdc-test.content-hash=$spark_hash" \
            -t "$SPARK" -t "$SPARK-$spark_hash" - >"$CACHE/spark-build.log" 2>&1 \
        || { tail -n 30 "$CACHE/spark-build.log" >&2; die "docker build of $SPARK failed (log: $CACHE/spark-build.log)"; }
    log "built $SPARK in $(since "$t0")"
fi
# ---- cdc-test/prometheus, cdc-test/alertmanager (the kubernetes platform's tests) ----------------
# FROM the base, with the binaries Debian installed on this machine (bootstrap.sh): prom/*'s layout.
for program in prometheus:/usr/bin/prometheus:/prometheus alertmanager:/usr/bin/prometheus-alertmanager:/alertmanager; do
    IFS=: read -r name binary data_dir <<<"$program"
    [ -x "$binary" ] || die "$binary is missing (bash scripts/bootstrap.sh installs it)"
    image="cdc-test/$name:local"
    assets="/usr/share/prometheus/$name"
    prom_hash="$( { cat "$HERE/prom/Dockerfile"; echo "$BASE $data_dir"; sha256sum "$binary"; [ ! -d "$assets" ] || find "$assets" -type f -exec sha256sum {} + | sort; } | hash_of)"
    if [ "$(docker image inspect -f '{{ index .Config.Labels "cdc-test.content-hash" }}' "$image" 2>/dev/null || true)" != "$prom_hash" ]; then
        context="$(mktemp -d)"
        cp "$HERE/prom/Dockerfile" "$context/"; cp "$binary" "$context/program"; mkdir -p "$context/share"
        [ ! -d "$assets" ] || cp -r "$assets" "$context/share/"
        docker build -q --build-arg "BASE_IMAGE=$BASE" --build-arg "PROGRAM=$name" --build-arg "DATA_DIR=$data_dir"             --label "cdc-test.content-hash=$prom_hash" -t "$image" "$context" >/dev/null
        rm -rf "$context"
        log "built $image"
    fi
done
# ---- the stand-ins for the stack's other registry images (the kubernetes platform's tests) ---------
bash "$HERE/stack.sh" "$BASE"
# Older builds' tags go (an image still used by a container stays: rmi refuses, and that is fine).
for tag in $(docker image ls --format '{{.Repository}}:{{.Tag}}' cdc-test/base) $(docker image ls --format '{{.Repository}}:{{.Tag}}' cdc-test/spark); do
    case "$tag" in
        "$BASE" | cdc-test/base:latest | "$SPARK" | "$SPARK-$spark_hash") ;;
        cdc-test/base:* | "$SPARK"-*) docker rmi "$tag" >/dev/null 2>&1 || true ;;
    esac
done
log "ready: $BASE (cdc-test/base:latest), $SPARK, cdc-test/prometheus:local, cdc-test/alertmanager:local and stack.sh's"
