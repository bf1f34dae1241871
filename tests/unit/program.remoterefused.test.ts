// A remote Docker daemon with an explicit shared directory: refused before any resource is created.
import { registered, settle, useMocks } from "./harness";

useMocks({ stack: "dev", dockerHost: "ssh://ci@docker-host.example", config: { sparkSharedDir: "/srv/cdc/delta" } });

test("the program refuses, naming the setting, the daemon and what works", async () => {
    let message = "";
    try {
        require("../../index");
    } catch (err) {
        message = (err as Error).message;
    }
    expect(message).toContain('sparkSharedDir = "/srv/cdc/delta": the Docker daemon (DOCKER_HOST=ssh://ci@docker-host.example) is on another machine');
    expect(message).toContain('Set sparkSharedDir to auto or ""');
    await settle();
    expect(registered).toEqual([]);
});
