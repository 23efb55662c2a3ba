import { join } from "node:path";
import { serviceToken } from "@parachute/module-kit";
import type { Job } from "./core/job.ts";
import { execute } from "./exec/execute.ts";
import { VaultClient } from "./exec/vault-client.ts";
import { dateIn, type RunnerSettings } from "./settings.ts";
import type { Run, RunStore } from "./store/runs.ts";
import type { SecretStore } from "./store/secrets.ts";

/** The stored vault token's name in the runner's secret store. */
export const VAULT_TOKEN = "vaultToken";

export interface RunnerParts {
  vault: VaultClient;
  run: (job: Job, run: Run) => Promise<void>;
}

/**
 * What `serve` and `once` share: the vault (this hub's, or the one the settings name) with the
 * stored token or else the hub's credential for the runner, and the executor wired to them.
 */
export function runnerParts(o: {
  settings: () => RunnerSettings;
  secrets: SecretStore;
  store: RunStore;
  dataDir: string;
  hubUrl: () => string;
  env: Record<string, string | undefined>;
  log: (line: string) => void;
}): RunnerParts {
  const base = () => o.settings().vaultUrl || `${o.hubUrl()}/vault/${o.settings().vault}`;
  // The hub's credential is for the hub's own vault: another vault gets only the token set for it.
  const token = () => o.secrets.get(VAULT_TOKEN) ?? (o.settings().vaultUrl ? null : serviceToken(o.env));
  const vault = new VaultClient(() => ({ base: base(), token }));
  return {
    vault,
    run: (job, run) =>
      execute(job, run, {
        store: o.store,
        vault,
        vaultName: () => base().split("/").pop() ?? o.settings().vault,
        mcpUrl: () => `${base()}/mcp`,
        token,
        claudeCommand: () => o.settings().claudeCommand,
        env: o.env,
        workDir: join(o.dataDir, "work"),
        now: Date.now,
        dateOf: (ms) => dateIn(o.settings().timeZone)(ms),
        log: o.log,
      }),
  };
}
