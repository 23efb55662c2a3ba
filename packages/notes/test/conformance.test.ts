import { join } from "node:path";
import { describeConformance, startModulePackage } from "@parachute/module-kit/conformance";

describeConformance("notes", () => startModulePackage(join(import.meta.dir, "..")));
