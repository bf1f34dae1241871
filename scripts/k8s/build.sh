#!/usr/bin/env bash
# Builds the local test cluster's binaries from the Go module proxy into .tools/k8s/bin (skips what is there):
# the Kubernetes server binaries and kubectl, CoreDNS with only the plugins the cluster uses, and a tiny pause
# program. The first build takes about 15-20 minutes on 2 cores; the Go caches make rebuilds quick.
set -euo pipefail
cd "$(dirname "$0")/../.."
K8S_VERSION=${K8S_VERSION:-1.33.13}
COREDNS_VERSION=${COREDNS_VERSION:-v1.12.4}
OUT=$PWD/.tools/k8s
mkdir -p "$OUT/bin" "$OUT/src"
export GOFLAGS=-buildvcs=false CGO_ENABLED=0
# Go's own caches live in .tools too, so a CI machine's later runs reuse them.
export GOMODCACHE=${GOMODCACHE_OVERRIDE:-$PWD/.tools/go/mod} GOCACHE=${GOCACHE_OVERRIDE:-$PWD/.tools/go/build}

k8s_commands=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl)
missing=()
for c in "${k8s_commands[@]}"; do [ -x "$OUT/bin/$c" ] || missing+=("k8s.io/kubernetes/cmd/$c"); done
if [ ${#missing[@]} -gt 0 ]; then
    # k8s.io/kubernetes is not meant to be required as a module: its go.mod points the k8s.io/* staging
    # modules at ./staging. A wrapper module maps each of them to its published v0.<minor>.<patch> instead.
    src="$OUT/src/kubernetes"; mkdir -p "$src"; cd "$src"
    go mod download "k8s.io/kubernetes@v$K8S_VERSION"
    moddir=$(go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
    {
        printf 'module local/k8sbuild\n\ngo 1.24.0\n\nrequire k8s.io/kubernetes v%s\n\nreplace (\n' "$K8S_VERSION"
        grep '=> ./staging' "$moddir/go.mod" | awk -v v="v0.${K8S_VERSION#1.}" '{print "\t" $1 " => " $1 " " v}'
        printf ')\n'
    } > go.mod
    {
        printf '//go:build tools\n\npackage tools\n\nimport (\n'
        for c in "${k8s_commands[@]}"; do printf '\t_ "k8s.io/kubernetes/cmd/%s"\n' "$c"; done
        printf ')\n'
    } > tools.go
    go mod tidy
    major=${K8S_VERSION%%.*}; minor=$(echo "$K8S_VERSION" | cut -d. -f2)
    ldflags="-s -w"
    for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
        ldflags="$ldflags -X $p.gitVersion=v$K8S_VERSION -X $p.gitMajor=$major -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
    done
    echo "k8s build: ${missing[*]}"
    nice -n 10 go build -trimpath -ldflags "$ldflags" -o "$OUT/bin/" "${missing[@]}"
    cd - >/dev/null
fi

if [ ! -x "$OUT/bin/coredns" ]; then
    src="$OUT/src/coredns"; mkdir -p "$src"; cp scripts/k8s/coredns/main.go "$src/"; cd "$src"
    [ -f go.mod ] || go mod init local/coredns >/dev/null 2>&1
    go get "github.com/coredns/coredns@$COREDNS_VERSION"
    go mod tidy
    echo "coredns build"
    nice -n 10 go build -trimpath -ldflags "-s -w" -o "$OUT/bin/coredns" .
    cd - >/dev/null
fi

if [ ! -x "$OUT/bin/pause" ]; then
    src="$OUT/src/pause"; mkdir -p "$src"; cp scripts/k8s/pause/main.go "$src/"; cd "$src"
    [ -f go.mod ] || go mod init local/pause >/dev/null 2>&1
    go build -trimpath -ldflags "-s -w" -o "$OUT/bin/pause" .
    cd - >/dev/null
fi
ls -la "$OUT/bin"
