// Real containers on a real Docker daemon for integration tests, through the docker CLI.
// Objects are made the way the stack makes them (docker.Container: create, upload files, start;
// ports published on a given host address; binds; extra hosts incl. "host-gateway") from the local
// images scripts/images/build.sh builds. Every object of a test run carries the run's label, and
// its name the run's id, so parallel jest workers never clash and removeAll(run.label) in afterAll
// removes everything the run made, failed or not.
import { execFile, execFileSync } from "child_process";
import { randomBytes } from "crypto";

/** apache/spark:3.5.8's layout on the local Debian base (scripts/images/spark/). CDC_TEST_SPARK_IMAGE
 *  checks another image instead (apache/spark:3.5.8 itself, where a registry is reachable). */
export const SPARK_IMAGE = process.env.CDC_TEST_SPARK_IMAGE || "cdc-test/spark:3.5.8";
/** Debian bookworm + Java 17, Python 3.11, MariaDB, PostgreSQL (scripts/images/rootfs.sh). */
export const BASE_IMAGE = "cdc-test/base:latest";
/** The label key every object of a test run carries; its value is the run's id. */
export const RUN_LABEL = "cdc-test-infra.test-run";

export interface DockerResult {
    code: number;
    stdout: string;
    stderr: string;
}

export interface DockerOptions {
    /** Written to the command's stdin. */
    input?: Buffer | string;
    /** Resolve with a non-zero code instead of rejecting. */
    allowFailure?: boolean;
    /** Kill the CLI after this long (rejects). Default 120 s. */
    timeoutMs?: number;
}

/** Runs `docker <args>`; rejects on a non-zero exit (with the command and its stderr) unless allowFailure. */
export function docker(args: string[], options: DockerOptions = {}): Promise<DockerResult> {
    return new Promise((resolve, reject) => {
        const child = execFile("docker", args, { maxBuffer: 64 * 1024 * 1024, timeout: options.timeoutMs ?? 120_000, encoding: "utf8" },
            (err, stdout, stderr) => {
                const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
                if (err && (code === -1 || !options.allowFailure)) {
                    const why = err.killed ? `killed after ${options.timeoutMs ?? 120_000} ms` : `exit ${String(err.code)}`;
                    reject(new Error(`docker ${args.join(" ")}: ${why}: ${stderr.trim() || err.message}`));
                    return;
                }
                resolve({ code, stdout, stderr });
            });
        child.stdin?.on("error", () => { /* the CLI exited early; its error is reported above */ });
        child.stdin?.end(options.input);
    });
}

/** Why the docker CLI cannot reach a daemon, or undefined when `docker info` answers. Synchronous, for describeIfAvailable. */
export function dockerMissing(): string | undefined {
    try {
        execFileSync("docker", ["info", "--format", "{{.ServerVersion}}"], { stdio: "pipe", timeout: 15_000 });
        return undefined;
    } catch (err) {
        const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
        if (e.code === "ENOENT") return "the docker CLI is not on the PATH";
        const detail = e.stderr?.toString().trim().split("\n").pop() ?? e.message;
        return `no Docker daemon answers 'docker info' (${detail}); start one: bash scripts/images/start-dockerd.sh`;
    }
}

/** True when `docker info` answers. */
export function dockerAvailable(): boolean {
    return dockerMissing() === undefined;
}

/** Which of the images the daemon lacks, as a reason for describeIfAvailable, or undefined. Synchronous. */
export function imagesMissing(images: string[]): string | undefined {
    const absent = images.filter((image) => {
        try {
            execFileSync("docker", ["image", "inspect", "--format", "{{.Id}}", image], { stdio: "pipe", timeout: 15_000 });
            return false;
        } catch {
            return true;
        }
    });
    return absent.length ? `image(s) ${absent.join(", ")} missing (build them: bash scripts/images/build.sh)` : undefined;
}

