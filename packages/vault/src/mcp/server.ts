import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { scopeAllows } from "@parachute/module-kit";
import type { Vault } from "../core/vaults.ts";
import { READ_TOOLS } from "./read-tools.ts";
import { type Access, type ToolContext, toolError, toolResult, type VaultTool } from "./tool.ts";
import { WRITE_TOOLS } from "./write-tools.ts";

/** Every vault tool, read tools first. */
const VAULT_TOOLS: VaultTool[] = [...READ_TOOLS, ...WRITE_TOOLS];

const RANK: Record<Access, number> = { read: 1, write: 2, admin: 3 };

/** The highest right `scope` grants over this vault, or null for none. */
function accessFor(scope: string, vault: string): Access | null {
  return (["admin", "write", "read"] as const).find((v) => scopeAllows(scope, `vault:${vault}:${v}`)) ?? null;
}

/**
 * An MCP server over one vault for a caller holding `scope` (hub scope syntax). Only the tools that
 * scope allows are registered, so `tools/list` shows exactly what the caller may call and anything
 * else is "not found". Each call maps straight onto the vault core.
 */
export function vaultMcpServer(vault: Vault, scope: string, version: string): McpServer {
  const access = accessFor(scope, vault.name);
  const server = new McpServer(
    { name: "parachute-vault", version },
    {
      instructions:
        `The Parachute vault "${vault.name}": markdown notes addressed by id or path, ` +
        "with tags, JSON metadata and [[wikilinks]] between notes.",
    },
  );
  if (!access) return server;
  const ctx: ToolContext = { vault, access };
  for (const tool of VAULT_TOOLS) {
    if (RANK[tool.needs] > RANK[access]) continue;
    server.registerTool(
      tool.name,
      { description: tool.description, inputSchema: tool.input, annotations: tool.annotations },
      async (args: Record<string, unknown>) => {
        try {
          return toolResult(tool.run(ctx, args));
        } catch (err) {
          return toolError(err);
        }
      },
    );
  }
  return server;
}
