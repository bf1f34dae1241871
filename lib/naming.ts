// Every Docker object a stack creates is named <project>-<stack>-<role>, so stacks share a daemon.
export function dockerName(project: string, stack: string, role: string): string {
    return `${project}-${stack}-${role}`;
}

/** Labels on every Docker object, so a stack's leftovers can be found with `docker ... --filter label=`. */
export function stackLabels(project: string, stack: string): { label: string; value: string }[] {
    return [
        { label: "cdc-test-infra.project", value: project },
        { label: "cdc-test-infra.stack", value: stack },
    ];
}
