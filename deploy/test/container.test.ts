/**
 * The container without a container engine: the app folder laid out by deploy/build-app.ts (as the
 * image's build stage does), the image's ENV, ENTRYPOINT and CMD read from deploy/Dockerfile and run
 * as root — tini, then the entrypoint — over an empty root-owned folder standing for the platform's
 * disk, the hub dropping to a user of its own (`nobody` here, `parachute` in the image).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, copyFileSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../../packages/hub/testing/free-port.ts";
import {
  cleanUp,
  type HubProcess,
  runProgram,
  startHub,
  tempHome,
  waitFor,
  waitForState,
} from "../../packages/hub/testing/hub-process.ts";
import { listeningOn } from "../../packages/hub/testing/listening.ts";
import { imageCommand, imageEnv } from "./dockerfile.ts";

afterAll(cleanUp);

const ROOT = join(import.meta.dir, "..", "..");
const NOBODY = 65534;

/** The JWT's claims, unverified (the hub verified them; the test reads what it signed). */
function claims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString());
}

async function version(hub: HubProcess): Promise<string | null> {
  try {
    const res = await fetch(`${hub.origin}/.well-known/parachute.json`);
    return ((await res.json()) as { hub: { version: string } }).hub.version;
  } catch {
    return null; // restarting
  }
}

async function tokenFor(hub: HubProcess, scope: string): Promise<string> {
  const res = await hub.api("POST", "/api/tokens", { scope });
  expect(res.status).toBe(201);
  return ((await res.json()) as { token: string }).token;
}

