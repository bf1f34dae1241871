// Per-service ready time of a default stack, Kubernetes next to Docker: the same pure manifests
// (lib/kubernetes), the same local images, the same gates. On the local cluster (scripts/k8s/up.sh) the
// objects are applied with kubectl and each gate reaches its Service through its own kubectl port-forward,
// as the program's gates do; on Docker each workload becomes a container on one network (Service names
// as aliases, ConfigMap/Secret files bind-mounted with their modes, claims as volumes, the gated port
// published on 127.0.0.1 at the setting's port) and the same gate dials it directly. Seconds from the
// moment the objects are handed over to the moment the gate passes, all services at once, as `pulumi up`
// starts them. Writes its section of BENCHMARKS.md.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { KubeGateName } from "../lib/kubernetes/gates";
import { docker } from "../tests/integration/support/docker";
import { applyObjects, clusterImagesMissing, clusterMissing, kubectl, runGate } from "../tests/integration/support/kube";
import { defaultKubeStack, STACK_IMAGES } from "../tests/integration/support/kubeStack";
import { tempDir } from "../tests/integration/support/processes";
import { median, publishBenchmarkSections, runBenchmark } from "./report";

const RUNS = Number(process.env.BENCH_PLATFORM_RUNS ?? 3);
const SECTION = "## Per-service ready time: Kubernetes next to Docker";
type Stack = ReturnType<typeof defaultKubeStack>;
type Seconds = Partial<Record<KubeGateName, number>>;

/** Each gate's pass, in seconds since `t0` (performance.now() when the objects were handed over). */
async function gatesAt(k: Stack, kube: boolean, t0: number): Promise<Seconds> {
    const since = (performance.now() - t0) / 1000;
    const names = Object.keys(k.gates) as KubeGateName[];
    const runs = await Promise.all(names.map(async (name) => {
        const g = k.gates[name]!;
        const run = await runGate(g.request, kube ? g.forward : undefined, 300, k.gateSecretEnv);
        if (run.code !== 0) throw new Error(`gate ${name} failed on ${kube ? "kubernetes" : "docker"}: ${run.stdout}${run.stderr}`);
        console.log(`  ${kube ? "kubernetes" : "docker"} ${name} ${(since + run.seconds).toFixed(1)} s: ${run.stdout.trim()}`);
        return [name, since + run.seconds] as const;
    }));
    return Object.fromEntries(runs);
}

async function onKubernetes(): Promise<Seconds> {
    const k = defaultKubeStack();
    applyObjects(k.environmentObjects());
    try {
        const t0 = performance.now();
        applyObjects(k.serviceObjects());
        return await gatesAt(k, true, t0);
    } finally {
        kubectl(["delete", "namespace", k.placement.namespace, "--wait=true", "--timeout=240s"]);
    }
}

// ---- the same objects as Docker containers ------------------------------------------------------

interface KubeObject { kind: string; metadata: { name: string }; spec?: any; data?: Record<string, string>; stringData?: Record<string, string> }

/** Writes each ConfigMap/Secret/projected volume of a pod as files (with their modes) under `dir`. */
function writeVolumes(pod: any, sources: Map<string, Record<string, string>>, dir: string): Map<string, string> {
    const paths = new Map<string, string>();
    for (const v of pod.volumes ?? []) {
        const items: { from: string; key: string; path: string; mode: number }[] = [];
        const add = (from: string, list: any[] | undefined, mode: number) => {
            const data = sources.get(from)!;
            for (const item of list ?? Object.keys(data).map((key) => ({ key, path: key }))) items.push({ from, key: item.key, path: item.path, mode: item.mode ?? mode });
        };
        if (v.configMap) add(`ConfigMap/${v.configMap.name}`, v.configMap.items, v.configMap.defaultMode ?? 0o644);
        else if (v.secret) add(`Secret/${v.secret.secretName}`, v.secret.items, v.secret.defaultMode ?? 0o644);
        else if (v.projected) for (const s of v.projected.sources) {
            if (s.secret) add(`Secret/${s.secret.name}`, s.secret.items, 0o644);
            if (s.configMap) add(`ConfigMap/${s.configMap.name}`, s.configMap.items, 0o644);
        }
        else continue;
        const root = path.join(dir, v.name);
        fs.mkdirSync(root, { recursive: true });
        for (const item of items) {
            const file = path.join(root, item.path);
            fs.writeFileSync(file, sources.get(item.from)![item.key]!);
            fs.chmodSync(file, item.mode);
        }
        paths.set(v.name, root);
    }
    return paths;
}

/** `$(NAME)` in a command, as the kubelet expands it. */
const expand = (words: string[], env: Record<string, string>) => words.map((w) => w.replace(/\$\(([A-Z_][A-Z0-9_]*)\)/g, (m, n) => env[n] ?? m));

