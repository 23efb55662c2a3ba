import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { WorkBudget } from "../src/core/search/work-budget.ts";
import { type RestTransport, restVaultPerTest } from "../testing/rest.ts";

// The same suite twice: in memory through app.request, then over HTTP against a real server on port 0.
for (const transport of ["in memory", "on port 0"] satisfies RestTransport[]) {
  describe(`the vault's REST API, ${transport}`, () => {
    const v = restVaultPerTest(transport);
    const t = {
      get vault() {
        return v.t.vault;
      },
    };
    const api = (method: string, path: string, body?: unknown, headers = v.as.write) =>
      v.request(`/vault/default/api${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      });
    // biome-ignore lint/suspicious/noExplicitAny: answers are JSON the assertions walk freely
    const json = async (res: Response) => (await res.json()) as Record<string, any>;

    test("a write while another process holds the vault (an import, a reindex) is a 503, and nothing is written", async () => {
      const other = new Database(t.vault.db.filename);
      t.vault.db.exec("PRAGMA busy_timeout = 50"); // the vault's own wait is 5 s
      try {
        other.exec("BEGIN IMMEDIATE");
        const res = await api("POST", "/notes", { path: "held/one", content: "x" });
        expect(res.status).toBe(503);
        expect(res.headers.get("retry-after")).toBe("5");
        expect(await json(res)).toMatchObject({ error: "vault_locked", retry_after: 5 });
        other.exec("ROLLBACK");
        expect((await api("GET", "/notes/held/one")).status).toBe(404);
        expect((await api("POST", "/notes", { path: "held/one", content: "x" })).status).toBe(201);
      } finally {
        other.close();
      }
    });

    test("a search too broad is a 400; broad searches past the vault's budget a 503 with Retry-After", async () => {
      for (let i = 0; i < 30; i++) await api("POST", "/notes", { path: `p/${i}`, content: "apple zebra" });
      const search = t.vault.notes.search;
      search.merge();
      search.budget = 50;
      const broad = await api("GET", "/notes?search=apple%20OR%20zebra", undefined, v.as.read);
      expect(broad.status).toBe(400);
      expect((await json(broad)).error).toBe("search_too_broad");
      search.budget = 1000;
      search.load = new WorkBudget(() => 0, 70, 10); // a clock that never moves: no refill
      expect((await api("GET", "/notes?search=apple%20OR%20zebra", undefined, v.as.read)).status).toBe(200);
      const busy = await api("GET", "/notes?search=apple%20OR%20zebra", undefined, v.as.read);
      expect(busy.status).toBe(503);
      expect(busy.headers.get("retry-after")).toBe("5");
      expect(await json(busy)).toMatchObject({ error: "search_busy", retry_after: 5 });
      expect((await api("GET", "/notes?search=zebra", undefined, v.as.read)).status).toBe(200);
    });

    test("create, then read by id and by path (any case, with .md)", async () => {
      const created = await api("POST", "/notes", {
        path: "Inbox/First Note",
        content: "hello",
        tags: ["a"],
        metadata: { k: 1 },
      });
      expect(created.status).toBe(201);
      const note = await json(created);
      expect(note).toMatchObject({
        path: "Inbox/First Note",
        content: "hello",
        tags: ["a"],
        metadata: { k: 1 },
      });
      expect(await json(await api("GET", `/notes/${note.id}`))).toMatchObject({ id: note.id });
      expect((await json(await api("GET", "/notes/inbox/first%20note.md"))).id).toBe(note.id);
      expect((await api("GET", `/notes/${note.id}`)).headers.get("cache-control")).toBe("private, no-store");
      expect((await api("GET", "/notes/inbox/nothing-here")).status).toBe(404);
    });

    test("view=preview answers titles, tags and a snippet around the match with its ranges, not whole notes", async () => {
      const long = `# Garden plan\n\n${"Soil and seeds. ".repeat(40)}The quarterly review of tomatoes goes here. ${"More text. ".repeat(400)}`;
      await api("POST", "/notes", { path: "plans/garden", content: long, tags: ["home"] });
      await api("POST", "/notes", { path: "plans/other", content: "nothing of that", tags: [] });
      const full = await api("GET", "/notes?search=quarterly");
      const res = await api("GET", "/notes?search=quarter*&view=preview");
      expect(res.status).toBe(200);
      const body = await res.text();
      const { notes } = JSON.parse(body);
      expect(notes).toHaveLength(1);
      const [p] = notes;
      expect(Object.keys(p).sort()).toEqual([
        "created_at",
        "id",
        "path",
        "snippet",
        "tags",
        "title",
        "updated_at",
      ]);
      expect(p).toMatchObject({ path: "plans/garden", title: "Garden plan", tags: ["home"] });
      expect(p.snippet.text.length).toBeLessThan(220);
      const [[from, to]] = p.snippet.highlights;
      expect(p.snippet.text.slice(from, to)).toBe("quarter");
      // The notes app's as-you-type form, a quoted prefix, marks the same.
      const typed = (
        await json(await api("GET", `/notes?search=${encodeURIComponent('"quart"*')}&view=preview`))
      ).notes[0];
      const [[f2, t2]] = typed.snippet.highlights;
      expect(typed.snippet.text.slice(f2, t2)).toBe("quart");
      expect(body.length * 4).toBeLessThan((await full.text()).length);
      // A phrase marks where its words stand together (and centres the snippet there); accents fold.
      await api("POST", "/notes", {
        path: "plans/cafe",
        content: `${"meeting filler ".repeat(20)}then the meeting notes, over a café.`,
      });
      const marked = async (search: string) => {
        const n = (await json(await api("GET", `/notes?search=${encodeURIComponent(search)}&view=preview`)))
          .notes[0];
        return n.snippet.highlights.map(([a, b]: [number, number]) => n.snippet.text.slice(a, b));
      };
      expect(await marked('"meeting notes"')).toEqual(["meeting notes"]);
      expect(await marked("cafe")).toEqual(["café"]);
      // Without a search: the start of the note, nothing marked; a bad view is refused.
      const plain = (await json(await api("GET", "/notes?path_prefix=plans/garden&view=preview"))).notes[0];
      expect(plain.snippet.text.startsWith("Soil and seeds.")).toBe(true);
      expect(plain.snippet.highlights).toEqual([]);
      expect((await api("GET", "/notes?view=everything")).status).toBe(400);
    });

    test("/vault/ lists the vaults the caller may read, with their API and MCP addresses", async () => {
      v.t.vaults.create("other"); // the default vault's token does not open it
      for (const path of ["/vault", "/vault/"]) {
        const res = await v.request(path, { headers: v.as.read });
        expect(res.status).toBe(200);
        expect(await json(res)).toEqual({
          vaults: [{ name: "default", api: "/vault/default/api/", mcp: "/vault/default/mcp" }],
        });
      }
      const anonymous = await v.request("/vault/");
      expect(anonymous.status).toBe(401);
      expect((await json(anonymous)).error).toBe("unauthorized");
    });

    test("absurd nesting is a 400 naming it, and the vault keeps answering", async () => {
      let deep: unknown = "leaf";
      for (let i = 0; i < 20; i++) deep = { d: deep }; // within the JSON limit, past the metadata one
      const nested = await api("POST", "/notes", { path: "deep", metadata: { deep } });
      expect(nested.status).toBe(400);
      expect((await json(nested)).error).toBe("invalid_metadata");
      const raw = await api(
        "POST",
        "/notes",
        `{"path":"deep2","metadata":${"[".repeat(50_000)}${"]".repeat(50_000)}}`,
      );
      expect(raw.status).toBe(400);
      expect((await json(raw)).error).toBe("too_deep");
      expect((await api("GET", "/notes/deep")).status).toBe(404);
      expect((await api("POST", "/notes", { path: "shallow", metadata: { a: { b: [1, 2] } } })).status).toBe(
        201,
      );
    });

    test("list filters: tag, exclude_tag, path_prefix, metadata, search, and cursor paging", async () => {
      for (let i = 0; i < 12; i++) {
        const tags = i % 2 ? ["odd", "list"] : ["even", "list"];
        expect(
          (
            await api("POST", "/notes", {
              path: `list/n${i}`,
              content: `number ${i} zebra${i}`,
              tags,
              metadata: { i },
            })
          ).status,
        ).toBe(201);
      }
      const paths = async (q: string) =>
        ((await json(await api("GET", `/notes?${q}`))).notes as { path: string }[]).map((n) => n.path);
      expect((await paths("tag=list&tag=odd&limit=100")).length).toBe(6);
      expect((await paths("tag=list&exclude_tag=odd&limit=100")).length).toBe(6);
      expect((await paths("path_prefix=LIST/&limit=100")).length).toBe(12);
      expect(await paths("metadata.i=3")).toEqual(["list/n3"]);
      expect(await paths("search=zebra7")).toEqual(["list/n7"]);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res: Response = await api(
          "GET",
          `/notes?tag=list&limit=5&sort=path_asc${cursor ? `&cursor=${cursor}` : ""}`,
        );
        const page = (await res.json()) as { notes: { path: string }[]; next_cursor: string | null };
        seen.push(...page.notes.map((n) => n.path));
        cursor = page.next_cursor;
      } while (cursor);
      expect(seen).toHaveLength(12);
      expect(new Set(seen).size).toBe(12);
      expect((await api("GET", "/notes?bogus=1")).status).toBe(400);
    });

    test("folders: the folders under a parent, from note paths, with counts at any depth", async () => {
      for (const path of [
        "Projects/Alpha/plan",
        "projects/alpha/notes",
        "Projects/Beta",
        "Projectsx/y",
        "top",
      ]) {
        expect((await api("POST", "/notes", { path })).status).toBe(201);
      }
      expect(await json(await api("GET", "/folders"))).toEqual({
        folders: [
          { name: "Projects", path: "Projects", count: 3, nested: true },
          { name: "Projectsx", path: "Projectsx", count: 1, nested: false },
        ],
      });
      expect(await json(await api("GET", "/folders?parent=projects"))).toEqual({
        folders: [{ name: "Alpha", path: "projects/Alpha", count: 2, nested: false }],
      });
      expect(await json(await api("GET", "/folders?parent=Projects/Beta"))).toEqual({ folders: [] });
      // Answers are reused until the vault changes, and a change shows at once.
      expect((await api("POST", "/notes", { path: "Projects/Beta/sub/deep" })).status).toBe(201);
      expect(await json(await api("GET", "/folders?parent=Projects/Beta"))).toEqual({
        folders: [{ name: "sub", path: "Projects/Beta/sub", count: 1, nested: false }],
      });
      const top = await json(await api("GET", "/folders"));
      expect(top.folders[0]).toMatchObject({ name: "Projects", count: 4, nested: true });
      const bad = await api("GET", "/folders?parent=../x");
      expect(bad.status).toBe(400);
      expect((await json(bad)).error).toBe("invalid_path");
    });

    test("PATCH: replace, append, prepend, edit, metadata merge, tags; conflicts answered", async () => {
      const note = await json(
        await api("POST", "/notes", { path: "patch/me", content: "middle", tags: ["x"] }),
      );
      const p = (body: unknown) => api("PATCH", `/notes/${note.id}`, body);
      expect((await json(await p({ append: " end" }))).content).toBe("middle end");
      expect((await json(await p({ prepend: "start " }))).content).toBe("start middle end");
      expect((await json(await p({ edit: { old: "middle", new: "centre" } }))).content).toBe(
        "start centre end",
      );
      const missing = await p({ edit: { old: "nowhere", new: "x" } });
      expect(missing.status).toBe(422);
      await p({ append: " centre" });
      const ambiguous = await p({ edit: { old: "centre", new: "x" } });
      expect(ambiguous.status).toBe(409);
      const merged = await json(await p({ metadata: { a: 1, b: 2 }, tags_add: ["y"], tags_remove: ["x"] }));
      expect(merged.metadata).toEqual({ a: 1, b: 2 });
      expect(merged.tags).toEqual(["y"]);
      const stale = await p({ content: "new", if_updated_at: note.updated_at });
      expect(stale.status).toBe(409);
      const body = await json(stale);
      expect(body.your_updated_at).toBe(note.updated_at);
      expect(body.current_updated_at).toBe(merged.updated_at);
      expect((await p({ content: "new", if_updated_at: merged.updated_at })).status).toBe(200);
    });

    test("delete, backlinks, and tags rename/merge", async () => {
      const target = await json(
        await api("POST", "/notes", { path: "links/target", content: "t", tags: ["old"] }),
      );
      await api("POST", "/notes", {
        path: "links/source",
        content: "see [[links/target|it]]",
        tags: ["other"],
      });
      const back = await json(await api("GET", "/notes/links/target/backlinks"));
      expect(back.backlinks.map((b: { path: string }) => b.path)).toEqual(["links/source"]);
      expect((await api("POST", "/tags/rename", { from: "old", to: "other" })).status).toBe(200);
      const tags = (await json(await api("GET", "/tags"))).tags as { tag: string; count: number }[];
      expect(tags.find((t) => t.tag === "other")?.count).toBe(2);
      expect(tags.find((t) => t.tag === "old")).toBeUndefined();
      expect((await api("DELETE", `/notes/${target.id}`)).status).toBe(200);
      expect((await api("GET", `/notes/${target.id}`)).status).toBe(404);
    });

    const upload = (ref: string, name: string, body: BodyInit, extra: Record<string, string> = {}) =>
      v.request(`/vault/default/api/notes/${ref}/attachments?name=${encodeURIComponent(name)}`, {
        method: "POST",
        headers: { authorization: v.as.write.authorization!, ...extra },
        body,
      });

    test("attachments: upload, list, download the same bytes, delete", async () => {
      const note = await json(await api("POST", "/notes", { path: "with/files" }));
      const bytes = new Uint8Array(300_000).map((_, i) => i % 251);
      const up = await upload("with/files", "voice memo.webm", bytes, { "content-type": "audio/webm" });
      expect(up.status).toBe(201);
      const att = await json(up);
      expect(att).toMatchObject({
        name: "voice memo.webm",
        mime: "audio/webm",
        size: 300_000,
        note_id: note.id,
      });
      const listed = await json(await api("GET", "/notes/with/files/attachments"));
      expect(listed.attachments.map((a: { id: string }) => a.id)).toEqual([att.id]);
      const down = await api("GET", `/attachments/${att.id}`);
      expect(down.headers.get("content-type")).toBe("audio/webm");
      expect(down.headers.get("x-content-type-options")).toBe("nosniff");
      expect(new Uint8Array(await down.arrayBuffer())).toEqual(bytes);
      expect((await api("DELETE", `/attachments/${att.id}`)).status).toBe(200);
      expect((await api("GET", `/attachments/${att.id}`)).status).toBe(404);
    });

    test("attachments: traversal in names, disallowed types and oversized files are refused", async () => {
      await api("POST", "/notes", { path: "files/bad" });
      for (const name of ["../escape.png", "a/b.png", "..", "nul\u0000.png", ""]) {
        expect((await upload("files/bad", name, "x")).status, name).toBe(400);
      }
      expect((await upload("files/bad", "run.sh", "echo")).status).toBe(415);
      expect((await upload("files/bad", "page.html", "<script>")).status).toBe(415);
      const big = await upload("files/bad", "huge.png", new Uint8Array(51 * 1024 * 1024));
      expect(big.status).toBe(413);
      expect((await json(await api("GET", "/notes/files/bad/attachments"))).attachments).toEqual([]);
    }, 30_000);

    test("typed links in metadata are kept in sync and show in backlinks with their type", async () => {
      await api("POST", "/notes", { path: "typed/parent" });
      const child = await json(
        await api("POST", "/notes", {
          path: "typed/child",
          metadata: { links: { parent: "typed/parent", related: ["[[typed/other]]"] } },
        }),
      );
      const back = await json(await api("GET", "/notes/typed/parent/backlinks"));
      expect(back.backlinks).toEqual([{ id: child.id, path: "typed/child", kind: "parent" }]);
      const links = (await json(await api("GET", "/notes/typed/child/links"))).links as {
        target: string;
        kind: string;
        id: string | null;
      }[];
      expect(links.map((l) => [l.kind, l.target, l.id !== null])).toEqual([
        ["parent", "typed/parent", true],
        ["related", "typed/other", false],
      ]);
      await api("PATCH", "/notes/typed/child", { metadata: { links: null } });
      expect((await json(await api("GET", "/notes/typed/parent/backlinks"))).backlinks).toEqual([]);
      const bad = await api("POST", "/notes", {
        path: "typed/bad",
        metadata: { links: { "Bad Type": "x" } },
      });
      expect(bad.status).toBe(400);
      expect((await api("GET", "/notes/typed/bad")).status).toBe(404);
    });

    describe("bad input", () => {
      test("malformed JSON, wrong types and unknown fields are 400 naming the problem", async () => {
        expect((await api("POST", "/notes", "{nope")).status).toBe(400);
        const wrong = await api("POST", "/notes", { path: 5 });
        expect(wrong.status).toBe(400);
        expect((await json(wrong)).message).toContain('"path"');
        const unknown = await api("POST", "/notes", { path: "x", colour: "red" });
        expect((await json(unknown)).message).toContain('"colour"');
      });

      test("an oversized body is 413", async () => {
        const res = await api("POST", "/notes", { path: "big", content: "x".repeat(3 * 1024 * 1024) });
        expect(res.status).toBe(413);
        expect((await api("GET", "/notes/big")).status).toBe(404);
      });

      test("traversal and control characters in note paths are 400", async () => {
        for (const path of ["../escape", "a/../../b", "a/./b", "nul\u0000byte", "back\\slash", ""]) {
          expect((await api("POST", "/notes", { path })).status, JSON.stringify(path)).toBe(400);
        }
      });

      test("invalid full-text syntax is 400, never an empty list", async () => {
        for (const q of ['"open', "AND", "a OR", "(x", "*"]) {
          const res = await api("GET", `/notes?search=${encodeURIComponent(q)}`);
          expect(res.status, q).toBe(400);
          const body = await json(res);
          expect(body.error).toBe("invalid_search");
          // Said in the product's words; SQLite's own text only as a detail.
          expect(body.message).toMatch(/^the search could not be read: use words/);
          expect(typeof body.detail).toBe("string");
        }
      });

      test("a batch over the cap is refused and nothing is written; a bad note aborts its whole batch", async () => {
        const many = Array.from({ length: 101 }, (_, i) => ({ path: `batch/over${i}` }));
        expect((await api("POST", "/notes?batch=true", { notes: many })).status).toBe(400);
        const bad = [{ path: "batch/ok1" }, { path: "../bad" }];
        expect((await api("POST", "/notes?batch=true", { notes: bad })).status).toBe(400);
        const listed = await json(await api("GET", "/notes?path_prefix=batch/"));
        expect(listed.notes).toEqual([]);
        const good = await api("POST", "/notes?batch=true", {
          notes: [{ path: "batch/a" }, { path: "batch/b" }],
        });
        expect(good.status).toBe(201);
        expect((await json(good)).notes).toHaveLength(2);
      });
    });

    describe("access with vault tokens", () => {
      test("no token is 401; a read-only token reads but cannot write", async () => {
        const none = await v.request("/vault/default/api/notes");
        expect(none.status).toBe(401);
        expect(none.headers.get("www-authenticate")).toBe("Bearer");
        expect((await api("GET", "/notes", undefined, v.as.read)).status).toBe(200);
        const denied = await api("POST", "/notes", { path: "ro" }, v.as.read);
        expect([denied.status, (await json(denied)).error]).toEqual([403, "insufficient_scope"]);
        expect((await api("GET", "/notes/ro")).status).toBe(404);
      });

      test("a token for another vault is refused", async () => {
        const work = v.t.vaults.create("work");
        const other = { authorization: `Bearer ${work.tokens.create("admin", 3_600_000).token}` };
        expect((await api("GET", "/notes", undefined, other)).status).toBe(401);
        expect((await v.request("/vault/work/api/notes", { headers: other })).status).toBe(200);
        expect((await v.request("/vault/work/api/notes", { headers: v.as.admin })).status).toBe(401);
      });

      test("vault API tokens: created by an admin, shown once, scoped, expiring, revocable", async () => {
        const asAdmin = v.as.admin;
        expect((await api("POST", "/tokens", { scope: "read" })).status).toBe(403);
        const created = await api("POST", "/tokens", { scope: "read", label: "script", ttl: "1h" }, asAdmin);
        expect(created.status).toBe(201);
        const { token, id } = await json(created);
        expect(token).toStartWith("pvt_");
        const vt = { authorization: `Bearer ${token}`, "content-type": "application/json" };
        expect((await api("GET", "/notes?limit=1", undefined, vt)).status).toBe(200);
        expect((await api("POST", "/notes", { path: "by-vault-token" }, vt)).status).toBe(403);
        const listed = (await json(await api("GET", "/tokens", undefined, asAdmin))).tokens as Record<
          string,
          unknown
        >[];
        expect(listed.find((t) => t.id === id)).toMatchObject({
          verb: "read",
          label: "script",
          revoked_at: null,
        });
        expect(JSON.stringify(listed)).not.toContain(token);
        expect((await api("DELETE", `/tokens/${id}`, undefined, asAdmin)).status).toBe(200);
        expect((await api("GET", "/notes?limit=1", undefined, vt)).status).toBe(401);
        expect((await api("POST", "/tokens", { scope: "root" }, asAdmin)).status).toBe(400);
        expect((await api("GET", "/notes", undefined, { authorization: "Bearer pvt_forged" })).status).toBe(
          401,
        );

        const brief = await json(await api("POST", "/tokens", { scope: "write", ttl: "15m" }, asAdmin));
        const bt = { authorization: `Bearer ${brief.token}` };
        expect((await api("GET", "/notes?limit=1", undefined, bt)).status).toBe(200);
        v.t.clock.advance(15 * 60_000);
        expect((await api("GET", "/notes?limit=1", undefined, bt)).status).toBe(401);
        expect((await api("GET", "/notes?limit=1", undefined, v.as.read)).status).toBe(200);
      });
    });
  });
}