describe("the container's entrypoint over an empty disk", () => {
  test("comes up on the platform's origin on every interface, as its own user, and a second start keeps everything", async () => {
    const base = tempHome();
    // The disk and the app must be reachable by the unprivileged user, as in the image.
    chmodSync(base, 0o755);
    const app = join(base, "app");
    const built = await runProgram([process.execPath, join(ROOT, "deploy", "build-app.ts"), app], {});
    expect(built.code, built.stderr).toBe(0);
    const disk = join(base, "disk");
    mkdirSync(disk, { mode: 0o755 }); // a freshly mounted volume: empty, owned by root

    // What the image runs: tini, the entrypoint, then `parachute serve`.
    const command = imageCommand(app);
    expect(command).toEqual(["/usr/bin/tini", "--", join(app, "entrypoint.sh"), "parachute", "serve"]);
    const port = await freePort();
    const env: Record<string, string> = {
      ...imageEnv({ app, home: disk, path: process.env.PATH ?? "" }),
      PORT: String(port),
      PARACHUTE_USER: "nobody",
    };
    expect(env.PARACHUTE_HOME).toBe(disk);
    expect(env.PARACHUTE_MODULE_SOURCE).toBe(join(app, "packages"));

    // First start, on Fly.
    let hub = await startHub(disk, { ...env, FLY_APP_NAME: "friend-hub" }, { command });
    let noteId = "";
    try {
      const fly = "https://friend-hub.fly.dev";
      expect(hub.port).toBe(port);
      expect(listeningOn(port)).toContain("0.0.0.0");
      expect(statSync(disk).uid).toBe(NOBODY);
      expect(statSync(join(disk, "hub.db")).uid).toBe(NOBODY);
      expect(statSync(disk).mode & 0o777).toBe(0o700);
      const wellKnown = (await (await fetch(`${hub.origin}/.well-known/parachute.json`)).json()) as {
        hub: { origin: string };
      };
      expect(wellKnown.hub.origin).toBe(fly);

      for (const short of ["vault", "notes"]) {
        const res = await hub.op("POST", "/api/modules/install", { short });
        expect(res.status, await res.clone().text()).toBe(200);
      }
      const token = await tokenFor(hub, "vault:write");
      expect(claims(token).iss).toBe(fly);
      // Through Fly's proxy (which keeps the Host) the challenge names the public origin; asked on
      // loopback inside the container, the loopback origin, never a mix of the two.
      const challenge = (host?: string) =>
        fetch(`${hub.origin}/vault/default/mcp`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
            ...(host ? { host } : {}),
          },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
        });
      const viaFly = await challenge("friend-hub.fly.dev");
      expect(viaFly.status).toBe(401);
      expect(viaFly.headers.get("www-authenticate")).toContain(
        `resource_metadata="${fly}/.well-known/oauth-protected-resource/vault/default/mcp"`,
      );
      expect((await challenge()).headers.get("www-authenticate")).toContain(
        `resource_metadata="${hub.origin}/.well-known/oauth-protected-resource/vault/default/mcp"`,
      );
      const created = await fetch(`${hub.origin}/vault/default/api/notes`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ path: "deploy/first", content: "written on the first start" }),
      });
      expect(created.status).toBe(201);
      noteId = ((await created.json()) as { id: string }).id;

      // The vault's MCP config, as an MCP client is given it, names the public origin too.
      const vaultMain = join(disk, "modules", "node_modules", "@parachute", "vault", "dist", "main.js");
      const mcpConfig = await runProgram([process.execPath, vaultMain, "mcp-config"], {
        PARACHUTE_HOME: disk,
      });
      expect(mcpConfig.code, mcpConfig.stderr).toBe(0);
      expect(mcpConfig.stdout).toContain(`${fly}/vault/default/mcp`);

      // A shell in the container is root; the command still acts as the hub's user.
      const asRoot = { ...env, FLY_APP_NAME: "friend-hub" };
      const backup = await runProgram(
        [join(app, "bin", "parachute"), "backup", "--out", join(disk, "b.tar.gz")],
        asRoot,
      );
      expect(backup.code, backup.stderr).toBe(0);
      expect(statSync(join(disk, "b.tar.gz")).uid).toBe(NOBODY);
      const doctor = await runProgram([join(app, "bin", "parachute"), "doctor", "--json"], asRoot);
      const checks = (JSON.parse(doctor.stdout) as { checks: { check: string; status: string }[] }).checks;
      expect(checks.find((c) => c.check === "home")?.status).toBe("ok");

      const healthy = await runProgram([process.execPath, join(app, "healthcheck.ts")], {
        PORT: String(port),
      });
      expect(healthy.code).toBe(0);
    } finally {
      expect(await hub.stop()).toBe(0);
    }
    const down = await runProgram([process.execPath, join(app, "healthcheck.ts")], { PORT: String(port) });
    expect(down.code).toBe(1);

    // Second start over the same disk, on Render this time.
    hub = await startHub(
      disk,
      { ...env, RENDER: "true", RENDER_EXTERNAL_URL: "https://friend-hub.onrender.com" },
      { command },
    );
    try {
      const wellKnown = (await (await fetch(`${hub.origin}/.well-known/parachute.json`)).json()) as {
        hub: { origin: string };
      };
      expect(wellKnown.hub.origin).toBe("https://friend-hub.onrender.com");
      await waitForState(hub, "vault", "active");
      await waitForState(hub, "notes", "active");
      const token = await tokenFor(hub, "vault:read");
      expect(claims(token).iss).toBe("https://friend-hub.onrender.com");
      const note = await fetch(`${hub.origin}/vault/default/api/notes/${noteId}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(note.status).toBe(200);
      expect(((await note.json()) as { content: string }).content).toBe("written on the first start");
      expect(readFileSync(join(disk, "services.json"), "utf8")).toContain('"notes"');

      // `parachute upgrade hub` installs a newer hub onto the disk and restarts onto it.
      const newer = tempHome();
      const packed = await runProgram(
        [process.execPath, join(ROOT, "scripts", "pack-modules.ts"), "--out", newer, "--version", "0.2.0"],
        {},
      );
      expect(packed.code, packed.stderr).toBe(0);
      copyFileSync(join(newer, "parachute-hub-0.2.0.tgz"), join(app, "packages", "parachute-hub-0.2.0.tgz"));
      expect((await hub.op("POST", "/api/hub/upgrade", {})).status).toBe(200);
      await waitFor(async () => ((await version(hub)) === "0.2.0" ? true : null), "the hub to run 0.2.0");
    } finally {
      await hub.stop();
    }

    // A redeploy of the same image: the disk's newer hub runs, with everything it had.
    hub = await startHub(disk, { ...env, FLY_APP_NAME: "friend-hub" }, { command });
    try {
      expect(await version(hub)).toBe("0.2.0");
      await waitForState(hub, "vault", "active");
    } finally {
      await hub.stop();
    }
  }, 120_000);
});
