/**
 * The benchmark runner: `npm run bench` (add `-- --quick` for fewer runs and a smaller corpus,
 * `-- --only=hub`, `-- --only=vault`, `-- --only=install`, `-- --only=scribe`, `-- --only=notes`, `-- --only=runner` or `-- --only=hostile` for one table; `-- --million` adds the vault at 1M notes). Prints each figure
 * against its target in docs/product.md. Figures are medians of several runs; the proxy figure is a ratio
 * measured in the same run, since absolute numbers depend on the machine.
 */
import { cleanUp } from "../packages/hub/testing/hub-process.ts";
import { hostileBench } from "./hostile-bench.ts";
import { hubBench } from "./hub-bench.ts";
import { notesBench } from "./notes-bench.ts";
import { runnerBench } from "./runner-bench.ts";
import { scribeBench } from "./scribe-bench.ts";
import { printTable } from "./stats.ts";
import { vaultBench } from "./vault-bench.ts";
import { workingBench } from "./working-bench.ts";

const quick = process.argv.includes("--quick");
const only = process.argv.find((a) => a.startsWith("--only="))?.slice(7);
try {
  if (!only || only === "hub") printTable("hub", await hubBench(quick));
  if (!only || only === "vault")
    printTable("vault", await vaultBench(quick, process.argv.includes("--million")));
  if (!only || only === "install") printTable("install", await workingBench(quick));
  if (!only || only === "scribe") printTable("scribe", await scribeBench(quick));
  if (!only || only === "notes") printTable("notes app", await notesBench(quick));
  if (!only || only === "runner") printTable("runner", await runnerBench(quick));
  if (!only || only === "hostile")
    printTable("hostile input (what strangers can cost)", await hostileBench());
} finally {
  await cleanUp();
}
