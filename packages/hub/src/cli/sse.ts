/** One Server-Sent Event: its name (`message` when unnamed) and its data lines joined. */
export interface SseEvent {
  event: string;
  data: string;
}

/** Reads an SSE body event by event until it ends, `stop` resolves, or `onEvent` returns false. */
export async function readSse(
  body: ReadableStream,
  onEvent: (e: SseEvent) => boolean | undefined,
  stop?: Promise<void>,
): Promise<void> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  void stop?.then(() => reader.cancel());
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
    if (done) return;
    buffer += value;
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      const block = buffer.slice(0, end).split("\n");
      buffer = buffer.slice(end + 2);
      const data = block.filter((l) => l.startsWith("data:")).map((l) => l.slice(5).replace(/^ /, ""));
      const name =
        block
          .find((l) => l.startsWith("event:"))
          ?.slice(6)
          .trim() ?? "message";
      if (data.length && onEvent({ event: name, data: data.join("\n") }) === false) {
        await reader.cancel();
        return;
      }
      end = buffer.indexOf("\n\n");
    }
  }
}
