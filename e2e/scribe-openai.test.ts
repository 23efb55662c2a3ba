import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createReadStream } from "node:fs";
import { join } from "node:path";
import OpenAI, { PermissionDeniedError } from "openai";
import { cleanUp, type HubProcess, startHub, tempHome } from "../packages/hub/testing/hub-process.ts";
import { speech } from "../packages/scribe/testing/speech.ts";

const SCRIBE_DIR = join(import.meta.dir, "..", "packages", "scribe");

/** What a client call failed with (the openai client's promises are its own kind). */
const failure = (call: PromiseLike<unknown>): Promise<Error> =>
  Promise.resolve(call).then(
    () => new Error("the call succeeded"),
    (err: Error) => err,
  );

/** Scribe installed in a real hub, driven by the official `openai` client with a hub token. */
describe("scribe through the hub, with the openai client", () => {
  let hub: HubProcess;
  let client: OpenAI;
  let wav: string;
  const token = async (scope: string) =>
    ((await (await hub.api("POST", "/api/tokens", { scope })).json()) as { token: string }).token;

  beforeAll(async () => {
    hub = await startHub(tempHome());
    expect((await hub.op("POST", "/api/modules/install", { path: SCRIBE_DIR })).status).toBe(200);
    client = new OpenAI({ apiKey: await token("scribe:transcribe"), baseURL: `${hub.origin}/scribe/v1` });
    wav = speech();
  }, 30_000);
  afterAll(async () => {
    await hub?.stop();
    await cleanUp();
  });

  test("audio.transcriptions.create works unchanged, in every response format", async () => {
    const json = await client.audio.transcriptions.create({
      file: createReadStream(wav),
      model: "whisper-1",
    });
    expect(json.text).toContain("test");

    const verbose = await client.audio.transcriptions.create({
      file: createReadStream(wav),
      model: "whisper-1",
      response_format: "verbose_json",
    });
    expect(verbose.language).toBe("en");
    expect(verbose.duration).toBeGreaterThan(2);
    expect(verbose.segments?.length).toBeGreaterThan(0);

    const text = await client.audio.transcriptions.create({
      file: createReadStream(wav),
      model: "pocketsphinx",
      response_format: "text",
    });
    expect(String(text).trim()).toBe(json.text);
    const srt = await client.audio.transcriptions.create({
      file: createReadStream(wav),
      model: "whisper-1",
      response_format: "srt",
    });
    expect(String(srt)).toStartWith("1\n00:00:");
    const vtt = await client.audio.transcriptions.create({
      file: createReadStream(wav),
      model: "whisper-1",
      response_format: "vtt",
    });
    expect(String(vtt)).toStartWith("WEBVTT");

    // The module's own URL says where the API is.
    const index = await fetch(`${hub.origin}/scribe/`, {
      headers: { authorization: `Bearer ${client.apiKey}` },
    });
    expect(await index.json()).toEqual({
      openai_base_url: `${hub.origin}/scribe/v1`,
      engines: ["pocketsphinx"],
    });

    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(["pocketsphinx"]);
  }, 60_000);

  test("closed by default: no token is 401, a token without scribe:transcribe is refused", async () => {
    const form = new FormData();
    form.set("file", Bun.file(wav), "a.wav");
    const anonymous = await fetch(`${hub.origin}/scribe/v1/audio/transcriptions`, {
      method: "POST",
      body: form,
    });
    expect(anonymous.status).toBe(401);

    const admin = new OpenAI({ apiKey: await token("scribe:admin"), baseURL: `${hub.origin}/scribe/v1` });
    const refused = await failure(
      admin.audio.transcriptions.create({ file: createReadStream(wav), model: "whisper-1" }),
    );
    expect(refused).toBeInstanceOf(PermissionDeniedError);
    expect(refused.message).toBe("403 this needs the scope scribe:transcribe");
  }, 30_000);

  test("settings change the engine at once; one that cannot run answers why", async () => {
    const adminToken = await token("scribe:admin");
    const put = (values: Record<string, unknown>) =>
      fetch(`${hub.origin}/scribe/.parachute/config`, {
        method: "PUT",
        headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
        body: JSON.stringify(values),
      });
    expect((await put({ engine: "whisper-cpp" })).status).toBe(200);
    try {
      const refused = await failure(
        client.audio.transcriptions.create({ file: createReadStream(wav), model: "whisper-1" }),
      );
      expect(refused.message).toBe(
        '503 the whisper-cpp engine cannot run: the program "whisper-cli" is not on the PATH',
      );
    } finally {
      expect((await put({ engine: null })).status).toBe(200);
    }
    const back = await client.audio.transcriptions.create({
      file: createReadStream(wav),
      model: "whisper-1",
    });
    expect(back.text).toContain("test");
  }, 60_000);
});
