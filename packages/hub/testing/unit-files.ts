/**
 * Strict readers for the unit files `parachute init` writes, written from the formats' rules (not from
 * the renderers), so a test reads the values back the way systemd and launchd would.
 */

/** A systemd unit file as section → list of [key, raw value], in order. */
export function parseUnit(text: string): Map<string, [string, string][]> {
  const sections = new Map<string, [string, string][]>();
  let current: [string, string][] | null = null;
  for (const line of text.split("\n")) {
    if (!line.trim() || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[([A-Za-z]+)\]$/.exec(line);
    if (header) {
      current = [];
      sections.set(header[1]!, current);
      continue;
    }
    const eq = line.indexOf("=");
    if (!current || eq <= 0 || line.endsWith("\\")) throw new Error(`not a unit file line: ${line}`);
    current.push([line.slice(0, eq).trim(), line.slice(eq + 1).trim()]);
  }
  return sections;
}

/** All values of `key` in `section`. */
export function unitValues(unit: Map<string, [string, string][]>, section: string, key: string): string[] {
  return (unit.get(section) ?? []).filter(([k]) => k === key).map(([, v]) => v);
}

const C_ESCAPES: Record<string, string> = { "\\": "\\", '"': '"', "'": "'", n: "\n", t: "\t", s: " " };

/**
 * A value split into words as systemd does (systemd.syntax): specifiers first (`%%` → `%`; any other
 * specifier is an error here), then quotes and C escapes; from word `dollarsFrom` on (a command's
 * arguments), `$$` → `$` and a lone `$` (a variable) is an error.
 */
export function unitWords(value: string, dollarsFrom = Number.POSITIVE_INFINITY): string[] {
  if (/%[^%]/.test(value.replace(/%%/g, ""))) throw new Error(`unescaped specifier in ${value}`);
  const text = value.replace(/%%/g, "%");
  const words: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === " ") {
      i++;
      continue;
    }
    let word = "";
    while (i < text.length && text[i] !== " ") {
      const quote = text[i];
      if (quote !== '"' && quote !== "'") {
        word += text[i++];
        continue;
      }
      i++;
      while (text[i] !== quote) {
        if (i >= text.length) throw new Error(`unbalanced quotes in ${value}`);
        if (text[i] === "\\") {
          const escaped = C_ESCAPES[text[i + 1] ?? ""];
          if (escaped === undefined) throw new Error(`unknown escape in ${value}`);
          word += escaped;
          i += 2;
        } else word += text[i++];
      }
      i++;
    }
    const dollars = words.length >= dollarsFrom;
    if (dollars && word.replace(/\$\$/g, "").includes("$")) throw new Error(`variable in ${word}`);
    words.push(dollars ? word.replace(/\$\$/g, "$") : word);
  }
  return words;
}

/** Parses an XML property list of dict, array, string, integer, true and false; anything else throws. */
export function parsePlist(text: string): unknown {
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`plist: ${why} at offset ${i}: ${JSON.stringify(text.slice(i, i + 40))}`);
  };
  const skipSpace = () => {
    while (/\s/.test(text[i] ?? "")) i++;
  };
  const expect = (s: string) => {
    if (!text.startsWith(s, i)) fail(`expected ${s}`);
    i += s.length;
  };
  const tag = (): string => {
    expect("<");
    const end = text.indexOf(">", i);
    const name = text.slice(i, end);
    if (end < 0 || !/^[a-z]+\/?$/.test(name)) fail(`bad tag <${name}>`);
    i = end + 1;
    return name;
  };
  const decode = (raw: string): string => {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: XML 1.0 forbids them
    if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(raw)) fail("control character");
    let out = "";
    for (let k = 0; k < raw.length; k++) {
      if (raw[k] !== "&") {
        out += raw[k];
        continue;
      }
      const m = /^&(amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/.exec(raw.slice(k));
      if (!m) fail(`bare & in ${JSON.stringify(raw)}`);
      const name = m![1]!;
      const named: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
      out +=
        named[name] ??
        String.fromCodePoint(Number(name.startsWith("#x") ? `0x${name.slice(2)}` : name.slice(1)));
      k += m![0].length - 1;
    }
    return out;
  };
  const textOf = (element: string): string => {
    const end = text.indexOf("<", i);
    const raw = text.slice(i, end);
    i = end;
    expect(`</${element}>`);
    return decode(raw);
  };
  const value = (): unknown => {
    const name = tag();
    if (name === "true/") return true;
    if (name === "false/") return false;
    if (name === "string") return textOf("string");
    if (name === "integer") {
      const digits = textOf("integer");
      return /^-?\d+$/.test(digits) ? Number(digits) : fail(`bad integer ${digits}`);
    }
    if (name === "array") {
      const items: unknown[] = [];
      for (skipSpace(); !text.startsWith("</array>", i); skipSpace()) items.push(value());
      expect("</array>");
      return items;
    }
    if (name === "dict") {
      const dict: Record<string, unknown> = {};
      for (skipSpace(); !text.startsWith("</dict>", i); skipSpace()) {
        if (tag() !== "key") fail("expected <key>");
        const key = textOf("key");
        if (key in dict) fail(`duplicate key ${key}`);
        skipSpace();
        dict[key] = value();
      }
      expect("</dict>");
      return dict;
    }
    return fail(`unknown element <${name}>`);
  };
  expect('<?xml version="1.0" encoding="UTF-8"?>');
  skipSpace();
  if (text.startsWith("<!DOCTYPE plist ", i)) i = text.indexOf(">", i) + 1;
  skipSpace();
  expect('<plist version="1.0">');
  skipSpace();
  const result = value();
  skipSpace();
  expect("</plist>");
  skipSpace();
  if (i !== text.length) fail("text after </plist>");
  return result;
}
