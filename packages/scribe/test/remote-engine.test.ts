import { afterAll, describe, expect, test } from "bun:test";
import { TEST_KEY, testApp } from "../testing/app.ts";
import { form, speech } from "../testing/speech.ts";

const auth = { authorization: `Bearer ${TEST_KEY}` };

/** One scribe serving on a real port: the remote service another scribe's openai-compatible engine calls. */
const remote = testApp();
const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (req) => remote.app.fetch(req) });
afterAll(() => server.stop(true));

describe("the openai-compatible engine, against another scribe's endpoint over HTTP", () => {
  const audio = Bun.file(speech());

  test("sends the audio on and answers with the remote's transcript and segments", async () => {
    const local = testApp({
      engine: "openai-compatible",
      remoteUrl: `${server.url}scribe/v1`,
      remoteApiKey: TEST_KEY,
      remoteModel: "pocketsphinx",
    });
    const res = await local.app.request("/scribe/v1/audio/transcriptions", {
      method: "POST",
      headers: auth,
      body: form({ file: audio, response_format: "verbose_json" }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { text: string; language: string; segments: { text: string }[] };
    expect(body.text).toContain("test");
    expect(body.language).toBe("en");
    expect(body.segments.length).toBeGreaterThan(0);
  }, 30_000);

  test("a remote that refuses, or is not there, is a 502 carrying what it said", async () => {
    const refused = testApp({
      engine: "openai-compatible",
      remoteUrl: `${server.url}scribe/v1`,
      remoteApiKey: "wrong-key",
    });
    const res = await refused.app.request("/scribe/v1/audio/transcriptions", {
      method: "POST",
      headers: auth,
      body: form({ file: audio }),
    });
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
      "the transcription service answered 401: no valid token",
    );

    const gone = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
    const url = `${gone.url}v1`;
    gone.stop(true);
    const absent = testApp({ engine: "openai-compatible", remoteUrl: url });
    const down = await absent.app.request("/scribe/v1/audio/transcriptions", {
      method: "POST",
      headers: auth,
      body: form({ file: audio }),
    });
    expect(down.status).toBe(502);
    expect(((await down.json()) as { error: { message: string } }).error.message).toStartWith(
      "the transcription service did not answer",
    );
  }, 30_000);

  test("the clean-up pass goes through a chat endpoint, and a failing one keeps the raw transcript", async () => {
    const chat = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: async (req) => {
        const body = (await req.json()) as { messages: { role: string; content: string }[] };
        const said = body.messages.at(-1)!.content;
        if (req.headers.get("authorization") !== "Bearer chat-key")
          return new Response("nope", { status: 401 });
        return Response.json({ choices: [{ message: { role: "assistant", content: `Cleaned: ${said}` } }] });
      },
    });
    try {
      const cleaned = testApp({ cleanup: { url: `${chat.url}v1`, apiKey: "chat-key", model: "m" } });
      const ok = await cleaned.app.request("/scribe/v1/audio/transcriptions", {
        method: "POST",
        headers: auth,
        body: form({ file: audio }),
      });
      expect(((await ok.json()) as { text: string }).text).toStartWith("Cleaned: ");

      const failing = testApp({ cleanup: { url: `${chat.url}v1`, apiKey: "wrong", model: "m" } });
      const raw = await failing.app.request("/scribe/v1/audio/transcriptions", {
        method: "POST",
        headers: auth,
        body: form({ file: audio }),
      });
      expect(raw.status).toBe(200);
      expect(((await raw.json()) as { text: string }).text).toContain("test");
      expect(failing.logged).toEqual(["clean-up pass skipped: HTTP 401"]);
    } finally {
      chat.stop(true);
    }
  }, 30_000);
});
