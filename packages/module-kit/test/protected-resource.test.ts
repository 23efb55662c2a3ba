import { describe, expect, test } from "bun:test";
import {
  protectedResourceMetadata,
  resourceChallenge,
  resourceMetadataUrl,
} from "../src/protected-resource.ts";

describe("RFC 9728 helpers", () => {
  test("the metadata URL sits under the origin's /.well-known with the resource path appended", () => {
    expect(resourceMetadataUrl("https://hub.example/vault/default/mcp")).toBe(
      "https://hub.example/.well-known/oauth-protected-resource/vault/default/mcp",
    );
    expect(resourceMetadataUrl("https://hub.example/")).toBe(
      "https://hub.example/.well-known/oauth-protected-resource",
    );
  });

  test("the document names the hub as the authorization server", () => {
    const doc = protectedResourceMetadata("https://hub.example/vault/default/mcp", "https://hub.example", [
      "vault:read",
    ]);
    expect(doc).toEqual({
      resource: "https://hub.example/vault/default/mcp",
      authorization_servers: ["https://hub.example"],
      scopes_supported: ["vault:read"],
      bearer_methods_supported: ["header"],
    });
  });

  test("the 401 challenge points at the metadata", () => {
    expect(resourceChallenge("https://hub.example/vault/default/mcp", "invalid_token")).toBe(
      'Bearer error="invalid_token", resource_metadata="https://hub.example/.well-known/oauth-protected-resource/vault/default/mcp"',
    );
  });
});
