import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { launchChromium, screenshotDir, seriousA11yProblems } from "../packages/hub/testing/browser.ts";
import {
  cleanUp,
  type HubProcess,
  startHub,
  TEST_ADMIN,
  tempHome,
  waitFor,
} from "../packages/hub/testing/hub-process.ts";
import { speech } from "../packages/scribe/testing/speech.ts";

const PACKAGES = join(import.meta.dir, "..", "packages");
const SHOTS = screenshotDir("notes");
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 375, height: 740 };

interface Note {
  id: string;
  path: string;
  content: string;
  tags: string[];
  metadata: Record<string, unknown>;
  updated_at: string;
}

/**
 * The notes app in Chromium, behind a real hub with the vault and scribe installed: everything a
 * person does with it, from logging in to a voice note's transcript, checked in the vault.
 */
describe("the notes app in Chromium", () => {
  let hub: HubProcess;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let vaultToken: string;
  let wav: string;

  const vault = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${hub.origin}/vault/default/api${path}`, {
      method,
      headers: { authorization: `Bearer ${vaultToken}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await res.json()) as Record<string, unknown>;
  };
  const notes = async (query = "") => (await vault("GET", `/notes?limit=500${query}`)).notes as Note[];
  const shot = async (name: string, p: Page = page) => {
    await p.screenshot({ path: join(SHOTS, `${name}-desktop.png`) });
    await p.setViewportSize(PHONE);
    await p.screenshot({ path: join(SHOTS, `${name}-375.png`) });
    await p.setViewportSize(DESKTOP);
  };

  beforeAll(async () => {
    hub = await startHub(tempHome());
    for (const name of ["vault", "notes", "scribe"]) {
      const res = await hub.op("POST", "/api/modules/install", { path: join(PACKAGES, name) });
      expect(res.status).toBe(200);
    }
    const { token } = (await (await hub.api("POST", "/api/tokens", { scope: "vault:admin" })).json()) as {
      token: string;
    };
    vaultToken = token;
    wav = speech();
    browser = await launchChromium([
      "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream",
      `--use-file-for-fake-audio-capture=${wav}`,
    ]);
    context = await browser.newContext({ viewport: DESKTOP });
    page = await context.newPage();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await hub?.stop();
    await cleanUp();
  });

  test("a stranger is sent to log in, and comes back to an empty list that says what to do", async () => {
    await page.goto(`${hub.origin}/notes/`);
    expect(new URL(page.url()).pathname).toBe("/login");
    await page.getByLabel("Username").fill(TEST_ADMIN.username);
    await page.getByLabel("Password").fill(TEST_ADMIN.password);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.waitForURL(`${hub.origin}/notes/`);
    await page.getByText("No notes yet.").waitFor();
    expect(
      await page.evaluate(() => ({ local: localStorage.length, session: sessionStorage.length })),
    ).toEqual({
      local: 0,
      session: 0,
    });
    await shot("list-empty");
    expect(await seriousA11yProblems(page)).toEqual([]);
  });

  test("a new note is written in the editor, saved as you type, and is in the vault", async () => {
    await page.keyboard.press("n");
    await page.getByLabel("Note path").fill("Projects/Quarterly plan");
    await page.locator(".cm-content").click();
    await page.keyboard.type("# Quarterly plan\n\nGrow the garden. See [[Ideas]] for more.\n");
    await page.locator(".save-state.saved").waitFor();
    await page.locator(".preview h1", { hasText: "Quarterly plan" }).waitFor();
    const saved = await waitFor(
      async () => (await notes()).find((n) => n.path === "Projects/Quarterly plan") ?? null,
      "the note in the vault",
    );
    expect(saved.content).toBe("# Quarterly plan\n\nGrow the garden. See [[Ideas]] for more.\n");
    await shot("editor");

    // Ctrl+S saves at once; the page's address now names the note.
    await page.keyboard.type("Water daily.");
    await page.keyboard.press("Control+s");
    await page.locator(".save-state.saved").waitFor();
    expect(new URL(page.url()).hash).toBe(`#/note/${saved.id}/edit`);
    expect((await vault("GET", `/notes/${saved.id}`)).content).toContain("Water daily.");
  });

  test("New note from the editor of a just-saved note starts a new note; the saved one keeps its text", async () => {
    const first = (await notes()).find((n) => n.path === "Projects/Quarterly plan")!;
    for (const [path, text] of [
      ["Scratch/One", "first scratch"],
      ["Scratch/Two", "second scratch"],
    ] as const) {
      await page.getByRole("link", { name: "New note" }).first().click();
      await page.getByLabel("Note path").fill(path);
      await page.locator(".cm-content").click();
      await page.keyboard.type(text);
      await page.keyboard.press("Control+s");
      await page.locator(".save-state.saved").waitFor();
    }
    await waitFor(async () => ((await notes()).some((n) => n.path === "Scratch/Two") ? true : null), "two");
    const all = await notes();
    expect(all.find((n) => n.path === "Scratch/One")?.content).toBe("first scratch");
    expect(all.find((n) => n.path === "Scratch/Two")?.content).toBe("second scratch");
    expect(all.find((n) => n.id === first.id)?.content).toContain("Water daily.");
    await page.goto(`${hub.origin}/notes/#/note/${first.id}/edit`);
    await page.getByLabel("Note path").waitFor();
  });

  test("a rename is saved by Ctrl+S in the path field, and Save after it sends it once", async () => {
    const first = (await notes()).find((n) => n.path === "Projects/Quarterly plan")!;
    const one = (await notes()).find((n) => n.path === "Scratch/One")!;
    const patches: string[] = [];
    const count = (r: { method(): string; url(): string }) => {
      if (r.method() === "PATCH" && r.url().includes(one.id)) patches.push(r.url());
    };
    page.on("request", count);
    try {
      await page.goto(`${hub.origin}/notes/#/note/${one.id}/edit`);
      await page.getByLabel("Note path").fill("Scratch/Renamed");
      await page.getByLabel("Note path").press("Control+s");
      await page.locator(".save-state.saved").waitFor();
      expect((await vault("GET", `/notes/${one.id}`)).path).toBe("Scratch/Renamed");
      expect(patches).toHaveLength(1);

      await page.getByLabel("Note path").fill("Scratch/Renamed again");
      await page.getByRole("button", { name: "Save" }).click(); // the field's blur saves too
      await waitFor(
        async () => ((await vault("GET", `/notes/${one.id}`)).path === "Scratch/Renamed again" ? true : null),
        "the second rename",
      );
      await page.locator(".save-state.saved").waitFor();
      expect(patches).toHaveLength(2);
    } finally {
      page.off("request", count);
    }
    await page.goto(`${hub.origin}/notes/#/note/${first.id}/edit`);
    await page.getByLabel("Note path").waitFor();
  });

  test("a wikilink is followed (creating its note), and the new note shows its backlink", async () => {
    await page.getByRole("link", { name: "Done" }).click();
    await page.locator(".note-view h1", { hasText: "Quarterly plan" }).waitFor();
    await page.locator("a.wikilink", { hasText: "Ideas" }).click();
    await page.getByText("There is no note called").waitFor();
    await page.getByRole("button", { name: "Create it" }).click();
    await page.locator(".cm-content").click();
    await page.keyboard.press("Control+End");
    await page.keyboard.type("Compost, rain barrels.");
    await page.keyboard.press("Control+s");
    await page.locator(".save-state.saved").waitFor();
    await page.getByRole("link", { name: "Done" }).click();
    const backlinks = page.getByRole("region", { name: "Backlinks" });
    await backlinks.getByRole("link", { name: "Quarterly plan" }).waitFor();
    await backlinks.getByRole("link", { name: "Quarterly plan" }).click();
    await page.locator(".note-view h1", { hasText: "Quarterly plan" }).waitFor();
    await page.locator("a.wikilink", { hasText: "Ideas" }).click();
    await page.locator(".note-view h1", { hasText: "Ideas" }).waitFor();
    await shot("note");
    expect(await seriousA11yProblems(page)).toEqual([]);
  });

  test("search finds as you type; a tag added to a note filters the list", async () => {
    await vault("POST", "/notes?batch=true", {
      notes: Array.from({ length: 60 }, (_, i) => ({
        path: `Archive/Old note ${i}`,
        content: `filler ${i}`,
      })),
    });
    await page.goto(`${hub.origin}/notes/#/`);
    await page.reload();
    await page.locator(".note-item").first().waitFor();
    expect(await page.locator(".note-item").count()).toBe(50); // one page, then more on demand
    await page.getByRole("button", { name: "Show more" }).click();
    await waitFor(async () => (await page.locator(".note-item").count()) === 64, "the second page");

    await page.keyboard.press("/");
    await page.keyboard.type("quart");
    await waitFor(async () => (await page.locator(".note-item").count()) === 1, "one search result");
    await expect(page.locator(".note-item .note-title").textContent()).resolves.toBe("Quarterly plan");
    await shot("search");
    // Punctuation typed as people type it is not search syntax, and never an error.
    await page.locator("#search").fill("garden, water?");
    await page.waitForFunction(
      () => document.querySelector(".note-list")?.getAttribute("data-shown-search") === "garden, water?",
    );
    expect(await page.locator(".note-list .notice.error").count()).toBe(0);
    await expect(page.locator(".note-item .note-title").allTextContents()).resolves.toEqual([
      "Quarterly plan",
    ]);

    await page.locator(".note-item").first().click();
    await page.getByLabel("Add a tag").fill("garden");
    await page.getByLabel("Add a tag").press("Enter");
    await page.locator(".tag-editor .chip", { hasText: "#garden" }).waitFor();
    await page.keyboard.press("Escape");
    await page.locator("#search").fill("");
    await page.goto(`${hub.origin}/notes/#/`);
    await page.getByRole("button", { name: /#garden/ }).click();
    await waitFor(async () => (await page.locator(".note-item").count()) === 1, "one note tagged garden");
    expect(((await vault("GET", "/notes/Projects/Quarterly plan")) as unknown as Note).tags).toEqual([
      "garden",
    ]);
    await page.getByRole("button", { name: "#garden ✕" }).click();
  });

  test("markup in a note is shown as text, never run: scripts, handlers and javascript: links are gone", async () => {
    const evil = (await vault("POST", "/notes", {
      path: "Evil",
      content: [
        "# Evil",
        "<script>window.__pwned = 1</script>",
        '<img src="x" onerror="window.__pwned = 2">',
        "[click me](javascript:window.__pwned=3)",
        "[[Ideas|a wikilink]] and https://example.org",
      ].join("\n\n"),
    })) as unknown as Note;
    await page.goto(`${hub.origin}/notes/#/note/${evil.id}`);
    await page.reload();
    await page.locator(".markdown a.wikilink", { hasText: "a wikilink" }).waitFor();
    const found = await page.evaluate(() => {
      const md = document.querySelector(".markdown")!;
      return {
        pwned: (window as unknown as { __pwned?: number }).__pwned ?? null,
        scripts: md.querySelectorAll("script").length,
        handlers: [...md.querySelectorAll("*")].filter((el) =>
          [...el.attributes].some((a) => a.name.startsWith("on")),
        ).length,
        jsLinks: [...md.querySelectorAll("a")].filter((a) =>
          /^javascript:/i.test(a.getAttribute("href") ?? ""),
        ).length,
        text: md.textContent ?? "",
        external: md.querySelector('a[href="https://example.org"]')?.getAttribute("rel") ?? null,
      };
    });
    expect(found).toMatchObject({
      pwned: null,
      scripts: 0,
      handlers: 0,
      jsLinks: 0,
      external: "noopener noreferrer",
    });
    expect(found.text).toContain("<script>window.__pwned = 1</script>");
    await vault("DELETE", `/notes/${evil.id}`);
  });

  test("an edit that meets a change made elsewhere shows both versions; keep mine, or merge", async () => {
    const ideas = (await vault("GET", "/notes/Ideas")) as unknown as Note;
    await page.goto(`${hub.origin}/notes/#/note/${ideas.id}/edit`);
    await page.locator(".save-state.saved").waitFor();
    await vault("PATCH", `/notes/${ideas.id}`, { append: "\nAdded on the phone." });
    await page.locator(".cm-content").click();
    await page.keyboard.press("Control+End");
    await page.keyboard.type(" Worms.");
    await page.getByText("This note was changed elsewhere").waitFor();
    await expect(page.locator(".versions pre").nth(1).textContent()).resolves.toContain(
      "Added on the phone.",
    );
    await shot("conflict");
    await page.getByRole("button", { name: "Merge both" }).click();
    await page.getByText("Both versions are in the text").waitFor();
    // Settle the merge: keep both lines, drop the markers.
    const merged = await page.locator(".cm-content").innerText();
    expect(merged).toContain("<<<<<<< your version");
    const settled = merged
      .split("\n")
      .filter((l) => !/^(<<<<<<<|=======|>>>>>>>)/.test(l))
      .join("\n");
    await page.keyboard.press("Control+a");
    await page.keyboard.insertText(settled);
    await page.keyboard.press("Control+s");
    await page.locator(".save-state.saved").waitFor();
    const after = (await vault("GET", `/notes/${ideas.id}`)) as unknown as Note;
    expect(after.content).toContain("Worms.");
    expect(after.content).toContain("Added on the phone.");
    expect(after.content).not.toContain("<<<<<<<");

    await vault("PATCH", `/notes/${ideas.id}`, { content: "Replaced elsewhere." });
    await page.keyboard.type(" Mine wins.");
    await page.getByRole("button", { name: "Keep mine" }).click();
    await page.locator(".save-state.saved").waitFor();
    expect(((await vault("GET", `/notes/${ideas.id}`)) as unknown as Note).content).toContain("Mine wins.");
  });

  test("a file dropped on a note is attached and listed", async () => {
    const plan = (await vault("GET", "/notes/Projects/Quarterly plan")) as unknown as Note;
    await page.goto(`${hub.origin}/notes/#/note/${plan.id}`);
    await page.locator(".note-view h1").waitFor();
    const transfer = await page.evaluateHandle(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(["seed list: beans, kale"], "seeds.txt", { type: "text/plain" }));
      return dt;
    });
    await page.dispatchEvent(".drop-zone", "dragover", { dataTransfer: transfer });
    await page.dispatchEvent(".drop-zone", "drop", { dataTransfer: transfer });
    await page.getByText("Attached seeds.txt.").waitFor();
    await page
      .getByRole("region", { name: "Attachments" })
      .getByRole("link", { name: "seeds.txt" })
      .waitFor();
    const { attachments } = await vault("GET", `/notes/${plan.id}/attachments`);
    expect((attachments as { name: string }[]).map((a) => a.name)).toEqual(["seeds.txt"]);
  });

  test("a capture made offline survives a reload and is sent once when back online", async () => {
    await page.goto(`${hub.origin}/notes/#/capture`);
    await page.getByLabel("A thought, a task, a link").waitFor();
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    await context.setOffline(true);
    await page.getByLabel("A thought, a task, a link").fill("Buy twine for the beans");
    await page.getByRole("button", { name: "Save to Inbox" }).click();
    await page.getByText("Captured. It will be sent when you are back online.").waitFor();
    await page
      .getByRole("region", { name: "Waiting to be sent" })
      .getByText("Buy twine for the beans")
      .waitFor();
    await shot("capture-offline");

    await page.reload(); // the service worker serves the app with no network
    await page
      .getByRole("region", { name: "Waiting to be sent" })
      .getByText("Buy twine for the beans")
      .waitFor();
    expect((await notes()).some((n) => n.content.includes("twine"))).toBe(false);

    await context.setOffline(false);
    await page.getByRole("region", { name: "Waiting to be sent" }).waitFor({ state: "detached" });
    const sent = (await notes()).filter((n) => n.content.includes("twine"));
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ path: "Inbox/Buy twine for the beans", tags: ["capture"] });
  });

  test("a held voice note is recorded, sent with transcribe=true, and its transcript lands in the note", async () => {
    await page.goto(`${hub.origin}/notes/#/capture`);
    const button = page.getByRole("button", { name: /Hold to record/ });
    await button.hover();
    await page.mouse.down();
    // The fake microphone plays the generated sentence (about five seconds).
    await page.getByText(/Recording 0:0[6-9]/).waitFor({ timeout: 20_000 });
    await page.screenshot({ path: join(SHOTS, "capture-recording-desktop.png") });
    await page.mouse.up();
    await page.getByText("Voice note saved.").waitFor();
    const voice = await waitFor(
      async () => (await notes("&tag=voice")).find((n) => n.metadata.transcription === "done") ?? null,
      "the transcript in the voice note",
      60_000,
    );
    // Words of the spoken sentence, as pocketsphinx heard them through the browser's recording.
    expect(voice.content.toLowerCase()).toMatch(/hello|world|test|parachute|transcri/);
    await page.goto(`${hub.origin}/notes/#/note/${voice.id}`);
    await page.reload();
    const opening = voice.content.trim().split(" ").slice(0, 3).join(" ");
    await page.locator(".markdown").getByText(opening).waitFor();
    await page.locator(".attachment audio").waitFor();
    await shot("voice-note");
  }, 90_000);

  test("log out ends the session: the app sends the person to log in again", async () => {
    await page.goto(`${hub.origin}/notes/#/`);
    await page.reload();
    await page.locator(".topbar").getByRole("button", { name: "Log out" }).click();
    await page.waitForURL(/\/login/);
    await page.goto(`${hub.origin}/notes/`);
    expect(new URL(page.url()).pathname).toBe("/login");
  });

  test("dark mode uses the same design in its dark colours", async () => {
    const dark = await browser.newContext({ viewport: DESKTOP, colorScheme: "dark" });
    const p = await dark.newPage();
    await p.goto(`${hub.origin}/login?next=/notes/`);
    await p.getByLabel("Username").fill(TEST_ADMIN.username);
    await p.getByLabel("Password").fill(TEST_ADMIN.password);
    await p.getByRole("button", { name: "Log in" }).click();
    await p.locator(".note-item").first().waitFor();
    const bg = await p.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(bg).toBe("rgb(20, 21, 23)");
    await shot("list-dark", p);
    await dark.close();
  });
});
