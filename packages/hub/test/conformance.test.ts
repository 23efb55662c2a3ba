import { expect } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describeConformance, type RunningModule } from "@parachute/module-kit/conformance";
import { makeFixture } from "../testing/fixtures.ts";
import { tempHome, waitFor } from "../testing/hub-process.ts";

/** A free loopback port, found by binding port 0 and letting it go. */
function freePort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

/** Starts a module package the way the hub would (cwd = package, PORT, PARACHUTE_HOME), without a hub. */
async function runPackage(dir: string, adminHeaders?: Record<string, string>): Promise<RunningModule> {
  const manifest = JSON.parse(readFileSync(join(dir, ".parachute", "module.json"), "utf8"));
  const port = freePort();
  const argv =
    manifest.startCmd[0] === "bun" ? [process.execPath, ...manifest.startCmd.slice(1)] : manifest.startCmd;
  const proc = Bun.spawn(argv, {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", PORT: String(port), PARACHUTE_HOME: tempHome() },
    stdout: "ignore",
    stderr: "inherit",
  });
  const origin = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${origin}${manifest.health}`)).ok, "the module to answer");
  return {
    origin,
    manifest,
    adminHeaders,
    exited: proc.exited,
    signal: (sig) => proc.kill(sig),
    stop: async () => {
      proc.kill("SIGKILL");
      await proc.exited;
    },
  };
}

for (const stripPrefix of [false, true]) {
  describeConformance(`the fixture module${stripPrefix ? " (stripPrefix)" : ""}`, () =>
    runPackage(makeFixture(tempHome(), { name: "conform", stopGraceMs: 3000, stripPrefix }), {
      authorization: "Bearer fixture-admin",
    }),
  );
}

describeConformance("the example hello module", async () => {
  const mod = await runPackage(join(import.meta.dir, "..", "..", "..", "examples", "hello-module"));
  const hello = (await (await fetch(`${mod.origin}/hello`)).json()) as { message: string };
  expect(hello.message).toBe("Hello from a Parachute module");
  return mod;
});
