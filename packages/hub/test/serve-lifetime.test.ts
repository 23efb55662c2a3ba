import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { makeFixture } from "../testing/fixtures.ts";
import { pidAlive, TEST_SETUP_TOKEN, tempHome, waitFor } from "../testing/hub-process.ts";

const BIN = join(import.meta.dir, "..", "src", "cli", "bin.ts");

describe("a hub and what started it", () => {
  test("when the process that started serve goes away (npx killed, a launcher gone), the hub stops its modules and itself", async () => {
    const home = tempHome();
    // A shell that waits for serve stands in for npx or a process manager's wrapper.
    const parent = Bun.spawn(["sh", "-c", `"${process.execPath}" "${BIN}" serve --port 0; exit 0`], {
      env: {
        PATH: process.env.PATH ?? "",
        HOME: home,
        PARACHUTE_HOME: home,
        PARACHUTE_SETUP_TOKEN: TEST_SETUP_TOKEN,
        PARACHUTE_MODULE_PORTS: "system",
      },
      stdout: "ignore",
      stderr: "ignore",
    });
    const runtimeFile = join(home, "hub.runtime.json");
    const runtime = await waitFor(
      () =>
        existsSync(runtimeFile)
          ? (JSON.parse(readFileSync(runtimeFile, "utf8")) as { pid: number; port: number })
          : null,
      "the hub to serve",
    );
    const token = readFileSync(join(home, "operator.token"), "utf8").trim();
    const api = (method: string, path: string, body?: unknown) =>
      fetch(`http://127.0.0.1:${runtime.port}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    expect(
      (await api("POST", "/api/modules/install", { path: makeFixture(tempHome(), { name: "alpha" }) }))
        .status,
    ).toBe(202);
    const alpha = await waitFor(async () => {
      const { modules } = (await (await api("GET", "/api/modules")).json()) as {
        modules: { state: string; pid: number }[];
      };
      return modules[0]?.state === "active" ? modules[0] : null;
    }, "the module to be active");

    parent.kill("SIGKILL");
    await waitFor(
      () => !pidAlive(runtime.pid) && !pidAlive(alpha.pid),
      "the hub and its module to stop",
      15_000,
    );
    expect(existsSync(runtimeFile)).toBe(false);
  }, 30_000);
});
