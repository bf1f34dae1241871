#!/usr/bin/env bash
# Loads local Docker images into the local cluster's containerd (no registry): `docker save | ctr import`,
# skipping an image already loaded with the same id. The images to load go in one stream, so the layers
# they share (the base) are saved once. Pods use them with imagePullPolicy IfNotPresent.
set -euo pipefail
R=${CDC_K8S_DIR:-/tmp/cdc-k8s}
SOCK=$R/containerd/containerd.sock
[ -S "$SOCK" ] || { echo "load-images: no cluster containerd at $SOCK (bash scripts/k8s/up.sh)" >&2; exit 1; }
mkdir -p "$R/run/images"
# No arguments: the images the kubernetes platform's tests run (scripts/images/build.sh makes them).
[ $# -gt 0 ] || set -- cdc-test/spark:3.5.8 cdc-test/alertmanager:local cdc-test/prometheus:local \
    cdc-test/mariadb:local cdc-test/postgres:local cdc-test/kafka:local cdc-test/connect:local cdc-test/pytest:local
record_of() { echo "$R/run/images/$(echo "$1" | tr '/:' '__')"; }
todo=()
for image in "$@"; do
    id=$(docker image inspect -f '{{.Id}}' "$image")
    [ "$(cat "$(record_of "$image")" 2>/dev/null || true)" = "$id" ] || todo+=("$image")
done
[ ${#todo[@]} -gt 0 ] || exit 0
echo "load-images: ${todo[*]}"
start=$(date +%s)
docker save "${todo[@]}" | ctr -a "$SOCK" -n k8s.io images import - >/dev/null
for image in "${todo[@]}"; do docker image inspect -f '{{.Id}}' "$image" >"$(record_of "$image")"; done
echo "load-images: loaded ${#todo[@]} in $(( $(date +%s) - start )) s"
