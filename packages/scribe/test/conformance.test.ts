import { join } from "node:path";
import { describeConformance, startModulePackage } from "@parachute/module-kit/conformance";

describeConformance("scribe", () => startModulePackage(join(import.meta.dir, "..")));
