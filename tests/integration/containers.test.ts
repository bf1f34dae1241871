// The container harness (support/docker.ts) and the local images (scripts/images/build.sh) on the
// real daemon: the facts the stack's container/host boundary rests on, checked on a fresh network.
//   - cdc-test/spark passes any non-Spark command through bare, as apache/spark does: an unknown uid has
//     no user name (and so the standalone master dies in Hadoop's login, the bug seen on the real stack);
//   - uploads land, with their modes, before the container starts;
//   - a port published on the network's gateway answers the host and the network's containers at the
//     same gateway:port, and nowhere else; a host process bound to the gateway is reachable from containers;
//   - binds, memory limits, group adds, aliases, "host-gateway", and removeAll.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { randomBytes } from "crypto";
import {
    BASE_IMAGE, RUN_LABEL, SPARK_IMAGE, containerLogs, containerState, createNetwork, createVolume, docker, dockerMissing,
    execIn, imagesMissing, newTestRun, portBindings, publishedPort, removeAll, runContainer, waitForExit,
    type ContainerSpec, type DockerNetwork,
} from "./support/docker";
import { stopAll, tempDir, waitFor } from "./support/processes";
import { describeIfAvailable } from "./support/tools";

const DOCKER_MISSING = dockerMissing();
const describeContainers = describeIfAvailable("containers", [
    DOCKER_MISSING,
    !DOCKER_MISSING && imagesMissing([SPARK_IMAGE, BASE_IMAGE]),
]);

