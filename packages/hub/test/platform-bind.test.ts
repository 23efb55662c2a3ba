import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { bindHost, configuredOrigin } from "../src/platform/origin.ts";
import { cleanUp, startHub, tempHome } from "../testing/hub-process.ts";

afterAll(cleanUp);

/** The addresses listening on `port` (IPv4), from /proc: `0.0.0.0` or `127.0.0.1`. */
function listeningOn(port: number): string[] {
  const hex = port.toString(16).toUpperCase().padStart(4, "0");
  return readFileSync("/proc/net/tcp", "utf8")
    .split("\n")
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[1]?.endsWith(`:${hex}`) && f[3] === "0A")
    .map((f) => {
      const ip = f[1]!.split(":")[0]!;
      return [3, 2, 1, 0].map((i) => Number.parseInt(ip.slice(i * 2, i * 2 + 2), 16)).join(".");
    });
}

describe("where the hub listens and what it calls itself", () => {
  test("loopback unless asked; every interface on a platform that routes PORT to it", () => {
    expect(bindHost({})).toBe("127.0.0.1");
    expect(bindHost({ PORT: "8080" })).toBe("127.0.0.1"); // a laptop's PORT opens nothing
    expect(bindHost({ PORT: "10000", RENDER: "true" })).toBe("0.0.0.0");
    expect(bindHost({ PORT: "8080", FLY_APP_NAME: "my-hub" })).toBe("0.0.0.0");
    expect(bindHost({ PORT: "8080", FLY_APP_NAME: "my-hub", PARACHUTE_BIND_HOST: "127.0.0.1" })).toBe(
      "127.0.0.1",
    );
    expect(bindHost({ PARACHUTE_BIND_HOST: "0.0.0.0" })).toBe("0.0.0.0");
    expect(configuredOrigin({ FLY_APP_NAME: "my-hub" })).toBe("https://my-hub.fly.dev");
    expect(configuredOrigin({ RENDER_EXTERNAL_URL: "https://x.onrender.com/", FLY_APP_NAME: "y" })).toBe(
      "https://x.onrender.com",
    );
  });

  test("on Fly the hub binds every interface and names itself by the app's URL", async () => {
    const hub = await startHub(tempHome(), { FLY_APP_NAME: "my-hub", PORT: "8080" });
    try {
      expect(listeningOn(hub.port)).toEqual(["0.0.0.0"]);
      const known = (await (await fetch(`${hub.origin}/.well-known/parachute.json`)).json()) as {
        hub: { origin: string };
      };
      expect(known.hub.origin).toBe("https://my-hub.fly.dev");
    } finally {
      await hub.stop();
    }
  }, 30_000);
});
