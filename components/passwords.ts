// Passwords the stack makes when the config gives none, on either platform.
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

/** Passwords safe in SQL, shell and URLs; stored in state, so stable across updates. */
export function generatedPassword(name: string, parent: pulumi.Resource): pulumi.Output<string> {
    return new random.RandomPassword(name, { length: 24, special: false }, { parent }).result;
}
