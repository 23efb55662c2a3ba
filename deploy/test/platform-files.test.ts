/**
 * The deploy files checked against what their platforms document: deploy/Dockerfile (hadolint when
 * it is installed, and the rules this project holds it to), render.yaml (Render's Blueprint fields),
 * fly.toml (Fly's app configuration fields), and the shell scripts (shellcheck when installed).
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { clientAddress } from "../../packages/hub/src/platform/client-ip.ts";
import { runProgram } from "../../packages/hub/testing/hub-process.ts";
import { DOCKERFILE, instructions } from "./dockerfile.ts";

const ROOT = join(import.meta.dir, "..", "..");
const which = (tool: string) => Bun.which(tool);

/** Keys of `obj` not in `allowed`, for a readable failure. */
const unknownKeys = (obj: object, allowed: string[]) => Object.keys(obj).filter((k) => !allowed.includes(k));

describe("deploy/Dockerfile", () => {
  const all = instructions();
  const stages = all.filter((i) => i.keyword === "FROM");
  const runtime = all.slice(all.lastIndexOf(stages.at(-1)!));

  test("passes hadolint, where it is installed", async () => {
    const hadolint = which("hadolint");
    if (!hadolint) {
      // Neither Debian nor npm ships a hadolint binary that installs offline; the rules below hold.
      console.log("hadolint is not installed: the Dockerfile is checked by this file's rules only");
      return;
    }
    const r = await runProgram([hadolint, DOCKERFILE], {});
    expect(r.stdout + r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  test("pins its base images, and runs the Bun version the workspace pins", () => {
    for (const from of stages) expect(from.args).toMatch(/^[\w./-]+:[\w.-]+( AS \w+)?$/);
    expect(stages.map((s) => s.args).join()).not.toContain(":latest");
    const bun = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).devDependencies.bun;
    expect(stages.at(-1)!.args).toBe(`oven/bun:${bun}-debian`);
  });

  test("uses only known instructions, exec form where a process starts, no ADD, and a named build stage", () => {
    const known = ["FROM", "WORKDIR", "COPY", "RUN", "ENV", "EXPOSE", "HEALTHCHECK", "ENTRYPOINT", "CMD"];
    expect(all.map((i) => i.keyword).filter((k) => !known.includes(k))).toEqual([]);
    for (const i of all.filter((x) => x.keyword === "ENTRYPOINT" || x.keyword === "CMD"))
      expect(() => JSON.parse(i.args)).not.toThrow();
    const health = runtime.find((i) => i.keyword === "HEALTHCHECK")!;
    expect(JSON.parse(health.args.slice(health.args.indexOf("CMD ") + 4))).toEqual([
      "bun",
      "/app/healthcheck.ts",
    ]);
    for (const copy of all.filter((i) => i.keyword === "COPY" && i.args.startsWith("--from=")))
      expect(stages.map((s) => s.args.split(" AS ")[1])).toContain(copy.args.split(/[= ]/)[1]);
    for (const w of all.filter((i) => i.keyword === "WORKDIR")) expect(w.args.startsWith("/")).toBe(true);
  });

  test("installs Debian packages lean, and the ones the tests run scribe and the init with", () => {
    const runs = runtime.filter((i) => i.keyword === "RUN").map((i) => i.args);
    const apt = runs.find((r) => r.includes("apt-get install"))!;
    expect(apt).toContain("apt-get update &&");
    expect(apt).toContain("--no-install-recommends");
    expect(apt).toContain("rm -rf /var/lib/apt/lists/*");
    const pkgs = apt
      .split("apt-get install")[1]!
      .split("&&")[0]!
      .split(/\s+/)
      .filter((w) => /^[a-z]/.test(w));
    expect(pkgs.sort()).toEqual(["ca-certificates", "ffmpeg", "pocketsphinx", "pocketsphinx-en-us", "tini"]);
    // CI installs the same packages for the tests that run them (.ci/run).
    const ci = readFileSync(join(ROOT, ".ci", "run"), "utf8");
    for (const p of pkgs.filter((x) => x !== "ca-certificates")) expect(ci).toContain(` ${p}`);
  });

  test("runs the hub as a user of its own, on the disk at /parachute, with tini as PID 1", () => {
    const env = runtime
      .filter((i) => i.keyword === "ENV")
      .map((i) => i.args)
      .join(" ");
    expect(env).toContain("PARACHUTE_HOME=/parachute");
    expect(env).toContain("PARACHUTE_MODULE_SOURCE=/app/packages");
    expect(runtime.find((i) => i.keyword === "RUN" && i.args.includes("useradd"))?.args).toContain(
      "chown parachute:parachute /parachute",
    );
    expect(JSON.parse(runtime.find((i) => i.keyword === "ENTRYPOINT")!.args)[0]).toBe("/usr/bin/tini");
    expect(JSON.parse(runtime.find((i) => i.keyword === "CMD")!.args)).toEqual(["parachute", "serve"]);
    const port = env.match(/PORT=(\d+)/)![1]!;
    expect(runtime.find((i) => i.keyword === "EXPOSE")!.args).toBe(port);
  });

  test("is built from a context without the checkout's installs and builds", () => {
    const ignore = readFileSync(join(ROOT, ".dockerignore"), "utf8").split("\n");
    for (const entry of [".git", "node_modules", "**/node_modules", "dist", "**/dist"])
      expect(ignore).toContain(entry);
  });
});

describe("render.yaml", () => {
  // Render's Blueprint reference: the fields of a service, a disk and an environment variable.
  const SERVICE = [
    "type",
    "name",
    "runtime",
    "plan",
    "region",
    "repo",
    "branch",
    "rootDir",
    "dockerfilePath",
    "dockerContext",
    "dockerCommand",
    "registryCredential",
    "image",
    "buildCommand",
    "startCommand",
    "preDeployCommand",
    "healthCheckPath",
    "numInstances",
    "scaling",
    "autoDeploy",
    "autoDeployTrigger",
    "buildFilter",
    "maxShutdownDelaySeconds",
    "domains",
    "envVars",
    "disk",
    "previews",
  ];
  const PLANS = ["free", "starter", "standard", "pro", "pro plus", "pro max", "pro ultra"];
  const doc = Bun.YAML.parse(readFileSync(join(ROOT, "render.yaml"), "utf8")) as {
    services: Record<string, unknown>[];
  };

  test("is one Docker web service with Render's documented fields only", () => {
    expect(
      unknownKeys(doc, ["services", "databases", "envVarGroups", "projects", "ungrouped", "previews"]),
    ).toEqual([]);
    expect(doc.services).toHaveLength(1);
    const s = doc.services[0]!;
    expect(unknownKeys(s, SERVICE)).toEqual([]);
    expect(s).toMatchObject({ type: "web", runtime: "docker", healthCheckPath: "/health", numInstances: 1 });
    expect(PLANS).toContain(s.plan as string);
    expect(s.plan).not.toBe("free"); // a disk needs a paid instance type
    expect(existsSync(join(ROOT, s.dockerfilePath as string))).toBe(true);
    expect(existsSync(join(ROOT, s.dockerContext as string))).toBe(true);
    expect(s.maxShutdownDelaySeconds as number).toBeLessThanOrEqual(300);
  });

  test("mounts its disk at the hub's home", () => {
    const disk = doc.services[0]!.disk as Record<string, unknown>;
    expect(unknownKeys(disk, ["name", "mountPath", "sizeGB"])).toEqual([]);
    expect(disk.mountPath).toBe("/parachute");
    expect(Number.isInteger(disk.sizeGB)).toBe(true);
  });

  test("prompts for the setup token and trusts the address its proxies report", () => {
    const vars = doc.services[0]!.envVars as Record<string, unknown>[];
    const allowed = [
      "key",
      "value",
      "sync",
      "generateValue",
      "fromDatabase",
      "fromService",
      "fromGroup",
      "previewValue",
    ];
    for (const v of vars) expect(unknownKeys(v, allowed)).toEqual([]);
    expect(vars.find((v) => v.key === "PARACHUTE_SETUP_TOKEN")).toEqual({
      key: "PARACHUTE_SETUP_TOKEN",
      sync: false,
    });
    const proxy = vars.find((v) => v.key === "PARACHUTE_TRUSTED_PROXY")!.value as string;
    // The client's own address, then the CDN's, as Render's proxy hands them on: the client counts.
    const seen = clientAddress({ PARACHUTE_TRUSTED_PROXY: proxy })(
      new Request("http://hub/", { headers: { "x-forwarded-for": "6.6.6.6, 203.0.113.7, 104.16.0.1" } }),
      "10.0.0.2",
    );
    expect(seen).toBe("203.0.113.7");
  });
});

describe("fly.toml", () => {
  // Fly's app configuration reference: top-level keys and the sections used here.
  const TOP = [
    "app",
    "primary_region",
    "kill_signal",
    "kill_timeout",
    "swap_size_mb",
    "console_command",
    "build",
    "deploy",
    "env",
    "mounts",
    "http_service",
    "services",
    "checks",
    "vm",
    "statics",
    "metrics",
    "processes",
    "restart",
    "experimental",
  ];
  const HTTP_SERVICE = [
    "internal_port",
    "force_https",
    "auto_stop_machines",
    "auto_start_machines",
    "min_machines_running",
    "processes",
    "concurrency",
    "checks",
    "http_options",
    "tls_options",
  ];
  const CHECK = [
    "grace_period",
    "interval",
    "method",
    "timeout",
    "path",
    "protocol",
    "tls_skip_verify",
    "headers",
    "tls_server_name",
  ];
  type Table = Record<string, unknown>;
  const doc = Bun.TOML.parse(readFileSync(join(ROOT, "fly.toml"), "utf8")) as Table & {
    app: string;
    build: { dockerfile: string };
    env: Record<string, string>;
    mounts: Table[];
    http_service: Table & { checks: Table[]; min_machines_running: number; auto_stop_machines: string };
  };

  test("has Fly's documented fields only, and builds the repository's Dockerfile", () => {
    expect(unknownKeys(doc, TOP)).toEqual([]);
    expect(unknownKeys(doc.http_service, HTTP_SERVICE)).toEqual([]);
    for (const c of doc.http_service.checks) expect(unknownKeys(c, CHECK)).toEqual([]);
    expect(existsSync(join(ROOT, doc.build.dockerfile))).toBe(true);
    expect(doc.app).toMatch(/^[a-z0-9-]+$/);
  });

  test("mounts the volume at the hub's home, serves the port the hub binds, and checks /health", () => {
    expect(doc.mounts).toHaveLength(1);
    expect(
      unknownKeys(doc.mounts[0]!, [
        "source",
        "destination",
        "initial_size",
        "processes",
        "auto_extend_size_threshold",
        "auto_extend_size_increment",
        "auto_extend_size_limit",
        "snapshot_retention",
      ]),
    ).toEqual([]);
    expect(doc.mounts[0]!.destination).toBe("/parachute");
    expect(String(doc.http_service.internal_port)).toBe(doc.env.PORT!);
    expect(doc.http_service.checks[0]).toMatchObject({ method: "GET", path: "/health" });
    for (const d of ["interval", "timeout", "grace_period"])
      expect(doc.http_service.checks[0]![d] as string).toMatch(/^\d+(ms|s|m)$/);
    expect(doc.env.PARACHUTE_TRUSTED_PROXY).toBe("fly-client-ip");
  });

  test("stays on by default (auto-stop is an opt-in)", () => {
    expect(doc.http_service.auto_stop_machines).toBe("off");
    expect(doc.http_service.min_machines_running).toBeGreaterThanOrEqual(1);
    expect(["off", "stop", "suspend"]).toContain(doc.http_service.auto_stop_machines);
  });
});

describe("shell scripts", () => {
  test("pass shellcheck, where it is installed", async () => {
    const shellcheck = which("shellcheck");
    const scripts = [
      join(ROOT, "deploy", "entrypoint.sh"),
      join(ROOT, "scripts", "deploy-to-fly.sh"),
      join(ROOT, ".ci", "run"),
    ];
    if (!shellcheck) {
      const r = await runProgram(["sh", "-n", scripts[0]!], {});
      expect(r.code).toBe(0);
      return;
    }
    const r = await runProgram([shellcheck, ...scripts], {});
    expect(r.stdout + r.stderr).toBe("");
    expect(r.code).toBe(0);
  });
});
