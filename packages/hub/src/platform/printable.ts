// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const escaped = (c: string) => {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16)}`;
};

/**
 * Text as it may reach a terminal, a log file or the API: control characters (escape sequences that
 * rewrite the operator's screen, newlines that forge a line of their own) and bidirectional
 * overrides become `\xNN` / `\uNNNN`; tabs stay, and newlines when `keepNewlines`.
 */
export function printable(text: string, keepNewlines = false): string {
  return text.replace(UNSAFE, (c) => (keepNewlines && c === "\n" ? c : escaped(c)));
}