export interface TestRun {
    /** Unique per test run (process id and random bytes). */
    id: string;
    /** `{ [RUN_LABEL]: id }`: give these to every object the run makes. */
    labels: Record<string, string>;
    /** `RUN_LABEL=id`, the filter removeAll takes. */
    label: string;
    /** A Docker name unique to this run: `cdct-<id>-<role>`. */
    name(role: string): string;
}

export function newTestRun(): TestRun {
    const id = `${process.pid.toString(36)}${randomBytes(4).toString("hex")}`;
    return {
        id,
        labels: { [RUN_LABEL]: id },
        label: `${RUN_LABEL}=${id}`,
        name: (role) => `cdct-${id}-${role}`,
    };
}

const labelArgs = (labels: Record<string, string>): string[] => Object.entries(labels).flatMap(([k, v]) => ["--label", `${k}=${v}`]);

export interface DockerNetwork {
    name: string;
    /** The host's address on the network: what host-and-container-reachable ports are published on. */
    gateway: string;
    /** CIDR, e.g. 172.18.0.0/16. */
    subnet: string;
}

/** A new bridge network, read back from `docker network inspect`. */
export async function createNetwork(name: string, labels: Record<string, string> = {}): Promise<DockerNetwork> {
    await docker(["network", "create", "--driver", "bridge", ...labelArgs(labels), name]);
    return inspectNetwork(name);
}

export async function inspectNetwork(name: string): Promise<DockerNetwork> {
    const { stdout } = await docker(["network", "inspect", "--format", "{{json .IPAM.Config}}", name]);
    const configs = (JSON.parse(stdout) ?? []) as { Subnet?: string; Gateway?: string }[];
    const v4 = configs.find((c) => c.Subnet && !c.Subnet.includes(":") && c.Gateway);
    if (!v4) throw new Error(`network ${name} has no IPv4 subnet with a gateway: ${stdout.trim()}`);
    return { name, gateway: v4.Gateway!, subnet: v4.Subnet! };
}

/** A named volume (removed by removeAll with the run's label). */
export async function createVolume(name: string, labels: Record<string, string> = {}): Promise<string> {
    await docker(["volume", "create", ...labelArgs(labels), name]);
    return name;
}

export interface PortSpec {
    internal: number;
    /** Host port; omitted: Docker picks a free one (read it back with publishedPort). */
    external?: number;
    /** Host address to publish on (e.g. the network's gateway). */
    ip: string;
    protocol?: "tcp" | "udp";
}

export interface BindSpec {
    /** Absolute host path (Docker creates a missing one, as root, like the stack's binds). */
    source: string;
    target: string;
    readOnly?: boolean;
}

export interface HostEntry {
    host: string;
    /** An address, or "host-gateway" (the daemon's host address, Docker >= 20.10). */
    ip: string;
}

export interface UploadSpec {
    /** Absolute path in the container; missing parent directories are created (root, 0755). */
    path: string;
    content: string | Buffer;
    /** Default 0o644. Owner root:root, like the Pulumi docker provider's uploads. */
    mode?: number;
}

export interface ContainerSpec {
    name: string;
    image: string;
    network: string;
    aliases?: string[];
    hostname?: string;
    /** `uid[:gid]` or a name, as `docker run --user`. */
    user?: string;
    groupAdds?: string[];
    /** `KEY=value` each. */
    envs?: string[];
    command?: string[];
    /** Replaces the image's entrypoint: the first element is the program, the rest go before `command`. [] clears it. */
    entrypoint?: string[];
    ports?: PortSpec[];
    binds?: BindSpec[];
    hosts?: HostEntry[];
    /** Written into the created container before it starts. */
    uploads?: UploadSpec[];
    memoryMb?: number;
    labels: Record<string, string>;
}

export interface Container {
    name: string;
    id: string;
}

const hostIp = (ip: string) => (ip.includes(":") ? `[${ip}]` : ip);

