import { join } from "node:path";
import { describeConformance, startModulePackage } from "@parachute/module-kit/conformance";

describeConformance("the vault", () => startModulePackage(join(import.meta.dir, "..")));
