export { keepBackup, writeFileAtomic } from "./atomic-file.ts";
export {
  type ConfigSchema,
  ConfigStore,
  type ConfigValues,
  type PropertySchema,
  parseDotEnv,
} from "./config.ts";
export { parseDuration } from "./duration.ts";
export { errorResponse, HttpError, ManifestError } from "./errors.ts";
export {
  CHALLENGE_HEADER,
  type HubRuntime,
  PROOF_HEADER,
  processAlive,
  proofFor,
  RUNTIME_FILE,
  readRuntime,
  runningHub,
} from "./hub-runtime.ts";
export { parseJson, readCapped, readCappedBytes, readJsonBody } from "./json-body.ts";
export {
  MANIFEST_PATH,
  type Manifest,
  RESERVED_PREFIXES,
  readManifest,
  validateManifest,
} from "./manifest.ts";
export { protectedResourceMetadata, resourceChallenge, resourceMetadataUrl } from "./protected-resource.ts";
export { scopeAllows, validScopeList } from "./scopes.ts";
export {
  createModuleApp,
  type Handler,
  type ModuleOptions,
  type ServeOptions,
  serveModule,
  standardPaths,
} from "./server.ts";
export { serviceToken } from "./service-token.ts";
export {
  parseServices,
  readServices,
  type ServiceRow,
  type ServicesDoc,
  ServicesFileError,
  upsertService,
  writeServices,
} from "./services-file.ts";
export { StaticSite } from "./static-site.ts";
export {
  allowScope,
  COMPACT_JWT,
  type HubClaims,
  TokenVerifier,
  type VerifierOptions,
  verifierFromEnv,
} from "./verify.ts";
