import { expect } from "bun:test";
import { join } from "node:path";
import { describeConformance, startModulePackage } from "@parachute/module-kit/conformance";
import { makeFixture } from "../testing/fixtures.ts";
import { tempHome } from "../testing/hub-process.ts";

for (const stripPrefix of [false, true]) {
  describeConformance(`the fixture module${stripPrefix ? " (stripPrefix)" : ""}`, () =>
    startModulePackage(makeFixture(tempHome(), { name: "conform", stopGraceMs: 3000, stripPrefix }), {
      authorization: "Bearer fixture-admin",
    }),
  );
}

describeConformance("the example hello module", async () => {
  const mod = await startModulePackage(join(import.meta.dir, "..", "..", "..", "examples", "hello-module"));
  const hello = (await (await fetch(`${mod.origin}/hello`)).json()) as { message: string };
  expect(hello.message).toBe("Hello from a Parachute module");
  return mod;
});
