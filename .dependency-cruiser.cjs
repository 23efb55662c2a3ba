/**
 * Which way imports may go (ARCHITECTURE.md, "Layers"). `npm run lint` runs this; a cycle or a
 * forbidden edge fails it.
 */
const hub = "^packages/hub/src/";
module.exports = {
  forbidden: [
    {
      name: "no-cycles",
      severity: "error",
      comment: "An import cycle ties its files into one unit that can only change together.",
      from: {},
      to: { circular: true },
    },
    {
      name: "operations-are-generic",
      severity: "error",
      comment: "operations/ queues and journals work; it knows no flow, module or transport.",
      from: { path: `${hub}operations/` },
      to: { path: `${hub}(modules|flows|identity|http|proxy|supervisor|platform|cli)/` },
    },
    {
      name: "platform-is-a-leaf",
      severity: "error",
      comment: "platform/ describes the machine and the home; it uses no other part of the hub.",
      from: { path: `${hub}platform/` },
      to: { path: `${hub}(modules|flows|identity|http|proxy|supervisor|operations|cli)/` },
    },
    {
      name: "rules-without-transport",
      severity: "error",
      comment:
        "identity/, modules/, flows/, supervisor/ and operations/ hold rules; HTTP and the CLI are edges over them.",
      from: { path: `${hub}(identity|modules|flows|supervisor|operations|platform)/` },
      to: { path: `${hub}(http|cli)/` },
    },
    {
      name: "supervisor-knows-no-modules",
      severity: "error",
      comment: "The supervisor runs process specs; what a module is (manifest, registry) is modules/'s.",
      from: { path: `${hub}supervisor/` },
      to: { path: `${hub}(modules|flows|identity|proxy|operations)/` },
    },
    {
      name: "cli-speaks-http",
      severity: "error",
      comment:
        "The CLI talks to the hub over its API; it shares the wire types, the catalog (data) and the home's files.",
      from: { path: `${hub}cli/` },
      to: {
        path: `${hub}(modules|flows|identity|http|proxy|supervisor|operations)/`,
        pathNot: `${hub}modules/catalog\\.ts$`,
      },
    },
    {
      name: "vault-core-without-transport",
      severity: "error",
      from: { path: "^packages/vault/src/core/" },
      to: { path: "^packages/vault/src/(rest|mcp)/" },
    },
    {
      name: "scribe-core-without-transport",
      severity: "error",
      from: { path: "^packages/scribe/src/(core|engines)/" },
      to: { path: "^packages/scribe/src/http/" },
    },
    {
      name: "packages-stay-apart",
      severity: "error",
      comment: "A package uses another only through its public entry; tests of both live in e2e/.",
      from: { path: "^packages/([^/]+)/" },
      to: {
        path: "^packages/([^/]+)/",
        pathNot: [
          "^packages/$1/",
          "^packages/module-kit/src/(index|conformance|testing)\\.ts$",
          "^packages/design/src/[^/]+\\.css$",
          // The hub's wire types import nothing: the admin app reads the API with them.
          "^packages/hub/src/api-types\\.ts$",
        ],
      },
    },
    {
      name: "bench-and-e2e-use-public-surfaces",
      severity: "error",
      from: { path: "^(bench|e2e)/" },
      to: {
        path: "^packages/",
        pathNot: [
          "^packages/[^/]+/src/index\\.ts$",
          "^packages/[^/]+/testing/",
          "^packages/module-kit/src/(conformance|testing)\\.ts$",
        ],
      },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(node_modules|dist)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "bun", "default"] },
  },
};
