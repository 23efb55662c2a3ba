/**
 * Runs the whole test suite with `bun test`, streams its output, and ends with one plain summary line
 * (`N passed, N failed`). Extra arguments go to `bun test` (a file filter, say).
 */
const args = process.argv.slice(2);
const proc = Bun.spawn([process.execPath, "test", "--timeout", "120000", ...args], {
  stdout: "pipe",
  stderr: "pipe",
  env: { ...process.env, FORCE_COLOR: "0" },
});

let passed = 0;
let failed = 0;
const decoder = new TextDecoder();

async function pump(stream: ReadableStream<Uint8Array>, out: NodeJS.WriteStream) {
  let rest = "";
  const reader = stream.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    out.write(value);
    rest += decoder.decode(value, { stream: true });
    const lines = rest.split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) {
      const m = /^\s*(\d+) (pass|fail)$/.exec(line);
      if (m?.[2] === "pass") passed = Number(m[1]);
      if (m?.[2] === "fail") failed = Number(m[1]);
    }
  }
}

await Promise.all([pump(proc.stdout, process.stdout), pump(proc.stderr, process.stderr)]);
const code = await proc.exited;
if (code !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed`);
process.exit(code === 0 && passed > 0 ? 0 : 1);

export {};
