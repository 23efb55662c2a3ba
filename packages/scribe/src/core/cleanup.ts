const INSTRUCTION =
  "You correct speech transcripts. Fix punctuation, capitalisation and obvious mis-hearings; do not add, drop or reword anything else. Answer with the corrected text only.";

export interface CleanupSettings {
  url: string;
  apiKey: string | undefined;
  model: string;
}

/**
 * The optional clean-up pass: the transcript through an OpenAI-compatible chat endpoint. A failure
 * keeps the raw transcript (it is still the right words) and says why in the log.
 */
export async function cleanUp(
  text: string,
  s: CleanupSettings,
  signal: AbortSignal,
  log: (line: string) => void,
): Promise<string> {
  if (!text.trim()) return text;
  try {
    const res = await fetch(`${s.url.replace(/\/+$/, "")}/chat/completions`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(s.apiKey ? { authorization: `Bearer ${s.apiKey}` } : {}),
      },
      body: JSON.stringify({
        model: s.model,
        messages: [
          { role: "system", content: INSTRUCTION },
          { role: "user", content: text },
        ],
      }),
      signal,
      redirect: "error",
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const body = (await res.json()) as { choices?: { message?: { content?: unknown } }[] };
    const cleaned = body.choices?.[0]?.message?.content;
    if (typeof cleaned !== "string" || !cleaned.trim()) throw new Error("no text in the answer");
    return cleaned.trim();
  } catch (err) {
    if (signal.aborted) throw err;
    log(`clean-up pass skipped: ${(err as Error).message}`);
    return text;
  }
}