/** The `docker create` arguments for a spec (exported for tests of the harness itself). */
export function createArgs(spec: ContainerSpec): string[] {
    const args = ["create", "--name", spec.name, "--network", spec.network, ...labelArgs(spec.labels)];
    for (const alias of spec.aliases ?? []) args.push("--network-alias", alias);
    if (spec.hostname) args.push("--hostname", spec.hostname);
    if (spec.user) args.push("--user", spec.user);
    for (const group of spec.groupAdds ?? []) args.push("--group-add", group);
    for (const env of spec.envs ?? []) {
        if (!/^[^=]+=/.test(env)) throw new Error(`env "${env}" is not KEY=value`);
        args.push("--env", env);
    }
    for (const p of spec.ports ?? []) {
        args.push("--publish", `${hostIp(p.ip)}:${p.external ?? ""}:${p.internal}/${p.protocol ?? "tcp"}`);
    }
    for (const b of spec.binds ?? []) {
        if (!b.source.startsWith("/") || !b.target.startsWith("/")) throw new Error(`bind ${b.source} -> ${b.target}: paths must be absolute`);
        if (b.source.includes(":") || b.target.includes(":")) throw new Error(`bind ${b.source} -> ${b.target}: ':' in a path`);
        args.push("--volume", `${b.source}:${b.target}${b.readOnly ? ":ro" : ""}`);
    }
    for (const h of spec.hosts ?? []) args.push("--add-host", `${h.host}:${h.ip}`);
    if (spec.memoryMb !== undefined) args.push("--memory", `${spec.memoryMb}m`);
    if (spec.entrypoint) args.push("--entrypoint", spec.entrypoint[0] ?? "");
    args.push(spec.image, ...(spec.entrypoint ?? []).slice(1), ...(spec.command ?? []));
    return args;
}

/** `docker create`, the uploads copied in (`docker cp` of a tar), then `docker start`. */
export async function runContainer(spec: ContainerSpec): Promise<Container> {
    const { stdout } = await docker(createArgs(spec));
    const id = stdout.trim();
    if (spec.uploads?.length) {
        await docker(["cp", "-", `${spec.name}:/`], { input: tarOf(spec.uploads) });
    }
    await docker(["start", spec.name]);
    return { name: spec.name, id };
}

export interface PortBinding {
    /** e.g. "8000/tcp" */
    containerPort: string;
    hostIp: string;
    hostPort: number;
}

/** Every host binding the running container has (from `docker inspect`, NetworkSettings.Ports). */
export async function portBindings(container: string): Promise<PortBinding[]> {
    const { stdout } = await docker(["inspect", "--format", "{{json .NetworkSettings.Ports}}", container]);
    const ports = (JSON.parse(stdout) ?? {}) as Record<string, { HostIp: string; HostPort: string }[] | null>;
    return Object.entries(ports).flatMap(([containerPort, bindings]) =>
        (bindings ?? []).map((b) => ({ containerPort, hostIp: b.HostIp, hostPort: Number(b.HostPort) })));
}

/** The host port Docker published `internal` on at `ip`; fails (with the container's state) when there is none. */
export async function publishedPort(container: string, internal: number, ip: string, protocol: "tcp" | "udp" = "tcp"): Promise<number> {
    const bindings = await portBindings(container);
    const found = bindings.find((b) => b.containerPort === `${internal}/${protocol}` && b.hostIp === ip);
    if (!found) {
        const state = await containerState(container);
        throw new Error(`container ${container} publishes no host port for ${internal}/${protocol} on ${ip} ` +
            `(state ${state.status}, exit ${state.exitCode}; bindings ${JSON.stringify(bindings)})`);
    }
    return found.hostPort;
}

export interface ContainerState {
    status: string;
    running: boolean;
    exitCode: number;
}

export async function containerState(container: string): Promise<ContainerState> {
    const { stdout } = await docker(["inspect", "--format", "{{json .State}}", container]);
    const s = JSON.parse(stdout) as { Status: string; Running: boolean; ExitCode: number };
    return { status: s.Status, running: s.Running, exitCode: s.ExitCode };
}

/** The container's address on a network. */
export async function containerIp(container: string, network: string): Promise<string> {
    const { stdout } = await docker(["inspect", "--format", `{{with index .NetworkSettings.Networks ${JSON.stringify(network)}}}{{.IPAddress}}{{end}}`, container]);
    return stdout.trim();
}

