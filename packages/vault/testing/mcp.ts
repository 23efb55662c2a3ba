import { expect } from "bun:test";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";

/** The tools a read right shows, sorted. */
export const READ_TOOLS = [
  "find-path",
  "get-backlinks",
  "get-links",
  "list-tags",
  "query-notes",
  "vault-info",
];
/** Every tool, sorted: what a write or admin right shows. */
export const ALL_TOOLS = [
  ...READ_TOOLS,
  "create-note",
  "delete-note",
  "delete-tag",
  "update-note",
  "update-tag",
].sort();

// biome-ignore lint/suspicious/noExplicitAny: tool results are JSON the assertions walk freely
export type ToolResult = CallToolResult & { structuredContent: Record<string, any> };

/** Calls a tool and returns its result, error or not. */
export async function callTool(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<ToolResult> {
  return (await client.callTool({ name, arguments: args })) as ToolResult;
}

/** Calls a tool, expects it to succeed, and returns its structured content. */
export async function ok(client: Client, name: string, args: Record<string, unknown> = {}) {
  const res = await callTool(client, name, args);
  expect(res.isError, `${name}: ${JSON.stringify(res.content)}`).toBeFalsy();
  return res.structuredContent;
}

/** The names of the tools the client sees, sorted. */
export async function toolNames(client: Client): Promise<string[]> {
  return (await client.listTools()).tools.map((t) => t.name).sort();
}