async function onDocker(): Promise<Seconds> {
    const k = defaultKubeStack();
    const objects = k.serviceObjects() as KubeObject[];
    const run = `bench-${k.stack}`;
    const dir = tempDir(run);
    const sources = new Map(objects.filter((o) => o.kind === "ConfigMap" || o.kind === "Secret")
        .map((o) => [`${o.kind}/${o.metadata.name}`, (o.data ?? o.stringData)!] as const));
    const services = objects.filter((o) => o.kind === "Service");
    // The gated port of each Service, published at the port the outside address names.
    const published = new Map(Object.values(k.gates).map((g) => [`${g.forward.service}:${g.forward.port}`, g.request]));
    const outsidePort = (service: string, port: number): number | undefined => {
        const request = published.get(`${service}:${port}`) as any;
        if (!request) return undefined;
        return Number(request.port ?? new URL(request.url ?? `tcp://${request.bootstrap}`).port);
    };
    await docker(["network", "create", "--label", `cdc-bench=${run}`, run]);
    try {
        const t0 = performance.now();
        const started: Promise<unknown>[] = [];
        for (const w of objects.filter((o) => o.kind === "StatefulSet" || o.kind === "Deployment")) {
            const pod = w.spec.template.spec;
            const role = w.spec.selector.matchLabels["app.kubernetes.io/name"];
            const files = writeVolumes(pod, sources, path.join(dir, w.metadata.name));
            const aliases = services.filter((s) => s.spec.selector["app.kubernetes.io/name"] === role);
            for (let replica = 0; replica < (w.spec.replicas ?? 1); replica++) {
                const name = `${run}-${w.metadata.name}-${replica}`;
                const [c] = pod.containers;
                const env: Record<string, string> = Object.fromEntries((c.env ?? []).map((e: any) =>
                    [e.name, e.valueFrom?.fieldRef?.fieldPath === "status.podIP" ? name : e.value]));
                const claim = (v: string) => pod.volumes?.find((x: any) => x.name === v)?.persistentVolumeClaim?.claimName ?? `data-${w.metadata.name}`;
                const mounts = (c.volumeMounts ?? []).map((m: any) => files.has(m.name)
                    ? `${path.join(files.get(m.name)!, m.subPath ?? "")}:${m.mountPath}${m.readOnly ? ":ro" : ""}`
                    : `${run}-${claim(m.name)}:${m.mountPath}`);
                const ports = aliases.flatMap((s) => s.spec.ports.map((x: any) => [outsidePort(s.metadata.name, x.port), x.targetPort] as const))
                    .filter(([outside]) => outside !== undefined);
                const command: string[] = c.command ? expand(c.command, env) : [];
                const args: string[] = expand(c.args ?? [], env);
                started.push(docker([
                    "run", "-d", "--name", name, "--hostname", name, "--network", run, "--label", `cdc-bench=${run}`,
                    ...aliases.flatMap((s) => ["--network-alias", s.metadata.name]),
                    "--memory", c.resources.limits.memory.replace("Mi", "m"),
                    ...Object.entries(env).flatMap(([n, v]) => ["-e", `${n}=${v}`]),
                    ...mounts.flatMap((m: string) => ["-v", m]),
                    ...ports.flatMap(([outside, inside]) => ["-p", `127.0.0.1:${outside}:${inside}`]),
                    ...(command.length > 0 ? ["--entrypoint", command[0]!] : []),
                    c.image, ...command.slice(1), ...args,
                ]));
            }
        }
        await Promise.all(started);
        return await gatesAt(k, false, t0);
    } finally {
        await removeBench(run);
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

async function removeBench(run: string): Promise<void> {
    const ids = (await docker(["ps", "-aq", "--filter", `label=cdc-bench=${run}`])).stdout.split("\n").filter(Boolean);
    if (ids.length > 0) await docker(["rm", "-f", "-v", ...ids]);
    const volumes = (await docker(["volume", "ls", "-q", "--filter", `name=${run}-`])).stdout.split("\n").filter(Boolean);
    if (volumes.length > 0) await docker(["volume", "rm", ...volumes]);
    await docker(["network", "rm", run], { allowFailure: true });
}

async function main(): Promise<void> {
    const missing = clusterMissing() ?? clusterImagesMissing(Object.values(STACK_IMAGES));
    if (missing) throw new Error(`platformReady: ${missing}`);
    const runs: { kube: Seconds; docker: Seconds }[] = [];
    const load: number[] = [];
    for (let i = 0; i < RUNS; i++) {
        // Interleaved, so a change in the machine's load falls on both.
        load.push(os.loadavg()[0]!);
        const docker = await onDocker();
        load.push(os.loadavg()[0]!);
        const kube = await onKubernetes();
        runs.push({ kube, docker });
        console.log(`run ${i + 1}/${RUNS}: docker ${JSON.stringify(docker)} kubernetes ${JSON.stringify(kube)}`);
    }
    const names = Object.keys(runs[0]!.kube) as KubeGateName[];
    const cell = (xs: number[]) => `${median(xs).toFixed(1)} (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})`;
    const lines = [
        SECTION, "",
        "Written by `node dist/bench/platformReady.js` (part of `npm run bench`): a default stack (MariaDB flavor) from",
        "the kubernetes platform's pure manifests with the local stand-in images, every service started at once, each",
        "judged by the program's own gate; seconds from handing the objects over until the gate passes, median (min–max)",
        `of ${RUNS} interleaved runs. Kubernetes: the local single-node cluster, each gate through its own`,
        "`kubectl port-forward`. Docker: the same containers, files and volumes on one network, gates dialing published ports.",
        `Machine: ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB; 1-minute load ${Math.min(...load).toFixed(1)}–${Math.max(...load).toFixed(1)} at the runs' starts.`,
        "",
        "| service | Docker, s | Kubernetes, s |",
        "|---|---|---|",
        ...names.map((n) => `| ${n} | ${cell(runs.map((r) => r.docker[n]!))} | ${cell(runs.map((r) => r.kube[n]!))} |`),
        `| **all ready** | ${cell(runs.map((r) => Math.max(...Object.values(r.docker) as number[])))} | ${cell(runs.map((r) => Math.max(...Object.values(r.kube) as number[])))} |`,
        "",
    ];
    publishBenchmarkSections(lines.join("\n"));
}

runBenchmark(main);
