// A persistent stack with an explicit shared directory and user: taken as given, and the directory is kept on destroy.
import { byName, CONTAINER, ofType, runProgram, useMocks, valueOf } from "./harness";

useMocks({ stack: "dev", config: { sparkSharedDir: "/srv/cdc/delta", sparkUser: "2000:3000" } });
let out: Record<string, any>;
beforeAll(async () => { out = await runProgram(); });

test("the given directory and user on every Spark container", () => {
    const spark = ofType(CONTAINER).filter((c) => c.name.startsWith("spark-"));
    expect(spark).toHaveLength(2);
    for (const c of spark) {
        expect(c.inputs.mounts).toEqual([{ type: "bind", source: "/srv/cdc/delta", target: "/srv/cdc/delta" }]);
        expect(c.inputs.user).toBe("2000:3000");
    }
});

test("a persistent stack keeps the directory on destroy, like its volumes", async () => {
    expect(byName("spark-shared-dir").inputs.delete).toBeUndefined();
    expect(await valueOf(out.sparkSharedDir)).toBe("/srv/cdc/delta");
});
