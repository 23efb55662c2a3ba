export { nextFire, parseSchedule, type Schedule } from "./core/cron.ts";
export { type Job, parseJob } from "./core/job.ts";
export { VaultClient } from "./exec/vault-client.ts";
export { Scheduler } from "./scheduler.ts";
export { RunStore } from "./store/runs.ts";
