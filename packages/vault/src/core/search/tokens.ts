import { Database } from "bun:sqlite";

/**
 * Text split into the terms FTS5's `unicode61 remove_diacritics 2` tokenizer makes, one list per
 * column (path, content), in order — so the ranked index, phrase checks and bm25 lengths agree with
 * the FTS5 index token for token. ASCII text is split here (letters and digits, lowercased: exactly
 * what unicode61 does below 0x80); any other text is handed to FTS5's own tokenizer in a scratch
 * in-memory table, so folding and diacritics are never guessed.
 */
export function tokenize(text: string): string[] {
  if (ASCII.test(text)) return text.toLowerCase().match(WORD) ?? [];
  return scratchTokens(text);
}

const ASCII = /^[^\u0080-\uffff]*$/;
const WORD = /[a-z0-9]+/g;

let scratch: { insert: (t: string) => void; read: () => { term: string; offset: number }[] } | null = null;

function scratchTokens(text: string): string[] {
  if (!scratch) {
    const db = new Database(":memory:");
    db.exec(`CREATE VIRTUAL TABLE t USING fts5(x, tokenize='unicode61 remove_diacritics 2');
             CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance');`);
    const ins = db.query("INSERT INTO t (rowid, x) VALUES (1, ?)");
    const sel = db.query("SELECT term, offset FROM v");
    const del = db.query("DELETE FROM t");
    scratch = {
      insert: (t) => {
        del.run();
        ins.run(t);
      },
      read: () => sel.all() as { term: string; offset: number }[],
    };
  }
  scratch.insert(text);
  const out: string[] = [];
  for (const r of scratch.read()) out[r.offset] = r.term;
  return out;
}
