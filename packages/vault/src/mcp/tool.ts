import type { CallToolResult, ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { lockedError, VaultError } from "../core/errors.ts";
import type { Vault } from "../core/vaults.ts";

export type Access = "read" | "write" | "admin";

/** What a tool runs against: the vault and the caller's highest right over it. */
export interface ToolContext {
  vault: Vault;
  access: Access;
}

/** One MCP tool over the vault core: its input schema, the right it needs, and what it does. */
export interface VaultTool {
  name: string;
  needs: "read" | "write";
  description: string;
  input: z.ZodObject;
  annotations: ToolAnnotations;
  run(ctx: ToolContext, args: Record<string, unknown>): Record<string, unknown>;
}

/**
 * Declares a tool with a typed handler. The input is a strict object: an unknown argument is refused
 * rather than silently dropped, like an unknown field in a REST body.
 */
export function defineTool<S extends z.ZodRawShape>(def: {
  name: string;
  needs: "read" | "write";
  description: string;
  input: S;
  annotations: ToolAnnotations;
  run(ctx: ToolContext, args: z.output<z.ZodObject<S>>): Record<string, unknown>;
}): VaultTool {
  return {
    ...def,
    input: z.strictObject(def.input),
    run: def.run as VaultTool["run"],
  };
}

/** A tool's answer: the JSON as text for the model, and the same object as structured content. */
export function toolResult(value: Record<string, unknown>): CallToolResult {
  return { content: [{ type: "text", text: JSON.stringify(value) }], structuredContent: value };
}

/**
 * A failed call as an MCP tool error (`isError`), never a protocol failure: core errors keep their
 * stable code and details; anything unexpected is logged and reported without internals.
 */
export function toolError(thrown: unknown): CallToolResult {
  const err = lockedError(thrown) ?? thrown;
  let body: Record<string, unknown>;
  if (err instanceof VaultError) {
    body = { error: err.code, message: err.message, ...err.details };
  } else if ((err as { code?: string }).code === "SQLITE_FULL" || /disk is full/i.test(String(err))) {
    body = { error: "disk_full", message: "the disk is full; nothing was written" };
  } else {
    console.error(err);
    body = { error: "internal", message: "internal error" };
  }
  return {
    isError: true,
    content: [{ type: "text", text: `${body.error}: ${body.message}` }],
    structuredContent: body,
  };
}
