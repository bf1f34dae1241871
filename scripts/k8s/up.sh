#!/usr/bin/env bash
# A real single-node Kubernetes cluster on this machine, for the kubernetes platform's tests: the binaries
# built by build.sh, etcd/containerd/CNI from Debian, cluster DNS (CoreDNS) and a default StorageClass.
# Idempotent; all state under $CDC_K8S_DIR (default /tmp/cdc-k8s); stop with down.sh.
#   export KUBECONFIG=$CDC_K8S_DIR/admin.kubeconfig
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
R=${CDC_K8S_DIR:-/tmp/cdc-k8s}
BIN=$ROOT/.tools/k8s/bin
PKI=$R/pki LOG=$R/logs RUN=$R/run
mkdir -p "$PKI" "$LOG" "$RUN"
export PATH=$BIN:$PATH:/usr/sbin:/sbin
export KUBECONFIG=$R/admin.kubeconfig
SOCK=$R/containerd/containerd.sock
POD_CIDR=10.244.0.0/24 CLUSTER_CIDR=10.244.0.0/16 SVC_CIDR=10.96.0.0/24 API_SVC_IP=10.96.0.1 DNS_IP=10.96.0.10
NODE=$(hostname | tr 'A-Z' 'a-z')
NODE_IP=$(ip -4 route get 192.0.2.1 | sed -n 's/.* src \([0-9.]*\).*/\1/p' | head -1)
T0=$(date +%s)
say() { echo "[k8s-local $(( $(date +%s) - T0 ))s] $*"; }

bash "$HERE/build.sh" >"$LOG/build.log" 2>&1 || { tail -30 "$LOG/build.log"; exit 1; }
CNI_BIN=/usr/lib/cni; [ -x $CNI_BIN/bridge ] || CNI_BIN=/opt/cni/bin

# ---- certificates and kubeconfigs (one CA; client certs for each component) ----
if [ ! -s "$PKI/ca.crt" ]; then
    say "certificates"
    ( cd "$PKI"
      openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 -subj "/CN=cdc-k8s-local" 2>/dev/null
      openssl genrsa -out sa.key 2048 2>/dev/null; openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
      cert() { # file CN O SANs
          openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$2${3:+/O=$3}" 2>/dev/null
          { echo "keyUsage=critical,digitalSignature,keyEncipherment"
            if [ -n "${4:-}" ]; then echo "extendedKeyUsage=serverAuth,clientAuth"; echo "subjectAltName=$4"; else echo "extendedKeyUsage=clientAuth"; fi; } > "$1.ext"
          openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -extfile "$1.ext" -out "$1.crt" 2>/dev/null
          rm -f "$1.csr" "$1.ext"; }
      cert apiserver kube-apiserver "" "DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost,IP:127.0.0.1,IP:$NODE_IP,IP:$API_SVC_IP"
      cert apiserver-kubelet-client kube-apiserver-kubelet-client system:masters
      cert admin admin system:masters
      cert controller-manager system:kube-controller-manager
      cert scheduler system:kube-scheduler
      cert kube-proxy system:kube-proxy
      cert kubelet "system:node:$NODE" system:nodes "DNS:$NODE,IP:$NODE_IP" )
fi
for who in admin controller-manager scheduler kube-proxy kubelet; do
    cat > "$R/$who.kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters: [{name: local, cluster: {server: "https://127.0.0.1:6443", certificate-authority-data: $(base64 -w0 "$PKI/ca.crt")}}]
users: [{name: $who, user: {client-certificate-data: $(base64 -w0 "$PKI/$who.crt"), client-key-data: $(base64 -w0 "$PKI/$who.key")}}]
contexts: [{name: cdc-k8s-local, context: {cluster: local, user: $who}}]
current-context: cdc-k8s-local
KC
done

