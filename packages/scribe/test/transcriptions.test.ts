import { describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { TEST_KEY, testApp } from "../testing/app.ts";
import { form, speech } from "../testing/speech.ts";

const auth = { authorization: `Bearer ${TEST_KEY}` };
const post = (
  app: ReturnType<typeof testApp>["app"],
  body: FormData | string,
  headers: Record<string, string> = {},
) =>
  app.request("/scribe/v1/audio/transcriptions", { method: "POST", body, headers: { ...auth, ...headers } });

describe("scribe's transcription API, with pocketsphinx on generated speech", () => {
  const audio = Bun.file(speech());

  test("speech cut off mid-sentence (a recording let go of early) still comes back as text", async () => {
    const { app } = testApp();
    const cut = `${speech()}.cut.wav`;
    const r = Bun.spawnSync([
      "ffmpeg",
      "-loglevel",
      "error",
      "-y",
      "-i",
      speech(),
      "-t",
      "1.4",
      "-ar",
      "16000",
      "-ac",
      "1",
      cut,
    ]);
    expect(r.exitCode).toBe(0);
    const res = await post(app, form({ file: Bun.file(cut), response_format: "verbose_json" }));
    const body = (await res.json()) as { text: string; segments: unknown[] };
    expect(body.text).toContain("oh wow");
    expect(body.segments.length).toBeGreaterThan(0);
  });

  test("answers in each response format OpenAI's API has", async () => {
    const { app } = testApp();
    const json = await post(app, form({ file: audio, model: "whisper-1" }));
    expect(json.status).toBe(200);
    const { text } = (await json.json()) as { text: string };
    expect(text).toContain("test");

    const plain = await post(app, form({ file: audio, model: "pocketsphinx", response_format: "text" }));
    expect(plain.headers.get("content-type")).toStartWith("text/plain");
    expect((await plain.text()).trim()).toBe(text);

    const verbose = (await (
      await post(app, form({ file: audio, response_format: "verbose_json" }))
    ).json()) as {
      task: string;
      language: string;
      duration: number;
      segments: { id: number; start: number; end: number; text: string }[];
    };
    expect(verbose).toMatchObject({ task: "transcribe", language: "en", text });
    expect(verbose.duration).toBeGreaterThan(2);
    expect(verbose.duration).toBeLessThan(10);
    expect(verbose.segments.length).toBeGreaterThan(0);
    expect(verbose.segments[0]!.end).toBeGreaterThan(verbose.segments[0]!.start);

    const srt = await (await post(app, form({ file: audio, response_format: "srt" }))).text();
    expect(srt).toMatch(/^1\n\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}\n\S/);
    const vtt = await (await post(app, form({ file: audio, response_format: "vtt" }))).text();
    expect(vtt).toMatch(/^WEBVTT\n\n\d\d:\d\d:\d\d\.\d{3} --> /);
  }, 30_000);

  test("lists the engines that can run, and why the others cannot", async () => {
    const { app } = testApp();
    const res = await app.request("/scribe/v1/models", { headers: auth });
    const body = (await res.json()) as {
      data: { id: string }[];
      unavailable: { id: string; reason: string }[];
    };
    expect(body.data.map((m) => m.id)).toEqual(["pocketsphinx"]);
    expect(body.unavailable).toEqual([
      { id: "whisper-cpp", reason: 'the program "whisper-cli" is not on the PATH' },
      { id: "openai-compatible", reason: "no service is set (setting remoteUrl)" },
    ]);
  });

  test("bad requests are refused naming what is wrong, in OpenAI's error shape", async () => {
    const { app } = testApp();
    const cases: [FormData | string, Record<string, string>, number, string][] = [
      ["{}", { "content-type": "application/json" }, 400, "multipart/form-data"],
      [form({ model: "whisper-1" }), {}, 400, '"file" is required'],
      [form({ file: audio, colour: "blue" }), {}, 400, '"colour" is not a field'],
      [form({ file: audio, response_format: "xml" }), {}, 400, '"response_format" must be one of'],
      [form({ file: audio, language: "English" }), {}, 400, '"language" must be an ISO-639-1 code'],
      [form({ file: audio, stream: "true" }), {}, 400, '"stream" is not supported'],
      [form({ file: new Blob(["this is not audio at all"]) }), {}, 415, "not audio scribe can read"],
      [form({ file: audio, language: "fr" }), {}, 422, "knows only English"],
      [form({ file: audio, model: "whisper-cpp" }), {}, 503, "the whisper-cpp engine cannot run"],
    ];
    for (const [body, headers, status, message] of cases) {
      const res = await post(app, body, headers);
      const err = (await res.json()) as { error: { message: string; type: string } };
      expect({ status: res.status, message: err.error.message }).toEqual({
        status,
        message: expect.stringContaining(message),
      });
    }
    const anonymous = await app.request("/scribe/v1/models");
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { type: string } }).error.type).toBe("authentication_error");
  }, 30_000);

  test("a playlist or file list posing as audio is refused, and never makes ffmpeg read another file", async () => {
    const { app, workDir } = testApp();
    const secret = `${workDir}-secret.wav`;
    await Bun.write(secret, Bun.file(speech()));
    const lists = [
      `#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:3.0,\n${secret}\n#EXT-X-ENDLIST\n`,
      `ffconcat version 1.0\nfile '${secret}'\n`,
    ];
    for (const list of lists) {
      const res = await post(app, form({ file: new Blob([list]) }));
      const { error } = (await res.json()) as { error: { code: string; message: string } };
      expect(res.status).toBe(415);
      expect(error.message).toContain("not audio scribe can read");
      expect(error.message).not.toContain(workDir); // nor any path of this machine
    }
    const empty = await post(app, form({ file: new Blob([]) }));
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { error: { message: string } }).error.message).toContain("is empty");
  }, 30_000);

  test("a recording longer than maxMinutes is refused with 422 once decoding passes the limit", async () => {
    const { app, set } = testApp();
    set({ maxMinutes: 1 });
    const long = `${speech()}.long.wav`;
    // 75 s of quiet noise: past the one-minute limit.
    const r = Bun.spawnSync([
      "ffmpeg",
      "-loglevel",
      "error",
      "-y",
      "-f",
      "lavfi",
      "-i",
      "anoisesrc=a=0.01:d=75",
      "-ar",
      "16000",
      long,
    ]);
    expect(r.exitCode).toBe(0);
    const res = await post(app, form({ file: Bun.file(long) }));
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("audio_too_long");
  }, 30_000);

  test("an upload over the cap is refused before it is read; a full queue answers 429 with Retry-After", async () => {
    const t = testApp({ maxUploadMb: 1, queueSize: 1 });
    const big = await post(t.app, "x".repeat(10), {
      "content-type": "multipart/form-data; boundary=x",
      "content-length": String(2 * 1024 * 1024),
    });
    expect(big.status).toBe(413);

    t.set({ maxUploadMb: 100 });
    const first = post(t.app, form({ file: audio }));
    const second = await post(t.app, form({ file: audio }));
    expect(second.status).toBe(429);
    expect(Number(second.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await second.json()) as { error: { type: string } }).error.type).toBe("rate_limit_error");
    expect((await first).status).toBe(200);
    expect((await post(t.app, form({ file: audio }))).status).toBe(200);
  }, 30_000);

  test("a job past its time is stopped with 504, its engine's processes killed and its files removed", async () => {
    const t = testApp({ timeoutSeconds: 0.05 });
    const res = await post(t.app, form({ file: audio }));
    expect(res.status).toBe(504);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain(
      "took longer than",
    );
    expect(readdirSync(t.workDir)).toEqual([]);
    const left = Bun.spawnSync(["pgrep", "-f", `${t.workDir}/`])
      .stdout.toString()
      .trim();
    expect(left).toBe("");
  }, 30_000);
});
