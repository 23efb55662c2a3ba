import { describe, expect, test } from "bun:test";
import { refusal } from "@parachute/module-kit/testing";
import { HubError } from "../errors.ts";
import { CATALOG } from "./catalog.ts";
import { installTarget, parsePackageSpec } from "./package-spec.ts";

describe("package specs", () => {
  test("names, versions and channels are accepted", () => {
    expect(parsePackageSpec("@parachute/vault")).toEqual({ name: "@parachute/vault", want: "latest" });
    expect(parsePackageSpec("@parachute/vault@1.2.3")).toEqual({ name: "@parachute/vault", want: "1.2.3" });
    expect(parsePackageSpec("some-module@rc")).toEqual({ name: "some-module", want: "rc" });
    expect(parsePackageSpec("x@1.0.0-rc.1")).toEqual({ name: "x", want: "1.0.0-rc.1" });
  });

  test.each([
    ["; rm -rf /"],
    ["vault; rm -rf /"],
    ["../x"],
    ["./x"],
    ["/etc/passwd"],
    ["file:/etc"],
    ["file:../x"],
    ["git+https://example.com/x.git"],
    ["https://example.com/x.tgz"],
    ["github:user/repo"],
    ["Vault"],
    ["a b"],
    ["$(touch /tmp/x)"],
    ["`id`"],
    ["x@^1.0.0"],
    ["x@>=1 <2"],
    ["x@1.0.0 || 2"],
    [`${"a".repeat(215)}`],
    [""],
  ])("%p is refused with 400", (spec) => {
    const err = refusal(() => parsePackageSpec(spec), HubError);
    expect(err.kind).toBe("invalid");
    expect(err.code).toBe("invalid_spec");
  });

  test("a catalog short name maps to its package; an unknown one is 422", () => {
    for (const e of CATALOG)
      expect(installTarget({ short: e.short })).toEqual({ name: e.package, want: "latest", short: e.short });
    expect(refusal(() => installTarget({ short: "nope" }), HubError).kind).toBe("unprocessable");
    expect(refusal(() => installTarget({}), HubError).kind).toBe("invalid");
    expect(refusal(() => installTarget({ short: "vault", spec: "x" }), HubError).kind).toBe("invalid");
  });
});
