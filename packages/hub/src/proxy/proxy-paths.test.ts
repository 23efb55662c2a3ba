import { describe, expect, test } from "bun:test";
import { refusal } from "@parachute/module-kit/testing";
import { HubError } from "../errors.ts";
import { normalisePath } from "./normalise-path.ts";
import { type Route, RouteTable } from "./route-table.ts";

describe("normalisePath", () => {
  test.each([
    ["an encoded slash", "/notes%2f..%2fadmin"],
    ["an upper-case encoded slash", "/notes/a%2Fb"],
    ["an encoded backslash", "/notes/a%5cb"],
    ["an upper-case encoded backslash", "/notes/a%5Cb"],
    ["an encoded NUL", "/notes/a%00.txt"],
    ["a malformed escape", "/notes/%zz"],
    ["a half escape", "/notes/%2"],
    ["a trailing %", "/notes/100%"],
    ["a backslash", "/notes\\..\\admin"],
    ["a raw NUL", "/notes/a\0b"],
    ["a surviving . segment", "/notes/./x"],
    ["a surviving .. segment", "/notes/../admin"],
    ["a trailing .. segment", "/notes/.."],
    ["a leading .. segment", "/../etc/passwd"],
    ["an encoded .. segment", "/notes/%2e%2e/admin"],
    ["an upper-case encoded . segment", "/notes/%2E/x"],
    ["a half-encoded .. segment", "/notes/.%2e/admin"],
    ["a .. segment hidden by doubled slashes", "/notes//..//admin"],
  ])("refuses %s as invalid (400) bad_path", (_, path) => {
    const err = refusal(() => normalisePath(path), HubError);
    expect(err.kind).toBe("invalid");
    expect(err.code).toBe("bad_path");
  });

  test("runs of slashes collapse to one", () => {
    expect(normalisePath("//a//b")).toBe("/a/b");
    expect(normalisePath("/notes///x////y/")).toBe("/notes/x/y/");
  });

  test.each([
    "/",
    "/notes",
    "/notes/",
    "/notes/a/b.txt",
    "/notes/.hidden",
    "/notes/...",
    "/notes/a..b",
    "/notes/caf%C3%A9",
    "/notes/a%20b",
    "/notes/%252f",
  ])("leaves the ordinary path %s unchanged", (path) => {
    expect(normalisePath(path)).toBe(path);
  });
});

describe("RouteTable", () => {
  const route = (prefix: string, stripPrefix = false): Route => ({
    prefix,
    short: prefix.slice(1).replace(/\//g, "-"),
    port: 1940,
    stripPrefix,
    websocket: false,
  });
  const table = new RouteTable([route("/vault"), route("/notes"), route("/vault/admin")]);

  test("the longest prefix wins, whatever the order given", () => {
    expect(table.match("/vault/admin")?.prefix).toBe("/vault/admin");
    expect(table.match("/vault/admin/keys")?.prefix).toBe("/vault/admin");
    expect(table.match("/vault")?.prefix).toBe("/vault");
    expect(table.match("/vault/keys")?.prefix).toBe("/vault");
    expect(table.match("/vault/administrator")?.prefix).toBe("/vault");
  });

  test("prefixes match on whole segments only", () => {
    expect(table.match("/notes")?.prefix).toBe("/notes");
    expect(table.match("/notes/")?.prefix).toBe("/notes");
    expect(table.match("/notes/a")?.prefix).toBe("/notes");
    expect(table.match("/notesx")).toBeNull();
    expect(table.match("/note")).toBeNull();
    expect(table.match("/")).toBeNull();
  });

  test("upstreamPath keeps the path without stripPrefix", () => {
    expect(RouteTable.upstreamPath(route("/notes"), "/notes")).toBe("/notes");
    expect(RouteTable.upstreamPath(route("/notes"), "/notes/a/b")).toBe("/notes/a/b");
  });

  test("upstreamPath strips the prefix with stripPrefix, never leaving an empty path", () => {
    const stripped = route("/notes", true);
    expect(RouteTable.upstreamPath(stripped, "/notes")).toBe("/");
    expect(RouteTable.upstreamPath(stripped, "/notes/")).toBe("/");
    expect(RouteTable.upstreamPath(stripped, "/notes/a/b")).toBe("/a/b");
  });
});
