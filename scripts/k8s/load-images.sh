#!/usr/bin/env bash
# Loads local Docker images into the local cluster's containerd (no registry): `docker save | ctr import`,
# skipped for an image already loaded with the same id. Pods use them with imagePullPolicy IfNotPresent.
set -euo pipefail
R=${CDC_K8S_DIR:-/tmp/cdc-k8s}
SOCK=$R/containerd/containerd.sock
[ -S "$SOCK" ] || { echo "load-images: no cluster containerd at $SOCK (bash scripts/k8s/up.sh)" >&2; exit 1; }
mkdir -p "$R/run/images"
for image in "$@"; do
    id=$(docker image inspect -f '{{.Id}}' "$image")
    record="$R/run/images/$(echo "$image" | tr '/:' '__')"
    [ "$(cat "$record" 2>/dev/null || true)" = "$id" ] && continue
    echo "load-images: $image"
    docker save "$image" | ctr -a "$SOCK" -n k8s.io images import - >/dev/null
    echo "$id" >"$record"
done
