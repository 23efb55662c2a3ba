import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * A vocabulary of 20,000 made-up words drawn with a Zipf-like skew, as words are in real notes: a few
 * very common, most rare. (A tiny vocabulary would make every query match every note.)
 */
export const VOCAB = Array.from({ length: 20_000 }, (_, i) => `w${i.toString(36)}x`);
let seed = 42;
const rand = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};
export const zipfWord = () => VOCAB[Math.min(VOCAB.length - 1, Math.floor(VOCAB.length ** rand()) - 1)]!;

export function sentence(_i: number, n: number): string {
  let s = "";
  for (let k = 0; k < n; k++) s += `${zipfWord()} `;
  return s;
}

/** A folder of `n` markdown notes with frontmatter, tags and links, spread over 100 folders. */
export function corpus(dir: string, n: number): void {
  for (let i = 0; i < n; i++) {
    const folder = join(dir, `f${i % 100}`);
    if (i < 100) mkdirSync(folder, { recursive: true });
    const text = `---\ntitle: Note ${i}\ntags: [t${i % 20}]\n---\n# Note ${i}\n${sentence(i, 40)}\nSee [[f${(i + 1) % 100}/n${i + 1}]].\nunique${i}\n`;
    writeFileSync(join(folder, `n${i}.md`), text);
  }
}
