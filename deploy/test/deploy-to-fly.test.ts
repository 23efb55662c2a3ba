/**
 * scripts/deploy-to-fly.sh against a fake `flyctl` that records its arguments and keeps the app's
 * state in files (launched, volume, secret), and a fake `curl` standing for Fly's installer.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanUp, runProgram, tempHome } from "../../packages/hub/testing/hub-process.ts";

afterAll(cleanUp);

const SCRIPT = join(import.meta.dir, "..", "..", "scripts", "deploy-to-fly.sh");

const FAKE_FLYCTL = `#!/bin/sh
echo "$*" >> "$FLY_STATE/calls"
case "$1 $2" in
  "auth whoami") exit 0 ;;
  "status --app") [ -f "$FLY_STATE/launched" ] || exit 1 ;;
  "launch --copy-config") touch "$FLY_STATE/launched" ;;
  "volumes list") [ -f "$FLY_STATE/volume" ] && echo "vol_123  created  parachute_data  1GB  ams" ;;
  "volumes create") touch "$FLY_STATE/volume" ;;
  "secrets list") [ -f "$FLY_STATE/secret" ] && echo "PARACHUTE_SETUP_TOKEN  abc123  Deployed" ;;
  "secrets set") touch "$FLY_STATE/secret" ;;
  "deploy --app") [ -z "$FLY_FAIL_DEPLOY" ] || { echo "Error: failed to fetch an image or build from source" >&2; exit 1; } ;;
  *) echo "fake flyctl: unexpected $*" >&2; exit 9 ;;
esac
exit 0
`;

function fakeTools(withFlyctl: boolean) {
  const dir = tempHome();
  const bin = join(dir, "bin");
  const state = join(dir, "state");
  mkdirSync(bin);
  mkdirSync(state);
  writeFileSync(join(dir, "flyctl"), FAKE_FLYCTL);
  chmodSync(join(dir, "flyctl"), 0o755);
  if (withFlyctl) {
    writeFileSync(join(bin, "flyctl"), FAKE_FLYCTL);
    chmodSync(join(bin, "flyctl"), 0o755);
  }
  // Fly's installer, as `curl … | sh` runs it: puts flyctl in ~/.fly/bin.
  writeFileSync(
    join(bin, "curl"),
    `#!/bin/sh\necho "$*" >> "$FLY_STATE/curl"\necho 'mkdir -p "$HOME/.fly/bin" && cp "${join(dir, "flyctl")}" "$HOME/.fly/bin/flyctl"'\n`,
  );
  chmodSync(join(bin, "curl"), 0o755);
  const env = { PATH: `${bin}:/usr/bin:/bin`, HOME: join(dir, "home"), FLY_STATE: state };
  const calls = () =>
    existsSync(join(state, "calls")) ? readFileSync(join(state, "calls"), "utf8").trim().split("\n") : [];
  return { env, calls, state };
}

describe("scripts/deploy-to-fly.sh", () => {
  test("launches from fly.toml, makes the volume, sets a setup token once, deploys and prints the setup URL", async () => {
    const fly = fakeTools(true);
    const first = await runProgram(["bash", SCRIPT, "my-hub", "lhr"], fly.env);
    expect(first.code, first.stderr).toBe(0);
    const token = /setup token: ([0-9a-f]{32})$/m.exec(first.stdout)?.[1];
    expect(token).toBeDefined();
    expect(first.stdout).toContain("Open https://my-hub.fly.dev/admin/setup");
    expect(fly.calls()).toEqual([
      "auth whoami",
      "status --app my-hub",
      "launch --copy-config --no-deploy --name my-hub --region lhr --yes",
      "volumes list --app my-hub",
      "volumes create parachute_data --app my-hub --region lhr --size 1 --yes",
      "secrets list --app my-hub",
      `secrets set --app my-hub --stage PARACHUTE_SETUP_TOKEN=${token}`,
      "deploy --app my-hub --ha=false",
    ]);

    // Again: the app, its volume and its token stay; only the deploy is new.
    const again = await runProgram(["bash", SCRIPT, "my-hub", "lhr"], fly.env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain("deploying to the existing app my-hub");
    expect(again.stdout).not.toContain("setup token:");
    expect(fly.calls().slice(8)).toEqual([
      "auth whoami",
      "status --app my-hub",
      "volumes list --app my-hub",
      "secrets list --app my-hub",
      "deploy --app my-hub --ha=false",
    ]);
  });

  test("a failed deploy still leaves the token said, and a run without a name deploys the app fly.toml names", async () => {
    const fly = fakeTools(true);
    const failed = await runProgram(["bash", SCRIPT, "my-hub"], { ...fly.env, FLY_FAIL_DEPLOY: "1" });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/setup token \(the setup page asks for it\): [0-9a-f]{32}/);
    expect(failed.stderr).toContain("the deploy failed");

    // `fly launch --copy-config` wrote the app's name into fly.toml; a later run without one uses it.
    const copy = tempHome();
    mkdirSync(join(copy, "scripts"));
    copyFileSync(SCRIPT, join(copy, "scripts", "deploy-to-fly.sh"));
    writeFileSync(join(copy, "fly.toml"), 'app = "my-hub"\nprimary_region = "lhr"\n');
    const again = await runProgram(["bash", join(copy, "scripts", "deploy-to-fly.sh")], fly.env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain("deploying to the existing app my-hub");
  });

  test("installs flyctl when it is missing", async () => {
    const fly = fakeTools(false);
    const r = await runProgram(["bash", SCRIPT, "fresh-hub"], fly.env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("flyctl is not installed; installing it");
    expect(readFileSync(join(fly.state, "curl"), "utf8")).toContain("https://fly.io/install.sh");
    expect(fly.calls()).toContain("launch --copy-config --no-deploy --name fresh-hub --region ams --yes");
  });

  test("refuses an app name Fly would not take, before calling anything", async () => {
    const fly = fakeTools(true);
    const r = await runProgram(["bash", SCRIPT, "My_Hub;rm"], fly.env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("is not a Fly app name");
    expect(fly.calls()).toEqual([]);
  });
});