/** GET http://host:port/path from this process: the body, or the error code (ECONNREFUSED...). */
function httpGet(host: string, port: number, urlPath: string, timeoutMs = 5_000): Promise<{ status?: number; body?: string; error?: string }> {
    return new Promise((resolve) => {
        const req = http.get({ host, port, path: urlPath, timeout: timeoutMs }, (res) => {
            let body = "";
            res.setEncoding("utf8");
            res.on("data", (d) => { body += d; });
            res.on("end", () => resolve({ status: res.statusCode, body }));
        });
        req.on("timeout", () => req.destroy(Object.assign(new Error("timeout"), { code: "ETIMEDOUT" })));
        req.on("error", (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    });
}

function ipv4ToInt(ip: string): number {
    return ip.split(".").reduce((acc, part) => (acc << 8) + Number(part), 0) >>> 0;
}

function inSubnet(ip: string, cidr: string): boolean {
    const [base, bits] = cidr.split("/");
    const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
    return (ipv4ToInt(ip) & mask) === (ipv4ToInt(base!) & mask);
}

/** Every IPv4 address of this host's interfaces, down ones included (a bridge without containers has no
 *  carrier, and Node's os.networkInterfaces() leaves it out): from `ip`, else from Node. */
function hostIpv4s(): string[] {
    try {
        const out = execFileSync("ip", ["-4", "-o", "addr", "show"], { encoding: "utf8" });
        return [...out.matchAll(/\binet (\d+\.\d+\.\d+\.\d+)\//g)].map((m) => m[1]!);
    } catch {
        return Object.values(os.networkInterfaces()).flat()
            .filter((a): a is os.NetworkInterfaceInfo => !!a && a.family === "IPv4").map((a) => a.address);
    }
}

// Fetches each URL from inside a container; one line per URL: "OK <url> <status> <body>" or "FAIL <url> <error>".
const FETCH_PY = `import sys, urllib.request
for url in sys.argv[1:]:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            print("OK", url, r.status, r.read().decode().strip(), flush=True)
    except Exception as e:
        reason = getattr(e, "reason", e)
        print("FAIL", url, type(reason).__name__, getattr(reason, "errno", ""), flush=True)
`;

describeContainers("containers on a real Docker network (support/docker.ts, cdc-test images)", () => {
    const run = newTestRun();
    let network: DockerNetwork;

    /** A one-shot container on the test network: its exit code and output. */
    async function runToExit(role: string, spec: Partial<ContainerSpec> & { image: string }, timeoutMs = 60_000) {
        const name = run.name(role);
        await runContainer({ name, network: network.name, labels: run.labels, ...spec });
        const code = await waitForExit(name, timeoutMs);
        return { code, logs: await containerLogs(name) };
    }

    beforeAll(async () => {
        network = await createNetwork(run.name("net"), run.labels);
    }, 30_000);

    afterAll(async () => {
        await removeAll(run.label);
        await stopAll();
    }, 60_000);

    it("creates a labelled bridge network whose gateway lies in its subnet and is an address of this host", async () => {
        expect(network.name).toBe(run.name("net"));
        expect(network.gateway).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
        expect(network.subnet).toMatch(/^\d+\.\d+\.\d+\.\d+\/\d+$/);
        expect(inSubnet(network.gateway, network.subnet)).toBe(true);
        expect(hostIpv4s()).toContain(network.gateway);
        const { stdout } = await docker(["network", "ls", "--quiet", "--filter", `label=${run.label}`, "--format", "{{.Name}}"]);
        expect(stdout.trim().split("\n")).toEqual([network.name]);
    });

    describe(`${SPARK_IMAGE}, pass-through mode (how the stack runs the standalone master and worker)`, () => {
        it("gives an unknown uid (1000:1000) no user name: `id -un` and `whoami` fail, no passwd entry is faked", async () => {
            const [id, who, env] = await Promise.all([
                runToExit("id-1000", { image: SPARK_IMAGE, user: "1000:1000", command: ["id", "-un"] }),
                runToExit("whoami-1000", { image: SPARK_IMAGE, user: "1000:1000", command: ["whoami"] }),
                runToExit("env-1000", {
                    image: SPARK_IMAGE, user: "1000:1000", groupAdds: ["4242"],
                    command: ["bash", "-c", 'echo "uid=$(id -u) gid=$(id -g) groups=$(id -G)"; echo "LD_PRELOAD=${LD_PRELOAD-unset} NSS_WRAPPER_PASSWD=${NSS_WRAPPER_PASSWD-unset}"; getent passwd 1000; echo "getent=$?"'],
                }),
            ]);
            expect(id.code).toBe(1);
            expect(id.logs).toContain("cannot find name for user ID 1000");
            expect(who.code).toBe(1);
            expect(who.logs).toContain("cannot find name for user ID 1000");
            expect(env.code).toBe(0);
            expect(env.logs).toContain("uid=1000 gid=1000 groups=1000 4242\n");
            expect(env.logs).toContain("LD_PRELOAD=unset NSS_WRAPPER_PASSWD=unset\n");
            expect(env.logs).toContain("getent=2\n");
        });

        it("runs as root with `--user 0:0`, as the image's spark user (185) by default, and without a command exits 0", async () => {
            const [root, dflt, bare] = await Promise.all([
                runToExit("id-root", { image: SPARK_IMAGE, user: "0:0", command: ["id", "-un"] }),
                runToExit("id-default", { image: SPARK_IMAGE, command: ["bash", "-c", 'echo "$(id -un) $(id -u):$(id -g) $HOME $(pwd) $SPARK_HOME $JAVA_HOME"'] }),
                runToExit("no-command", { image: SPARK_IMAGE }),
            ]);
            expect(root).toEqual({ code: 0, logs: "root\n" });
            expect(dflt).toEqual({ code: 0, logs: "spark 185:185 /nonexistent /opt/spark/work-dir /opt/spark /opt/java/openjdk\n" });
            expect(bare).toEqual({ code: 0, logs: "" });
        });

        it("reproduces the real image's failure: the master as 1000:1000 dies in Hadoop's login; as root it comes up ALIVE on the gateway", async () => {
            const master = ["/opt/spark/bin/spark-class", "org.apache.spark.deploy.master.Master", "--host", "spark-master", "--port", "7077", "--webui-port", "8080"];
            const unknownUid = runToExit("master-1000", { image: SPARK_IMAGE, user: "1000:1000", command: master, memoryMb: 1024 }, 90_000);
            const rootName = run.name("master-root");
            await runContainer({
                name: rootName, image: SPARK_IMAGE, network: network.name, aliases: ["spark-master"], hostname: "spark-master",
                user: "0:0", command: master, memoryMb: 1024, labels: run.labels,
                ports: [{ internal: 8080, ip: network.gateway }],
            });
            const failed = await unknownUid;
            expect(failed.code).not.toBe(0);
            expect(failed.logs).toContain("KerberosAuthException");
            expect(failed.logs).toContain("invalid null input: name");

            const port = await publishedPort(rootName, 8080, network.gateway);
            const json = await waitFor("the root master's /json/ to say ALIVE", async () => {
                const state = await containerState(rootName);
                if (!state.running) throw new Error(`master exited ${state.exitCode}: ${await containerLogs(rootName)}`);
                const res = await httpGet(network.gateway, port, "/json/");
                return res.body && /"status"\s*:\s*"ALIVE"/.test(res.body) ? res.body : undefined;
            }, 60_000, 250);
            expect(json).toMatch(/"url"\s*:\s*"spark:\/\/spark-master:7077"/);
        }, 120_000);
    });

    describe("uploads, binds, ports on the gateway", () => {
        const token = randomBytes(12).toString("hex");
        const hostToken = randomBytes(12).toString("hex");
        // Longer than a tar header's 100-byte name field: the harness splits it into prefix and name.
        const deepPath = `/opt/cdc/${"d".repeat(70)}/${"f".repeat(70)}.txt`;
        let server: string;
        let port: number;
        let hostServer: http.Server;
        let hostPort: number;

        beforeAll(async () => {
            server = run.name("web");
            // The command is an uploaded script: it only runs if the upload (with its mode) landed before start.
            await runContainer({
                name: server, image: BASE_IMAGE, network: network.name, aliases: ["web"], hostname: "web",
                command: ["/opt/cdc/serve.sh"], memoryMb: 128, labels: run.labels,
                ports: [{ internal: 8000, ip: network.gateway }],
                uploads: [
                    { path: "/opt/cdc/serve.sh", mode: 0o755, content: "#!/bin/sh\nexec python3 -m http.server 8000 --bind 0.0.0.0 --directory /srv/www\n" },
                    { path: "/srv/www/index.html", content: `${token}\n` },
                    { path: "/etc/cdc/secret.conf", mode: 0o600, content: "password=not-for-others\n" },
                    { path: deepPath, mode: 0o640, content: Buffer.from([0, 1, 2, 255]) },
                ],
            });
            port = await publishedPort(server, 8000, network.gateway);
            await waitFor("the web container to answer on the gateway", async () => {
                const res = await httpGet(network.gateway, port, "/index.html", 1_000);
                return res.status === 200 ? true : undefined;
            }, 20_000);
            // A host process bound to the gateway address: what a Spark driver on the host is to its executors.
            hostServer = http.createServer((_req, res) => res.end(`${hostToken}\n`));
            await new Promise<void>((resolve, reject) => {
                hostServer.once("error", reject);
                hostServer.listen(0, network.gateway, () => resolve());
            });
            hostPort = (hostServer.address() as net.AddressInfo).port;
        }, 60_000);

        afterAll(async () => {
            await new Promise<void>((resolve) => (hostServer ? hostServer.close(() => resolve()) : resolve()));
        });

        it("lands uploads with the modes asked, owned by root, in directories created for them", async () => {
            const res = await execIn(server, ["stat", "-c", "%n %a %U:%G %s", "/opt/cdc/serve.sh", "/srv/www/index.html", "/etc/cdc/secret.conf", "/srv/www"]);
            expect(res.stderr).toBe("");
            expect(res.stdout.split("\n").filter(Boolean)).toEqual([
                `/opt/cdc/serve.sh 755 root:root ${"#!/bin/sh\nexec python3 -m http.server 8000 --bind 0.0.0.0 --directory /srv/www\n".length}`,
                `/srv/www/index.html 644 root:root ${token.length + 1}`,
                `/etc/cdc/secret.conf 600 root:root ${"password=not-for-others\n".length}`,
                "/srv/www 755 root:root 4096",
            ]);
            const deep = await execIn(server, ["bash", "-c", 'stat -c "%a %s" "$1"; od -An -tu1 "$1"', "stat", deepPath]);
            expect(deep.stdout.replace(/\s+/g, " ").trim()).toBe("640 4 0 1 2 255");
            const cat = await execIn(server, ["cat", "/etc/cdc/secret.conf"], { user: "1000:1000" });
            expect(cat.code).not.toBe(0);
            expect(cat.stderr).toContain("Permission denied");
        });

        it(`${BASE_IMAGE} has the servers and their runtime directories (made at boot by systemd-tmpfiles elsewhere)`, async () => {
            const res = await execIn(server, ["bash", "-c", "stat -c '%n %a %U:%G' /run/mysqld /run/postgresql; command -v mariadbd mariadb-install-db; ls /usr/lib/postgresql/*/bin/initdb; python3 -c 'import sys; print(sys.version_info[:2])'"]);
            expect(res.stderr).toBe("");
            expect(res.stdout).toMatch(/^\/run\/mysqld 755 mysql:mysql\n\/run\/postgresql 2775 postgres:postgres\n\/usr\/sbin\/mariadbd\n\/usr\/bin\/mariadb-install-db\n\/usr\/lib\/postgresql\/\d+\/bin\/initdb\n\(3, 11\)\n$/);
        });

        it("publishes only on the gateway address, with the memory limit asked", async () => {
            const bindings = await portBindings(server);
            expect(bindings).toEqual([{ containerPort: "8000/tcp", hostIp: network.gateway, hostPort: port }]);
            const { stdout } = await docker(["inspect", "--format", "{{.HostConfig.Memory}} {{index .Config.Labels \"" + RUN_LABEL + "\"}}", server]);
            expect(stdout.trim()).toBe(`${128 * 1024 * 1024} ${run.id}`);
        });

        it("answers the host at gateway:port, and no other host address serves it (not published on 0.0.0.0)", async () => {
            expect(await httpGet(network.gateway, port, "/index.html")).toEqual({ status: 200, body: `${token}\n` });
            const others = hostIpv4s().filter((ip) => ip !== network.gateway);
            expect(others).toContain("127.0.0.1");
            for (const ip of others) {
                const res = await httpGet(ip, port, "/index.html", 2_000);
                // Refused, normally; if another test's container has this port on that address, it is not ours.
                expect({ ip, ours: res.body === `${token}\n` }).toEqual({ ip, ours: false });
            }
        });

        it("answers a second container on the network at the same gateway:port (hairpin), and by alias; a host process on the gateway too", async () => {
            const urls = [
                `http://${network.gateway}:${port}/index.html`,
                "http://web:8000/index.html",
                `http://${network.gateway}:${hostPort}/`,
                `http://host.docker.internal:${port}/index.html`,
            ];
            const client = await runToExit("client", {
                image: BASE_IMAGE,
                hosts: [{ host: "host.docker.internal", ip: "host-gateway" }],
                uploads: [{ path: "/opt/cdc/fetch.py", content: FETCH_PY }],
                command: ["bash", "-c", 'getent hosts host.docker.internal; exec python3 /opt/cdc/fetch.py "$@"', "fetch", ...urls],
            });
            expect(client.code).toBe(0);
            const lines = client.logs.split("\n").filter(Boolean);
            expect(lines.slice(1)).toEqual([
                `OK ${urls[0]} 200 ${token}`,
                `OK ${urls[1]} 200 ${token}`,
                `OK ${urls[2]} 200 ${hostToken}`,
                // "host-gateway" is the daemon's host address (docker0's), not this network's gateway: a port
                // published on the gateway is not there.
                `FAIL ${urls[3]} ConnectionRefusedError 111`,
            ]);
            const [hgIp, hgName] = lines[0]!.split(/\s+/);
            expect(hgName).toBe("host.docker.internal");
            expect(hgIp).not.toBe(network.gateway);
            expect(hostIpv4s()).toContain(hgIp);
        });

        it("binds host directories: read-only stays read-only, files written by 1000:1000 carry uid 1000 on the host", async () => {
            const dir = tempDir("docker-bind");
            const ro = path.join(dir, "ro");
            const rw = path.join(dir, "rw");
            fs.mkdirSync(ro);
            fs.mkdirSync(rw);
            fs.chmodSync(rw, 0o777);
            fs.writeFileSync(path.join(ro, "in.txt"), "from the host\n");
            const res = await runToExit("binds", {
                image: BASE_IMAGE, user: "1000:1000",
                binds: [{ source: ro, target: "/in", readOnly: true }, { source: rw, target: rw }],
                command: ["bash", "-c", `cat /in/in.txt; touch /in/nope 2>/dev/null; echo "ro-write=$?"; echo out >${rw}/out.txt`],
            });
            expect(res).toEqual({ code: 0, logs: "from the host\nro-write=1\n" });
            const stat = fs.statSync(path.join(rw, "out.txt"));
            expect([stat.uid, stat.gid]).toEqual([1000, 1000]);
            expect(fs.existsSync(path.join(ro, "nope"))).toBe(false);
        });
    });

    it("removeAll removes a run's containers, networks and volumes, and nothing of another run", async () => {
        const other = newTestRun();
        try {
            const otherNet = await createNetwork(other.name("net"), other.labels);
            await createVolume(other.name("data"), other.labels);
            await runContainer({
                name: other.name("sleeper"), image: BASE_IMAGE, network: otherNet.name, labels: other.labels, command: ["sleep", "300"],
            });
            const count = async (label: string) => {
                const lines = async (args: string[]) => (await docker([...args, "--filter", `label=${label}`])).stdout.split("\n").filter(Boolean).length;
                return [await lines(["ps", "-aq"]), await lines(["network", "ls", "-q"]), await lines(["volume", "ls", "-q"])];
            };
            expect(await count(other.label)).toEqual([1, 1, 1]);
            const ours = await count(run.label);
            await removeAll(other.label);
            expect(await count(other.label)).toEqual([0, 0, 0]);
            expect(await count(run.label)).toEqual(ours);
        } finally {
            await removeAll(other.label);
        }
    }, 60_000);
});
