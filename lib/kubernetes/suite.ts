// The pipeline's pytest suite as a Job inside the environment's namespace: the image holds the suite and
// the plugin; the stack's env lines come from the Secret cdc-test-env (Service-name addresses), which the
// program writes once every gate has passed. The program does not run it; CI (or a user) applies it.
import type * as Input from "@pulumi/kubernetes/types/input";
import { REQUIRE_E2E_ENV } from "../testEnv";
import { kubeLabels, memoryResources, type KubePlacement } from "./objects";

/** The Secret with the in-namespace env lines (platforms/kubernetes.ts writes it). */
export const TEST_ENV_SECRET = "cdc-test-env";

export interface SuiteJobArgs {
    /** The Job's name (one per run: a Job's pod template cannot be changed). */
    name: string;
    /** An image with Python, the plugin (`pip install cdc-test-infra`) and the suite. */
    image: string;
    /** The container's command and arguments, e.g. ["python3", "-m", "pytest", "tests/"]; absent: the image's. */
    command?: string[];
    args?: string[];
    memoryMb: number;
    /** Seconds the run may take before Kubernetes stops it. */
    deadlineSeconds: number;
}

export function suiteJob(p: KubePlacement, a: SuiteJobArgs) {
    return {
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { name: a.name, namespace: p.namespace, labels: kubeLabels(p, "pytest-suite") },
        spec: {
            // A failed suite is a result to read, not something to retry.
            backoffLimit: 0,
            activeDeadlineSeconds: a.deadlineSeconds,
            // The pod (and its log) stays an hour for CI to read, then goes.
            ttlSecondsAfterFinished: 3600,
            template: {
                metadata: { labels: kubeLabels(p, "pytest-suite") },
                spec: {
                    restartPolicy: "Never",
                    enableServiceLinks: false,
                    automountServiceAccountToken: false,
                    containers: [{
                        name: "pytest",
                        image: a.image,
                        ...(a.command === undefined ? {} : { command: a.command }),
                        ...(a.args === undefined ? {} : { args: a.args }),
                        // The stack's lines (the passwords among them) come from the Secret, never from the manifest;
                        // a missing variable fails its fixture instead of skipping it.
                        envFrom: [{ secretRef: { name: TEST_ENV_SECRET } }],
                        env: [{ name: REQUIRE_E2E_ENV, value: "1" }],
                        resources: memoryResources(a.memoryMb),
                    }],
                },
            },
        },
    } satisfies Input.batch.v1.Job;
}
