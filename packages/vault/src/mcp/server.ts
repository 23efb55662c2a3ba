import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { CallToolRequestSchema, ListToolsRequestSchema, type Tool } from "@modelcontextprotocol/sdk/types.js";
import { scopeAllows } from "@parachute/module-kit";
import { z } from "zod";
import { invalid } from "../core/errors.ts";
import type { Vault } from "../core/vaults.ts";
import { portableSchema } from "./portable-schema.ts";
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

/** A tool as `tools/list` shows it; its input schema in the portable JSON Schema every client reads. */
function listed(tool: VaultTool): Tool {
  return {
    name: tool.name,
    description: tool.description,
    inputSchema: portableSchema(z.toJSONSchema(tool.input, { target: "draft-7" })) as Tool["inputSchema"],
    annotations: tool.annotations,
  };
}

/**
 * An MCP server over one vault for a caller holding `scope` (hub scope syntax). Only the tools that
 * scope allows are listed, so `tools/list` shows exactly what the caller may call and anything else
 * is "not found". The tool list never changes within a connection (the server is made per request),
 * so no `listChanged` is advertised. Each call maps straight onto the vault core.
 */
export function vaultMcpServer(vault: Vault, scope: string, version: string): Server {
  const access = accessFor(scope, vault.name);
  const tools = access ? VAULT_TOOLS.filter((t) => RANK[t.needs] <= RANK[access]) : [];
  const server = new Server(
    { name: "parachute-vault", version },
    {
      capabilities: tools.length ? { tools: {} } : {},
      instructions:
        `The Parachute vault "${vault.name}": markdown notes addressed by id or path, ` +
        "with tags, JSON metadata and [[wikilinks]] between notes.",
    },
  );
  if (!access) return server;
  const ctx: ToolContext = { vault, access };
  const byName = new Map(tools.map((t) => [t.name, t]));
  const list = tools.map(listed);
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: list }));
  server.setRequestHandler(CallToolRequestSchema, (req) => {
    const tool = byName.get(req.params.name);
    if (!tool) {
      const exists = VAULT_TOOLS.find((t) => t.name === req.params.name);
      if (!exists) return toolError(invalid("unknown_tool", `no tool "${req.params.name}"`));
      return toolError(
        invalid(
          "insufficient_scope",
          `${exists.name} needs vault:${vault.name}:${exists.needs}; this connection may only ${access}`,
        ),
      );
    }
    const args = tool.input.safeParse(req.params.arguments ?? {});
    if (!args.success) return toolError(invalid("invalid_arguments", z.prettifyError(args.error)));
    try {
      return toolResult(tool.run(ctx, args.data));
    } catch (err) {
      return toolError(err);
    }
  });
  return server;
}
