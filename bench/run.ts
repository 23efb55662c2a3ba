/**
 * The benchmark runner: `npm run bench` (add `-- --quick` for fewer runs). Prints each figure
 * against its PRODUCT §15 target. Figures are medians of several runs; the proxy figure is a ratio
 * measured in the same run, since absolute numbers depend on the machine.
 */
import { cleanUp } from "../packages/hub/testing/hub-process.ts";
import { hubBench } from "./hub-bench.ts";
import { printTable } from "./stats.ts";

const quick = process.argv.includes("--quick");
try {
  printTable("hub (PRODUCT §15)", await hubBench(quick));
} finally {
  await cleanUp();
}
