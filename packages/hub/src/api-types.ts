/**
 * The hub API's wire types (docs/contracts/hub-api.md), shared by the server that sends them and
 * the CLI that reads them. Nothing here imports anything.
 */

/** The one vocabulary of module states, shown by the CLI, the API and the admin app. */
export type PublicState = "active" | "pending" | "inactive" | "failing";

/** One module as `GET /api/modules` and `GET /api/status` show it. */
export interface ModuleStatus {
  short: string;
  manifestName: string;
  state: PublicState;
  reason: string | null;
  pid: number | null;
  port: number;
  /** Where it is reached through the hub (the hub's origin and the module's first mount); null if it has no mount. */
  url: string | null;
  version: string;
  restarts: number;
  uptime: number | null;
  wanted: boolean;
  /** Resident memory of its process group in MB, in `GET /api/modules` and `/api/status` (null when not running). */
  rssMb?: number | null;
}

/** The hub itself, in `GET /api/status`. */
export interface HubInfo {
  version: string;
  pid: number;
  port: number;
  /** The hub's public origin. */
  url: string;
  /** Whether the admin account is still to be created at `<url>/admin/setup`. */
  setupPending: boolean;
  home: string;
  uptime: number;
  rssMb: number;
}

export interface StatusResponse {
  hub: HubInfo;
  modules: ModuleStatus[];
}

export type OperationKind =
  | "install"
  | "upgrade"
  | "uninstall"
  | "start"
  | "stop"
  | "restart"
  | "hub-upgrade"
  | "backup"
  | "restore";
export type OperationState = "queued" | "running" | "succeeded" | "failed";

/** One thing that happened during an operation: a step begun, or a line the module logged. */
export interface OperationEvent {
  seq: number;
  at: string;
  type: "step" | "log";
  step?: string;
  message: string;
}

/** An operation (`GET /api/operations/<id>`, and the `done` event of its stream). */
export interface OperationView {
  id: string;
  kind: OperationKind;
  module: string;
  state: OperationState;
  createdAt: string;
  endedAt?: string;
  steps: OperationEvent[];
  result?: unknown;
  error?: { status: number; code: string; message: string };
}

/** The 202 answer of every endpoint that starts an operation. */
export interface Accepted {
  operation_id: string;
  operation: OperationView;
}

/** A token the hub issued, as `GET /api/tokens` lists it (the token itself is never shown again). */
export interface TokenRecord {
  jti: string;
  sub: string;
  aud: string;
  scope: string;
  label: string | null;
  kind: string;
  issuedAt: number;
  expiresAt: number;
  revokedAt: number | null;
}
