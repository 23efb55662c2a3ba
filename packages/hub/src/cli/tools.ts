/** The absolute path of `name` on the PATH the command was given, or null when it is not installed. */
export function findTool(name: string, env: Record<string, string | undefined>): string | null {
  return Bun.which(name, { PATH: env.PATH ?? "" });
}

export interface ToolResult {
  code: number;
  /** stdout and stderr as they came, interleaved by line. */
  output: string;
}

/**
 * Runs a tool from an argv array (never through a shell) and collects its output; each line is also
 * handed to `echo` as it arrives, so a tool that waits for the person (a consent URL to open) says so
 * while it waits. An interrupt stops the tool.
 */
export async function runTool(
  argv: string[],
  env: Record<string, string | undefined>,
  echo: (line: string) => void = () => {},
  interrupted?: Promise<void>,
): Promise<ToolResult> {
  const proc = Bun.spawn(argv, { env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  void interrupted?.then(() => proc.kill("SIGTERM"));
  const lines: string[] = [];
  const read = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    let rest = "";
    for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
      rest += decoder.decode(chunk, { stream: true });
      const parts = rest.split("\n");
      rest = parts.pop() ?? "";
      for (const line of parts) take(line);
    }
    if (rest) take(rest);
  };
  const take = (line: string) => {
    lines.push(line);
    if (line.trim()) echo(line);
  };
  const [code] = await Promise.all([proc.exited, read(proc.stdout), read(proc.stderr)]);
  return { code, output: lines.join("\n") };
}

/** A command line as a person would type it, for messages. */
export function shown(argv: string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(" ");
}