/** Everything the container wrote so far: stdout, then stderr. */
export async function containerLogs(container: string): Promise<string> {
    const { stdout, stderr } = await docker(["logs", container]);
    return stdout + stderr;
}

/** Waits for the container to exit; resolves with its exit code. */
export async function waitForExit(container: string, timeoutMs = 60_000): Promise<number> {
    const { stdout } = await docker(["wait", container], { timeoutMs });
    return Number(stdout.trim());
}

/** `docker exec` in a running container. */
export async function execIn(container: string, argv: string[], options: { user?: string; envs?: string[] } = {}): Promise<DockerResult> {
    const args = ["exec"];
    if (options.user) args.push("--user", options.user);
    for (const env of options.envs ?? []) args.push("--env", env);
    return docker([...args, container, ...argv], { allowFailure: true });
}

/** Removes every container (with its anonymous volumes), network and volume carrying `label` (`key=value`). */
export async function removeAll(label: string): Promise<void> {
    const list = async (args: string[]) => (await docker([...args, "--filter", `label=${label}`])).stdout.split("\n").filter(Boolean);
    const containers = await list(["ps", "-aq"]);
    if (containers.length) await docker(["rm", "-f", "-v", ...containers]);
    const networks = await list(["network", "ls", "-q"]);
    if (networks.length) await docker(["network", "rm", ...networks]);
    const volumes = await list(["volume", "ls", "-q"]);
    if (volumes.length) await docker(["volume", "rm", "-f", ...volumes]);
}

// ---- a minimal ustar writer for uploads (regular files only) ---------------------------------------

function octal(value: number, width: number): string {
    return value.toString(8).padStart(width - 1, "0") + "\0";
}

function splitName(name: string): { prefix: string; name: string } {
    if (Buffer.byteLength(name) <= 100) return { prefix: "", name };
    for (let i = name.indexOf("/"); i >= 0; i = name.indexOf("/", i + 1)) {
        const prefix = name.slice(0, i);
        const rest = name.slice(i + 1);
        if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(rest) <= 100 && rest.length > 0) return { prefix, name: rest };
    }
    throw new Error(`upload path too long for a tar header: /${name}`);
}

/** A tar archive of the uploads, paths relative to `/` (for `docker cp - <container>:/`). */
export function tarOf(uploads: UploadSpec[]): Buffer {
    const blocks: Buffer[] = [];
    const mtime = Math.floor(Date.now() / 1000);
    for (const upload of uploads) {
        if (!upload.path.startsWith("/") || upload.path.endsWith("/")) throw new Error(`upload path "${upload.path}" must be an absolute file path`);
        const { prefix, name } = splitName(upload.path.replace(/^\/+/, ""));
        const content = Buffer.isBuffer(upload.content) ? upload.content : Buffer.from(upload.content, "utf8");
        const header = Buffer.alloc(512, 0);
        header.write(name, 0, 100, "utf8");
        header.write(octal((upload.mode ?? 0o644) & 0o7777, 8), 100, 8, "ascii");
        header.write(octal(0, 8), 108, 8, "ascii"); // uid
        header.write(octal(0, 8), 116, 8, "ascii"); // gid
        header.write(octal(content.length, 12), 124, 12, "ascii");
        header.write(octal(mtime, 12), 136, 12, "ascii");
        header.write("        ", 148, 8, "ascii"); // checksum placeholder
        header.write("0", 156, 1, "ascii"); // regular file
        header.write("ustar\0", 257, 6, "ascii");
        header.write("00", 263, 2, "ascii");
        header.write("root", 265, 32, "ascii");
        header.write("root", 297, 32, "ascii");
        header.write(prefix, 345, 155, "utf8");
        let sum = 0;
        for (const byte of header) sum += byte;
        header.write(octal(sum, 7) + " ", 148, 8, "ascii");
        blocks.push(header, content, Buffer.alloc((512 - (content.length % 512)) % 512, 0));
    }
    blocks.push(Buffer.alloc(1024, 0));
    return Buffer.concat(blocks);
}
