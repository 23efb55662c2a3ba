import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { makeFixture, setMarker } from "../testing/fixtures.ts";
import { type HubProcess, startHub, tempHome, waitFor, waitForState } from "../testing/hub-process.ts";
import { rawGet, rawRequest } from "../testing/raw-http.ts";

/** Sends a raw HTTP/1.1 request line (so no client normalises the path first) and returns status + body. */
describe("the proxy, through a real hub to real modules", () => {
  let hub: HubProcess;
  let direct: string;
  let betaDirect: string;

  beforeAll(async () => {
    const home = tempHome();
    const pkgs = tempHome();
    hub = await startHub(home);
    for (const f of [
      { name: "alpha", port: 1941, websocket: true },
      { name: "beta", port: 1942 },
      { name: "gamma", port: 1943, stripPrefix: true },
    ]) {
      const res = await hub.op("POST", "/api/modules/install", { path: makeFixture(pkgs, f) });
      expect(res.status).toBe(200);
    }
    // Each module's own port, as the hub assigned it.
    const { modules } = (await (await hub.api("GET", "/api/modules")).json()) as {
      modules: { short: string; port: number }[];
    };
    const at = (short: string) => `http://127.0.0.1:${modules.find((m) => m.short === short)!.port}`;
    direct = at("alpha");
    betaDirect = at("beta");
  }, 30_000);

  afterAll(async () => {
    await hub?.stop();
  });

  test("a route answers through the hub exactly as it answers directly", async () => {
    const a = await fetch(`${direct}/alpha/hello`);
    const b = await fetch(`${hub.origin}/alpha/hello`);
    expect(b.status).toBe(a.status);
    expect(await b.text()).toBe(await a.text());
    for (const h of ["content-type", "content-length", "x-fixture", "set-cookie", "cache-control"]) {
      expect(b.headers.get(h)).toBe(a.headers.get(h));
    }
  });

  test("a 404 and its JSON body pass through unchanged", async () => {
    const res = await fetch(`${hub.origin}/alpha/nope`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: string }).error).toBe("not_found");
  });

  test("compressed bodies are passed through, not decoded", async () => {
    const res = await fetch(`${hub.origin}/alpha/gzip`, { decompress: false } as RequestInit);
    expect(res.headers.get("content-encoding")).toBe("gzip");
    expect(new TextDecoder().decode(Bun.gunzipSync(new Uint8Array(await res.arrayBuffer())))).toBe(
      "compressed body",
    );
  });

  test("a 50 MB upload streams through without the hub buffering it", async () => {
    const before = (await (await hub.api("GET", "/api/status")).json()) as { hub: { rssMb: number } };
    const chunk = new Uint8Array(1024 * 1024).fill(7);
    let sent = 0;
    const body = new ReadableStream({
      pull(c) {
        if (sent++ >= 50) return c.close();
        c.enqueue(chunk);
      },
    });
    const res = await fetch(`${hub.origin}/alpha/upload`, {
      method: "POST",
      body,
      duplex: "half",
    } as RequestInit);
    const got = (await res.json()) as { bytes: number; sha256: string };
    const expected = new Bun.CryptoHasher("sha256");
    for (let i = 0; i < 50; i++) expected.update(chunk);
    expect(got.bytes).toBe(50 * 1024 * 1024);
    expect(got.sha256).toBe(expected.digest("hex"));
    const after = (await (await hub.api("GET", "/api/status")).json()) as { hub: { rssMb: number } };
    // Buffering the body would add at least its 50 MB to the hub's resident memory.
    expect(after.hub.rssMb - before.hub.rssMb).toBeLessThan(30);
  }, 30_000);

  test("bodies of every size arrive byte for byte, with their length; a repeated length is refused", async () => {
    for (const size of [1, 2000, 64 * 1024, 64 * 1024 + 1, 3 * 1024 * 1024]) {
      const body = new Uint8Array(size).map((_, i) => (i * 31) % 251);
      const res = await fetch(`${hub.origin}/alpha/upload`, { method: "POST", body });
      const got = (await res.json()) as { bytes: number; sha256: string };
      expect(got.bytes, `${size} bytes`).toBe(size);
      expect(got.sha256).toBe(new Bun.CryptoHasher("sha256").update(body).digest("hex"));
      const seen = (await (await fetch(`${hub.origin}/alpha/request`, { method: "POST", body })).json()) as {
        headers: Record<string, string>;
      };
      expect(seen.headers["content-length"]).toBe(String(size));
    }
    const raw = await rawRequest(
      Number(new URL(hub.origin).port),
      "POST /alpha/request HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello",
    );
    expect(raw.status).toBe(400);
  });

  test("a large download streams back intact", async () => {
    const res = await fetch(`${hub.origin}/alpha/download?mb=20`);
    expect((await res.arrayBuffer()).byteLength).toBe(20 * 1024 * 1024);
  });

  test("Server-Sent Events arrive event by event", async () => {
    const res = await fetch(`${hub.origin}/alpha/sse?n=3`);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let seen = "";
    for (let i = 0; i < 3; i++) {
      // The module holds event i+1 back until this go-ahead, so event i must arrive on its own.
      while (!seen.includes(`data: ${i}\n\n`)) seen += (await reader.read()).value ?? "";
      expect(seen).not.toContain(`data: ${i + 1}`);
      setMarker(hub.home, "alpha", `sse-go-${i + 1}`);
    }
    expect((await reader.read()).done).toBe(true);
  });

  test("a WebSocket is bridged both ways", async () => {
    const ws = new WebSocket(`${hub.origin.replace("http", "ws")}/alpha/ws`);
    const replies: string[] = [];
    ws.onmessage = (ev) => replies.push(String(ev.data));
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = reject;
    });
    ws.send("one");
    ws.send("two");
    await waitFor(() => replies.length === 2, "two echoes");
    expect(replies).toEqual(["echo:one", "echo:two"]);
    ws.close();
  });

  test("a WebSocket to a module that does not declare it is refused", async () => {
    const ws = new WebSocket(`${hub.origin.replace("http", "ws")}/gamma/ws`);
    const outcome = await new Promise((resolve) => {
      ws.onopen = () => resolve("open");
      ws.onerror = () => resolve("error");
    });
    expect(outcome).toBe("error");
  });

  test("forwarded headers are set, hop-by-hop headers dropped, Authorization passed through", async () => {
    const made = await hub.api("POST", "/api/tokens", { scope: "alpha:read" });
    const bearer = `Bearer ${((await made.json()) as { token: string }).token}`;
    const res = await fetch(`${hub.origin}/alpha/request?x=1`, {
      headers: {
        "x-forwarded-for": "10.9.9.9",
        connection: "keep-alive, x-secret-hop",
        "x-secret-hop": "1",
        authorization: bearer,
      },
    });
    const seen = (await res.json()) as { path: string; search: string; headers: Record<string, string> };
    expect(seen.path).toBe("/alpha/request");
    expect(seen.search).toBe("?x=1");
    // Without a trusted front proxy the client's own X-Forwarded-For is not believed.
    expect(seen.headers["x-forwarded-for"]).toBe("127.0.0.1");
    expect(seen.headers["x-forwarded-proto"]).toBe("http");
    expect(seen.headers["x-forwarded-host"]).toBe(new URL(hub.origin).host);
    expect(seen.headers["x-forwarded-prefix"]).toBe("/alpha");
    expect(seen.headers["x-secret-hop"]).toBeUndefined();
    expect(seen.headers.authorization).toBe(bearer);
  });

  test("mounts match on whole segments; a mount inside or around another is refused at install", async () => {
    const viaHub = (await (await fetch(`${hub.origin}/beta/pid`)).json()) as { pid: number };
    const betaPid = (await (await fetch(`${betaDirect}/beta/pid`)).json()) as { pid: number };
    expect(viaHub.pid).toBe(betaPid.pid);
    expect((await fetch(`${hub.origin}/alphabet/hello`)).status).toBe(404);
    const pkgs = tempHome();
    for (const [name, paths] of [
      ["inner", ["/alpha/inner"]],
      ["outer", ["/gam"]],
    ] as const) {
      const res = await hub.op("POST", "/api/modules/install", {
        path: makeFixture(pkgs, { name, port: 1944, paths: [...paths] }),
      });
      if (name === "outer") {
        expect(res.status).toBe(200); // "/gam" neither contains nor sits inside "/gamma"
        await hub.op("POST", "/api/modules/outer/uninstall", {});
        continue;
      }
      expect(res.status).toBe(409);
      expect(((await res.json()) as { message: string }).message).toContain("sits inside the mount /alpha");
    }
    const same = await hub.op("POST", "/api/modules/install", {
      path: makeFixture(pkgs, { name: "same", port: 1944, paths: ["/gamma"] }),
    });
    expect(same.status).toBe(409);
  });

  test("stripPrefix removes the mount before forwarding", async () => {
    const seen = (await (await fetch(`${hub.origin}/gamma/request`)).json()) as { path: string };
    expect(seen.path).toBe("/request");
    expect((await fetch(`${hub.origin}/gamma`)).status).toBe(404);
  });

  describe("path normalisation", () => {
    test("encoded slashes never reach a module", async () => {
      for (const target of [
        "/alpha/..%2fbeta/pid",
        "/beta%2f..%2falpha/request",
        "/alpha%2fbeta/pid",
        "/alpha/%2F..%2Fapi/status",
        "/alpha/a%5cb",
      ]) {
        const res = await rawGet(hub.port, target);
        expect(res.status, target).toBe(400);
        expect(res.body).toContain("bad_path");
      }
    });

    test("null bytes and malformed escapes are refused", async () => {
      for (const target of ["/alpha/a%00b", "/alpha/%zz", "/alpha/%"]) {
        expect((await rawGet(hub.port, target)).status, target).toBe(400);
      }
    });

    test("dot segments are resolved before routing: the request is the call it resolves to", async () => {
      // `/alpha/../gamma/request` is the request `/gamma/request`: it reaches gamma as that path only,
      // and alpha (whose mount it was spelled under) never sees it.
      for (const target of [
        "/alpha/../gamma/request",
        "/alpha/%2e%2e/gamma/request",
        "/alpha/./../gamma/request",
      ]) {
        const res = await rawGet(hub.port, target);
        expect(res.status, target).toBe(200);
        expect(JSON.parse(res.body).path).toBe("/request");
      }
    });

    test("dot segments cannot carry a module request onto a hub route without its credentials", async () => {
      for (const target of [
        "/alpha/../api/status",
        "/alpha/%2e%2e/api/modules",
        "/alpha/%2E%2E/%2E%2E/api/status",
      ]) {
        const res = await rawGet(hub.port, target);
        expect(res.status, target).toBe(401);
      }
    });

    test("doubled slashes collapse to the canonical path", async () => {
      const res = await rawGet(hub.port, "//alpha//request");
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body).path).toBe("/alpha/request");
      expect((await rawGet(hub.port, "//health")).status).toBe(200);
    });
  });

  describe("modules that are not active", () => {
    test("a starting module answers 503 with Retry-After and a self-reloading page", async () => {
      setMarker(hub.home, "gamma", "unready");
      expect((await hub.api("POST", "/api/modules/gamma/restart", {})).status).toBe(202);
      const res = await waitFor(async () => {
        const r = await fetch(`${hub.origin}/gamma/hello`, { headers: { accept: "text/html" } });
        return r.status === 503 ? r : null;
      }, "a 503 from gamma");
      expect(res.headers.get("retry-after")).toBe("2");
      expect(res.headers.get("refresh")).toBe("2");
      const html = await res.text();
      expect(html).toContain("gamma is starting");
      expect(html).toContain("--accent"); // the hub's design system, as on every page it serves
      setMarker(hub.home, "gamma", "unready", false);
      await waitForState(hub, "gamma", "active");
      expect((await fetch(`${hub.origin}/gamma/hello`)).status).toBe(201);
    }, 20_000);

    test("a stopped module answers 502 naming the module and its state", async () => {
      expect((await hub.op("POST", "/api/modules/gamma/stop")).status).toBe(200);
      const res = await fetch(`${hub.origin}/gamma/hello`);
      expect(res.status).toBe(502);
      expect(((await res.json()) as { message: string }).message).toContain("gamma is inactive");
      expect((await hub.op("POST", "/api/modules/gamma/start")).status).toBe(200);
    }, 20_000);
  });
});