running() { [ -s "$RUN/$1.pid" ] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }
start() { # name command...
    local name=$1; shift
    running "$name" && return 0
    say "start $name"
    setsid nohup "$@" >"$LOG/$name.log" 2>&1 </dev/null &
    echo $! >"$RUN/$name.pid"
}
await() { # what seconds command...
    local what=$1 seconds=$2; shift 2
    for _ in $(seq 1 $((seconds * 4))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.25; done
    say "TIMEOUT: $what"; for f in "$LOG"/*.log; do echo "--- $f"; tail -5 "$f"; done; return 1
}
# Config files are written only when they change: kube-proxy exits when its config file is rewritten.
put() { cat >"$1.new"; if cmp -s "$1.new" "$1"; then rm -f "$1.new"; else mv "$1.new" "$1"; fi; }

start etcd etcd --name local --data-dir "$R/etcd" --listen-client-urls http://127.0.0.1:2379 \
    --advertise-client-urls http://127.0.0.1:2379 --listen-peer-urls http://127.0.0.1:2380 \
    --initial-advertise-peer-urls http://127.0.0.1:2380 --initial-cluster local=http://127.0.0.1:2380 --listen-metrics-urls http://127.0.0.1:2381
await etcd 60 curl -sf http://127.0.0.1:2379/health

# ---- containerd: an instance of its own, apart from dockerd's ----
mkdir -p "$R/containerd" "$R/cni/net.d" "$R/cni/ipam"
put "$R/containerd/config.toml" <<EOT
version = 2
root = "$R/containerd/root"
state = "$R/containerd/state"
[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$SOCK.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$R/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.10"
  # Without CAP_SYS_RESOURCE (a container sandbox), runc cannot lower oom_score_adj and every pod fails
  # with "can't get final child's PID from pipe: EOF".
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CNI_BIN"
    conf_dir = "$R/cni/net.d"
EOT
put "$R/cni/net.d/10-cdc.conflist" <<EOT
{"cniVersion": "0.4.0", "name": "cdc-k8s-local", "plugins": [
  {"type": "bridge", "bridge": "cdccni0", "isGateway": true, "ipMasq": true, "hairpinMode": true,
   "ipam": {"type": "host-local", "dataDir": "$R/cni/ipam", "ranges": [[{"subnet": "$POD_CIDR"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
  {"type": "portmap", "capabilities": {"portMappings": true}}
]}
EOT
# dockerd sets the FORWARD policy to DROP, and with br_netfilter bridged frames pass through FORWARD too:
# pod-to-pod traffic on the pod bridge (DNS to CoreDNS, a worker to its master) would vanish. Accept it.
for dir in -i -o; do
    iptables -C FORWARD $dir cdccni0 -j ACCEPT 2>/dev/null || iptables -I FORWARD $dir cdccni0 -j ACCEPT
done
start containerd containerd --config "$R/containerd/config.toml"
await containerd 60 ctr -a "$SOCK" version
CTR=(ctr -a "$SOCK" -n k8s.io)

# ---- the cluster's own images: pause and CoreDNS, each a static program FROM scratch ----
for program in pause coredns; do
    image=$([ $program = pause ] && echo registry.k8s.io/pause:3.10 || echo cdc-k8s-local/coredns:local)
    if ! "${CTR[@]}" images ls -q | grep -qx "$image"; then
        say "image $image"
        ctx=$(mktemp -d); cp "$BIN/$program" "$ctx/$program"; cp "$HERE/images/Dockerfile.scratch" "$ctx/Dockerfile"
        DOCKER_BUILDKIT=0 docker build -q --build-arg PROGRAM=$program -t "$image" "$ctx" >/dev/null
        rm -rf "$ctx"
        docker save "$image" | "${CTR[@]}" images import - >/dev/null
    fi
done

# ---- control plane ----
start kube-apiserver kube-apiserver --advertise-address="$NODE_IP" --bind-address=0.0.0.0 --secure-port=6443 \
    --etcd-servers=http://127.0.0.1:2379 --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction \
    --client-ca-file="$PKI/ca.crt" --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" --kubelet-client-key="$PKI/apiserver-kubelet-client.key" \
    --kubelet-preferred-address-types=InternalIP --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" --service-cluster-ip-range=$SVC_CIDR
await kube-apiserver 180 kubectl get --raw /readyz
# --enable-hostpath-provisioner: the in-tree provisioner for single-node test clusters (claims under /tmp/hostpath_pv).
start kube-controller-manager kube-controller-manager --kubeconfig="$R/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$R/controller-manager.kubeconfig" --authorization-kubeconfig="$R/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --leader-elect=false --use-service-account-credentials=true \
    --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
    --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
    --allocate-node-cidrs=true --cluster-cidr=$CLUSTER_CIDR --node-cidr-mask-size=24 --service-cluster-ip-range=$SVC_CIDR \
    --enable-hostpath-provisioner=true
start kube-scheduler kube-scheduler --kubeconfig="$R/scheduler.kubeconfig" --authentication-kubeconfig="$R/scheduler.kubeconfig" \
    --authorization-kubeconfig="$R/scheduler.kubeconfig" --bind-address=127.0.0.1 --leader-elect=false

# ---- the node ----
mkdir -p "$R/kubelet" "$R/pod-logs" "$R/sysctl"
put "$R/kubelet.yaml" <<EOT
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication: {anonymous: {enabled: false}, webhook: {enabled: true}, x509: {clientCAFile: "$PKI/ca.crt"}}
authorization: {mode: Webhook}
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
containerRuntimeEndpoint: "unix://$SOCK"
clusterDomain: cluster.local
clusterDNS: ["$DNS_IP"]
resolvConf: /etc/resolv.conf
podLogsDir: "$R/pod-logs"
address: "$NODE_IP"
healthzBindAddress: 127.0.0.1
readOnlyPort: 0
evictionHard: {memory.available: "100Mi", nodefs.available: "2%", imagefs.available: "2%"}
imageGCHighThresholdPercent: 99
imageGCLowThresholdPercent: 98
EOT
# kubelet sets vm.overcommit_memory, kernel.panic and kernel.panic_on_oops on the host: it runs in a mount
# namespace of its own where those files are covered by ones holding the values it wants, so the host's stay.
echo 1 >"$R/sysctl/overcommit_memory"; echo 10 >"$R/sysctl/panic"; echo 1 >"$R/sysctl/panic_on_oops"
# Its volume mounts must still reach the host's namespace (where containerd and runc look): a shared mount.
mountpoint -q "$R/kubelet" || { mount --bind "$R/kubelet" "$R/kubelet"; mount --make-rshared "$R/kubelet"; }
start kubelet unshare -m --propagation unchanged sh -c "mount --bind $R/sysctl/overcommit_memory /proc/sys/vm/overcommit_memory && \
    mount --bind $R/sysctl/panic /proc/sys/kernel/panic && mount --bind $R/sysctl/panic_on_oops /proc/sys/kernel/panic_on_oops && \
    exec kubelet --config=$R/kubelet.yaml --kubeconfig=$R/kubelet.kubeconfig --root-dir=$R/kubelet --hostname-override=$NODE --node-ip=$NODE_IP"
[ -s "$RUN/route_localnet" ] || sysctl -n net.ipv4.conf.all.route_localnet >"$RUN/route_localnet"
put "$R/kube-proxy.yaml" <<EOT
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: "$R/kube-proxy.kubeconfig"}
mode: iptables
clusterCIDR: $CLUSTER_CIDR
hostnameOverride: $NODE
bindAddress: 127.0.0.1
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
conntrack: {maxPerCore: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
EOT
start kube-proxy kube-proxy --config="$R/kube-proxy.yaml"
await "node $NODE Ready" 180 sh -c "kubectl get node $NODE -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}' | grep -qx True"

# ---- storage: the in-tree hostPath provisioner as the default class. It makes each volume's directory
# root-owned 0750 and ignores fsGroup, so pods running as another user could not write: the directories
# are opened up as soon as they appear, as local-path-provisioner makes its own (0777). ----
start storage-permissions sh -c 'while :; do [ -d /tmp/hostpath_pv ] && find /tmp/hostpath_pv -mindepth 1 -maxdepth 1 -type d ! -perm -0777 -exec chmod 0777 {} + 2>/dev/null; sleep 0.2; done'
kubectl apply -f "$HERE/cluster.yaml" >/dev/null
await "CoreDNS ready" 120 sh -c "kubectl -n kube-system get deploy coredns -o jsonpath='{.status.readyReplicas}' | grep -qx 1"
say "cluster up: export KUBECONFIG=$KUBECONFIG"
