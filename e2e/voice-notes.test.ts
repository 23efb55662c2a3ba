import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  cleanUp,
  type HubProcess,
  startHub,
  tempHome,
  waitFor,
} from "../packages/hub/testing/hub-process.ts";
import { speech } from "../packages/scribe/testing/speech.ts";

const PACKAGES = join(import.meta.dir, "..", "packages");

interface Note {
  id: string;
  content: string;
  metadata: Record<string, unknown>;
}

/** A recording uploaded to a note comes back as its transcript, by way of scribe, through the hub. */
describe("voice notes: vault and scribe", () => {
  let hub: HubProcess;
  let headers: Record<string, string>;
  const api = (method: string, path: string, body?: BodyInit, extra: Record<string, string> = {}) =>
    fetch(`${hub.origin}/vault/default/api${path}`, { method, headers: { ...headers, ...extra }, body });
  const note = async (id: string) => (await (await api("GET", `/notes/${id}`)).json()) as Note;
  const upload = (id: string, name: string, bytes: BodyInit, transcribe = "true") =>
    api("POST", `/notes/${id}/attachments?name=${name}&transcribe=${transcribe}`, bytes);

  beforeAll(async () => {
    hub = await startHub(tempHome());
    // Retries come quickly here; the default first wait is 15 s.
    mkdirSync(join(hub.home, "vault"), { recursive: true });
    writeFileSync(join(hub.home, "vault", ".env"), "VAULT_TRANSCRIPTION_RETRY_MS=200\n");
    expect((await hub.op("POST", "/api/modules/install", { path: join(PACKAGES, "vault") })).status).toBe(
      200,
    );
    const { token } = (await (await hub.api("POST", "/api/tokens", { scope: "vault:admin" })).json()) as {
      token: string;
    };
    headers = { authorization: `Bearer ${token}` };
  }, 30_000);
  afterAll(async () => {
    await hub?.stop();
    await cleanUp();
  });

  test("a recording waits while scribe is away, across a vault restart, then its transcript lands in the note", async () => {
    const created = (await (
      await api("POST", "/notes", JSON.stringify({ path: "Voice memo" }), {
        "content-type": "application/json",
      })
    ).json()) as Note;
    const wav = readFileSync(speech());
    const res = await upload(created.id, "memo.wav", wav);
    expect(res.status).toBe(201);
    expect(((await res.json()) as { transcription: string }).transcription).toBe("pending");
    expect(await note(created.id)).toMatchObject({
      content: "*Transcribing memo.wav…*\n",
      metadata: { transcription: "pending" },
    });

    // No scribe yet: tried and waited for, never given up.
    await waitFor(
      () => hub.output().includes("transcription of") && hub.output().includes("(will retry)"),
      "a try while scribe is not installed",
    );
    expect((await note(created.id)).metadata.transcription).toBe("pending");

    expect((await hub.op("POST", "/api/modules/vault/stop", {})).status).toBe(200);
    expect((await hub.op("POST", "/api/modules/install", { path: join(PACKAGES, "scribe") })).status).toBe(
      200,
    );
    expect((await hub.op("POST", "/api/modules/vault/start", {})).status).toBe(200);

    const done = await waitFor(
      async () => {
        const n = await note(created.id);
        return n.metadata.transcription === "done" ? n : null;
      },
      "the transcript",
      30_000,
    );
    expect(done.content).toContain("test");
    expect(done.content).not.toContain("Transcribing");
    const { attachments } = (await (await api("GET", `/notes/${created.id}/attachments`)).json()) as {
      attachments: unknown[];
    };
    expect(attachments).toHaveLength(1);
  }, 60_000);

  test("with keepAudio off the recording goes once transcribed; what cannot be transcribed is refused whole", async () => {
    const put = await fetch(`${hub.origin}/vault/.parachute/config`, {
      method: "PUT",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify({ keepAudio: false }),
    });
    expect(put.status).toBe(200);
    const created = (await (
      await api("POST", "/notes", JSON.stringify({ path: "Dropped audio", content: "Before" }), {
        "content-type": "application/json",
      })
    ).json()) as Note;
    expect((await upload(created.id, "memo.wav", readFileSync(speech()))).status).toBe(201);
    const done = await waitFor(
      async () => {
        const n = await note(created.id);
        return n.metadata.transcription === "done" ? n : null;
      },
      "the transcript",
      30_000,
    );
    expect(done.content).toStartWith("Before\n\n");
    const list = async () =>
      ((await (await api("GET", `/notes/${created.id}/attachments`)).json()) as { attachments: unknown[] })
        .attachments;
    expect(await list()).toEqual([]);

    const png = await upload(created.id, "picture.png", new Uint8Array([137, 80, 78, 71]));
    expect(png.status).toBe(400);
    expect(((await png.json()) as { message: string }).message).toContain(
      "only audio attachments can be transcribed",
    );
    expect((await upload(created.id, "memo2.wav", new Uint8Array([1]), "maybe")).status).toBe(400);
    expect(await list()).toEqual([]);
  }, 60_000);
});
