import { afterAll, describe, expect, test } from "bun:test";
import { bindHost, configuredOrigin } from "../src/platform/origin.ts";
import { cleanUp, startHub, tempHome } from "../testing/hub-process.ts";
import { listeningOn } from "../testing/listening.ts";

afterAll(cleanUp);

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
