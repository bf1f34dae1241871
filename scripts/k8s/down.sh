#!/usr/bin/env bash
# Stops what up.sh started (by recorded pid) and removes its state; keeps the built binaries (.tools/k8s).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
R=${CDC_K8S_DIR:-/tmp/cdc-k8s}
RUN=$R/run
export PATH=$ROOT/.tools/k8s/bin:$PATH:/usr/sbin:/sbin
SOCK=$R/containerd/containerd.sock
running() { [ -s "$RUN/$1.pid" ] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }
stop() {
    running "$1" || { rm -f "$RUN/$1.pid"; return 0; }
    local pid; pid=$(cat "$RUN/$1.pid"); kill -TERM "$pid"
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL "$pid" 2>/dev/null; rm -f "$RUN/$1.pid"
}
stop storage-permissions
stop kube-proxy
stop kubelet
if running containerd; then
    # Task shims are not containerd's children: kill and delete every container explicitly.
    CTR=(ctr -a "$SOCK" -n k8s.io)
    for t in $("${CTR[@]}" tasks ls -q 2>/dev/null); do "${CTR[@]}" tasks kill -s SIGKILL "$t" >/dev/null 2>&1; done
    sleep 1
    for t in $("${CTR[@]}" tasks ls -q 2>/dev/null); do "${CTR[@]}" tasks delete -f "$t" >/dev/null 2>&1; done
    for c in $("${CTR[@]}" containers ls -q 2>/dev/null); do "${CTR[@]}" containers delete "$c" >/dev/null 2>&1; done
fi
stop kube-scheduler
stop kube-controller-manager
stop kube-apiserver
stop containerd
stop etcd
# kube-proxy's and the CNI plugins' iptables rules, the pod bridge, the volumes kubelet mounted.
kube-proxy --cleanup >/dev/null 2>&1
for table in nat filter mangle; do
    iptables -t $table -S 2>/dev/null | grep -E '^-A [A-Z]+ .*-j (KUBE-|CNI-)' | sed 's/^-A/-D/' | while read -r rule; do eval iptables -t $table "$rule"; done
    for chain in $(iptables -t $table -S 2>/dev/null | awk '$1=="-N" && $2 ~ /^(KUBE-|CNI-)/ {print $2}'); do iptables -t $table -F "$chain"; done
    for chain in $(iptables -t $table -S 2>/dev/null | awk '$1=="-N" && $2 ~ /^(KUBE-|CNI-)/ {print $2}'); do iptables -t $table -X "$chain"; done
done
[ -s "$RUN/route_localnet" ] && sysctl -qw net.ipv4.conf.all.route_localnet="$(cat "$RUN/route_localnet")"
for dir in -i -o; do iptables -D FORWARD $dir cdccni0 -j ACCEPT 2>/dev/null; done
ip link show cdccni0 >/dev/null 2>&1 && ip link del cdccni0
awk -v r="$R/" 'index($5, r) == 1 {print $5}' /proc/self/mountinfo | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
for d in /sys/fs/cgroup/*/kubepods; do [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null; done
rm -rf "$R" /tmp/hostpath_pv
echo "k8s-local: down"
