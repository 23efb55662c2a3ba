import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describeConformance } from "@parachute/module-kit/conformance";
import { makeFixture } from "../testing/fixtures.ts";
import { tempHome, waitFor } from "../testing/hub-process.ts";

/** A free loopback port, found by binding port 0 and letting it go. */
function freePort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

for (const variant of [{ stripPrefix: false }, { stripPrefix: true }]) {
  describeConformance(`the fixture module${variant.stripPrefix ? " (stripPrefix)" : ""}`, async () => {
    const home = tempHome();
    const dir = makeFixture(tempHome(), { name: "conform", stopGraceMs: 3000, ...variant });
    const manifest = JSON.parse(readFileSync(join(dir, ".parachute", "module.json"), "utf8"));
    const port = freePort();
    const proc = Bun.spawn([process.execPath, manifest.startCmd[1]], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "", PORT: String(port), PARACHUTE_HOME: home },
      stdout: "ignore",
      stderr: "inherit",
    });
    const origin = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${origin}${manifest.health}`)).ok, "the module to answer");
    return {
      origin,
      manifest,
      adminHeaders: { authorization: "Bearer fixture-admin" },
      exited: proc.exited,
      signal: (sig) => proc.kill(sig),
      stop: async () => {
        proc.kill("SIGKILL");
        await proc.exited;
      },
    };
  });
}
